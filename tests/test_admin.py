"""The admin: every model registered, every changelist, search and add form renders."""

import pytest
from django.contrib import admin
from django.urls import reverse

from plans.models import Assignment, Task
from tests.conftest import agency
from tests.factories import day, make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db

APP_MODELS = [
    m for m in admin.site._registry if m._meta.app_label in {"agencies", "parindex", "plans"}
]


def test_every_model_of_the_apps_is_registered():
    from django.apps import apps

    for app in ("agencies", "parindex", "plans"):
        for model in apps.get_app_config(app).get_models():
            if model.__name__.endswith("Tally"):
                # The dashboard's counters (plans.tallies): derived from the assignments in the
                # same transaction and checked by `recount_tallies`; nothing to read or edit
                # by hand, and an edit would only make them wrong.
                continue
            assert model in admin.site._registry, model


@pytest.fixture
def admin_client_with_data(client, administrator, bac_kan):
    administrator.is_staff = administrator.is_superuser = True
    administrator.save()
    task = make_task(make_plan(bac_kan, title="Kế hoạch thử"), due_on=day("31/12/2022"))
    make_assignment(task, agency(bac_kan, "Sở Tư pháp"))
    client.force_login(administrator)
    return client


@pytest.mark.parametrize("model", APP_MODELS, ids=lambda m: m.__name__)
def test_changelist_search_and_add_pages_render(admin_client_with_data, administrator, rf, model):
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert admin_client_with_data.get(changelist).status_code == 200
    assert admin_client_with_data.get(changelist, {"q": "sở"}).status_code == 200
    request = rf.get("/")
    request.user = administrator
    # Read-only models (history, import runs, evidence) refuse the add form.
    can_add = admin.site._registry[model].has_add_permission(request)
    add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    assert admin_client_with_data.get(add).status_code == (200 if can_add else 403)


def test_task_page_edits_its_assignments_inline(admin_client_with_data, bac_kan):
    task = Task.objects.get()
    url = reverse("admin:plans_task_change", args=[task.pk])
    page = admin_client_with_data.get(url)
    assert page.status_code == 200
    assert "Sở Tư pháp" in page.text
    assert "Phân công" in page.text or "phân công" in page.text


def test_admin_labels_are_vietnamese(admin_client_with_data):
    page = admin_client_with_data.get(reverse("admin:index"))
    for label in ("Kế hoạch khắc phục", "Nhiệm vụ", "Cơ quan", "Kết quả chỉ số"):
        assert label.lower() in page.text.lower()


def test_agency_search_finds_names_without_diacritics(admin_client_with_data, bac_kan):
    url = reverse("admin:agencies_agency_changelist")
    page = admin_client_with_data.get(url, {"q": "so noi vu", "province__id__exact": bac_kan.pk})
    assert page.status_code == 200
    assert [a.name for a in page.context["cl"].result_list] == ["Sở Nội vụ"]


def test_assignment_count_unchanged_by_viewing(admin_client_with_data):
    before = Assignment.objects.count()
    admin_client_with_data.get(reverse("admin:plans_assignment_changelist"))
    assert Assignment.objects.count() == before

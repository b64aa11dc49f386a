"""The web import: upload, preview (nothing written), confirm (everything in one go), history."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from plans.models import ImportRun, Plan, Task
from tests.downloads import fetch_file
from tests.plans.test_import import PAPI_XLS, PLAN_2022

pytestmark = pytest.mark.django_db


def upload(client, path, **fields):
    data = {
        "file": SimpleUploadedFile(path.name, path.read_bytes()),
        "province": fields.pop("province"),
        "plan_number": "",
        "plan_title": "",
        "plan_date": "",
        "year": "",
        **fields,
    }
    return client.post(reverse("plans:import_new"), data)


def test_preview_shows_mapping_agencies_deadlines_and_warnings_and_writes_no_plan(
    client, reviewer, bac_kan
):
    client.force_login(reviewer)
    response = upload(client, PLAN_2022, province=bac_kan.pk, plan_number="KH-2022", year="2022")
    assert response.status_code == 302
    assert not Plan.objects.exists() and not Task.objects.exists()
    preview = client.get(response.url)
    page = preview.text
    assert preview.status_code == 200
    assert "Xem trước" in page and "Xác nhận nhập" in page
    assert "Phụ lục I" in page and "Phụ lục II" in page
    assert "B: nhiệm vụ" in page and "C: phối hợp" in page and "D: thời gian" in page
    assert "SỞ TƯ PHÁP CHỦ TRÌ THỰC HIỆN" in page
    assert "Quý III-IV/2022" in page and "từ 01/07/2022 đến 31/12/2022" in page
    assert 'class="tag expanded"' in page and 'class="tag new"' in page
    assert "<strong>70</strong> nhiệm vụ mới" in page


def test_confirm_writes_everything_once(client, reviewer, bac_kan):
    client.force_login(reviewer)
    preview_url = upload(
        client, PLAN_2022, province=bac_kan.pk, plan_number="KH-2022", year="2022"
    ).url
    preview = ImportRun.objects.get()
    confirm_url = reverse("plans:import_confirm", args=[preview.pk])
    assert client.get(confirm_url).status_code == 405  # state changes are POST-only
    response = client.post(confirm_url)
    assert response.status_code == 302
    plan = Plan.objects.get()
    assert (plan.number, plan.year, plan.tasks.count(), plan.sections.count()) == (
        "KH-2022",
        2022,
        70,
        14,
    )
    done = client.get(response.url)
    assert "Đã nhập: 70 nhiệm vụ mới" in done.text
    # Confirming the same preview again does not import twice.
    client.post(confirm_url)
    assert Task.objects.count() == 70
    assert ImportRun.objects.filter(dry_run=False).count() == 1
    assert "đã được xác nhận" in client.get(preview_url).text
    history = client.get(reverse("plans:import_list"))
    assert history.status_code == 200 and PLAN_2022.name in history.text


def test_xls_through_the_web_reads_plan_details_from_the_title(client, reviewer, bac_kan):
    client.force_login(reviewer)
    response = upload(client, PAPI_XLS, province=bac_kan.pk)
    client.post(reverse("plans:import_confirm", args=[ImportRun.objects.get().pk]))
    plan = Plan.objects.get()
    assert (plan.number, plan.year, plan.tasks.count(), plan.sections.count()) == (
        "22/KH-UBND",
        2018,
        32,
        6,
    )
    assert response.status_code == 302


def test_bad_file_is_refused_on_the_form_with_a_vietnamese_message(client, reviewer, bac_kan):
    client.force_login(reviewer)
    response = client.post(
        reverse("plans:import_new"),
        {
            "file": SimpleUploadedFile("phu-luc.xlsx", b"not a workbook at all"),
            "province": bac_kan.pk,
        },
    )
    assert response.status_code == 200
    assert "không phải là bảng tính Excel" in response.text
    assert not ImportRun.objects.exists()


def test_staff_and_leaders_cannot_import(client, staff_tuphap, leader):
    for user in (staff_tuphap, leader):
        client.force_login(user)
        assert client.get(reverse("plans:import_new")).status_code == 403
        assert client.get(reverse("plans:import_list")).status_code == 403


def test_reviewer_cannot_import_into_another_province_or_see_its_runs(
    client, reviewer, other_reviewer, bac_kan, cao_bang
):
    client.force_login(other_reviewer)
    response = upload(client, PLAN_2022, province=bac_kan.pk, plan_number="KH-2022", year="2022")
    assert response.status_code == 200  # the form refuses the choice
    assert not ImportRun.objects.exists()
    client.force_login(reviewer)
    upload(client, PLAN_2022, province=bac_kan.pk, plan_number="KH-2022", year="2022")
    run = ImportRun.objects.get()
    client.force_login(other_reviewer)
    assert client.get(reverse("plans:import_detail", args=[run.pk])).status_code == 404
    assert client.post(reverse("plans:import_confirm", args=[run.pk])).status_code == 404
    assert not Plan.objects.exists()


def test_plan_export_is_limited_to_the_plan_province(client, reviewer, other_reviewer, bac_kan):
    client.force_login(reviewer)
    upload(client, PAPI_XLS, province=bac_kan.pk)
    client.post(reverse("plans:import_confirm", args=[ImportRun.objects.get().pk]))
    plan = Plan.objects.get()
    url = reverse("plans:plan_export", args=[plan.pk])
    response = fetch_file(client, url)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    client.force_login(other_reviewer)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404


def test_imported_text_is_shown_escaped(client, reviewer, bac_kan, tmp_path):
    from tests.plans.test_import import build_workbook

    path = build_workbook(
        tmp_path,
        [
            ["TT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian"],
            ["1", "<script>alert(1)</script> Nhiệm vụ", "Sở Nội vụ", "Quý I/2023"],
        ],
    )
    client.force_login(reviewer)
    response = upload(client, path, province=bac_kan.pk, plan_number="1/KH", year="2023")
    page = client.get(response.url).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page

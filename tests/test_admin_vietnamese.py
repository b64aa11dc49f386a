"""The admin speaks Vietnamese: every changelist and add page (Django's, ours and the
third-party apps'), its scripts' catalog, the user and membership forms; agency pickers name
the province and the dates; names read in Vietnamese order."""

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import django
import polib
import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from django.utils.translation import trans_real

from agencies.models import Membership, Province
from parindex.ops.translations import catalogs, catalogs_compile
from tests.conftest import PASSWORD, agency
from tests.factories import day, make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db

User = get_user_model()

# What the issue found in English, and the other English Django admin shows by default.
ENGLISH = [
    "Password-based authentication",
    "After you've created a user",
    "After you’ve created a user",
    "Choose all",
    "Remove all",
    "Can add",
    "Can change",
    "Can delete",
    "Can view",
    "Access attempts",
    "Access Attempt",
    "Log entries",
    "Mục đăng nhập",
    "AXES",
    "Axes",
    "Tasks Database Backend",
    "Task Results",
    "Audit log",
    "Add ",
    "Change ",
    "Select ",
    "Filter",
    "Search",
    "Show counts",
    "Welcome",
    "View site",
    "Log out",
    "Recent actions",
    "Home",
    "Save",
    "Go",
    "Action:",
    "selected",
    "Skip to main content",
    "Toggle",
    "Model name",
    "Add link",
    "Authentication and Authorization",
    "Personal info",
    "Important dates",
    "Staff status",
    "Superuser status",
    "Status",
    "Correlation ID",
    "changes:",
    "system",
]
# Role values as stored: the pages must show their labels.
ROLE_VALUES = ["staff", "reviewer", "leader"]


class VisibleText(HTMLParser):
    """The text a person sees or hears: text nodes outside scripts and styles, and the
    attributes browsers show or read out (title, placeholder, aria-label, button values)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        attrs = dict(attrs)
        for name in ("title", "placeholder", "aria-label"):
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.parts


def is_english(msgid: str) -> bool:
    """Our own source strings are Vietnamese; a msgid with no Vietnamese letter and an English
    word (not an acronym such as "SHA-256") is a third-party string that needs a translation."""
    letters = re.sub(r"[’“”…–—]", "", msgid)
    word = re.search(r"\b(?=[A-Za-z]*[a-z])[A-Za-z]{2,}\b", letters)
    return not re.search(r"[^\x00-\x7f]", letters) and word is not None


@pytest.fixture
def untranslated(monkeypatch):
    """Every English msgid the pages asked gettext for that the Vietnamese catalogs do not
    have. The real translations are still returned: this only listens."""
    missing: set[str] = set()
    gettext, ngettext = trans_real.DjangoTranslation.gettext, trans_real.DjangoTranslation.ngettext

    def listening_gettext(self, message):
        if self.language() == "vi" and message not in self._catalog and is_english(message):
            missing.add(message)
        return gettext(self, message)

    def listening_ngettext(self, singular, plural, number):
        if self.language() == "vi" and (singular, 0) not in self._catalog and is_english(singular):
            missing.add(singular)
        return ngettext(self, singular, plural, number)

    monkeypatch.setattr(trans_real.DjangoTranslation, "gettext", listening_gettext)
    monkeypatch.setattr(trans_real.DjangoTranslation, "ngettext", listening_ngettext)
    return missing


@pytest.fixture
def superuser_client(client, administrator, staff_tuphap, reviewer, leader, bac_kan):
    """An administrator's browser, with a row in most lists: a plan, a task, an assignment,
    memberships of every role, a failed login (django-axes) and the audit log they made."""
    administrator.is_staff = administrator.is_superuser = True
    administrator.first_name, administrator.last_name = "Nguyễn Văn", "An"
    # The user's page shows the start of the password's salt: a random one spelled "Go" or
    # "Home" there about once in a few hundred runs. Digits only, so the page is the same
    # every run.
    administrator.password = make_password(PASSWORD, salt="2022123100000000")
    administrator.save()
    task = make_task(make_plan(bac_kan, title="Kế hoạch thử"), due_on=day("31/12/2022"))
    make_assignment(task, agency(bac_kan, "Sở Tư pháp"))
    client.post(reverse("login"), {"username": "tuphap", "password": "sai-mat-khau"})
    client.force_login(administrator)
    return client


def admin_pages(request_user) -> list[str]:
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = request_user
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        urls.append(reverse("admin:app_list", args=[opts.app_label]))
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        if model_admin.has_add_permission(request):
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    urls.append(reverse("admin:auth_user_change", args=[request_user.pk]))
    urls.append(reverse("admin:auth_user_history", args=[request_user.pk]))
    return list(dict.fromkeys(urls))


def test_every_admin_changelist_and_add_page_is_vietnamese(
    superuser_client, administrator, untranslated
):
    english_on = {}
    for url in admin_pages(administrator):
        page = superuser_client.get(url)
        assert page.status_code == 200, url
        parts = visible_text(page.content.decode())
        text = " | ".join(parts)
        found = [word for word in ENGLISH if word in text]
        found += [value for value in ROLE_VALUES if value in parts]
        if found:
            english_on[url] = found
    assert not english_on, f"English left on admin pages: {english_on}"
    assert not untranslated, (
        f"Strings the admin showed without a Vietnamese translation: {sorted(untranslated)}"
    )


def test_log_entries_are_the_history_of_changes(superuser_client):
    page = superuser_client.get(reverse("admin:index"))
    text = " | ".join(visible_text(page.content.decode()))
    assert "Nhật ký thao tác" in text
    assert "Nhật ký thay đổi dữ liệu" in text
    assert "Đăng nhập sai và khóa tài khoản" in text
    assert "Tác vụ chạy nền" in text


def test_the_admin_scripts_have_every_string_in_vietnamese(superuser_client):
    """The widgets the admin draws with JavaScript (the two-list picker's "Choose all",
    the calendar) read their words from this catalog."""
    script = superuser_client.get(reverse("admin:jsi18n")).content.decode()
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});\n", script, re.S).group(1))
    source = Path(django.__file__).parent / "contrib/admin/locale/en/LC_MESSAGES/djangojs.po"
    missing = [
        entry.msgid
        for entry in polib.pofile(str(source))
        if (f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid) not in catalog
    ]
    assert not missing
    assert catalog["Choose all %s"] == "Chọn tất cả %s"
    assert catalog["Remove all %s"] == "Bỏ tất cả %s"


def test_permissions_are_named_in_vietnamese(superuser_client):
    page = superuser_client.get(reverse("admin:auth_group_add"))
    text = page.content.decode()
    assert "Tỉnh và cơ quan | cơ quan | Được thêm" in text
    assert "Can add" not in text


def autocomplete(client, term: str, *, app="agencies", model="membership", field="agency"):
    url = reverse("admin:autocomplete")
    params = {"app_label": app, "model_name": model, "field_name": field, "term": term}
    response = client.get(url, params)
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


def test_agency_picker_names_province_and_validity_and_finds_by_province(superuser_client):
    found = autocomplete(superuser_client, "so y te bac kan")
    assert found == ["Sở Y tế – Bắc Kạn (đến 30/06/2025)"]
    # Thái Nguyên is an old and a new province: the dates tell them apart.
    found = autocomplete(superuser_client, "y tế thái nguyên")
    assert sorted(found) == [
        "Sở Y tế – Thái Nguyên (từ 01/07/2025)",
        "Sở Y tế – Thái Nguyên (đến 30/06/2025)",
    ]
    # Every picker of an agency: an assignment's, an alias's.
    assert autocomplete(superuser_client, "bac kan y te", app="plans", model="assignment") == [
        "Sở Y tế – Bắc Kạn (đến 30/06/2025)"
    ]
    assert "Sở Y tế – Bắc Kạn (đến 30/06/2025)" in autocomplete(
        superuser_client, "bac kan so y", model="agencyalias"
    )


def test_chosen_agency_shows_its_label_on_the_form(superuser_client, staff_tuphap):
    membership = Membership.objects.get(user=staff_tuphap)
    page = superuser_client.get(reverse("admin:agencies_membership_change", args=[membership.pk]))
    assert "Sở Tư pháp – Bắc Kạn (đến 30/06/2025)" in page.content.decode()


def test_province_picker_finds_without_diacritics(superuser_client):
    found = autocomplete(superuser_client, "bac kan", model="agency", field="province")
    assert found == [str(Province.objects.get(slug="06-bac-kan"))]


def user_add(client, bac_kan, **changes):
    data = {
        "username": "an.nv",
        "full_name": "Nguyễn  Văn An",
        "email": "an.nv@backan.gov.vn",
        "password1": "mat-khau-dai-12",
        "password2": "mat-khau-dai-12",
        "membership-TOTAL_FORMS": "1",
        "membership-INITIAL_FORMS": "0",
        "membership-MIN_NUM_FORMS": "0",
        "membership-MAX_NUM_FORMS": "1",
        "membership-0-role": "staff",
        "membership-0-agency": str(agency(bac_kan, "Sở Y tế").pk),
    } | changes
    return client.post(reverse("admin:auth_user_add"), data)


def test_user_form_stores_the_full_name_in_vietnamese_order(superuser_client, bac_kan):
    response = user_add(superuser_client, bac_kan)
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="an.nv")
    assert (user.first_name, user.last_name) == ("Nguyễn Văn", "An")
    assert user.get_full_name() == "Nguyễn Văn An"
    assert user.email == "an.nv@backan.gov.vn"
    assert user.membership.role == Membership.Role.STAFF
    assert user.membership.agency == agency(bac_kan, "Sở Y tế")
    listing = superuser_client.get(reverse("admin:auth_user_changelist"), {"q": "an.nv"})
    text = " | ".join(visible_text(listing.content.decode()))
    assert "Nguyễn Văn An" in text
    assert "Cán bộ cơ quan" in text
    assert "Sở Y tế – Bắc Kạn (đến 30/06/2025)" in text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": ""}, "email", "bắt buộc"),
        ({"full_name": "  "}, "full_name", "bắt buộc"),
        ({"membership-0-agency": ""}, None, "Chọn cơ quan"),
    ],
)
def test_user_form_refuses_without_email_name_or_agency(
    superuser_client, bac_kan, changes, field, message
):
    response = user_add(superuser_client, bac_kan, **changes)
    assert response.status_code == 200
    assert not User.objects.filter(username="an.nv").exists()
    page = response.content.decode()
    assert message.lower() in page.lower()
    if field:
        assert field in response.context["adminform"].form.errors


def test_user_form_explains_what_role_and_agency_grant(superuser_client):
    page = superuser_client.get(reverse("admin:auth_user_add")).content.decode()
    assert "Họ và tên" in page
    assert "Vai trò và cơ quan quyết định người dùng thấy và làm được gì" in page
    assert "xem mọi nhiệm vụ của tỉnh đó" in page


def test_user_change_form_edits_one_full_name(superuser_client, staff_tuphap):
    url = reverse("admin:auth_user_change", args=[staff_tuphap.pk])
    form = superuser_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name not in ("password", "groups", "user_permissions", "last_login")
        and value is not None
    }
    data |= {
        "full_name": "Trần Thị Bình",
        "membership-TOTAL_FORMS": "1",
        "membership-INITIAL_FORMS": "1",
        "membership-MIN_NUM_FORMS": "0",
        "membership-MAX_NUM_FORMS": "1",
        "membership-0-id": str(staff_tuphap.membership.pk),
        "membership-0-user": str(staff_tuphap.pk),
        "membership-0-role": "staff",
        "membership-0-agency": str(staff_tuphap.membership.agency_id),
    }
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    staff_tuphap.refresh_from_db()
    assert (staff_tuphap.first_name, staff_tuphap.last_name) == ("Trần Thị", "Bình")
    page = superuser_client.get(url).content.decode()
    assert 'value="Trần Thị Bình"' in page


def test_admin_greets_with_the_full_name(superuser_client):
    page = superuser_client.get(reverse("admin:index")).content.decode()
    assert "<strong>Nguyễn Văn An</strong>" in page


def test_translations_compile_without_gettext_tools(tmp_path):
    locale = tmp_path / "locale"
    shutil.copytree(
        Path(settings.BASE_DIR) / "locale", locale, ignore=shutil.ignore_patterns("*.mo")
    )
    compiled = catalogs_compile(locale_paths=[locale])
    assert {c.mo.name for c in compiled} == {"django.mo", "djangojs.mo"}
    import gettext

    with (locale / "vi/LC_MESSAGES/django.mo").open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)
    assert catalog.gettext("log entries") == "nhật ký thao tác"
    assert catalog.pgettext("Task", "Ready") == "Chờ chạy"


def test_the_compiled_catalogs_are_up_to_date():
    """`make setup` compiles locale/*.po; a .mo older than its .po would show stale words."""
    for po in catalogs(settings.LOCALE_PATHS):
        mo = po.with_suffix(".mo")
        assert mo.exists(), f"{mo} is missing: run `make setup`"
        fresh = polib.pofile(str(po)).to_binary()
        assert mo.read_bytes() == fresh, f"{mo} is older than {po.name}: run `make setup`"

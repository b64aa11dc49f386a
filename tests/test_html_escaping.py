"""Text people type or import is shown as text: HTML in a task, a section title, an agency
name, a progress note, an evidence or workbook file name never becomes markup on any page, in
the charts' JSON, or in the (plain-text) reminder emails.

The text arrives the way it would in real use: an annex workbook uploaded on the import page
(previewed, then confirmed), then a progress report with a note and a file from the browser.
"""

import datetime
import html
import io
import json
import re
from urllib.parse import urlencode

import openpyxl
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency
from parindex.indices.models import Result
from plans.models import Assignment, ImportRun, Plan, ReportingPeriod
from plans.reminders import reminders_send
from tests.conftest import agency
from tests.downloads import run_worker_once

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

SCRIPT = "<script>alert(1)</script>"
DESCRIPTION = f"Rà soát thủ tục {SCRIPT} <b>đậm</b>"
SECTION = f"Mục <i>nghiêng</i> {SCRIPT}"
AGENCY = '"><img src=x onerror=alert(2)>'
NOTE = f"Đã họp <u>gạch</u> {SCRIPT}"
EVIDENCE = "<img src=x onerror=alert(3)>.pdf"
WORKBOOK = "<svg onload=alert(4)>.xlsx"


def annex() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Phụ lục"
    due = TODAY + datetime.timedelta(days=5)
    for values in [
        ["PHỤ LỤC"],
        [f"(Kèm theo Kế hoạch số 31/KH-UBND ngày 02/01/{TODAY.year} của UBND tỉnh Bắc Kạn)"],
        [],
        ["TT", "Nhiệm vụ, giải pháp", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian"],
        ["I", SECTION],
        ["1", DESCRIPTION, AGENCY, "Sở Tư pháp", f"{due:%d/%m/%Y}"],
    ]:
        sheet.append(values)
    sheet.merge_cells("B5:E5")
    sheet["A5"].font = sheet["B5"].font = openpyxl.styles.Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def assert_shown_as_text(page: str, *texts: str) -> None:
    """Each text is on the page escaped, and nowhere raw."""
    for text in texts:
        assert text not in page, f"raw HTML on the page: {text!r}"
        assert html.escape(text) in page, f"text missing from the page: {text!r}"


@pytest.fixture
def world(client, settings, tmp_path, bac_kan, reviewer, staff_tuphap):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(reviewer)
    response = client.post(
        reverse("plans:import_new"),
        {
            "file": SimpleUploadedFile(WORKBOOK, annex()),
            "province": bac_kan.pk,
            "plan_number": "",
            "plan_title": "",
            "plan_date": "",
            "year": "",
        },
    )
    assert response.status_code == 302, response.text
    preview = ImportRun.objects.get()
    preview_page = client.get(response.url).text
    client.post(reverse("plans:import_confirm", args=[preview.pk]))
    plan = Plan.objects.get()
    task = plan.tasks.get()
    assert (task.description, task.section.title) == (DESCRIPTION, SECTION)
    assert Agency.objects.filter(name=AGENCY, province=bac_kan).exists()
    # The task addresses PAPI criteria, so the index page lists it.
    result = Result.objects.get(province=bac_kan, index__code="PAPI", year=2016)
    task.criteria.add(*[score.criterion for score in result.scores.all()[:2]])

    ours = Assignment.objects.get(task=task, agency=agency(bac_kan, "Sở Tư pháp"))
    client.force_login(staff_tuphap)
    response = client.post(
        reverse("plans:assignment_progress", args=[ours.pk]),
        {
            "status": "in_progress",
            "note": NOTE,
            "completed_on": "",
            "period": f"{TODAY.year}-Y",
            "version": ours.version,
            "files": [SimpleUploadedFile(EVIDENCE, PDF)],
        },
    )
    assert response.status_code == 302
    period = ReportingPeriod.objects.create(province=bac_kan, code=f"{TODAY.year}-Y")
    return {
        "plan": plan,
        "task": task,
        "preview": preview,
        "preview_page": preview_page,
        "period": period,
        "result": result,
    }


def test_import_preview_and_history_show_text(client, world, reviewer):
    assert_shown_as_text(world["preview_page"], DESCRIPTION, SECTION, AGENCY, WORKBOOK)
    client.force_login(reviewer)
    assert_shown_as_text(client.get(reverse("plans:import_list")).text, WORKBOOK)


def test_task_list_and_task_page_show_text(client, world, reviewer):
    client.force_login(reviewer)
    assert_shown_as_text(client.get(reverse("plans:task_list")).text, DESCRIPTION, AGENCY)
    page = client.get(reverse("plans:task_detail", args=[world["task"].pk])).text
    assert_shown_as_text(page, DESCRIPTION, SECTION, AGENCY, NOTE, EVIDENCE)


def test_home_shows_text(client, world, staff_tuphap):
    client.force_login(staff_tuphap)
    assert_shown_as_text(client.get(reverse("home")).text, DESCRIPTION)


def test_dashboard_and_its_chart_data_show_text(client, world, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("plans:dashboard"), {"year": TODAY.year, "period": "Y"}).text
    assert_shown_as_text(page, DESCRIPTION, AGENCY, SECTION)
    # The chart data is JSON inside <script type="application/json">: "<" is written \u003C,
    # so nothing in it can close the script element; read back, it is the exact name.
    data = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', page, re.S)
    assert "<" not in data.group(1)
    assert AGENCY in [row["name"] for row in json.loads(data.group(1))["agencies"]]


def test_index_page_shows_text(client, world, reviewer, bac_kan):
    client.force_login(reviewer)
    page = client.get(reverse("indices"), {"province": bac_kan.pk, "index": "PAPI"}).text
    assert_shown_as_text(page, DESCRIPTION, AGENCY)


def test_period_page_shows_text(client, world, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("plans:period_detail", args=[world["period"].pk])).text
    assert_shown_as_text(page, AGENCY)


def test_reminder_email_is_plain_text_with_the_text_as_written(world, staff_tuphap, bac_kan):
    staff_tuphap.email = "tuphap@example.gov.vn"
    staff_tuphap.save()
    reminders_send(TODAY, agency_ids={agency(bac_kan, "Sở Tư pháp").pk})
    [message] = mail.outbox
    assert message.content_subtype == "plain" and not getattr(message, "alternatives", [])
    assert DESCRIPTION in message.body  # plain text: written as typed, not "&lt;script&gt;"
    assert "&lt;" not in message.body


def test_export_job_page_keeps_the_typed_search_as_text(client, world, reviewer):
    """The job page links back to the export with the search as typed ("Thử lại", "tạo lại"):
    an attribute value, quoted and escaped, never markup."""
    client.force_login(reviewer)
    page_url = client.post(reverse("plans:task_export") + "?" + urlencode({"q": AGENCY}))[
        "Location"
    ]
    run_worker_once()
    page = client.get(page_url).text
    assert "Tệp đã sẵn sàng." in page
    assert AGENCY not in page and "<img" not in page
    again = re.search(r'<a href="([^"]*)">tạo lại</a>', page)
    assert again and html.unescape(again[1]) == reverse("plans:task_export") + "?" + urlencode(
        {"q": AGENCY}
    )

"""A revised annex through the web: what the preview lists, what confirming needs, and the
refusals that keep a confirmation exactly what its preview said."""

import datetime
import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from plans.models import Assignment, Evidence, ImportRun, Plan, ProgressUpdate, Task
from plans.services import assignment_record_progress
from tests.plans.test_import import PAPI_XLSX
from tests.plans.test_import_web import upload

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def revised_papi(tmp_path, name="phu-luc-sua-doi.xlsx"):
    """The 2018 PAPI annex revised: task 1.5 deleted (its row emptied), task 2.1 reworded
    beyond a correction, task 1.1's lead changed from Sở Tư pháp to Sở Nội vụ."""
    workbook = openpyxl.load_workbook(PAPI_XLSX)
    sheet = workbook.active
    assert sheet["A10"].value == "1.5" and sheet["A12"].value == "2.1"
    for column in "ABCDE":
        sheet[f"{column}10"] = None
    sheet["B12"] = (
        "Niêm yết công khai danh sách hộ nghèo, hộ cận nghèo tại nhà văn hóa thôn và trên "
        "trang thông tin điện tử của xã, cập nhật hằng quý"
    )
    sheet["C6"] = "Sở Nội vụ, UBND cấp huyện, UBND cấp xã"
    path = tmp_path / name
    workbook.save(path)
    return path


def confirm(client, run_pk, **data):
    return client.post(reverse("plans:import_confirm", args=[run_pk]), data)


@pytest.fixture
def papi_plan(client, reviewer, bac_kan, staff_tuphap):
    """The PAPI plan imported through the web, with Sở Tư pháp's confirmed completion and
    evidence on task 1.1 and a progress note on task 1.5."""
    client.force_login(reviewer)
    response = upload(client, PAPI_XLSX, province=bac_kan.pk)
    assert confirm(client, ImportRun.objects.get().pk).status_code == 302
    plan = Plan.objects.get()
    first = Task.objects.get(plan=plan, number="1.1")
    worked = first.assignments.get(agency__name="Sở Tư pháp")
    assignment_record_progress(
        assignment=worked,
        author=staff_tuphap,
        status=Assignment.Status.DONE,
        completed_on=datetime.date(2018, 6, 1),
        note="Đã tổ chức 12 hội nghị tuyên truyền",
        files=[SimpleUploadedFile("bien-ban.pdf", PDF)],
    )
    fifth = Task.objects.get(plan=plan, number="1.5")
    lead = fifth.assignments.filter(role="lead").first()
    ProgressUpdate.objects.create(
        assignment=lead, status=Assignment.Status.IN_PROGRESS, note="Đang soạn quy chế"
    )
    Assignment.objects.filter(pk=lead.pk).update(status=Assignment.Status.IN_PROGRESS)
    assert response.status_code == 302
    return {"plan": plan, "first": first, "worked": worked, "fifth": fifth}


def test_preview_lists_risks_first_asks_to_choose_and_confirms_only_what_it_showed(
    client, papi_plan, bac_kan, tmp_path
):
    plan, first, fifth = papi_plan["plan"], papi_plan["first"], papi_plan["fifth"]
    updates, evidence = ProgressUpdate.objects.count(), Evidence.objects.count()
    response = upload(client, revised_papi(tmp_path), province=bac_kan.pk)
    preview = ImportRun.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    page = client.get(response.url).text

    # What needs the reviewer comes before the rows: the risks, then the rows to decide.
    risks = page.index("Cần xác nhận: ảnh hưởng")
    choose = page.index("Cần chọn: dòng chưa chắc")
    assert risks < choose < page.index('<h2 id="nhiem-vu">Nhiệm vụ theo mục')
    assert "Phụ lục không còn giao nhiệm vụ cho Sở Tư pháp" in page  # 1.1's old lead
    assert "sẽ rút khỏi kế hoạch" in page and "Ban hành Quy chế thực hiện dân chủ" in page  # 1.5
    assert "Cùng nhiệm vụ với 2.1" in page
    # Not confirmable until the uncertain row is decided.
    assert "Hãy chọn cho 1 dòng" in page
    refused = confirm(client, preview.pk, acknowledge="1")
    assert refused.url == reverse("plans:import_detail", args=[preview.pk])
    assert not hasattr(ImportRun.objects.get(pk=preview.pk), "confirmation")

    # The reviewer says row 2.1 is the same task: a new preview, with 2.1 re-texted.
    index = next(i for i, r in enumerate(preview.summary["rows"]) if r["suggestion"])
    chosen = client.post(
        reverse("plans:import_choose", args=[preview.pk]), {f"choice-{index}": "same"}
    )
    second = ImportRun.objects.get(pk=int(chosen.url.rstrip("/").split("/")[-1]))
    assert second.pk != preview.pk and second.dry_run
    row = second.summary["rows"][index]
    assert row["status"] == "updated" and row["match"]["how"] == "chosen"
    assert ["+", "Niêm yết công"] in row["diff"]
    page = client.get(chosen.url).text
    assert "Cần chọn: dòng chưa chắc" not in page
    assert re.search(r'<input type="checkbox" name="acknowledge" value="1" required>', page)
    assert "<ins>Niêm yết công</ins>" in page

    # Without the acknowledgement nothing is written.
    before = list(Task.objects.order_by("pk").values_list("pk", "description", "withdrawn_at"))
    confirm(client, second.pk)
    assert (
        list(Task.objects.order_by("pk").values_list("pk", "description", "withdrawn_at")) == before
    )

    done = confirm(client, second.pk, acknowledge="1")
    result = ImportRun.objects.get(pk=int(done.url.rstrip("/").split("/")[-1]))
    assert result.dry_run is False and result.confirms_id == second.pk
    assert (ProgressUpdate.objects.count(), Evidence.objects.count()) == (updates, evidence)
    fifth.refresh_from_db()
    assert fifth.withdrawn_at is not None and fifth.assignments.get(role="lead").updates.exists()
    worked = Assignment.objects.get(pk=papi_plan["worked"].pk)
    assert worked.task_id == first.pk and worked.unassigned_at is not None
    assert worked.review == "pending" and worked.status == Assignment.Status.DONE
    assert first.assignments.get(agency__name="Sở Nội vụ").role == "lead"
    assert Task.objects.get(pk=row["task_id"]).description.startswith("Niêm yết công khai")
    assert plan.tasks.filter(withdrawn_at__isnull=True).count() == 31

    # The same preview again: already confirmed, nothing more happens.
    again = confirm(client, second.pk, acknowledge="1")
    assert again.url == reverse("plans:import_detail", args=[result.pk])
    assert ImportRun.objects.filter(dry_run=False).count() == 2


def test_work_recorded_after_the_preview_makes_it_stale(
    client, reviewer, staff_tuphap, bac_kan, tmp_path
):
    """The preview said task 6.7 had no work and could go; a report arrives before the
    reviewer confirms: confirming now would withdraw work nobody acknowledged."""
    client.force_login(reviewer)
    confirm(
        client, int(upload(client, PAPI_XLSX, province=bac_kan.pk).url.rstrip("/").split("/")[-1])
    )
    workbook = openpyxl.load_workbook(PAPI_XLSX)
    sheet = workbook.active
    last = next(r for r in range(1, sheet.max_row + 1) if sheet[f"A{r}"].value == "6.7")
    for column in "ABCDE":
        sheet[f"{column}{last}"] = None
    path = tmp_path / "bo-6-7.xlsx"
    workbook.save(path)
    response = upload(client, path, province=bac_kan.pk)
    preview = ImportRun.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    assert preview.summary["tasks"]["withdrawn"] == 1 and preview.summary["at_risk"] == []

    task = Task.objects.get(number="6.7")
    assignment = task.assignments.first()
    ProgressUpdate.objects.create(
        assignment=assignment, status=Assignment.Status.IN_PROGRESS, note="Đang làm"
    )
    response = confirm(client, preview.pk)
    assert (
        "Kế hoạch đã thay đổi sau khi xem trước; hãy xem trước lại."
        in client.get(response.url).text
    )
    task.refresh_from_db()
    assert task.withdrawn_at is None


def test_stale_preview_with_nothing_to_choose_is_refused_with_the_reason(
    client, reviewer, bac_kan, tmp_path
):
    client.force_login(reviewer)
    first = upload(client, PAPI_XLSX, province=bac_kan.pk)
    second = upload(client, PAPI_XLSX, province=bac_kan.pk)
    first_pk = int(first.url.rstrip("/").split("/")[-1])
    second_pk = int(second.url.rstrip("/").split("/")[-1])
    confirm(client, second_pk)
    assert Task.objects.count() == 32
    response = confirm(client, first_pk)
    assert response.url == reverse("plans:import_detail", args=[first_pk])
    page = client.get(response.url).text
    assert "Kế hoạch đã thay đổi sau khi xem trước; hãy xem trước lại." in page
    assert Task.objects.count() == 32 and ImportRun.objects.filter(dry_run=False).count() == 1


def test_the_same_file_under_another_plan_number_warns_of_a_duplicate_plan(
    client, reviewer, bac_kan
):
    client.force_login(reviewer)
    first = upload(client, PAPI_XLSX, province=bac_kan.pk)
    confirm(client, int(first.url.rstrip("/").split("/")[-1]))
    response = upload(client, PAPI_XLSX, province=bac_kan.pk, plan_number="23/KH-UBND")
    page = client.get(response.url).text
    assert "Nội dung tệp này đã được nhập vào Kế hoạch 22/KH-UBND (2018)" in page
    refused = confirm(client, int(response.url.rstrip("/").split("/")[-1]))
    assert refused.status_code == 302 and Plan.objects.count() == 1


def test_command_line_refuses_work_at_risk_without_acknowledge(papi_plan, tmp_path):
    from django.core.management import call_command

    path = revised_papi(tmp_path)
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import_annex", str(path), "--province", "Bắc Kạn", "--json", stdout=out)
    assert "ảnh hưởng đến công việc đã ghi nhận" in out.getvalue()
    assert Task.objects.filter(withdrawn_at__isnull=False).count() == 0
    out = io.StringIO()
    call_command(
        "import_annex",
        str(path),
        "--province",
        "Bắc Kạn",
        "--json",
        "--acknowledge",
        "--accept-suggestions",
        stdout=out,
    )
    assert Task.objects.filter(withdrawn_at__isnull=False).count() == 1

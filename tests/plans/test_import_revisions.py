"""Re-importing a revised annex keeps every piece of recorded work on the task it was recorded on.

Each test imports one of the two real workbooks as the plan, records work on some tasks the way
the app does (a progress report with a note, done with its date and an evidence file, then Sở
Nội vụ's confirmation), revises a copy of the workbook the way a province does (tests/plans/
annex_edits.py), previews it (--dry-run), imports it for real (refused while recorded work is at
risk, until --acknowledge), and checks both what the preview announced and what was kept.
"""

import datetime
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from plans.models import Assignment, Evidence, Plan, ProgressUpdate, Section, Task
from plans.services import assignment_record_progress, assignment_review
from tests.plans.annex_edits import AnnexWorkbook

pytestmark = pytest.mark.django_db

ANNEXES = Path(__file__).resolve().parents[2] / "fixtures" / "annexes"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ROMAN = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
NOTHING = {"created": 0, "updated": 0, "moved": 0, "restored": 0, "unchanged": 0, "withdrawn": 0}
REFUSED = "ảnh hưởng đến công việc đã ghi nhận"


@dataclass(frozen=True)
class Annex:
    """One of the two real workbooks, and how its table is laid out."""

    name: str
    file: str
    number: str
    year: int
    sheet: str  # the sheet the tests revise
    tasks: int  # in the whole workbook
    lead_column: bool  # PAPI: a lead column; 2022: the lead is in the section title

    @property
    def path(self) -> Path:
        return ANNEXES / self.file

    def section_number(self, ordinal: int) -> str:
        return str(ordinal) if self.lead_column else ROMAN[ordinal]

    def task_number(self, section_number: str, k: int):
        """1.1, 1.2 … in the PAPI annex; 1, 2 … (numbers, as typed) in the 2022 one."""
        return f"{section_number}.{k}" if self.lead_column else k

    def row(self, number, description, *, lead="", support="", deadline="") -> list:
        if self.lead_column:
            return [number, description, lead or None, support or None, deadline or None]
        return [number, description, support or None, deadline or None]


PAPI = Annex(
    name="papi-2018",
    file="bac-kan-2018-ke-hoach-22-papi.xlsx",
    number="22/KH-UBND",
    year=2018,
    sheet="Phụ lục",
    tasks=32,
    lead_column=True,
)
PLAN_2022 = Annex(
    name="plan-2022",
    file="bac-kan-2022-ke-hoach-khac-phuc-chi-so.xlsx",
    number="KH-2022",
    year=2022,
    sheet="Phụ lục I",
    tasks=70,
    lead_column=False,
)


@pytest.fixture(params=[PAPI, PLAN_2022], ids=lambda annex: annex.name)
def annex(request) -> Annex:
    return request.param


@pytest.fixture
def people(reviewer, staff_tuphap):
    """Who records (a staff member) and who confirms (Sở Nội vụ)."""
    return {"author": staff_tuphap, "reviewer": reviewer}


# Running the command -----------------------------------------------------------------------


def run(annex: Annex, path: Path, *extra, ok: bool = True) -> dict:
    out = io.StringIO()
    args = [str(path), "--province", "Bắc Kạn", "--json"]
    args += ["--plan-number", annex.number, "--year", str(annex.year), *extra]
    try:
        call_command("import_annex", *args, stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    document = json.loads(out.getvalue())
    assert (code == 0) is ok, document.get("errors")
    return document


def import_original(annex: Annex) -> Plan:
    document = run(annex, annex.path)
    assert document["tasks"]["created"] == annex.tasks
    return Plan.objects.get(number=annex.number, year=annex.year)


def stored(plan: Plan, annex: Annex, section: int, k: int) -> Task:
    """The k-th task of the section-th section of the revised sheet, as imported (1-based)."""
    sections = list(plan.sections.filter(sheet=annex.sheet).order_by("position"))
    return list(sections[section - 1].tasks.order_by("position"))[k - 1]


def edit(annex: Annex) -> AnnexWorkbook:
    return AnnexWorkbook(annex.path)


def save(workbook: AnnexWorkbook, tmp_path: Path) -> Path:
    return workbook.save(tmp_path / "revised.xlsx")


def rows_by_task(document: dict) -> dict:
    return {row["task_id"]: row for row in document["rows"] if row["task_id"] is not None}


def created_rows(document: dict) -> list[dict]:
    return [row for row in document["rows"] if row["status"] == "created"]


def counts(**changed) -> dict:
    return {**NOTHING, **changed}


# Recorded work ------------------------------------------------------------------------------


@dataclass
class Work:
    """What was recorded on one task: checked again after every revision."""

    task: int
    description: str
    assignment: int
    agency: str
    updates: list[int] = field(default_factory=list)
    evidence: list[int] = field(default_factory=list)


def record_work(task: Task, people, annex: Annex) -> Work:
    """The lead reports the task done with a note and a file; Sở Nội vụ confirms it."""
    assignment = task.assignments.filter(role=Assignment.Role.LEAD).order_by("pk").first()
    report = assignment_record_progress(
        assignment=assignment,
        author=people["author"],
        status=Assignment.Status.DONE,
        completed_on=datetime.date(annex.year, 9, 1),
        note=f"Đã hoàn thành nhiệm vụ {task.number}",
        files=[SimpleUploadedFile(f"bao-cao-{task.pk}.pdf", PDF)],
    )
    confirmation = assignment_review(
        assignment=assignment, reviewer=people["reviewer"], confirm=True, note="Đạt"
    )
    return Work(
        task=task.pk,
        description=task.description,
        assignment=assignment.pk,
        agency=assignment.agency.name,
        updates=[report.pk, confirmation.pk],
        evidence=list(report.evidence.values_list("pk", flat=True)),
    )


def assert_kept(work: Work, *, description: str | None = None) -> Task:
    """The work is still on the same task, which still says what it was recorded on (or the
    corrected text, when the revision corrected it)."""
    task = Task.objects.get(pk=work.task)
    assert task.description == (description or work.description)
    assignment = Assignment.objects.get(pk=work.assignment)
    assert assignment.task_id == work.task
    assert assignment.agency.name == work.agency
    assert assignment.status == Assignment.Status.DONE
    assert assignment.completed_on is not None
    assert assignment.review == Assignment.Review.CONFIRMED
    updates = ProgressUpdate.objects.filter(pk__in=work.updates)
    assert sorted(updates.values_list("pk", flat=True)) == sorted(work.updates)
    assert set(updates.values_list("assignment__task_id", flat=True)) == {work.task}
    assert set(updates.values_list("kind", flat=True)) == {"report", "confirm"}
    evidence = Evidence.objects.filter(pk__in=work.evidence)
    assert len(work.evidence) == 1 and evidence.count() == 1
    assert evidence.get().update.assignment.task_id == work.task
    return task


def snapshot() -> dict:
    return {
        "tasks": Task.objects.count(),
        "withdrawn": Task.objects.filter(withdrawn_at__isnull=False).count(),
        "sections": Section.objects.count(),
        "assignments": Assignment.objects.count(),
        "unassigned": Assignment.objects.filter(unassigned_at__isnull=False).count(),
        "updates": ProgressUpdate.objects.count(),
        "evidence": Evidence.objects.count(),
    }


def revise(annex: Annex, path: Path, *extra, at_risk: list[tuple[str, int]]) -> tuple[dict, dict]:
    """Preview the revised file, then import it: refused first if `at_risk` (kind, task id)
    is expected, then acknowledged. The import does exactly what the preview announced, and
    no history is ever lost."""
    before = snapshot()
    preview = run(annex, path, "--dry-run", *extra)
    assert snapshot() == before, "the preview wrote"
    assert sorted((r["kind"], r["task_id"]) for r in preview["at_risk"]) == sorted(at_risk)
    if at_risk:
        refused = run(annex, path, *extra, ok=False)
        assert REFUSED in refused["errors"][0]
        assert snapshot() == before, "a refused import wrote"
        extra = (*extra, "--acknowledge")
    document = run(annex, path, *extra)
    assert document["errors"] == []
    assert document["tasks"] == preview["tasks"]
    assert document["at_risk"] == preview["at_risk"]
    assert document["withdrawn"] == preview["withdrawn"]
    outcome = ("status", "task_id", "match", "before", "changes", "suggestion")
    assert [[r[k] for k in outcome] for r in document["rows"]] == [
        [r[k] for k in outcome] for r in preview["rows"]
    ]
    after = snapshot()
    assert (after["updates"], after["evidence"]) == (before["updates"], before["evidence"])
    assert after["tasks"] == before["tasks"] + document["tasks"]["created"]
    assert after["withdrawn"] == before["withdrawn"] + document["tasks"]["withdrawn"]
    return preview, document


# The helper itself ---------------------------------------------------------------------------


def test_the_helper_rewrites_both_workbooks_cell_for_cell(tmp_path):
    """Read and written back with no edit: the same values, bold and merged ranges."""
    for annex in (PAPI, PLAN_2022):
        workbook = edit(annex)
        for name in workbook.workbook.sheetnames:
            workbook.sheet(name)
        path = workbook.save(tmp_path / annex.file)
        original, copy = openpyxl.load_workbook(annex.path), openpyxl.load_workbook(path)
        assert copy.sheetnames == original.sheetnames
        for a, b in zip(original, copy, strict=True):
            assert sorted(r.coord for r in b.merged_cells.ranges) == sorted(
                r.coord for r in a.merged_cells.ranges
            )
            assert [[(c.value, c.font.b) for c in r] for r in b.iter_rows()] == [
                [(c.value, c.font.b) for c in r] for r in a.iter_rows()
            ]


def test_the_helper_gives_a_row_leaving_a_merged_deadline_its_own_copy(tmp_path):
    workbook = edit(PLAN_2022)
    sheet = workbook.sheet("Phụ lục I")
    assert sheet.rows[9].number == "4" and sheet.rows[10].number == "5"  # D10:D11
    sheet.delete(9)
    path = workbook.save(tmp_path / "deleted.xlsx")
    written = openpyxl.load_workbook(path)["Phụ lục I"]
    assert written["A10"].value == 5 and written["D10"].value == "Quý III-IV/2022"
    merged = {r.coord for r in written.merged_cells.ranges}
    assert "D10:D11" not in merged and {"D17:D18", "B13:D13"} <= merged


# No change ----------------------------------------------------------------------------------


def test_no_change(annex, people, tmp_path):
    plan = import_original(annex)
    work = [record_work(stored(plan, annex, s, 1), people, annex) for s in (1, 2)]
    workbook = edit(annex)
    for name in workbook.workbook.sheetnames:
        workbook.sheet(name)  # read and written back
    preview, _ = revise(annex, save(workbook, tmp_path), at_risk=[])
    assert preview["tasks"] == counts(unchanged=annex.tasks)
    assert preview["withdrawn"] == [] and preview["uncertain"] == 0
    for row in preview["rows"]:
        assert (row["match"]["how"], row["before"], row["changes"], row["diff"]) == (
            "exact",
            {},
            [],
            [],
        )
    for item in work:
        assert_kept(item)


# Insert, delete, move -----------------------------------------------------------------------


def test_insert_and_renumber(annex, people, tmp_path):
    plan = import_original(annex)
    shifted = stored(plan, annex, 1, 3)
    work = [record_work(stored(plan, annex, 1, k), people, annex) for k in (2, 3, 4)]

    workbook = edit(annex)
    sheet = workbook.sheet(annex.sheet)
    new_text = (
        "Tổ chức hội thi tìm hiểu pháp luật về bầu cử đại biểu cho học sinh trung học phổ thông"
    )
    at = sheet.task(1, 3)
    sheet.insert(
        at,
        annex.row(
            None,
            new_text,
            lead="Sở Tư pháp",
            support="Sở Giáo dục và Đào tạo",
            deadline="Quý IV/" + str(annex.year),
        ),
        like=at,
    )
    sheet.renumber_tasks(annex.task_number)
    preview, _ = revise(annex, save(workbook, tmp_path), at_risk=[])

    assert preview["tasks"] == counts(created=1, unchanged=annex.tasks)
    assert preview["uncertain"] == 0 and preview["withdrawn"] == []
    [new] = created_rows(preview)
    assert (new["description"], new["task_id"]) == (new_text, None)
    assert new["number"] == str(annex.task_number(annex.section_number(1), 3))
    row = rows_by_task(preview)[shifted.pk]
    assert row["status"] == "unchanged" and row["match"]["how"] == "exact"
    assert row["before"]["number"] == shifted.number
    assert row["number"] == str(annex.task_number(annex.section_number(1), 4))
    assert row["changes"] == []

    task = Task.objects.get(plan=plan, description=new_text)
    assert task.section_id == shifted.section_id
    assert task.withdrawn_at is None and task.assignments.exists()
    for item in work:
        assert_kept(item)


def test_delete_and_renumber(annex, people, tmp_path, client, administrator):
    plan = import_original(annex)
    gone, next_one = stored(plan, annex, 1, 4), stored(plan, annex, 1, 5)
    work = [
        record_work(task, people, annex) for task in (stored(plan, annex, 1, 1), gone, next_one)
    ]

    workbook = edit(annex)
    sheet = workbook.sheet(annex.sheet)
    # In the 2022 annex, tasks I.4 and I.5 share one merged deadline cell (D10:D11): I.5 keeps it.
    sheet.delete(sheet.task(1, 4))
    sheet.renumber_tasks(annex.task_number)
    preview, _ = revise(annex, save(workbook, tmp_path), at_risk=[("withdrawn", gone.pk)])

    assert preview["tasks"] == counts(unchanged=annex.tasks - 1, withdrawn=1)
    [withdrawn] = preview["withdrawn"]
    assert withdrawn["task_id"] == gone.pk and withdrawn["worked"] is True
    assert withdrawn["number"] == gone.number and withdrawn["description"] == gone.description
    assert withdrawn["agencies_with_work"] == [work[1].agency]
    row = rows_by_task(preview)[next_one.pk]
    assert row["status"] == "unchanged" and row["changes"] == []
    assert row["before"]["number"] == next_one.number
    assert row["deadline"]["text"] == next_one.deadline_text

    gone.refresh_from_db()
    assert gone.withdrawn_at is not None
    for item in work:
        assert_kept(item)
    assert Task.objects.get(pk=next_one.pk).deadline_text == next_one.deadline_text

    # Sở Nội vụ can still open the withdrawn task and its history.
    client.force_login(administrator)
    response = client.get(reverse("plans:task_detail", args=[gone.pk]))
    assert response.status_code == 200
    assert gone.description[:40] in response.text


def test_move_to_another_section(annex, people, tmp_path):
    plan = import_original(annex)
    moving = stored(plan, annex, 1, 3)
    target = stored(plan, annex, 2, 1).section
    work = [record_work(task, people, annex) for task in (moving, stored(plan, annex, 1, 4))]
    old_section = str(moving.section)

    workbook = edit(annex)
    sheet = workbook.sheet(annex.sheet)
    index = sheet.task(1, 3)
    sheet.move(index, sheet.block(2).stop - 1)  # the last task of section 2
    sheet.renumber_tasks(annex.task_number)
    # 2022: the lead is the section's ("SỞ TƯ PHÁP CHỦ TRÌ THỰC HIỆN"): Sở Nội vụ, who did the
    # work, is no longer named.
    at_risk = [] if annex.lead_column else [("agency_removed", moving.pk)]
    preview, _ = revise(annex, save(workbook, tmp_path), at_risk=at_risk)

    assert preview["tasks"] == counts(moved=1, unchanged=annex.tasks - 1)
    row = rows_by_task(preview)[moving.pk]
    assert row["status"] == "moved" and row["match"]["how"] == "exact"
    assert row["before"]["section"] == old_section and row["before"]["number"] == moving.number
    assert row["section_title"] == target.title
    if annex.lead_column:
        assert row["agencies_removed"] == [] and row["changes"] == []
    else:
        assert row["agencies_removed"] == ["Sở Nội vụ"] and row["agencies_added"] == ["Sở Tư pháp"]
        assert row["changes"] == ["cơ quan thực hiện"]

    task = assert_kept(work[0])
    assert task.section_id == target.pk
    if not annex.lead_column:
        old = Assignment.objects.get(pk=work[0].assignment)
        assert old.unassigned_at is not None
        new = task.assignments.get(role=Assignment.Role.LEAD, unassigned_at__isnull=True)
        assert new.agency.name == "Sở Tư pháp" and not new.updates.exists()
    for item in work[1:]:
        assert_kept(item)


def test_swap_sections_and_renumber(annex, people, tmp_path):
    plan = import_original(annex)
    first, second = stored(plan, annex, 1, 1), stored(plan, annex, 2, 1)
    work = [record_work(task, people, annex) for task in (first, second)]

    workbook = edit(annex)
    sheet = workbook.sheet(annex.sheet)
    sheet.move_block(2, before_ordinal=1)
    sheet.renumber_sections(annex.section_number)
    sheet.renumber_tasks(annex.task_number)
    preview, _ = revise(annex, save(workbook, tmp_path), at_risk=[])

    assert preview["tasks"] == counts(unchanged=annex.tasks)
    rows = rows_by_task(preview)
    assert rows[first.pk]["section"] == annex.section_number(2)
    assert rows[second.pk]["section"] == annex.section_number(1)
    if annex.lead_column:  # 1.1 is now 2.1 and 2.1 is 1.1
        assert rows[first.pk]["before"]["number"] == first.number
        assert rows[first.pk]["number"] == f"{annex.section_number(2)}.1"
    else:  # the tasks keep their numbers: only the sections' change
        assert rows[first.pk]["before"] == {} and rows[second.pk]["before"] == {}

    for item, task in zip(work, (first, second), strict=True):
        kept = assert_kept(item)
        assert kept.section_id == task.section_id
    sections = Section.objects.in_bulk([first.section_id, second.section_id])
    assert sections[first.section_id].number == annex.section_number(2)
    assert sections[second.section_id].number == annex.section_number(1)
    assert sections[first.section_id].position > sections[second.section_id].position


# Renumbered, renamed, retyped ------------------------------------------------------------


def test_sections_renumbered_in_another_style(annex, people, tmp_path):
    """1..6 → I..VI in the PAPI annex; I..VIII → 1..8 (both sheets) in the 2022 one."""
    plan = import_original(annex)
    work = [record_work(stored(plan, annex, s, 1), people, annex) for s in (1, 2, 3)]
    section_ids = set(plan.sections.values_list("pk", flat=True))

    workbook = edit(annex)
    for name in workbook.workbook.sheetnames:
        workbook.sheet(name).renumber_sections((lambda n: ROMAN[n]) if annex.lead_column else str)
    preview, _ = revise(annex, save(workbook, tmp_path), at_risk=[])

    assert preview["tasks"] == counts(unchanged=annex.tasks)
    assert all(row["before"] == {} and row["changes"] == [] for row in preview["rows"])
    assert set(plan.sections.values_list("pk", flat=True)) == section_ids
    numbers = list(plan.sections.filter(sheet=annex.sheet).values_list("number", flat=True))
    assert numbers[:3] == (["I", "II", "III"] if annex.lead_column else ["1", "2", "3"])
    for item in work:
        assert_kept(item)


def test_sheet_renamed(annex, people, tmp_path):
    plan = import_original(annex)
    work = [record_work(stored(plan, annex, s, 2), people, annex) for s in (1, 2)]
    new_name = "PL kèm theo KH 22" if annex.lead_column else "Phụ lục 1"

    workbook = edit(annex)
    workbook.rename(annex.sheet, new_name)
    preview, _ = revise(annex, save(workbook, tmp_path), at_risk=[])

    assert preview["tasks"] == counts(unchanged=annex.tasks)
    assert all(row["changes"] == [] for row in preview["rows"])
    assert {row["sheet"] for row in preview["rows"]} >= {new_name}
    for item in work:
        task = assert_kept(item)
        assert task.source_sheet == new_name
        assert task.section.sheet == new_name


def test_number_typo(annex, people, tmp_path):
    """Numbers mistyped, 5.1 as "5. 1" and 1.3 as "1.30" (PAPI), I.3 as "30" and II.1 as "1.1"
    (2022): still the same tasks, unchanged; the preview shows the number they had."""
    plan = import_original(annex)
    papi = {(5, 1): "5. 1", (1, 3): "1.30"}
    typos = papi if annex.lead_column else {(1, 3): "30", (2, 1): "1.1"}
    tasks = {key: stored(plan, annex, *key) for key in typos}
    work = [record_work(task, people, annex) for task in tasks.values()]

    workbook = edit(annex)
    sheet = workbook.sheet(annex.sheet)
    for (section, k), typo in typos.items():
        sheet.set(sheet.task(section, k), "A", typo)
    preview, _ = revise(annex, save(workbook, tmp_path), at_risk=[])

    assert preview["tasks"] == counts(unchanged=annex.tasks)
    rows = rows_by_task(preview)
    for key, task in tasks.items():
        row = rows[task.pk]
        assert row["status"] == "unchanged" and row["match"]["how"] == "exact"
        assert row["changes"] == [] and row["diff"] == []
        assert row["before"]["number"] == task.number and row["number"] == typos[key]
    for item in work:
        assert_kept(item)


def test_text_typo(annex, people, tmp_path):
    """One word changed is a correction of the same task (near-identical), not a new one; an
    accent fixed is the same folded text (exact)."""
    plan = import_original(annex)
    if annex.lead_column:
        word = ((2, 1), "hiện hành", "hiện nay")
        accent = ((2, 2), "ngân sách", "ngân sach")
    else:
        word = ((1, 2), "Tổ chức kiểm tra", "Tổ chức thanh tra")
        accent = ((1, 6), "Thẩm định", "Thẩm đinh")
    edits = {key: (old, new) for key, old, new in (word, accent)}
    tasks = {key: stored(plan, annex, *key) for key in edits}
    work = {key: record_work(task, people, annex) for key, task in tasks.items()}

    workbook = edit(annex)
    sheet = workbook.sheet(annex.sheet)
    corrected = {}
    for key, (old, new) in edits.items():
        index = sheet.task(*key)
        assert sheet.rows[index].description.count(old) == 1
        corrected[key] = sheet.rows[index].description.replace(old, new)
        sheet.set(index, "B", corrected[key])
    preview, _ = revise(annex, save(workbook, tmp_path), at_risk=[])

    assert preview["tasks"] == counts(updated=2, unchanged=annex.tasks - 2)
    assert preview["uncertain"] == 0
    rows = rows_by_task(preview)
    row = rows[tasks[word[0]].pk]
    assert row["status"] == "updated" and row["changes"] == ["nội dung"]
    assert row["match"]["how"] == "near" and row["match"]["similarity"] >= 90
    assert row["before"]["description"] == tasks[word[0]].description
    assert row["before"]["number"] == tasks[word[0]].number  # shown, though not changed
    # The diff shows the one word: "hành" → "nay", "kiểm" → "thanh".
    [old_word] = set(word[1].split()) - set(word[2].split())
    [new_word] = set(word[2].split()) - set(word[1].split())
    assert [part for part in row["diff"] if part[0] != "="] == [["-", old_word], ["+", new_word]]
    row = rows[tasks[accent[0]].pk]
    assert row["status"] == "updated" and row["match"] == {"how": "exact", "similarity": 100.0}
    assert row["changes"] == ["nội dung"]
    for key, item in work.items():
        assert_kept(item, description=corrected[key])


def test_lead_changed(annex, people, tmp_path):
    """PAPI: task 1.5's lead column names another department. 2022: section VII of Phụ lục I
    is given to another department ("SỞ CÔNG THƯƠNG CHỦ TRÌ THỰC HIỆN"): its tasks 1 and 3
    have no support, task 2's collective support ("Các sở, ban, ngành …") names both
    departments, so there the two only swap roles."""
    plan = import_original(annex)
    if annex.lead_column:
        old_lead, new_lead = "Sở Tài nguyên và Môi trường", "Sở Nội vụ"
        changed, swapped = [stored(plan, annex, 1, 5)], []
    else:
        old_lead, new_lead = "Sở Kế hoạch và Đầu tư", "Sở Công Thương"
        changed, swapped = [stored(plan, annex, 7, k) for k in (1, 3)], [stored(plan, annex, 7, 2)]
    work = [record_work(task, people, annex) for task in changed + swapped]
    assert {item.agency for item in work} == {old_lead}

    workbook = edit(annex)
    sheet = workbook.sheet(annex.sheet)
    if annex.lead_column:
        sheet.set(sheet.task(1, 5), "C", new_lead)
    else:
        sheet.set(sheet.section(7), "B", "SỞ CÔNG THƯƠNG CHỦ TRÌ THỰC HIỆN")
    # The lead that did the work and is no longer named is at risk; a lead that stays as a
    # support keeps its assignment and is not.
    at_risk = [("agency_removed", task.pk) for task in changed]
    preview, _ = revise(annex, save(workbook, tmp_path), at_risk=at_risk)

    updated = len(changed) + len(swapped)
    assert preview["tasks"] == counts(updated=updated, unchanged=annex.tasks - updated)
    rows = rows_by_task(preview)
    for task in changed + swapped:
        row = rows[task.pk]
        assert row["status"] == "updated" and row["changes"] == ["cơ quan thực hiện"]
        assert row["match"]["how"] == "exact"
    for task in changed:
        assert rows[task.pk]["agencies_removed"] == [old_lead]
        assert new_lead in rows[task.pk]["agencies_added"]
    for task in swapped:
        assert rows[task.pk]["agencies_removed"] == rows[task.pk]["agencies_added"] == []
        assert rows[task.pk]["lead"] == [new_lead] and old_lead in rows[task.pk]["support"]
    for risk in preview["at_risk"]:
        assert risk["agencies"] == [old_lead]

    for item, task in zip(work, changed + swapped, strict=True):
        assert_kept(item)
        old = Assignment.objects.get(pk=item.assignment)
        new = task.assignments.get(agency__name=new_lead)
        assert new.role == Assignment.Role.LEAD and new.unassigned_at is None
        assert new in Assignment.objects.in_force()
        if task in changed:
            assert old.unassigned_at is not None and old.role == Assignment.Role.LEAD
            assert old not in Assignment.objects.in_force()
            assert not new.updates.exists()
        else:
            assert old.unassigned_at is None and old.role == Assignment.Role.SUPPORT
            assert old in Assignment.objects.in_force()


# Split, merged ------------------------------------------------------------------------------


def test_split_in_two(annex, people, tmp_path):
    """PAPI 6.2 (three sentences) becomes 6.2 (the first two) and 6.3 (the last); 2022 I.1 (two
    sentences) becomes I.1 and I.2. The part most like the old text is offered as the same task
    (an uncertain suggestion: read as new unless accepted), the other is new."""
    plan = import_original(annex)
    key = (6, 2) if annex.lead_column else (1, 1)
    split = stored(plan, annex, *key)
    work = record_work(split, people, annex)

    workbook = edit(annex)
    sheet = workbook.sheet(annex.sheet)
    index = sheet.task(*key)
    text = sheet.rows[index].description
    cut = text.rfind(". ") if annex.lead_column else text.find(". ")
    parts = [text[: cut + 1], text[cut + 2 :]]
    sheet.set(index, "B", parts[0])
    second = list(sheet.rows[index].values)
    second[1] = parts[1]
    sheet.insert(index + 1, second, like=index)
    sheet.renumber_tasks(annex.task_number)
    path = save(workbook, tmp_path)

    # By default the suggestion is only offered: both parts are new, the old task withdrawn.
    default = run(annex, path, "--dry-run")
    assert default["tasks"] == counts(created=2, unchanged=annex.tasks - 1, withdrawn=1)
    assert default["uncertain"] == 1
    [suggested] = [row for row in default["rows"] if row["suggestion"]]
    [new] = [row for row in created_rows(default) if not row["suggestion"]]
    assert suggested["suggestion"]["task_id"] == split.pk
    assert suggested["suggestion"]["worked"] is True
    assert 60 <= suggested["suggestion"]["similarity"] < 90
    assert suggested["suggestion"]["number"] == split.number
    # PAPI: the longer first part; 2022: the second (the first sentence is short).
    assert suggested["description"] == parts[0 if annex.lead_column else 1]
    assert new["description"] == parts[1 if annex.lead_column else 0]
    assert [(r["kind"], r["task_id"]) for r in default["at_risk"]] == [("withdrawn", split.pk)]

    # Accepted: that part is the old task (retexted, so its work is at risk), the other is new.
    preview, _ = revise(annex, path, "--accept-suggestions", at_risk=[("retexted", split.pk)])
    assert preview["tasks"] == counts(created=1, updated=1, unchanged=annex.tasks - 1)
    row = rows_by_task(preview)[split.pk]
    assert row["status"] == "updated" and row["match"]["how"] == "chosen"
    assert row["description"] == suggested["description"] and row["changes"] == ["nội dung"]
    assert ["-", parts[1 if annex.lead_column else 0]] in row["diff"]
    assert_kept(work, description=suggested["description"])
    made = Task.objects.get(plan=plan, description=new["description"])
    assert made.pk != split.pk and made.section_id == split.section_id
    assert not ProgressUpdate.objects.filter(assignment__task=made).exists()


def test_two_tasks_merged(annex, people, tmp_path):
    """PAPI 2.4 and 2.5 become one row (2.4); 2022 II.1 and II.2 become one row (II.1). The
    merged row is the task whose text it most resembles (PAPI: 2.5, the longer, by suggestion;
    2022: II.1, near-identical), the other is withdrawn with its work at risk."""
    plan = import_original(annex)
    key = (2, 4) if annex.lead_column else (2, 1)
    first, second = stored(plan, annex, *key), stored(plan, annex, key[0], key[1] + 1)
    work = [record_work(task, people, annex) for task in (first, second)]
    kept, gone = (second, first) if annex.lead_column else (first, second)

    workbook = edit(annex)
    sheet = workbook.sheet(annex.sheet)
    index = sheet.task(*key)
    a, b = sheet.rows[index].description, sheet.rows[index + 1].description
    merged = a.rstrip(".") + "; " + b[0].lower() + b[1:]
    sheet.set(index, "B", merged)
    if annex.lead_column:  # both leads
        sheet.set(index, "C", "Sở Tài nguyên và Môi trường; Văn phòng UBND tỉnh; UBND cấp huyện")
    sheet.delete(index + 1)
    sheet.renumber_tasks(annex.task_number)
    at_risk = [("withdrawn", gone.pk)] + ([("retexted", kept.pk)] if annex.lead_column else [])
    preview, _ = revise(annex, save(workbook, tmp_path), "--accept-suggestions", at_risk=at_risk)

    assert preview["tasks"] == counts(updated=1, unchanged=annex.tasks - 2, withdrawn=1)
    row = rows_by_task(preview)[kept.pk]
    assert row["status"] == "updated" and row["description"] == merged
    assert row["match"]["how"] == ("chosen" if annex.lead_column else "near")
    assert row["before"]["number"] == kept.number and row["number"] == str(first.number)
    assert [w["task_id"] for w in preview["withdrawn"]] == [gone.pk]
    assert preview["withdrawn"][0]["worked"] is True

    kept_work, gone_work = (work[1], work[0]) if annex.lead_column else work
    assert_kept(kept_work, description=merged)
    assert_kept(gone_work)
    assert Task.objects.get(pk=gone.pk).withdrawn_at is not None
    assert Task.objects.get(pk=kept.pk).withdrawn_at is None


# Several at once -----------------------------------------------------------------------------


def test_several_revisions_at_once_show_the_plan_as_it_was(people, tmp_path):
    """Sections renumbered 1..6 → I..VI, 1.3 moved to section 2, 2.6 deleted and 1.5 given to
    another lead in one revision: what the preview shows as before (section, number) is what the
    plan said, not the sections' new numbers."""
    annex = PAPI
    plan = import_original(annex)
    moving, gone, relead = (stored(plan, annex, *key) for key in ((1, 3), (2, 6), (1, 5)))
    work = [record_work(task, people, annex) for task in (moving, gone, relead)]
    labels = {task.pk: str(task.section) for task in (moving, gone, relead)}
    assert labels[moving.pk] == "1 Tham gia của người dân ở cấp cơ sở"

    workbook = edit(annex)
    sheet = workbook.sheet(annex.sheet)
    sheet.move(sheet.task(1, 3), sheet.block(2).stop - 1)
    sheet.delete(sheet.task(2, 6))
    sheet.set(sheet.task(1, 4), "C", "Sở Nội vụ")  # 1.5, now the 4th of section 1
    sheet.renumber_sections(lambda n: ROMAN[n])
    sheet.renumber_tasks(annex.task_number)
    at_risk = [("withdrawn", gone.pk), ("agency_removed", relead.pk)]
    preview, _ = revise(annex, save(workbook, tmp_path), at_risk=at_risk)

    assert preview["tasks"] == counts(moved=1, updated=1, unchanged=29, withdrawn=1)
    row = rows_by_task(preview)[moving.pk]
    assert row["status"] == "moved" and row["section"] == "II"
    assert row["before"]["section"] == labels[moving.pk] and row["before"]["number"] == "1.3"
    assert preview["withdrawn"][0]["section"] == labels[gone.pk]
    risks = {risk["kind"]: risk for risk in preview["at_risk"]}
    assert risks["withdrawn"]["section"] == labels[gone.pk]
    assert risks["agency_removed"]["section"] == labels[relead.pk]
    for item in work:
        assert_kept(item)
    assert Section.objects.get(pk=moving.section_id).number == "I"

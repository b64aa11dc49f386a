"""The annex import, end to end: workbook → header → rows → agencies → deadlines → save.

`annex_import` is the one entry point used by the command line and the web preview/confirm.
It never writes on bad input; a dry run (the preview) does every step, including the save, in a
transaction that is rolled back, so what the preview announces is exactly what confirming does.
"""

import datetime
import gc
import hashlib
from contextlib import contextmanager
from dataclasses import dataclass, field

from auditlog.models import LogEntry
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from openpyxl.utils.cell import coordinate_to_tuple

from agencies.models import Agency, Province
from parindex.core.numbers import format_integer
from plans.criteria.linking import plan_link_sections
from plans.importing.deadlines import Deadline, DeadlineKind, parse_deadline
from plans.importing.document import read_annex_file
from plans.importing.header import LOOKED_FOR, find_header
from plans.importing.resolve import ALIASED, EXPANDED, MATCHED, NEW, AgencyResolver
from plans.importing.scores import find_score_statements
from plans.importing.sync import (
    CREATED,
    MOVED,
    RESTORED,
    UNCHANGED,
    UPDATED,
    WITHDRAWN,
    ImportedSection,
    ImportedTask,
    StalePlan,
    plan_sync,
    score_as_dict,
)
from plans.importing.title import TitleDetails, details_from_body, details_from_lines, title_lines
from plans.importing.walk import SheetWalk, walk_sheet
from plans.importing.workbook import WorkbookError
from plans.models import ImportRun, Plan
from plans.tallies import tallies_refresh


class ImportRefused(Exception):
    """Input the import cannot take; the message is for the user, in Vietnamese."""


class AlreadyConfirmed(ImportRefused):
    """The preview was confirmed already (by another request, maybe at the same moment)."""

    def __init__(self, confirmation: ImportRun):
        super().__init__("Bản xem trước này đã được xác nhận nhập.")
        self.confirmation = confirmation


STALE_MESSAGE = "Kế hoạch đã thay đổi sau khi xem trước; hãy xem trước lại."


@dataclass
class ImportReport:
    dry_run: bool
    file_name: str = ""
    sha256: str = ""
    plan: dict = field(default_factory=dict)
    sheets: list[dict] = field(default_factory=list)
    # How many tasks had each outcome of `plan_sync`.
    tasks: dict = field(
        default_factory=lambda: dict.fromkeys(
            (CREATED, UPDATED, MOVED, RESTORED, UNCHANGED, WITHDRAWN), 0
        )
    )
    rows: list[dict] = field(default_factory=list)
    # Stored tasks no row matched, and what confirming would put at risk (plans.importing.sync).
    withdrawn: list[dict] = field(default_factory=list)
    at_risk: list[dict] = field(default_factory=list)
    # Rows whose only candidate is uncertain: read as new until the reviewer decides.
    uncertain: int = 0
    # The plan's state the preview was made on: its confirmation is refused if it changed.
    plan_state: str = ""
    agencies: dict = field(
        default_factory=lambda: {"matched": 0, "aliased": 0, "expanded": 0, "unverified": []}
    )
    deadlines: dict = field(
        default_factory=lambda: {
            "dated": 0,
            "ongoing": 0,
            "recurring": 0,
            "event": 0,
            "unparsed": [],
        }
    )
    warnings: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # Tasks linked to an index area because their section is that area (plans.criteria.linking).
    criteria_linked: int = 0
    plan_id: int | None = None
    import_run_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_json(self) -> dict:
        keys = [
            "dry_run",
            "plan",
            "sheets",
            "tasks",
            "rows",
            "withdrawn",
            "at_risk",
            "uncertain",
            "plan_state",
            "agencies",
            "deadlines",
            "warnings",
            "errors",
            "criteria_linked",
        ]
        return {key: getattr(self, key) for key in keys}

    def as_stored(self) -> dict:
        """`as_json` as the import run keeps it (`ImportRun.summary`): each distinct set of a
        row's agencies written once, in "agency_sets", and the row naming it by its index
        ("agencies"). A 10,000-task annex names a few dozen sets: written per row they were
        half of its 17 MB summary, which PostgreSQL parses as jsonb while the import waits.
        The agencies a row adds and removes belong to its set too: a new task adds every agency
        it names, 2,6 of the 10,1 MB a first import of 10,000 tasks still stored per row.
        Summaries stored before hold them in each row; `preview.preview_rows` reads both."""
        summary = self.as_json()
        index_of: dict[tuple, int] = {}
        agency_sets, rows = [], []
        for row in self.rows:
            key = (
                *(tuple(row[key]) for key in ROW_AGENCY_LISTS),
                *(tuple(row[key].items()) for key in ("lead_how", "support_how", "collectives")),
            )
            if key not in index_of:
                index_of[key] = len(agency_sets)
                agency_sets.append({key: row[key] for key in ROW_AGENCY_KEYS})
            compact = {key: value for key, value in row.items() if key not in ROW_AGENCY_KEYS}
            compact["agencies"] = index_of[key]
            rows.append(compact)
        summary["rows"] = rows
        summary["agency_sets"] = agency_sets
        return summary


# A row's agencies as `_row_agencies` gives them and those the import gives or takes from its
# task, stored once per run (`ImportReport.as_stored`).
ROW_AGENCY_LISTS = ("lead", "support", "agencies_added", "agencies_removed")
ROW_AGENCY_KEYS = (*ROW_AGENCY_LISTS, "lead_how", "support_how", "collectives")


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


@contextmanager
def _no_full_collections():
    """Put off the garbage collector's full collections until the import ends. An import
    keeps its cells, rows, tasks and report until it returns, and each full collection walked
    them all: 7 of them were 0,8–0,9 s of the 3 s of CPU a 10,000-task re-import takes in
    process (the same peak memory without them). Young objects are still
    collected (generations 0 and 1 keep their thresholds). The thresholds are the process's:
    gunicorn's sync workers and the command run one import at a time per process."""
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], 1_000_000)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


@_no_full_collections()
def annex_import(
    *,
    data: bytes,
    file_name: str,
    province: Province,
    plan_number: str = "",
    plan_title: str = "",
    plan_date: datetime.date | None = None,
    year: int | None = None,
    sheet_names: list[str] | None = None,
    dry_run: bool = False,
    user=None,
    confirms: ImportRun | None = None,
    choices: dict[str, int | None] | None = None,
    accept_suggestions: bool = False,
    acknowledge: bool = False,
    expected_state: str | None = None,
) -> ImportReport:
    """Import (or, with `dry_run`, preview) an annex file into its plan.

    `choices` are the reviewer's decisions on uncertain matches (row id → task id or None);
    `accept_suggestions` takes every uncertain suggestion instead. Without `acknowledge`, an
    import that would put recorded work at risk (`report.at_risk`) is refused. With
    `expected_state` (a preview's), it is refused if the plan changed since.
    """
    report = ImportReport(
        dry_run=dry_run, file_name=file_name, sha256=hashlib.sha256(data).hexdigest()
    )
    try:
        walks, details, file_format = _read_tables(data, file_name, sheet_names, report)
        number = plan_number.strip() or details.number
        issued_on = plan_date or details.issued_on
        year = year or (issued_on.year if issued_on else None) or details.year
        if not number:
            raise ImportRefused(
                "Không tìm thấy số hiệu kế hoạch trong tệp: hãy nhập số hiệu (ví dụ 22/KH-UBND)."
            )
        number_limit = Plan._meta.get_field("number").max_length
        if len(number) > number_limit:
            raise ImportRefused(
                f"Số hiệu kế hoạch “{number[:60]}…” dài {len(number)} ký tự, vượt giới hạn "
                f"{number_limit} ký tự: hãy nhập đúng số hiệu (ví dụ 22/KH-UBND)."
            )
        if not year:
            raise ImportRefused("Không xác định được năm của kế hoạch: hãy nhập năm ban hành.")
        title_limit = Plan._meta.get_field("title").max_length
        plan_values = {"title": plan_title or details.title[:title_limit], "issued_on": issued_on}
        resolver = AgencyResolver(province, issued_on or datetime.date(year, 1, 1))
        imported = _interpret(walks, resolver, year, report)
        params = {
            "plan_number": plan_number,
            "plan_title": plan_title,
            "plan_date": _iso(plan_date),
            "year": year,
            "sheet_names": sheet_names or [],
            "choices": choices or {},
            "accept_suggestions": accept_suggestions,
        }
        with transaction.atomic():
            _save(
                report=report,
                province=province,
                number=number,
                year=year,
                plan_values=plan_values,
                imported=imported,
                walks=walks,
                resolver=resolver,
                sheet_names=sheet_names,
                dry_run=dry_run,
                user=user,
                confirms=confirms,
                choices=choices,
                accept_suggestions=accept_suggestions,
                expected_state=expected_state,
            )
            # What the file says of the plan, proposed in the preview as the title rows are.
            report.plan.update(
                title=plan_values["title"], issued_on=_iso(issued_on), place=details.place
            )
            _locate_warnings(report, file_format)
            if dry_run:
                transaction.set_rollback(True)
            else:
                if report.at_risk and not acknowledge:
                    raise ImportRefused(
                        f"Lần nhập này ảnh hưởng đến công việc đã ghi nhận ở {len(report.at_risk)} "
                        "chỗ (xem danh sách “Cần xác nhận” trong bản xem trước): hãy xem lại và "
                        "xác nhận đã biết trước khi nhập."
                    )
                _record_run(report, province, file_name, params, dry_run, confirms, user)
        if dry_run:
            _record_run(report, province, file_name, params, dry_run, confirms, user)
    except ImportRefused as refused:
        report.errors.append(str(refused))
        if isinstance(refused, AlreadyConfirmed):
            report.import_run_id = refused.confirmation.pk
    return report


def _record_run(report, province, file_name, params, dry_run, confirms, user) -> None:
    run = ImportRun.objects.create(
        created_by=user if user is not None and user.is_authenticated else None,
        province=province,
        plan_id=None if dry_run and report.plan.get("created") else report.plan_id,
        file_name=file_name[:255],
        sha256=report.sha256,
        params=params,
        dry_run=dry_run,
        confirms=confirms,
        succeeded=True,
        summary=report.as_stored(),
    )
    report.import_run_id = run.pk
    if not dry_run:
        _audit_run(run, report, user)


def _audit_run(run: ImportRun, report: ImportReport, user) -> None:
    """One audit entry on the plan per import that wrote: who imported which file, and what it
    did to the tasks (the rows themselves are in the run's summary, shown under /imports/)."""
    counts = report.tasks
    LogEntry.objects.log_create(
        run.plan,
        action=LogEntry.Action.UPDATE,
        changes={
            "nhập phụ lục": [
                "",
                f"{run.file_name}: {counts.get('created', 0)} nhiệm vụ mới, "
                f"{counts.get('updated', 0)} sửa nội dung, {counts.get('moved', 0)} chuyển mục, "
                f"{counts.get('restored', 0)} khôi phục, {counts.get('unchanged', 0)} không đổi, "
                f"{counts.get('withdrawn', 0)} rút khỏi kế hoạch (lần nhập #{run.pk})",
            ]
        },
        actor=run.created_by,
        additional_data={"import_run": run.pk, "sha256": run.sha256, "tasks": counts},
    )


def _read_tables(data, file_name, sheet_names, report) -> tuple[list[SheetWalk], TitleDetails, str]:
    try:
        workbook = read_annex_file(
            data,
            filename=file_name,
            max_bytes=settings.PARINDEX_UPLOAD_MAX_BYTES,
            max_rows=settings.PARINDEX_IMPORT_MAX_ROWS,
            sheet_names=sheet_names,
        )
    except WorkbookError as error:
        raise ImportRefused(error.message) from None

    for sheet in workbook.sheets:
        _check_cell_lengths(sheet)
    walks: list[SheetWalk] = []
    details = details_from_body(workbook.front_lines)
    problems: list[str] = []
    for sheet in workbook.sheets:
        if not any(cell.value not in (None, "") for row in sheet.rows for cell in row):
            problems.append(f"Trang tính “{sheet.name}” trống.")
            continue
        header = find_header(sheet)
        if header is None:
            problems.append(
                f"Trang tính “{sheet.name}”: không tìm thấy dòng tiêu đề của bảng nhiệm vụ. "
                f"Đã tìm các cột: {LOOKED_FOR}."
            )
            continue
        sheet_details = details_from_lines(title_lines(sheet, header.first_row))
        for attribute in ("number", "issued_on", "year", "province_name"):
            if not getattr(details, attribute) and getattr(sheet_details, attribute):
                setattr(details, attribute, getattr(sheet_details, attribute))
        walk = walk_sheet(sheet, header, position_start=sum(len(w.sections) for w in walks))
        walk.annex = sheet_details.annex
        walks.append(walk)
        report.warnings.extend(w.as_dict() for w in walk.warnings)
        for column, text in header.ignored.items():
            report.warnings.append(
                {
                    "sheet": sheet.name,
                    "cell": sheet.ref(header.first_row, column),
                    "message": f"Cột “{text}” không được nhập (không phải cột của bảng nhiệm vụ).",
                }
            )
    # A workbook may hold a cover sheet or notes: those are skipped, unless the user named them
    # or nothing usable is left.
    if problems and (sheet_names or not walks):
        raise ImportRefused(" ".join(problems))
    for problem in problems:
        report.warnings.append({"sheet": "", "cell": "", "message": problem + " Đã bỏ qua."})
    total = sum(len(w.tasks) for w in walks)
    if total == 0:
        raise ImportRefused("Không có nhiệm vụ nào trong tệp (bảng chỉ có tiêu đề).")
    if total > settings.PARINDEX_IMPORT_MAX_ROWS:
        raise ImportRefused(
            f"Tệp có {total} nhiệm vụ, vượt giới hạn {settings.PARINDEX_IMPORT_MAX_ROWS} dòng mỗi lần nhập."
        )
    return walks, details, workbook.format


def _locate_warnings(report, file_format: str) -> None:
    """A Word table's warnings get their place as the user finds it, "Phụ lục II, dòng 14,
    cột 4" (its columns have no letters); a workbook's are placed by the preview from the
    cell ("Phụ lục II, dòng 14 (ô D14)")."""
    if file_format != "docx":
        return
    for warning in report.warnings:
        sheet, cell = warning.get("sheet", ""), warning.get("cell", "")
        try:
            row, column = coordinate_to_tuple(cell) if cell else (None, None)
        except ValueError:
            row = None
        if row is not None:
            warning["where"] = ", ".join(
                part for part in (sheet, f"dòng {row}, cột {column}") if part
            )


# Excel holds at most this many characters in a cell; a longer one is damage or a paste gone wrong.
EXCEL_CELL_MAX_CHARS = 32_767


def _check_cell_lengths(sheet) -> None:
    """Refuse a cell longer than Excel allows, naming it: every later step reads each cell
    several times, so millions of characters in one cell would take minutes to import."""
    for row_number, row in enumerate(sheet.rows, start=1):
        for col_number, cell in enumerate(row, start=1):
            value = cell.value
            if cell.origin and isinstance(value, str) and len(value) > EXCEL_CELL_MAX_CHARS:
                raise ImportRefused(
                    f"Trang tính “{sheet.name}”, ô {sheet.ref(row_number, col_number)}: nội dung "
                    f"dài {format_integer(len(value))} ký tự, vượt giới hạn "
                    f"{format_integer(EXCEL_CELL_MAX_CHARS)} ký tự của một ô Excel (tệp có thể bị hỏng "
                    "hoặc ô bị dán nhầm nội dung). Hãy rút gọn nội dung ô này rồi tải lên lại."
                )


def _interpret(walks, resolver: AgencyResolver, year: int, report) -> list[ImportedTask]:
    imported = []
    counts = report.agencies
    # A deadline cell's text recurs row after row ("Thường xuyên", "Quý IV/2023"): each
    # distinct value is read once (a `Deadline` is immutable, so rows can share it). The type
    # is part of the key: 1 and 1.0 are equal but are not written alike.
    deadlines: dict[tuple, Deadline] = {}
    for walk in walks:
        for task in walk.tasks:
            value = task.deadline_value
            key = (type(value), value)
            if key not in deadlines:
                deadlines[key] = parse_deadline(value, plan_year=year)
            deadline = deadlines[key]
            lead = resolver.resolve_text(task.lead_text)
            support = resolver.resolve_text(task.support_text)
            _check_new_names(task, lead + support)
            lead_names = {item.name for item in lead}
            support = [item for item in support if item.name not in lead_names]
            for item in lead + support:
                key = {MATCHED: "matched", ALIASED: "aliased", EXPANDED: "expanded"}.get(item.how)
                if key:
                    counts[key] += 1
            scores = find_score_statements(f"{task.description}\n{task.expected_result}")
            imported.append(
                ImportedTask(
                    parsed=task, deadline=deadline, lead=lead, support=support, scores=scores
                )
            )
            _count_deadline(report, deadline, task)
            if not lead:
                report.warnings.append(
                    {
                        "sheet": task.sheet,
                        "cell": task.description_cell,
                        "message": "Nhiệm vụ chưa có cơ quan chủ trì.",
                    }
                )
    report.agencies["unverified"] = [item.name for item in resolver.new_agencies]
    return imported


def _check_new_names(task, resolved) -> None:
    """Refuse a name no one could place that is too long to be an agency's name: it is text
    pasted into the wrong column, and saving it as an agency would lose its end (or fail)."""
    limit = Agency._meta.get_field("name").max_length
    for item in resolved:
        if item.how == NEW and len(item.name) > limit:
            raise ImportRefused(
                f"Trang tính “{task.sheet}”, dòng {task.row}: tên cơ quan “{item.name[:60]}…” "
                f"dài {len(item.name)} ký tự, vượt giới hạn {limit} ký tự của tên cơ quan. Hãy "
                "kiểm tra cột cơ quan chủ trì, phối hợp của dòng này (có thể nội dung bị dán "
                "nhầm cột) rồi tải lên lại."
            )


def _count_deadline(report, deadline, task) -> None:
    group = {
        DeadlineKind.FIXED: "dated",
        DeadlineKind.RANGE: "dated",
        DeadlineKind.ONGOING: "ongoing",
        DeadlineKind.RECURRING: "recurring",
        DeadlineKind.EVENT: "event",
    }.get(deadline.kind)
    if group:
        report.deadlines[group] += 1
    elif deadline.text:
        report.deadlines["unparsed"].append(deadline.text)
        report.warnings.append(
            {
                "sheet": task.sheet,
                "cell": task.deadline_cell,
                "message": f"Chưa hiểu được thời gian thực hiện “{deadline.text}”: giữ nguyên văn bản.",
            }
        )


def _save(
    *,
    report,
    province,
    number,
    year,
    plan_values,
    imported,
    walks,
    resolver,
    sheet_names,
    dry_run,
    user,
    confirms,
    choices,
    accept_suggestions,
    expected_state,
):
    """The import's writes, inside the caller's transaction. Imports of one plan run one at a
    time (a lock on the plan row), and a preview is confirmed at most once (a lock on it)."""
    if confirms is not None:
        ImportRun.objects.select_for_update().filter(pk=confirms.pk).first()
        confirmation = ImportRun.objects.filter(confirms_id=confirms.pk).first()
        if confirmation is not None:
            raise AlreadyConfirmed(confirmation)
    plan, created = Plan.objects.get_or_create(
        province=province, number=number, year=year, defaults=plan_values
    )
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if not created:
        changed = [k for k, v in plan_values.items() if v and getattr(plan, k) != v]
        for key in changed:
            setattr(plan, key, plan_values[key])
        if changed:
            plan.save(update_fields=changed)
    resolver.create_new_agencies()
    sections = [
        ImportedSection(parsed=section, annex=walk.annex)
        for walk in walks
        for section in walk.sections
    ]
    try:
        result = plan_sync(
            plan=plan,
            sections=sections,
            tasks=imported,
            sheets_in_scope={walk.sheet for walk in walks} if sheet_names else None,
            actor=user if user is not None and user.is_authenticated else None,
            choices=choices,
            accept_suggestions=accept_suggestions,
            expected_state=expected_state,
        )
    except StalePlan:
        raise ImportRefused(STALE_MESSAGE) from None
    if not dry_run:  # a dry run is rolled back: nothing to count
        tallies_refresh(section_ids=result.sections_changed, new_section_ids=result.sections_new)
    report.tasks.update(result.counts)
    report.criteria_linked = plan_link_sections(plan)
    report.withdrawn = result.withdrawn
    report.at_risk = result.at_risk
    report.plan_state = result.plan_state
    report.uncertain = sum(1 for item in imported if item.suggestion)
    if created:
        _warn_duplicate_plan(report, province, plan)
    report.plan = {
        "number": number,
        "province": str(province),
        "year": year,
        "created": created,
    }
    report.plan_id = plan.pk
    report.sheets = [_sheet_summary(walk) for walk in walks]
    agencies: dict = {}
    report.rows = [_row(item, agencies) for item in imported]


def _warn_duplicate_plan(report, province, plan) -> None:
    """A file whose content already made another plan: most likely the same plan typed with
    another number or year, which would make every task twice."""
    earlier = (
        ImportRun.objects.filter(
            province=province, sha256=report.sha256, dry_run=False, succeeded=True
        )
        .exclude(plan=None)
        .exclude(plan=plan)
        .select_related("plan")
        .order_by("-created_at")
        .first()
    )
    if earlier is not None:
        report.at_risk.insert(
            0,
            {
                "kind": "duplicate_plan",
                "plan_id": earlier.plan_id,
                "message": f"Nội dung tệp này đã được nhập vào {earlier.plan} lúc "
                f"{timezone.localtime(earlier.created_at):%d/%m/%Y %H:%M}: xác nhận sẽ tạo thêm "
                "một kế hoạch mới với cùng các nhiệm vụ. Nếu đây là bản sửa đổi của kế hoạch đó, "
                "hãy nhập đúng số hiệu và năm của nó.",
            },
        )


def _sheet_summary(walk: SheetWalk) -> dict:
    return {
        "name": walk.sheet,
        "header_row": walk.header.row,
        "columns": walk.header.letters(),
        "sections": len(walk.sections),
        "tasks": len(walk.tasks),
    }


def _row_agencies(item: ImportedTask, shared: dict) -> dict:
    """A row's agencies as the preview shows them. Rows naming the same agencies (the same
    cells, row after row) share one copy: the report of a 10,000-task import held 10,000
    copies of a few dozen, 8 MB of what it holds while its summary is saved."""
    key = (
        tuple((a.name, a.how, a.source) for a in item.lead),
        tuple((a.name, a.how, a.source) for a in item.support),
    )
    if key not in shared:
        shared[key] = {
            "lead": [a.name for a in item.lead],
            "support": [a.name for a in item.support],
            "lead_how": {a.name: a.how for a in item.lead},
            "support_how": {a.name: a.how for a in item.support},
            # The collective name as written ("Các sở, ban, ngành") of each agency read from
            # one: the preview folds a long list under it.
            "collectives": {
                a.name: a.source for a in item.lead + item.support if a.how == EXPANDED
            },
        }
    return shared[key]


def _row(item: ImportedTask, shared_agencies: dict) -> dict:
    task, deadline = item.parsed, item.deadline
    agencies = _row_agencies(item, shared_agencies)
    return {
        "sheet": task.sheet,
        "row": task.row,
        "section": task.section.number,
        "section_title": task.section.title,
        "number": task.number,
        "description": task.description,
        "expected_result": task.expected_result,
        "lead": agencies["lead"],
        "support": agencies["support"],
        "lead_how": agencies["lead_how"],
        "support_how": agencies["support_how"],
        "collectives": agencies["collectives"],
        "lead_from_section": task.lead_from_section,
        "deadline": {
            "text": deadline.text,
            "kind": deadline.kind,
            "start": _iso(deadline.start),
            "due": _iso(deadline.due),
            "recurrence": deadline.recurrence,
        },
        "scores": [score_as_dict(s) for s in item.scores],
        "status": item.outcome,
        "row_id": item.row_id,
        "task_id": item.task_id,
        "match": item.match,
        "before": item.before,
        "changes": item.changes,
        "diff": item.diff,
        "suggestion": item.suggestion,
        "agencies_added": item.agencies_added,
        "agencies_removed": item.agencies_removed,
        "extensions": item.extensions,
    }

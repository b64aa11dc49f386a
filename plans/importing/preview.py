"""What a person reads of an import report (`ImportReport`, stored as `ImportRun.summary`).

The preview page and `manage.py import_annex` print the same things the same way from here: the
Vietnamese name of each outcome, deadline kind and agency reading, dates as dd/mm/yyyy (the
stored report keeps ISO dates), where in the workbook a warning points ("Phụ lục II, dòng 14"),
and the rows grouped by section with what each section's rows become.
"""

import re

from django.utils.text import slugify

from plans.importing.resolve import ALIASED, EXPANDED, MATCHED, NEW
from plans.importing.sync import CREATED, MOVED, RESTORED, UNCHANGED, UPDATED, WITHDRAWN
from plans.models import Task

HOW_LABELS = {
    MATCHED: "khớp tên",
    ALIASED: "tên gọi khác",
    EXPANDED: "từ tên chung",
    NEW: "mới, chưa xác minh",
}
# What a row becomes, in the order the summary counts them.
STATUS_LABELS = {
    CREATED: "Mới",
    UPDATED: "Sửa nội dung",
    MOVED: "Chuyển mục",
    RESTORED: "Khôi phục",
    UNCHANGED: "Không đổi",
    WITHDRAWN: "Rút khỏi kế hoạch",
}
# The same outcomes after a number ("70 nhiệm vụ mới, 2 sửa nội dung").
COUNT_LABELS = {
    CREATED: "nhiệm vụ mới",
    UPDATED: "sửa nội dung",
    MOVED: "chuyển mục",
    RESTORED: "khôi phục",
    UNCHANGED: "không đổi",
    WITHDRAWN: "rút khỏi kế hoạch",
}
# The columns `header.find_header` recognises, as the annex's own headings call them.
COLUMN_LABELS = {
    "number": "TT",
    "description": "nhiệm vụ",
    "expected_result": "kết quả",
    "lead": "chủ trì",
    "support": "phối hợp",
    "deadline": "thời gian",
}
# A collective name read as more agencies than this is folded under its written name: "UBND
# các xã, phường, thị trấn" is a hundred communes, and listing them made one row a screen long.
FOLD_AGENCIES_OVER = 8

_CELL_ROW = re.compile(r"^[A-Z]+(\d+)$")


def day(iso: str | None) -> str:
    """ "2018-06-30" → "30/06/2018"."""
    if not iso:
        return ""
    year, month, day_ = iso.split("-")
    return f"{day_}/{month}/{year}"


def tasks_counted(counts: dict) -> str:
    """ "70 nhiệm vụ mới, 0 sửa nội dung, …, 0 rút khỏi kế hoạch"."""
    return ", ".join(f"{counts.get(status, 0)} {label}" for status, label in COUNT_LABELS.items())


def column_labels(letters: dict) -> list[tuple[str, str]]:
    """A sheet's recognised columns (role → letter) in the sheet's order, each with its name:
    [("A", "TT"), ("B", "nhiệm vụ")]. Sorted here: PostgreSQL's jsonb keeps no key order."""
    pairs = [(letter, COLUMN_LABELS.get(role, role)) for role, letter in letters.items()]
    return sorted(pairs, key=lambda pair: (len(pair[0]), pair[0]))


def columns_text(letters: dict) -> str:
    """ "A: TT, B: nhiệm vụ, C: phối hợp"."""
    return ", ".join(f"{letter}: {label}" for letter, label in column_labels(letters))


def deadline_meaning(deadline: dict) -> str:
    """What was understood from a deadline cell: "Khoảng thời gian: từ 01/04/2018 đến
    30/06/2018", "Định kỳ: hàng quý", "Thường xuyên: từ 01/01/2022"."""
    kind = deadline.get("kind") or Task.DeadlineKind.UNPARSED
    if kind == Task.DeadlineKind.UNPARSED and not deadline.get("text"):
        return "Không ghi thời gian"
    label = Task.DeadlineKind(kind).label
    start, due = day(deadline.get("start")), day(deadline.get("due"))
    recurrence = deadline.get("recurrence")
    parts = []
    if start and due:
        parts.append(f"từ {start} đến {due}")
    elif due:
        parts.append(f"hạn {due}")
    elif start:
        parts.append(f"từ {start}")
    if recurrence:
        every = Task.Recurrence(recurrence).label.lower()
        parts.append(every if kind == Task.DeadlineKind.RECURRING else f"định kỳ {every}")
    if kind == Task.DeadlineKind.UNPARSED:
        parts.append("giữ nguyên văn")
    return f"{label}: {', '.join(parts)}" if parts else label


def cell_row(cell: str) -> int | None:
    """The row number of a cell reference ("D14" → 14)."""
    match = _CELL_ROW.match(cell or "")
    return int(match[1]) if match else None


def place(sheet: str, cell: str) -> str:
    """Where a warning points, as a person looks for it: "Phụ lục II, dòng 14 (ô D14)"."""
    parts = [sheet] if sheet else []
    row = cell_row(cell)
    if row:
        parts.append(f"dòng {row} (ô {cell})")
    elif cell:
        parts.append(f"ô {cell}")
    return ", ".join(parts) or "Tệp"


def row_anchor(sheet: str, row: int) -> str:
    """The id of a row on the preview page; warnings, risks and choices link to it."""
    return f"dong-{slugify(sheet)}-{row}"


def _agency_groups(names: list[str], hows: dict, collectives: dict) -> list[dict]:
    """The agencies of one cell in order, those read from one collective name kept together and
    folded under it when there are many."""
    groups: list[dict] = []
    for name in names:
        how = hows.get(name)
        written = collectives.get(name) if how == EXPANDED else None
        item = (name, how, HOW_LABELS.get(how, ""))
        last = groups[-1] if groups else None
        if how == EXPANDED and last and last["expanded"] and last["written"] == written:
            last["items"].append(item)
        else:
            groups.append({"expanded": how == EXPANDED, "written": written, "items": [item]})
    for group in groups:
        group["folded"] = group["expanded"] and len(group["items"]) > FOLD_AGENCIES_OVER
    return groups


def preview_rows(report: dict) -> list[dict]:
    """Rows of a stored report, with each agency paired with how it was read, the labels and
    dd/mm/yyyy dates the preview page shows, the row's anchor and the warnings on it."""
    warned: dict[str, list[str]] = {}
    for warning in report.get("warnings", []):
        row = cell_row(warning.get("cell", ""))
        if warning.get("sheet") and row:
            warned.setdefault(row_anchor(warning["sheet"], row), []).append(warning["message"])
    rows = []
    # A run's distinct sets of agencies, each stored once (ImportReport.as_stored); runs stored
    # before hold each row's agencies in the row.
    agency_sets = report.get("agency_sets", [])
    for index, row in enumerate(report.get("rows", [])):
        if "agencies" in row:
            row = {**row, **agency_sets[row["agencies"]]}
        collectives = row.get("collectives", {})
        anchor = row_anchor(row["sheet"], row["row"])
        rows.append(
            {
                **row,
                "index": index,
                "anchor": anchor,
                "status_label": STATUS_LABELS.get(row["status"], row["status"]),
                "lead_groups": _agency_groups(row["lead"], row["lead_how"], collectives),
                "support_groups": _agency_groups(row["support"], row["support_how"], collectives),
                "deadline_meaning": deadline_meaning(row["deadline"]),
                "warnings": warned.get(anchor, []),
            }
        )
    return rows


def preview_warnings(report: dict, rows: list[dict]) -> list[dict]:
    """The report's warnings, each with its place in the workbook and the anchor of the preview
    row it is about (empty when it is about no task row: a header cell, a whole sheet)."""
    anchors = {row["anchor"] for row in rows}
    warnings = []
    for warning in report.get("warnings", []):
        sheet, cell = warning.get("sheet", ""), warning.get("cell", "")
        row = cell_row(cell)
        anchor = row_anchor(sheet, row) if sheet and row else ""
        warnings.append(
            {
                # A Word table's columns have no letters: its warnings carry their own place.
                "place": warning.get("where") or place(sheet, cell),
                "message": warning["message"],
                "anchor": anchor if anchor in anchors else "",
            }
        )
    return warnings


def preview_sections(rows: list[dict], *, linked: set[str]) -> list[dict]:
    """The rows grouped by section, in the workbook's order, each section with its heading, its
    counts per outcome and whether it is shown open: a section whose rows are all unchanged,
    not renumbered and not linked to from elsewhere on the page (`linked`: the anchors of
    warnings, risks and choices) is folded, so an unchanged re-import is short."""
    sections: list[dict] = []
    for row in rows:
        key = (row["sheet"], row["section"], row["section_title"])
        if not sections or sections[-1]["key"] != key:
            number = row["section"].rstrip(".")
            title = f"{number}. {row['section_title']}" if number else row["section_title"]
            sections.append(
                {
                    "key": key,
                    "id": f"muc-{len(sections) + 1}",
                    "heading": " – ".join(
                        part for part in (row["sheet"], title.strip(". ")) if part
                    ),
                    "rows": [],
                }
            )
        sections[-1]["rows"].append(row)
    for section in sections:
        section_rows = section["rows"]
        counts = dict.fromkeys(STATUS_LABELS, 0)
        for row in section_rows:
            counts[row["status"]] = counts.get(row["status"], 0) + 1
        section["counts"] = ", ".join(
            f"{n} {STATUS_LABELS.get(status, status).lower()}" for status, n in counts.items() if n
        )
        section["warnings"] = sum(len(row["warnings"]) for row in section_rows)
        section["open"] = any(
            row["status"] != UNCHANGED
            or row["anchor"] in linked
            or row["warnings"]
            or (row.get("before") or {}).get("number", row["number"]) != row["number"]
            for row in section_rows
        )
    return sections


def confirm_effects(report: dict) -> list[str]:
    """What confirming the preview will write, one line each; nothing is deleted."""
    tasks, plan = report.get("tasks", {}), report.get("plan", {})
    effects = []
    if plan.get("created"):
        effects.append(f"tạo kế hoạch {plan.get('number') or '(không số)'} năm {plan.get('year')}")
    if tasks.get(CREATED):
        effects.append(
            f"thêm {tasks[CREATED]} nhiệm vụ mới và giao cho các cơ quan chủ trì, phối hợp"
        )
    if tasks.get(UPDATED):
        effects.append(
            f"sửa nội dung {tasks[UPDATED]} nhiệm vụ (tiến độ đã báo cáo ở lại với nhiệm vụ)"
        )
    if tasks.get(MOVED):
        effects.append(f"chuyển mục {tasks[MOVED]} nhiệm vụ")
    if tasks.get(RESTORED):
        effects.append(f"khôi phục {tasks[RESTORED]} nhiệm vụ đã rút khỏi kế hoạch")
    if tasks.get(WITHDRAWN):
        effects.append(
            f"rút {tasks[WITHDRAWN]} nhiệm vụ khỏi kế hoạch (giữ nguyên tiến độ và tài liệu)"
        )
    unverified = (report.get("agencies") or {}).get("unverified", [])
    if unverified:
        effects.append(f"thêm {len(unverified)} tên cơ quan mới, chờ xác minh")
    if not effects:
        effects.append(
            "không thay đổi nhiệm vụ nào: tệp giống kế hoạch đã có, chỉ ghi lại lần nhập này"
        )
    elif tasks.get(UNCHANGED):
        effects.append(f"giữ nguyên {tasks[UNCHANGED]} nhiệm vụ không đổi")
    return effects


def preview_context(report: dict) -> dict:
    """Everything the preview page shows of a stored report, summary first."""
    rows = preview_rows(report)
    warnings = preview_warnings(report, rows)
    at_risk = [
        {**item, "anchor": row_anchor(item["sheet"], item["row"]) if item.get("row") else ""}
        for item in report.get("at_risk", [])
    ]
    undecided = [row for row in rows if row.get("suggestion")]
    losses = [row for row in rows if row.get("agencies_removed")]
    linked = {w["anchor"] for w in warnings} | {item["anchor"] for item in at_risk}
    linked |= {row["anchor"] for row in undecided + losses}
    tasks = report.get("tasks", {})
    return {
        "rows": rows,
        "sections": preview_sections(rows, linked=linked),
        "warnings": warnings,
        "undecided": undecided,
        "at_risk": at_risk,
        "withdrawn": report.get("withdrawn", []),
        "losses": losses,
        "counts": [
            {"status": status, "label": label, "count": tasks.get(status, 0)}
            for status, label in COUNT_LABELS.items()
        ],
        "effects": confirm_effects(report),
        "fold_over": FOLD_AGENCIES_OVER,
        "sheets": [
            {
                **sheet,
                "column_labels": column_labels(sheet["columns"]),
            }
            for sheet in report.get("sheets", [])
        ],
    }

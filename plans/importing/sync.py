"""Comparing an imported annex with what a plan already holds, and saving the difference.

Re-importing a revised annex must never lose or move anyone's work, so each row is matched to
the stored task it is by content (plans.importing.matching), never by its number or place.
Then:
- a row matched to a task updates it in place (text, deadline, number, section), keeping its
  assignments' status, history and evidence; a withdrawn task matched again is restored;
- a row with no match is a new task; a row whose only candidate is uncertain is new until the
  reviewer decides otherwise in the preview;
- a stored task no row matched is withdrawn, never deleted, and stays readable to reviewers;
- an agency no longer named loses its assignment if nobody ever worked on it, else the
  assignment is kept with its history, marked "không còn được giao" (unassigned_at).
- a changed due date leaves an agency's granted extension (gia hạn, Assignment.extended_to)
  in force while the extension is later than the new date; a new date as late or later (or
  none: "Thường xuyên") supersedes it. Either way the preview says so per agency
  (`ImportedTask.extensions`), and the requests and decisions stay in the history.
What would put recorded work at risk (a task with work withdrawn or re-texted beyond a small
correction, an agency with work no longer named) is listed in `at_risk`: confirming it needs
an explicit acknowledgement (plans.importing.pipeline).

The saves are bulk operations, which send no model signals, so the audit trail is written
here: one entry per section, task or assignment whose audited content changed, with the old and
new values. Rows created by an import are not logged one by one: the import run's entry on the
plan (plans.importing.pipeline) and its stored summary list them.
"""

import copy
import difflib
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields

from django.utils import timezone

from agencies.models import Agency
from parindex.core.audit import audit_updates
from parindex.core.bulk import insert_rows
from parindex.core.text import fold
from plans.importing.deadlines import Deadline
from plans.importing.matching import (
    NEAR_IDENTICAL,
    Signature,
    match_sections,
    match_tasks,
    normalise_number,
)
from plans.importing.resolve import ResolvedAgency
from plans.importing.scores import ScoreStatement
from plans.importing.walk import ParsedSection, ParsedTask
from plans.models import Assignment, ProgressUpdate, Section, Task

CREATED, UPDATED, MOVED, RESTORED, UNCHANGED, WITHDRAWN = (
    "created",
    "updated",
    "moved",
    "restored",
    "unchanged",
    "withdrawn",
)

# Fields whose change makes a task "updated" (sửa nội dung), with how the preview names them.
CONTENT_FIELDS = {
    "description": "nội dung",
    "expected_result": "kết quả, sản phẩm",
    "deadline_text": "thời gian thực hiện",
    "deadline_kind": "thời gian thực hiện",
    "starts_on": "thời gian thực hiện",
    "due_on": "thời gian thực hiện",
    "recurrence": "thời gian thực hiện",
    "score_statements": "điểm số nêu trong nội dung",
}
# These follow the file without changing what the task is: renumbering (1.1 → 1.2), a moved
# row, a renamed sheet. The section is compared separately (a move, "chuyển mục").
BOOKKEEPING_FIELDS = [
    "section_id",
    "number",
    "position",
    "source_sheet",
    "source_row",
    "search_text",
]


# What differs between the assignments an import creates (plans_sync's new_assignments).
ASSIGNMENT_COLUMNS = ("task_id", "agency_id", "role", "source_text")


@dataclass(slots=True)
class StoredAssignment:
    """The columns of a stored assignment the import reads. A plan of 10,000 tasks has some
    81,000 assignments: reading them as plain rows instead of model instances took an
    unchanged re-import's `plan_sync` from 2,0–2,1 to 1,3–1,4 s of CPU (load 10). A model
    instance is made only for the few the import changes (`_instance`)."""

    pk: int
    task_id: int
    agency_id: int
    role: str
    source_text: str
    status: str
    review: str
    unassigned_at: object
    extended_to: object


STORED_ASSIGNMENT_COLUMNS = [f.name for f in fields(StoredAssignment)]


def _instance(existing: dict, agency_id: int) -> Assignment:
    """The model instance of `existing[agency_id]`, made once and kept in its place. It holds
    the loaded columns only: the import saves just those it changes (bulk_update's fields), and
    the audit diff of two copies of it names just those."""
    stored = existing[agency_id]
    if isinstance(stored, Assignment):
        return stored
    values = {name: getattr(stored, name) for name in STORED_ASSIGNMENT_COLUMNS}
    assignment = Assignment(id=values.pop("pk"), **values)
    assignment._state.adding = False
    assignment._state.db = Assignment.objects.db
    existing[agency_id] = assignment
    return assignment


class StalePlan(Exception):
    """The plan changed after the preview was made: its state differs from the preview's."""


@dataclass
class ImportedSection:
    parsed: ParsedSection
    annex: str = ""


@dataclass
class ImportedTask:
    parsed: ParsedTask
    deadline: Deadline
    lead: list[ResolvedAgency]
    support: list[ResolvedAgency]
    scores: list[ScoreStatement]
    outcome: str = ""
    # What the preview shows of the stored task this row became (empty for a new task).
    task_id: int | None = None
    match: dict = field(default_factory=dict)  # {"how", "similarity"}
    before: dict = field(default_factory=dict)  # the stored task's section, number, text
    changes: list[str] = field(default_factory=list)  # what changed, as the preview names it
    diff: list = field(default_factory=list)  # [[op, words], …] of the description
    suggestion: dict = field(default_factory=dict)  # an uncertain candidate for the reviewer
    agencies_added: list[str] = field(default_factory=list)
    agencies_removed: list[str] = field(default_factory=list)
    # What a changed due date does to the agencies' granted extensions, one line per agency.
    extensions: list[str] = field(default_factory=list)

    @property
    def row_id(self) -> str:
        return row_id(self.parsed)


def row_id(parsed: ParsedTask) -> str:
    """A row's address in the file, the same on every run of the same file."""
    return f"{parsed.sheet}!{parsed.row}"


@dataclass
class SyncResult:
    counts: dict
    plan_state: str
    withdrawn: list[dict] = field(default_factory=list)
    at_risk: list[dict] = field(default_factory=list)
    # The sections whose dashboard counters the import changed (plans.tallies refreshes them).
    sections_changed: set[int] = field(default_factory=set)
    # Those of them holding only tasks the import created: no progress update can name their
    # assignments yet (`tallies_refresh`'s `new_section_ids`).
    sections_new: set[int] = field(default_factory=set)


def score_as_dict(score: ScoreStatement) -> dict:
    return {
        "text": score.text,
        "achieved": float(score.achieved),
        "maximum": float(score.maximum) if score.maximum is not None else None,
        "unit": score.unit,
        "year": score.year,
        "group": score.group,
    }


def word_diff(old: str, new: str) -> list[list[str]]:
    """[["=", "same words"], ["-", "removed"], ["+", "added"], …], word by word."""
    a, b = old.split(), new.split()
    parts: list[list[str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(["=", " ".join(a[i1:i2])])
            continue
        if i2 > i1:
            parts.append(["-", " ".join(a[i1:i2])])
        if j2 > j1:
            parts.append(["+", " ".join(b[j1:j2])])
    return parts


def _task_values(item: ImportedTask, section: Section, position: int) -> dict:
    parsed, deadline = item.parsed, item.deadline
    return {
        "section_id": section.pk,
        "number": parsed.number[:20],
        "description": parsed.description,
        "expected_result": parsed.expected_result,
        "deadline_text": deadline.text[:500],
        "deadline_kind": deadline.kind,
        "starts_on": deadline.start,
        "due_on": deadline.due,
        "recurrence": deadline.recurrence or "",
        "score_statements": [score_as_dict(s) for s in item.scores],
        "search_text": fold(" ".join((parsed.number, parsed.description, parsed.expected_result))),
        "position": position,
        "source_sheet": parsed.sheet[:100],
        "source_row": parsed.row,
    }


def _desired_assignments(item: ImportedTask) -> dict[int, tuple[str, str]]:
    """agency id → (role, text as written); lead wins when a cell names an agency twice."""
    desired: dict[int, tuple[str, str]] = {}
    for role, agencies in (
        (Assignment.Role.LEAD, item.lead),
        (Assignment.Role.SUPPORT, item.support),
    ):
        for resolved in agencies:
            desired.setdefault(resolved.agency.pk, (role, resolved.source[:500]))
    return desired


def _section_label(section: Section | None) -> str:
    return str(section) if section is not None else ""


def _has_work(assignment: Assignment, worked_on: set[int]) -> bool:
    """Anything a person recorded: a history entry, a status, a review."""
    return (
        assignment.pk in worked_on
        or assignment.status != Assignment.Status.NOT_STARTED
        or bool(assignment.review)
    )


def _plan_state(sections, tasks, assignments, worked: set[int]) -> str:
    """A digest of everything that decides what an import of this plan does: a preview keeps
    it, and its confirmation is refused if the plan no longer has it."""
    digest = hashlib.sha256()
    for s in sorted(sections, key=lambda s: s.pk):
        digest.update(repr(("s", s.pk, s.sheet, s.number, s.title, s.annex)).encode())
    for t in sorted(tasks, key=lambda t: t.pk):
        digest.update(
            repr(
                (
                    "t",
                    t.pk,
                    t.section_id,
                    t.number,
                    t.description,
                    t.expected_result,
                    t.deadline_text,
                    t.source_sheet,
                    t.withdrawn_at is None,
                )
            ).encode()
        )
    for a in sorted(assignments, key=lambda a: a.pk):
        digest.update(
            repr(
                (
                    "a",
                    a.pk,
                    a.task_id,
                    a.agency_id,
                    a.role,
                    a.unassigned_at is None,
                    a.pk in worked,
                    a.extended_to,
                )
            ).encode()
        )
    return digest.hexdigest()


def _positions(count: int):
    return (lambda index: index / (count - 1)) if count > 1 else (lambda index: 0.0)


def plan_sync(
    *,
    plan,
    sections: list[ImportedSection],
    tasks: list[ImportedTask],
    sheets_in_scope: set[str] | None,
    actor=None,
    choices: dict[str, int | None] | None = None,
    accept_suggestions: bool = False,
    expected_state: str | None = None,
) -> SyncResult:
    """Bring the plan's sections, tasks and assignments in line with the import.

    `choices`: the reviewer's decisions on uncertain matches, row id ("Phụ lục I!12") → stored
    task id or None (a new task). `expected_state`: the plan's state when the preview was
    made; StalePlan if it has changed since.
    """
    audited: list[tuple] = []  # (before, after) of every row changed in place
    now = timezone.now()
    stored_sections = {s.pk: s for s in plan.sections.all()}
    stored_tasks = list(plan.tasks.all())
    all_assignments = [
        StoredAssignment(*row)
        for row in Assignment.objects.filter(task__plan=plan)
        .values_list(*STORED_ASSIGNMENT_COLUMNS)
        .iterator(chunk_size=10_000)
    ]
    updated_ids = set(
        ProgressUpdate.objects.filter(assignment__task__plan=plan).values_list(
            "assignment_id", flat=True
        )
    )
    worked = {a.pk for a in all_assignments if _has_work(a, updated_ids)}
    state = _plan_state(stored_sections.values(), stored_tasks, all_assignments, worked)
    if expected_state is not None and expected_state != state:
        raise StalePlan
    # task id → agency id → StoredAssignment (an Assignment once the import changes it)
    assignments: dict[int, dict] = defaultdict(dict)
    for assignment in all_assignments:
        assignments[assignment.task_id][assignment.agency_id] = assignment
    task_worked = {
        t.pk for t in stored_tasks if any(a.pk in worked for a in assignments[t.pk].values())
    }

    def in_scope(sheet: str) -> bool:
        return sheets_in_scope is None or sheet in sheets_in_scope

    candidates = [t for t in stored_tasks if in_scope(t.source_sheet)]
    matching = _match(
        plan_tasks=candidates,
        stored_sections=stored_sections,
        assignments=assignments,
        task_worked=task_worked,
        imported=tasks,
        choices=choices,
        accept_suggestions=accept_suggestions,
    )
    task_by_pk = {t.pk: t for t in stored_tasks}
    # The sections' labels as the plan has them now: _sync_sections renumbers and retitles the
    # stored sections in place (I → 1), and what the preview shows as before must be what the
    # plan said, not the section's new number.
    section_label = {pk: _section_label(section) for pk, section in stored_sections.items()}
    section_of = _sync_sections(
        plan,
        sections,
        tasks,
        matching,
        task_by_pk,
        [s for s in stored_sections.values() if in_scope(s.sheet)],
        audited,
    )

    counts = Counter(dict.fromkeys((CREATED, UPDATED, MOVED, RESTORED, UNCHANGED, WITHDRAWN), 0))
    at_risk: list[dict] = []
    # Each new task with the agencies its row names (_desired_assignments, computed once).
    new_tasks: list[tuple[Task, dict[int, tuple[str, str]]]] = []
    changed_tasks: list[Task] = []  # content, section or withdrawal changed
    renumbered_tasks: list[Task] = []  # only where the file puts them changed
    new_assignments: list[tuple] = []  # ASSIGNMENT_COLUMNS of each assignment to create
    changed_assignments: list[Assignment] = []
    removed_assignments: list[int] = []
    cleared_extensions: list[Assignment] = []  # extensions a later annex date supersedes
    moved_from: set[int] = set()  # the sections moved tasks left
    agency_names = _agency_names(assignments, tasks)

    for position, item in enumerate(tasks):
        section = section_of[id(item.parsed.section)]
        values = _task_values(item, section, position)
        desired = _desired_assignments(item)
        suggestion = matching.suggestions.get(item.row_id)
        if suggestion is not None:
            suggested = task_by_pk[suggestion.task]
            item.suggestion = {
                "task_id": suggested.pk,
                "similarity": round(suggestion.similarity, 1),
                "section": section_label.get(suggested.section_id, ""),
                "number": suggested.number,
                "description": suggested.description,
                "worked": suggested.pk in task_worked,
                "diff": word_diff(suggested.description, item.parsed.description),
            }
        match = matching.matches.get(item.row_id)
        if match is None:
            new_tasks.append((Task(plan=plan, **values), desired))
            item.outcome = CREATED
            item.agencies_added = [agency_names[a] for a in desired]
            continue

        task = task_by_pk[match.task]
        item.task_id = task.pk
        item.match = {"how": match.how, "similarity": round(match.similarity, 1)}
        restored = task.withdrawn_at is not None
        differs = restored or any(getattr(task, f) != v for f, v in values.items())
        # The task as stored, for its audit entry and the preview: a copy only of a task the
        # import changes (copying the 10,000 models of an unchanged re-import: 0,08–0,14 s CPU).
        before = copy.copy(task) if differs else task
        changed = sorted(
            {
                label
                for name, label in CONTENT_FIELDS.items()
                if getattr(task, name) != values[name]
            },
            key=list(CONTENT_FIELDS.values()).index,
        )
        moved = task.section_id != section.pk
        if moved:
            moved_from.add(task.section_id)
        if task.description != values["description"]:
            item.diff = word_diff(task.description, values["description"])
        if changed or moved or restored or task.number != values["number"]:
            item.before = {
                "section": section_label.get(task.section_id, ""),
                "number": task.number,
                "description": task.description,
                "sheet": task.source_sheet,
            }
        if restored:
            task.withdrawn_at = None
        if task.due_on != values["due_on"]:
            item.extensions = _sync_extensions(
                task,
                values["due_on"],
                assignments.get(task.pk, {}),
                agency_names,
                audited=audited,
                cleared=cleared_extensions,
            )
        if differs:
            # A renumbered task (1.1 → 1.2 after an insertion) follows the file like its
            # position: the import run's summary keeps its old number ("before"), and an audit
            # entry for each of 10,000 renumbered tasks made a revised import 4 times slower.
            if changed or moved or restored:
                audited.append((before, task))
                changed_tasks.append(task)
            else:
                renumbered_tasks.append(task)
            for f, v in values.items():
                setattr(task, f, v)
        if task.pk in task_worked and "nội dung" in changed and match.similarity < NEAR_IDENTICAL:
            at_risk.append(
                _risk(
                    "retexted",
                    task,
                    item,
                    f"Nội dung thay đổi nhiều (giống {match.similarity:.0f}%) trên nhiệm vụ đã có "
                    "tiến độ báo cáo: tiến độ sẽ ở lại với nội dung mới.",
                    section=section_label.get(before.section_id, ""),
                )
            )

        lost, added, roles_changed = _sync_assignments(
            task,
            desired,
            assignments.get(task.pk, {}),
            worked,
            now,
            audited=audited,
            new=new_assignments,
            changed=changed_assignments,
            removed=removed_assignments,
        )
        item.agencies_added = [agency_names[a] for a in added]
        item.agencies_removed = [agency_names[a.agency_id] for a in lost]
        # A lead becoming a support (or the reverse) changes who carries the task out as much
        # as an agency added or removed: a section given to another department keeps the old
        # lead as a support when a collective support ("Các sở, ban, ngành") names it.
        if added or lost or roles_changed:
            changed.append("cơ quan thực hiện")
        kept_with_work = [agency_names[a.agency_id] for a in lost if a.pk in worked]
        if kept_with_work:
            at_risk.append(
                _risk(
                    "agency_removed",
                    task,
                    item,
                    "Phụ lục không còn giao nhiệm vụ cho "
                    + ", ".join(kept_with_work)
                    + ": phân công được giữ cùng lịch sử, ghi “không còn được giao”, "
                    "không tính vào số liệu và nhắc việc.",
                    section=section_label.get(before.section_id, ""),
                    agencies=kept_with_work,
                )
            )
        item.changes = changed
        if restored:
            item.outcome = RESTORED
        elif moved:
            item.outcome = MOVED
        elif changed:
            item.outcome = UPDATED
        else:
            item.outcome = UNCHANGED

    matched_ids = {m.task for m in matching.matches.values()}
    withdrawn = [t for t in candidates if t.pk not in matched_ids and t.withdrawn_at is None]
    withdrawn_rows = []
    for task in withdrawn:
        audited.append((copy.copy(task), task))
        task.withdrawn_at = now
        worked_agencies = sorted(
            agency_names[a.agency_id] for a in assignments[task.pk].values() if a.pk in worked
        )
        entry = {
            "task_id": task.pk,
            "sheet": task.source_sheet,
            "section": section_label.get(task.section_id, ""),
            "number": task.number,
            "description": task.description,
            "worked": task.pk in task_worked,
            "agencies_with_work": worked_agencies,
        }
        withdrawn_rows.append(entry)
        if task.pk in task_worked:
            at_risk.append(
                {
                    **entry,
                    "kind": "withdrawn",
                    "message": "Nhiệm vụ đã có tiến độ báo cáo ("
                    + ", ".join(worked_agencies)
                    + ") sẽ rút khỏi kế hoạch: tiến độ và tài liệu được giữ, Sở Nội vụ vẫn xem "
                    "và khôi phục được.",
                }
            )

    Task.objects.bulk_create([task for task, _ in new_tasks], batch_size=1000)
    for task, desired in new_tasks:
        for agency_id, (role, source) in desired.items():
            new_assignments.append((task.pk, agency_id, role, source))
    # bulk_update writes one CASE per field over its batch: few fields and small batches keep
    # an insertion that renumbers 10,000 tasks from costing PostgreSQL tens of seconds.
    Task.objects.bulk_update(
        changed_tasks, [*CONTENT_FIELDS, *BOOKKEEPING_FIELDS, "withdrawn_at"], batch_size=200
    )
    Task.objects.bulk_update(
        renumbered_tasks, [f for f in BOOKKEEPING_FIELDS if f != "section_id"], batch_size=200
    )
    Task.objects.bulk_update(withdrawn, ["withdrawn_at"], batch_size=200)
    # A 10,000-task annex makes about 81,000 assignments that differ only in these four
    # columns: insert_rows prepares the others once instead of building and preparing a model
    # per row (bulk_create here was about 40 % of a first import's Python time).
    insert_rows(Assignment, ASSIGNMENT_COLUMNS, new_assignments)
    Assignment.objects.bulk_update(
        changed_assignments, ["role", "source_text", "unassigned_at"], batch_size=2000
    )
    Assignment.objects.bulk_update(cleared_extensions, ["extended_to"], batch_size=2000)
    Assignment.objects.filter(pk__in=removed_assignments).delete()

    agencies = Agency.objects.in_bulk({a.agency_id for a in changed_assignments})
    for assignment in changed_assignments:
        assignment.agency = agencies[assignment.agency_id]
    audit_updates(audited, actor=actor, additional_data={"via": "annex import"})

    for item in tasks:
        counts[item.outcome] += 1
    counts[WITHDRAWN] = len(withdrawn)
    return SyncResult(
        counts=dict(counts),
        plan_state=state,
        withdrawn=withdrawn_rows,
        at_risk=at_risk,
        sections_changed=_sections_changed(
            all_assignments,
            [*stored_tasks, *(task for task, _ in new_tasks)],
            tasks=[*changed_tasks, *withdrawn, *(task for task, _ in new_tasks)],
            task_ids=[
                *(row[0] for row in new_assignments),  # (task id, agency id, role, source)
                *(assignment.task_id for assignment in changed_assignments),
                *(assignment.task_id for assignment in cleared_extensions),
            ],
            removed=removed_assignments,
            moved_from=moved_from,
        ),
        # After the moves: a stored task moved into a section created for it brings its updates.
        sections_new={task.section_id for task, _ in new_tasks}
        - {task.section_id for task in stored_tasks},
    )


def _sections_changed(all_assignments, all_tasks, *, tasks, task_ids, removed, moved_from):
    """The sections of the tasks written and of the tasks whose assignments were (`task_ids`,
    and the deleted assignments `removed`); a moved task: both sections. An unchanged
    re-import changes none, a revision only the sections it touched. Renumbered tasks are not
    among them: their number and position are not counted."""
    section_of_task = {task.pk: task.section_id for task in all_tasks}  # after the moves
    task_of = {assignment.pk: assignment.task_id for assignment in all_assignments}
    return (
        moved_from
        | {task.section_id for task in tasks}
        | {section_of_task[task_id] for task_id in task_ids}
        | {section_of_task[task_of[pk]] for pk in removed}
    )


def _risk(kind: str, task: Task, item: ImportedTask, message: str, *, section, **extra) -> dict:
    """The task as the plan has it before the import (section, number, text: what the reviewer
    knows it by), and the row of the file that affects it. `section` is given also when only
    its agencies change, where the row shows no `before`."""
    return {
        "kind": kind,
        "task_id": task.pk,
        "sheet": item.parsed.sheet,
        "row": item.parsed.row,
        "section": section,
        "number": item.before.get("number", task.number),
        "description": item.before.get("description", task.description),
        "message": message,
        **extra,
    }


def _sync_extensions(task, new_due, existing, agency_names, *, audited, cleared) -> list[str]:
    """A revised annex moved the task's due date: each agency's granted extension stays while
    it is later than the new date (what Sở Nội vụ granted is not silently taken back), and is
    superseded when the annex now gives as much time or more, or no date. Returns the
    preview's lines."""
    lines = []
    for agency_id in list(existing):
        assignment = existing[agency_id]
        granted = assignment.extended_to
        if granted is None:
            continue
        name = agency_names[assignment.agency_id]
        if new_due is not None and new_due < granted:
            lines.append(
                f"{name}: giữ hạn đã gia hạn {granted:%d/%m/%Y} (hạn mới theo phụ lục "
                f"{new_due:%d/%m/%Y} sớm hơn)"
            )
            continue
        assignment = _instance(existing, agency_id)
        audited.append((copy.copy(assignment), assignment))
        assignment.task = task  # for the audit entry's name, without a query
        assignment.extended_to = None
        cleared.append(assignment)
        new = f"hạn mới {new_due:%d/%m/%Y}" if new_due else "phụ lục không còn hạn cụ thể"
        lines.append(f"{name}: {new} thay cho hạn đã gia hạn {granted:%d/%m/%Y}")
    return lines


def _agency_names(assignments, tasks: list[ImportedTask]) -> dict[int, str]:
    ids = {agency_id for by_agency in assignments.values() for agency_id in by_agency}
    names = dict(Agency.objects.filter(pk__in=ids).values_list("pk", "name").iterator())
    for item in tasks:
        for resolved in item.lead + item.support:
            names[resolved.agency.pk] = resolved.agency.name
    return names


def _sync_assignments(task, desired, existing, worked, now, *, audited, new, changed, removed):
    """Bring one matched task's assignments in line with the agencies its row names. Returns
    (assignments that lose the task, agency ids newly given it, agency ids whose role changed)."""
    lost, added, roles_changed = [], [], []
    for agency_id, (role, source) in desired.items():
        assignment = existing.get(agency_id)
        if assignment is None:
            new.append((task.pk, agency_id, role, source))
            added.append(agency_id)
            continue
        if (
            assignment.role != role
            or assignment.source_text != source
            or assignment.unassigned_at is not None
        ):
            assignment = _instance(existing, agency_id)
            audited.append((copy.copy(assignment), assignment))
            assignment.task = task  # for the audit entry's name, without a query
            if assignment.unassigned_at is not None:
                added.append(agency_id)
            elif assignment.role != role:
                roles_changed.append(agency_id)
            assignment.role, assignment.source_text = role, source
            assignment.unassigned_at = None
            changed.append(assignment)
    for agency_id, assignment in list(existing.items()):
        if agency_id in desired or assignment.unassigned_at is not None:
            continue
        lost.append(assignment)
        if assignment.pk in worked:
            assignment = _instance(existing, agency_id)
            audited.append((copy.copy(assignment), assignment))
            assignment.task = task
            assignment.unassigned_at = now
            changed.append(assignment)
        else:
            removed.append(assignment.pk)
    return lost, added, roles_changed


def _match(
    *, plan_tasks, stored_sections, assignments, task_worked, imported, choices, accept_suggestions
):
    ordered = sorted(plan_tasks, key=lambda t: (t.position, t.pk))
    stored_position = _positions(len(ordered))
    stored = [
        Signature(
            key=task.pk,
            text=fold(task.description),
            section_title=fold(getattr(stored_sections.get(task.section_id), "title", "")),
            number=normalise_number(task.number),
            sheet=fold(task.source_sheet),
            leads=frozenset(
                agency_id
                for agency_id, a in assignments[task.pk].items()
                if a.role == Assignment.Role.LEAD and a.unassigned_at is None
            ),
            position=stored_position(index),
            worked=task.pk in task_worked,
            live=task.withdrawn_at is None,
        )
        for index, task in enumerate(ordered)
    ]
    row_position = _positions(len(imported))
    rows = [
        Signature(
            key=item.row_id,
            text=fold(item.parsed.description),
            section_title=fold(item.parsed.section.title),
            number=normalise_number(item.parsed.number[:20]),
            sheet=fold(item.parsed.sheet),
            leads=frozenset(a.agency.pk for a in item.lead),
            position=row_position(index),
        )
        for index, item in enumerate(imported)
    ]
    return match_tasks(rows, stored, chosen=choices, accept_suggestions=accept_suggestions)


def _sync_sections(plan, sections, tasks, matching, task_by_pk, stored, audited):
    """Each imported section is the stored section most of its matched tasks come from (or the
    one with its title), updated in place; the others are created. Stored sections no longer
    in the file stay, for the withdrawn tasks they hold."""
    index_of = {id(item.parsed): i for i, item in enumerate(sections)}
    votes: Counter = Counter()
    for item in tasks:
        task_pk = matching.task_of(item.row_id)
        if task_pk is not None:
            votes[(index_of[id(item.parsed.section)], task_by_pk[task_pk].section_id)] += 1
    imported_signatures = [
        Signature(
            key=i,
            text=fold(item.parsed.title),
            section_title="",
            number=normalise_number(item.parsed.number),
            sheet=fold(item.parsed.sheet),
        )
        for i, item in enumerate(sections)
    ]
    stored_signatures = [
        Signature(
            key=s.pk,
            text=fold(s.title),
            section_title="",
            number=normalise_number(s.number),
            sheet=fold(s.sheet),
        )
        for s in stored
    ]
    chosen = match_sections(imported_signatures, stored_signatures, votes)
    by_pk = {s.pk: s for s in stored}
    by_parsed: dict[int, Section] = {}
    to_create, to_update = [], []
    fields = ["annex", "sheet", "number", "title", "position"]
    for position, item in enumerate(sections):
        values = {
            "annex": item.annex[:200],
            "sheet": item.parsed.sheet[:100],
            "number": item.parsed.number[:20],
            "title": item.parsed.title[:1000],
            "position": position,
        }
        section = by_pk.get(chosen.get(position))
        if section is None:
            section = Section(plan=plan, **values)
            to_create.append(section)
        elif any(getattr(section, f) != v for f, v in values.items()):
            audited.append((copy.copy(section), section))
            for f, v in values.items():
                setattr(section, f, v)
            to_update.append(section)
        by_parsed[id(item.parsed)] = section
    Section.objects.bulk_create(to_create)
    Section.objects.bulk_update(to_update, fields)
    return by_parsed

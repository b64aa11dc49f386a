"""Comparing an imported annex with what a plan already holds, and saving the difference.

Re-importing must never lose anyone's work, so tasks are matched to stored ones by a key that
survives corrections of their text: sheet, section number, task number, and an occurrence count
that keeps duplicate numbers apart. Then:
- a task whose key is new is created; one whose content changed is updated in place, keeping
  its assignments' status, history and evidence;
- a stored task missing from the workbook is marked withdrawn, never deleted;
- an agency no longer named loses its assignment only if nobody ever worked on it.

The saves are bulk operations, which send no model signals, so the audit trail is written
here: one entry per section, task or assignment whose audited content changed, with the old and
new values. Rows created by an import are not logged one by one: the import run's entry on the
plan (plans.importing.pipeline) and its stored summary list them.
"""

import copy
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.utils import timezone

from agencies.models import Agency
from parindex.audit import audit_updates
from parindex.text import fold
from plans.importing.deadlines import Deadline
from plans.importing.resolve import ResolvedAgency
from plans.importing.scores import ScoreStatement
from plans.importing.walk import ParsedSection, ParsedTask
from plans.models import Assignment, ProgressUpdate, Section, Task

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"

# Fields whose change makes a task "updated"; position and source row only follow the file.
CONTENT_FIELDS = [
    "section_id",
    "number",
    "description",
    "expected_result",
    "deadline_text",
    "deadline_kind",
    "starts_on",
    "due_on",
    "recurrence",
    "score_statements",
]
BOOKKEEPING_FIELDS = ["position", "source_sheet", "source_row", "search_text"]


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


def score_as_dict(score: ScoreStatement) -> dict:
    return {
        "text": score.text,
        "achieved": float(score.achieved),
        "maximum": float(score.maximum) if score.maximum is not None else None,
        "unit": score.unit,
        "year": score.year,
        "group": score.group,
    }


# import_key columns hold 300 characters; a longer key keeps its start and a digest of the whole.
KEY_MAX_LENGTH = 300


def _fit(key: str) -> str:
    """The key itself when it fits the column, else its start and a SHA-1 of all of it: the same
    for the same text on every re-import, so matching is unchanged (a sheet name or task number
    pasted full of text made PostgreSQL refuse the row)."""
    if len(key) <= KEY_MAX_LENGTH:
        return key
    return f"{key[: KEY_MAX_LENGTH - 41]}#{hashlib.sha1(key.encode()).hexdigest()}"


def section_keys(sections: list[ImportedSection]) -> list[str]:
    seen: Counter = Counter()
    keys = []
    for item in sections:
        base = f"{item.parsed.sheet}|{item.parsed.number}"
        seen[base] += 1
        keys.append(_fit(f"{base}|{seen[base]}"))
    return keys


def task_keys(tasks: list[ImportedTask], key_of_section: dict[int, str]) -> list[str]:
    seen: Counter = Counter()
    keys = []
    for item in tasks:
        section_key = key_of_section[id(item.parsed.section)]
        base = f"{section_key}|{item.parsed.number}"
        seen[base] += 1
        keys.append(_fit(f"{base}|{seen[base]}"))
    return keys


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


def _sync_sections(plan, sections: list[ImportedSection], audited: list) -> dict[int, Section]:
    stored = {s.import_key: s for s in plan.sections.all()}
    by_parsed: dict[int, Section] = {}
    to_create, to_update = [], []
    fields = ["annex", "sheet", "number", "title", "position"]
    for position, (item, key) in enumerate(zip(sections, section_keys(sections), strict=True)):
        values = {
            "annex": item.annex[:200],
            "sheet": item.parsed.sheet[:100],
            "number": item.parsed.number[:20],
            "title": item.parsed.title[:1000],
            "position": position,
        }
        section = stored.get(key)
        if section is None:
            section = Section(plan=plan, import_key=key, **values)
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


def plan_sync(
    *,
    plan,
    sections: list[ImportedSection],
    tasks: list[ImportedTask],
    sheets_in_scope: set[str] | None,
    actor=None,
) -> dict[str, int]:
    """Bring the plan's sections, tasks and assignments in line with the import."""
    audited: list[tuple] = []  # (before, after) of every row changed in place
    section_of = _sync_sections(plan, sections, audited)
    key_of_section = {
        id(item.parsed): key for item, key in zip(sections, section_keys(sections), strict=True)
    }
    stored = {t.import_key: t for t in plan.tasks.all()}
    assignments: dict[int, dict[int, Assignment]] = defaultdict(dict)
    for assignment in Assignment.objects.filter(task__plan=plan):
        assignments[assignment.task_id][assignment.agency_id] = assignment
    worked_on = set(
        ProgressUpdate.objects.filter(assignment__task__plan=plan).values_list(
            "assignment_id", flat=True
        )
    )

    counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0, "withdrawn": 0}
    new_tasks: list[tuple[Task, ImportedTask]] = []
    changed_tasks: list[Task] = []
    new_assignments: list[Assignment] = []
    changed_assignments: list[Assignment] = []
    removed_assignments: list[int] = []
    seen_keys = set()

    for position, (item, key) in enumerate(
        zip(tasks, task_keys(tasks, key_of_section), strict=True)
    ):
        seen_keys.add(key)
        values = _task_values(item, section_of[id(item.parsed.section)], position)
        desired = _desired_assignments(item)
        task = stored.get(key)
        if task is None:
            new_tasks.append((Task(plan=plan, import_key=key, **values), item))
            item.outcome = CREATED
            continue

        content_changed = any(getattr(task, f) != values[f] for f in CONTENT_FIELDS)
        if task.withdrawn_at is not None:
            task.withdrawn_at, content_changed = None, True
        bookkeeping_changed = any(getattr(task, f) != values[f] for f in BOOKKEEPING_FIELDS)
        if content_changed or bookkeeping_changed:
            audited.append((copy.copy(task), task))
            for f, v in values.items():
                setattr(task, f, v)
            changed_tasks.append(task)

        existing = assignments.get(task.pk, {})
        agencies_changed = False
        for agency_id, (role, source) in desired.items():
            assignment = existing.get(agency_id)
            if assignment is None:
                new_assignments.append(
                    Assignment(task=task, agency_id=agency_id, role=role, source_text=source)
                )
                agencies_changed = True
            elif assignment.role != role or assignment.source_text != source:
                audited.append((copy.copy(assignment), assignment))
                assignment.task = task  # for the audit entry's name, without a query
                agencies_changed = agencies_changed or assignment.role != role
                assignment.role, assignment.source_text = role, source
                changed_assignments.append(assignment)
        for agency_id, assignment in existing.items():
            if agency_id in desired:
                continue
            untouched = (
                assignment.pk not in worked_on
                and assignment.status == Assignment.Status.NOT_STARTED
                and not assignment.review
            )
            if untouched:
                removed_assignments.append(assignment.pk)
                agencies_changed = True
        item.outcome = UPDATED if content_changed or agencies_changed else UNCHANGED

    Task.objects.bulk_create([task for task, _ in new_tasks], batch_size=1000)
    for task, item in new_tasks:
        for agency_id, (role, source) in _desired_assignments(item).items():
            new_assignments.append(
                Assignment(task=task, agency_id=agency_id, role=role, source_text=source)
            )
    Task.objects.bulk_update(
        changed_tasks, [*CONTENT_FIELDS, *BOOKKEEPING_FIELDS, "withdrawn_at"], batch_size=1000
    )
    Assignment.objects.bulk_create(new_assignments, batch_size=2000)
    Assignment.objects.bulk_update(changed_assignments, ["role", "source_text"], batch_size=2000)
    Assignment.objects.filter(pk__in=removed_assignments).delete()

    now = timezone.now()
    withdrawn = [
        task
        for key, task in stored.items()
        if key not in seen_keys
        and task.withdrawn_at is None
        and (sheets_in_scope is None or task.source_sheet in sheets_in_scope)
    ]
    for task in withdrawn:
        audited.append((copy.copy(task), task))
        task.withdrawn_at = now
    Task.objects.bulk_update(withdrawn, ["withdrawn_at"], batch_size=1000)

    agencies = Agency.objects.in_bulk({a.agency_id for a in changed_assignments})
    for assignment in changed_assignments:
        assignment.agency = agencies[assignment.agency_id]
    audit_updates(audited, actor=actor, additional_data={"via": "annex import"})

    for item in tasks:
        counts[item.outcome] += 1
    counts["withdrawn"] = len(withdrawn)
    return counts

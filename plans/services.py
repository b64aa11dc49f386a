"""Writes for plans that the web views call."""

import copy
import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from auditlog.context import disable_auditlog
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import Agency, AgencyAlias, CollectiveName, Membership
from parindex.core.audit import audit_rows, audit_updates, created, deleted, m2m_added, updated
from parindex.core.text import fold
from plans.evidence import evidence_check_size, evidence_content_type, sha256_of
from plans.importing.pipeline import ImportReport, annex_import
from plans.models import (
    Assignment,
    DeadlineExtension,
    Evidence,
    ImportRun,
    ProgressUpdate,
    ReportingPeriod,
    Task,
)
from plans.selectors import assignment_awaits_review, with_work_flag
from plans.tallies import section_ids_of_tasks, tallies_refresh, tallies_refresh_assignment


def _upload_path(sha256: str) -> str:
    return f"imports/{sha256}.bin"


def import_preview(
    *, data: bytes, file_name: str, province, user, choices=None, **plan
) -> ImportReport:
    """Run the import as a dry run and keep the file so the preview can be confirmed."""
    report = annex_import(
        data=data,
        file_name=file_name,
        province=province,
        user=user,
        dry_run=True,
        choices=choices,
        **plan,
    )
    if report.ok and not default_storage.exists(_upload_path(report.sha256)):
        default_storage.save(_upload_path(report.sha256), ContentFile(data))
    return report


def _preview_arguments(preview: ImportRun) -> dict:
    params = preview.params
    plan_date = params.get("plan_date")
    with default_storage.open(_upload_path(preview.sha256)) as stored:
        data = stored.read()
    return {
        "data": data,
        "file_name": preview.file_name,
        "province": preview.province,
        "plan_number": params.get("plan_number", ""),
        "plan_title": params.get("plan_title", ""),
        "plan_date": datetime.date.fromisoformat(plan_date) if plan_date else None,
        "year": params.get("year"),
        "sheet_names": params.get("sheet_names") or None,
        "accept_suggestions": params.get("accept_suggestions", False),
    }


def import_preview_choose(*, preview: ImportRun, user, decisions: dict[str, int | None]):
    """A new preview of the same file with the reviewer's decisions on its uncertain matches
    (row id → the suggested task's id, or None for a new task) added to the earlier ones."""
    choices = {**preview.params.get("choices", {}), **decisions}
    return import_preview(**_preview_arguments(preview), user=user, choices=choices)


def import_undecided_rows(preview: ImportRun) -> list[dict]:
    """The preview's rows with an uncertain match nobody has decided on."""
    return [row for row in preview.summary.get("rows", []) if row.get("suggestion")]


def import_confirm(*, preview: ImportRun, user, acknowledge: bool = False) -> ImportReport:
    """Import for real exactly what a preview showed: the same file, parameters and decisions,
    on the plan as it was when previewed (else refused: the preview is stale)."""
    undecided = import_undecided_rows(preview)
    if undecided:
        report = ImportReport(dry_run=False, file_name=preview.file_name)
        report.errors.append(
            f"Còn {len(undecided)} dòng chưa chắc là nhiệm vụ cũ hay mới: hãy chọn cho từng dòng "
            "(“Cần chọn”) rồi xem trước lại."
        )
        return report
    return annex_import(
        **_preview_arguments(preview),
        choices=preview.params.get("choices") or None,
        user=user,
        confirms=preview,
        acknowledge=acknowledge,
        expected_state=preview.summary.get("plan_state", ""),
    )


class ConcurrentUpdate(Exception):
    """Someone saved the assignment after the user loaded it; `newer` lists what they did."""

    def __init__(self, newer):
        super().__init__("Phân công đã được người khác cập nhật trong lúc bạn nhập.")
        self.newer = newer


def _updates_since(assignment: Assignment, version: int) -> list[ProgressUpdate]:
    """The history entries saved after the assignment's `version`, oldest first."""
    return list(
        assignment.updates.filter(version__gt=version)
        .select_related("author")
        .order_by("created_at", "pk")
    )


def _save_if_version(
    assignment: Assignment, expected_version: int | None, fields: dict, *, actor
) -> None:
    """Compare-and-swap on the version: the whole check is one UPDATE, on any database.

    QuerySet.update sends no signal, so the audit entry (old → new, by `actor`) is written here.
    """
    before = copy.copy(assignment)
    if expected_version is None:
        expected_version = assignment.version
    updated = Assignment.objects.filter(pk=assignment.pk, version=expected_version).update(
        version=expected_version + 1, updated_at=timezone.now(), **fields
    )
    if not updated:
        raise ConcurrentUpdate(_updates_since(assignment, expected_version))
    for name, value in fields.items():
        setattr(assignment, name, value)
    assignment.version = expected_version + 1
    audit_updates([(before, assignment)], actor=actor)


def _check_completion_date(assignment: Assignment, completed_on: datetime.date, today) -> None:
    """A completion is not in the future, nor before its plan existed (a typo in the year)."""
    if completed_on > today:
        raise ValidationError(
            {
                "completed_on": "Ngày hoàn thành không được sau hôm nay "
                f"({today:%d/%m/%Y}): hãy nhập ngày đã hoàn thành thực tế."
            }
        )
    plan = assignment.task.plan
    issued = plan.issued_on or datetime.date(plan.year, 1, 1)
    if completed_on < issued:
        said = "ban hành" if plan.issued_on else "đầu năm ban hành"
        raise ValidationError(
            {
                "completed_on": f"Ngày hoàn thành không được trước ngày {said} kế hoạch "
                f"{plan.number} ({issued:%d/%m/%Y})."
            }
        )


def _review_after_report(assignment: Assignment, *, changed: bool, done: bool) -> str:
    """The assignment's review state after a report: a completion awaits review unless it is
    one already confirmed and unchanged (a note added to it); work not done has nothing to
    confirm, though a return stays visible until the agency reports the completion again."""
    current = assignment.review
    if done:
        if current == Assignment.Review.CONFIRMED and not changed:
            return current
        return Assignment.Review.PENDING
    if current in (Assignment.Review.PENDING, Assignment.Review.CONFIRMED):
        return Assignment.Review.NONE
    return current


def _same_report(newer, *, author, status, completed_on, note, period, evidence):
    """The entry `newer` holds if it is this very report already saved by the same person
    (the only change since the form was loaded), else None."""
    if len(newer) != 1:
        return None
    entry = newer[0]
    same = (
        entry.kind == ProgressUpdate.Kind.REPORT
        and entry.author_id == getattr(author, "pk", None)
        and entry.status == status
        and entry.completed_on == completed_on
        and entry.note.strip() == note.strip()
        and entry.period == period
    )
    if not same:
        return None
    saved = sorted(entry.evidence.values_list("sha256", flat=True))
    return entry if saved == sorted(item.sha256 for item in evidence) else None


@transaction.atomic
def assignment_record_progress(
    *,
    assignment: Assignment,
    author,
    status: str,
    note: str = "",
    completed_on: datetime.date | None = None,
    period: str = "",
    files: list | None = None,
    expected_version: int | None = None,
    today: datetime.date | None = None,
) -> ProgressUpdate:
    """Record an agency's progress on its assignment, as one entry in the append-only history.

    Refused (ValidationError) when the completion date is after `today` or before the plan was
    issued, when nothing would change (same status and date, no note, no file), or when a file
    is not acceptable evidence; refused (ConcurrentUpdate) when the assignment changed since
    `expected_version` was read. Nothing is saved then. The same report posted twice (a double
    click, a resent form) is recorded once: the second call returns the first's entry, with
    `repeated` set.

    A completion Sở Nội vụ had confirmed goes back to review when its status or date changes:
    the confirmation no longer describes what is reported.
    """
    today = today or timezone.localdate()
    if status not in Assignment.Status.values:
        raise ValidationError({"status": "Tiến độ không hợp lệ."})
    if status != Assignment.Status.DONE:
        completed_on = None
    elif completed_on is None:
        raise ValidationError({"completed_on": "Hãy nhập ngày hoàn thành (dd/mm/yyyy)."})
    else:
        _check_completion_date(assignment, completed_on, today)
    evidence = [_evidence_from_upload(upload) for upload in files or []]
    report = {
        "author": author,
        "status": status,
        "completed_on": completed_on,
        "note": note,
        "period": period,
        "evidence": evidence,
    }
    if expected_version is not None and expected_version < assignment.version:
        # Loaded after the first of a double submission was saved: compared with what it saved.
        repeated = _same_report(_updates_since(assignment, expected_version), **report)
        if repeated is not None:
            repeated.repeated = True
            return repeated
    changes = {}
    for field, new in (("status", status), ("completed_on", completed_on)):
        old = getattr(assignment, field)
        if old != new:
            changes[field] = [_plain(old), _plain(new)]
    if not changes and not note.strip() and not evidence:
        raise ValidationError(
            "Không có gì thay đổi: tiến độ và ngày hoàn thành như cũ, chưa có kết quả thực hiện "
            "hay tài liệu kiểm chứng nào."
        )
    fields = {"status": status, "completed_on": completed_on}
    review = _review_after_report(
        assignment, changed=bool(changes), done=status == Assignment.Status.DONE
    )
    if review != assignment.review:
        fields["review"] = review
        if assignment.review == Assignment.Review.CONFIRMED:
            # Said in the history, so the reviewer sees why it is back in the queue.
            changes["review"] = [assignment.review, review]
    try:
        _save_if_version(assignment, expected_version, fields, actor=author)
    except ConcurrentUpdate as conflict:
        # Both posts of a double submission were under way at once: the other one won.
        repeated = _same_report(conflict.newer, **report)
        if repeated is None:
            raise
        repeated.repeated = True
        return repeated
    update = ProgressUpdate(
        assignment=assignment,
        author=author,
        kind=ProgressUpdate.Kind.REPORT,
        status=status,
        completed_on=completed_on,
        note=note,
        period=period,
        changes=changes,
        version=assignment.version,
    )
    update.full_clean()
    update.save()
    for item in evidence:
        item.update = update
        item.file.save(item.sha256, item._content, save=False)
        item.save()
    tallies_refresh_assignment(assignment=assignment)
    return update


@transaction.atomic
def assignment_review(
    *,
    assignment: Assignment,
    reviewer,
    confirm: bool,
    note: str = "",
    expected_version: int | None = None,
) -> ProgressUpdate:
    """Sở Nội vụ confirms a completion, or returns it with a reason (the status goes back)."""
    if not assignment_awaits_review(assignment):
        raise ValidationError(
            "Chỉ xác nhận hoặc trả lại phân công đã báo hoàn thành và chưa được xác nhận."
        )
    if not confirm and not note.strip():
        raise ValidationError({"note": "Hãy ghi lý do trả lại."})
    fields = {
        "review": Assignment.Review.CONFIRMED if confirm else Assignment.Review.RETURNED,
        "reviewed_by": reviewer,
        "reviewed_at": timezone.now(),
        "review_note": note,
    }
    changes = {"review": [assignment.review, fields["review"]]}
    if not confirm:
        fields["status"], fields["completed_on"] = Assignment.Status.IN_PROGRESS, None
        changes["status"] = [assignment.status, Assignment.Status.IN_PROGRESS]
        # The history says which completion date was returned.
        changes["completed_on"] = [_plain(assignment.completed_on), None]
    _save_if_version(assignment, expected_version, fields, actor=reviewer)
    update = ProgressUpdate(
        assignment=assignment,
        author=reviewer,
        kind=ProgressUpdate.Kind.CONFIRM if confirm else ProgressUpdate.Kind.RETURN,
        status=assignment.status,
        completed_on=assignment.completed_on,
        note=note,
        changes=changes,
        version=assignment.version,
    )
    update.save()
    tallies_refresh_assignment(assignment=assignment)
    return update


@transaction.atomic
def task_restore(*, task: Task, actor) -> bool:
    """Put a task withdrawn from its plan back: it is work again, listed, counted, reported and
    reminded of, with the history it kept. Recorded in the audit trail as `actor`'s change.
    Returns False, changing nothing, when the task is not withdrawn (someone restored it
    meanwhile)."""
    current = Task.objects.select_for_update().get(pk=task.pk)
    if current.withdrawn_at is None:
        return False
    before = copy.copy(current)
    # QuerySet.update sends no signal: the audit entry is written here, with the actor given.
    Task.objects.filter(pk=task.pk).update(withdrawn_at=None)
    current.withdrawn_at = task.withdrawn_at = None
    audit_updates([(before, current)], actor=actor)
    tallies_refresh(section_ids=[current.section_id])
    return True


def reporting_period_open(
    *, province, year: int, period: str, user
) -> tuple[ReportingPeriod, bool]:
    """Open a province's reporting period (`period`: "Q1", "H1", "9M" or "Y" of `year`), from
    which agencies are expected to report on their assignments. Opening a period already open
    changes nothing (two reviewers may click at once). Returns the period and whether this call
    opened it."""
    return ReportingPeriod.objects.get_or_create(
        province=province, code=f"{year}-{period}", defaults={"opened_by": user}
    )


def _evidence_from_upload(upload) -> Evidence:
    evidence_check_size(upload.size)  # before reading a huge file into memory
    data = upload.read()
    content_type = evidence_content_type(data)
    item = Evidence(
        original_name=upload.name[:255],
        content_type=content_type,
        size=len(data),
        sha256=sha256_of(data),
    )
    item._content = ContentFile(data)
    return item


def _plain(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


# Settling the agency names an import could not place -------------------------------------
#
# An import keeps a name nobody could place as an unverified agency of the province
# (plans.importing.resolve). Sở Nội vụ settles it in one of three ways, each so that the next
# import of any plan resolves the name the same way, and each keeping every recorded piece of
# work: progress updates and evidence belong to an assignment, and an assignment with work is
# never deleted (ProgressUpdate.assignment is PROTECT anyway).
#
# The writes are audited explicitly, as the reviewer (`actor`), with the model signals' own
# entries switched off so that nothing is logged twice: an assignment moved between agencies is
# an UPDATE of its agency, an empty duplicate removed a DELETE, a new alias, collective or
# member's assignment a CREATE.

AUDIT_VIA = {"via": "settle unknown agency name"}


@dataclass
class SettleResult:
    moved: int = 0  # assignments now the target's, with their history
    merged: int = 0  # tasks where the name's assignment and the target's became one
    created: int = 0  # members newly given a task the collective name had
    removed: int = 0  # assignments with no recorded work removed (a duplicate, the placeholder's)
    kept: int = 0  # the placeholder's assignments kept for their recorded work
    agency_removed: bool = False  # the placeholder agency is gone (nothing refers to it)


def _lock_unknown(agency: Agency) -> Agency:
    """The unknown agency, locked until the transaction ends, or refused if someone settled it
    meanwhile (two reviewers on the same name: the second is told, nothing happens twice)."""
    locked = Agency.objects.select_for_update().filter(pk=agency.pk, verified=False).first()
    if locked is None:
        raise ValidationError(
            f"Tên “{agency.name}” đã được xác định (có thể bởi người khác); hãy tải lại trang."
        )
    return locked


def _locked_assignments(**lookup) -> list[Assignment]:
    """Assignments locked against a concurrent progress report (whose compare-and-swap UPDATE
    then waits, and finds a deleted row gone), flagged with whether they have work."""
    assignments = Assignment.objects.select_for_update(of=("self",)).filter(**lookup)
    return list(with_work_flag(assignments.select_related("task", "agency")).order_by("pk"))


def _choosable(agency: Agency, unknown: Agency) -> bool:
    return agency.province_id == unknown.province_id and agency.verified and agency.pk != unknown.pk


def _task_labels(task_ids) -> str:
    tasks = Task.objects.filter(pk__in=task_ids).select_related("plan")
    tasks = sorted(tasks, key=lambda t: (-t.plan.year, t.plan.number, t.position))
    return "; ".join(
        f"nhiệm vụ {t.number or t.pk} của kế hoạch {t.plan.number} ({t.plan.year})" for t in tasks
    )


def _bump(assignment: Assignment, now) -> None:
    # A form loaded before the change is refused (optimistic lock), not saved over it.
    assignment.version += 1
    assignment.updated_at = now


def _references_left(agency: Agency) -> bool:
    return (
        agency.assignments.exists()
        or Membership.objects.filter(agency=agency).exists()
        or Agency.objects.filter(successor=agency).exists()
    )


@transaction.atomic
def agency_settle_as_alias(*, agency: Agency, target: Agency, actor) -> SettleResult:
    """The unknown name is another name of `target`, an agency of the same province: it
    becomes the target's alias, its assignments become the target's with their history, and the
    placeholder agency is removed (its aliases, staff and successor links go to the target).

    Where the target already has the task: the name's assignment is dropped if nobody recorded
    work on it; if only the name's has work, it is kept and the target's empty one dropped; the
    one kept takes the lead role if either had it. If both have work, nothing is done
    (ValidationError naming the tasks): two histories cannot become one assignment's."""
    unknown = _lock_unknown(agency)
    if not _choosable(target, unknown):
        raise ValidationError("Hãy chọn một cơ quan đã xác minh của cùng tỉnh.")
    key = fold(unknown.name)
    taken = (
        AgencyAlias.objects.filter(agency__province_id=unknown.province_id, search_alias=key)
        .exclude(agency=target)
        .select_related("agency")
        .first()
    )
    if taken is not None:
        raise ValidationError(
            f"“{unknown.name}” đã là tên gọi khác của {taken.agency.name}; không thể là tên gọi "
            f"khác của {target.name}."
        )
    own = _locked_assignments(agency=unknown)
    theirs = {
        a.task_id: a
        for a in _locked_assignments(agency=target, task_id__in=[a.task_id for a in own])
    }
    both_worked = [
        a.task_id for a in own if a.task_id in theirs and a.has_work and theirs[a.task_id].has_work
    ]
    if both_worked:
        raise ValidationError(
            f"Chưa gộp “{unknown.name}” vào {target.name}: cả hai đã có tiến độ báo cáo trên "
            f"{_task_labels(both_worked)}. Mỗi phân công giữ một lịch sử, nên không gộp được "
            "hai lịch sử thành một; không có gì thay đổi. Hãy chọn cơ quan khác hoặc cách xác "
            "định khác."
        )

    now, result = timezone.now(), SettleResult()
    changes, changed, removed = [], [], []
    for mine in own:
        other = theirs.get(mine.task_id)
        if other is None:
            before = copy.copy(mine)
            mine.agency = target
            _bump(mine, now)
            changed.append(mine)
            changes.append(updated(before, mine))
            result.moved += 1
            continue
        if mine.has_work:  # the target's has none: the name's takes its place
            survivor, absorbed = mine, other
        else:
            survivor, absorbed = other, mine
        before = copy.copy(survivor)
        target_text = other.source_text
        survivor.agency = target
        if absorbed.role == Assignment.Role.LEAD and survivor.role != Assignment.Role.LEAD:
            survivor.role, survivor.source_text = Assignment.Role.LEAD, absorbed.source_text
        elif absorbed.role == survivor.role:
            survivor.source_text = target_text  # the target's own name, as the import writes it
        if absorbed.unassigned_at is None:
            survivor.unassigned_at = None
        _bump(survivor, now)
        changed.append(survivor)
        changes.append(updated(before, survivor))
        changes.append(deleted(absorbed))
        removed.append(absorbed.pk)
        result.merged += 1
        result.removed += 1

    with disable_auditlog():
        # The duplicates go first: the target's may hold the (task, agency) pair a move needs.
        Assignment.objects.filter(pk__in=removed).delete()
        Assignment.objects.bulk_update(
            changed, ["agency", "role", "source_text", "unassigned_at", "version", "updated_at"]
        )
        tallies_refresh(section_ids=section_ids_of_tasks(a.task_id for a in own))
        changes += _move_references(unknown, target)
        changes.append(deleted(unknown))
        unknown_name = unknown.name
        unknown.delete()
        result.agency_removed = True
        if not target.aliases.filter(search_alias=key).exists():
            alias = AgencyAlias(agency=target, alias=unknown_name, search_alias=key)
            alias.full_clean()
            alias.save()
            changes.append(created(alias))
    audit_rows(changes, actor=actor, additional_data={**AUDIT_VIA, "name": unknown_name})
    return result


def _repoint(row, target: Agency) -> tuple:
    """Give `row` (an alias, a membership) to `target`; returns its audit change."""
    before = copy.copy(row)
    row.agency = target
    row.full_clean()
    row.save()
    return updated(before, row)


def _move_references(unknown: Agency, target: Agency) -> list[tuple]:
    """The placeholder's aliases, staff and successor links become the target's (it is the
    target under another name). Returns the audit changes."""
    changes = []
    target_keys = set(target.aliases.values_list("search_alias", flat=True))
    for alias in unknown.aliases.all():
        if alias.search_alias in target_keys:
            changes.append(deleted(alias))
            alias.delete()
            continue
        changes.append(_repoint(alias, target))
    for membership in Membership.objects.filter(agency=unknown):
        changes.append(_repoint(membership, target))
    for predecessor in Agency.objects.filter(successor=unknown):
        before = copy.copy(predecessor)
        predecessor.successor = target
        predecessor.save(update_fields=["successor"])
        changes.append(updated(before, predecessor))
    return changes


@transaction.atomic
def agency_settle_as_external(*, agency: Agency, actor) -> Agency:
    """The unknown name is a body outside the administrative system (Cục Thuế, Bưu điện,
    Điện lực tỉnh...): a verified agency of the province, of that kind, keeping its tasks. The
    next import matches it by its name."""
    unknown = _lock_unknown(agency)
    before = copy.copy(unknown)
    unknown.kind, unknown.verified = Agency.Kind.EXTERNAL, True
    unknown.full_clean()
    with disable_auditlog():
        unknown.save()
    audit_rows([updated(before, unknown)], actor=actor, additional_data=AUDIT_VIA)
    return unknown


@transaction.atomic
def agency_settle_as_collective(
    *, agency: Agency, members: Iterable[Agency], actor
) -> SettleResult:
    """The unknown name stands for several agencies of the province: it becomes a collective
    name with `members` (added to the collective of that name if one exists), and each task it
    was given goes to every member in force on its plan's date, with the same role, like an
    import expanding the name; a member already on the task keeps its assignment (and takes
    the lead if the name had it).

    The placeholder's own assignment is removed if nobody recorded work on it; one with work is
    kept with its history, marked no longer assigned (as the next import, which expands the
    name, would mark it), out of counts and reminders. The placeholder agency is removed when
    nothing refers to it any more; otherwise it is kept, verified, renamed so that it no longer
    hides the collective name from the import, and marked no longer in force."""
    unknown = _lock_unknown(agency)
    members = list({m.pk: m for m in members}.values())
    if not members:
        raise ValidationError("Hãy chọn ít nhất một cơ quan thành viên.")
    if not all(_choosable(m, unknown) for m in members):
        raise ValidationError("Thành viên phải là cơ quan đã xác minh của cùng tỉnh.")
    changes = []
    with disable_auditlog():
        collective = (
            CollectiveName.objects.select_for_update()
            .filter(province_id=unknown.province_id, search_name=fold(unknown.name))
            .first()
        )
        if collective is None:
            collective = CollectiveName(
                province_id=unknown.province_id, name=unknown.name, search_name=fold(unknown.name)
            )
            collective.full_clean()
            collective.save()
            changes.append(created(collective))
        listed = set(collective.members.values_list("pk", flat=True))
        added = [m for m in members if m.pk not in listed]
        collective.members.add(*added)
        changes.append(m2m_added(collective, "members", added))

    own = _locked_assignments(agency=unknown)
    live = [a for a in own if a.unassigned_at is None]  # the annex still names it
    # An import expands a collective name to its members in force on the plan's date.
    tasks = Task.objects.filter(pk__in=[a.task_id for a in live]).select_related("plan")
    plan_day = {task: task.plan.issued_on or datetime.date(task.plan.year, 1, 1) for task in tasks}
    members_on = {
        day: [m for m in collective.expand(day) if m.verified and m.pk != unknown.pk]
        for day in set(plan_day.values())
    }
    existing = {
        (a.task_id, a.agency_id): a
        for a in _locked_assignments(
            task__in=plan_day, agency_id__in={m.pk for ms in members_on.values() for m in ms}
        )
    }
    now, result = timezone.now(), SettleResult()
    new, changed, removed = [], [], []
    for mine in live:
        for member in members_on[plan_day[mine.task]]:
            other = existing.get((mine.task_id, member.pk))
            if other is None:
                other = Assignment(
                    task=mine.task,
                    agency=member,
                    role=mine.role,
                    source_text=mine.source_text,
                )
                existing[(mine.task_id, member.pk)] = other
                new.append(other)
                continue
            if other.pk is None:  # given by this settlement already
                continue
            before = copy.copy(other)
            if mine.role == Assignment.Role.LEAD and other.role != Assignment.Role.LEAD:
                other.role, other.source_text = Assignment.Role.LEAD, mine.source_text
            other.unassigned_at = None
            if (other.role, other.source_text, other.unassigned_at) != (
                before.role,
                before.source_text,
                before.unassigned_at,
            ):
                _bump(other, now)
                changed.append(other)
                changes.append(updated(before, other))
    for mine in own:
        if not mine.has_work:
            removed.append(mine.pk)
            changes.append(deleted(mine))
            result.removed += 1
            continue
        result.kept += 1
        if mine.unassigned_at is None:
            before = copy.copy(mine)
            mine.unassigned_at = now
            _bump(mine, now)
            changed.append(mine)
            changes.append(updated(before, mine))

    with disable_auditlog():
        Assignment.objects.filter(pk__in=removed).delete()
        Assignment.objects.bulk_update(
            changed, ["role", "source_text", "unassigned_at", "version", "updated_at"]
        )
        # No full_clean per row (five queries each, thousands of rows for a name every
        # department shares): each copies a valid row's role and text to a member checked above,
        # on a task it did not have; the constraints still hold in the database.
        Assignment.objects.bulk_create(new, batch_size=2000)
        tallies_refresh(section_ids=section_ids_of_tasks(a.task_id for a in own))
        changes += [created(a) for a in new]
        result.created = len(new)
        name = unknown.name
        if _references_left(unknown):
            before = copy.copy(unknown)
            unknown.name = f"{name} (trước khi là tên chung)"[:255]
            unknown.search_name = fold(unknown.name)
            unknown.verified = True
            unknown.valid_to = timezone.localdate()
            unknown.full_clean()
            unknown.save()
            changes.append(updated(before, unknown))
        else:
            changes.append(deleted(unknown))
            unknown.delete()
            result.agency_removed = True
    audit_rows(changes, actor=actor, additional_data={**AUDIT_VIA, "name": name})
    return result


def _day(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


@transaction.atomic
def deadline_extension_request(
    *, assignment: Assignment, author, requested_due: datetime.date, reason: str, today
) -> DeadlineExtension:
    """An agency asks Sở Nội vụ for a later due date on its assignment, with a reason. Refused
    (ValidationError, nothing saved) for work that is done, withdrawn or has no due date, a
    date not after the current due date or before today, an empty reason, or while an earlier
    request still waits for its decision."""
    # Locked: the checks below read the assignment, and a decision or an import may change it.
    assignment = Assignment.objects.select_for_update().select_related("task").get(pk=assignment.pk)
    current = assignment.due_on
    if assignment.unassigned_at is not None or assignment.task.withdrawn_at is not None:
        raise ValidationError("Phân công không còn hiệu lực: không thể đề nghị gia hạn.")
    if assignment.status == Assignment.Status.DONE:
        raise ValidationError("Phân công đã hoàn thành: không cần gia hạn.")
    if current is None:
        raise ValidationError("Nhiệm vụ không có thời hạn cụ thể nên không cần gia hạn.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Hãy ghi lý do đề nghị gia hạn."})
    if requested_due < today:
        raise ValidationError({"requested_due": "Ngày đề nghị không được trước hôm nay."})
    if requested_due <= current:
        raise ValidationError(
            {"requested_due": f"Ngày đề nghị phải sau hạn hiện tại ({_day(current)})."}
        )
    extension = DeadlineExtension(
        assignment=assignment,
        requested_by=author,
        due_before=current,
        requested_due=requested_due,
        reason=reason,
    )
    try:
        with transaction.atomic():
            extension.save()
    except IntegrityError:
        raise ValidationError(
            "Đã có đề nghị gia hạn đang chờ Sở Nội vụ quyết định cho phân công này."
        ) from None
    _set_extension_fields(
        assignment, {"extension_status": DeadlineExtension.Status.PENDING}, actor=author
    )
    return extension


def _set_extension_fields(assignment: Assignment, fields: dict, *, actor) -> None:
    """Save the assignment's extension columns, audited, without bumping its version: an
    extension does not touch the progress someone may be typing on the same assignment, whose
    save would otherwise be refused as a concurrent update."""
    before = copy.copy(assignment)
    Assignment.objects.filter(pk=assignment.pk).update(**fields)
    for name, value in fields.items():
        setattr(assignment, name, value)
    audit_updates([(before, assignment)], actor=actor)


@transaction.atomic
def deadline_extension_decide(
    *, extension: DeadlineExtension, reviewer, grant: bool, note: str = ""
) -> DeadlineExtension:
    """Sở Nội vụ grants a pending request (the assignment's due date becomes the requested one)
    or refuses it with a reason. The request's row keeps both: it is the history."""
    note = note.strip()
    if not grant and not note:
        raise ValidationError({"note": "Hãy ghi lý do không gia hạn."})
    assignment = (
        Assignment.objects.select_for_update()
        .select_related("task")
        .get(pk=extension.assignment_id)
    )
    if grant and assignment.due_on is not None and extension.requested_due <= assignment.due_on:
        # A revised annex (or an earlier grant) gave at least this much time meanwhile.
        raise ValidationError(
            f"Hạn hiện tại ({_day(assignment.due_on)}) đã không sớm hơn ngày đề nghị: "
            "hãy ghi ý kiến và không gia hạn."
        )
    before = copy.copy(extension)
    fields = {
        "status": DeadlineExtension.Status.GRANTED if grant else DeadlineExtension.Status.REFUSED,
        "decided_by": reviewer,
        "decided_at": timezone.now(),
        "decision_note": note,
    }
    # Compare-and-swap on the status: two reviewers deciding at once, only the first counts.
    decided = DeadlineExtension.objects.filter(
        pk=extension.pk, status=DeadlineExtension.Status.PENDING
    ).update(**fields)
    if not decided:
        raise ValidationError("Đề nghị gia hạn này đã được quyết định.")
    for name, value in fields.items():
        setattr(extension, name, value)
    audit_updates([(before, extension)], actor=reviewer)
    moved = {"extension_status": fields["status"]}
    if grant:
        moved["extended_to"] = extension.requested_due
    _set_extension_fields(assignment, moved, actor=reviewer)
    tallies_refresh_assignment(assignment=assignment)
    return extension

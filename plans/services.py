"""Writes for plans that the web views call."""

import copy
import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from parindex.audit import audit_updates
from plans.evidence import evidence_check_size, evidence_content_type, sha256_of
from plans.importing.pipeline import ImportReport, annex_import
from plans.models import Assignment, Evidence, ImportRun, ProgressUpdate, Task


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
        newer = list(
            assignment.updates.filter(version__gt=expected_version)
            .select_related("author")
            .order_by("created_at")
        )
        raise ConcurrentUpdate(newer)
    for name, value in fields.items():
        setattr(assignment, name, value)
    assignment.version = expected_version + 1
    audit_updates([(before, assignment)], actor=actor)


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
) -> ProgressUpdate:
    """Record an agency's progress on its assignment, as one entry in the append-only history.

    Refused (ConcurrentUpdate) when the assignment changed since `expected_version` was read;
    refused (ValidationError) when a file is not acceptable evidence. Nothing is saved then.
    """
    if status not in Assignment.Status.values:
        raise ValidationError({"status": "Tiến độ không hợp lệ."})
    if status != Assignment.Status.DONE:
        completed_on = None
    elif completed_on is None:
        raise ValidationError({"completed_on": "Hãy nhập ngày hoàn thành."})
    evidence = [_evidence_from_upload(upload) for upload in files or []]
    changes = {}
    for field, new in (("status", status), ("completed_on", completed_on)):
        old = getattr(assignment, field)
        if old != new:
            changes[field] = [_plain(old), _plain(new)]
    fields = {"status": status, "completed_on": completed_on}
    if status == Assignment.Status.DONE:
        fields["review"] = Assignment.Review.PENDING
    elif assignment.review == Assignment.Review.PENDING:
        fields["review"] = Assignment.Review.NONE
    _save_if_version(assignment, expected_version, fields, actor=author)
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
    if (
        assignment.status != Assignment.Status.DONE
        or assignment.review == Assignment.Review.CONFIRMED
    ):
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
    return True


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

"""Writes for plans that the web views call."""

import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from plans.importing.pipeline import ImportReport, annex_import
from plans.models import Assignment, ImportRun, ProgressUpdate


def _upload_path(sha256: str) -> str:
    return f"imports/{sha256}.bin"


def import_preview(*, data: bytes, file_name: str, province, user, **plan) -> ImportReport:
    """Run the import as a dry run and keep the file so the preview can be confirmed."""
    report = annex_import(
        data=data, file_name=file_name, province=province, user=user, dry_run=True, **plan
    )
    if report.ok and not default_storage.exists(_upload_path(report.sha256)):
        default_storage.save(_upload_path(report.sha256), ContentFile(data))
    return report


def import_confirm(*, preview: ImportRun, user) -> ImportReport:
    """Import for real exactly what a preview showed (same file, same parameters)."""
    with default_storage.open(_upload_path(preview.sha256)) as stored:
        data = stored.read()
    params = preview.params
    plan_date = params.get("plan_date")
    return annex_import(
        data=data,
        file_name=preview.file_name,
        province=preview.province,
        plan_number=params.get("plan_number", ""),
        plan_title=params.get("plan_title", ""),
        plan_date=datetime.date.fromisoformat(plan_date) if plan_date else None,
        year=params.get("year"),
        sheet_names=params.get("sheet_names") or None,
        user=user,
        confirms=preview,
    )


@transaction.atomic
def assignment_record_progress(
    *,
    assignment: Assignment,
    author,
    status: str,
    note: str = "",
    completed_on: datetime.date | None = None,
    period: str = "",
) -> ProgressUpdate:
    """Record an agency's progress on its assignment, as one entry in the append-only history."""
    if status != Assignment.Status.DONE:
        completed_on = None
    elif completed_on is None:
        raise ValidationError({"completed_on": "Hãy nhập ngày hoàn thành."})
    changes = {}
    for field, new in (("status", status), ("completed_on", completed_on)):
        old = getattr(assignment, field)
        if old != new:
            changes[field] = [_plain(old), _plain(new)]
    assignment.status, assignment.completed_on = status, completed_on
    if status == Assignment.Status.DONE:
        assignment.review = Assignment.Review.PENDING
    assignment.version += 1
    assignment.full_clean()
    assignment.save()
    update = ProgressUpdate(
        assignment=assignment,
        author=author,
        kind=ProgressUpdate.Kind.REPORT,
        status=status,
        completed_on=completed_on,
        note=note,
        period=period,
        changes=changes,
    )
    update.full_clean()
    update.save()
    return update


def _plain(value):
    return value.isoformat() if isinstance(value, datetime.date) else value

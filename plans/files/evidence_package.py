"""The self-assessment evidence package (hồ sơ tài liệu kiểm chứng) of a province, an index and
a year: a zip with one folder per criterion code holding the evidence files of the linked tasks
that agencies reported done, and an index workbook listing criterion → task → agency → status →
files.

The tasks are those of the province's plans of that year (and of the provinces merged into it)
linked to a criterion of the index. A task counts under every criterion it is linked to. An
assignment confirmed by Sở Nội vụ has "da-xac-nhan" in its folder's name and "Đã xác nhận" in
the workbook; a completion not yet confirmed is included and said so.

Three queries whatever the size: the links, the assignments with their agencies, the evidence.
The zip is written to a temporary file, each evidence file copied into it from storage in
chunks and the index workbook saved beside it on disk, so the worker's memory stays flat
whatever the package's size (a province-year may hold gigabytes of scans).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import zipfile
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from openpyxl import Workbook

from parindex.core.text import fold
from plans.evidence import evidence_download_name
from plans.models import Assignment, Evidence, Task

INDEX_NAME = "danh-muc-tai-lieu-kiem-chung.xlsx"
HEADER = [
    "Mã tiêu chí",
    "Tiêu chí",
    "Kế hoạch",
    "Nhiệm vụ",
    "Nội dung nhiệm vụ",
    "Cơ quan",
    "Vai trò",
    "Tiến độ",
    "Xác nhận",
    "Tệp trong gói",
]


def _slug(text: str, limit: int = 40) -> str:
    out = "".join(ch if ch.isalnum() else "-" for ch in fold(text))
    return "-".join(part for part in out.split("-") if part)[:limit] or "x"


# What is read from storage (and written to the zip) at a time.
CHUNK = 1024 * 1024


def evidence_package_build(*, province_ids, index, year: int) -> Path:
    """The zip (see the module's docstring) as a new temporary file, for the caller to move
    or delete; nothing is left behind when the build fails."""
    handle, name = tempfile.mkstemp(
        prefix="evidence-package-", suffix=".zip", dir=settings.FILE_UPLOAD_TEMP_DIR
    )
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            evidence_package_write(province_ids=province_ids, index=index, year=year, out=out)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def evidence_package_write(*, province_ids, index, year: int, out) -> None:
    """Write the zip to `out`, a binary file open for writing (seekable: the sizes of each
    stored file are written back into its header)."""
    links = (
        Task.criteria.through.objects.filter(
            task__plan__province_id__in=province_ids,
            task__plan__year=year,
            task__withdrawn_at__isnull=True,
            criterion__edition__index=index,
        )
        .select_related("task__plan", "criterion")
        .order_by("criterion__edition__first_year", "criterion__code", "task__position")
    )
    links = list(links)
    task_ids = {link.task_id for link in links}
    assignments = list(
        Assignment.objects.filter(task_id__in=task_ids, unassigned_at__isnull=True)
        .select_related("agency")
        .order_by("task_id", "role", "agency__name")
    )
    by_task: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in assignments:
        by_task[assignment.task_id].append(assignment)
    done_ids = [a.pk for a in assignments if a.status == Assignment.Status.DONE]
    files: dict[int, list[Evidence]] = defaultdict(list)
    for evidence in (
        Evidence.objects.filter(update__assignment_id__in=done_ids)
        .order_by("update__created_at", "pk")
        .select_related("update")
    ):
        files[evidence.update.assignment_id].append(evidence)

    # The labels once: a lazy translation per cell cost more than writing the workbook.
    roles = {value: str(label) for value, label in Assignment.Role.choices}
    statuses = {value: str(label) for value, label in Assignment.Status.choices}
    reviews = {value: str(label) for value, label in Assignment.Review.choices}

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Danh mục")
    sheet.append(HEADER)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        written: set[str] = set()
        for link in links:
            criterion, task = link.criterion, link.task
            folder = f"{criterion.code}-{_slug(criterion.name)}"
            for assignment in by_task.get(task.pk, []):
                confirmed = assignment.review == Assignment.Review.CONFIRMED
                done = assignment.status == Assignment.Status.DONE
                paths = []
                if done:
                    where = (
                        f"{folder}/nv-{_slug(task.number or str(task.position), 12)}-"
                        f"{_slug(assignment.agency.name)}"
                        f"{'-da-xac-nhan' if confirmed else ''}"
                    )
                    for evidence in files.get(assignment.pk, []):
                        name = evidence_download_name(evidence.original_name, evidence.content_type)
                        path = f"{where}/{name}"
                        number = 2
                        while path in written:  # the same name uploaded twice
                            path = f"{where}/{number}-{name}"
                            number += 1
                        written.add(path)
                        _copy_into(archive, path, evidence)
                        paths.append(path)
                sheet.append(
                    [
                        criterion.code,
                        criterion.name,
                        f"{task.plan.number} ({task.plan.year})",
                        task.number,
                        task.description,
                        assignment.agency.name,
                        roles[assignment.role],
                        statuses[assignment.status],
                        reviews[assignment.review] if done else "",
                        "\n".join(paths) if paths else ("(chưa có tệp)" if done else ""),
                    ]
                )
        with tempfile.TemporaryDirectory(dir=settings.FILE_UPLOAD_TEMP_DIR) as folder:
            workbook = Path(folder) / INDEX_NAME
            book.save(workbook)
            archive.write(workbook, INDEX_NAME)


def _copy_into(archive: zipfile.ZipFile, path: str, evidence: Evidence) -> None:
    """One evidence file copied from storage into the zip a chunk at a time. Stored as it is:
    scans and PDFs are compressed already, and deflating them again cost most of the build's
    time."""
    entry = zipfile.ZipInfo(path, date_time=time.localtime()[:6])
    entry.compress_type = zipfile.ZIP_STORED
    entry.external_attr = 0o600 << 16  # as ZipFile.writestr gives a file
    # A file over 2 GiB needs its zip64 header before its size is known.
    large = (evidence.size or 0) > 2**31 - 1
    with (
        evidence.file.open("rb") as stored,
        archive.open(entry, "w", force_zip64=large) as target,
    ):
        shutil.copyfileobj(stored, target, CHUNK)

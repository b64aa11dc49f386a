"""The evidence package's build time on a dataset without links or evidence (the national
dataset of `generate_scale_data` has neither): inside a transaction rolled back at the end, the
province-year's tasks are linked to the edition's criteria as a real plan would be (each task to
one or two criteria), every completed assignment of them gets small evidence files written to a
temporary MEDIA_ROOT, and the package is built by the real builder, timed, its peak memory read.
Nothing is left behind: the rows are rolled back, the files and the zips deleted.
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import statistics
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Count, Max
from django.test import override_settings

from agencies.models import Province
from parindex.indices.models import Criterion, Index
from plans.files.evidence_package import evidence_package_build
from plans.models import Assignment, Evidence, ProgressUpdate, Task
from plans.tooling.benchmarking import peak_rss_mb, peak_rss_reset

PDF_HEAD = b"%PDF-1.4\n% parindex evidence benchmark\n"


class Rollback(Exception):
    """Raised to leave the benchmark's transaction without keeping anything."""


@dataclass
class PackageRun:
    seconds: float
    peak_rss_mb: float
    rss_before_mb: float
    files: int
    zip_bytes: int


@dataclass
class PackageBenchmark:
    province: str
    year: int
    index: str
    edition: str
    tasks: int
    links: int
    criteria_used: int
    evidence_files: int
    evidence_bytes: int
    setup_seconds: float
    runs: list[PackageRun]

    @property
    def median_seconds(self) -> float:
        return statistics.median(run.seconds for run in self.runs)


def largest_province_year() -> tuple[int, int]:
    """The province and plan year with the most assignments in force (one grouped query)."""
    row = (
        Assignment.objects.in_force()
        .values("task__plan__province_id", "task__plan__year")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    if row is None:
        raise ValueError("no assignment in the database")
    return row["task__plan__province_id"], row["task__plan__year"]


def _criteria(index: Index, year: int) -> tuple[str, list[Criterion]]:
    """The criteria the year's plans would be linked to: the edition of the result they answer
    (year − 1), leaves first (sub-criteria where the tree has them)."""
    edition = index.edition_for(year - 1) or index.edition_for(year)
    if edition is None:
        raise ValueError(f"{index.code} has no edition for {year - 1} or {year}")
    criteria = list(Criterion.objects.filter(edition=edition))
    parents = {c.parent_id for c in criteria}
    leaves = [c for c in criteria if c.pk not in parents]
    if not leaves:
        raise ValueError(f"{edition} has no criteria: load its tree first")
    return str(edition), leaves


def _link(tasks: list[int], criteria: list[Criterion], rng: random.Random) -> tuple[int, int]:
    """Each task to one criterion, a third of them to a second one: how many links and how many
    criteria they use."""
    through = Task.criteria.through
    rows = []
    used = set()
    for task_id in tasks:
        chosen = rng.sample(criteria, 2 if rng.random() < 1 / 3 and len(criteria) > 1 else 1)
        for criterion in chosen:
            rows.append(through(task_id=task_id, criterion_id=criterion.pk))
            used.add(criterion.pk)
    through.objects.bulk_create(rows, batch_size=5000)
    return len(rows), len(used)


def _attach_evidence(
    *, task_ids: list[int], media: Path, files_each: int, file_bytes: int, rng: random.Random
) -> tuple[int, int]:
    """Files written under `media` for every completed assignment of the tasks, attached to its
    latest progress update (one made if it has none): how many files and bytes."""
    done = list(
        Assignment.objects.in_force()
        .filter(task_id__in=task_ids, status=Assignment.Status.DONE)
        .annotate(last_update=Max("updates__pk"))
        .values_list("pk", "last_update", "completed_on")
    )
    missing = [
        ProgressUpdate(
            assignment_id=pk,
            status=Assignment.Status.DONE,
            completed_on=completed_on,
            note="benchmark",
        )
        for pk, last, completed_on in done
        if last is None
    ]
    created = iter(ProgressUpdate.objects.bulk_create(missing, batch_size=5000))
    updates = [(pk, last if last is not None else next(created).pk) for pk, last, _ in done]
    evidence = []
    total = 0
    for assignment_id, update_id in updates:
        folder = media / "evidence-benchmark" / str(assignment_id)
        folder.mkdir(parents=True)
        for number in range(files_each):
            data = PDF_HEAD + rng.randbytes(file_bytes - len(PDF_HEAD))
            name = f"bao-cao-{number + 1}.pdf"
            (folder / name).write_bytes(data)
            total += len(data)
            evidence.append(
                Evidence(
                    update_id=update_id,
                    file=f"evidence-benchmark/{assignment_id}/{name}",
                    original_name=name,
                    content_type="application/pdf",
                    size=len(data),
                    sha256="0" * 64,
                )
            )
    Evidence.objects.bulk_create(evidence, batch_size=5000)
    return len(evidence), total


def _build_once(*, province_ids, index: Index, year: int) -> PackageRun:
    pid = os.getpid()
    rss_before = _rss_mb()
    peak_rss_reset(pid)
    started = time.perf_counter()
    path = evidence_package_build(province_ids=province_ids, index=index, year=year)
    seconds = time.perf_counter() - started
    try:
        peak = peak_rss_mb(pid)
        with zipfile.ZipFile(path) as archive:
            files = len(archive.namelist()) - 1  # the index workbook
        return PackageRun(seconds, peak, rss_before, files, path.stat().st_size)
    finally:
        path.unlink(missing_ok=True)


def _rss_mb() -> float:
    for line in Path(f"/proc/{os.getpid()}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def evidence_package_benchmark(
    *,
    province: Province,
    year: int,
    index: Index,
    repeat: int = 3,
    files_each: int = 1,
    file_bytes: int = 20_000,
    seed: int = 17,
) -> PackageBenchmark:
    """Link, attach, build `repeat` times, roll back (see the module's docstring)."""
    rng = random.Random(seed)
    edition, criteria = _criteria(index, year)
    media = Path(tempfile.mkdtemp(prefix="evidence-benchmark-"))
    outcome = None
    try:
        with override_settings(MEDIA_ROOT=str(media), FILE_UPLOAD_TEMP_DIR=str(media)):
            try:
                with transaction.atomic():
                    started = time.perf_counter()
                    task_ids = list(
                        Task.objects.filter(
                            plan__province=province, plan__year=year, withdrawn_at__isnull=True
                        )
                        .order_by("pk")
                        .values_list("pk", flat=True)
                    )
                    links, used = _link(task_ids, criteria, rng)
                    files, size = _attach_evidence(
                        task_ids=task_ids,
                        media=media,
                        files_each=files_each,
                        file_bytes=file_bytes,
                        rng=rng,
                    )
                    setup = time.perf_counter() - started
                    runs = [
                        _build_once(province_ids={province.pk}, index=index, year=year)
                        for _ in range(repeat)
                    ]
                    outcome = PackageBenchmark(
                        province=province.name,
                        year=year,
                        index=index.code,
                        edition=edition,
                        tasks=len(task_ids),
                        links=links,
                        criteria_used=used,
                        evidence_files=files,
                        evidence_bytes=size,
                        setup_seconds=setup,
                        runs=runs,
                    )
                    raise Rollback
            except Rollback:
                pass
    finally:
        shutil.rmtree(media, ignore_errors=True)
    return outcome

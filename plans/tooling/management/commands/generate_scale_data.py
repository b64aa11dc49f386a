"""A deterministic synthetic dataset shaped like the real one, for measuring pages at scale.

`--scale national`: the 34 current units with their reference agencies plus 20 communes each,
the last 5 plan years up to the current one, 2–4 plans a year each for 1–3 indices, 50–150
tasks a plan, 1–40 assignments a task (a lead named by a collective name is expanded to every
department), deadline kinds in the proportions of the real annexes, statuses by age, 0–6
progress updates an assignment (`--no-updates` to turn them off), and for every unit, index
and base year a result with its criterion scores. `--scale x10`: the national shapes with ten
times the plans (20–40 a unit and year: ~500,000 tasks, ~10,000,000 assignments), the data of
a Ministry or a merged province tracking all its work in one installation. `--scale province`: one unit. `--scale tiny`:
one unit, one plan a year of 5–10 tasks (for the test suite). Rows are written with COPY on
PostgreSQL and executemany on SQLite, never one save per row; PostgreSQL's statistics are
refreshed at the end (VACUUM ANALYZE) so the planner sees the new tables as they are.
"""

import csv
import datetime
import io
import random
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from agencies.models import Agency, Province
from parindex.core.text import fold
from parindex.indices.models import CriterionScore, Index, Result
from plans.importing.sync import BOOKKEEPING_FIELDS, CONTENT_FIELDS
from plans.models import (
    Assignment,
    Plan,
    ProgressUpdate,
    Section,
    Task,
)
from plans.tallies import TALLY_MODELS, tallies_refresh_all
from plans.tooling.synthetic import WORDS

YEARS_BACK = 5  # plan years generated: this year and the 4 before
DEADLINE_TEXT = {
    "ongoing": "Thường xuyên",
    "range": "Quý III-IV/{year}",
    "fixed": "hết tháng 12/{year}",
    "recurring": "Định kỳ hàng quý",
    "event": "Khi có văn bản hướng dẫn",
}
# Agencies report in each of the year's periods (Nghị định 09/2019), not all at year end.
PERIODS = ["Q1", "H1", "9M", "Y"]
KINDS = [("ongoing", 45), ("range", 35), ("fixed", 10), ("recurring", 5), ("event", 5)]


class Command(BaseCommand):
    help = "Generate a deterministic synthetic dataset (tiny, province, national or x10) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", choices=["tiny", "province", "national", "x10"], default="province"
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--no-updates", action="store_true", help="skip progress updates")

    def handle(self, *args, scale, seed, no_updates, **options):
        started = time.perf_counter()
        rng = random.Random(seed)
        if not Province.objects.exists():
            call_command("load_reference", stdout=io.StringIO())
        today = timezone.localdate()
        units = list(Province.objects.valid_on(today).order_by("code"))
        if scale not in ("national", "x10"):
            units = [next(u for u in units if u.name == "Thái Nguyên")]
        # (plans a unit and year: fewest, most; tasks a plan: fewest, most)
        shape = {"tiny": (1, 1, 5, 10), "x10": (20, 40, 50, 150)}.get(scale, (2, 4, 50, 150))
        years = range(today.year - YEARS_BACK + 1, today.year + 1)
        counts = {"plans": 0, "tasks": 0, "assignments": 0, "updates": 0, "results": 0}
        author_id = self._author()
        indices = list(Index.objects.order_by("code").values_list("pk", flat=True))
        with transaction.atomic():
            for province in units:
                agencies = self._agencies(province)
                for year in years:
                    for _ in range(rng.randint(shape[0], shape[1])):
                        plan = self._plan(
                            rng,
                            province,
                            year,
                            agencies,
                            today,
                            counts,
                            author_id,
                            not no_updates,
                            shape[2:],
                        )
                        plan.indices.set(rng.sample(indices, rng.randint(1, len(indices))))
                counts["results"] += _results(rng, province, [y - 1 for y in years])
            _reset_sequences()
            # COPY bypasses the services: the dashboard's counters are recounted once, here.
            counted = time.perf_counter()
            tallies_refresh_all()
            tally_seconds = time.perf_counter() - counted
        _analyze()
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"{len(units)} tỉnh, năm {years[0]}–{years[-1]}: {counts['plans']} kế hoạch, "
            f"{counts['tasks']} nhiệm vụ, {counts['assignments']} phân công, "
            f"{counts['updates']} cập nhật tiến độ, {counts['results']} kết quả chỉ số "
            f"trong {seconds:.0f} giây (đếm lại số liệu bảng điều khiển {tally_seconds:.0f} "
            f"giây); cơ sở dữ liệu {_database_size()}."
        )

    def _author(self) -> int:
        user, _ = get_user_model().objects.get_or_create(
            username="scale-data", defaults={"is_active": False}
        )
        return user.pk

    def _agencies(self, province) -> dict[str, list[int]]:
        today = timezone.localdate()
        existing = Agency.objects.filter(province=province, kind=Agency.Kind.COMMUNE).count()
        Agency.objects.bulk_create(
            [
                Agency(
                    province=province,
                    name=f"UBND xã mẫu {n}",
                    search_name=fold(f"UBND xã mẫu {n}"),
                    kind=Agency.Kind.COMMUNE,
                )
                for n in range(existing + 1, 21)
            ]
        )
        in_force = (
            Agency.objects.valid_on(today).filter(province=province).values_list("pk", "kind")
        )
        grouped: dict[str, list[int]] = {"all": [], "departments": []}
        for pk, kind in in_force:
            grouped["all"].append(pk)
            if kind in (Agency.Kind.DEPARTMENT, Agency.Kind.PROVINCIAL_BODY):
                grouped["departments"].append(pk)
        return grouped

    def _plan(self, rng, province, year, agencies, today, counts, author_id, with_updates, tasks):
        plan = Plan.objects.create(
            province=province,
            number=f"{rng.randint(1, 999)}/KH-UBND-{counts['plans']}",
            year=year,
            title=f"Kế hoạch khắc phục chỉ số năm {year - 1}",
            issued_on=datetime.date(year, rng.randint(1, 6), rng.randint(1, 28)),
            base_year=year - 1,
            target_year=year,
        )
        counts["plans"] += 1
        sections = Section.objects.bulk_create(
            [
                Section(
                    plan=plan, number=str(n), title=" ".join(rng.choices(WORDS, k=5)), position=n
                )
                for n in range(1, rng.randint(3, 8) + 1)
            ]
        )
        task_rows, assignment_rows, update_rows = [], [], []
        next_task, next_assignment = _next_id(Task), _next_id(Assignment)
        next_update = _next_id(ProgressUpdate)
        now = timezone.now()
        for position in range(rng.randint(*tasks)):
            section = rng.choice(sections)
            kind = rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
            starts = due = None
            if kind in ("range", "fixed"):
                due = datetime.date(year, rng.randint(3, 12), 28)
                starts = due - datetime.timedelta(days=90) if kind == "range" else None
            description = " ".join(rng.choices(WORDS, k=rng.randint(12, 35))).capitalize()
            number = f"{section.number}.{position + 1}"
            task_id = next_task
            next_task += 1
            content = {
                "description": description,
                "expected_result": "",
                "deadline_text": DEADLINE_TEXT[kind].format(year=year),
                "deadline_kind": kind,
                "starts_on": starts,
                "due_on": due,
                "recurrence": "quarterly" if kind == "recurring" else "",
                "score_statements": "[]",
            }
            bookkeeping = {
                "section_id": section.pk,
                "number": number,
                "position": position,
                "source_sheet": "",
                "source_row": None,
                "search_text": fold(f"{number} {description}"),
            }
            # The import's lists of a task's fields: a field added there fails here.
            task_rows.append(
                [
                    task_id,
                    plan.pk,
                    *(bookkeeping[name] for name in BOOKKEEPING_FIELDS),
                    *(content[name] for name in CONTENT_FIELDS),
                ]
            )
            source = ""
            if rng.random() < 0.2:  # "Các sở, ban, ngành" chủ trì: every department leads
                chosen = list(agencies["departments"])
                leads = len(chosen)
                source = "Các sở, ban, ngành"
            else:
                chosen = rng.sample(agencies["all"], rng.randint(1, min(40, len(agencies["all"]))))
                leads = 1
            for index, agency_id in enumerate(chosen):
                role = "lead" if index < leads else "support"
                age = (today - (due or datetime.date(year, 12, 31))).days
                done = rng.random() < (0.85 if age > 0 else 0.3)
                status = "done" if done else rng.choice(["not_started", "in_progress"])
                completed = None
                if done:
                    base = due or datetime.date(year, 12, 31)
                    completed = min(base + datetime.timedelta(days=rng.randint(-60, 20)), today)
                assignment_rows.append(
                    [
                        next_assignment,
                        task_id,
                        agency_id,
                        role,
                        source if index < leads else "",
                        status,
                        completed,
                        "pending" if done else "",
                        None,
                        None,
                        "",
                        1,
                        now,
                    ]
                )
                if with_updates:
                    for _ in range(rng.randint(0, 6)):
                        update_rows.append(
                            [
                                next_update,
                                next_assignment,
                                author_id,
                                now,
                                "report",
                                status,
                                completed,
                                "Đã triển khai",
                                f"{year}-{rng.choice(PERIODS)}",
                                "{}",
                                1,
                            ]
                        )
                        next_update += 1
                next_assignment += 1
        _write(
            Task,
            ["id", "plan_id", *BOOKKEEPING_FIELDS, *CONTENT_FIELDS],
            task_rows,
        )
        _write(
            Assignment,
            [
                "id",
                "task_id",
                "agency_id",
                "role",
                "source_text",
                "status",
                "completed_on",
                "review",
                "reviewed_by_id",
                "reviewed_at",
                "review_note",
                "version",
                "updated_at",
            ],
            assignment_rows,
        )
        _write(
            ProgressUpdate,
            [
                "id",
                "assignment_id",
                "author_id",
                "created_at",
                "kind",
                "status",
                "completed_on",
                "note",
                "period",
                "changes",
                "version",
            ],
            update_rows,
        )
        counts["tasks"] += len(task_rows)
        counts["assignments"] += len(assignment_rows)
        counts["updates"] += len(update_rows)
        return plan


def _results(rng, province, years) -> int:
    """A result for each index and base year, with a score for every criterion of the edition
    in force that year (some left empty: not surveyed)."""
    existing = set(Result.objects.filter(province=province).values_list("index_id", "year"))
    made = 0
    for index in Index.objects.prefetch_related("editions__criteria"):
        for year in years:
            if (index.pk, year) in existing:
                continue
            editions = sorted(index.editions.all(), key=lambda e: e.first_year)
            edition = next(
                (e for e in reversed(editions) if e.first_year <= year),
                editions[0] if editions else None,
            )
            maximum = edition.max_total if edition and edition.max_total else Decimal(100)
            result = Result.objects.create(
                province=province,
                index=index,
                year=year,
                total=(maximum * Decimal(rng.uniform(0.7, 0.95))).quantize(Decimal("0.01")),
                maximum=maximum,
                rank=rng.randint(1, 34),
                rank_of=34,
                source="Dữ liệu tổng hợp (generate_scale_data)",
            )
            made += 1
            CriterionScore.objects.bulk_create(
                [
                    CriterionScore(
                        result=result,
                        criterion=criterion,
                        maximum=criterion.max_score,
                        achieved=None
                        if rng.random() < 0.05 or criterion.max_score is None
                        else (criterion.max_score * Decimal(rng.uniform(0.4, 1))).quantize(
                            Decimal("0.001")
                        ),
                    )
                    for criterion in (edition.criteria.all() if edition else [])
                ]
            )
    return made


def _analyze() -> None:
    if connection.vendor != "postgresql":
        return
    # VACUUM also sets the visibility map, so index-only scans skip the heap; it cannot run in
    # a transaction (the test suite's), where ANALYZE alone still gives the planner its numbers.
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for model in (Plan, Section, Task, Assignment, ProgressUpdate, *TALLY_MODELS):
            cursor.execute(f"{command} {model._meta.db_table}")


def _database_size() -> str:
    if connection.vendor != "postgresql":
        return "SQLite"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        return cursor.fetchone()[0]


def _next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def _write(model, columns, rows) -> None:
    if not rows:
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            for row in rows:
                writer.writerow(["\\N" if v is None else v for v in row])
            buffer.seek(0)
            cursor.copy_expert(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
                buffer,
            )
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def _reset_sequences() -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Task, Assignment, ProgressUpdate):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1)) FROM {table}"
            )

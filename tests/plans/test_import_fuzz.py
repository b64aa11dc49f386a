"""Fuzzing the annex import through its real entry point, `annex_import`, dry run and commit.

Each case is a broken or hostile workbook or Word document (tests/plans/fuzz.py): generated
families (truncated ZIPs, random bytes, lying content types, huge dimensions, bad merged ranges,
a million empty rows, formulas, 10 MB in one cell, nasty shared strings, zip bombs, .xls garbage,
random cell values; for .docx, tables of 100 000 rows, deep nesting, external references,
DOCTYPEs, macros, lying packages, random spans and vertical merges) and hypothesis-driven
mutations of the real annex files, workbooks and documents. Every case must end in either

- a refusal: a Vietnamese message, the same on the dry run and the commit, and a database
  exactly as it was (a fingerprint of plans, sections, tasks, assignments, updates, evidence,
  agencies and import runs); or
- a correct import: the preview announces what the commit then does, the stored tasks are the
  rows the report lists, and the progress recorded before is untouched.

Never an unhandled exception. The database holds a real imported plan with recorded progress
(the 2022 annex), so that mutated copies of that file re-import onto it.

Bounded in time: each test stops taking new cases after its budget and asserts a floor on the
number it ran; the counts are printed in pytest's terminal summary (tests/plans/conftest.py).
"""

import datetime
import hashlib
import itertools
import random
import re
import resource
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count, Max
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agencies.models import Agency
from plans.importing.pipeline import annex_import
from plans.models import (
    Assignment,
    Evidence,
    ImportRun,
    Plan,
    ProgressUpdate,
    Section,
    Task,
)
from tests.plans import fuzz

# One worker under pytest-xdist: test_mutations_ran_enough_cases counts what the mutation test
# ran in the same process.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("import_fuzz")]

# Seconds each fuzz test spends taking new cases; with the million-row test, about a minute on
# this 2-core machine when it is not shared.
FAMILY_BUDGET = 15.0
MUTATION_BUDGET = 15.0
# Fewest cases each test runs: on a busy machine it goes on past its budget until it has them,
# and fails if even HARD_LIMIT seconds are not enough. The limit is generous because `make test`
# runs two workers on two cores: the fuzz worker shares its machine with the other worker's
# browser and subprocess tests, and cases took 2–3 s each there under load (30–41 cases in 90 s).
FAMILY_FLOOR = 80
MUTATION_FLOOR = 50
DOCX_FLOOR = 60
HARD_LIMIT = 240.0
# No single case may take longer than this (a million rows must not cost a million of anything).
CASE_LIMIT = 60.0

VIETNAMESE = re.compile(r"[À-ỹĐđ]")


def fingerprint() -> dict:
    """What a refused import must leave exactly as it was."""
    tables = {
        "plans": Plan.objects.order_by("pk").values_list(
            "pk", "number", "year", "title", "issued_on"
        ),
        "sections": Section.objects.order_by("pk").values_list("pk", "plan_id", "number", "title"),
        "tasks": Task.objects.order_by("pk").values_list(
            "pk", "section_id", "number", "description", "deadline_text", "due_on", "withdrawn_at"
        ),
        "assignments": Assignment.objects.order_by("pk").values_list(
            "pk", "task_id", "agency_id", "role", "status", "completed_on", "source_text"
        ),
        "updates": ProgressUpdate.objects.order_by("pk").values_list(
            "pk", "assignment_id", "status", "note"
        ),
        "evidence": Evidence.objects.order_by("pk").values_list("pk", "sha256"),
        # The import only ever adds agencies (unverified ones): their count, last id and the
        # unverified ones show any change, without hashing the 2 700 reference agencies.
        "agencies": [
            Agency.objects.aggregate(n=Count("pk"), last=Max("pk")),
            *Agency.objects.filter(verified=False).order_by("pk").values_list("pk", "name"),
        ],
        "import_runs": ImportRun.objects.order_by("pk").values_list("pk", "dry_run"),
    }
    return {
        name: hashlib.sha256(repr(list(rows)).encode()).hexdigest() for name, rows in tables.items()
    }


@pytest.fixture
def small_limits(settings):
    """Tighter limits than production's, so a refusal for size comes after thousands of rows or
    strings rather than tens of thousands: the same code paths, many more cases a minute."""
    settings.PARINDEX_IMPORT_MAX_ROWS = 2_000


@pytest.fixture
def fuzz_province(bac_kan):
    """Bắc Kạn with the 2022 plan imported and progress recorded on one of its tasks."""
    data = fuzz.real_bytes("kh2022.xlsx")
    report = annex_import(
        data=data, file_name="kh2022.xlsx", province=bac_kan, plan_number="KH-2022", year=2022
    )
    assert report.ok, report.errors
    assignment = Assignment.objects.filter(task__plan_id=report.plan_id, role="lead").first()
    assignment.status = Assignment.Status.DONE
    assignment.completed_on = datetime.date(2022, 9, 1)
    assignment.save()
    ProgressUpdate.objects.create(
        assignment=assignment, status=assignment.status, note="Đã làm xong"
    )
    return bac_kan


def assert_refusal_message(errors: list[str], label: str) -> None:
    assert errors, label
    for message in errors:
        assert isinstance(message, str) and len(message) > 10, (label, message)
        assert VIETNAMESE.search(message), (label, message)
        assert "Traceback" not in message and "Error" not in message, (label, message)


def check_case(label: str, name: str, data: bytes, province, params: dict) -> str:
    """Run one case, dry run then commit; return "refused" or "imported".

    The commit runs in a savepoint rolled back afterwards, so every case starts from the same
    database; an unexpected exception is re-raised with the case's label.
    """
    started = time.perf_counter()
    before = fingerprint()
    runs_before = ImportRun.objects.count()
    try:
        with transaction.atomic():
            preview = annex_import(
                data=data, file_name=name, province=province, dry_run=True, **params
            )
            if not preview.ok:
                assert_refusal_message(preview.errors, label)
                assert fingerprint() == before, f"{label}: a refused preview changed the database"
                commit = annex_import(data=data, file_name=name, province=province, **params)
                assert commit.errors == preview.errors, label
                assert fingerprint() == before, f"{label}: a refused import changed the database"
                outcome = "refused"
            else:
                assert ImportRun.objects.count() == runs_before + 1, label
                after_preview = fingerprint()
                assert {k: v for k, v in after_preview.items() if k != "import_runs"} == {
                    k: v for k, v in before.items() if k != "import_runs"
                }, f"{label}: a preview wrote something"
                # The plan holds recorded work: a revision that touches it needs the
                # acknowledgement the preview asked for, and lists exactly what it did.
                commit = annex_import(
                    data=data,
                    file_name=name,
                    province=province,
                    acknowledge=bool(preview.at_risk),
                    **params,
                )
                assert commit.ok, (label, commit.errors)
                assert commit.at_risk == preview.at_risk, label
                check_committed(label, preview, commit, before)
                outcome = "imported"
            transaction.set_rollback(True)
    except Exception as exc:
        raise AssertionError(f"{label}: {type(exc).__name__}: {exc}") from exc
    elapsed = time.perf_counter() - started
    assert elapsed < CASE_LIMIT, f"{label} took {elapsed:.1f} s"
    return outcome


def check_committed(label, preview, commit, before) -> None:
    assert commit.tasks == preview.tasks, f"{label}: the commit did not do what the preview said"
    assert commit.rows == preview.rows, label
    plan = Plan.objects.get(pk=commit.plan_id)
    live = list(
        plan.tasks.filter(withdrawn_at=None)
        .order_by("position")
        .prefetch_related("assignments__agency")
    )
    assert [(t.number, t.description) for t in live] == [
        (row["number"][:20], row["description"]) for row in commit.rows
    ], label
    for task, row in zip(live, commit.rows, strict=True):
        named = {a.agency.name for a in task.assignments.all()}
        assert set(row["lead"]) | set(row["support"]) <= named, (label, row["number"])
    # Progress recorded before the import is never lost or changed.
    after = fingerprint()
    assert (after["updates"], after["evidence"]) == (before["updates"], before["evidence"]), label


def _params(rng: random.Random) -> dict:
    return {
        "plan_number": rng.choice(["", "F/KH-UBND", "KH-2022"]),
        "year": rng.choice([None, 2022, 2024]),
    }


def test_generated_broken_workbooks_are_refused_or_imported(fuzz_province, small_limits):
    """The generated families, a seed per case, until the budget is spent (the million-row
    files, which cost seconds each, have their own test below)."""
    families = [f for f in fuzz.FAMILIES if f is not fuzz.million_empty_rows]
    # Cheap families come round three times as often as the costly ones.
    costly = {fuzz.zip_bomb, fuzz.huge_cell}
    schedule = [f for f in families for _ in range(1 if f in costly else 3)]
    random.Random(0).shuffle(schedule)
    schedule = families + schedule  # every family once first, however slow the machine
    started = time.perf_counter()
    ran: dict[str, int] = {}
    for seed in itertools.count():
        elapsed = time.perf_counter() - started
        if elapsed > HARD_LIMIT or (elapsed > FAMILY_BUDGET and seed >= FAMILY_FLOOR):
            break
        family = schedule[seed % len(schedule)]
        rng = random.Random(seed)
        name, data = family(rng)
        label = f"{family.__name__} seed={seed}"
        case_started = time.perf_counter()
        outcome = check_case(label, name, data, fuzz_province, _params(rng))
        fuzz.record("generated", outcome, time.perf_counter() - case_started, label)
        ran[family.__name__] = ran.get(family.__name__, 0) + 1
    assert set(ran) == {f.__name__ for f in families}
    assert sum(ran.values()) >= FAMILY_FLOOR, ran


def test_generated_broken_documents_are_refused_or_imported(fuzz_province, small_limits):
    """The Word families (tests/plans/fuzz.py, DOCX_FAMILIES) the same way: truncated files,
    zip bombs, tables of 100 000 rows, deep nesting, external references, DOCTYPEs, macros,
    lying packages and random tables with random spans and vertical merges."""
    families = fuzz.DOCX_FAMILIES
    costly = {fuzz.docx_zip_bomb, fuzz.docx_many_rows}
    schedule = [f for f in families for _ in range(1 if f in costly else 3)]
    random.Random(0).shuffle(schedule)
    schedule = families + schedule
    started = time.perf_counter()
    ran: dict[str, int] = {}
    for seed in itertools.count():
        elapsed = time.perf_counter() - started
        if elapsed > HARD_LIMIT or (elapsed > FAMILY_BUDGET and seed >= DOCX_FLOOR):
            break
        family = schedule[seed % len(schedule)]
        rng = random.Random(seed)
        name, data = family(rng)
        label = f"{family.__name__} seed={seed}"
        case_started = time.perf_counter()
        outcome = check_case(label, name, data, fuzz_province, _params(rng))
        fuzz.record("generated (.docx)", outcome, time.perf_counter() - case_started, label)
        ran[family.__name__] = ran.get(family.__name__, 0) + 1
    assert set(ran) == {f.__name__ for f in families}
    assert sum(ran.values()) >= DOCX_FLOOR, ran


def test_a_million_empty_rows_are_streamed_past(fuzz_province):
    """1 048 576 declared rows, and a quarter of a million real rows whose only cell is empty:
    each imports its 8-row table, and the process does not grow by anything like those rows (a
    materialised row costs over 100 bytes). Time is one streaming pass over the XML, a few
    seconds a read here; a million rows without addresses (fuzz._million_rows("bare")) reads the same way
    and is left out only to keep CI within its minute."""
    for kind in ("declared", "styled"):
        data = fuzz._million_rows(kind)
        grown_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        case_started = time.perf_counter()
        label = f"million rows {kind}"
        outcome = check_case(label, "million.xlsx", data, fuzz_province, {"year": 2024})
        fuzz.record("million rows", outcome, time.perf_counter() - case_started, label)
        assert outcome == "imported", label
        grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - grown_before
        assert grown_kb < 100 * 1024, (label, grown_kb)


_mutation_clock: dict[str, float] = {}

MUTATION_KINDS = ["flip", "cut", "part_flip", "part_cut", "drop_element", "attribute", "drop_part"]


@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(
    source=st.sampled_from(sorted(fuzz.REAL_FILES)),
    kind=st.sampled_from(MUTATION_KINDS),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_mutated_real_workbooks_are_refused_or_imported(
    fuzz_province, small_limits, source, kind, seed
):
    started = _mutation_clock.setdefault("started", time.perf_counter())
    elapsed = time.perf_counter() - started
    done = sum(fuzz.STATS.get(b, {}).get("cases", 0) for b in ("mutations", "mutations (.docx)"))
    if elapsed > HARD_LIMIT or (elapsed > MUTATION_BUDGET and done >= MUTATION_FLOOR):
        return  # over budget: the remaining examples cost nothing
    data = fuzz.mutate(source, kind, random.Random(seed))
    # The 2022 plan, from either format, re-imports onto the plan imported from its workbook.
    params = {"plan_number": "KH-2022", "year": 2022} if source.startswith("kh2022") else {}
    label = f"{source} {kind} seed={seed}"
    case_started = time.perf_counter()
    outcome = check_case(label, source, data, fuzz_province, params)
    bucket = "mutations (.docx)" if source.endswith(".docx") else "mutations"
    fuzz.record(bucket, outcome, time.perf_counter() - case_started, label)


def test_mutations_ran_enough_cases():
    """The floor for the hypothesis test above (which cannot count its own examples)."""
    buckets = [fuzz.STATS[b] for b in ("mutations", "mutations (.docx)") if b in fuzz.STATS]
    if not buckets:
        pytest.skip("the mutation test was not selected in this run")
    assert sum(stats["cases"] for stats in buckets) >= MUTATION_FLOOR, buckets


def test_broken_uploads_on_the_web_get_the_message_not_a_500(client, reviewer, bac_kan):
    """One case of every generated family, posted to /imports/new/: the form again with the
    Vietnamese message and nothing written, or (for a file that reads) the preview."""
    client.force_login(reviewer)
    refused = 0
    for seed, family in enumerate(fuzz.FAMILIES + fuzz.DOCX_FAMILIES):
        if family in (fuzz.million_empty_rows, fuzz.docx_many_rows):
            continue  # their own tests above, and they cost seconds
        name, data = family(random.Random(1000 + seed))
        before = fingerprint()
        response = client.post(
            reverse("plans:import_new"),
            {"file": SimpleUploadedFile(name, data), "province": bac_kan.pk},
        )
        if response.status_code == 302:  # read and understood: a dry-run preview, nothing else
            assert ImportRun.objects.filter(dry_run=True).exists(), family.__name__
            continue
        assert response.status_code == 200, family.__name__
        errors = re.findall(r'<ul class="errorlist[^"]*">(.*?)</ul>', response.text, re.S)
        assert errors and VIETNAMESE.search(" ".join(errors)), (family.__name__, errors)
        assert fingerprint() == before, family.__name__
        refused += 1
    assert refused >= 8

"""Imports at the same moment, on PostgreSQL (the production database, whose row locks these
rely on; SQLite runs one writer at a time and has no such race): two confirmations of one
preview, two imports of one plan.

The threads need committed data, so these tests are transactional: the database is flushed
after each, and the reference data is loaded again first (as the browser tests do).
"""

import io
import threading

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection

from agencies.models import Province
from plans.importing.pipeline import annex_import
from plans.models import ImportRun, Plan, Task
from plans.services import import_confirm, import_preview
from tests.plans.test_import import PAPI_XLSX

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks under concurrency: run on PostgreSQL (CI's second run)",
    ),
]


@pytest.fixture
def bac_kan_committed():
    call_command("load_reference", stdout=io.StringIO())
    return Province.objects.get(slug="06-bac-kan")


def at_once(*calls):
    """Run each call in its own thread (own database connection), released together; returns
    their results (or the exception each raised)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - reported to the test as a result
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_two_confirmations_of_one_preview_import_once(bac_kan_committed):
    report = import_preview(
        data=PAPI_XLSX.read_bytes(), file_name=PAPI_XLSX.name, province=bac_kan_committed, user=None
    )
    preview = ImportRun.objects.get(pk=report.import_run_id)
    first, second = at_once(
        lambda: import_confirm(preview=preview, user=None),
        lambda: import_confirm(preview=preview, user=None),
    )
    assert not isinstance(first, Exception) and not isinstance(second, Exception), (first, second)
    outcomes = sorted([first.ok, second.ok])
    assert outcomes == [False, True]
    refused = first if not first.ok else second
    assert refused.errors == ["Bản xem trước này đã được xác nhận nhập."]
    assert ImportRun.objects.filter(dry_run=False).count() == 1
    assert Task.objects.count() == 32


def _revision(tmp_path, name, edit):
    workbook = openpyxl.load_workbook(PAPI_XLSX)
    edit(workbook.active)
    path = tmp_path / name
    workbook.save(path)
    return path


def test_two_imports_of_one_plan_at_once_leave_the_plan_of_the_later_one(
    bac_kan_committed, tmp_path
):
    annex_import(data=PAPI_XLSX.read_bytes(), file_name=PAPI_XLSX.name, province=bac_kan_committed)

    def one(sheet):
        sheet["B6"] = sheet["B6"].value + " (bản A)"
        for column in "ABCDE":
            sheet[f"{column}10"] = None  # 1.5 deleted

    def other(sheet):
        sheet["B7"] = sheet["B7"].value + " (bản B)"
        sheet["A43"], sheet["B43"], sheet["C43"] = "6.8", "Nhiệm vụ bổ sung của bản B", "Sở Nội vụ"

    paths = [_revision(tmp_path, "a.xlsx", one), _revision(tmp_path, "b.xlsx", other)]
    results = at_once(
        *[
            (
                lambda p=p: annex_import(
                    data=p.read_bytes(), file_name=p.name, province=bac_kan_committed
                )
            )
            for p in paths
        ]
    )
    assert all(not isinstance(r, Exception) and r.ok for r in results), results
    later = ImportRun.objects.filter(dry_run=False).order_by("-created_at", "-pk").first()
    path = next(p for p in paths if p.name == later.file_name)
    # The plan is exactly the later file: re-reading it changes nothing.
    again = annex_import(
        data=path.read_bytes(), file_name=path.name, province=bac_kan_committed, dry_run=True
    )
    counts = again.tasks
    assert (counts["created"], counts["withdrawn"], counts["updated"], counts["moved"]) == (
        0,
        0,
        0,
        0,
    ), counts
    assert Plan.objects.count() == 1

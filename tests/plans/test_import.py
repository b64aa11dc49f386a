"""The annex import through the command line, on the real workbooks and on edited copies."""

import datetime
import gc
import io
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from agencies.models import Agency
from plans.files.export import plan_export_xlsx
from plans.models import Assignment, ImportRun, Plan, ProgressUpdate, Section, Task

pytestmark = pytest.mark.django_db

ANNEXES = Path(__file__).resolve().parents[2] / "fixtures" / "annexes"
PLAN_2022 = ANNEXES / "bac-kan-2022-ke-hoach-khac-phuc-chi-so.xlsx"
PAPI_XLSX = ANNEXES / "bac-kan-2018-ke-hoach-22-papi.xlsx"
PAPI_XLS = ANNEXES / "bac-kan-2018-ke-hoach-22-papi.xls"


def run_import(path, *extra, expect_ok=True) -> dict:
    out = io.StringIO()
    args = [str(path), "--province", "Bắc Kạn", "--json", *extra]
    try:
        call_command("import_annex", *args, stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    document = json.loads(out.getvalue())
    assert (code == 0) is expect_ok, document.get("errors")
    return document


def import_2022(*extra, path=PLAN_2022) -> dict:
    return run_import(path, "--plan-number", "KH-2022", "--year", "2022", *extra)


def row(document, sheet, number, section=None) -> dict:
    matches = [
        r
        for r in document["rows"]
        if r["sheet"] == sheet
        and r["number"] == number
        and (section is None or r["section"] == section)
    ]
    assert len(matches) == 1, (sheet, number, section, len(matches))
    return matches[0]


def test_2022_workbook_gives_70_tasks_in_14_sections():
    document = import_2022()
    assert document["dry_run"] is False
    assert document["errors"] == []
    assert document["plan"] == {
        "number": "KH-2022",
        "province": "Bắc Kạn (đến 30/06/2025)",
        "year": 2022,
        "created": True,
        # What the file says of the plan besides its number: the workbook's title rows name
        # no date, title or place (a Word plan's heading does: tests/plans/test_import_docx.py).
        "issued_on": None,
        "title": "",
        "place": "",
    }
    assert [
        (s["name"], s["header_row"], s["sections"], s["tasks"]) for s in document["sheets"]
    ] == [
        ("Phụ lục I", 5, 8, 32),
        ("Phụ lục II", 5, 6, 38),
    ]
    assert document["sheets"][0]["columns"] == {
        "number": "A",
        "description": "B",
        "support": "C",
        "deadline": "D",
    }
    assert document["tasks"] == {
        "created": 70,
        "updated": 0,
        "moved": 0,
        "restored": 0,
        "unchanged": 0,
        "withdrawn": 0,
    }
    plan = Plan.objects.get(number="KH-2022")
    assert plan.tasks.count() == 70
    assert plan.sections.count() == 14


def test_lead_taken_from_the_section_title():
    document = import_2022()
    task = row(document, "Phụ lục I", "1", section="II")
    assert task["section_title"] == "SỞ TƯ PHÁP CHỦ TRÌ THỰC HIỆN"
    assert task["lead"] == ["Sở Tư pháp"]
    assert task["lead_from_section"] is True
    stored = Task.objects.get(source_sheet="Phụ lục I", source_row=task["row"])
    lead = stored.assignments.get(role=Assignment.Role.LEAD)
    assert (lead.agency.name, lead.agency.province.code) == ("Sở Tư pháp", "06")


def test_collective_lead_in_a_section_title_gives_every_department_its_own_assignment():
    document = import_2022()
    task = row(document, "Phụ lục I", "1", section="VIII")
    assert {"Sở Nội vụ", "Sở Tư pháp", "Sở Kế hoạch và Đầu tư", "Văn phòng UBND tỉnh"} <= set(
        task["lead"]
    )
    assert "UBND huyện Ba Bể" in task["lead"]  # "UBND các huyện, thành phố" expanded
    assert task["lead_how"]["Sở Tư pháp"] == "expanded"
    stored = Task.objects.get(source_sheet="Phụ lục I", source_row=task["row"])
    assert stored.assignments.filter(role="lead").count() == len(task["lead"])
    # "Sở Nội vụ" is named as supporting but leads as a department: it leads, once.
    assert "Sở Nội vụ" not in task["support"]


def test_deadline_taken_from_a_merged_cell():
    document = import_2022()
    first, second = row(document, "Phụ lục I", "4", "I"), row(document, "Phụ lục I", "5", "I")
    assert (first["row"], second["row"]) == (10, 11)  # D10:D11 merged
    expected = {
        "text": "Quý III-IV/2022",
        "kind": "range",
        "start": "2022-07-01",
        "due": "2022-12-31",
        "recurrence": None,
    }
    assert first["deadline"] == second["deadline"] == expected
    task = Task.objects.get(source_sheet="Phụ lục I", source_row=11)
    assert (task.starts_on, task.due_on) == (datetime.date(2022, 7, 1), datetime.date(2022, 12, 31))


def test_factored_agency_list_is_expanded():
    document = import_2022()
    task = row(document, "Phụ lục I", "2", "I")
    assert task["support"] == [
        "Văn phòng UBND tỉnh",
        "Sở Tư pháp",
        "Sở Tài chính",
        "Sở Thông tin và Truyền thông",
        "Sở Khoa học và Công nghệ",
    ]
    assert all(how == "matched" for how in task["support_how"].values())


def test_event_and_ongoing_deadlines():
    document = import_2022()
    event = row(document, "Phụ lục I", "3", "I")
    assert event["deadline"]["kind"] == "event"
    assert event["deadline"]["due"] is None
    ongoing = row(document, "Phụ lục I", "6", "I")
    assert ongoing["deadline"] == {
        "text": "Thường xuyên",
        "kind": "ongoing",
        "start": "2022-01-01",
        "due": None,
        "recurrence": None,
    }


def test_papi_workbook_gives_32_tasks_in_6_sections_with_plan_details_from_the_title():
    document = run_import(PAPI_XLSX)
    assert document["plan"]["number"] == "22/KH-UBND"
    assert document["plan"]["year"] == 2018
    assert [(s["sections"], s["tasks"]) for s in document["sheets"]] == [(6, 32)]
    assert document["sheets"][0]["columns"] == {
        "number": "A",
        "description": "B",
        "lead": "C",
        "support": "D",
        "deadline": "E",
    }
    plan = Plan.objects.get(number="22/KH-UBND", year=2018)
    assert plan.issued_on == datetime.date(2018, 1, 22)
    assert list(plan.sections.values_list("number", "title"))[:3] == [
        ("1", "Tham gia của người dân ở cấp cơ sở"),
        ("2", "Công khai, minh bạch"),
        ("3", "Trách nhiệm giải trình với nhân dân"),
    ]
    task = row(document, "Phụ lục", "2.6")
    assert task["lead"] == ["Sở Tài nguyên và Môi trường"]
    assert task["deadline"]["start"] == "2018-04-01"
    assert task["deadline"]["due"] == "2018-09-30"


def test_xls_gives_the_same_result_as_xlsx():
    from_xlsx = run_import(PAPI_XLSX, "--dry-run")
    from_xls = run_import(PAPI_XLS, "--dry-run")
    assert from_xls["rows"] == from_xlsx["rows"]
    assert from_xls["sheets"] == from_xlsx["sheets"]


def test_names_nobody_can_place_become_unverified_agencies_and_nothing_is_dropped():
    document = run_import(PAPI_XLSX)
    unverified = set(document["agencies"]["unverified"])
    assert {
        "Các cơ quan, đơn vị có liên quan",  # "Các cơ quan có liên quan": the one placeholder
        "Đơn vị được kiểm tra",
        "Thanh tra huyện/thành phố",
    } <= unverified
    created = Agency.objects.filter(verified=False, province__code="06")
    assert set(created.values_list("name", flat=True)) == unverified
    task = row(document, "Phụ lục", "4.3")
    assert task["lead"] == ["Văn phòng UBND tỉnh", "Đơn vị được kiểm tra"]


def test_dry_run_writes_nothing_but_reports_what_it_would_do():
    before = (Plan.objects.count(), Task.objects.count(), Agency.objects.count())
    document = import_2022("--dry-run")
    assert document["dry_run"] is True
    assert document["tasks"]["created"] == 70
    assert (Plan.objects.count(), Task.objects.count(), Agency.objects.count()) == before
    assert ImportRun.objects.get().dry_run is True


def test_an_import_leaves_the_garbage_collector_as_it_found_it(tmp_path):
    """The import puts off full collections while it runs (plans.importing.pipeline): the
    worker that served it must collect as before afterwards, whether it imported or refused."""
    before = gc.get_threshold()
    import_2022("--dry-run")
    assert gc.get_threshold() == before
    empty = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(empty)
    run_import(empty, "--plan-number", "KH-2022", "--year", "2022", expect_ok=False)
    assert gc.get_threshold() == before


# Re-import -------------------------------------------------------------------------------


def _record_progress(task: Task) -> Assignment:
    assignment = task.assignments.filter(role="lead").first()
    assignment.status = Assignment.Status.DONE
    assignment.completed_on = datetime.date(2022, 9, 1)
    assignment.save()
    ProgressUpdate.objects.create(
        assignment=assignment,
        status=assignment.status,
        completed_on=assignment.completed_on,
        note="Đã làm",
    )
    return assignment


def test_importing_the_same_workbook_again_changes_nothing_and_keeps_progress():
    import_2022()
    assignment = _record_progress(Task.objects.get(source_sheet="Phụ lục I", source_row=7))
    counts = (Task.objects.count(), Assignment.objects.count(), Section.objects.count())
    document = import_2022()
    assert document["tasks"] == {
        "created": 0,
        "updated": 0,
        "moved": 0,
        "restored": 0,
        "unchanged": 70,
        "withdrawn": 0,
    }
    assert document["plan"]["created"] is False
    assert (Task.objects.count(), Assignment.objects.count(), Section.objects.count()) == counts
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.DONE
    assert assignment.updates.count() == 1


def _edited_copy(tmp_path, edit) -> Path:
    path = tmp_path / "edited.xlsx"
    shutil.copy(PLAN_2022, path)
    workbook = openpyxl.load_workbook(path)
    edit(workbook)
    workbook.save(path)
    return path


def test_corrected_workbook_updates_exactly_the_edited_tasks_and_withdraws_removed_ones(tmp_path):
    import_2022()
    kept = _record_progress(Task.objects.get(source_sheet="Phụ lục I", source_row=8))

    def edit(workbook):
        first = workbook["Phụ lục I"]
        first["B8"] = first["B8"].value + " (đã sửa)"  # task I.2, which has progress
        first["D9"] = "Quý IV/2022"  # task I.3: event → dated
        second = workbook["Phụ lục II"]
        second["B49"] = None  # the last task of Phụ lục II, removed from the table
        second["A49"] = None
        second["C49"] = None

    document = import_2022(path=_edited_copy(tmp_path, edit))
    assert document["tasks"] == {
        "created": 0,
        "updated": 2,
        "moved": 0,
        "restored": 0,
        "unchanged": 67,
        "withdrawn": 1,
    }
    updated = [(r["sheet"], r["number"]) for r in document["rows"] if r["status"] == "updated"]
    assert updated == [("Phụ lục I", "2"), ("Phụ lục I", "3")]

    kept.refresh_from_db()
    assert kept.status == Assignment.Status.DONE
    assert kept.updates.count() == 1
    assert kept.task.description.endswith("(đã sửa)")
    withdrawn = Task.objects.get(withdrawn_at__isnull=False)
    assert withdrawn.source_row == 49
    assert withdrawn.assignments.exists()  # kept, with whatever was recorded

    # The original again: the edited tasks go back, the withdrawn one returns.
    document = import_2022()
    assert document["tasks"] == {
        "created": 0,
        "updated": 2,
        "moved": 0,
        "restored": 1,
        "unchanged": 67,
        "withdrawn": 0,
    }


def test_export_then_reimport_reports_every_task_unchanged(tmp_path):
    import_2022()
    run_import(PAPI_XLSX)
    for plan in Plan.objects.all():
        path = tmp_path / f"export-{plan.pk}.xlsx"
        path.write_bytes(plan_export_xlsx(plan))
        document = run_import(path, "--plan-number", plan.number, "--year", str(plan.year))
        total = plan.tasks.count()
        assert document["tasks"] == {
            "created": 0,
            "updated": 0,
            "moved": 0,
            "restored": 0,
            "unchanged": total,
            "withdrawn": 0,
        }


def test_export_command_writes_the_annex_layout(tmp_path):
    import_2022()
    plan = Plan.objects.get()
    out = tmp_path / "plan.xlsx"
    call_command("export_plan", str(plan.pk), str(out), stdout=io.StringIO())
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["Phụ lục I", "Phụ lục II"]
    sheet = workbook["Phụ lục I"]
    assert [c.value for c in sheet[4]] == [
        "TT",
        "Nhiệm vụ, giải pháp",
        "Kết quả, sản phẩm",
        "Cơ quan chủ trì",
        "Cơ quan phối hợp",
        "Thời gian thực hiện",
    ]
    assert [sheet["A5"].value, sheet["B5"].value] == ["I", "SỞ NỘI VỤ CHỦ TRÌ THỰC HIỆN"]


# Layouts never seen before --------------------------------------------------------------


def build_workbook(tmp_path, rows, *, merges=(), bold_rows=(), name="annex.xlsx") -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Phụ lục 1"
    for values in rows:
        sheet.append(values)
    for merge in merges:
        sheet.merge_cells(merge)
    for index in bold_rows:
        for cell in sheet[index]:
            cell.font = openpyxl.styles.Font(bold=True)
    path = tmp_path / name
    workbook.save(path)
    return path


def test_capitalised_columns_in_another_order_with_expected_result_and_extra_column(tmp_path):
    path = build_workbook(
        tmp_path,
        [
            ["PHỤ LỤC 1"],
            ["(Kèm theo Kế hoạch số 386/KH-UBND ngày 07/6/2024 của UBND tỉnh Bắc Kạn)"],
            [],
            [
                "STT",
                "NỘI DUNG NHIỆM VỤ",
                "THỜI GIAN HOÀN THÀNH",
                "CƠ QUAN CHỦ TRÌ",
                "CƠ QUAN PHỐI HỢP",
                "KẾT QUẢ KHẮC PHỤC",
                "GHI CHÚ",
            ],
            ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"],
            ["I", "CHỈ SỐ PAR INDEX"],
            [
                1,
                "Nâng cao chất lượng tham mưu; năm 2023 đạt 8,963/9,5 điểm",
                "Quý III/2024",
                "Sở KH&ĐT",
                "Các Sở: Tư pháp; Tài chính",
                "Báo cáo",
                "x",
            ],
            [None, "và hoàn thiện quy trình nội bộ"],
            [
                1,
                "Nhiệm vụ trùng số thứ tự",
                datetime.datetime(2024, 12, 31),
                "VP UBND tỉnh",
                None,
                None,
            ],
            [
                "STT",
                "NỘI DUNG NHIỆM VỤ",
                "THỜI GIAN HOÀN THÀNH",
                "CƠ QUAN CHỦ TRÌ",
                "CƠ QUAN PHỐI HỢP",
                "KẾT QUẢ KHẮC PHỤC",
            ],
            ["II Chỉ số SIPAS"],
            [
                1,
                "Khảo sát hài lòng, đạt tỷ lệ 88,29%",
                "hết tháng 12/2024",
                "Sở Nội vụ",
                None,
                None,
            ],
        ],
        bold_rows=(6, 11),
    )
    document = run_import(path, "--dry-run")
    assert document["plan"]["number"] == "386/KH-UBND"
    assert document["plan"]["year"] == 2024
    assert document["sheets"][0]["columns"] == {
        "number": "A",
        "description": "B",
        "deadline": "C",
        "lead": "D",
        "support": "E",
        "expected_result": "F",
    }
    assert any("GHI CHÚ" in w["message"] and w["cell"] == "G4" for w in document["warnings"])
    assert [(r["section"], r["number"]) for r in document["rows"]] == [
        ("I", "1"),
        ("I", "1"),
        ("II", "1"),
    ]
    first, duplicate, sipas = document["rows"]
    assert first["description"].endswith("\nvà hoàn thiện quy trình nội bộ")  # continued row
    assert first["lead"] == ["Sở Kế hoạch và Đầu tư"]
    assert first["lead_how"] == {"Sở Kế hoạch và Đầu tư": "aliased"}
    assert first["support"] == ["Sở Tư pháp", "Sở Tài chính"]
    assert first["expected_result"] == "Báo cáo"
    assert first["scores"] == [
        {
            "text": "đạt 8,963/9,5 điểm",
            "achieved": 8.963,
            "maximum": 9.5,
            "unit": "points",
            "year": 2023,
            "group": None,
        }
    ]
    assert duplicate["deadline"]["kind"] == "fixed" and duplicate["deadline"]["due"] == "2024-12-31"
    assert sipas["section_title"] == "Chỉ số SIPAS"
    assert sipas["scores"][0]["achieved"] == 88.29
    assert sipas["deadline"]["due"] == "2024-12-31"
    assert document["tasks"]["created"] == 3


def test_duplicate_task_numbers_are_kept_apart_on_reimport(tmp_path):
    rows = [
        ["TT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian"],
        ["1", "Mục một"],
        ["1", "Nhiệm vụ A", "Sở Nội vụ", "Quý I/2023"],
        ["1", "Nhiệm vụ B", "Sở Tư pháp", "Quý II/2023"],
    ]
    path = build_workbook(tmp_path, rows, merges=["B2:D2"], bold_rows=(2,))
    first = run_import(path, "--plan-number", "1/KH-UBND", "--year", "2023")
    assert first["tasks"]["created"] == 2
    again = run_import(path, "--plan-number", "1/KH-UBND", "--year", "2023")
    assert again["tasks"] == {
        "created": 0,
        "updated": 0,
        "moved": 0,
        "restored": 0,
        "unchanged": 2,
        "withdrawn": 0,
    }


def test_section_number_and_title_in_one_cell(tmp_path):
    rows = [
        ["TT", "Nhiệm vụ trọng tâm", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian thực hiện"],
        ["3 Trách nhiệm giải trình với nhân dân"],
        ["3.1", "Thực hiện tốt công tác tiếp công dân", "Sở Nội vụ", None, "Thường xuyên"],
        [None, "4 Kiểm soát tham nhũng trong khu vực công"],
        ["4.1", "Tuyên truyền phòng, chống tham nhũng", "Thanh tra tỉnh", None, "Quý II/2018"],
    ]
    path = build_workbook(tmp_path, rows, bold_rows=(2, 4))
    document = run_import(path, "--plan-number", "22/KH-UBND", "--year", "2018", "--dry-run")
    assert [(r["section"], r["section_title"], r["number"]) for r in document["rows"]] == [
        ("3", "Trách nhiệm giải trình với nhân dân", "3.1"),
        ("4", "Kiểm soát tham nhũng trong khu vực công", "4.1"),
    ]


def test_synthetic_benchmark_workbook_imports_every_task(tmp_path):
    from plans.tooling.synthetic import synthetic_annex

    path = tmp_path / "synthetic.xlsx"
    path.write_bytes(synthetic_annex(120, per_section=50))
    document = run_import(path, "--plan-number", "BENCH", "--year", "2023")
    assert [(s["sections"], s["tasks"]) for s in document["sheets"]] == [(3, 120)]
    assert document["tasks"]["created"] == 120
    assert document["deadlines"]["unparsed"] == []
    again = run_import(path, "--plan-number", "BENCH", "--year", "2023")
    assert again["tasks"]["unchanged"] == 120


# Collective names as other provinces write them; unknown names change nothing ---------------

SHARED_ANNEXES = sorted(ANNEXES.glob("*.xls*"))
# Plans whose title rows do not give the number and year.
PLAN_ARGS = {PLAN_2022.name: ("--plan-number", "KH-2022", "--year", "2022")}


def counts_of_rows():
    return (Task.objects.count(), Assignment.objects.count(), Agency.objects.count())


@pytest.mark.parametrize("path", SHARED_ANNEXES, ids=lambda path: path.name)
def test_importing_a_shared_annex_twice_changes_nothing_the_second_time(path):
    first = run_import(path, *PLAN_ARGS.get(path.name, ()))
    after_first = counts_of_rows()

    again = run_import(path, *PLAN_ARGS.get(path.name, ()))

    total = sum(first["tasks"].values())
    assert total > 0
    assert again["tasks"] == {
        "created": 0,
        "updated": 0,
        "moved": 0,
        "restored": 0,
        "unchanged": total,
        "withdrawn": 0,
    }
    assert counts_of_rows() == after_first
    assert again["agencies"]["unverified"] == first["agencies"]["unverified"]
    assert [(r["lead_how"], r["support_how"]) for r in again["rows"]] == [
        (r["lead_how"], r["support_how"]) for r in first["rows"]
    ]


# The forms of another province's plan (Cao Bằng did not merge in 2025, so one of its plans can
# be dated before the 2025 changes and one after).
OTHER_PROVINCE_ROWS = [
    ["PHỤ LỤC"],
    ["NHIỆM VỤ KHẮC PHỤC HẠN CHẾ CHỈ SỐ CCHC"],
    [],
    ["STT", "NHIỆM VỤ", "CƠ QUAN CHỦ TRÌ", "CƠ QUAN PHỐI HỢP", "THỜI GIAN HOÀN THÀNH"],
    ["I", "CHỈ SỐ PAR INDEX"],
    ["1", "Ban hành kế hoạch CCHC", "Sở Nội vụ", "Các sở, ban, ngành, địa phương", "Quý I"],
    ["2", "Rà soát văn bản QPPL", "Sở Tư pháp", "Các sở, ban, ngành có liên quan", "Quý II"],
    [
        "3",
        "Khắc phục điểm bị trừ của từng lĩnh vực",
        "Các sở, ngành tham mưu UBND tỉnh 6 lĩnh vực CCHC",
        "Các sở, ngành, địa phương",
        "Quý III",
    ],
    ["4", "Chỉ đạo thực hiện Chỉ thị về CCHC", "UBND cấp tỉnh", "Văn phòng UBND tỉnh", "Quý II"],
    [
        "5",
        "Số hóa hồ sơ, kết quả giải quyết TTHC",
        "Sở Thông tin và Truyền thông và các sở, ban, ngành, địa phương có liên quan",
        "Các cơ quan, đơn vị liên quan",
        "Thường xuyên",
    ],
    ["6", "Tuyên truyền về CCHC", "Các sở, ban, ngành", "Các cơ quan có liên quan", "Quý IV"],
]


def in_force(province, day, kinds) -> set[str]:
    agencies = Agency.objects.valid_on(day).filter(province=province, kind__in=kinds)
    return set(agencies.filter(verified=True).values_list("name", flat=True))


@pytest.fixture
def cao_bang_localities(cao_bang):
    district = Agency.objects.create(
        province=cao_bang,
        name="UBND huyện Thử Nghiệm",
        kind="district",
        valid_to=datetime.date(2025, 6, 30),
    )
    commune = Agency.objects.create(
        province=cao_bang,
        name="UBND xã Thử Nghiệm",
        kind="commune",
        valid_from=datetime.date(2025, 7, 1),
    )
    return district, commune


def import_other_province(path, day: datetime.date, number: str) -> dict:
    return run_import(
        path,
        *("--province", "Cao Bằng", "--plan-number", number),
        *("--year", str(day.year), "--plan-date", day.isoformat()),
    )


def test_another_provinces_collective_forms_reach_real_agencies(tmp_path, cao_bang_localities):
    cao_bang = cao_bang_localities[0].province
    day = datetime.date(2023, 3, 15)
    departments = in_force(cao_bang, day, ["department", "provincial_body"])
    localities = in_force(cao_bang, day, ["district"])
    assert "UBND huyện Thử Nghiệm" in localities
    path = build_workbook(tmp_path, OTHER_PROVINCE_ROWS, bold_rows=(5,))

    document = import_other_province(path, day, "45/KH-UBND")

    rows = {r["number"]: r for r in document["rows"]}
    assert set(rows["1"]["support"]) == (departments | localities) - {"Sở Nội vụ"}
    assert set(rows["2"]["support"]) == departments - {"Sở Tư pháp"}
    assert set(rows["3"]["lead"]) == {
        "Sở Nội vụ",
        "Sở Tư pháp",
        "Văn phòng UBND tỉnh",
        "Sở Tài chính",
        "Sở Thông tin và Truyền thông",
        "Sở Khoa học và Công nghệ",
        "Sở Kế hoạch và Đầu tư",
    }
    assert set(rows["3"]["support"]) == (departments | localities) - set(rows["3"]["lead"])
    assert rows["4"]["lead_how"] == {"Lãnh đạo UBND tỉnh": "aliased"}
    assert rows["4"]["support_how"] == {"Văn phòng UBND tỉnh": "matched"}
    assert rows["5"]["lead"][0] == "Sở Thông tin và Truyền thông"
    assert set(rows["5"]["lead"]) == departments | localities
    assert set(rows["5"]["lead_how"].values()) == {"matched", "expanded"}
    for number in ("1", "2", "3"):
        hows = {**rows[number]["lead_how"], **rows[number]["support_how"]}
        assert set(hows.values()) <= {"matched", "expanded"}, number
    # Both spellings of the vague "related bodies" are one agency still to be reviewed.
    assert rows["5"]["support"] == rows["6"]["support"] == ["Các cơ quan, đơn vị có liên quan"]
    assert document["agencies"]["unverified"] == ["Các cơ quan, đơn vị có liên quan"]
    created = Agency.objects.filter(province=cao_bang, verified=False)
    assert list(created.values_list("name", "kind")) == [
        ("Các cơ quan, đơn vị có liên quan", "external")
    ]


def test_reimporting_another_provinces_plan_changes_nothing(tmp_path, cao_bang_localities):
    # "Sở … và các sở, ban, ngành, …" once became one unknown agency whose name starts with
    # "Sở": the next import counted it as a department and reported an update.
    path = build_workbook(tmp_path, OTHER_PROVINCE_ROWS, bold_rows=(5,))
    day = datetime.date(2023, 3, 15)
    import_other_province(path, day, "45/KH-UBND")
    rows_before = counts_of_rows()

    again = import_other_province(path, day, "45/KH-UBND")

    assert again["tasks"] == {
        "created": 0,
        "updated": 0,
        "moved": 0,
        "restored": 0,
        "unchanged": 6,
        "withdrawn": 0,
    }
    assert counts_of_rows() == rows_before


def test_localities_are_the_communes_in_a_plan_dated_after_the_district_level_ended(
    tmp_path, cao_bang_localities
):
    district, commune = cao_bang_localities
    path = build_workbook(tmp_path, OTHER_PROVINCE_ROWS, bold_rows=(5,))

    document = import_other_province(path, datetime.date(2026, 2, 10), "12/KH-UBND")

    rows = {r["number"]: r for r in document["rows"]}
    assert commune.name in rows["1"]["support"]
    assert district.name not in rows["1"]["support"]
    assert "Sở Kế hoạch và Đầu tư" not in rows["1"]["support"]
    assert set(rows["3"]["lead"]) == {
        "Sở Nội vụ",
        "Sở Tư pháp",
        "Văn phòng UBND tỉnh",
        "Sở Tài chính",
        "Sở Khoa học và Công nghệ",
    }

"""The criteria tree import: upload, preview (nothing written), confirm (all or nothing),
re-import in place keeping what tasks and scores use, refusals; on real .xlsx files."""

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parindex.indices.models import Criterion, CriterionImport, CriterionScore, Edition, Result
from tests.factories import make_plan, make_task

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "criteria"
PAR_SAMPLE = FIXTURES / "par-index-2020-2021-mau.xlsx"
PAPI_SAMPLE = FIXTURES / "papi-tu-2018.xlsx"
HEADER = ["Mã", "Tên tiêu chí", "Điểm tối đa", "Cấp"]


def edition(code: str, first_year: int) -> Edition:
    return Edition.objects.get(index__code=code, first_year=first_year)


def workbook(tmp_path, rows, name="tieu-chi.xlsx") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["BỘ TIÊU CHÍ"])
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def upload(client, path: Path, target: Edition):
    return client.post(
        reverse("criteria_import_new"),
        {"file": SimpleUploadedFile(path.name, path.read_bytes()), "edition": target.pk},
    )


def confirm(client, response):
    preview_id = int(response.url.rstrip("/").split("/")[-1])
    return client.post(reverse("criteria_import_confirm", args=[preview_id]))


def test_the_sample_tree_previews_then_confirms_into_the_2020_2021_edition(
    client, administrator, bac_kan
):
    target = edition("PAR", 2020)
    make_plan(bac_kan)  # an administrator's index page offers the provinces with plans
    where = {"province": bac_kan.pk, "index": "PAR", "year": 2021}
    client.force_login(administrator)
    page = client.get(reverse("indices"), where)
    assert "Phiên bản này chưa có tiêu chí" in page.text
    assert reverse("criteria_import_new") in page.text
    response = upload(client, PAR_SAMPLE, target)
    assert response.status_code == 302
    assert not Criterion.objects.filter(edition=target).exists()  # a preview writes nothing
    preview = client.get(response.url)
    assert preview.context["counts"] == {
        "new": 44,
        "updated": 0,
        "unchanged": 0,
        "kept": 0,
        "removed": 0,
    }
    assert "Xác nhận nhập" in preview.text
    assert "Tỷ lệ cán bộ cấp xã chưa đạt chuẩn về chuyên môn nghiệp vụ" in preview.text
    done = client.get(confirm(client, response).url)
    assert "44 mới, 0 cập nhật" in done.text
    criteria = {c.code: c for c in Criterion.objects.filter(edition=target)}
    assert len(criteria) == 44
    assert criteria["3"].level == Criterion.Level.AREA and criteria["3"].parent is None
    assert criteria["3.6"].parent == criteria["3"]
    assert criteria["3.6"].level == Criterion.Level.CRITERION
    assert criteria["3.6"].name.startswith("Tỷ lệ TTHC đã triển khai có phát sinh hồ sơ")
    page = client.get(reverse("indices"), where)
    assert "Phiên bản này chưa có tiêu chí" not in page.text
    assert "Thực hiện giải ngân kế hoạch đầu tư vốn ngân sách nhà nước hàng năm" in page.text


def test_papi_dimensions_reimported_over_the_reference_areas_are_unchanged_but_points(
    client, administrator
):
    target = edition("PAPI", 2018)
    client.force_login(administrator)
    response = upload(client, PAPI_SAMPLE, target)
    counts = client.get(response.url).context["counts"]
    # The reference data holds the same 8 dimensions with 10 points each.
    assert counts == {"new": 0, "updated": 0, "unchanged": 8, "kept": 0, "removed": 0}


def test_reimport_updates_in_place_and_keeps_what_tasks_and_scores_use(
    client, administrator, bac_kan, tmp_path
):
    target = edition("PAR", 2020)
    client.force_login(administrator)
    first = [
        HEADER,
        ["1", "Công tác chỉ đạo, điều hành", 10, "Lĩnh vực"],
        ["1.1", "Thực hiện nhiệm vụ được giao", 2, ""],
        ["1.2", "Tiêu chí sẽ bỏ, có nhiệm vụ", 1, ""],
        ["1.3", "Tiêu chí sẽ bỏ, có điểm", 1, ""],
        ["1.4", "Tiêu chí sẽ bỏ, chưa dùng", 1, ""],
        ["1.4.1", "Tiêu chí thành phần chưa dùng", "0,5", "Tiêu chí thành phần"],
    ]
    confirm(client, upload(client, workbook(tmp_path, first), target))
    stored = {c.code: c for c in Criterion.objects.filter(edition=target)}
    assert stored["1.4.1"].max_score == Decimal("0.5")
    assert stored["1.4.1"].level == Criterion.Level.SUB_CRITERION
    plan = make_plan(bac_kan, number="5/KH-UBND", year=2022, base_year=2021)
    task = make_task(plan, description="Nhiệm vụ khắc phục")
    task.criteria.add(stored["1.2"], stored["1.1"])
    result = Result.objects.get(province=bac_kan, index__code="PAR", year=2021)
    CriterionScore.objects.create(
        result=result, criterion=stored["1.3"], achieved=Decimal("0.5"), maximum=1
    )
    second = [
        HEADER,
        ["1", "Công tác chỉ đạo, điều hành cải cách hành chính", 10, ""],
        ["1.1", "Thực hiện nhiệm vụ được Chính phủ, Thủ tướng Chính phủ giao", "2,5", ""],
        ["2", "Cải cách thể chế", 8, ""],
    ]
    response = upload(client, workbook(tmp_path, second, name="lan-2.xlsx"), target)
    preview = client.get(response.url)
    assert preview.context["counts"] == {
        "new": 1,
        "updated": 2,
        "unchanged": 0,
        "kept": 2,
        "removed": 2,
    }
    assert "Không còn trong tệp" in preview.text
    assert "giữ lại: đã có nhiệm vụ, điểm số hoặc tiêu chí con" in preview.text
    done = client.get(confirm(client, response).url)
    assert "1 mới, 2 cập nhật, 0 không đổi, 2 bỏ đi, 2 giữ lại" in done.text
    after = {c.code: c for c in Criterion.objects.filter(edition=target)}
    assert sorted(after) == ["1", "1.1", "1.2", "1.3", "2"]
    # Updated in place: the same rows, so the task's links and the score stay on them.
    assert after["1.1"].pk == stored["1.1"].pk
    assert after["1.1"].max_score == Decimal("2.5")
    assert after["1.1"].name.startswith("Thực hiện nhiệm vụ được Chính phủ")
    assert set(task.criteria.values_list("code", flat=True)) == {"1.1", "1.2"}
    assert CriterionScore.objects.get(result=result).criterion_id == stored["1.3"].pk


@pytest.mark.parametrize(
    "rows, message",
    [
        ([["1", "Lĩnh vực", 10, ""], ["1.1", "A", 1, ""], ["1.1", "B", 1, ""]], "lặp lại"),
        ([["1", "Lĩnh vực", 10, ""], ["2.1", "Không có cha", 1, ""]], "Không có mục cha “2”"),
        ([["1", "Lĩnh vực", 10, ""], ["1.a", "Mã sai", 1, ""]], "không đúng dạng"),
        ([["1", "Lĩnh vực", 10, ""], ["1.1.1.1", "Quá sâu", 1, ""]], "sâu quá 3 cấp"),
        ([["1", "Lĩnh vực", 10, "Tiêu chí"]], "không khớp với mã"),
        ([["1", "Lĩnh vực", 10, "Chỉ tiêu con"]], "không rõ"),
        ([["1", "Lĩnh vực", -1, ""]], "không được âm"),
        ([["1", "Lĩnh vực", "mười", ""]], "không phải là số"),
        ([["1", "", 10, ""]], "Thiếu tên tiêu chí"),
        ([["", "Không mã", 10, ""]], "Thiếu mã tiêu chí"),
    ],
)
def test_a_table_with_a_problem_is_shown_and_cannot_be_confirmed(
    client, administrator, tmp_path, rows, message
):
    target = edition("PAR", 2020)
    client.force_login(administrator)
    response = upload(client, workbook(tmp_path, [HEADER, *rows]), target)
    preview = client.get(response.url)
    assert message in preview.text
    assert "Chưa thể nhập" in preview.text and "Xác nhận nhập" not in preview.text
    page = client.get(confirm(client, response).url)
    assert "Bảng còn lỗi" in page.text
    assert not Criterion.objects.filter(edition=target).exists()


def test_a_file_that_is_no_criteria_table_is_refused_with_a_message(
    client, administrator, tmp_path
):
    target = edition("PAR", 2020)
    client.force_login(administrator)
    not_a_table = workbook(tmp_path, [["TT", "Nhiệm vụ"], ["1", "Việc gì đó"]])
    response = upload(client, not_a_table, target)
    assert response.status_code == 400
    assert "Không tìm thấy dòng tiêu đề của bảng tiêu chí" in response.text
    not_a_workbook = tmp_path / "ghi-chu.xlsx"
    not_a_workbook.write_bytes(b"plain text, not a workbook")
    response = upload(client, not_a_workbook, target)
    assert response.status_code == 400
    assert not CriterionImport.objects.exists()


def test_a_preview_is_confirmed_once_and_only_by_an_administrator(client, administrator, reviewer):
    target = edition("PAR", 2020)
    client.force_login(reviewer)
    assert client.get(reverse("criteria_import_new")).status_code == 403
    client.force_login(administrator)
    response = upload(client, PAR_SAMPLE, target)
    preview_id = int(response.url.rstrip("/").split("/")[-1])
    url = reverse("criteria_import_confirm", args=[preview_id])
    assert client.get(url).status_code == 405
    client.force_login(reviewer)
    assert client.post(url).status_code == 403
    assert not Criterion.objects.filter(edition=target).exists()
    client.force_login(administrator)
    client.post(url)
    page = client.get(client.post(url).url)
    assert "đã được xác nhận nhập" in page.text
    assert Criterion.objects.filter(edition=target).count() == 44

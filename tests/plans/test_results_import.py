"""The results workbook import: upload, preview (nothing written), confirm (all or nothing),
re-import in place, refusals; on real .xlsx files."""

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parindex.indices.models import Criterion, CriterionScore, Result, ResultImport

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "results" / "bac-kan-papi-2016.xlsx"


def upload(client, path: Path, province, *, index="PAPI", year=2016, **fields):
    data = {
        "file": SimpleUploadedFile(path.name, path.read_bytes()),
        "province": province.pk,
        "index": index,
        "year": year,
        "total": "",
        "maximum": "",
        "rank": "",
        "rank_of": "",
        "band": "",
        **fields,
    }
    return client.post(reverse("result_import_new"), data)


def workbook(tmp_path, rows, name="ket-qua.xlsx") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


@pytest.fixture
def no_papi_2016(bac_kan):
    """Bắc Kạn without the PAPI 2016 result the reference data holds."""
    Result.objects.filter(province=bac_kan, index__code="PAPI", year=2016).delete()


def test_the_sample_workbook_previews_then_confirms_result_and_scores(
    client, reviewer, bac_kan, no_papi_2016
):
    client.force_login(reviewer)
    response = upload(
        client, SAMPLE, bac_kan, total="35,61", rank="35", rank_of="63", band="Trung bình thấp"
    )
    assert response.status_code == 302
    assert not Result.objects.filter(province=bac_kan, index__code="PAPI").exists()
    preview = client.get(response.url)
    assert "Xem trước" in preview.text and "Xác nhận nhập" in preview.text
    assert "<strong>6</strong> điểm tiêu chí mới" in preview.text
    assert "<strong>0</strong> lỗi" in preview.text
    assert "Công khai, minh bạch" in preview.text and "4,45" in preview.text
    assert "35,61" in preview.text and "35/63" in preview.text

    run = ResultImport.objects.get()
    confirm_url = reverse("result_import_confirm", args=[run.pk])
    assert client.get(confirm_url).status_code == 405
    done = client.post(confirm_url, follow=True)
    assert "6 điểm tiêu chí mới, 0 cập nhật, 0 không đổi" in done.text
    result = Result.objects.get(province=bac_kan, index__code="PAPI", year=2016)
    assert (result.total, result.maximum, result.rank, result.rank_of, result.band) == (
        Decimal("35.61"),
        Decimal("60"),  # the edition's maximum
        35,
        63,
        "Trung bình thấp",
    )
    scores = dict(result.scores.values_list("criterion__code", "achieved"))
    assert scores == {
        "1": Decimal("5.35"),
        "2": Decimal("4.45"),
        "3": Decimal("5.45"),
        "4": Decimal("5.9"),
        "5": Decimal("7.19"),
        "6": Decimal("6.68"),
    }
    # The index page now shows the tree of that year with the imported scores.
    assert [n.criterion.code for n in done.context["tree"]][:2] == ["2", "1"]
    # Confirming the same preview again writes nothing more.
    again = client.post(confirm_url, follow=True)
    assert "đã được xác nhận" in again.text
    assert CriterionScore.objects.filter(result=result).count() == 6


def test_reimport_updates_scores_in_place_and_keeps_what_the_file_does_not_list(
    client, reviewer, bac_kan, tmp_path
):
    result = Result.objects.get(province=bac_kan, index__code="PAPI", year=2016)
    before = {s.criterion.code: s.pk for s in result.scores.select_related("criterion")}
    client.force_login(reviewer)
    upload(client, SAMPLE, bac_kan)
    preview = ResultImport.objects.get()
    assert (
        "<strong>6</strong> không đổi"
        in client.get(reverse("result_import_detail", args=[preview.pk])).text
    )
    corrected = workbook(
        tmp_path,
        [["Mã tiêu chí", "Điểm đạt", "Điểm tối đa"], ["2", "4,75", "10"]],
    )
    response = upload(client, corrected, bac_kan)
    page = client.get(response.url)
    assert "cập nhật (trước: 4,45/10)" in page.text
    done = client.post(
        reverse("result_import_confirm", args=[ResultImport.objects.first().pk]), follow=True
    )
    assert "0 điểm tiêu chí mới, 1 cập nhật, 0 không đổi" in done.text
    after = {
        s.criterion.code: (s.pk, s.achieved) for s in result.scores.select_related("criterion")
    }
    assert after["2"] == (before["2"], Decimal("4.75"))  # same row, new value
    assert after["1"] == (before["1"], Decimal("5.35"))  # not in the file: kept
    result.refresh_from_db()
    assert (result.total, result.rank, result.band) == (Decimal("35.61"), 35, "Trung bình thấp")


def test_every_problem_is_shown_on_its_row_and_nothing_can_be_confirmed(
    client, reviewer, bac_kan, tmp_path
):
    path = workbook(
        tmp_path,
        [
            ["KẾT QUẢ PAPI 2016"],
            ["STT", "Tên tiêu chí", "Điểm đạt", "Điểm tối đa"],
            ["1", "Tham gia", "8,963", "9,5"],  # decimal comma understood
            ["2.", "Công khai", 11, 10],  # above the maximum
            ["9", "Không có", 1, 10],  # unknown code
            ["3", "Trách nhiệm", "khá", 10],  # not a number
            ["1", "Lặp lại", 5, 10],  # duplicate
            ["4", "Kiểm soát tham nhũng", None, None],  # not assessed: allowed
            [None, None, None, None],
            [None, "Thiếu mã", 5, 10],
        ],
    )
    client.force_login(reviewer)
    response = upload(client, path, bac_kan)
    page = client.get(response.url).text
    for message in (
        "Dòng 4: Điểm đạt 11 lớn hơn điểm tối đa 10.",
        "Dòng 5: Mã “9” không có trong PAPI 2011–2017.",
        "Dòng 6: Ô điểm đạt không phải là số: “khá”.",
        "Dòng 7: Mã “1” lặp lại (đã có ở dòng 3).",
        "Dòng 10: Thiếu mã tiêu chí.",
    ):
        assert message in page
    assert "<strong>5</strong> lỗi" in page and "Xác nhận nhập" not in page
    preview = ResultImport.objects.get()
    first = preview.rows[0]
    assert (first["code"], first["achieved"], first["maximum"], first["problems"]) == (
        "1",
        "8,963",
        "9,5",
        [],
    )
    assert preview.rows[5]["achieved"] == "" and preview.rows[5]["maximum"] == "10"
    before = list(CriterionScore.objects.values_list("pk", "achieved", "maximum"))
    refused = client.post(reverse("result_import_confirm", args=[preview.pk]), follow=True)
    assert "Bảng còn lỗi" in refused.text
    assert list(CriterionScore.objects.values_list("pk", "achieved", "maximum")) == before


def test_confirm_writes_nothing_when_one_row_fails(client, reviewer, bac_kan, tmp_path):
    """The edition lost a criterion between preview and confirm: the result's totals and the
    other rows are not written either."""
    area = Criterion.objects.get(edition__index__code="PAPI", edition__first_year=2011, code="2")
    extra = Criterion.objects.create(
        edition=area.edition, parent=area, code="2.9", name="Tạm", level="criterion"
    )
    path = workbook(tmp_path, [["Mã", "Đạt", "Tối đa"], ["1", "6", "10"], ["2.9", "1", "2"]])
    client.force_login(reviewer)
    upload(client, path, bac_kan, total="40", band="Trung bình cao")
    extra.delete()
    response = client.post(
        reverse("result_import_confirm", args=[ResultImport.objects.get().pk]), follow=True
    )
    assert "Mã “2.9” không còn trong PAPI 2011–2017." in response.text
    result = Result.objects.get(province=bac_kan, index__code="PAPI", year=2016)
    assert (result.total, result.band) == (Decimal("35.61"), "Trung bình thấp")
    assert result.scores.get(criterion__code="1").achieved == Decimal("5.35")
    assert ResultImport.objects.get().confirmed_at is None


def test_broken_files_and_wrong_fields_are_refused_with_a_message(
    client, reviewer, bac_kan, tmp_path
):
    client.force_login(reviewer)
    fake = tmp_path / "ket-qua.xlsx"
    fake.write_text("Mã;Đạt;Tối đa\n1;5;10\n", encoding="utf-8")
    response = upload(client, fake, bac_kan)
    assert response.status_code == 400 and "CSV" in response.text
    no_header = workbook(tmp_path, [["a", "b"], [1, 2]], name="khong-tieu-de.xlsx")
    response = upload(client, no_header, bac_kan)
    assert "Không tìm thấy dòng tiêu đề của bảng kết quả" in response.text
    response = upload(client, SAMPLE, bac_kan, year=2005)
    assert "PAPI chưa có phiên bản phương pháp áp dụng năm 2005" in response.text
    response = upload(client, SAMPLE, bac_kan, total="abc", rank="70", rank_of="63")
    assert "Tổng điểm phải là số" in response.text
    assert "Xếp hạng lớn hơn tổng số tỉnh" in response.text
    assert not ResultImport.objects.exists()


def test_only_reviewers_of_the_province_and_administrators_import(
    client, bac_kan, reviewer, leader, staff_tuphap, other_reviewer, administrator
):
    client.force_login(reviewer)
    upload(client, SAMPLE, bac_kan)
    preview = ResultImport.objects.get()
    detail = reverse("result_import_detail", args=[preview.pk])
    confirm = reverse("result_import_confirm", args=[preview.pk])
    for user in (leader, staff_tuphap):
        client.force_login(user)
        assert client.get(reverse("result_import_new")).status_code == 403
        assert client.get(detail).status_code == 403
        assert client.post(confirm).status_code == 403
    client.force_login(other_reviewer)
    assert client.get(detail).status_code == 404
    assert client.post(confirm).status_code == 404
    assert upload(client, SAMPLE, bac_kan).status_code == 400  # not a province they may choose
    assert ResultImport.objects.get().confirmed_at is None
    client.force_login(administrator)
    assert client.get(detail).status_code == 200

"""The import preview page as a reviewer reads it: Vietnamese words and dd/mm/yyyy dates, the
summary first, rows grouped by section with the sections that need no look folded, and every
warning a link to its row. And `import_annex`, which prints the same words."""

import io
import re

import lxml.html
import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from plans.models import ImportRun
from tests.plans.test_import import PAPI_XLS, PAPI_XLSX, PLAN_2022
from tests.plans.test_import_revision_preview import confirm, revised_papi
from tests.plans.test_import_revision_preview import papi_plan as papi_plan_fixture  # noqa: F401
from tests.plans.test_import_web import upload

pytestmark = pytest.mark.django_db

ENGLISH = re.compile(
    r"\b(created|updated|moved|restored|unchanged|withdrawn|weekly|monthly|quarterly|"
    r"half_yearly|yearly|reporting_period|fixed|range|ongoing|recurring|event|unparsed|"
    r"matched|aliased|expanded|number|description|expected_result|lead|support|deadline)\b",
    re.IGNORECASE,
)
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
DAY = re.compile(r"\b\d{2}/\d{2}/\d{4}\b")


def page_of(response) -> lxml.html.HtmlElement:
    assert response.status_code == 200
    return lxml.html.document_fromstring(response.content.decode())


def visible_text(page: lxml.html.HtmlElement) -> str:
    """What a reader sees (and a screen reader reads): the text, without scripts or styles;
    titles and other attributes included, the ids and classes of the markup not."""
    for element in page.xpath("//script | //style"):
        element.drop_tree()
    titles = " ".join(page.xpath("//@title | //@aria-label | //@alt"))
    return f"{page.text_content()} {titles}"


def sections(page) -> list[dict]:
    return [
        {
            "heading": section.xpath("string(h3)"),
            "counts": section.xpath("string(p[@class='meta'])"),
            "open": bool(section.xpath("details[@open]")),
            "rows": section.xpath(".//tbody/tr/@id"),
        }
        for section in page.xpath("//section[@class='import-section']")
    ]


def preview(client, path, province, **fields):
    response = upload(client, path, province=province.pk, **fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    return page_of(client.get(response.url))


def annex_with_warnings(tmp_path):
    """The 2018 PAPI annex with three things to warn about: task 5.1 without a lead (row 30),
    task 6.1's deadline too vague to read ("đầu năm 2018", row 36), and a notes column beside
    the table (its header, F4, is not a task's row)."""
    workbook = openpyxl.load_workbook(PAPI_XLSX)
    sheet = workbook.active
    assert (sheet["A30"].value, sheet["A36"].value) == ("5.1", "6.1")
    sheet["C30"] = None
    sheet["E36"] = "đầu năm 2018"
    sheet["F4"] = "Ghi chú"
    path = tmp_path / "phu-luc-can-xem.xlsx"
    workbook.save(path)
    return path


@pytest.mark.parametrize(
    ("path", "fields", "meanings"),
    [
        (
            PLAN_2022,
            {"plan_number": "KH-2022", "year": "2022"},
            [
                "Khoảng thời gian: từ 01/07/2022 đến 31/12/2022, định kỳ theo kỳ báo cáo",
                "Thường xuyên: từ 01/01/2022",
                "Theo sự kiện",
            ],
        ),
        (
            PAPI_XLSX,
            {},
            [
                "Khoảng thời gian: từ 01/04/2018 đến 30/06/2018",
                "Định kỳ: hàng quý",
                "Thường xuyên: từ 01/01/2018",
            ],
        ),
        (PAPI_XLS, {}, ["Khoảng thời gian: từ 01/04/2018 đến 30/06/2018", "Định kỳ: hàng quý"]),
    ],
    ids=["2022-xlsx", "papi-xlsx", "papi-xls"],
)
def test_preview_of_each_real_annex_is_in_vietnamese_with_dd_mm_yyyy_dates(
    client, reviewer, bac_kan, path, fields, meanings
):
    client.force_login(reviewer)
    text = visible_text(preview(client, path, bac_kan, **fields))
    assert not ENGLISH.findall(text)
    assert not ISO_DATE.findall(text)
    assert DAY.search(text)
    for meaning in meanings:
        assert meaning in text
    assert "Mới" in text and "B: nhiệm vụ" in text


def test_summary_comes_first_and_says_what_confirming_will_do(client, reviewer, bac_kan):
    client.force_login(reviewer)
    page = preview(client, PLAN_2022, bac_kan, plan_number="KH-2022", year="2022")
    headings = [h.text_content() for h in page.xpath("//main//h2")]
    assert headings[0] == "Tóm tắt"
    assert headings.index("Tóm tắt") < headings.index("Nhiệm vụ theo mục (70)")
    summary = page.xpath("string(//section[h2='Tóm tắt'])")
    assert "70 nhiệm vụ mới" in " ".join(summary.split())
    assert "0 cảnh báo" in " ".join(summary.split())
    assert "tạo kế hoạch KH-2022 năm 2022" in summary
    assert "thêm 70 nhiệm vụ mới" in summary
    # The columns read, in the sheet's order (the stored report's keys have none on PostgreSQL).
    columns = page.xpath("//h2[.='Trang tính']/following-sibling::table[1]//tbody/tr[1]/td[3]")
    assert " ".join(columns[0].text_content().split()) == (
        "A: TT B: nhiệm vụ C: phối hợp D: thời gian"
    )
    # A first import: every section shown, each with its heading and counts.
    found = sections(page)
    assert len(found) == 14 and all(s["open"] for s in found)
    assert found[0]["heading"] == "Phụ lục I – I. SỞ NỘI VỤ CHỦ TRÌ THỰC HIỆN"
    assert found[0]["counts"] == "7 nhiệm vụ: 7 mới"
    assert sum(len(s["rows"]) for s in found) == 70
    # "Các sở, ban, ngành" read as 19 departments: folded under the words the annex wrote.
    [first_row] = page.xpath("//tr[@id='dong-phu-luc-i-7']")
    folded = first_row.xpath(".//details[@class='agencies']/summary/text()")
    assert folded == ["Các sở, ban, ngành: 19 cơ quan"]


def test_unchanged_reimport_folds_every_section(client, reviewer, bac_kan):
    client.force_login(reviewer)
    upload(client, PLAN_2022, province=bac_kan.pk, plan_number="KH-2022", year="2022")
    assert confirm(client, ImportRun.objects.get().pk).status_code == 302
    page = preview(client, PLAN_2022, bac_kan, plan_number="KH-2022", year="2022")
    found = sections(page)
    assert len(found) == 14
    assert not any(s["open"] for s in found)
    assert found[-1]["counts"] == "18 nhiệm vụ: 18 không đổi"
    summary = " ".join(page.xpath("string(//section[h2='Tóm tắt'])").split())
    assert "70 không đổi" in summary
    assert "không thay đổi nhiệm vụ nào" in summary
    assert not ENGLISH.findall(visible_text(page))


@pytest.mark.usefixtures("papi_plan_fixture")  # the PAPI plan imported, with recorded work
def test_revised_reimport_opens_the_sections_that_change_and_folds_the_rest(
    client, bac_kan, tmp_path
):
    page = preview(client, revised_papi(tmp_path), bac_kan)
    found = {s["heading"]: s for s in sections(page)}
    changed = found["Phụ lục – 1. Tham gia của người dân ở cấp cơ sở"]
    assert changed["open"] and changed["counts"] == "4 nhiệm vụ: 1 sửa nội dung, 3 không đổi"
    assert found["Phụ lục – 2. Công khai, minh bạch"]["open"]
    assert [s["open"] for s in found.values()] == [True, True, False, False, False, False]
    # The risks and the choice link to rows that are shown.
    targets = page.xpath("//main//a[starts-with(@href, '#dong-')]/@href")
    assert targets
    for target in targets:
        [row] = page.xpath(f"//tr[@id='{target[1:]}']")
        assert row.xpath("ancestor::details[@open]")
    text = visible_text(page)
    assert "Sửa nội dung" in text and "Rút khỏi kế hoạch" in text
    assert not ENGLISH.findall(text) and not ISO_DATE.findall(text)


def check_warning_links(page) -> list[str]:
    """Each warning about a task row links to that row, which is on the page in an open
    section; returns the warnings' texts."""
    items = page.xpath("//h2[starts-with(., 'Cảnh báo')]/following-sibling::ul[1]/li")
    for item in items:
        for href in item.xpath("a/@href"):
            [row] = page.xpath(f"//tr[@id='{href[1:]}']")
            assert row.xpath("ancestor::details[@open]"), href
            assert f"dòng {row.xpath('string(td[1])')} " in item.text_content()
            assert row.xpath(".//p[@class='row-warning']")
    return [" ".join(item.text_content().split()) for item in items]


def test_each_warning_names_its_place_and_links_to_its_row(client, reviewer, bac_kan, tmp_path):
    client.force_login(reviewer)
    path = annex_with_warnings(tmp_path)
    page = preview(client, path, bac_kan)
    warnings = check_warning_links(page)
    assert warnings == [
        "Phụ lục, dòng 4 (ô F4): Cột “Ghi chú” không được nhập (không phải cột của bảng nhiệm vụ).",
        "Phụ lục, dòng 30 (ô B30): Nhiệm vụ chưa có cơ quan chủ trì.",
        "Phụ lục, dòng 36 (ô E36): Chưa hiểu được thời gian thực hiện “đầu năm 2018”: giữ "
        "nguyên văn bản.",
    ]
    deadlines = {
        row: " ".join(page.xpath(f"string(//tr[@id='dong-phu-luc-{row}']/td[6]/small)").split())
        for row in (36, 37)
    }
    assert deadlines == {
        36: "→ Chưa hiểu được: giữ nguyên văn",  # "đầu năm 2018"
        37: "→ Không ghi thời gian",  # the cell is empty
    }
    links = page.xpath("//ul[@class='warnings']//a/@href")
    assert links == ["#dong-phu-luc-30", "#dong-phu-luc-36"]  # the header row is no task's row
    summary = " ".join(page.xpath("string(//section[h2='Tóm tắt'])").split())
    assert "3 cảnh báo" in summary
    assert page.xpath("//section[h2='Tóm tắt']//a[@href='#canh-bao']")

    # Imported, then the same file again: nothing changes, yet the warned rows stay in sight.
    assert confirm(client, ImportRun.objects.get().pk).status_code == 302
    again = preview(client, path, bac_kan)
    assert len(check_warning_links(again)) == 3
    opened = {s["heading"]: s["open"] for s in sections(again)}
    assert opened == {
        "Phụ lục – 1. Tham gia của người dân ở cấp cơ sở": False,
        "Phụ lục – 2. Công khai, minh bạch": False,
        "Phụ lục – 3. Trách nhiệm giải trình với nhân dân": False,
        "Phụ lục – 4. Kiểm soát tham nhũng trong khu vực công": False,
        "Phụ lục – 5. Thủ tục hành chính": True,
        "Phụ lục – 6. Cung ứng dịch vụ công": True,
    }
    assert "1 cảnh báo" in again.xpath("string(//section[h3='Phụ lục – 5. Thủ tục hành chính'])")


def test_confirmation_message_and_command_line_count_tasks_in_the_same_words(
    client, reviewer, bac_kan, tmp_path
):
    path = annex_with_warnings(tmp_path)
    out = io.StringIO()
    call_command("import_annex", str(path), "--province", "Bắc Kạn", "--dry-run", stdout=out)
    printed = out.getvalue()
    assert (
        "  32 nhiệm vụ mới, 0 sửa nội dung, 0 chuyển mục, 0 khôi phục, 0 không đổi, "
        "0 rút khỏi kế hoạch\n" in printed
    )
    assert "(A: TT, B: nhiệm vụ, C: chủ trì, D: phối hợp, E: thời gian)" in printed
    assert "Cảnh báo, Phụ lục, dòng 30 (ô B30): Nhiệm vụ chưa có cơ quan chủ trì." in printed
    assert not ENGLISH.findall(printed.replace("--accept-suggestions", ""))

    client.force_login(reviewer)
    upload(client, path, province=bac_kan.pk)
    done = client.post(reverse("plans:import_confirm", args=[ImportRun.objects.latest("pk").pk]))
    message = " ".join(client.get(done.url).content.decode().split())
    assert (
        "Đã nhập: 32 nhiệm vụ mới, 0 sửa nội dung, 0 chuyển mục, 0 khôi phục, 0 không đổi, "
        "0 rút khỏi kế hoạch." in message
    )


def test_a_long_list_of_agencies_no_longer_named_is_folded(client, reviewer, bac_kan, tmp_path):
    """Task 5.1's lead ("Các sở, ban, ngành; UBND cấp huyện, cấp xã": well over a hundred
    agencies) emptied in a revision: the row and the list of lost agencies say how many, and
    name them all only when unfolded."""
    client.force_login(reviewer)
    upload(client, PAPI_XLSX, province=bac_kan.pk)
    assert confirm(client, ImportRun.objects.get().pk).status_code == 302
    page = preview(client, annex_with_warnings(tmp_path), bac_kan)
    [row] = page.xpath("//tr[@id='dong-phu-luc-30']")
    [folded] = row.xpath(".//details[@class='agencies']")
    count = int(re.fullmatch(r"không còn giao: (\d+) cơ quan", folded.xpath("string(summary)"))[1])
    assert count > 100
    assert len(folded.xpath("span[@class='tag']")) == count
    losses = page.xpath(
        "//h2[starts-with(., 'Cơ quan không còn được giao')]/following-sibling::ul[1]"
    )
    assert f"không còn giao: {count} cơ quan" in losses[0].text_content()


def _agencies_shown(page) -> dict[str, str]:
    """Each row's agencies cells as the reader sees them, by row id."""
    return {
        row.get("id"): " ".join(" ".join(cell.text_content().split()) for cell in row.xpath("td"))
        for row in page.xpath("//section[@class='import-section']//tbody/tr")
    }


def test_run_stores_each_set_of_agencies_once_and_old_runs_still_show_theirs(
    client, reviewer, bac_kan
):
    client.force_login(reviewer)
    response = upload(client, PLAN_2022, province=bac_kan.pk, plan_number="KH-2022", year="2022")
    run = ImportRun.objects.get()
    page = page_of(client.get(response.url))
    shown = _agencies_shown(page)
    assert len(shown) == 70
    # The 70 rows name far fewer distinct sets of agencies, each written once in the run.
    summary = run.summary
    sets = summary["agency_sets"]
    assert len(sets) < 70
    assert len({repr(s) for s in sets}) == len(sets)
    assert all("lead" not in row and 0 <= row["agencies"] < len(sets) for row in summary["rows"])
    assert "Sở Nội vụ" in " ".join(shown.values())

    # A run stored before (each row holding its agencies) reads the same.
    old = {
        **{key: value for key, value in summary.items() if key != "agency_sets"},
        "rows": [
            {**{k: v for k, v in row.items() if k != "agencies"}, **sets[row["agencies"]]}
            for row in summary["rows"]
        ],
    }
    ImportRun.objects.filter(pk=run.pk).update(summary=old)
    assert _agencies_shown(page_of(client.get(response.url))) == shown

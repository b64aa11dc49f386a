"""The search box's reading of a query: words in any order, folded, and the standard
abbreviations of Vietnamese administration both ways (parindex.core.search)."""

import pytest

from parindex.core.search import ABBREVIATIONS, search_terms, words
from parindex.core.text import fold


def matches(query: str, text: str) -> bool:
    """What the list's filter asks of a row, done in Python: every term has an alternative
    whose strings all occur in the row's folded text."""
    folded = fold(text)
    return all(
        any(all(part in folded for part in alternative) for alternative in term)
        for term in search_terms(query)
    )


def test_words_are_folded_and_stripped_of_surrounding_punctuation():
    assert words("  Sở NỘI   vụ, (PCI) “TTHC” - ") == ("so", "noi", "vu", "pci", "tthc")
    assert words("1.1 KT-XH TT&TT 22/KH-UBND") == ("1.1", "kt-xh", "tt&tt", "22/kh-ubnd")
    assert search_terms("") == [] and search_terms(" - , ") == []


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("hành chính cải cách", "Đẩy mạnh cải cách hành chính"),  # any order
        ("CAI CACH", "đẩy mạnh Cải Cách hành chính"),  # no case, no diacritics
        ("cong khai ngan sach", "Công khai ngân sách xã"),
        ("thủ tục tỉnh", "rà soát thủ tục của UBND tỉnh"),
    ],
)
def test_every_word_is_required_in_any_order(query, text):
    assert matches(query, text)


def test_a_word_missing_from_the_text_fails_the_row():
    assert not matches("cải cách tài chính", "Đẩy mạnh cải cách hành chính")


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("cải cách hành chính", "Nâng cao Chỉ số CCHC năm 2022"),
        ("CCHC", "Đẩy mạnh cải cách hành chính"),
        ("thủ tục hành chính", "công khai TTHC đầy đủ"),
        ("tthc", "Công khai thủ tục hành chính"),
        ("văn bản quy phạm pháp luật", "rà soát VBQPPL do tỉnh ban hành"),
        ("VBQPPL", "kiểm tra văn bản quy phạm pháp luật"),
        ("Ủy ban nhân dân tỉnh", "UBND tỉnh chỉ đạo"),
        ("ubnd tinh", "Uỷ ban nhân dân tỉnh chỉ đạo"),  # "Uỷ" and "Ủy" fold alike
        ("HĐND", "báo cáo Hội đồng nhân dân tỉnh"),
        ("cán bộ công chức viên chức", "đội ngũ CBCCVC"),
        ("CBCCVC", "kỷ luật của đội ngũ cán bộ, công chức, viên chức"),
        ("dịch vụ công", "tỷ lệ hồ sơ DVC"),
        ("DVC", "Cổng dịch vụ công quốc gia"),
        ("CNTT", "ứng dụng công nghệ thông tin trong tuyển dụng"),
        ("công nghệ thông tin", "hạ tầng CNTT"),
        ("PAR INDEX", "nâng cao Chỉ số cải cách hành chính"),
        ("chỉ số cải cách hành chính", "bộ tiêu chí PAR INDEX năm 2022"),
        ("chỉ số cải cách hành chính", "Chỉ số CCHC"),
        ("SIPAS", "Chỉ số hài lòng của người dân"),
        ("PAPI", "Chỉ số hiệu quả quản trị và hành chính công cấp tỉnh"),
        ("kinh tế xã hội", "phát triển KT-XH"),
        ("KT-XH", "phát triển kinh tế - xã hội"),
        ("đơn vị hành chính", "sắp xếp ĐVHC cấp xã"),
        ("ĐVHC", "sắp xếp đơn vị hành chính"),
        ("thông tin điện tử", "trên Cổng TTĐT tỉnh"),
        ("Sở TT&TT", "Sở Thông tin và Truyền thông"),
    ],
)
def test_an_abbreviation_finds_its_words_and_the_words_find_it(query, text):
    assert matches(query, text)


def test_an_abbreviation_beside_other_words_still_requires_them():
    assert matches("CCHC năm 2022", "Chỉ số cải cách hành chính năm 2022")
    assert not matches("CCHC năm 2023", "Chỉ số cải cách hành chính năm 2022")


def test_a_query_is_a_few_substring_tests_per_word():
    """What keeps the search one pass over the rows: "cải cách hành chính" is the four words
    or "cchc", not every ordering or combination."""
    assert search_terms("cải cách hành chính") == [(("cai", "cach", "hanh", "chinh"), ("cchc",))]
    assert search_terms("CCHC tỉnh") == [(("cchc",), ("cai cach hanh chinh",)), (("tinh",),)]
    # Overlapping forms are read together, and the ways of reading them stay few.
    assert len(search_terms("chỉ số cải cách hành chính")[0]) == 4


def test_every_line_of_the_table_reads_both_ways():
    for line in ABBREVIATIONS:
        for query in line:
            for text in line:
                assert matches(query, text), (query, text)

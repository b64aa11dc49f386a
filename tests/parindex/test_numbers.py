"""The Vietnamese number format, both ways: what pages show and what forms and workbooks hold."""

from decimal import Decimal

import pytest

from parindex.core.numbers import (
    as_decimal,
    format_decimal,
    format_integer,
    format_percent,
    format_size,
    parse_number,
    parse_shown,
    parse_typed,
)


@pytest.mark.parametrize(
    "value, shown",
    [
        (Decimal("5.55"), "5,55"),
        (Decimal("10.00"), "10"),
        (Decimal("0.5370"), "0,537"),
        (Decimal("100"), "100"),
        (4.5, "4,5"),
        ("8.963", "8,963"),
        (None, ""),
        ("", ""),
    ],
)
def test_a_decimal_is_shown_with_the_comma_and_only_the_decimals_it_has(value, shown):
    assert format_decimal(value) == shown


def test_thousands_are_grouped_with_dots():
    assert format_integer(20000) == "20.000"
    assert format_integer(1234567) == "1.234.567"
    assert format_integer(999) == "999"


def test_a_percentage_has_one_decimal_and_the_comma():
    assert format_percent(2, 3) == "66,7%"
    assert format_percent(1, 1) == "100,0%"
    assert format_percent(0, 0) == "0%"


def test_a_size_is_shown_in_megabytes_or_kilobytes():
    assert format_size(20 * 1024 * 1024) == "20 MB"
    assert format_size(int(25.3 * 1024 * 1024)) == "25,3 MB"
    assert format_size(512 * 1024) == "512 KB"
    assert format_size(10) == "1 KB"


@pytest.mark.parametrize(
    "raw, number",
    [
        ("4,5", Decimal("4.5")),
        ("4.5", Decimal("4.5")),
        ("1.234,5", Decimal("1234.5")),
        ("1.234.567", Decimal("1234567")),
        ("10", Decimal("10")),
        ("0,537", Decimal("0.537")),
        ("", None),
        ("abc", None),
        ("1,2,3", None),
    ],
)
def test_a_written_number_is_read_with_the_decimal_comma(raw, number):
    assert parse_number(raw) == number


@pytest.mark.parametrize(
    "text, number",
    [
        ("4,5", Decimal("4.5")),
        ("4.5", Decimal("4.5")),
        (" 1 234,5 ", Decimal("1234.5")),
        ("10", Decimal("10")),
        ("0,537", Decimal("0.537")),
        (None, None),
        ("", None),
        ("   ", None),
    ],
)
def test_a_typed_number_is_read_and_blank_is_none(text, number):
    assert parse_typed(text) == number


@pytest.mark.parametrize("text", ["abc", "4,5 điểm", "-1", "+1", "NaN", "Infinity", "1,2,3"])
def test_a_typed_value_that_is_not_a_number_is_refused(text):
    with pytest.raises(ValueError):
        parse_typed(text)


def test_what_is_shown_reads_back_to_the_same_number():
    for value in (Decimal("4.5"), Decimal("10"), Decimal("0.537"), Decimal("1234.5")):
        assert parse_shown(format_decimal(value)) == value
    assert parse_shown("") is None
    assert parse_shown(None) is None


def test_a_stored_value_becomes_a_decimal_never_a_float():
    assert as_decimal(84.69) == Decimal("84.69")
    assert as_decimal("84.69") == Decimal("84.69")
    assert as_decimal(None) is None
    assert as_decimal("") is None

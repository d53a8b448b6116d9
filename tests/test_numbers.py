"""Number parsing, finding and formatting."""

from __future__ import annotations

import re

import pytest

from qa_service.text.numbers import SCALE_WORDS, find_numbers, format_number, numbers_in, parse_number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2,084", 2084.0),
        ("14171", 14171.0),
        ("1.5", 1.5),
        ("1/4", 0.25),
        ("twelve", 12.0),
        ("Seventeen", 17.0),
        ("fifty", 50.0),
        ("twenty-five", 25.0),
        ("a thousand", 1000.0),
        ("three hundred", 300.0),
        ("one hundred and twenty", 120.0),
        ("one and half", 1.5),
        ("one and a half million", 1_500_000.0),
        ("half a million", 500_000.0),
        ("two dozen", 24.0),
        ("2.5 million", 2_500_000.0),
        ("4 Billion", 4e9),
        ("US$ 30M", 30_000_000.0),
        ("$7bn", 7e9),
        ("12.4%", 12.4),
        ("-3", -3.0),
    ],
)
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "na", "n/a", "the program", "12 projects", "BK21", "12th", "a", "half"])
def test_parse_number_rejects(text: str) -> None:
    assert parse_number(text) is None


def test_scale_words() -> None:
    assert SCALE_WORDS["million"] == 1e6
    assert SCALE_WORDS["bn"] == SCALE_WORDS["b"] == 1e9
    assert SCALE_WORDS["k"] == 1e3
    assert SCALE_WORDS["trillion"] == 1e12


def test_numbers_in_compares_written_forms() -> None:
    assert numbers_in("2,330") == numbers_in("2330") == [2330.0]
    assert numbers_in("about 2.5 million") == [2_500_000.0]
    assert numbers_in("roughly two and a half million") == [2_500_000.0]
    assert numbers_in("Eleven towns and 4,200 firms, up 7.5%") == [11.0, 4200.0, 7.5]


def test_numbers_in_skips_parts_of_words() -> None:
    assert numbers_in("the 3rd round of BK21 in Km2 units") == []
    assert numbers_in("someone often waits") == []


def test_find_numbers_offsets_and_scale() -> None:
    text = "between four and six million euros"
    found = find_numbers(text)
    assert [text[n.start : n.end] for n in found] == ["four", "six million"]
    assert found[1].value == 6e6 and found[1].scale == 1e6 and found[1].is_word
    assert found[0].scale == 1.0


def test_fraction_is_not_a_date() -> None:
    assert numbers_in("about 3/4 of the land") == [0.75]
    assert 24 / 7 not in numbers_in("open 24/7")


@pytest.mark.parametrize(
    ("value", "compact", "text"),
    [
        (2330.0, False, "2,330"),
        (2.5, False, "2.5"),
        (0.25, False, "0.25"),
        (3_200_000.0, False, "3,200,000"),
        (3_200_000.0, True, "3.2 million"),
        (1.2e12, True, "1.2 trillion"),
        (950.0, True, "950"),
    ],
)
def test_format_number(value: float, compact: bool, text: str) -> None:
    assert format_number(value, compact=compact) == text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("two hundred and five thousand", 205_000.0),
        ("one million two hundred thousand", 1_200_000.0),  # word2number, dropped, read 1,201,200
        ("nine hundred ninety-nine", 999.0),
        ("a hundred", 100.0),
        ("twenty-one thousand", 21_000.0),
    ],
)
def test_integer_words_are_read_without_a_library(text: str, value: float) -> None:
    assert parse_number(text) == value


def test_one_year_pattern() -> None:
    from qa_service.text.numbers import YEAR, YEAR_DIGITS

    assert [m.group() for m in YEAR.finditer("In 2005, 2,005 firms (12.2004) and 1998-2001; 2150")] == [
        "2005",
        "1998",
        "2001",
    ]
    assert re.fullmatch(YEAR_DIGITS, "1850") and not re.fullmatch(YEAR_DIGITS, "2150")


def test_bn_and_mn_after_a_space_are_scales() -> None:
    # slides and tables write "KRW 312.5 bn", "USD 4.5 mn"; "bn" and "mn" are no English words
    assert numbers_in("Total project cost: KRW 312.5 bn") == [312.5e9]
    assert numbers_in("USD 4.5 mn a year") == [4.5e6]
    assert numbers_in("the 3 mnemonics") == [3.0]
    assert numbers_in("2 BN units") == [2.0]

"""Number values: the issue's examples, edge cases, and every number in the seed texts."""

from __future__ import annotations

import re

import pytest

from annotator.services.japanese import NumberValue, find_numbers, parse_number
from ja_seeds import SEED_000, SEED_003, seed


@pytest.mark.parametrize(
    ("span", "value", "unit", "approx", "bound"),
    [
        ("100万発", 1_000_000, "発", False, None), ("約4,000人", 4000, "人", True, None),
        ("最大 3 万人", 30000, "人", False, "upper"), ("2400マイル", 2400, "マイル", False, None),
        ("1万人を超える", 10000, "人", False, "lower"), ("４，０００人", 4000, "人", False, None),
        ("1.5万", 15000, None, False, None), ("三", 3, None, False, None), ("十二人", 12, "人", False, None),
        ("二千", 2000, None, False, None), ("一万二千人", 12000, "人", False, None),
        ("1億2000万円", 120_000_000, "円", False, None), ("100人以上", 100, "人", False, "lower"),
        ("100人超", 100, "人", False, "lower"), ("100人余り", 100, "人", True, "lower"),
        ("100人以下", 100, "人", False, "upper"), ("100人未満", 100, "人", False, "upper"),
        ("最高5回", 5, "回", False, "upper"), ("およそ3割", 3, "割", True, None), ("ほぼ50%", 50, "%", True, None),
        ("10人程度", 10, "人", True, None), ("10人ほど", 10, "人", True, None), ("10人前後", 10, "人", True, None),
        ("１．５倍", 1.5, "倍", False, None), ("152mm", 152, "mm", False, None),
    ],
)
def test_values_units_and_markers(span: str, value: float, unit: str | None, approx: bool, bound: str | None) -> None:
    v = parse_number(span)
    assert (v.value, v.unit, v.approx, v.bound) == (value, unit, approx, bound)
    assert type(v.value) is type(value)


def test_bound_inclusiveness() -> None:
    assert parse_number("100人以上").inclusive is True
    assert parse_number("100人超").inclusive is False
    assert parse_number("1万人を超える").inclusive is False
    assert parse_number("100人未満").inclusive is False
    assert parse_number("最大 3 万人").inclusive is True


def test_ranges_share_the_second_multiplier() -> None:
    v = parse_number("3〜4万人")
    assert (v.value, v.low, v.high, v.unit) == (None, 30000, 40000, "人")
    v = parse_number("3万～4万人")
    assert (v.low, v.high) == (30000, 40000)


def test_several() -> None:
    v = parse_number("数千人")
    assert (v.value, v.low, v.high, v.unit, v.approx) == (None, 2000, 9000, "人", True)


def test_dates_and_times() -> None:
    assert parse_number("2023年9月12日").iso == "2023-09-12"
    assert parse_number("2023年9月").kind == "date"
    assert parse_number("9月12日").iso == "--09-12"
    assert parse_number("13 Jul 2025").iso == "2025-07-13"
    assert parse_number("06:07:57") == NumberValue(None, kind="time", iso="06:07:57")
    assert parse_number("5時30分").iso == "05:30"
    assert parse_number("3年").unit == "年" and parse_number("3年").kind == "quantity"


def test_not_numbers() -> None:
    assert find_numbers("一方、統一された十分な量") == []
    assert find_numbers("mig27 GMT9") == []
    assert parse_number("なし") == NumberValue(None)


# Every numeric expression of the seed texts, in order: (text, kind, value, unit, approx, bound, iso).
# Decisions: dates (年/月/日, "13 Jul 2025") and clock times are kind date/time with an ISO form
# and no value; 6日間/5時間 are durations (quantities); numbers inside names ("Geranium 2",
# "Shahed 136", "MiG-27") and "Since 1975" are found as bare quantities without a unit (the
# finder cannot know they are names); "mig27" and "GMT9" (glued to Latin letters) are not
# numbers; 一方, 多数, 両国, 半分 are not numbers.
SEED_000_TABLE = [
    ("2023年9月", "date", None, None, False, None, "2023-09"),
    ("一つ", "quantity", 1, "つ", False, None, None),
    ("2023年9月", "date", None, None, False, None, "2023-09"),
    ("6日間", "quantity", 6, "日間", False, None, None),
    ("2023年9月12日", "date", None, None, False, None, "2023-09-12"),
    ("9月12日", "date", None, None, False, None, "--09-12"),
    ("6日間", "quantity", 6, "日間", False, None, None),
    ("2400マイル", "quantity", 2400, "マイル", False, None, None),
    ("約3862キロ", "quantity", 3862, "キロ", True, None, None),
    ("5時間", "quantity", 5, "時間", False, None, None),
    ("5機", "quantity", 5, "機", False, None, None),
    ("2", "quantity", 2, None, False, None, None),
    ("136", "quantity", 136, None, False, None, None),
    ("1機", "quantity", 1, "機", False, None, None),
    ("2023年7月30日", "date", None, None, False, None, "2023-07-30"),
    ("152mm", "quantity", 152, "mm", False, None, None),
    ("24時間", "quantity", 24, "時間", False, None, None),
    ("11月2日", "date", None, None, False, None, "--11-02"),
    ("8月", "date", None, None, False, None, "--08"),
    ("100万発以上", "quantity", 1_000_000, "発", False, "lower", None),
    ("2012年4月8日", "date", None, None, False, None, "2012-04-08"),
    ("3号", "quantity", 3, "号", False, None, None),
    ("三本", "quantity", 3, "本", False, None, None),
    ("三番目", "ordinal", 3, "番目", False, None, None),
    ("27", "quantity", 27, None, False, None, None),
    ("第3世代", "ordinal", 3, "世代", False, None, None),
    ("第4", "ordinal", 4, None, False, None, None),
    ("第5世代", "ordinal", 5, "世代", False, None, None),
    ("一つ", "quantity", 1, "つ", False, None, None),
    ("1967年", "date", None, None, False, None, "1967"),
    ("第3次", "ordinal", 3, "次", False, None, None),
    ("1973年", "date", None, None, False, None, "1973"),
    ("第4次", "ordinal", 4, "次", False, None, None),
]
SEED_003_TABLE = [
    ("1975", "quantity", 1975, None, False, None, None),
    ("13 Jul 2025", "date", None, None, False, None, "2025-07-13"),
    ("06:07:57", "time", None, None, False, None, "06:07:57"),
    ("13 Jul 2025", "date", None, None, False, None, "2025-07-13"),
    ("06:07:57", "time", None, None, False, None, "06:07:57"),
    ("第 4 条", "ordinal", 4, "条", False, None, None),
    ("9月", "date", None, None, False, None, "--09"),
    ("数千人", "quantity", None, "人", True, None, None),
    ("2つ", "quantity", 2, "つ", False, None, None),
    ("2024年", "date", None, None, False, None, "2024"),
    ("1万人を超える", "quantity", 10000, "人", False, "lower", None),
    ("約4,000人", "quantity", 4000, "人", True, None, None),
    ("1個", "quantity", 1, "個", False, None, None),
    ("2つ", "quantity", 2, "つ", False, None, None),
    ("数万発", "quantity", None, "発", True, None, None),
    ("第二", "ordinal", 2, None, False, None, None),
    ("最大 3 万人", "quantity", 30000, "人", False, "upper", None),
    ("一つ", "quantity", 1, "つ", False, None, None),
]


@pytest.mark.parametrize(("name", "table"), [(SEED_000, SEED_000_TABLE), (SEED_003, SEED_003_TABLE)])
def test_every_number_in_the_seed_texts(name: str, table: list[tuple]) -> None:  # type: ignore[type-arg]
    text = seed(name)
    found = find_numbers(text)
    got = [(m.text, m.value.kind, m.value.value, m.value.unit, m.value.approx, m.value.bound, m.value.iso) for m in found]
    assert got == table
    assert all(text[m.start : m.end] == m.text for m in found)


@pytest.mark.parametrize("name", [SEED_000, SEED_003])
def test_no_digit_of_the_seed_texts_is_missed(name: str) -> None:
    text = seed(name)
    covered = {i for m in find_numbers(text) for i in range(m.start, m.end)}
    ignored = {m.start() + k for m in re.finditer(r"mig27|GMT9", text) for k in range(len(m.group()))}
    missed = [i for i, c in enumerate(text) if c.isdigit() and i not in covered | ignored]
    assert missed == []


def test_ranges_of_several_in_the_seed() -> None:
    found = {m.text: m.value for m in find_numbers(seed(SEED_003))}
    assert (found["数千人"].low, found["数千人"].high) == (2000, 9000)
    assert (found["数万発"].low, found["数万発"].high) == (20000, 90000)

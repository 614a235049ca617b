"""Number values: find numeric expressions in Japanese text and normalise them.

Covered: Arabic and full-width digits, digit grouping (4,000 / ４，０００), decimals (1.5万),
kanji numerals (三, 十二, 一万二千), the multipliers 万/億/兆 (100万 = 1000000), a unit or
counter after the number (人, 発, 機, マイル, キロ, mm...), approximation and bound markers
(約, 最大, 以上, を超える...; see :mod:`.number_words`), ordinals (第3, 第二, 三番目), ranges
(3〜4万人: the multiplier of the second number applies to the first when it has none;
``value`` is None, ``low``/``high`` hold the ends), "several" (数千人: low 2000, high 9000,
approximate, value None), dates (2023年9月12日, 9月12日, 2023年, 13 Jul 2025: kind ``date``,
``iso`` = 2023-09-12 / --09-12 / 2023 ...; value None) and clock times (06:07:57, 5時30分:
kind ``time``). Only a 4-digit number before 年 is a year; 3年 is a quantity (3 years).

Not numbers: digits glued to Latin letters (mig27, GMT9: identifiers), a kanji numeral inside
a kanji word (統一) or without a counter (一方), dates in kanji numerals (三月), signs (-5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from annotator.services.japanese.chars import KANJI_CLASS
from annotator.services.japanese.number_words import (
    COUNTERS, KANJI_STOPWORDS, MONTHS, ORDINAL_COUNTERS, PREFIX_MARKERS, PREFIXES, SUFFIX_MARKERS, SUFFIXES,
)
from annotator.services.japanese.numerals import FULLWIDTH, parse_amount


@dataclass(frozen=True, slots=True)
class NumberValue:
    """A normalised number. ``kind`` is ``quantity``, ``ordinal``, ``date`` or ``time``.

    ``value``: the number (None for dates, times, ranges and 数-expressions); ``unit``: the
    counter/unit after it (人, マイル) or None; ``approx``: marked approximate (約, 程度, 数千);
    ``bound``: ``'upper'`` (最大, 以下, 未満) or ``'lower'`` (以上, 超, を超える) or None,
    ``inclusive`` tells whether the bound itself is included (以上 yes, 超 no; None: unknown);
    ``low``/``high``: ends of a range; ``iso``: ISO 8601 form of a date or time;
    ``markers``: the marker words found, in text order.
    """

    value: int | float | None
    unit: str | None = None
    approx: bool = False
    bound: str | None = None
    inclusive: bool | None = None
    kind: str = "quantity"
    low: int | float | None = None
    high: int | float | None = None
    iso: str | None = None
    markers: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class NumberMatch:
    """A numeric expression found in a text: ``text == source[start:end]`` (code points)."""

    start: int
    end: int
    text: str
    value: NumberValue


_AR = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_KJ = r"[〇一二三四五六七八九十百千][〇一二三四五六七八九十百千万億兆]*"
_AMOUNT = rf"(?:{_AR}[ \u3000]?[万億兆千])+(?:{_AR})?|{_AR}|{_KJ}"
_START_RE = re.compile(rf"数[十百千]?[万億兆]?|{_AMOUNT}")
_AMOUNT_RE = re.compile(_AMOUNT)
_DATE_RE = re.compile(r"(\d{4})年(?:(\d{1,2})月(?!間)(?:(\d{1,2})日(?!間))?)?|(\d{1,2})月(?!間)(?:(\d{1,2})日(?!間))?|(\d{1,2})日(?!間)")
_EN_DATE_RE = re.compile(r"(\d{1,2}) ([A-Z][a-z]{2})[a-z]*\.? (\d{4})")
_CLOCK_RE = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?|(\d{1,2})時(?!間)(?:(\d{1,2})分(?!間))?")
_KATAKANA_RE = re.compile(r"[ァ-ヺ][ァ-ヺー]*")
_LATIN_UNIT_RE = re.compile(r"[A-Za-z]{1,3}(?![A-Za-z0-9])")
_KANJI_RE = re.compile(f"[{KANJI_CLASS}]")
_SPACE = " \u3000"


def find_numbers(text: str) -> list[NumberMatch]:
    """Return every numeric expression in ``text``, in order, without overlaps.

    Spans are code points, end-exclusive, and include prefix markers (約, 最大 + one space),
    the unit and suffix markers (以上, を超える). See the module docstring for what counts.
    """
    n = text.translate(FULLWIDTH)
    out: list[NumberMatch] = []
    pos = 0
    while True:
        m = _START_RE.search(n, pos)
        if m is None:
            return out
        found = _expression_at(n, m.start(), m.end())
        if found is None:
            pos = m.start() + 1
            continue
        s, e, value = found
        out.append(NumberMatch(s, e, text[s:e], value))
        pos = e


def parse_number(span_text: str) -> NumberValue:
    """Return the value of a labelled span such as ``約4,000人`` or ``最大 3 万人``.

    Uses the first expression :func:`find_numbers` finds in the span; if there is none, tries
    the stripped span as a bare numeral (三 -> 3); else returns ``NumberValue(None)``.
    """
    found = find_numbers(span_text)
    if found:
        return found[0].value
    return NumberValue(parse_amount(span_text.strip()))


def _expression_at(n: str, s: int, e: int) -> tuple[int, int, NumberValue] | None:
    before = n[s - 1] if s > 0 else ""
    core = n[s:e]
    if before.isascii() and (before.isalnum() or before in "._") and before:
        return None
    if core.startswith("数"):
        return _several(n, s, e)
    clock = _CLOCK_RE.match(n, s)
    if clock and core.isdigit():
        return _with_markers(n, s, clock.end(), _clock_value(clock), allow_suffix=False)
    en = _EN_DATE_RE.match(n, s)
    if en and en.group(2).lower() in MONTHS:
        iso = f"{int(en.group(3)):04d}-{MONTHS[en.group(2).lower()]:02d}-{int(en.group(1)):02d}"
        return s, en.end(), NumberValue(None, kind="date", iso=iso)
    date = _DATE_RE.match(n, s)
    if date and core.isdigit() and _valid_date(date):
        return _with_markers(n, s, date.end(), _date_value(date), allow_suffix=False)
    is_kanji = not core[0].isdigit()
    ordinal = _ordinal_prefix(n, s)
    if is_kanji and ordinal is None and not _kanji_ok(n, s, e):
        return None
    value = parse_amount(core)
    if value is None:
        return None
    end, low, high = e, None, None
    if n[end : end + 1] in ("〜", "～", "~") and (m2 := _AMOUNT_RE.match(n, end + 1)):
        second = parse_amount(m2.group())
        if second is not None:
            low, high, end = _range(core, value, m2.group(), second), second, m2.end()
            value = None
    unit, end = _unit_at(n, end, allow_latin=not is_kanji)
    if unit is None and is_kanji and len(core) == 1 and ordinal is None and not _has_prefix(n, s):
        return None
    kind = "ordinal" if ordinal is not None or unit in ORDINAL_COUNTERS else "quantity"
    start = ordinal if ordinal is not None else s
    return _with_markers(n, start, end, NumberValue(value, unit, kind=kind, low=low, high=high))


def _range(core: str, low: int | float, second_core: str, second: int | float) -> int | float:
    tail = second_core.rstrip("0123456789.,")
    if not any(c in "万億兆" for c in core) and tail and tail[-1] in "万億兆":
        return parse_amount(core + tail[-1]) or low
    return low


def _several(n: str, s: int, e: int) -> tuple[int, int, NumberValue] | None:
    mult = 1
    for c in n[s + 1 : e]:
        mult *= {"十": 10, "百": 100, "千": 1000, "万": 10**4, "億": 10**8, "兆": 10**12}[c]
    if mult == 1:
        return None
    unit, end = _unit_at(n, e, allow_latin=False)
    value = NumberValue(None, unit, approx=True, low=2 * mult, high=9 * mult, markers=("数",))
    return _with_markers(n, s, end, value)


def _kanji_ok(n: str, s: int, e: int) -> bool:
    if any(n.startswith(w, s) for w in KANJI_STOPWORDS):
        return False
    before = n[s - 1] if s > 0 else ""
    return not (_KANJI_RE.match(before) and not _has_prefix(n, s))


def _ordinal_prefix(n: str, s: int) -> int | None:
    i = s - 1
    if i >= 0 and n[i] in _SPACE:
        i -= 1
    return i if i >= 0 and n[i] == "第" else None


def _has_prefix(n: str, s: int) -> bool:
    return _prefix_at(n, s) is not None


def _prefix_at(n: str, s: int) -> tuple[int, str] | None:
    i = s - 1 if s > 0 and n[s - 1] in _SPACE else s
    for p in PREFIXES:
        if n.startswith(p, i - len(p)) and i - len(p) >= 0:
            return i - len(p), p
    return None


def _unit_at(n: str, i: int, allow_latin: bool) -> tuple[str | None, int]:
    """A counter may follow after one space (第 4 条); katakana and Latin units follow directly."""
    j = i + 1 if n[i : i + 1] in (" ", "\u3000") else i
    for c in COUNTERS:
        if n.startswith(c, j) and not c.isascii():
            return c, j + len(c)
        if n.startswith(c, i):
            return c, i + len(c)
    for rx in (_KATAKANA_RE, _LATIN_UNIT_RE) if allow_latin else (_KATAKANA_RE,):
        m = rx.match(n, i)
        if m:
            return m.group(), m.end()
    return None, i


def _with_markers(n: str, s: int, e: int, v: NumberValue, allow_suffix: bool = True) -> tuple[int, int, NumberValue]:
    approx, bound, inclusive, markers = v.approx, v.bound, v.inclusive, list(v.markers)
    prefix = _prefix_at(n, s)
    if prefix is not None:
        s, word = prefix
        a, b, inc = PREFIX_MARKERS[word]
        approx, bound, inclusive = approx or a, b or bound, inc if b else inclusive
        markers.insert(0, word)
    if allow_suffix:
        for word in SUFFIXES:
            if n.startswith(word, e):
                a, b, inc = SUFFIX_MARKERS[word]
                approx, bound, inclusive = approx or a, b or bound, inc if b else inclusive
                markers.append(word)
                e += len(word)
                break
    return s, e, NumberValue(
        v.value, v.unit, approx, bound, inclusive, v.kind, v.low, v.high, v.iso, tuple(markers)
    )


def _valid_date(m: re.Match[str]) -> bool:
    _y, mo, d, mo2, d2, d3 = (int(g) if g else None for g in m.groups())
    months_ok = all(x is None or 1 <= x <= 12 for x in (mo, mo2))
    return months_ok and all(x is None or 1 <= x <= 31 for x in (d, d2, d3))


def _date_value(m: re.Match[str]) -> NumberValue:
    y, mo, d, mo2, d2, d3 = m.groups()
    if y:
        iso = y + (f"-{int(mo):02d}" if mo else "") + (f"-{int(d):02d}" if d else "")
    elif mo2:
        iso = f"--{int(mo2):02d}" + (f"-{int(d2):02d}" if d2 else "")
    else:
        iso = f"---{int(d3):02d}"
    return NumberValue(None, kind="date", iso=iso)


def _clock_value(m: re.Match[str]) -> NumberValue:
    h, mi, sec, h2, mi2 = m.groups()
    if h is not None:
        iso = f"{int(h):02d}:{mi}" + (f":{sec}" if sec else "")
    else:
        iso = f"{int(h2):02d}:{int(mi2 or 0):02d}"
    return NumberValue(None, kind="time", iso=iso)

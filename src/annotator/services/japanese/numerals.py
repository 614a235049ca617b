"""Numerals: Arabic (half- and full-width, with digit grouping and decimals) and kanji."""

from __future__ import annotations

#: Full-width digits, comma and full stop -> ASCII (length-preserving, so offsets survive).
FULLWIDTH = str.maketrans("０１２３４５６７８９，．", "0123456789,.")

KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
BIG_UNITS = {"万": 10**4, "億": 10**8, "兆": 10**12}


def parse_arabic(s: str) -> int | float | None:
    """Parse ``"4,000"``, ``"４，０００"``, ``"1.5"``, ``"2400"``; None if not such a numeral.

    Commas must group by three. Returns an int unless there is a decimal part.
    """
    s = s.translate(FULLWIDTH)
    head, _, frac = s.partition(".")
    groups = head.split(",")
    if not head or not all(g.isascii() and g.isdigit() for g in groups):
        return None
    if len(groups) > 1 and (not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:])):
        return None
    if "." in s:
        if not (frac.isascii() and frac.isdigit()):
            return None
        return float(head.replace(",", "") + "." + frac)
    return int(head.replace(",", ""))


def parse_kanji(s: str) -> int | None:
    """Parse a kanji numeral: 三, 十二, 二千, 一万二千, 三十万, 二〇二三 (positional).

    Returns None when ``s`` contains other characters or is empty.
    """
    if not s or any(c not in KANJI_DIGITS and c not in SMALL_UNITS and c not in BIG_UNITS for c in s):
        return None
    if all(c in KANJI_DIGITS for c in s):
        return int("".join(str(KANJI_DIGITS[c]) for c in s))
    total = section = 0
    digit: int | None = None
    for c in s:
        if c in KANJI_DIGITS:
            digit = KANJI_DIGITS[c] if digit is None else digit * 10 + KANJI_DIGITS[c]
        elif c in SMALL_UNITS:
            section += (1 if digit is None else digit) * SMALL_UNITS[c]
            digit = None
        else:
            section += digit or 0
            total += (section or 1) * BIG_UNITS[c]
            section, digit = 0, None
    return total + section + (digit or 0)


def parse_amount(s: str) -> int | float | None:
    """Parse an amount made of Arabic or kanji numerals and 万/億/兆 (and 千) multipliers:
    ``100万`` -> 1000000, ``1.5万`` -> 15000, ``1億2000万`` -> 120000000, ``3 万`` -> 30000,
    ``一万二千`` -> 12000. Spaces are ignored. None if ``s`` is not such an amount."""
    s = "".join(s.translate(FULLWIDTH).split())
    if not s:
        return None
    kanji = parse_kanji(s)
    if kanji is not None:
        return kanji
    total: int | float = 0
    num = ""
    for c in s:
        if c in BIG_UNITS or c == "千":
            value = parse_arabic(num) if num else None
            if value is None:
                return None
            total += value * (BIG_UNITS.get(c) or 1000)
            num = ""
        else:
            num += c
    if num:
        value = parse_arabic(num)
        if value is None:
            return None
        total += value
    if isinstance(total, float) and total.is_integer():
        return int(total)
    return total

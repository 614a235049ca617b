"""The normalised value stored on a ``number`` span (``Span.value``), and filling it in.

**Shape** (every key always present, so exported rows have stable keys and types)::

    {"kind": "quantity" | "ordinal" | "date" | "time",
     "value": number | null,       # null for dates, times, ranges, 数-expressions, unparsed text
     "unit": string | null,        # 人, 発, マイル, mm ... (the counter after the number)
     "approx": bool,               # 約, 程度, ほど, 数千 ...
     "bound": "upper" | "lower" | null,   # 最大/以下/未満 | 以上/超/を超える
     "inclusive": bool | null,     # whether the bound itself counts (以上 true, 超 false)
     "low": number | null, "high": number | null,   # ends of a range (3〜4万: 30000, 40000)
     "iso": string | null,         # ISO 8601 of a date or time (2023-09-12, --09-12, 06:07:57)
     "markers": [string, ...],     # the marker words found (約, 以上 ...), in text order
     "manual": bool}               # true once a person set the value by hand

Numbers are JSON numbers: a whole number is written as an integer (``4000``, never ``4000.0``),
any other as a decimal (``1.5``); NaN and infinities are refused. Values are parsed from the
span's text with :func:`.numbers.parse_number`; pykakasi plays no part.

The label that gets values is the project setting ``numbers.label`` (default ``"number"``).
"""

from __future__ import annotations

import math
from typing import Any, Protocol

from annotator.domain.spans import Span
from annotator.services.japanese.numbers import NumberValue, parse_number

__all__ = [
    "BOUNDS", "DEFAULT_NUMBER_LABEL", "KINDS", "NUMBER_LABEL_SETTING", "VALUE_KEYS", "check_value",
    "fill_values", "number_label", "parse_value", "spans_missing_values", "value_object",
]

NUMBER_LABEL_SETTING = "numbers.label"
DEFAULT_NUMBER_LABEL = "number"
VALUE_KEYS = ("kind", "value", "unit", "approx", "bound", "inclusive", "low", "high", "iso", "markers", "manual")
KINDS = ("quantity", "ordinal", "date", "time")
BOUNDS = ("upper", "lower")


class _Settings(Protocol):
    def setting(self, key: str, default: Any = None) -> Any: ...


def number_label(project: _Settings) -> str:
    """The name of the label whose spans carry number values (``numbers.label``)."""
    name = project.setting(NUMBER_LABEL_SETTING, DEFAULT_NUMBER_LABEL)
    return name if isinstance(name, str) and name.strip() else DEFAULT_NUMBER_LABEL


def _number(x: object, key: str) -> int | float | None:
    if x is None:
        return None
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ValueError(f"{key} must be a number or null, not {x!r}")
    if isinstance(x, float):
        if not math.isfinite(x):
            raise ValueError(f"{key} must be a finite number")
        if x.is_integer():
            return int(x)
    return x


def value_object(number: NumberValue, *, manual: bool = False) -> dict[str, Any]:
    """The stored form of a :class:`~.numbers.NumberValue` (see the module docstring)."""
    return check_value({
        "kind": number.kind, "value": number.value, "unit": number.unit, "approx": number.approx,
        "bound": number.bound, "inclusive": number.inclusive, "low": number.low, "high": number.high,
        "iso": number.iso, "markers": list(number.markers), "manual": manual,
    })


def parse_value(span_text: str) -> dict[str, Any]:
    """The value of a span's text (``約4,000人`` -> value 4000, unit 人, approx true)."""
    return value_object(parse_number(span_text))


def check_value(obj: object) -> dict[str, Any]:
    """Return ``obj`` in the stored shape: missing keys filled with their empty value (null,
    false, []), types checked. Raises ValueError for unknown keys or wrong types (a value typed
    by hand is checked with this before it is stored)."""
    if not isinstance(obj, dict):
        raise ValueError("a number value must be a JSON object")
    unknown = set(obj) - set(VALUE_KEYS)
    if unknown:
        raise ValueError(f"unknown key(s) in a number value: {', '.join(sorted(map(str, unknown)))}")
    kind = obj.get("kind", "quantity")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    bound = obj.get("bound")
    if bound is not None and bound not in BOUNDS:
        raise ValueError("bound must be 'upper', 'lower' or null")
    out: dict[str, Any] = {"kind": kind}
    out["value"] = _number(obj.get("value"), "value")
    for key in ("unit", "iso"):
        v = obj.get(key)
        if v is not None and not isinstance(v, str):
            raise ValueError(f"{key} must be a string or null")
        out[key] = v.strip() or None if isinstance(v, str) else None
    for key in ("approx", "manual"):
        v = obj.get(key, False)
        if not isinstance(v, bool):
            raise ValueError(f"{key} must be true or false")
        out[key] = v
    inclusive = obj.get("inclusive")
    if inclusive is not None and not isinstance(inclusive, bool):
        raise ValueError("inclusive must be true, false or null")
    out["bound"], out["inclusive"] = bound, inclusive if bound is not None else None
    out["low"], out["high"] = _number(obj.get("low"), "low"), _number(obj.get("high"), "high")
    markers = obj.get("markers", [])
    if not isinstance(markers, (list, tuple)) or not all(isinstance(m, str) for m in markers):
        raise ValueError("markers must be a list of strings")
    out["markers"] = list(markers)
    return {key: out[key] for key in VALUE_KEYS}


class _Spans(_Settings, Protocol):
    def spans(self, document_id: int | None = None, *, labels: Any = None) -> list[Span]: ...
    def text(self, document_id: int) -> str: ...
    def update_span(self, span_id: str, *, who: str, **changes: Any) -> Span: ...
    def atomic(self) -> Any: ...


def spans_missing_values(project: _Spans, document_id: int | None = None) -> list[Span]:
    """The number-label spans (of one document, or all) that have no value yet."""
    return [s for s in project.spans(document_id, labels=[number_label(project)]) if s.value is None]


def fill_values(project: _Spans, *, who: str, document_id: int | None = None) -> list[Span]:
    """Give every number span without a value the value parsed from its text, in one
    transaction (each change is in the history). Values set before are never touched.
    Returns the updated spans."""
    missing = spans_missing_values(project, document_id)
    texts: dict[int, str] = {}
    updated: list[Span] = []
    with project.atomic():
        for span in missing:
            if span.document_id not in texts:
                texts[span.document_id] = project.text(span.document_id)
            value = parse_value(texts[span.document_id][span.start : span.end])
            updated.append(project.update_span(span.id, who=who, value=value))
    return updated

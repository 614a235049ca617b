"""Spans: ``[start, end)`` in code points of a document's canonical text, with a label."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from annotator.domain.errors import SpanError
from annotator.domain.text import name_problem


@dataclass(frozen=True, slots=True)
class Span:
    """One labelled span. Offsets are code points, end-exclusive, of the stored text.

    ``id`` is 32 hex characters, stable across export and import. Times are ISO 8601 UTC with
    milliseconds and a ``Z``. ``value`` is an optional normalised value (a JSON object), e.g. the
    number a ``number`` span denotes. ``attributes`` holds the values of the attributes its
    label declares (``{"stance": "reported"}``; ``{}`` when none, see
    :mod:`annotator.domain.relations`).
    """

    id: str
    document_id: int
    start: int
    end: int
    label: str
    annotator: str
    note: str | None
    created_at: str
    updated_at: str
    value: dict[str, Any] | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[int, int, int, str, str]:
        """What makes two spans exact duplicates: document, start, end, label, annotator."""
        return (self.document_id, self.start, self.end, self.label, self.annotator)


class _Building:
    """A span under construction: the same slots as :class:`Span`, assigned directly, then
    turned into a ``Span`` (``__class__`` assignment; the layouts are the same). A frozen
    dataclass sets each field through ``object.__setattr__``: building the 100,000 spans of a
    document that way takes about 2.5 times as long."""

    __slots__ = ("id", "document_id", "start", "end", "label", "annotator", "note",
                 "created_at", "updated_at", "value", "attributes")

    def __init__(self, id: str, document_id: int, start: int, end: int, label: str,  # noqa: A002
                 annotator: str, note: str | None, created_at: str, updated_at: str,
                 value: dict[str, Any] | None = None,
                 attributes: dict[str, Any] | None = None) -> None:
        self.id = id
        self.document_id = document_id
        self.start = start
        self.end = end
        self.label = label
        self.annotator = annotator
        self.note = note
        self.created_at = created_at
        self.updated_at = updated_at
        self.value = value
        self.attributes = {} if attributes is None else attributes
        self.__class__ = Span  # type: ignore[assignment]


if _Building.__slots__ != tuple(f.name for f in fields(Span)):  # pragma: no cover
    raise AssertionError("_Building must have the fields of Span, in its order")

#: ``make_span(*fields)`` is ``Span(*fields)`` (the same object, equal, frozen), built faster:
#: the constructor for spans read in bulk. ``attributes`` given must be a dict.
make_span: Any = _Building


def new_span_id() -> str:
    """A fresh span id (random UUID, 32 hex characters)."""
    return uuid.uuid4().hex


def now() -> str:
    """The current time as stored: ISO 8601 UTC with milliseconds, e.g. 2026-11-23T20:17:00.123Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def check_bounds(start: object, end: object, length: int, *, what: str = "span") -> None:
    """Refuse a span that is not integer, empty, reversed or outside ``[0, length]``."""
    if type(start) is not int or type(end) is not int:
        raise SpanError(f"{what} offsets must be whole numbers, got start={start!r} end={end!r}")
    if start < 0 or end > length:
        raise SpanError(
            f"{what} [{start}, {end}) is outside the text, which has {length} characters"
        )
    if start > end:
        raise SpanError(f"{what} [{start}, {end}) is reversed: start is after end")
    if start == end:
        raise SpanError(f"{what} [{start}, {end}) is empty")


def check_annotator(name: object) -> str:
    """Return a valid annotator name or refuse it: empty, padded, over-long, or holding a
    control or invisible format character (:func:`annotator.domain.text.name_problem`)."""
    if not isinstance(name, str) or not name.strip():
        raise SpanError("a span needs an annotator name")
    if name != name.strip() or len(name) > 128:
        raise SpanError(f"annotator name {name!r} is not a clean one-line name")
    problem = name_problem(name)
    if problem is not None:
        raise SpanError(f"annotator name {name!r} {problem}; a name must be plain text")
    return name

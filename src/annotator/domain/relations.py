"""Relations between spans, their types, and the attributes a label declares for its spans.

A :class:`Relation` links two spans of one document and one layer (annotator), directed from
its ``head`` to its ``tail``. Its :class:`RelationType` says which labels may stand at each end.
An :class:`Attribute` is declared by a label (``claim.stance``) and qualifies that label's spans:
a choice from a list, yes/no, or a short text. Everything here is pure Python: the store checks
these rules inside its writing transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from annotator.domain.errors import AnnotatorError, LabelError
from annotator.domain.labels import check_color, check_key, check_name
from annotator.domain.text import name_problem

__all__ = [
    "ATTRIBUTE_KINDS",
    "attribute_problems",
    "DEFAULT_ATTRIBUTES",
    "DEFAULT_RELATION_TYPES",
    "MAX_TEXT_VALUE",
    "Attribute",
    "Relation",
    "RelationError",
    "RelationType",
    "SpanAttributeError",
    "check_attribute_set",
    "check_relation_type_set",
    "new_relation_id",
    "relation_problem",
    "relation_record",
]

ATTRIBUTE_KINDS = ("choice", "flag", "text")
MAX_TEXT_VALUE = 200  # characters of a ``text`` attribute's value
MAX_CHOICES = 50


class RelationError(AnnotatorError):
    """A relation or relation type that cannot exist (ends in two documents or layers, a label
    the type does not allow at that end, an exact duplicate, an unknown type)."""


class SpanAttributeError(AnnotatorError):
    """An attribute definition or an attribute value that is not allowed."""


def new_relation_id() -> str:
    """A fresh relation id (random UUID, 32 hex characters, like span ids)."""
    return uuid.uuid4().hex


def _one_line(what: str, text: str) -> None:
    if not isinstance(text, str):
        raise LabelError(f"{what} must be text")
    if "\n" in text or "\r" in text:
        raise LabelError(f"{what} must be one line")
    problem = name_problem(text.replace("\t", " "))
    if problem is not None:
        raise LabelError(f"{what} {problem}")


@dataclass(frozen=True, slots=True)
class RelationType:
    """One relation type of a project: like a label (name, ``#rrggbb`` colour, a one-character
    key, a one-line description) plus the label names allowed at the head and at the tail.

    An empty ``heads`` (or ``tails``) allows every label at that end. The key chooses the type
    in the window's "choose the type" step, a mode of its own, so it may be a key a label uses
    too (the default types use 1, 2, 3 like the first labels); keys are distinct among types.
    """

    name: str
    color: str
    key: str | None = None
    description: str = ""
    heads: tuple[str, ...] = ()
    tails: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        try:
            check_name(self.name)
        except LabelError as exc:
            raise RelationError(str(exc).replace("label name", "relation type name", 1)) from None
        check_color(self.color)
        check_key(self.key)
        _one_line(f"the description of relation type {self.name!r}", self.description)
        for end, names in (("head", self.heads), ("tail", self.tails)):
            if not isinstance(names, tuple):
                raise RelationError(f"the {end} labels of relation type {self.name!r} must be "
                                    f"a tuple of label names")
            if len(set(names)) != len(names):
                raise RelationError(f"relation type {self.name!r} names a {end} label twice")
            for label in names:
                if not isinstance(label, str) or not label.strip():
                    raise RelationError(f"relation type {self.name!r} has an empty {end} label")

    def allows(self, head_label: str, tail_label: str) -> bool:
        """Whether a span labelled ``head_label`` may be the head and one labelled
        ``tail_label`` the tail."""
        return ((not self.heads or head_label in self.heads)
                and (not self.tails or tail_label in self.tails))


def relation_problem(relation_type: RelationType, head_label: str, tail_label: str) -> str | None:
    """Why a relation of this type between spans with these labels is not allowed (None when it
    is): the message names the end, the label, and what the type allows."""
    if relation_type.heads and head_label not in relation_type.heads:
        return (f"relation type {relation_type.name!r} does not allow a {head_label!r} span at "
                f"its head (allowed: {', '.join(relation_type.heads)})")
    if relation_type.tails and tail_label not in relation_type.tails:
        return (f"relation type {relation_type.name!r} does not allow a {tail_label!r} span at "
                f"its tail (allowed: {', '.join(relation_type.tails)})")
    return None


def check_relation_type_set(types: Iterable[RelationType]) -> None:
    """Refuse two relation types of one name or on one key."""
    names: set[str] = set()
    keys: dict[str, str] = {}
    for rt in types:
        if rt.name in names:
            raise RelationError(f"relation type {rt.name!r} is defined twice")
        names.add(rt.name)
        if rt.key is not None:
            if rt.key in keys:
                raise RelationError(
                    f"key {rt.key!r} is already used by relation type {keys[rt.key]!r}")
            keys[rt.key] = rt.name


@dataclass(frozen=True, slots=True)
class Relation:
    """A directed link from the span ``head`` to the span ``tail`` (span ids) of one document
    and one layer. ``type`` is the relation type's name; times as spans have them."""

    id: str
    document_id: int
    head: str
    tail: str
    type: str
    annotator: str
    note: str | None
    created_at: str
    updated_at: str

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes two relations exact duplicates: head, tail and type (the layer and the
        document follow from the spans)."""
        return (self.head, self.tail, self.type)


def relation_record(relation: Relation) -> dict[str, Any]:
    """A relation as the native JSONL record carries it: ``id``, ``head`` and ``tail`` (span
    ids of the same record), ``label`` (the type), ``annotator``, ``note``, ``created_at``,
    ``updated_at``; every key always present."""
    return {"id": relation.id, "head": relation.head, "tail": relation.tail,
            "label": relation.type, "annotator": relation.annotator, "note": relation.note,
            "created_at": relation.created_at, "updated_at": relation.updated_at}


@dataclass(frozen=True, slots=True)
class Attribute:
    """An attribute a label declares for its spans: ``label.name`` of a ``kind``.

    ``choice``: the value is one of ``choices``; ``flag``: ``True`` or ``False`` (yes/no);
    ``text``: a one-line text of at most :data:`MAX_TEXT_VALUE` characters."""

    label: str
    name: str
    kind: str
    choices: tuple[str, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        what = f"attribute {self.label}.{self.name}"
        try:
            check_name(self.name)
        except LabelError as exc:
            raise SpanAttributeError(str(exc).replace("label name", "attribute name", 1)) from None
        if "." in self.name:
            raise SpanAttributeError(f"attribute name {self.name!r} must not contain a '.'")
        if self.kind not in ATTRIBUTE_KINDS:
            raise SpanAttributeError(f"{what}: kind {self.kind!r} is not one of "
                                     f"{', '.join(ATTRIBUTE_KINDS)}")
        if not isinstance(self.choices, tuple):
            raise SpanAttributeError(f"{what}: the choices must be a tuple")
        if self.kind == "choice":
            if not self.choices:
                raise SpanAttributeError(f"{what} is a choice and needs at least one value")
            if len(self.choices) > MAX_CHOICES:
                raise SpanAttributeError(f"{what} has more than {MAX_CHOICES} choices")
            if len(set(self.choices)) != len(self.choices):
                raise SpanAttributeError(f"{what} lists a choice twice")
            for choice in self.choices:
                try:
                    check_name(choice)
                except LabelError as exc:
                    raise SpanAttributeError(
                        f"{what}: " + str(exc).replace("label name", "choice", 1)) from None
        elif self.choices:
            raise SpanAttributeError(f"{what} is {self.kind!r}: only a choice has choices")
        try:
            _one_line(f"the description of {what}", self.description)
        except LabelError as exc:
            raise SpanAttributeError(str(exc)) from None

    @property
    def qualified(self) -> str:
        """``label.name``, as the documentation and messages write it."""
        return f"{self.label}.{self.name}"

    def check_value(self, value: object) -> Any:
        """``value`` when this attribute may take it, else :class:`SpanAttributeError`."""
        what = f"attribute {self.qualified}"
        if self.kind == "choice":
            if not isinstance(value, str) or value not in self.choices:
                raise SpanAttributeError(f"{value!r} is not a value of {what} "
                                         f"(one of: {', '.join(self.choices)})")
            return value
        if self.kind == "flag":
            if type(value) is not bool:
                raise SpanAttributeError(f"{what} is yes/no: its value is true or false, "
                                         f"not {value!r}")
            return value
        if not isinstance(value, str) or not value.strip():
            raise SpanAttributeError(f"{what} is a short text: its value is a non-empty text")
        if len(value) > MAX_TEXT_VALUE:
            raise SpanAttributeError(f"the value of {what} is longer than {MAX_TEXT_VALUE} "
                                     f"characters")
        try:
            _one_line(f"the value of {what}", value)
        except LabelError as exc:
            raise SpanAttributeError(str(exc)) from None
        return value

    def parse_value(self, text: str) -> Any:
        """A value typed on the command line: ``yes``/``no`` (``true``/``false``) for a flag,
        the text itself otherwise; checked by :meth:`check_value`."""
        if self.kind == "flag":
            lowered = text.strip().lower()
            if lowered in ("yes", "true", "y", "1"):
                return True
            if lowered in ("no", "false", "n", "0"):
                return False
            raise SpanAttributeError(f"attribute {self.qualified} is yes/no, not {text!r}")
        return self.check_value(text)


def check_attribute_set(attributes: Iterable[Attribute]) -> None:
    """Refuse two attributes of one name on one label."""
    seen: set[tuple[str, str]] = set()
    for attribute in attributes:
        pair = (attribute.label, attribute.name)
        if pair in seen:
            raise SpanAttributeError(f"attribute {attribute.qualified} is defined twice")
        seen.add(pair)


def attribute_problems(label: str, values: Mapping[str, Any],
                       declared: Mapping[str, Attribute]) -> list[str]:
    """What is wrong with a span's attribute ``values`` given the attributes its ``label``
    declares (``declared`` by attribute name): undeclared names and invalid values. A span
    relabelled keeps its values, so this is how a validation finds the ones left over."""
    problems = []
    for name, value in values.items():
        attribute = declared.get(name)
        if attribute is None:
            problems.append(f"label {label!r} declares no attribute {name!r}")
            continue
        try:
            attribute.check_value(value)
        except SpanAttributeError as exc:
            problems.append(str(exc))
    return problems


# The remaining Tableau-10 hues (the labels use the first five).
DEFAULT_RELATION_TYPES: tuple[RelationType, ...] = (
    RelationType("attributed_to", "#76b7b2", "1",
                 "The claim is attributed to this source (who said or reported it).",
                 ("claim",), ("source",)),
    RelationType("involves", "#edc948", "2",
                 "The claim is about, or involves, this actor.", ("claim",), ("actor",)),
    RelationType("quantifies", "#9c755f", "3",
                 "The number counts or measures this weapon or actor.",
                 ("number",), ("weapon", "actor")),
)

DEFAULT_ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute("claim", "stance", "choice", ("asserted", "reported", "denied", "speculated"),
              "How the text presents the claim."),
    Attribute("source", "kind", "choice", ("government", "media", "ngo", "osint", "anonymous"),
              "What kind of source it is."),
)

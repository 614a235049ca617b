"""Labels: the categories a span can carry, with a colour, a key and a description."""

from __future__ import annotations

import re
from dataclasses import dataclass

from annotator.domain.errors import LabelError
from annotator.domain.text import describe_char, name_problem

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_NAME_LENGTH = 64


@dataclass(frozen=True, slots=True)
class Label:
    """One label of a project's label set.

    ``color`` is ``#rrggbb``; ``key`` is the single character that applies the label in the
    window (or ``None``); ``description`` is one line shown in the palette and tooltips.
    """

    name: str
    color: str
    key: str | None = None
    description: str = ""

    def __post_init__(self) -> None:
        _check_shape(self.name)
        check_color(self.color)
        check_key(self.key)
        if "\n" in self.description or "\r" in self.description:
            raise LabelError(f"the description of label {self.name!r} must be one line")


def _check_shape(name: str) -> None:
    """What every label, old or new, satisfies: a non-empty, unpadded, one-line name of at most
    ``MAX_NAME_LENGTH`` characters without C0 controls. (A project written by an older version
    may hold a name with a C1 control or an invisible format character; it must still open, so
    those are refused where a name comes in, by :func:`check_name`, not here.)"""
    if not isinstance(name, str) or not name.strip():
        raise LabelError("a label needs a name")
    if name != name.strip():
        raise LabelError(f"label name {name!r} starts or ends with white space")
    if len(name) > MAX_NAME_LENGTH:
        raise LabelError(f"label name {name[:20]!r}... is longer than {MAX_NAME_LENGTH} characters")
    for index, char in enumerate(name):
        if ord(char) < 32 or char in "\u2028\u2029\x7f":
            raise LabelError(f"label name {name!r} contains a control character "
                             f"({describe_char(char)}) at position {index + 1}; a name must be "
                             f"plain text")


def check_name(name: str) -> None:
    """Refuse a new label name: empty, padded, over-long, or holding a control or invisible
    format character (:func:`annotator.domain.text.name_problem`). Every place a name comes in
    (the command line, an import, a merge, the label editor) calls this."""
    _check_shape(name)
    problem = name_problem(name)
    if problem is not None:
        raise LabelError(f"label name {name!r} {problem}; a name must be plain text")


def check_description(label_name: str, description: str) -> None:
    """Refuse a new description holding a control or invisible format character (a tab is
    allowed; a line break never is)."""
    problem = name_problem(description.replace("\t", " "))
    if problem is not None:
        raise LabelError(f"the description of label {label_name!r} {problem}")


def check_new_label(label: Label) -> Label:
    """``label`` when its name and description pass :func:`check_name` and
    :func:`check_description` (what a new or changed label must), else :class:`LabelError`."""
    check_name(label.name)
    check_description(label.name, label.description)
    return label


def check_color(color: str) -> None:
    """Refuse a colour that is not ``#rrggbb``."""
    if not isinstance(color, str) or not _COLOR.match(color):
        raise LabelError(f"colour {color!r} is not of the form #rrggbb")


def check_key(key: str | None) -> None:
    """Refuse a key that is not one printable, non-space character."""
    if key is None:
        return
    if not isinstance(key, str) or len(key) != 1 or not key.isprintable() or key.isspace():
        raise LabelError(f"key {key!r} must be a single printable character")


def check_label_set(labels: list[Label] | tuple[Label, ...]) -> None:
    """Refuse a label set with two labels of one name or two labels on one key."""
    names: set[str] = set()
    keys: dict[str, str] = {}
    for label in labels:
        if label.name in names:
            raise LabelError(f"label {label.name!r} is defined twice")
        names.add(label.name)
        if label.key is not None:
            if label.key in keys:
                raise LabelError(
                    f"key {label.key!r} is already used by label {keys[label.key]!r}"
                )
            keys[label.key] = label.name


# Tableau-10 hues: distinct, and readable both as a tint on white and on a dark theme.
DEFAULT_LABELS: tuple[Label, ...] = (
    Label("claim", "#f28e2b", "1", "A statement presented as fact or assertion by the text or a quoted party."),
    Label("actor", "#4e79a7", "2", "A person, state, organisation or armed force that acts or is acted upon."),
    Label("weapon", "#e15759", "3", "A weapon, munition, weapon system or military equipment."),
    Label("number", "#59a14f", "4", "A quantity, amount or figure (troops, shells, money, distance)."),
    Label("source", "#b07aa1", "5", "Who or what the information is attributed to (agency, official, report)."),
)

"""What the store's relation, relation-type and attribute operations share: their queries'
column lists, the objects made from rows, the history rows' plain dicts (see
:mod:`annotator.store.relations`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from annotator.domain.relations import Attribute, Relation, RelationType
from annotator.domain.spans import Span

__all__ = [
    "ATTRIBUTE_SELECT",
    "RELATION_SELECT",
    "TYPE_SELECT",
    "attribute_from_row",
    "attribute_to_json",
    "attributes_json",
    "counted",
    "describe_span",
    "relation_from_row",
    "relation_to_json",
    "relation_type_from_row",
    "relation_type_to_json",
]

RELATION_SELECT = (
    "SELECT r.id, r.document_id, r.head_id, r.tail_id, t.name, r.annotator, r.note, "
    "r.created_at, r.updated_at FROM relations r JOIN relation_types t ON t.id = r.type_id"
)
TYPE_SELECT = "SELECT name, color, key, description, heads, tails FROM relation_types"
ATTRIBUTE_SELECT = "SELECT label, name, kind, choices, description FROM label_attributes"


def relation_to_json(relation: Relation) -> dict[str, Any]:
    """A relation as a plain dict (history rows)."""
    return asdict(relation)


def relation_type_to_json(rt: RelationType, position: int | None = None) -> dict[str, Any]:
    """A relation type as a plain dict (history rows), with its palette position if given."""
    out: dict[str, Any] = {"name": rt.name, "color": rt.color, "key": rt.key,
                           "description": rt.description, "heads": list(rt.heads),
                           "tails": list(rt.tails)}
    if position is not None:
        out["position"] = position
    return out


def attribute_to_json(attribute: Attribute) -> dict[str, Any]:
    """An attribute definition as a plain dict (history rows)."""
    return {"label": attribute.label, "name": attribute.name, "kind": attribute.kind,
            "choices": list(attribute.choices), "description": attribute.description}


def counted(n: int, singular: str) -> str:
    """``"1 relation"``, ``"2 relations"`` (the store sits below ``annotator.services``, whose
    ``wording.counted`` this mirrors)."""
    return f"{n} {singular}" if n == 1 else f"{n} {singular}s"


def relation_from_row(row: Sequence[Any]) -> Relation:
    return Relation(*row)


def relation_type_from_row(row: Sequence[Any]) -> RelationType:
    return RelationType(row[0], row[1], row[2], row[3], tuple(json.loads(row[4])),
                        tuple(json.loads(row[5])))


def attribute_from_row(row: Sequence[Any]) -> Attribute:
    return Attribute(row[0], row[1], row[2], tuple(json.loads(row[3])), row[4])


def describe_span(span: Span) -> str:
    return f"the {span.label!r} span at [{span.start}, {span.end})"


def attributes_json(attributes: dict[str, Any] | None) -> str | None:
    """The ``spans.attributes`` column value: JSON text, NULL when there are none."""
    return json.dumps(attributes, ensure_ascii=False, sort_keys=True) if attributes else None

"""The label set, attribute definitions and relation types a member pulls from the hub: made
the lead's, keeping what local spans and relations still use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from annotator.domain.errors import AnnotatorError, LabelError
from annotator.domain.labels import Label
from annotator.domain.relations import Attribute, RelationType
from annotator.store import Project

__all__ = ["apply_attributes", "apply_labels", "apply_relation_types"]


def _follow(hub: list[Any], read: Callable[[], list[Any]], *, free_key: Callable[[str], Any],
            add: Callable[[Any, int], Any], update: Callable[[Any], Any],
            usage: Callable[[str], int], remove: Callable[[str], Any],
            move: Callable[[str, int], Any] | None, refused: type[Exception]) -> bool:
    """Make the local items (labels or relation types; ``read()`` lists them in order) the
    ``hub``'s: a key that moves to another item is freed first (keys are unique); an item
    missing here is added at its place and a changed one updated (one that cannot be, an error
    of ``refused``, is left as it is); with ``move``, the items are put in the hub's order;
    an item the hub lacks is removed unless ``usage`` counts a use of it. True when anything
    changed."""
    changed = False
    hub_by_name = {item.name: item for item in hub}
    local = {item.name: item for item in read()}
    for item in local.values():
        target = hub_by_name.get(item.name)
        if item.key is not None and (target is None or target.key != item.key) and any(
                h.key == item.key and h.name != item.name for h in hub):
            free_key(item.name)
            changed = True
    local = {item.name: item for item in read()}
    for position, item in enumerate(hub):
        current = local.get(item.name)
        try:
            if current is None:
                add(item, position)
                changed = True
            elif current != item:
                update(item)
                changed = True
        except refused:
            continue
    if move is not None:
        order = [x.name for x in read()]
        for position, item in enumerate(hub):
            if position < len(order) and order[position] != item.name:
                move(item.name, position)
                order = [x.name for x in read()]
                changed = True
    for name in list(local):
        if name not in hub_by_name and usage(name) == 0:
            remove(name)
            changed = True
    return changed


def apply_relation_types(project: Project, rows: list[tuple[Any, ...]], *, who: str) -> bool:
    """Make the project's relation types the hub's, in the lead's order (types used by local
    relations are kept). True when anything changed."""
    hub = [RelationType(name, color, key, description or "", tuple(heads or ()),
                        tuple(tails or ())) for name, color, key, description, heads, tails in rows]
    return _follow(
        hub, project.relation_types,
        free_key=lambda name: project.update_relation_type(name, who=who, key=None),
        add=lambda rt, position: project.add_relation_type(rt, who=who, position=position),
        update=lambda rt: project.update_relation_type(
            rt.name, who=who, color=rt.color, key=rt.key, description=rt.description,
            heads=rt.heads, tails=rt.tails),
        usage=project.relation_type_usage,
        remove=lambda name: project.remove_relation_type(name, who=who),
        move=lambda name, position: project.move_relation_type(name, position, who=who),
        refused=AnnotatorError)


def apply_labels(project: Project, rows: list[tuple[Any, ...]], *, who: str) -> bool:
    """Make the project's label set the hub's, in the lead's order (labels used by local
    spans are kept), then the attributes they declare. True when anything changed."""
    hub = [Label(name, color, key, description or "") for name, color, key, description, _a
           in rows]
    changed = _follow(
        hub, project.labels,
        free_key=lambda name: project.update_label(name, who=who, key=None),
        add=lambda label, position: project.add_label(label, who=who, position=position),
        update=lambda label: project.update_label(label.name, who=who, color=label.color,
                                                  key=label.key,
                                                  description=label.description),
        usage=project.label_usage,
        remove=lambda name: project.remove_label(name, who=who),
        move=lambda name, position: project.move_label(name, position, who=who),
        refused=LabelError)
    return apply_attributes(project, rows, who=who) or changed


def apply_attributes(project: Project, rows: list[tuple[Any, ...]], *, who: str) -> bool:
    """Make the attributes each label declares the hub's (the lead's), in the lead's order
    and with the lead's choices in their order. An attribute that local spans hold a value of
    is kept (as a label is), and a change of its kind or a choice those spans hold is not
    made. Such an attribute the hub lacks goes after the lead's. True when anything changed."""
    changed = False
    labels = {lab.name for lab in project.labels()}
    for name, _color, _key, _description, definitions in rows:
        if name not in labels:
            continue
        wanted: list[Attribute] = []
        for item in definitions or []:
            try:
                wanted.append(Attribute(name, item["name"], item["kind"],
                                        tuple(item.get("choices") or ()),
                                        item.get("description") or ""))
            except (AnnotatorError, KeyError, TypeError):
                continue  # not a definition this version understands
        current = {a.name: a for a in project.label_attributes(name)}
        for position, attribute in enumerate(wanted):
            now_here = current.get(attribute.name)
            try:
                if now_here is None:
                    project.add_label_attribute(attribute, who=who, position=position)
                elif now_here.kind != attribute.kind:
                    if project.attribute_usage(name, attribute.name):
                        continue
                    project.remove_label_attribute(name, attribute.name, who=who)
                    project.add_label_attribute(attribute, who=who, position=position)
                elif now_here != attribute:
                    project.update_label_attribute(name, attribute.name, who=who,
                                                   choices=attribute.choices,
                                                   description=attribute.description)
                else:
                    continue
                changed = True
            except AnnotatorError:
                continue
        gone = set(current) - {a.name for a in wanted}
        for attribute_name in sorted(gone):
            if project.attribute_usage(name, attribute_name) == 0:
                project.remove_label_attribute(name, attribute_name, who=who)
                changed = True
        # The lead's order: the hub's attributes first, as the lead orders them (one kept
        # here that the hub lacks after them).
        order = [a.name for a in project.label_attributes(name)]
        for position, attribute in enumerate(a for a in wanted if a.name in order):
            if order[position] != attribute.name:
                project.move_label_attribute(name, attribute.name, position, who=who)
                order = [a.name for a in project.label_attributes(name)]
                changed = True
    return changed

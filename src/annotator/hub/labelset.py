"""The label set, attribute definitions and relation types a member pulls from the hub: made
the lead's, keeping what local spans and relations still use."""

from __future__ import annotations

from typing import Any

from annotator.domain.errors import AnnotatorError, LabelError
from annotator.domain.labels import Label
from annotator.domain.relations import Attribute, RelationType
from annotator.store import Project

__all__ = ["apply_attributes", "apply_labels", "apply_relation_types"]


def apply_relation_types(project: Project, rows: list[tuple[Any, ...]], *, who: str) -> bool:
    """Make the project's relation types the hub's (types used by local relations are
    kept). True when anything changed."""
    changed = False
    hub = [RelationType(name, color, key, description or "", tuple(heads or ()),
                        tuple(tails or ())) for name, color, key, description, heads, tails in rows]
    names = {rt.name for rt in hub}
    local = {rt.name: rt for rt in project.relation_types()}
    for rt in local.values():  # free keys that move to another type
        if rt.key is not None and any(h.key == rt.key and h.name != rt.name for h in hub):
            project.update_relation_type(rt.name, who=who, key=None)
            changed = True
    local = {rt.name: rt for rt in project.relation_types()}
    for position, rt in enumerate(hub):
        current = local.get(rt.name)
        try:
            if current is None:
                project.add_relation_type(rt, who=who, position=position)
                changed = True
            elif current != rt:
                project.update_relation_type(rt.name, who=who, color=rt.color, key=rt.key,
                                             description=rt.description, heads=rt.heads,
                                             tails=rt.tails)
                changed = True
        except AnnotatorError:
            continue
    for name in list(local):
        if name not in names and project.relation_type_usage(name) == 0:
            project.remove_relation_type(name, who=who)
            changed = True
    return changed


def apply_labels(project: Project, rows: list[tuple[Any, ...]], *, who: str) -> bool:
    """Make the project's label set the hub's (labels used by local spans are kept).
    True when anything changed."""
    changed = False
    hub = [Label(name, color, key, description or "") for name, color, key, description, _a
           in rows]
    hub_by_name = {lab.name: lab for lab in hub}
    local = {lab.name: lab for lab in project.labels()}
    # Free keys that move to another label first (keys are unique).
    for lab in local.values():
        target = hub_by_name.get(lab.name)
        if lab.key is not None and (target is None or target.key != lab.key) and any(
                h.key == lab.key and h.name != lab.name for h in hub):
            project.update_label(lab.name, who=who, key=None)
            changed = True
    local = {lab.name: lab for lab in project.labels()}
    for position, lab in enumerate(hub):
        current = local.get(lab.name)
        try:
            if current is None:
                project.add_label(lab, who=who, position=position)
                changed = True
            elif current != lab:
                project.update_label(lab.name, who=who, color=lab.color, key=lab.key,
                                     description=lab.description)
                changed = True
        except LabelError:
            continue
    order = [lab.name for lab in project.labels()]
    for position, lab in enumerate(hub):
        if position < len(order) and order[position] != lab.name:
            project.move_label(lab.name, position, who=who)
            order = [x.name for x in project.labels()]
            changed = True
    for name in list(local):
        if name not in hub_by_name and project.label_usage(name) == 0:
            project.remove_label(name, who=who)
            changed = True
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

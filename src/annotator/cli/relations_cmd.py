"""``annotator relations``: list, add, change, move and remove the project's relation types
(like ``annotator labels``; the relations themselves are made in the window or imported)."""

from __future__ import annotations

import argparse
import sys

from annotator.cli.common import dumps_json, project_from, shown
from annotator.domain.labels import check_name
from annotator.domain.relations import RelationType
from annotator.services.importing import EXTRA_LABEL_COLORS, default_annotator
from annotator.services.wording import counted
from annotator.store import Project


def label_list(value: str) -> tuple[str, ...]:
    """argparse ``type`` of ``--heads``/``--tails``: comma-separated label names; empty: any
    label."""
    return tuple(part.strip() for part in value.split(",") if part.strip())


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("relations", parents=[common],
                                   help="show or change the relation types")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    listing = actions.add_parser("list", parents=[common],
                                 help="list the relation types (the default)")
    listing.add_argument("--json", action="store_true")
    ends_help = "comma-separated labels allowed at the {} (empty: any label)"
    add = actions.add_parser("add", parents=[common], help="add a relation type")
    add.add_argument("name")
    add.add_argument("--heads", type=label_list, default=(), metavar="LABELS",
                     help=ends_help.format("head"))
    add.add_argument("--tails", type=label_list, default=(), metavar="LABELS",
                     help=ends_help.format("tail"))
    add.add_argument("--color", metavar="#RRGGBB")
    add.add_argument("--key", metavar="K", help="the key that chooses the type in the window "
                     "(may be a label's key too: choosing a type is a mode of its own)")
    add.add_argument("--description", default="", metavar="TEXT")
    add.add_argument("--position", type=int, metavar="N", help="0-based place in the list")
    change = actions.add_parser("set", parents=[common],
                                help="rename, recolour, re-key, describe, change allowed labels")
    change.add_argument("name")
    change.add_argument("--rename", metavar="NEW")
    change.add_argument("--color", metavar="#RRGGBB")
    key = change.add_mutually_exclusive_group()
    key.add_argument("--key", metavar="K")
    key.add_argument("--no-key", action="store_true", help="remove the type's key")
    change.add_argument("--description", metavar="TEXT")
    change.add_argument("--heads", type=label_list, metavar="LABELS",
                        help=ends_help.format("head"))
    change.add_argument("--tails", type=label_list, metavar="LABELS",
                        help=ends_help.format("tail"))
    move = actions.add_parser("move", parents=[common], help="move a relation type in the list")
    move.add_argument("name")
    move.add_argument("position", type=int, help="0-based place in the list")
    remove = actions.add_parser("remove", parents=[common], help="remove a relation type")
    remove.add_argument("name")
    remove.add_argument("--delete-relations", action="store_true",
                        help="also delete the relations of this type (otherwise refused if "
                             "in use)")
    parser.set_defaults(func=run, action=None, json=False)


def _free_color(project: Project) -> str:
    used = {rt.color.lower() for rt in project.relation_types()}
    used |= {label.color.lower() for label in project.labels()}
    return next((c for c in EXTRA_LABEL_COLORS if c not in used), EXTRA_LABEL_COLORS[0])


def _ends(names: tuple[str, ...]) -> str:
    return " | ".join(names) if names else "any"


def _print(project: Project, as_json: bool) -> None:
    types = project.relation_types()
    usage = {rt.name: project.relation_type_usage(rt.name) for rt in types}
    if as_json:
        print(dumps_json([{"name": rt.name, "color": rt.color, "key": rt.key,
                           "description": rt.description, "heads": list(rt.heads),
                           "tails": list(rt.tails), "relations": usage[rt.name]}
                          for rt in types], indent=2))
        return
    for rt in types:
        print(f"{shown(rt.key or '-'):>2}  {shown(rt.name):<16} {rt.color}  "
              f"{shown(_ends(rt.heads) + ' → ' + _ends(rt.tails)):<26} "
              f"{counted(usage[rt.name], 'relation'):>14}  {shown(rt.description)}")


def run(args: argparse.Namespace) -> int:
    who = default_annotator()
    with project_from(args) as project:
        if args.action in (None, "list"):
            _print(project, args.json)
            return 0
        if args.action == "add":
            check_name(args.name)
            rt = RelationType(args.name, args.color or _free_color(project), args.key,
                              args.description, args.heads, args.tails)
            project.add_relation_type(rt, who=who, position=args.position)
        elif args.action == "set":
            changes: dict[str, object] = {}
            if args.rename is not None:
                check_name(args.rename)
                changes["new_name"] = args.rename
            if args.color is not None:
                changes["color"] = args.color
            if args.key is not None or args.no_key:
                changes["key"] = None if args.no_key else args.key
            if args.description is not None:
                changes["description"] = args.description
            if args.heads is not None:
                changes["heads"] = args.heads
            if args.tails is not None:
                changes["tails"] = args.tails
            project.update_relation_type(args.name, who=who, **changes)  # type: ignore[arg-type]
        elif args.action == "move":
            project.move_relation_type(args.name, args.position, who=who)
        elif args.action == "remove":
            removed = project.remove_relation_type(args.name, who=who,
                                                   delete_relations=args.delete_relations)
            if removed:
                print(f"deleted {counted(len(removed), 'relation')} of type "
                      f"{shown(args.name)!r}", file=sys.stderr)
        _print(project, False)
    return 0

"""``annotator labels``: list, add, change, move and remove the project's labels."""

from __future__ import annotations

import argparse
import sys

from annotator.cli.common import dumps_json, project_from, shown
from annotator.domain.labels import Label, check_description, check_name, check_new_label
from annotator.services.importing import EXTRA_LABEL_COLORS, default_annotator
from annotator.store import Project


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("labels", parents=[common], help="show or change the label set")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    listing = actions.add_parser("list", parents=[common], help="list the labels (the default)")
    listing.add_argument("--json", action="store_true")
    add = actions.add_parser("add", parents=[common], help="add a label")
    add.add_argument("name")
    add.add_argument("--color", metavar="#RRGGBB")
    add.add_argument("--key", metavar="K")
    add.add_argument("--description", default="", metavar="TEXT")
    add.add_argument("--position", type=int, metavar="N", help="0-based place in the palette")
    change = actions.add_parser("set", parents=[common], help="rename, recolour, re-key, describe")
    change.add_argument("name")
    change.add_argument("--rename", metavar="NEW")
    change.add_argument("--color", metavar="#RRGGBB")
    key = change.add_mutually_exclusive_group()
    key.add_argument("--key", metavar="K")
    key.add_argument("--no-key", action="store_true", help="remove the label's key")
    change.add_argument("--description", metavar="TEXT")
    move = actions.add_parser("move", parents=[common], help="move a label in the palette")
    move.add_argument("name")
    move.add_argument("position", type=int, help="0-based place in the palette")
    remove = actions.add_parser("remove", parents=[common], help="remove a label")
    remove.add_argument("name")
    remove.add_argument("--delete-spans", action="store_true",
                        help="also delete the spans that carry it (otherwise refused if in use)")
    parser.set_defaults(func=run, action=None, json=False)


def _free_color(project: Project) -> str:
    used = {label.color.lower() for label in project.labels()}
    return next((c for c in EXTRA_LABEL_COLORS if c not in used), EXTRA_LABEL_COLORS[0])


def _print(project: Project, as_json: bool) -> None:
    labels = project.labels()
    usage = {label.name: project.label_usage(label.name) for label in labels}
    if as_json:
        print(dumps_json([{"name": lab.name, "color": lab.color, "key": lab.key,
                           "description": lab.description, "spans": usage[lab.name]}
                          for lab in labels], indent=2))
        return
    for label in labels:
        print(f"{shown(label.key or '-'):>2}  {shown(label.name):<16} {label.color}  "
              f"{usage[label.name]:>7} spans  {shown(label.description)}")


def run(args: argparse.Namespace) -> int:
    who = default_annotator()
    with project_from(args) as project:
        if args.action in (None, "list"):
            _print(project, args.json)
            return 0
        if args.action == "add":
            label = check_new_label(Label(args.name, args.color or _free_color(project),
                                          args.key, args.description))
            project.add_label(label, who=who, position=args.position)
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
                check_description(args.name, args.description)
                changes["description"] = args.description
            project.update_label(args.name, who=who, **changes)  # type: ignore[arg-type]
        elif args.action == "move":
            project.move_label(args.name, args.position, who=who)
        elif args.action == "remove":
            removed = project.remove_label(args.name, who=who, delete_spans=args.delete_spans)
            if removed:
                print(f"deleted {len(removed)} span(s) labelled {shown(args.name)!r}", file=sys.stderr)
        _print(project, False)
    return 0

"""``annotator attributes``: list, declare, change, move and remove the attributes labels
declare for their spans (``claim.stance``, ``source.kind``); the values are set on spans in the
window or imported."""

from __future__ import annotations

import argparse
import sys

from annotator.cli.common import dumps_json, project_from, shown
from annotator.cli.relations_cmd import label_list
from annotator.domain.relations import ATTRIBUTE_KINDS, Attribute
from annotator.services.importing import default_annotator
from annotator.services.wording import counted
from annotator.store import Project


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("attributes", parents=[common],
                                   help="show or change the attributes labels declare")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    listing = actions.add_parser("list", parents=[common],
                                 help="list the attributes (the default)")
    listing.add_argument("label", nargs="?", help="only this label's")
    listing.add_argument("--json", action="store_true")
    add = actions.add_parser("add", parents=[common], help="declare an attribute on a label")
    add.add_argument("label")
    add.add_argument("name")
    add.add_argument("--kind", choices=ATTRIBUTE_KINDS, default="choice",
                     help="choice (one of --choices), flag (yes/no) or text (short text); "
                          "default: choice")
    add.add_argument("--choices", type=label_list, default=(), metavar="VALUES",
                     help="comma-separated values of a choice")
    add.add_argument("--description", default="", metavar="TEXT")
    add.add_argument("--position", type=int, metavar="N", help="0-based place among the "
                     "label's attributes")
    change = actions.add_parser("set", parents=[common],
                                help="change an attribute's choices or description")
    change.add_argument("label")
    change.add_argument("name")
    change.add_argument("--choices", type=label_list, metavar="VALUES",
                        help="the new comma-separated values (a value spans hold must stay)")
    change.add_argument("--description", metavar="TEXT")
    move = actions.add_parser("move", parents=[common],
                              help="move an attribute among its label's attributes")
    move.add_argument("label")
    move.add_argument("name")
    move.add_argument("position", type=int, help="0-based place among the label's attributes")
    remove = actions.add_parser("remove", parents=[common], help="remove an attribute")
    remove.add_argument("label")
    remove.add_argument("name")
    remove.add_argument("--clear-values", action="store_true",
                        help="also clear the values spans hold (otherwise refused if in use)")
    parser.set_defaults(func=run, action=None, json=False, label=None)


def _print(project: Project, label: str | None, as_json: bool) -> None:
    if label is not None:
        project.label(label)  # an unknown label is an error, not an empty list
    attributes = project.label_attributes(label)
    usage = {a.qualified: project.attribute_usage(a.label, a.name) for a in attributes}
    if as_json:
        print(dumps_json([{"label": a.label, "name": a.name, "kind": a.kind,
                           "choices": list(a.choices), "description": a.description,
                           "spans": usage[a.qualified]} for a in attributes], indent=2))
        return
    for a in attributes:
        values = ", ".join(a.choices) if a.kind == "choice" else \
            ("yes/no" if a.kind == "flag" else "text")
        print(f"{shown(a.qualified):<20} {a.kind:<6}  {shown(values)}  "
              f"({counted(usage[a.qualified], 'span')})  {shown(a.description)}")


def run(args: argparse.Namespace) -> int:
    who = default_annotator()
    with project_from(args) as project:
        if args.action in (None, "list"):
            _print(project, args.label, args.json)
            return 0
        if args.action == "add":
            project.add_label_attribute(
                Attribute(args.label, args.name, args.kind, args.choices, args.description),
                who=who, position=args.position)
        elif args.action == "set":
            changes: dict[str, object] = {}
            if args.choices is not None:
                changes["choices"] = args.choices
            if args.description is not None:
                changes["description"] = args.description
            project.update_label_attribute(args.label, args.name, who=who,
                                           **changes)  # type: ignore[arg-type]
        elif args.action == "move":
            project.move_label_attribute(args.label, args.name, args.position, who=who)
        elif args.action == "remove":
            _, cleared = project.remove_label_attribute(args.label, args.name, who=who,
                                                        clear_values=args.clear_values)
            if cleared:
                print(f"cleared {shown(args.label)}.{shown(args.name)} on "
                      f"{counted(len(cleared), 'span')}", file=sys.stderr)
        _print(project, None, False)
    return 0

"""``annotator aliases``: the project's alias table for search (``Putin`` -> ``プーチン``).

Aliases name what readings miss: English exonyms and names pykakasi misreads. A search for the
term also finds every surface form listed for it.
"""

from __future__ import annotations

import argparse
import sys

from annotator.cli.common import dumps_json, project_from, shown
from annotator.services.importing import default_annotator


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("aliases", parents=[common],
                                   help="list, add or remove search aliases (Putin -> プーチン)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    listing = actions.add_parser("list", parents=[common], help="list the aliases (the default)")
    listing.add_argument("--json", action="store_true", help="print {term: [surface, ...]}")
    for name, text in (("add", "add an alias"), ("remove", "remove an alias")):
        sub = actions.add_parser(name, parents=[common], help=text)
        sub.add_argument("term", help="what a user types, e.g. Putin")
        sub.add_argument("surface", help="how it is written in the texts, e.g. プーチン")
    parser.set_defaults(func=run, action=None, json=False)


def run(args: argparse.Namespace) -> int:
    who = default_annotator()
    with project_from(args) as project:
        if args.action == "add":
            if not args.term.strip() or not args.surface.strip():
                print("annotator aliases: error: the term and the surface form must not be empty",
                      file=sys.stderr)
                return 2
            if not project.add_alias(args.term, args.surface, who=who):
                print(f"already there: {shown(args.term.strip())} -> {shown(args.surface.strip())}",
                      file=sys.stderr)
            return 0
        if args.action == "remove":
            if not project.remove_alias(args.term.strip(), args.surface.strip(), who=who):
                print(f"annotator: error: no alias {shown(args.term)} -> {shown(args.surface)}",
                      file=sys.stderr)
                return 1
            return 0
        table = project.aliases()
    if args.json:
        print(dumps_json(table, indent=2))
    else:
        for term, surfaces in table.items():
            print(f"{shown(term)}\t{', '.join(map(shown, surfaces))}")
    return 0

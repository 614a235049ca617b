"""``annotator search QUERY``: find a name or word by reading in every document of the project.

The query may be kana, romaji (``puchin``, ``kitachousen``), kanji or plain text, or a term of
the project's alias table (``annotator aliases``). Indexes missing from the project's cache are
built (with a progress bar on a terminal) and cached for the next search.
"""

from __future__ import annotations

import argparse
import sys

from annotator.cli.common import TerminalProgress, dumps_json, project_from, shown
from annotator.services.japanese import context
from annotator.services.japanese.parallel import IndexPool
from annotator.services.japanese.project_search import hit_record, load_indexes, search_project


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "search", parents=[common],
        help="find a word by reading (kana, romaji, kanji or an alias) in every document")
    parser.add_argument("query", help="what to find, e.g. puchin, kitachousen, プーチン, Putin")
    parser.add_argument("--json", action="store_true",
                        help='print a JSON list of {"document", "id", "start", "end", "text"} '
                             "(code-point offsets, end-exclusive)")
    parser.add_argument("--max", type=int, metavar="N", help="stop after N hits")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.max is not None and args.max < 1:
        return _usage("--max must be at least 1")
    if not args.query.strip():
        return _usage("the query is empty")
    with project_from(args) as project:
        progress = TerminalProgress("indexing")
        with IndexPool() as pool:  # only started when there is enough text left to index
            indexes = load_indexes(project, progress=progress, pool=pool)
        progress.finish()
        hits = search_project(project, args.query, args.max, indexes=indexes)
        documents = {d.id: d for d in project.documents()}
    if args.json:
        print(dumps_json([hit_record(h, documents[h.document]) for h in hits], indent=2))
        return 0
    for hit in hits:
        before, match, after = context(indexes[hit.document].text, hit.start, hit.end)
        print(f"{shown(documents[hit.document].name)}\t{hit.start}\t{hit.end}\t"
              f"{shown(before)}[{shown(match)}]{shown(after)}")
    return 0


def _usage(message: str) -> int:
    print(f"annotator search: error: {message}", file=sys.stderr)
    return 2

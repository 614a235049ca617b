"""``annotator numbers``: give number spans without a value the value parsed from their text.

The label concerned is the project setting ``numbers.label`` (default ``number``). Values set
before (by hand or earlier) are never changed. ``--list`` prints the number spans and values.
"""

from __future__ import annotations

import argparse
import sys

from annotator.cli.common import dumps_json, project_from, shown
from annotator.services.importing import default_annotator
from annotator.services.japanese.number_values import fill_values, number_label


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("numbers", parents=[common],
                                   help="fill in the values of number spans that have none")
    parser.add_argument("--document", metavar="NAME", help="only this document (its name or id)")
    parser.add_argument("--list", action="store_true",
                        help="print every number span with its value as JSON lines, change nothing")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with project_from(args) as project:
        document_id = None
        docs = project.documents()
        if args.document is not None:
            doc = next((d for d in docs if args.document in (d.name, d.uid, str(d.id))), None)
            if doc is None:
                print(f"annotator: error: no document {shown(args.document)!r} in the project",
                      file=sys.stderr)
                return 1
            document_id = doc.id
        names = {d.id: d.name for d in docs}
        if args.list:
            for span in project.spans(document_id, labels=[number_label(project)]):
                text = project.text(span.document_id)[span.start:span.end]
                print(dumps_json({"document": names[span.document_id], "start": span.start,
                                  "end": span.end, "text": text, "value": span.value}))
            return 0
        updated = fill_values(project, who=default_annotator(), document_id=document_id)
    print(f"{len(updated)} number span(s) given a value")
    return 0

"""``annotator export``: native JSONL, doccano JSONL or Label Studio JSON."""

from __future__ import annotations

import argparse
import sys

from annotator.cli.common import TerminalProgress, path_argument, project_from, shown
from annotator.services.exporting import FORMATS, ExportFilter, export


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "export", parents=[common], help="export documents and spans",
        description="Export to standard output or, with -o, atomically to a file. jsonl offsets "
        "are code points; doccano and labelstudio offsets are UTF-16 code units.")
    parser.add_argument("--format", choices=FORMATS, default="jsonl")
    parser.add_argument("--annotator", action="append", metavar="NAME",
                        help="only spans by this annotator (repeatable)")
    parser.add_argument("--label", action="append", metavar="NAME",
                        help="only spans with this label (repeatable)")
    parser.add_argument("--document", action="append", metavar="NAME",
                        help="only this document: name, id or SHA-256 prefix (repeatable)")
    parser.add_argument("--skip-empty", action="store_true",
                        help="leave out documents with no (selected) spans")
    parser.add_argument("-o", "--output", metavar="FILE", type=path_argument,
                        help="write here, atomically (default: standard output)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    filters = ExportFilter(annotators=args.annotator, labels=args.label,
                           documents=args.document, skip_empty=args.skip_empty)
    with project_from(args) as project:
        progress = TerminalProgress("exporting") if args.output else None
        try:
            report = export(project, args.format, output=args.output, filters=filters,
                            progress=progress)
        finally:
            if progress:
                progress.finish()
    if args.output:
        print(f"{report.documents} document(s), {report.spans} span(s) written to "
              f"{shown(args.output)}", file=sys.stderr)
    for note in report.notes:
        print(f"note: {shown(note)}", file=sys.stderr)
    return 0

"""``annotator import``: texts (.txt, folders) and labelled JSONL, all or nothing."""

from __future__ import annotations

import argparse
import sys

from annotator.cli.common import TerminalProgress, project_from
from annotator.services.importing import import_paths


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "import", parents=[common], help="import .txt files, folders and native JSONL",
        description="Import texts (UTF-8, UTF-16 with BOM, Shift_JIS, EUC-JP; detected) and "
        "labelled JSONL. All or nothing: one bad file and nothing is imported.")
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument("--annotator", metavar="NAME",
                        help="annotator for spans that name none (default: your user name)")
    parser.add_argument("--add-labels", action="store_true",
                        help="add unknown labels to the project instead of refusing them")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with project_from(args, create=True) as project:
        progress = TerminalProgress("importing")
        try:
            report = import_paths(project, args.paths, annotator=args.annotator,
                                  add_labels=args.add_labels, progress=progress)
        finally:
            progress.finish()
    print(report.summary(), file=sys.stderr)
    return 0

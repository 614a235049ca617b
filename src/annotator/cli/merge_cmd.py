"""``annotator merge``: bring colleagues' work (native JSONL or a project file) into the project."""

from __future__ import annotations

import argparse
import sys

from annotator.cli.common import TerminalProgress, project_from
from annotator.services.importing import default_annotator


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "merge", parents=[common], help="merge colleagues' spans (JSONL export or project file)",
        description="Merge colleagues' spans, with their relations and attribute values, into "
        "this project, keeping their annotator names. "
        "Documents are matched by the SHA-256 of their text: if any document is not in this "
        "project, each one is named and nothing is merged. Each file is checked first as "
        "strictly as an import (every text against its SHA-256, every span's bounds, label, "
        "annotator and times): a problem is named with its file, document and span, and "
        "nothing is merged. A project file is only read; the project open here (under any "
        "name) and anything but a regular file are refused. Merging the same work twice adds "
        "nothing.")
    parser.add_argument("paths", nargs="+", metavar="FILE")
    parser.add_argument("--annotator", metavar="NAME",
                        help="annotator for spans that name none (default: refuse them)")
    parser.add_argument("--add-labels", action="store_true",
                        help="add unknown labels (and relation types and attributes) to the "
                             "project instead of refusing them")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: every command registers at start-up, and only a merge needs the review
    # services (about a tenth of every command's start).
    from annotator.services.review.colleagues import merge_work

    with project_from(args) as project:
        progress = TerminalProgress("merging")
        try:
            report = merge_work(project, args.paths, who=default_annotator(),
                                annotator=args.annotator, add_labels=args.add_labels,
                                progress=progress)
        finally:
            progress.finish()
    print(report.summary(), file=sys.stderr)
    return 0

"""``annotator import``: texts (.txt, folders) and labelled JSONL, all or nothing."""

from __future__ import annotations

import argparse
import sys

from annotator.cli.common import TerminalProgress, encoding_argument, project_from, shown
from annotator.services.importing import import_paths


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "import", parents=[common], help="import .txt files, folders and native JSONL",
        description="Import texts and labelled JSONL. All or nothing: one bad file and nothing "
        "is imported. A text's encoding is detected: UTF-8, UTF-16/32 with a BOM, Shift_JIS "
        "(cp932), EUC-JP, ISO-2022-JP, GB18030, Big5 or cp1252/latin-1; when it cannot be told "
        "for sure the file is refused, naming the candidates: pass --encoding. JSONL is UTF-8.")
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument("--annotator", metavar="NAME",
                        help="annotator for spans that name none (default: your user name)")
    parser.add_argument("--add-labels", action="store_true",
                        help="add unknown labels to the project instead of refusing them")
    parser.add_argument("--encoding", metavar="NAME", type=encoding_argument,
                        help="decode every file with this encoding instead of detecting it "
                             "(e.g. cp932, euc-jp, iso-2022-jp, gb18030, big5, cp1252, utf-8)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with project_from(args, create=True) as project:
        progress = TerminalProgress("importing")
        try:
            report = import_paths(project, args.paths, annotator=args.annotator,
                                  add_labels=args.add_labels, progress=progress,
                                  encoding=args.encoding)
        finally:
            progress.finish()
    print(shown(report.summary()), file=sys.stderr)
    return 0

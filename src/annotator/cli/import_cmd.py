"""``annotator import``: texts, native JSONL and the formats of other tools, all or nothing."""

from __future__ import annotations

import argparse
import sys

from annotator.cli.common import TerminalProgress, encoding_argument, project_from, shown
from annotator.services.formats import IMPORT_FORMATS, ImportOptions
from annotator.services.import_scan import FolderImportReport
from annotator.services.importing import import_paths


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "import", parents=[common], help="import texts, JSONL, Label Studio, doccano, CoNLL ...",
        description="Import files and folders. All or nothing: one bad file or record and "
        "nothing is imported. --format auto (the default) recognises each file by its content: "
        "Label Studio JSON, doccano JSONL, native JSONL, CoNLL/IOB2, brat folders, spaCy "
        "DocBin, REFI-QDA; a structured file no importer recognises is refused, never imported "
        "as a text. A text's encoding is detected: UTF-8, UTF-16/32 with a BOM, Shift_JIS "
        "(cp932), EUC-JP, ISO-2022-JP, GB18030, Big5 or cp1252/latin-1; when it cannot be told "
        "for sure the file is refused, naming the candidates: pass --encoding. JSON is UTF-8.")
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument("--format", choices=IMPORT_FORMATS, default="auto",
                        help="the format of every PATH (default: auto, recognised per file)")
    parser.add_argument("--annotator", metavar="NAME",
                        help="annotator for spans that name none (default: your user name)")
    parser.add_argument("--add-labels", action="store_true",
                        help="add unknown labels (and relation types and attributes) to the "
                             "project instead of refusing them")
    parser.add_argument("--encoding", metavar="NAME", type=encoding_argument,
                        help="decode every file with this encoding instead of detecting it "
                             "(e.g. cp932, euc-jp, iso-2022-jp, gb18030, big5, cp1252, utf-8)")
    parser.add_argument("--conll-join", choices=("auto", "space", "none"), default="auto",
                        help="CoNLL: how tokens are joined into the text (auto: no space "
                             "between CJK tokens, one space otherwise)")
    parser.add_argument("--conll-document", choices=("file", "docstart", "sentence"),
                        default="docstart",
                        help="CoNLL: what becomes a document (default: each -DOCSTART- section)")
    parser.add_argument("--conll-tag-column", type=int, default=-1, metavar="N",
                        help="CoNLL: the column holding the tag, counted from 0; negative counts "
                             "from the end (default: -1, the last)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    options = ImportOptions(conll_join=args.conll_join, conll_document=args.conll_document,
                            conll_tag_column=args.conll_tag_column)
    skipped: list[tuple[str, str]] = []
    with project_from(args, create=True) as project:
        progress = TerminalProgress("importing")
        try:
            report = import_paths(project, args.paths, annotator=args.annotator,
                                  add_labels=args.add_labels, progress=progress,
                                  encoding=args.encoding, fmt=args.format, options=options,
                                  skipped=skipped)
        finally:
            progress.finish()
    if skipped:
        report = FolderImportReport.of(report, sorted(skipped))
    print(shown(report.summary()), file=sys.stderr)
    return 0

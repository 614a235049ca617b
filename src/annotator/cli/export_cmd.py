"""``annotator export``: native JSONL and the formats of other tools (EXPORT_FORMATS)."""

from __future__ import annotations

import argparse
import sys

from annotator.cli.common import TerminalProgress, path_argument, project_from, shown
from annotator.services.exporting import FOLDER_FORMATS, ExportFilter, export
from annotator.services.formats import EXPORT_FORMATS, ExportOptions
from annotator.services.wording import counted


def _email_pair(value: str) -> tuple[str, str]:
    name, sep, email = value.partition("=")
    if not sep or not name or not email:
        raise argparse.ArgumentTypeError("expected NAME=EMAIL")
    return name, email


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "export", parents=[common], help="export documents and spans",
        description="Export to standard output or, with -o, atomically to a file (a folder "
        "for brat and hf). Offsets: jsonl and labelstudio count code points, doccano UTF-16 "
        "code units. What a format cannot hold is reported, never dropped silently.")
    parser.add_argument("--format", choices=EXPORT_FORMATS, default="jsonl")
    parser.add_argument("--annotator", action="append", metavar="NAME",
                        help="only spans by this annotator (repeatable)")
    parser.add_argument("--label", action="append", metavar="NAME",
                        help="only spans with this label (repeatable)")
    parser.add_argument("--document", action="append", metavar="NAME",
                        help="only this document: name, id or SHA-256 prefix (repeatable)")
    parser.add_argument("--skip-empty", action="store_true",
                        help="leave out documents with no (selected) spans")
    parser.add_argument("-o", "--output", metavar="PATH", type=path_argument,
                        help="write here, atomically (default: standard output)")
    parser.add_argument("--annotator-email", action="append", metavar="NAME=EMAIL",
                        type=_email_pair, default=[],
                        help="labelstudio: completed_by of NAME's annotations (repeatable)")
    parser.add_argument("--email-domain", metavar="DOMAIN",
                        help="labelstudio: completed_by NAME@DOMAIN for the other annotators")
    parser.add_argument("--as", dest="labelstudio_as", choices=("annotations", "predictions"),
                        default="annotations",
                        help="labelstudio: write annotations (default) or predictions "
                             "(pre-annotations, model_version = the annotator)")
    parser.add_argument("--layer", metavar="NAME",
                        help="conll, jsonl: the one annotator (layer) whose spans and "
                             "relations are written")
    parser.add_argument("--align", choices=("strict", "expand", "contract"), default="strict",
                        help="spacy: spans that do not align to tokens (default: strict, "
                             "reported and left out)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    filters = ExportFilter(annotators=args.annotator, labels=args.label,
                           documents=args.document, skip_empty=args.skip_empty)
    options = ExportOptions(annotator_emails=dict(args.annotator_email),
                            email_domain=args.email_domain, labelstudio_as=args.labelstudio_as,
                            layer=args.layer, align=args.align)
    if args.format in FOLDER_FORMATS and not args.output:
        parser_error = f"--format {args.format} writes a folder: give -o FOLDER"
        print(f"annotator: error: {parser_error}", file=sys.stderr)
        return 2
    with project_from(args) as project:
        progress = TerminalProgress("exporting") if args.output else None
        try:
            report = export(project, args.format, output=args.output, filters=filters,
                            progress=progress, options=options)
        finally:
            if progress:
                progress.finish()
    if args.output:
        relations = f", {counted(report.relations, 'relation')}" if report.relations else ""
        print(f"{counted(report.documents, 'document')}, {counted(report.spans, 'span')}"
              f"{relations} written to {shown(args.output)}", file=sys.stderr)
    for reason, count in report.lost.items():
        print(f"lost: {counted(count, 'span')}: {shown(reason)}", file=sys.stderr)
    for note in report.notes:
        print(f"note: {shown(note)}", file=sys.stderr)
    return 0

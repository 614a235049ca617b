"""``annotator check``: consistency (same text with different labels; labelled text left
unlabelled elsewhere)."""

from __future__ import annotations

import argparse

from annotator.cli.common import dumps_json, project_from, shown
from annotator.services.review.project_review import project_consistency


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "check", parents=[common], help="consistency checks across the project",
        description="List places where the same text carries different labels, and occurrences "
        "of a labelled text that no span of its labels covers. Exit status 0 either way.")
    parser.add_argument("--annotator", action="append", metavar="NAME",
                        help="only this annotator's spans (repeatable; default: all)")
    parser.add_argument("--min-length", type=int, default=2, metavar="N",
                        help="ignore texts shorter than N characters (default 2)")
    parser.add_argument("--json", action="store_true", help="print JSON lines, one per finding")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with project_from(args) as project:
        findings = project_consistency(project, annotators=args.annotator,
                                       min_length=args.min_length)
        names = {d.id: d.name for d in project.documents()}
    for f in findings:
        if args.json:
            print(dumps_json({
                "kind": f.kind.value, "document": names[f.document_id], "start": f.start,
                "end": f.end, "text": f.text, "labels": dict(f.labels),
                "labels_here": list(f.labels_here), "span_ids": list(f.span_ids),
                "covering_labels": list(f.covering_labels)}))
        else:
            labels = ", ".join(f"{shown(label)} ×{n}" for label, n in f.labels)
            here = f"; here: {', '.join(map(shown, f.labels_here))}" if f.labels_here else ""
            print(f"{shown(names[f.document_id])}:[{f.start},{f.end}) {f.text!r}: {f.kind.value} "
                  f"({labels}{here})")
    if not args.json:
        print(f"{len(findings)} finding(s)")
    return 0

"""``annotator agree``: inter-annotator agreement (span P/R/F1, Cohen's kappa, Krippendorff's alpha)."""

from __future__ import annotations

import argparse
from typing import Any

from annotator.cli.common import dumps_json, project_from, shown
from annotator.services.review.project_review import project_agreement


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "agree", parents=[common], help="agreement between annotators",
        description="Agreement of the annotators over the documents in which each of them has "
        "at least one span: span precision/recall/F1 of B against A (exact and overlap), "
        "Cohen's kappa (two annotators) and Krippendorff's alpha over characters; overall, per "
        "label and per document. With three or more annotators the span figures pool every pair.")
    parser.add_argument("--annotators", nargs="+", required=True, metavar="NAME",
                        help="two or more annotators; the first is the reference")
    parser.add_argument("--label", action="append", metavar="NAME",
                        help="only this label (repeatable)")
    parser.add_argument("--document", action="append", metavar="NAME",
                        help="only this document: name, id or SHA-256 prefix (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=run)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _row(name: str, figures: dict[str, Any]) -> str:
    cells = [figures["exact"]["precision"], figures["exact"]["recall"], figures["exact"]["f1"],
             figures["overlap"]["precision"], figures["overlap"]["recall"],
             figures["overlap"]["f1"], figures["cohen_kappa"], figures["krippendorff_alpha"]]
    name = shown(name)
    cut = name if len(name) <= 24 else name[:23] + "…"
    return f"{cut:<24}" + "".join(f"{_num(c):>8}" for c in cells)


def format_table(result: dict[str, Any], names: dict[str, str]) -> str:
    """The JSON result as a readable table (``names``: document uid -> name)."""
    header = f"{'':<24}" + "".join(f"{h:>8}" for h in (
        "ex.P", "ex.R", "ex.F1", "ov.P", "ov.R", "ov.F1", "kappa", "alpha"))
    lines = [f"annotators: {', '.join(map(shown, result['annotators']))} (the first is the "
             f"reference)",
             f"documents:  {len(result['documents'])} in which every annotator has a span", "",
             header, _row("overall", result["overall"])]
    if result["per_label"]:
        lines += ["", "per label:"]
        lines += [_row(label, f) for label, f in result["per_label"].items()]
    if result["per_document"]:
        lines += ["", "per document:"]
        lines += [_row(names.get(doc, doc), f) for doc, f in result["per_document"].items()]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    with project_from(args) as project:
        result = project_agreement(project, args.annotators, labels=args.label,
                                   documents=args.document).to_json()
        names = {d.uid: d.name for d in project.documents()}
    if args.json:
        print(dumps_json(result))
    else:
        print(format_table(result, names))
    return 0

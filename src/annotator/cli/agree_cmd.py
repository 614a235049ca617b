"""``annotator agree``: inter-annotator agreement (span P/R/F1, Cohen's kappa, Krippendorff's alpha)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any, TextIO

from annotator.cli.common import TerminalProgress, dumps_json, project_from, shown
from annotator.services.review.project_review import project_agreement
from annotator.services.review.results import PRF, AgreementResult, Figures, prf_figures


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
    relations = result.get("relations")
    overall_relations = relations["overall"]["exact"] if relations else {}
    if any(overall_relations.get(k) is not None for k in ("precision", "recall")):
        lines += ["", "relations (both ends and the type match; exact and overlap):"]
        lines += [_row("all relations", _spans_only(relations["overall"]))]
        lines += [_row(kind, _spans_only(f)) for kind, f in relations["per_type"].items()]
    if result.get("attributes"):
        lines += ["", "attributes (over the spans every annotator marked identically):",
                  f"{'':<24}{'units':>8}{'kappa':>8}{'alpha':>8}"]
        for key, f in result["attributes"].items():
            name = shown(key)
            cut = name if len(name) <= 24 else name[:23] + "…"
            lines.append(f"{cut:<24}{f['units']:>8}{_num(f['cohen_kappa']):>8}"
                         f"{_num(f['krippendorff_alpha']):>8}")
    if result["per_document"]:
        lines += ["", "per document:"]
        lines += [_row(names.get(doc, doc), f) for doc, f in result["per_document"].items()]
    return "\n".join(lines)


def _spans_only(figures: dict[str, Any]) -> dict[str, Any]:
    """Relation figures in a row of the table (no coefficients: shown as ``-``)."""
    return {**figures, "cohen_kappa": None, "krippendorff_alpha": None}


def _number(value: float | None) -> str:
    return "null" if value is None else repr(value)  # what json.dumps writes for a float


def _prf_json(prf: PRF) -> str:
    return (f'{{"precision": {_number(prf.precision)}, "recall": {_number(prf.recall)}, '
            f'"f1": {_number(prf.f1)}}}')


def figures_json(figures: Figures) -> str:
    """``dumps_json(figures.to_json())``, written directly (it runs once per document)."""
    return (f'{{"exact": {_prf_json(figures.exact)}, "overlap": {_prf_json(figures.overlap)}, '
            f'"cohen_kappa": {_number(figures.cohen_kappa)}, '
            f'"krippendorff_alpha": {_number(figures.krippendorff_alpha)}}}')


@lru_cache(maxsize=1 << 14)
def _prf_text(reference: int, compared: int, reference_matched: int, compared_matched: int
              ) -> str:
    """``_prf_json(PRF.from_counts(SpanCounts(...)))`` without the objects (documents share
    their counts often: each text is made once)."""
    precision, recall, f1 = prf_figures(reference, compared, reference_matched, compared_matched)
    return (f'{{"precision": {_number(precision)}, "recall": {_number(recall)}, '
            f'"f1": {_number(f1)}}}')


def _document_json(counts: Sequence[int], kappa: float, alpha: float) -> str:
    """:func:`figures_json` of one row of ``DocumentFigures.raw`` (NaN: undefined)."""
    return (f'{{"exact": {_prf_text(*counts[:4])}, "overlap": {_prf_text(*counts[4:])}, '
            f'"cohen_kappa": {"null" if kappa != kappa else repr(kappa)}, '
            f'"krippendorff_alpha": {"null" if alpha != alpha else repr(alpha)}}}')


def _key_json(value: object) -> str:
    """``dumps_json(str(value))`` of a document's uid (a plain ASCII word, as most are, as it
    is)."""
    text = str(value)
    if text.isascii() and text.isalnum():
        return f'"{text}"'
    return dumps_json(text)


def json_parts(result: AgreementResult) -> Iterator[str]:
    """``dumps_json(result.to_json())`` in pieces, one document at a time (the same text,
    without building the whole object or string: a corpus has 100,000 documents)."""
    yield f'{{"annotators": {dumps_json(list(result.annotators))}, "documents": ['
    for index, doc in enumerate(result.documents):
        text = _key_json(doc) if isinstance(doc, str) else dumps_json(doc)
        yield f"{', ' if index else ''}{text}"
    yield f'], "overall": {dumps_json(result.overall.to_json())}, "per_label": '
    yield dumps_json({label: f.to_json() for label, f in result.per_label.items()})
    yield ', "per_document": {'
    raw = getattr(result.per_document, "raw", None)
    if raw is not None:  # the builder's compact rows
        for index, (doc, counts, kappa, alpha) in enumerate(raw()):
            text = _document_json(counts, kappa, alpha)
            yield f"{', ' if index else ''}{_key_json(doc)}: {text}"
    else:
        for index, (doc, figures) in enumerate(result.per_document.items()):
            yield f"{', ' if index else ''}{dumps_json(str(doc))}: {figures_json(figures)}"
    yield (f'}}, "pairs": {dumps_json([pair.to_json() for pair in result.pairs])}, '
           f'"confusion": {dumps_json([table.to_json() for table in result.confusion])}, '
           f'"relations": {dumps_json(result.relations_json())}, '
           f'"attributes": {dumps_json(result.attributes_json())}}}')


def write_json(result: AgreementResult, out: TextIO) -> None:
    """Write :func:`json_parts` and a newline to ``out`` (in blocks of about 1,000 parts)."""
    block: list[str] = []
    for part in json_parts(result):
        block.append(part)
        if len(block) >= 1000:
            out.write("".join(block))
            block.clear()
    block.append("\n")
    out.write("".join(block))


def run(args: argparse.Namespace) -> int:
    progress = TerminalProgress("agree")
    try:
        with project_from(args) as project:
            result = project_agreement(project, args.annotators, labels=args.label,
                                       documents=args.document, progress=progress)
            names = None if args.json else {d.uid: d.name for d in project.documents()}
    finally:
        progress.finish()
    if args.json:
        write_json(result, sys.stdout)
    else:
        print(format_table(result.to_json(), names or {}))
    return 0

"""``annotator review-status``: show or set a document's review status, with the review
decisions in effect about its spans and its relations."""

from __future__ import annotations

import argparse
from typing import Any

from annotator.cli.common import dumps_json, project_from, shown
from annotator.domain.errors import DataError
from annotator.services.exporting import select_documents
from annotator.services.importing import default_annotator
from annotator.services.review.relation_review import decision_summary
from annotator.store.schema import REVIEW_STATUSES

#: How each decision reads in the listing.
_WORDS = {"accept": "accepted", "accept_with_changes": "accepted with changes",
          "reject": "rejected", "add": "added"}


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "review-status", parents=[common], help="show or set a document's review status",
        description="Without STATUS, print the document's review status; with it, set it. "
        "The first adjudication decision on a document sets it to 'in review' by itself. "
        "When the document has review decisions, the decisions in effect about spans and "
        "about relations follow, counted by kind, with what the reviewed layer holds.")
    parser.add_argument("document", metavar="DOCUMENT", help="name, id or SHA-256 prefix")
    parser.add_argument("status", nargs="?", choices=REVIEW_STATUSES, metavar="STATUS",
                        help=" | ".join(REVIEW_STATUSES))
    parser.add_argument("--json", action="store_true",
                        help="one JSON object: document, id, status, decisions (spans and "
                        "relations, by kind) and reviewed_layer (name, spans, relations)")
    parser.set_defaults(func=run)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {_WORDS.get(kind, kind)}" for kind, n in counts.items())


def lines(name: str, summary: dict[str, Any]) -> list[str]:
    """The listing: ``NAME<TAB>STATUS``, then, when any decision is in effect, one line for
    the span decisions, one for the relation decisions and one for the reviewed layer."""
    out = [f"{shown(name)}\t{summary['status']}"]
    decisions = summary["decisions"]
    if any(decisions["spans"].values()) or any(decisions["relations"].values()):
        layer = summary["reviewed_layer"]
        out += [f"  span decisions: {_counts(decisions['spans'])}",
                f"  relation decisions: {_counts(decisions['relations'])}",
                f"  reviewed layer '{shown(layer['name'])}': {layer['spans']} span"
                f"{'' if layer['spans'] == 1 else 's'}, {layer['relations']} relation"
                f"{'' if layer['relations'] == 1 else 's'}"]
    return out


def run(args: argparse.Namespace) -> int:
    with project_from(args) as project:
        documents = select_documents(project, [args.document])
        if len(documents) != 1:
            raise DataError(f"{args.document!r} names {len(documents)} documents; be precise")
        doc = documents[0]
        if args.status is not None:
            project.set_review_status(doc.id, args.status, who=default_annotator())
        summary = decision_summary(project, doc.id)
    if args.json:
        print(dumps_json({"document": doc.name, "id": doc.id, **summary}))
    else:
        print("\n".join(lines(doc.name, summary)))
    return 0

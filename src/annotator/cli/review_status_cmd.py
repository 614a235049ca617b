"""``annotator review-status``: show or set a document's review status."""

from __future__ import annotations

import argparse

from annotator.cli.common import project_from, shown
from annotator.domain.errors import DataError
from annotator.services.exporting import select_documents
from annotator.services.importing import default_annotator
from annotator.store.schema import REVIEW_STATUSES


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "review-status", parents=[common], help="show or set a document's review status",
        description="Without STATUS, print the document's review status; with it, set it. "
        "The first adjudication decision on a document sets it to 'in review' by itself.")
    parser.add_argument("document", metavar="DOCUMENT", help="name, id or SHA-256 prefix")
    parser.add_argument("status", nargs="?", choices=REVIEW_STATUSES, metavar="STATUS",
                        help=" | ".join(REVIEW_STATUSES))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with project_from(args) as project:
        documents = select_documents(project, [args.document])
        if len(documents) != 1:
            raise DataError(f"{args.document!r} names {len(documents)} documents; be precise")
        doc = documents[0]
        if args.status is not None:
            project.set_review_status(doc.id, args.status, who=default_annotator())
        print(f"{shown(doc.name)}\t{project.review_status(doc.id)}")
    return 0

"""``annotator stats``: documents, spans per label and per annotator."""

from __future__ import annotations

import argparse
from typing import Any

from annotator.cli.common import dumps_json, project_from, shown
from annotator.store import Project, aggregates


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("stats", parents=[common],
                                   help="documents, spans per label and per annotator")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def project_stats(project: Project) -> dict[str, Any]:
    """Counts of the project: documents, spans, per label, per annotator, per document.

    The totals come from the counts the project file maintains
    (:mod:`annotator.store.aggregates`), never from scanning the spans; only the per-document
    list reads each document's name, length and status (streamed, no text decoded)."""
    counts = aggregates.span_totals(project)
    documents = [{"name": name, "id": uid, "characters": length, "status": status,
                  "spans": counts.get(doc_id, 0)}
                 for doc_id, uid, name, length, status in aggregates.document_summaries(project)]
    return {"project": str(project.path), "documents": len(documents),
            "spans": sum(counts.values()), "per_label": aggregates.label_totals(project),
            "per_annotator": aggregates.annotator_totals(project), "per_document": documents}


def run(args: argparse.Namespace) -> int:
    with project_from(args) as project:
        stats = project_stats(project)
    if args.json:
        print(dumps_json(stats, indent=2))
        return 0
    print(f"project    {shown(stats['project'])}")
    print(f"documents  {stats['documents']}")
    print(f"spans      {stats['spans']}")
    for title, table in (("per label", stats["per_label"]),
                         ("per annotator", stats["per_annotator"])):
        print(f"\n{title}:")
        for name, count in table.items():
            print(f"  {count:>8}  {shown(name)}")
    print("\nper document:")
    for doc in stats["per_document"]:
        print(f"  {doc['spans']:>8}  {shown(doc['name'])}  ({doc['characters']} characters, "
              f"{doc['status']})")
    return 0

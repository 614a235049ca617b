"""``annotator check``: consistency (same text with different labels; labelled text left
unlabelled elsewhere).

The findings stream: each document's are printed as soon as it is checked, never all held.
``--json`` prints every finding (one JSON object a line); the text listing prints the first
``--limit`` findings and a summary. A progress line is drawn on standard error when it is a
terminal; Ctrl+C cancels.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from annotator.cli.common import TerminalProgress, dumps_json, project_from, shown
from annotator.services.review.consistency import FindingKind, LabelledText, row_kind
from annotator.services.review.project_review import scan_consistency
from annotator.services.wording import counted

DEFAULT_LIMIT = 1000


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "check", parents=[common], help="consistency checks across the project",
        description="List places where the same text carries different labels, and occurrences "
        "of a labelled text that no span of its labels covers. Exit status 0 either way.")
    parser.add_argument("--annotator", action="append", metavar="NAME",
                        help="only this annotator's spans (repeatable; default: all)")
    parser.add_argument("--min-length", type=int, default=2, metavar="N",
                        help="ignore texts shorter than N characters (default 2)")
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT, metavar="N",
                        help=f"list at most N findings, then the summary (default {DEFAULT_LIMIT};"
                        " 0: all; --json always prints all)")
    parser.add_argument("--json", action="store_true", help="print JSON lines, one per finding")
    parser.set_defaults(func=run)


class JsonLines:
    """Formats scan rows as the JSON lines of ``--json``: exactly ``dumps_json`` of
    ``{"kind", "document", "start", "end", "text", "labels", "labels_here", "span_ids",
    "covering_labels"}``, with the parts shared by many findings formatted once."""

    def __init__(self) -> None:
        self._texts: dict[LabelledText, str] = {}
        self._lists: dict[tuple[str, ...], str] = {}
        self._kinds = {kind: dumps_json(kind.value) for kind in FindingKind}
        self._tails: dict[tuple[LabelledText, tuple[str, ...]], str] = {}

    def _list(self, values: tuple[str, ...]) -> str:
        text = self._lists.get(values)
        if text is None:
            text = dumps_json(list(values))
            if len(self._lists) < 10000:
                self._lists[values] = text
        return text

    def _tail(self, entry: LabelledText, here: tuple[str, ...], ids: tuple[str, ...],
              covering: tuple[str, ...]) -> str:
        shared = self._texts.get(entry)
        if shared is None:
            shared = self._texts[entry] = (f'"text": {dumps_json(entry.text)}, "labels": '
                                           f"{dumps_json(dict(entry.labels))}")
        return (f', {shared}, "labels_here": {self._list(here)}, "span_ids": '
                f'{self._list(ids)}, "covering_labels": {self._list(covering)}}}')

    def lines(self, name: str, rows: list[Any]) -> list[str]:
        document = dumps_json(name)
        heads = [f'{{"kind": {self._kinds[kind]}, "document": {document}, "start": '
                 for kind in (FindingKind.UNLABELLED, FindingKind.LABEL_CONFLICT)]
        tails, out = self._tails, []
        for start, end, rank, entry, here, ids, covering in rows:
            if ids:  # a label conflict: its own span ids
                tail = self._tail(entry, here, ids, covering)
            else:
                key = (entry, covering)
                tail = tails.get(key)
                if tail is None:
                    tail = self._tail(entry, here, ids, covering)
                    if len(tails) < 100000:
                        tails[key] = tail
            out.append(f'{heads[rank]}{start}, "end": {end}{tail}')
        return out


def _text_line(name: str, row: Any, labels: dict[LabelledText, str]) -> str:
    start, end, _rank, entry, here, _ids, _covering = row
    listed = labels.get(entry)
    if listed is None:
        listed = labels[entry] = ", ".join(f"{shown(label)} ×{n}" for label, n in entry.labels)
    where = f"; here: {', '.join(map(shown, here))}" if here else ""
    return (f"{shown(name)}:[{start},{end}) {entry.text!r}: {row_kind(row).value} "
            f"({listed}{where})")


def run(args: argparse.Namespace) -> int:
    progress = TerminalProgress("check")
    out = sys.stdout
    counts = dict.fromkeys(FindingKind, 0)
    limit = args.limit if args.limit > 0 else None
    shown_rows = 0
    json_lines = JsonLines() if args.json else None
    labels: dict[LabelledText, str] = {}
    try:
        with project_from(args) as project:
            for found in scan_consistency(project, annotators=args.annotator,
                                          min_length=args.min_length, progress=progress):
                conflicts = sum(row[2] for row in found.rows)  # the rank: 1 for a conflict
                counts[FindingKind.LABEL_CONFLICT] += conflicts
                counts[FindingKind.UNLABELLED] += len(found.rows) - conflicts
                if json_lines is not None:
                    out.write("\n".join(json_lines.lines(found.name, found.rows)) + "\n")
                elif limit is None or shown_rows < limit:
                    rows = found.rows if limit is None else found.rows[: limit - shown_rows]
                    shown_rows += len(rows)
                    out.write("".join(_text_line(found.name, row, labels) + "\n"
                                      for row in rows))
    finally:
        progress.finish()
    if json_lines is None:
        total = sum(counts.values())
        summary = counted(total, "finding")
        if total:
            summary += ": " + "; ".join(f"{n} {kind.value}" for kind, n in counts.items() if n)
        if total > shown_rows:
            summary += f" (the first {shown_rows} are listed; --limit 0 or --json for all)"
        print(summary)
    return 0

"""``annotator search QUERY``: find a name or word by reading in every document of the project.

The query may be kana, romaji (``puchin``, ``kitachousen``), kanji or plain text, or a term of
the project's alias table (``annotator aliases``). The project's search index answers it
(``annotator.services.japanese.corpus_search``): texts not in its text index yet and documents
whose readings (or their tokens' positions) are not indexed yet are indexed first, once (with a progress bar on a terminal; an interrupted run keeps what it
indexed), and hits are printed as they are found, in document order.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

from annotator.cli.common import TerminalProgress, dumps_json, project_from, shown
from annotator.services.japanese import Hit
from annotator.services.japanese.corpus_search import (
    index_positions,
    index_readings,
    index_texts,
    iter_text_groups,
    pending_texts,
    positions_pending,
    readings_state,
)
from annotator.services.japanese.parallel import IndexPool
from annotator.services.japanese.project_search import hit_record
from annotator.services.japanese.search import CONTEXT_WIDTH
from annotator.store import Project, search_index


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "search", parents=[common],
        help="find a word by reading (kana, romaji, kanji or an alias) in every document")
    parser.add_argument("query", help="what to find, e.g. puchin, kitachousen, プーチン, Putin")
    parser.add_argument("--json", action="store_true",
                        help='print a JSON list of {"document", "id", "start", "end", "text"} '
                             "(code-point offsets, end-exclusive)")
    parser.add_argument("--max", type=int, metavar="N", help="stop after N hits")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.max is not None and args.max < 1:
        return _usage("--max must be at least 1")
    if not args.query.strip():
        return _usage("the query is empty")
    building = TerminalProgress("building the search index")
    search_index.migration_progress = building
    try:
        project = project_from(args)
    finally:
        search_index.migration_progress = None
        building.finish()
    with project:
        if pending_texts(project)[0]:
            texts = TerminalProgress("indexing texts")
            index_texts(project, progress=texts)
            texts.finish()
        indexed, total = readings_state(project)
        if indexed < total:
            progress = TerminalProgress("indexing readings")
            with IndexPool() as pool:  # only started when there is enough text left to index
                index_readings(project, progress=progress, pool=pool)
            progress.finish()
        if positions_pending(project):
            progress = TerminalProgress("indexing token positions")
            index_positions(project, progress=progress)
            progress.finish()
        out = sys.stdout
        first = True
        names = _Names(project)
        width = CONTEXT_WIDTH
        for doc_id, spans, text in _limited(iter_text_groups(project, args.query), args.max):
            if args.json:
                doc = project.document(doc_id)
                for s, e in spans:
                    record = dumps_json(hit_record(Hit(doc_id, s, e, text[s:e]), doc), indent=2)
                    out.write(("[\n" if first else ",\n") + "  " + record.replace("\n", "\n  "))
                    first = False
                continue
            name = names.get(doc_id)
            if name is None:
                continue  # removed meanwhile
            name = shown(name)
            # The context shows line breaks as spaces: cut from the text with them replaced
            # (the same length). A text with nothing else to escape is printed as it is: one
            # test per document instead of three per hit (a printable text has none of the
            # controls, format characters and line separators shown() escapes; isprintable()
            # takes half the time of its search).
            flat = text.replace("\n", " ")
            if flat.isprintable() or shown(flat) == flat:  # only a match's line breaks to escape
                out.write("".join([
                    f"{name}\t{s}\t{e}\t{flat[max(0, s - width) : s]}"
                    f"[{m if _LF not in (m := text[s:e]) else shown(m)}]{flat[e : e + width]}\n"
                    for s, e in spans]))
            else:
                out.write("".join([
                    f"{name}\t{s}\t{e}\t{shown(flat[max(0, s - width) : s])}[{shown(text[s:e])}]"
                    f"{shown(flat[e : e + width])}\n" for s, e in spans]))
        if args.json:
            out.write("[]\n" if first else "\n]\n")
    return 0


_LF = "\n"  # (a backslash cannot be in an f-string's expression before Python 3.12)


def _limited(groups: Iterator[tuple[int, list[tuple[int, int]], str]], limit: int | None,
             ) -> Iterator[tuple[int, list[tuple[int, int]], str]]:
    """The groups of ``groups`` up to ``limit`` hits in all (None: every one)."""
    if limit is None:
        yield from groups
        return
    left = limit
    for doc_id, spans, text in groups:
        yield doc_id, spans[:left], text
        left -= min(left, len(spans))
        if not left:
            return


class _Names:
    """Document names by id for hits that come in ascending id order, read a range of ids at a
    time (one query for many documents instead of one per document): the range doubles, up to
    1,024 ids, while the hits are in every range read, and starts small again after a gap."""

    def __init__(self, project: Project) -> None:
        self._conn = project.db.conn
        self._names: dict[int, str] = {}
        self._high = 0  # the ids below it were read
        self._size = 8

    def get(self, doc_id: int) -> str | None:
        if doc_id >= self._high:
            gap = doc_id - self._high > self._size
            self._size = 8 if gap else min(self._size * 2, 1024)
            self._high = doc_id + self._size
            self._names = dict(self._conn.execute(
                "SELECT id, name FROM documents WHERE id >= ? AND id < ?", [doc_id, self._high]))
        name = self._names.get(doc_id)
        if name is None:  # added after its range was read (or removed since its hits were found)
            row = self._conn.execute("SELECT name FROM documents WHERE id = ?", [doc_id]).fetchone()
            name = None if row is None else row[0]
        return name


def _usage(message: str) -> int:
    print(f"annotator search: error: {message}", file=sys.stderr)
    return 2

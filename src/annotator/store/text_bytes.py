"""The documents' texts as UTF-8 bytes, for work that looks at the bytes only.

A pass that needs only what a text's bytes show (how many of its characters are CJK, for the
spaCy export's bound on its tokens) reads each text as a ``BLOB``: no string is decoded, which
costs about three times the read. :func:`total_length` answers from the ``length`` column
without reading a text.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["PAGE", "total_length", "utf8_pages"]

#: Documents read per page (a page of 2-20 kB texts is a few megabytes).
PAGE = 500


def total_length(project: Any, ids: Sequence[int] | None = None) -> int:
    """The summed length (code points) of the documents' texts (all, or ``ids``)."""
    if ids is None:
        row = project.db.execute("SELECT coalesce(sum(length), 0) FROM documents").fetchone()
        return int(row[0])
    total = 0
    wanted = sorted(set(ids))
    for at in range(0, len(wanted), PAGE):
        part = wanted[at : at + PAGE]
        total += int(project.db.execute(
            f"SELECT coalesce(sum(length), 0) FROM documents WHERE id IN "
            f"({', '.join('?' for _ in part)})", part).fetchone()[0])
    return total


def utf8_pages(project: Any, ids: Sequence[int] | None = None, *,
               with_spans: bool = False, annotators: Sequence[str] | None = None,
               labels: Sequence[str] | None = None, page: int = PAGE
               ) -> Iterator[list[tuple[int, int, bytes, str]]]:
    """The documents (all, or ``ids``) in id order, ``page`` at a time: ``(id, length, text as
    UTF-8 bytes, meta JSON)``. With ``with_spans`` only those with a span by one of
    ``annotators`` with one of ``labels`` (None: any), as an export that leaves out documents
    without selected spans writes them. Each page is one query: nothing stays open between
    pages."""
    where, params = "", []
    if with_spans:
        where = (" AND EXISTS (SELECT 1 FROM spans s JOIN labels l ON l.id = s.label_id "
                 "WHERE s.document_id = documents.id")
        for column, values in (("s.annotator", annotators), ("l.name", labels)):
            if values is not None:
                where += f" AND {column} IN ({', '.join('?' for _ in values)})"
                params.extend(values)
        where += ")"
    columns = "SELECT id, length, CAST(text AS BLOB), meta FROM documents"
    if ids is None:
        after = 0
        while True:
            rows = project.db.execute(f"{columns} WHERE id > ?{where} ORDER BY id LIMIT ?",
                                      [after, *params, page]).fetchall()
            if not rows:
                return
            yield rows
            after = rows[-1][0]
    wanted = sorted(set(ids))
    for at in range(0, len(wanted), page):
        part = wanted[at : at + page]
        rows = project.db.execute(
            f"{columns} WHERE id IN ({', '.join('?' for _ in part)}){where} ORDER BY id",
            [*part, *params]).fetchall()
        if rows:
            yield rows

"""The documents a bulk import adds, written a batch at a time inside its transaction.

:class:`NewDocuments` hands out each new document's id at once (the import needs it for the
document's spans and for a later record with the same text) and writes the rows together
when the import flushes it: one multi-row ``INSERT`` (:func:`annotator.store.bulk.insert_rows`)
for the documents and one for their history rows, instead of three statements a document (a
uid lookup, the insert, the history row). The rows are the ones a document at a time wrote:
the ids are the ones SQLite would have given (one more than the largest, in order), the uid is
made unique the same way (a uid the project, or an earlier document of the import, has gets the
first eight characters of the SHA-256 added), the same history row with the same values.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from annotator.store.bulk import document_history, insert_rows

#: The text is bound as given: a ``str``, or its UTF-8 bytes, which ``CAST`` makes the same
#: text value (the database's encoding is UTF-8) without encoding the string again.
_INSERT_DOCUMENT = ("INSERT INTO documents (id, uid, name, sha256, text, length, status, meta, "
                    "created_at) VALUES (?, ?, ?, ?, CAST(? AS TEXT), ?, 'new', ?, ?)")
_INSERT_HISTORY = ("INSERT INTO history (at, who, action, entity, entity_id, document_id, after) "
                   "VALUES (?, ?, 'add', 'document', ?, ?, ?)")
#: Uids looked up in the project by one query at most.
_UIDS_AT_ONCE = 500


class NewDocuments:
    """New documents (canonical text, SHA-256 found absent by the caller), their ids given by
    :meth:`add` and their rows written by :meth:`flush`, inside the caller's transaction.
    Whatever reads the documents table (a further name of a new document) must come after a
    flush."""

    def __init__(self, conn: sqlite3.Connection, *, who: str, stamp: str) -> None:
        self.conn = conn
        self.who = who
        self.stamp = stamp
        self._next_id: int | None = None
        #: ``(id, uid, name, sha256, text, meta, text or its UTF-8)`` of the documents not
        #: written yet.
        self._pending: list[tuple[int, str, str, str, str, str, str | bytes]] = []

    def add(self, name: str, text: str, sha256: str, *, uid: str | None = None,
            meta: dict[str, Any] | None = None, data: bytes | None = None) -> int:
        """The id of a new document, written by the next :meth:`flush`; ``data``: the text as
        UTF-8, when the caller has it."""
        if self._next_id is None:
            largest = self.conn.execute("SELECT max(id) FROM documents").fetchone()[0]
            self._next_id = (largest or 0) + 1
        doc_id = self._next_id
        self._next_id += 1
        self._pending.append((doc_id, uid or sha256[:16], name, sha256, text,
                              json.dumps(meta, ensure_ascii=False) if meta else "{}",
                              text if data is None else data))
        return doc_id

    def flush(self) -> None:
        """Write the documents added since the last flush, and their history rows."""
        pending = self._pending
        if not pending:
            return
        self._pending = []
        wanted = list({row[1] for row in pending})
        taken: set[str] = set()
        for at in range(0, len(wanted), _UIDS_AT_ONCE):
            part = wanted[at : at + _UIDS_AT_ONCE]
            taken.update(row[0] for row in self.conn.execute(
                f"SELECT uid FROM documents WHERE uid IN ({', '.join('?' * len(part))})", part))
        stamp, who = self.stamp, self.who
        documents, history = [], []
        for doc_id, uid, name, sha256, text, meta, stored in pending:
            if uid in taken:
                uid = f"{uid}-{sha256[:8]}"
            taken.add(uid)
            length = len(text)
            documents.append((doc_id, uid, name, sha256, stored, length, meta, stamp))
            history.append((stamp, who, str(doc_id), doc_id,
                            document_history(uid, name, sha256, length)))
        insert_rows(self.conn, _INSERT_DOCUMENT, documents)
        insert_rows(self.conn, _INSERT_HISTORY, history)

"""Reading-aid data: the alias table for search, and a cache of reading indexes.

Aliases map a user's term (``Putin``) to surface forms in the texts (``プーチン``); they are
user data, so changes go into the history. Cached reading indexes are derived data keyed by the
text's SHA-256 and the index format version; they are not history-worthy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


class ReadingMixin:
    """Alias and reading-cache operations of :class:`annotator.store.project.Project`."""

    db: sqlite_utils.Database

    def aliases(self) -> dict[str, list[str]]:
        """term -> surface forms, terms in insertion order."""
        table: dict[str, list[str]] = {}
        for term, surface in self.db.execute(
                "SELECT term, surface FROM aliases ORDER BY id").fetchall():
            table.setdefault(term, []).append(surface)
        return table

    def add_alias(self, term: str, surface: str, *, who: str) -> bool:
        """Add ``term -> surface``; False when it was already there."""
        term, surface = term.strip(), surface.strip()
        if not term or not surface:
            raise ValueError("an alias needs a term and a surface form")
        with self.atomic():  # type: ignore[attr-defined]
            exists = self.db.execute("SELECT 1 FROM aliases WHERE term = ? AND surface = ?",
                                     [term, surface]).fetchone()
            if exists:
                return False
            self.db["aliases"].insert({"term": term, "surface": surface})
            self._log(who, "add", "alias", term, after={"term": term, "surface": surface})  # type: ignore[attr-defined]
        return True

    def remove_alias(self, term: str, surface: str, *, who: str) -> bool:
        """Remove ``term -> surface``; False when it was not there."""
        with self.atomic():  # type: ignore[attr-defined]
            row = self.db.execute("SELECT id FROM aliases WHERE term = ? AND surface = ?",
                                  [term, surface]).fetchone()
            if row is None:
                return False
            self.db["aliases"].delete(row[0])
            self._log(who, "remove", "alias", term, before={"term": term, "surface": surface})  # type: ignore[attr-defined]
        return True

    def cached_reading(self, sha256: str, version: str) -> bytes | None:
        """A cached reading index for a text, or None."""
        row = self.db.execute("SELECT data FROM reading_cache WHERE sha256 = ? AND version = ?",
                              [sha256, version]).fetchone()
        return None if row is None else bytes(row[0])

    def store_reading(self, sha256: str, version: str, data: bytes) -> None:
        """Cache a reading index (older versions for the same text are dropped)."""
        with self.atomic():  # type: ignore[attr-defined]
            self.db.execute("DELETE FROM reading_cache WHERE sha256 = ? AND version != ?",
                            [sha256, version])
            self.db["reading_cache"].upsert(
                {"sha256": sha256, "version": version, "data": data}, pk=("sha256", "version"))

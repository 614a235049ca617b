"""Reading a large part of the project through a memory map, a chunk at a time.

A pass over the whole corpus (the agreement reads every span's index entry and every
document's length, which SQLite reaches through the overflow pages of its text) copies most of
the file through ``read()`` calls: at 100,000 documents about 2 GB, half a second to a second
of system time. Through a memory map of the file (``PRAGMA mmap_size``) SQLite reads the
pages where the kernel's page cache holds them, without copying, but every page touched stays
mapped and counts in the process's resident memory (up to the file's size). :func:`mapped`
maps the file for the block and hands out ``release()``, which unmaps the pages read so far;
called between chunks, it keeps the mapped pages to one chunk's.

The map is the connection's own (one descriptor per file and process); the setting it had is
put back when the block ends.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from annotator.store.project import Project

__all__ = ["mapped"]

#: The most of the file mapped at once (SQLite caps it at its compile-time maximum).
MAP_BYTES = 1 << 34


@contextlib.contextmanager
def mapped(project: Project, size: int = MAP_BYTES) -> Iterator[Callable[[], None]]:
    """Read the project's file through a memory map of up to ``size`` bytes inside the block;
    yields ``release()``, which unmaps what was read (call it between read transactions: pages
    a transaction still holds stay mapped until it ends)."""
    conn = project.db.conn
    before = int(conn.execute("PRAGMA mmap_size").fetchone()[0])

    def release() -> None:
        conn.execute("PRAGMA mmap_size = 0")
        conn.execute(f"PRAGMA mmap_size = {int(size)}")

    conn.execute(f"PRAGMA mmap_size = {int(size)}")
    try:
        yield release
    finally:
        conn.execute(f"PRAGMA mmap_size = {before}")

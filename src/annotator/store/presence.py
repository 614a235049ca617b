"""Which processes have a project open in a window: a small record per process in the file.

A window registers its process (pid, host, who, start time) when it opens a project, refreshes
the record now and then (``heartbeat``), and removes it when it closes. Another window opening
the same project reads the records of the others and tells its user ("also open in process N on
HOST since HH:MM").

These writes are bookkeeping, not work: they never write history rows, and they never wait for
the write lock. While another program holds it (a long import), a write is skipped and the
caller tries again later (``register`` and ``heartbeat`` return False). Reading the records
never waits either (readers do not block in WAL mode).

A record outlives a process killed without closing its window. On this host, such records are
recognised (no such process, or the pid now belongs to a process started later) and ignored;
``register`` and ``heartbeat`` delete them. A record from another host (a project on a disk
moved between machines) cannot be checked that way: it counts as long as it was refreshed
within ``STALE_AFTER`` seconds.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from annotator.domain.spans import now
from annotator.store.database import BUSY_TIMEOUT_MS, is_busy

if TYPE_CHECKING:
    from annotator.store.project import Project

__all__ = ["HEARTBEAT_SECONDS", "STALE_AFTER", "Presence", "heartbeat", "others", "register",
           "unregister"]

#: How often a window refreshes its record.
HEARTBEAT_SECONDS = 60
#: A record of another host not refreshed for this long is ignored.
STALE_AFTER = 3 * HEARTBEAT_SECONDS


@dataclass(frozen=True, slots=True)
class Presence:
    """One process with the project open in a window."""

    host: str
    pid: int
    token: str | None
    who: str
    started_at: str
    seen_at: str

    def started_local(self) -> datetime:
        """The start time in this machine's time zone."""
        return _parse(self.started_at).astimezone()

    def describe(self) -> str:
        """``process 4242 on host since 14:05 (hana)`` (the date too when not today)."""
        started = self.started_local()
        when = started.strftime("%H:%M")
        if started.date() != datetime.now().astimezone().date():
            when = started.strftime("%Y-%m-%d %H:%M")
        return f"process {self.pid} on {self.host} since {when} ({self.who})"


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def this_host() -> str:
    return socket.gethostname() or "localhost"


def process_token(pid: int) -> str | None:
    """Something that changes when ``pid`` is reused by a new process: its start time in clock
    ticks since boot (Linux ``/proc``), or None where that cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return None
    # Field 2 (the command) is in parentheses and may contain spaces: split after it.
    fields = stat[stat.rfind(b")") + 2:].split()
    return fields[19].decode() if len(fields) > 19 else None


def _alive_here(pid: int, token: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: it exists
    except OSError:
        return False
    if token is not None:
        current = process_token(pid)
        if current is not None and current != token:
            return False  # the pid belongs to a newer process now
    return True


def _is_live(record: Presence, host: str, at: datetime) -> bool:
    if record.host == host:
        return _alive_here(record.pid, record.token)
    try:
        return (at - _parse(record.seen_at)).total_seconds() < STALE_AFTER
    except ValueError:
        return False


def _records(project: Project) -> list[Presence]:
    rows = project.db.execute(
        "SELECT host, pid, token, who, started_at, seen_at FROM presence ORDER BY started_at"
    ).fetchall()
    return [Presence(*row) for row in rows]


def others(project: Project) -> list[Presence]:
    """The other live processes with the project open in a window, earliest first."""
    host, pid, at = this_host(), os.getpid(), datetime.now(UTC)
    return [r for r in _records(project)
            if not (r.host == host and r.pid == pid) and _is_live(r, host, at)]


def _try_write(project: Project, write: Callable[[sqlite3.Connection], None],
               wait_ms: int = 0) -> bool:
    """Run ``write`` in its own ``BEGIN IMMEDIATE`` transaction if the write lock is free within
    ``wait_ms``; False (nothing written) when another program holds it or a transaction of this
    connection is open."""
    conn = project.db.conn
    if conn.in_transaction:
        return False
    conn.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if is_busy(exc):
            return False
        raise
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    try:
        write(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return True


def _clean_and_upsert(project: Project, who: str) -> Callable[[sqlite3.Connection], None]:
    host, pid, at = this_host(), os.getpid(), datetime.now(UTC)

    def write(conn: sqlite3.Connection) -> None:
        for record in _records(project):
            if record.host == host and record.pid != pid and not _is_live(record, host, at):
                conn.execute("DELETE FROM presence WHERE host = ? AND pid = ?", [host, record.pid])
        stamp = now()
        row = conn.execute("SELECT started_at FROM presence WHERE host = ? AND pid = ?",
                           [host, pid]).fetchone()
        conn.execute(
            "INSERT OR REPLACE INTO presence (host, pid, token, who, started_at, seen_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [host, pid, process_token(pid), who,
             row[0] if row else stamp, stamp])

    return write


def register(project: Project, who: str) -> bool:
    """Record this process as having ``project`` open (and delete dead processes' records).
    False when another program holds the write lock: call again later."""
    return _try_write(project, _clean_and_upsert(project, who))


def heartbeat(project: Project, who: str) -> bool:
    """Refresh this process's record (as ``register`` does, keeping its start time)."""
    return register(project, who)


def unregister(project: Project, wait_ms: int = 200) -> bool:
    """Remove this process's record, waiting at most ``wait_ms`` for the write lock. A record
    left behind (another program kept the lock) is ignored once this process has ended."""
    host, pid = this_host(), os.getpid()

    def write(conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM presence WHERE host = ? AND pid = ?", [host, pid])

    return _try_write(project, write, wait_ms)

"""Bulk writes of an import: rows by multi-row ``INSERT``s (``insert_rows``), the rows those of
a row at a time."""

from __future__ import annotations

import sqlite3

import pytest

from annotator.store import bulk
from annotator.store.bulk import insert_rows

_INSERT = "INSERT INTO t (a, b, c, d) VALUES (?, ?, NULL, ?)"


def _table() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT UNIQUE, c, d)")
    return conn


@pytest.mark.parametrize("count", [0, 1, 6, 7, 8, 23, 500])
@pytest.mark.parametrize("limit", [None, 21, 3])
def test_every_row_is_inserted_in_order(count: int, limit: int | None,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Whole statements of ROWS_PER_INSERT rows (or fewer, as the connection's parameter limit
    allows: 21 parameters hold 7 rows of 3), the rest one at a time: the table as
    executemany leaves it."""
    monkeypatch.setattr(bulk, "ROWS_PER_INSERT", 7)
    rows = [(n * 3, f"b{n}", None if n % 2 else n / 2) for n in range(count)]
    got, expected = _table(), _table()
    if limit is not None:
        got.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
    insert_rows(got, _INSERT, rows)
    expected.executemany(_INSERT, rows)
    assert (got.execute("SELECT * FROM t ORDER BY rowid").fetchall()
            == expected.execute("SELECT * FROM t ORDER BY rowid").fetchall())
    assert got.execute("SELECT count(*) FROM t").fetchone()[0] == count


def test_a_row_the_table_refuses_refuses_its_statement(monkeypatch: pytest.MonkeyPatch) -> None:
    """A constraint failure is the sqlite3 error executemany raises; inside a transaction the
    statement writes none of its rows."""
    monkeypatch.setattr(bulk, "ROWS_PER_INSERT", 4)
    conn = _table()
    conn.execute("BEGIN")
    rows = [(n, f"b{n}", n) for n in range(8)]
    rows[6] = (6, "b1", 6)
    insert_rows(conn, _INSERT, rows[:4])
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE constraint failed: t.b"):
        insert_rows(conn, _INSERT, rows[4:])
    assert conn.execute("SELECT a FROM t ORDER BY a").fetchall() == [(0,), (1,), (2,), (3,)]
    conn.execute("ROLLBACK")

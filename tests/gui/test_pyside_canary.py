"""Canary for the PySide6 6.12 / CPython 3.11 crash (GUIDE §1).

PySide6 6.12 drops one reference to ``None`` on every Qt call returning ``void``; after a few
thousand calls CPython 3.11 aborts with "Fatal Python error: none_dealloc". If the installed
PySide6 has that bug, this test sees the count of ``None`` fall (long before the crash, as long
as the count starts high enough) instead of the whole run dying without a report.
"""

from __future__ import annotations

import sys

import pytest
from PySide6.QtGui import QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QApplication

CALLS = 100_000


def test_void_qt_calls_do_not_leak_references_to_none(qapp: QApplication) -> None:
    doc = QTextDocument("canary 𠮷 text\nsecond line")
    cursor = QTextCursor(doc)
    fmt = QTextCharFormat()
    before = sys.getrefcount(None)
    for i in range(CALLS // 2):
        cursor.setPosition(i % 10)  # void
        fmt.setFontWeight(400 + i % 2)  # void
    after = sys.getrefcount(None)
    if sys.version_info >= (3, 12):
        pytest.skip("None is immortal on Python >= 3.12: the bug is harmless there")
    assert after >= before - 100, f"refcount(None) fell by {before - after} over {CALLS} calls"

"""Every key sequence in the main window, with the review and reading extensions installed,
triggers exactly one action: Qt silently ignores an ambiguous shortcut."""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from annotator.ui import reading, review
from annotator.ui.main_window import MainWindow


def test_no_key_sequence_is_bound_twice(window: MainWindow) -> None:
    review.install(window)
    reading.install(window)
    owners: dict[str, list[str]] = defaultdict(list)
    for action in window.findChildren(QAction):
        if action.shortcutContext() == Qt.ShortcutContext.WidgetShortcut:
            continue  # scoped to one widget: cannot clash across the window
        for sequence in action.shortcuts():
            owners[sequence.toString()].append(action.text())
    clashes = {keys: names for keys, names in owners.items() if len(names) > 1}
    assert owners, "no shortcuts found: the test would prove nothing"
    assert clashes == {}

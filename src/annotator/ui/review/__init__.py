"""The review windows: adjudicate a document, measure agreement, check consistency.

``install(main_window)`` adds a **Review** menu to an annotation window. It uses the main
window's extension points (:mod:`annotator.ui.main_window`): ``main_window.session`` (its
project, undo stack and annotator name are shared, so one Undo walks one history) and
``main_window.add_menu_action(title, action)``. The application registers it once with
``annotator.ui.main_window.register_panel(annotator.ui.review.install)`` so every window gets
the menu. **Merge Colleagues' Work…** (:mod:`annotator.ui.review.merge_action`) brings in
colleagues' exports or project files, checked as the command line's ``annotator merge`` does.
Without a main window, build a :class:`ReviewContext` over a ``Project`` and open the windows
directly.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction, QKeySequence

from annotator.ui.review.agreement_panel import AgreementWindow
from annotator.ui.review.consistency_panel import ConsistencyWindow
from annotator.ui.review.context import ReviewContext
from annotator.ui.review.merge_action import MergeOutcome, merge_into
from annotator.ui.review.review_window import ReviewWindow

__all__ = ["AgreementWindow", "ConsistencyWindow", "ReviewContext", "ReviewInstaller",
           "ReviewWindow", "install"]


class ReviewInstaller:
    """Holds the context and the open review windows of one main window (``main.review``)."""

    def __init__(self, main_window: Any) -> None:
        self.main = main_window
        self.session = main_window.session
        self.context = ReviewContext.from_session(self.session)
        self.actions: dict[str, QAction] = {}
        for action_id, text, keys, handler in (
            ("review.document", "&Review Document…", ("Ctrl+Shift+R",), self.open_review),
            ("review.agreement", "&Agreement…", (), self.open_agreement),
            ("review.consistency", "&Consistency Checks…", (), self.open_consistency),
            ("review.merge", "&Merge Colleagues' Work…", (), self.merge_work),
        ):
            action = QAction(text, main_window)
            action.setObjectName(action_id)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.triggered.connect(lambda _c=False, h=handler: h())
            main_window.add_menu_action("Review", action)
            self.actions[action_id] = action

    def open_review(self) -> ReviewWindow:
        """A review window on the main window's current document (or the first one)."""
        document = self.session.document
        window = ReviewWindow(self.context, document.id if document is not None else None,
                              parent=self.main)
        window.show()
        return window

    def open_agreement(self) -> AgreementWindow:
        window = AgreementWindow(self.context, self.main)
        window.show()
        return window

    def open_consistency(self) -> ConsistencyWindow:
        window = ConsistencyWindow(self.context, self.main)
        window.jumpRequested.connect(self._reveal)
        window.show()
        return window

    def merge_work(self, paths: list[str] | None = None) -> MergeOutcome | None:
        """Merge colleagues' exports or project files (asks for them unless ``paths``)."""
        return merge_into(self.main, paths)

    def _reveal(self, document_id: int, start: int, end: int) -> None:
        session = self.session
        if session.document is None or session.document.id != document_id:
            self.main.open_document(document_id)
        session.reveal(start, end)


def install(main_window: Any) -> ReviewInstaller:
    """Add the Review menu to ``main_window`` (an ``annotator.ui.main_window.MainWindow``).

    Expects ``main_window.session`` and ``main_window.add_menu_action``; returns the installer,
    also kept as ``main_window.review``.
    """
    installer = ReviewInstaller(main_window)
    main_window.review = installer
    return installer

"""Render the main window headless with a seed text and labelled spans to docs/screenshot.png.

    .venv/bin/python packaging/screenshot.py [OUTPUT.png]

Runs on the ``offscreen`` platform (no X server needed); Japanese renders with the bundled
IPAex Gothic. Uses a throw-away project and settings, so nothing of the user's is touched.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from annotator.services.default_project import seeds_dir  # noqa: E402
from annotator.services.importing import import_paths  # noqa: E402
from annotator.store import Project  # noqa: E402
from annotator.ui import theme  # noqa: E402
from annotator.ui.app import EXTENSIONS, application  # noqa: E402
from annotator.ui.main_window import MainWindow  # noqa: E402
from annotator.ui.session import Session  # noqa: E402
from annotator.ui.settings import AppSettings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WHO = "analyst"
#: (text to find, label, note): the n-th occurrence of each is labelled.
LABELS = [
    ("金正恩氏のロシア訪問", "claim", None),
    ("金正恩氏", "actor", None),
    ("ロシア", "actor", None),
    ("プーチン氏", "actor", "President of Russia"),
    ("北朝鮮", "actor", None),
    ("ロシア軍", "actor", None),
    ("軍需品", "weapon", None),
    ("戦闘機", "weapon", None),
    ("衛星技術", "weapon", None),
    ("2023年9月", "number", None),
    ("「ポピュラー・メカニクス」誌", "source", None),
    ("ドローン5機", "weapon", None),
    ("5機", "number", None),
    ("米CNN", "source", None),
]


def render(output: Path, width: int = 1400, height: int = 860) -> Path:
    app = application()
    theme.apply_theme(app, "light")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "screenshot.annotator"
        with Project.open(path) as project:
            import_paths(project, [seeds_dir()], who=WHO, annotator=WHO)
        settings = AppSettings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        session = Session(Project.open(path), WHO)
        window = MainWindow(session, settings)
        for name in EXTENSIONS:  # the Review and Reading menus and docks, as in the app
            importlib.import_module(name).install(window)
        ready: list[bool] = []
        aids = getattr(window, "reading_aids", None)
        if aids is not None:  # the picture shows the window at rest, not mid-indexing
            aids.indexer.allReady.connect(lambda: ready.append(True))
        window.resize(width, height)
        window.restore()
        window.show()
        app.processEvents()
        for _ in range(200):
            if ready or aids is None:
                break
            QTest.qWait(50)
        text = session.text
        focus = None
        for needle, label, note in LABELS:
            start = text.find(needle)
            if start < 0:
                continue
            span = session.create_span(start, start + len(needle), label)
            if span is not None and note:
                session.update_span(span.id, "Edit note", note=note)
            if needle == "プーチン氏":
                focus = span
        if focus is not None:
            session.focus_span(focus.id)
            window.spans_here.set_position(focus.start + 1)
        window.view.verticalScrollBar().setValue(0)
        window.view.setFocus()
        app.processEvents()
        output.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(output)):
            raise SystemExit(f"could not write {output}")
        window.close()
        session.close()
    return output


def main() -> int:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshot.png"
    QApplication.instance() or application()
    print(render(output))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

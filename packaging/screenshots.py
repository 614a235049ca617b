"""Render the main, review and agreement windows headless at 1280×800 and 1920×1080.

    .venv/bin/python packaging/screenshots.py [FOLDER]

Writes eight PNGs to FOLDER (default ``docs/screens/``): ``main-1280x800.png``,
``review-1280x800.png``, ``agreement-1280x800.png``, ``relations-1280x800.png`` and the same
at ``1920x1080``. The relations picture adds, in hana's layer, the claim 「戦闘機や飛行場の様子を
見学し、…」 attributed to 米CNN (a media source) and involving 金氏, its stance "reported", and
shows it focused with its arcs and the relation list. The two seed
texts are labelled by two annotators with deterministic spans: hana marks every プーチン, 北朝鮮,
ロシア and 金正恩 as an actor (and a few weapons and numbers); kenji marks the same names with
some differences (ロシア軍 and 金正恩氏 as whole spans, every fifth プーチン missed, every fourth
北朝鮮 as a source, one extra claim). Runs on the ``offscreen`` platform (no X server needed) in a
throw-away project with private settings, so nothing of the user's is touched. Look at every
file after a change to the windows: nothing clipped, nothing overlapping, Japanese readable.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from annotator.services.default_project import seeds_dir  # noqa: E402
from annotator.services.importing import import_paths  # noqa: E402
from annotator.store import Project  # noqa: E402
from annotator.ui import theme  # noqa: E402
from annotator.ui.app import EXTENSIONS, application  # noqa: E402
from annotator.ui.main_window import MainWindow  # noqa: E402
from annotator.ui.review import AgreementWindow, ReviewWindow  # noqa: E402
from annotator.ui.session import Session  # noqa: E402
from annotator.ui.settings import AppSettings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIRST, SECOND = "hana", "kenji"
SIZES = ((1280, 800), (1920, 1080))
NAMES = re.compile("プーチン|北朝鮮|ロシア|金正恩")
#: Also marked by both (a surface, its label): every occurrence.
EXTRA = (("軍需品", "weapon"), ("戦闘機", "weapon"), ("衛星技術", "weapon"), ("弾道ミサイル", "weapon"),
         ("2023年9月", "number"), ("AFP", "source"))


def _spans(text: str) -> Iterator[tuple[str, int, int, str]]:
    """``(annotator, start, end, label)`` of both annotators' spans in ``text``."""
    counts: dict[str, int] = {}
    for match in NAMES.finditer(text):
        name, start, end = match.group(), match.start(), match.end()
        n = counts[name] = counts.get(name, 0) + 1
        yield FIRST, start, end, "actor"
        if name == "プーチン" and n % 5 == 0:
            continue  # kenji missed it
        if name == "ロシア" and text.startswith("軍", end):
            yield SECOND, start, end + 1, "actor"
        elif name == "金正恩" and text.startswith("氏", end):
            yield SECOND, start, end + 1, "actor"
        elif name == "北朝鮮" and n % 4 == 0:
            yield SECOND, start, end, "source"
        else:
            yield SECOND, start, end, "actor"
    for surface, label in EXTRA:
        for match in re.finditer(re.escape(surface), text):
            for who in (FIRST, SECOND):
                yield who, match.start(), match.end(), label
    claim = re.search("プーチン氏は、「[^」]+」", text)
    if claim is not None:
        yield SECOND, claim.start(), claim.end(), "claim"


def build(path: Path) -> None:
    """A project at ``path``: the seed texts, labelled by hana and kenji."""
    with Project.open(path) as project:
        import_paths(project, [seeds_dir()], who=FIRST, annotator=FIRST)
        with project.atomic():
            for doc in project.documents():
                text = project.text(doc.id)
                for who, start, end, label in _spans(text):
                    project.add_span(doc.id, start, end, label, who, who=who)


def _palette(image: QImage, size: int = 256) -> list[int]:
    """A palette for ``image`` (32-bit): its most frequent colours, then the colours of small
    areas (legend swatches, thin underlines) that no palette entry is near, as ``qRgb`` values.
    A UI has few colours; anti-aliased text takes the nearest entry."""
    data = bytes(image.constBits())[: image.sizeInBytes()]
    common = Counter(rgb & 0xFFFFFF for rgb in memoryview(data).cast("I")).most_common()
    palette = [rgb for rgb, _ in common[: size * 3 // 4]]
    channels = [((c >> 16) & 255, (c >> 8) & 255, c & 255) for c in palette]
    for rgb, n in common[len(palette):]:
        if n < 12 or len(palette) == size:
            break
        r, g, b = (rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255
        if min(abs(r - pr) + abs(g - pg) + abs(b - pb) for pr, pg, pb in channels) > 40:
            palette.append(rgb)
            channels.append((r, g, b))
    return [0xFF000000 | rgb for rgb in palette]


def _save(widget: QWidget, output: Path) -> Path:
    """Grab ``widget`` into ``output`` as a compact PNG: 256 colours, the image's own most
    frequent ones (a UI has few; anti-aliased text takes the nearest), so label colours stay
    exact."""
    QApplication.processEvents()
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    indexed = image.convertToFormat(QImage.Format.Format_Indexed8, _palette(image),
                                    Qt.ImageConversionFlag.ThresholdDither
                                    | Qt.ImageConversionFlag.AvoidDither)
    if not indexed.save(str(output), "PNG", 0):
        raise SystemExit(f"could not write {output}")
    return output


def _settle(widget: QWidget, width: int, height: int) -> None:
    widget.resize(width, height)
    widget.show()
    for _ in range(3):
        QApplication.processEvents()


def _relations(window: MainWindow, output: Path) -> Path:
    """The CNN sentence of the first text with a claim, its source and actor, two relations
    and two attribute values (each made as the window makes them), the claim focused."""
    session, relations = window.session, window.relations  # type: ignore[attr-defined]
    text = session.text
    sentence = text.index("米CNNは、金氏が「")
    quote = text.index("「", sentence) + 1
    made = {}
    for label, start, end in (("source", sentence, sentence + 4),
                              ("actor", sentence + 6, sentence + 8),
                              ("claim", quote, text.index("」", quote))):
        span = session.create_span(start, end, label)
        if span is None:
            raise SystemExit(f"could not label {text[start:end]!r}")
        made[label] = span.id
    relations.actions.create(made["claim"], made["source"], "attributed_to")
    relations.actions.create(made["claim"], made["actor"], "involves")
    relations.actions.set_attribute(made["claim"], "stance", "reported")
    relations.actions.set_attribute(made["source"], "kind", "media")
    session.focus_span(made["claim"])
    relations.panel.show()  # (shown by the first Ctrl+R; the relations here are made directly)
    view = window.view
    line = view.document().findBlock(view.offsets.to_utf16(sentence)).firstLineNumber()
    view.verticalScrollBar().setValue(max(0, line - 3))
    view.setFocus()
    for _ in range(3):
        QApplication.processEvents()
    return _save(window, output)


def render(folder: Path) -> list[Path]:
    """Write the eight PNGs to ``folder``; returns their paths."""
    app = application()
    theme.apply_theme(app, "light")
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        for width, height in SIZES:
            size = f"{width}x{height}"
            path = Path(tmp) / f"screens-{size}.annotator"  # each size from the same start
            build(path)
            settings = AppSettings(QSettings(str(Path(tmp) / f"{size}.ini"),
                                             QSettings.Format.IniFormat))
            session = Session(Project.open(path), FIRST)
            window = MainWindow(session, settings)
            for name in EXTENSIONS:  # the Review and Reading menus and docks, as in the app
                importlib.import_module(name).install(window)
            ready: list[bool] = []
            aids = getattr(window, "reading_aids", None)
            if aids is not None:  # the picture shows the window at rest, not mid-indexing
                aids.indexer.allReady.connect(lambda: ready.append(True))
            window.resize(width, height)
            window.restore()
            _settle(window, width, height)
            for _ in range(200):
                if ready or aids is None:
                    break
                QTest.qWait(50)
            text = session.text
            focus = next((s for s in session.index if text[s.start:s.end] == "プーチン"), None)
            if focus is not None:
                session.focus_span(focus.id)
            window.view.verticalScrollBar().setValue(0)
            window.view.setFocus()
            written.append(_save(window, folder / f"main-{size}.png"))

            context = window.review.context  # type: ignore[attr-defined]
            document = session.document.id if session.document is not None else None
            review = ReviewWindow(context, document, [FIRST, SECOND])
            _settle(review, width, height)
            review.activateWindow()
            lane = review.lanes.lanes[FIRST].view
            lane.setFocus()
            for key in (Qt.Key.Key_N, Qt.Key.Key_A, Qt.Key.Key_N):  # one decision made
                QTest.keyClick(lane, key)
            written.append(_save(review, folder / f"review-{size}.png"))
            review.close()

            agreement = AgreementWindow(context)
            agreement.set_annotators([FIRST, SECOND])
            _settle(agreement, width, height)
            agreement.compute()
            written.append(_save(agreement, folder / f"agreement-{size}.png"))
            agreement.close()
            written.append(_relations(window, folder / f"relations-{size}.png"))
            window.close()
            session.close()
    return written


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screens"
    for output in render(folder):
        print(f"{output}  {output.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The search panel streams hits from the project's search index: rows come in slices while the
event loop keeps running, the final list is the index's, and a search made before the readings
are indexed shows the literal hits at once and every hit once the indexer is done."""

from __future__ import annotations

import random
import time
from pathlib import Path

from PySide6.QtCore import QTimer

from annotator.services.japanese import corpus_search
from annotator.store import Project
from annotator.ui.reading import search_panel
from reading_fixtures import make_project, open_window, seed_texts


def _many(tmp_path: Path, n: int) -> Path:
    rng = random.Random(3)
    base = "\n".join(seed_texts().values())
    texts = {}
    for i in range(n):
        start = rng.randrange(len(base) - 1500)
        texts[f"d{i:03d}.txt"] = f"{i}\n" + base[start : start + 1500]
    return make_project(tmp_path / "many.annotator", texts)


def test_hits_stream_into_the_table_in_slices(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = _many(tmp_path, 300)
    with Project.open(path) as project:
        corpus_search.index_readings(project)
        expected = list(corpus_search.iter_hits(project, "puchin"))
    monkeypatch.setattr(search_panel, "SLICE_MS", 1)
    window, aids = open_window(qtbot, path, tmp_path)
    try:
        qtbot.waitUntil(lambda: not aids.indexer.busy(), timeout=30_000)
        panel = aids.search
        inserted: list[int] = []
        panel.model.rowsInserted.connect(lambda _p, first, last: inserted.append(last - first + 1))
        ticks: list[float] = []
        timer = QTimer()
        timer.setInterval(5)
        timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
        timer.start()
        with qtbot.waitSignal(panel.searched, timeout=30_000) as blocker:
            first = panel.run_search("puchin")
            assert panel.searching() and 0 < len(first) < len(expected)
            assert "so far" in panel.status.text()
        timer.stop()
        assert blocker.args == [len(expected)]
        assert panel.model.hits == expected and not panel.searching()
        assert len(inserted) > 3 and sum(inserted) == len(expected)
        assert len(ticks) >= 2  # the event loop ran while the hits came
        assert panel.status.text() == (f"{len(expected)} hits in "
                                       f"{len({h.document for h in expected})} documents")
        panel.run_search("")  # a new search stops the old one
        assert panel.model.hits == [] and not panel.searching()
    finally:
        window.close()
        window.session.close()


def test_a_search_before_indexing_updates_when_the_readings_are_there(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = make_project(tmp_path / "p.annotator")
    window, aids = open_window(qtbot, path, tmp_path)
    try:
        panel = aids.search
        with Project.open(path) as project:
            assert corpus_search.readings_state(project)[0] < 4
        qtbot.waitUntil(lambda: not panel.searching(), timeout=10_000)
        hits = panel.run_search("プーチン")  # literal hits need no readings
        qtbot.waitUntil(lambda: not panel.searching(), timeout=10_000)
        assert panel.model.hits and all(h.text == "プーチン" for h in panel.model.hits)
        assert hits == panel.model.hits[: len(hits)]
        panel.query_edit.setText("puchin")
        with qtbot.waitSignal(panel.searched, timeout=60_000):
            panel.run_search()
        if "indexed so far" in panel.status.text():  # re-run once every reading is indexed
            with qtbot.waitSignal(panel.searched, timeout=60_000):
                pass
        qtbot.waitUntil(lambda: not aids.indexer.busy(), timeout=60_000)
        with Project.open(path) as project:
            assert corpus_search.readings_state(project) == (4, 4)
            expected = list(corpus_search.iter_hits(project, "puchin"))
        qtbot.waitUntil(lambda: panel.model.hits == expected, timeout=10_000)
        assert "indexed so far" not in panel.status.text()
    finally:
        window.close()
        window.session.close()


def test_the_table_holds_every_hit_a_document_at_a_time(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = _many(tmp_path, 120)
    with Project.open(path) as project:
        corpus_search.index_readings(project)
        expected = list(corpus_search.iter_hits(project, "no"))  # a hit every few characters
    window, aids = open_window(qtbot, path, tmp_path)
    try:
        qtbot.waitUntil(lambda: not aids.indexer.busy(), timeout=30_000)
        panel = aids.search
        with qtbot.waitSignal(panel.searched, timeout=60_000):
            panel.run_search("no")
        model = panel.model
        assert model.rowCount() == model.hit_count() == len(expected) > 1000
        assert model.document_count() == len({h.document for h in expected})
        for row in (0, 1, len(expected) // 2, len(expected) - 1):
            assert model.hit(row) == expected[row]
            shown = model.index(row, 2).data()
            assert f"【{expected[row].text}】" in shown
        assert model.hits == expected
        monkeypatch.setattr(search_panel, "MAX_LABELLED_HITS", 100)
        assert panel.label_all() == 0 and "too many" in panel.status.text()
        with Project.open(path) as project:
            assert not project.spans()  # nothing was labelled
    finally:
        window.close()
        window.session.close()

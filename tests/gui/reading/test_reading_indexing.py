"""Background indexing of a long text: the event loop keeps running (a timer keeps firing),
progress is shown, cancelling works, and the index ends up cached in the project."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

from PySide6.QtCore import QTimer

from annotator.services.japanese.corpus_search import load_index, readings_state
from annotator.store import Project
from reading_fixtures import make_project, open_window, seed_texts


def _long_project(tmp_path: Path, chars: int = 150_000) -> Path:
    seeds = seed_texts()
    base = "\n".join(seeds.values())
    long_text = "長文\n" + (base + "\n") * (chars // len(base) + 1)
    return make_project(tmp_path / "long.annotator", {"long.txt": long_text[:chars], **seeds})


def test_window_stays_responsive_while_a_long_text_is_indexed(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _long_project(tmp_path)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    window, aids = open_window(qtbot, path, tmp_path)
    try:
        session = window.session
        assert session.document.name == "long.txt" and len(session.text) == 150_000
        assert aids.indexer.busy() and aids.current_index() is None
        progress: list[int] = []
        long_id = session.document.id
        aids.indexer.progress.connect(lambda d, done, _t: d == long_id and progress.append(done))
        started = time.perf_counter()
        qtbot.waitUntil(lambda: bool(progress) and aids.progress_bar.isVisible(), timeout=10_000)
        # the window answers while pykakasi works: a selection is read at once from its line
        s = session.text.index("北朝鮮")
        window.view.select_cp(s, s + 3)
        aids.readings.refresh()
        assert aids.readings.hira.text() == "きたちょうせん"
        qtbot.waitUntil(lambda: aids.current_index() is not None, timeout=60_000)
        took = time.perf_counter() - started
        during = [t for t in ticks if started <= t <= started + took]
        gaps = [b - a for a, b in zip(during, during[1:], strict=False)]
        assert took > 0.5 and len(during) > took / 0.05  # the timer kept firing all along
        assert max(gaps) < 0.25, f"the event loop stalled for {max(gaps):.3f} s"
        print(f"indexed {len(session.text)} chars in {took:.2f} s; timer gaps: max {max(gaps) * 1000:.0f} ms, "
              f"{len(during)} ticks")
        assert progress == sorted(progress) and progress[-1] == 150_000
        qtbot.waitUntil(lambda: not aids.indexer.missing() and not aids.indexer.busy(), timeout=60_000)
        assert aids.state_label.text() == "" and not aids.progress_bar.isVisible()
        # the text was built in worker processes, which stop once the indexer is idle
        qtbot.waitUntil(lambda: not aids.indexer.pool.started() and not multiprocessing.active_children(),
                        timeout=10_000)
        with Project.open(path) as project:
            assert readings_state(project) == (5, 5)  # every document's readings are stored
    finally:
        timer.stop()
        window.close()
        window.session.close()


def test_cancel_then_index_again_and_close_while_indexing(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _long_project(tmp_path, 120_000)
    window, aids = open_window(qtbot, path, tmp_path)
    long_id = window.session.document.id
    qtbot.waitUntil(aids.indexer.busy)
    aids.actions["reading.cancel"].trigger()
    qtbot.waitUntil(lambda: not aids.indexer.busy(), timeout=10_000)
    assert aids.indexer.index(long_id) is None and "cancelled" in aids.state_label.text()
    with Project.open(path) as project:
        assert load_index(project, long_id) is None
    aids.actions["reading.index_all"].trigger()
    qtbot.waitUntil(aids.indexer.busy)
    window.close()  # closing cancels and waits for the worker: nothing runs afterwards
    assert not aids.indexer.busy()
    window.session.close()


def test_cached_indexes_load_without_building(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = make_project(tmp_path / "p.annotator")
    window, aids = open_window(qtbot, path, tmp_path)
    qtbot.waitUntil(lambda: not aids.indexer.missing() and not aids.indexer.busy(), timeout=30_000)
    window.close()
    window.session.close()
    from annotator.services.japanese import ReadingIndex

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("built although cached")

    monkeypatch.setattr(ReadingIndex, "build", refuse)
    window, aids = open_window(qtbot, path, tmp_path)
    qtbot.waitUntil(lambda: not aids.indexer.missing() and not aids.indexer.busy(), timeout=30_000)
    assert aids.indexer.indexed_count() == 4 and aids.current_index() is not None
    window.close()
    window.session.close()


def test_every_document_is_indexed_once_in_batches(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from annotator.services.japanese import ReadingIndex, corpus_search
    from annotator.ui.reading import indexer as indexer_module

    base = "\n".join(seed_texts().values())
    texts = {f"d{i:02d}.txt": f"{i}\n" + base[i * 97 : i * 97 + 300] for i in range(70)}
    path = make_project(tmp_path / "many.annotator", texts)
    built: list[str] = []
    build = ReadingIndex.build
    monkeypatch.setattr(ReadingIndex, "build", classmethod(
        lambda _cls, text, *a, **k: built.append(text) or build(text, *a, **k)))
    asked: list[int] = []
    next_items = corpus_search.next_items
    monkeypatch.setattr(corpus_search, "next_items",
                        lambda *a, **k: asked.append(1) or next_items(*a, **k))
    window, aids = open_window(qtbot, path, tmp_path)
    try:
        qtbot.waitUntil(lambda: not aids.indexer.missing() and not aids.indexer.busy(), timeout=60_000)
        with Project.open(path) as project:
            assert readings_state(project) == (70, 70)
            stored = sorted(project.text(d.id) for d in project.documents())
        assert sorted(built) == stored  # each document built once, none twice
        assert len(asked) <= 70 // indexer_module.BATCH_DOCS + 3  # batches, not one query a document
        assert len(aids.indexer.indexes()) <= indexer_module.KEEP
    finally:
        window.close()
        window.session.close()


def test_the_window_puts_the_tokens_in_the_search_index_after_the_readings(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Once the readings are in, the window adds the documents' tokens to the postings in the
    background (a batch per short transaction); the search then finds from them exactly what
    it found document by document."""
    from annotator.services.japanese import ReadingIndex, corpus_search, search
    from annotator.ui.reading import positions_indexer

    seeds = seed_texts()
    texts = {f"{i}-{name}": f"{i}\n{text}" for i, (name, text) in enumerate(list(seeds.items()) * 3)}
    path = make_project(tmp_path / "tokens.annotator", texts)
    with Project.open(path) as project:
        indexes = {d.id: ReadingIndex.build(project.text(d.id)) for d in project.documents()}
        before: dict[str, list[tuple[int, list[tuple[int, int]]]]] = {}
        for query in ("puchin", "北朝鮮", "no", "ミサイル"):
            grouped: dict[int, list[tuple[int, int]]] = {}
            for hit in search(indexes, None, query, project.aliases()):
                grouped.setdefault(hit.document, []).append((hit.start, hit.end))  # type: ignore[arg-type]
            before[query] = list(grouped.items())
    window, aids = open_window(qtbot, path, tmp_path)
    try:
        assert positions_indexer.DOCS >= 1
        stored: list[int] = []
        aids.indexer.positions.stored.connect(stored.append)
        qtbot.waitUntil(lambda: not aids.indexer.busy() and not aids.indexer.positions.busy()
                        and corpus_search.positions_pending(window.session.project) == 0, timeout=60_000)
        assert sum(stored) == len(texts)
        project = window.session.project
        for query, hits in before.items():
            assert hits  # the queries find something
            assert list(corpus_search.iter_hit_groups(project, query)) == hits, query
    finally:
        window.close()

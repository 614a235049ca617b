"""Long texts are indexed in worker processes; none of them outlives the window."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from annotator.services.japanese.parallel import PARALLEL_MIN_CHARS
from reading_fixtures import make_project, open_window, seed_texts


def _long_project(tmp_path: Path, chars: int) -> Path:
    base = "\n".join(seed_texts().values())
    return make_project(tmp_path / "long.annotator", {"long.txt": ((base + "\n") * (chars // len(base) + 1))[:chars]})


def test_closing_the_window_while_processes_index_leaves_none_behind(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert not multiprocessing.active_children()
    window, aids = open_window(qtbot, _long_project(tmp_path, PARALLEL_MIN_CHARS + 20_000), tmp_path)
    progress: list[int] = []
    aids.indexer.progress.connect(lambda _d, done, _t: progress.append(done))
    qtbot.waitUntil(lambda: aids.indexer.pool.started() and len(multiprocessing.active_children()) == 2,
                    timeout=10_000)
    qtbot.waitUntil(lambda: bool(progress) and progress[-1] > 0, timeout=20_000)  # chunks come back
    assert aids.indexer.busy()
    window.close()  # cancels, waits for the thread, then for the processes
    assert not aids.indexer.busy() and not aids.indexer.pool.started()
    assert not multiprocessing.active_children()
    window.session.close()

"""The native export of a large selection, its chunks shared with a worker process: the same
file byte for byte, the same refusals, the same counts, and a cancel that stops the worker."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from annotator.domain.errors import DataError
from annotator.services import (chunk_workers, cpu_load, export_native, export_parallel,
                                exporting)
from annotator.services.exporting import ExportCancelled, ExportFilter, export
from annotator.store import Project
from tests.unit.services.test_native_relations import TEXT, fill


@pytest.fixture
def corpus(project: Project) -> Project:
    """Relations, attribute values, number values and two layers in the first documents,
    then documents with line separators in a text, a note and meta, astral texts, and
    documents without spans."""
    fill(project)
    for n in range(40):
        text = f"{n}\U0001F600{TEXT}" + ("\x85改行" if n % 7 == 0 else "")
        doc, _ = project.add_document(f"doc-{n:02d}.txt", text, who="t",
                                      meta={"n": n, "why": "a\u2028b"} if n % 5 == 0 else None)
        if n % 4 == 3:
            continue  # no spans
        project.add_span(doc.id, 1, 3, "actor", "hana", note="注\u2029記" if n % 6 == 0 else None)
        project.add_span(doc.id, 2, 6, "number", "ken")
        project.add_span(doc.id, 2, 6, "claim", "hana")
    return project


def exported(project: Project, path: Path, **filters: object) -> tuple[bytes, tuple[int, ...],
                                                                       list[str]]:
    report = export(project, "jsonl", output=path, filters=ExportFilter(**filters))  # type: ignore[arg-type]
    return path.read_bytes(), (report.documents, report.spans, report.relations), report.notes


@pytest.mark.parametrize("filters", [{}, {"annotators": ["hana"]}, {"labels": ["claim", "actor"]},
                                     {"skip_empty": True},
                                     {"documents": ["doc-03.txt", "doc-10.txt", "cnn.txt"]}])
def test_the_same_file_as_one_process(corpus: Project, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch,
                                      filters: dict[str, object]) -> None:
    monkeypatch.setenv("ANNOTATOR_EXPORT_WORKERS", "0")
    alone = exported(corpus, tmp_path / "alone.jsonl", **filters)
    assert alone[0].count(b"\n") >= 3
    monkeypatch.setenv("ANNOTATOR_EXPORT_WORKERS", "1")  # however busy the machine is
    monkeypatch.setattr(export_parallel, "MIN_DOCUMENTS", 0)
    monkeypatch.setattr(exporting, "CHUNK_DOCUMENTS", 3)  # chunks here and in the worker
    here: list[int] = []
    real = export_native.chunk_lines

    def counted(project, ids, *args):  # type: ignore[no-untyped-def]
        here.append(len(ids))  # (the worker process has its own, uncounted)
        return real(project, ids, *args)

    monkeypatch.setattr(export_native, "chunk_lines", counted)
    shared = exported(corpus, tmp_path / "shared.jsonl", **filters)
    assert shared == alone
    chunks = -(-corpus.document_count() // 3)
    if export_parallel.workers_for(10**6) and not filters:  # the worker built at least the
        assert 1 <= len(here) <= chunks - 2             # chunks it was given first


def test_a_damaged_record_refuses_the_export_naming_the_first(
        corpus: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANNOTATOR_EXPORT_WORKERS", "1")
    if not export_parallel.workers_for(10**6):
        pytest.skip("one core: no worker process")
    monkeypatch.setattr(export_parallel, "MIN_DOCUMENTS", 0)
    monkeypatch.setattr(exporting, "CHUNK_DOCUMENTS", 3)
    with corpus.atomic():  # damaged rows, past the end of their texts, in two chunks
        for name in ("doc-01.txt", "doc-30.txt"):
            corpus.db.conn.execute('UPDATE spans SET "end" = 9999 WHERE document_id = ?',
                                   corpus.document_ids_matching(name))
    out = tmp_path / "out.jsonl"
    out.write_text("old\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"'doc-01.txt' failed validation: span 0: \[1, 9999\) "
                                        r"is not inside the text"):
        export(corpus, "jsonl", output=out)
    assert out.read_text(encoding="utf-8") == "old\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_a_cancel_stops_the_worker_and_leaves_the_file(
        corpus: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANNOTATOR_EXPORT_WORKERS", "1")
    monkeypatch.setattr(export_parallel, "MIN_DOCUMENTS", 0)
    monkeypatch.setattr(exporting, "CHUNK_DOCUMENTS", 2)
    out = tmp_path / "out.jsonl"
    calls: list[int] = []

    def progress(done: int, total: int, _what: str) -> bool:
        calls.append(done)
        return done < 10

    with pytest.raises(ExportCancelled):
        export(corpus, "jsonl", output=out, progress=progress)
    assert not out.exists()
    assert calls[-1] >= 10 and calls[-1] < corpus.document_count()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    stream = io.StringIO()  # the project is still fine to export
    assert export(corpus, "jsonl", stream=stream).documents == corpus.document_count()


def test_small_selections_and_one_core_stay_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANNOTATOR_EXPORT_WORKERS", raising=False)
    assert export_parallel.workers_for(export_parallel.MIN_DOCUMENTS - 1) == 0
    monkeypatch.setenv("ANNOTATOR_EXPORT_WORKERS", "0")
    assert export_parallel.workers_for(10**6) == 0
    monkeypatch.setenv("ANNOTATOR_EXPORT_WORKERS", "many")
    assert export_parallel.workers_for(10**6) == 0
    assert list(export_parallel.chunks_of(iter(range(7)), 3)) == [[0, 1, 2], [3, 4, 5], [6]]


def _runnable(path: Path, running: int) -> Path:
    """A file shaped as Linux's /proc/loadavg, ``running`` tasks runnable (this one included)."""
    path.write_text(f"0.52 0.58 0.59 {running}/467 12345\n", encoding="ascii")
    return path


def test_others_running_counts_the_runnable_tasks_but_this_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cpu_load, "LOADAVG", str(_runnable(tmp_path / "loadavg", 3)))
    assert cpu_load.others_running(samples=3, pause=0) == 2.0
    assert cpu_load.free_cores(2, 2.0) == -1.0 and cpu_load.free_cores(4, 1.0) == 2.0
    assert cpu_load.free_cores(2, None) == 1.0
    monkeypatch.setattr(cpu_load, "LOADAVG", str(tmp_path / "missing"))
    expected = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    assert cpu_load.others_running(samples=2, pause=0) == pytest.approx(expected, abs=0.5)


def test_a_busy_machine_exports_in_this_process(corpus: Project, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Every core busy with other work: the export starts no worker and builds every chunk
    here (the same file); with a core free, or asked to, it does start one."""
    monkeypatch.setenv("ANNOTATOR_EXPORT_WORKERS", "0")
    alone = exported(corpus, tmp_path / "alone.jsonl")
    monkeypatch.delenv("ANNOTATOR_EXPORT_WORKERS")
    if not export_parallel.workers_for(10**6):
        pytest.skip("one core: no worker process")
    monkeypatch.setattr(export_parallel, "MIN_DOCUMENTS", 0)
    monkeypatch.setattr(exporting, "CHUNK_DOCUMENTS", 3)
    cores = chunk_workers.cores()
    monkeypatch.setattr(cpu_load, "LOADAVG", str(_runnable(tmp_path / "busy", cores + 1)))
    assert export_parallel.workers_now(10**6) == 0
    here: list[int] = []
    real = export_native.chunk_lines

    def counted(project, ids, *args):  # type: ignore[no-untyped-def]
        here.append(len(ids))
        return real(project, ids, *args)

    monkeypatch.setattr(export_native, "chunk_lines", counted)
    assert exported(corpus, tmp_path / "busy.jsonl") == alone
    assert here == []  # the one-process path: no chunk went to the scheduler
    monkeypatch.setattr(cpu_load, "LOADAVG", str(_runnable(tmp_path / "quiet", 1)))
    assert export_parallel.workers_now(10**6) == 1
    monkeypatch.setattr(cpu_load, "LOADAVG", str(_runnable(tmp_path / "busy", cores + 1)))
    monkeypatch.setenv("ANNOTATOR_EXPORT_WORKERS", "1")
    assert export_parallel.workers_now(10**6) == 1

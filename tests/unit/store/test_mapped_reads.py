"""``store.mapped_reads.mapped``: reads through a memory map whose pages ``release()`` lets go,
and the connection's setting put back after the block (also after an error)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from annotator.store import Project
from annotator.store.mapped_reads import mapped


def _mmap_size(project: Project) -> int:
    return int(project.db.conn.execute("PRAGMA mmap_size").fetchone()[0])


def _mapped_file_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("RssFile:"):
                return int(line.split()[1])
    raise LookupError("no RssFile")


def _project(path: Path, documents: int) -> Project:
    rng = random.Random(5)
    project = Project.open(path)
    with project.atomic():
        for number in range(documents):  # texts spilling over several pages each
            text = "".join(rng.choice("あいうえおかきくけこ") for _ in range(6000))
            project.add_document(f"doc-{number}.txt", f"{number} {text}", who="test")
    return project


def test_the_setting_is_put_back_after_the_block_and_after_an_error(tmp_path: Path) -> None:
    with _project(tmp_path / "p.annotator", 3) as project:
        before = _mmap_size(project)
        with mapped(project, 1 << 26) as release:
            assert _mmap_size(project) == 1 << 26
            release()
            assert _mmap_size(project) == 1 << 26
        assert _mmap_size(project) == before
        with pytest.raises(RuntimeError), mapped(project, 1 << 26):
            raise RuntimeError("stop")
        assert _mmap_size(project) == before


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux)")
def test_release_lets_go_of_the_pages_read(tmp_path: Path) -> None:
    with _project(tmp_path / "p.annotator", 400) as project:  # about 8 MB of texts
        project.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # pages in the file
        with mapped(project) as release:
            quiet = _mapped_file_kib()
            lengths = project.db.execute("SELECT sum(length) FROM documents").fetchone()[0]
            assert lengths > 400 * 6000
            read = _mapped_file_kib()
            release()
            released = _mapped_file_kib()
        assert read - quiet > 4000  # the texts' pages were read through the map
        assert released - quiet < 1000

"""Reading indexes cached in the project: get-or-build, reuse, rebuild on a bad or old blob."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.services.japanese import ReadingIndex, text_sha256
from annotator.services.japanese import index_cache
from annotator.services.japanese.index_cache import CACHE_VERSION, cached_blob, document_index, load_or_build
from annotator.store import Project
from ja_project import WHO


@pytest.fixture
def project(tmp_path: Path):  # type: ignore[no-untyped-def]
    with Project.open(tmp_path / "p.annotator") as opened:
        opened.add_document("a", "😀プーチン氏は北朝鮮を訪問した。\nロシア。", who=WHO)
        yield opened


def test_builds_once_then_loads_from_the_cache(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = project.documents()[0]
    assert cached_blob(project, doc.sha256) is None
    first = document_index(project, doc.id)
    assert cached_blob(project, doc.sha256) == first.to_bytes()

    def refuse(*_a: object, **_k: object) -> ReadingIndex:
        raise AssertionError("built again")

    monkeypatch.setattr(ReadingIndex, "build", refuse)
    again = document_index(project, doc.id, sha256=doc.sha256)
    assert again.to_dict() == first.to_dict()
    assert again.find("puchin") == [(1, 5)]


def test_a_broken_or_outdated_blob_is_rebuilt_and_replaced(project: Project) -> None:
    doc = project.documents()[0]
    project.store_reading(doc.sha256, CACHE_VERSION, b"not zlib")
    index = document_index(project, doc.id)
    assert index.find("kitachosen") == [(7, 10)]
    assert cached_blob(project, doc.sha256) == index.to_bytes()
    # a blob of another text under this text's key (e.g. a hash clash or a bug): rebuilt too
    other = ReadingIndex.build("別の文書")
    project.store_reading(doc.sha256, CACHE_VERSION, other.to_bytes())
    assert document_index(project, doc.id).to_dict() == index.to_dict()


def test_load_or_build_tells_whether_it_built() -> None:
    text = "北朝鮮"
    built, was_built = load_or_build(text, None)
    assert was_built and built.sha256 == text_sha256(text)
    loaded, was_built = load_or_build(text, built.to_bytes())
    assert not was_built and loaded.to_dict() == built.to_dict()
    assert load_or_build(text, b"\x00")[1] is True


def test_cache_key_is_the_index_format_version() -> None:
    assert index_cache.CACHE_VERSION == str(ReadingIndex.build("a").to_dict()["version"])

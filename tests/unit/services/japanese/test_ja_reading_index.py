"""The per-document reading index on the seed texts: every hit exact, serialisable."""

from __future__ import annotations

import pytest

from annotator.services.japanese import FORMAT_VERSION, IndexFormatError, IndexingCancelled, ReadingIndex
from ja_seeds import SEED_000, SEED_003, occurrences, seed

CASES = [("プーチン", ["puchin", "Puchin", "プーチン"]), ("北朝鮮", ["kitachosen", "kitachousen", "北朝鮮"]),
         ("ロシア", ["roshia", "rosia", "ロシア"])]


@pytest.fixture(scope="module", params=[SEED_000, SEED_003])
def seeded(request: pytest.FixtureRequest) -> tuple[str, ReadingIndex]:
    text = seed(request.param)
    return text, ReadingIndex.build(text)


@pytest.mark.parametrize(("word", "queries"), CASES)
def test_every_occurrence_is_found_exactly(seeded: tuple[str, ReadingIndex], word: str, queries: list[str]) -> None:
    text, index = seeded
    expected = occurrences(text, word)
    assert expected
    for q in queries:
        hits = index.find(q)
        assert set(expected) <= set(hits), q
        for s, e in hits:
            assert text[s:e] == word, (q, s, e)


@pytest.mark.parametrize("prefix", ["😀", "𠮷", "👨\u200d👩\u200d👧", "葛\U000e0100", "😀𠮷\n"])
def test_astral_characters_before_hits_keep_offsets_exact(prefix: str) -> None:
    base = seed(SEED_003)
    text = "".join(prefix + line for line in base.splitlines(keepends=True))
    index = ReadingIndex.build(text)
    for word, queries in CASES:
        expected = occurrences(text, word)
        for q in queries:
            hits = index.find(q)
            assert set(expected) <= set(hits)
            assert all(text[s:e] == word for s, e in hits)


def test_match_inside_a_long_token_is_cut_at_the_reading() -> None:
    text = "ロシアのウラジーミル・プーチン大統領"
    index = ReadingIndex.build(text)
    assert [text[s:e] for s, e in index.find("puchin")] == ["プーチン"]
    assert [text[s:e] for s, e in index.find("urajimiru")] == ["ウラジーミル"]
    assert [text[s:e] for s, e in index.find("chosen")] == []
    assert ReadingIndex.build("北朝鮮").find("chosen") == [(1, 3)]


def test_match_starting_after_a_collapsed_boundary() -> None:
    text = "日本のアジア"  # pykakasi: nippon|no|ajia -> key "niponoazia"
    index = ReadingIndex.build(text)
    assert [text[s:e] for s, e in index.find("ajia")] == ["アジア"]
    assert [text[s:e] for s, e in index.find("nipponno")] == ["日本の"]
    assert [text[s:e] for s, e in index.find("no")] == ["の"]


def test_matches_never_span_a_newline() -> None:
    index = ReadingIndex.build("ロシ\nア")
    assert index.find("roshia") == []


def test_tokens_tile_and_match_tokenize(seeded: tuple[str, ReadingIndex]) -> None:
    text, index = seeded
    tokens = index.tokens()
    assert "".join(t.surface for t in tokens) == text
    assert index.token_index_at(0) == 0 and index.token_index_at(len(text)) is None


def test_round_trip_through_dict_and_bytes(seeded: tuple[str, ReadingIndex]) -> None:
    import json

    text, index = seeded
    data = json.loads(json.dumps(index.to_dict()))
    assert data["version"] == FORMAT_VERSION
    again = ReadingIndex.from_dict(data, text)
    assert again.tokens() == index.tokens() and again.key == index.key
    assert again.find("puchin") == index.find("puchin")
    blob = index.to_bytes()
    assert len(blob) < len(text.encode()) * 2
    assert ReadingIndex.from_bytes(blob, text).find("ajia") == index.find("ajia")


def test_cached_index_for_another_text_or_version_is_refused(seeded: tuple[str, ReadingIndex]) -> None:
    text, index = seeded
    with pytest.raises(IndexFormatError):
        ReadingIndex.from_dict(index.to_dict(), text + "x")
    with pytest.raises(IndexFormatError):
        ReadingIndex.from_dict({**index.to_dict(), "version": -1}, text)
    with pytest.raises(IndexFormatError):
        ReadingIndex.from_dict({**index.to_dict(), "hira": []}, text)
    with pytest.raises(IndexFormatError):
        ReadingIndex.from_bytes(b"not zlib", text)


def test_build_reports_progress_and_can_be_cancelled() -> None:
    text = seed(SEED_000) * 4
    seen: list[int] = []
    ReadingIndex.build(text, progress=lambda done, total: seen.append(done) is None)
    assert seen[-1] == len(text) and len(seen) >= 4
    with pytest.raises(IndexingCancelled):
        ReadingIndex.build(text, progress=lambda done, total: done < len(text) // 2)


def test_empty_text_and_empty_query() -> None:
    index = ReadingIndex.build("")
    assert len(index) == 0 and index.find("a") == []
    assert ReadingIndex.from_dict(index.to_dict(), "").tokens() == []
    assert ReadingIndex.build("ロシア").find("") == []

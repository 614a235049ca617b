"""Search across documents: literal, by reading, by alias; order and dedupe."""

from __future__ import annotations

import pytest

from annotator.services.japanese import Hit, ReadingIndex, alias_key, context, expand_aliases, search
from ja_seeds import SEED_000, SEED_003, occurrences, seed

ALIASES = {"Putin": ["プーチン"], "Kim Jong Un": ["金正恩", "キム・ジョンウン"]}


@pytest.fixture(scope="module")
def project() -> tuple[dict[str, str], dict[str, ReadingIndex]]:
    texts = {"a": seed(SEED_000), "b": seed(SEED_003), "c": "😀𠮷プーチン氏と金正恩氏"}
    return texts, {k: ReadingIndex.build(v) for k, v in texts.items()}


def test_romaji_query_finds_every_occurrence_in_every_document(project) -> None:  # type: ignore[no-untyped-def]
    texts, indexes = project
    hits = search(indexes, texts, "puchin")
    for doc, text in texts.items():
        assert [(h.start, h.end) for h in hits if h.document == doc] == occurrences(text, "プーチン")
    assert all(h.text == texts[h.document][h.start : h.end] == "プーチン" for h in hits)
    assert [h.document for h in hits] == sorted(h.document for h in hits)


def test_alias_expands_to_surface_forms(project) -> None:  # type: ignore[no-untyped-def]
    texts, indexes = project
    hits = search(indexes, texts, "kim jong-un", ALIASES)
    expected = [(d, s, e) for d, t in texts.items() for w in ALIASES["Kim Jong Un"] for s, e in occurrences(t, w)]
    # "kim jong un" also occurs literally (case-insensitive) in a caption of seed 000
    literal = [(d, s, e) for d, t in texts.items() for s, e in occurrences(t.casefold(), "kim jong un")]
    assert sorted((h.document, h.start, h.end) for h in hits) == sorted(expected + literal)
    assert {h.text for h in hits} == {"金正恩", "キム・ジョンウン", "kim jong un"}


def test_alias_lookup_is_case_and_space_insensitive() -> None:
    assert alias_key("Kim  Jong-Un") == alias_key("kimjongun")
    assert expand_aliases("PUTIN", ALIASES) == ["PUTIN", "プーチン"]
    assert expand_aliases("金正恩", ALIASES) == ["金正恩", "キム・ジョンウン"]
    assert expand_aliases("x", None) == ["x"]


def test_duplicate_and_overlapping_hits_are_merged() -> None:
    text = "プーチン"
    indexes = {1: ReadingIndex.build(text)}
    assert search(indexes, None, "プーチン", {"プーチン": ["プーチン", "プー"]}) == [Hit(1, 0, 4, "プーチン")]


def test_texts_must_match_the_indexes(project) -> None:  # type: ignore[no-untyped-def]
    _texts, indexes = project
    with pytest.raises(ValueError, match="another text"):
        search(indexes, {"a": "x", "b": "y", "c": "z"}, "puchin")


def test_max_hits_and_context(project) -> None:  # type: ignore[no-untyped-def]
    texts, indexes = project
    hits = search(indexes, texts, "roshia", max_hits=3)
    assert len(hits) == 3
    before, match, after = context(texts[hits[0].document], hits[0].start, hits[0].end, 5)
    assert match == "ロシア" and len(before) <= 5 and "\n" not in after

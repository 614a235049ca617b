"""Word snapping and readings of a selection."""

from __future__ import annotations

import pytest

from annotator.services.japanese import ReadingIndex, reading, snap, token_at, tokenize
from ja_seeds import SEED_000, seed

TEXT = "北朝鮮の金正恩氏  プーチン"


def test_snap_grows_to_token_boundaries() -> None:
    tokens = tokenize(TEXT)
    assert snap(tokens, 1, 2) == (0, 3)  # 朝 -> 北朝鮮
    assert snap(tokens, 0, 3) == (0, 3)  # already on boundaries
    assert snap(tokens, 2, 5) == (0, 6)  # 鮮の金 -> 北朝鮮の金正
    assert snap(tokens, 4, 4) == (4, 6)  # cursor in 金正: the word under it


def test_snap_never_absorbs_whitespace() -> None:
    tokens = tokenize(TEXT)
    assert TEXT[8:10] == "  "
    assert snap(tokens, 9, 11) == (9, 14)
    assert snap(tokens, 7, 9) == (7, 9)
    assert snap(tokens, 9, 9) == (9, 9)


def test_snap_off_is_simply_not_calling_it_and_bounds_are_checked() -> None:
    tokens = tokenize(TEXT)
    with pytest.raises(ValueError):
        snap(tokens, 3, 2)
    with pytest.raises(ValueError):
        snap(tokens, 0, len(TEXT) + 1)
    assert snap(tokens, 0, len(TEXT)) == (0, len(TEXT))
    assert snap([], 0, 0) == (0, 0)
    assert token_at(tokens, len(TEXT)) is None and token_at(tokens, 0) == 0


def test_snapping_keeps_selections_exact_on_the_seed() -> None:
    text = seed(SEED_000)
    tokens = ReadingIndex.build(text).tokens()
    for word in ("プーチン", "北朝鮮", "ロシア"):
        i = text.find(word)
        assert snap(tokens, i, i + len(word)) == (i, i + len(word))
        s, e = snap(tokens, i + 1, i + 2)
        assert s <= i + 1 and e >= i + 2 and text[s:e].strip() == text[s:e]


def test_reading_of_whole_tokens() -> None:
    r = reading(TEXT, 0, 7)
    assert (r.surface, r.hira, r.hepburn) == ("北朝鮮の金正恩", "きたちょうせんのかねまさおん", "kitachousen no kanemasa on")
    assert r.kana == "キタチョウセンノカネマサオン"


def test_reading_clips_partial_tokens_and_uses_given_tokens() -> None:
    tokens = tokenize(TEXT)
    r = reading(TEXT, 1, 3, tokens)
    assert r.surface == "朝鮮" and r.hira == "ちょうせん"
    r = reading(TEXT, 7, 14, tokens)
    assert r.hepburn == "shi puuchin" and r.hira == "し  ぷーちん"
    assert reading(TEXT, 5, 5).hira == ""
    with pytest.raises(ValueError):
        reading(TEXT, 0, 99)


def test_reading_with_astral_characters() -> None:
    text = "😀𠮷\nプーチン"
    r = reading(text, 0, len(text))
    assert r.hira == "😀𠮷\nぷーちん" and r.hepburn == "😀𠮷 puuchin"

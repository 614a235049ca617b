"""Readings and snapping around a range: the same with a document's index as without it."""

from __future__ import annotations

import pytest

from annotator.services.japanese import ReadingIndex, reading, tokenize
from annotator.services.japanese.local_tokens import reading_of, snap_range, tokens_covering
from ja_seeds import SEED_000, seed

TEXT = "😀𠮷野家の記事\nロシアのウラジーミル・プーチン大統領は北朝鮮を訪問した。\n\n終わり"


@pytest.fixture(scope="module")
def index() -> ReadingIndex:
    return ReadingIndex.build(TEXT)


def test_snapping_grows_to_word_boundaries(index: ReadingIndex) -> None:
    s = TEXT.index("大統領")
    name = TEXT.index("ウラジーミル")  # pykakasi reads ウラジーミル・プーチン as one word
    for ix in (None, index):
        assert snap_range(TEXT, s + 1, s + 2, ix) == (s, s + 3)
        assert snap_range(TEXT, s, s + 3, ix) == (s, s + 3)
        assert snap_range(TEXT, s - 2, s + 1, ix) == (name, s + 3)
        assert snap_range(TEXT, 3, 3, ix) == (2, 4)  # the word under the cursor: 野家 after 😀𠮷
        k = TEXT.index("北朝鮮")
        assert TEXT[slice(*snap_range(TEXT, k + 1, k + 2, ix))] in ("北朝鮮", "朝鮮")
        assert snap_range(TEXT, len(TEXT), len(TEXT), ix) == (len(TEXT), len(TEXT))
        newline = TEXT.index("\n\n")
        assert snap_range(TEXT, newline, newline + 2, ix) == (newline, newline + 2)


def test_index_and_lines_give_the_same_tokens_and_readings(index: ReadingIndex) -> None:
    whole = tokenize(TEXT)
    for start in range(0, len(TEXT), 3):
        for end in (start, min(len(TEXT), start + 1), min(len(TEXT), start + 5)):
            assert snap_range(TEXT, start, end) == snap_range(TEXT, start, end, index)
            assert reading_of(TEXT, start, end) == reading_of(TEXT, start, end, index) == reading(TEXT, start, end, whole)
    covering = tokens_covering(TEXT, 9, 12, index)
    assert covering[0].start <= 9 and covering[-1].end >= 12


def test_readings_of_the_seed_names() -> None:
    text = seed(SEED_000)
    s = text.index("プーチン")
    r = reading_of(text, s, s + 4)
    assert (r.hira, r.hepburn) == ("ぷーちん", "puuchin")
    k = text.index("北朝鮮")
    assert reading_of(text, k, k + 3).hira == "きたちょうせん"


def test_bad_ranges_and_foreign_index(index: ReadingIndex) -> None:
    with pytest.raises(ValueError):
        snap_range(TEXT, 5, len(TEXT) + 1)
    with pytest.raises(ValueError, match="another text"):
        tokens_covering("別", 0, 1, index)

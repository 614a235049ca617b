"""The exact pykakasi wrapper: tokens tile any text; readings where pykakasi fails."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.services.japanese import IndexingCancelled, tokenize
from annotator.services.japanese.runs import HARD_CAP, split_runs
from ja_seeds import SEED_000, SEED_003, seed

SPECIALS = ["😀", "👨\u200d👩", "𠮷", "\U000e0100", "\ufe0f", "\r\n", "\r", "\n", "\t", " ", "\u3000",
            "ｶﾞ", "ﾊﾟ", "ﾟ", "ﾞ", "\ufeff", "\u200b", "\u0301", "\u3099", "ー", "・", "、", "。", "㍻", "\ue000",
            "\x00", "\ud800"]
ALPHABET = st.one_of(
    st.sampled_from(list("北朝鮮金正恩露大統領葛城野家々一二三十万百千あいうえおかがっゃんをアイウエオプーチンヴABCabc0123,.４，")),
    st.sampled_from(SPECIALS),
    st.characters(),
)
texts = st.lists(ALPHABET, max_size=40).map("".join)


def assert_tiles(text: str) -> None:
    tokens = tokenize(text)
    assert "".join(t.surface for t in tokens) == text
    pos = 0
    for t in tokens:
        assert t.start == pos and t.end > t.start
        assert text[t.start : t.end] == t.surface
        assert t.hira and t.kana and t.hepburn
        pos = t.end
    assert pos == len(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_tokens_tile_any_text(text: str) -> None:
    assert_tiles(text)


@pytest.mark.parametrize("text", ["", "a", "ｶﾞｷﾞ ﾊﾟ", "\ufeffあ", "𠮷野家", "a\r\nb\tc", "e\u0301", "あ\U000e0100",
                                  "\U000e0100あ", "か\u3099き", "👨\u200d👩x", "ﾟ", "葛\U000e0100城"])
def test_tokens_tile_awkward_inputs(text: str) -> None:
    assert_tiles(text)


@pytest.mark.parametrize("name", [SEED_000, SEED_003])
def test_tokens_tile_seed_texts(name: str) -> None:
    assert_tiles(seed(name))


def test_readings_of_known_words() -> None:
    by_surface = {t.surface: t for t in tokenize("北朝鮮のプーチン氏とｶﾞｷﾞ")}
    assert by_surface["北朝鮮"].hira == "きたちょうせん"
    assert by_surface["北朝鮮"].hepburn == "kitachousen"
    assert by_surface["プーチン"].kana == "プーチン"
    assert by_surface["ｶﾞｷﾞ"].hira == "がぎ"


def test_half_width_voiced_kana_read_when_pykakasi_drops_them() -> None:
    (token,) = tokenize("ﾊﾟ")
    assert (token.surface, token.hira, token.hepburn) == ("ﾊﾟ", "ぱ", "pa")


def test_combining_mark_stays_with_its_character() -> None:
    tokens = tokenize("か\u3099き")
    assert tokens[0].surface == "か\u3099"
    assert tokens[0].hira == "が"


def test_whitespace_and_astral_are_their_own_tokens() -> None:
    tokens = tokenize("金 😀𠮷\n正")
    assert [(t.surface, t.kind) for t in tokens] == [
        ("金", "word"), (" ", "space"), ("😀𠮷", "opaque"), ("\n", "space"), ("正", "word")]
    assert tokens[2].hira == "😀𠮷"


def test_variation_selector_stays_with_its_kanji() -> None:
    (token,) = tokenize("葛\U000e0100城")
    assert token.hira == "かつらぎ"


def test_long_runs_are_cut() -> None:
    text = seed(SEED_000) * 3 + "a" * 1000 + "あ" * 500
    runs = list(split_runs(text))
    assert "".join(text[s:e] for s, e, _k in runs) == text
    assert max(e - s for s, e, _k in runs) <= HARD_CAP


def test_progress_reports_and_cancels() -> None:
    text = seed(SEED_000) * 3
    seen: list[tuple[int, int]] = []
    tokenize(text, progress=lambda done, total: seen.append((done, total)) is None)
    assert seen[-1] == (len(text), len(text))
    assert len(seen) > 2 and all(b == len(text) for _a, b in seen)
    assert [a for a, _b in seen] == sorted(a for a, _b in seen)
    with pytest.raises(IndexingCancelled):
        tokenize(text, progress=lambda done, total: done < 5000)
    with pytest.raises(IndexingCancelled):
        tokenize(text, cancel=lambda: True)


def test_the_opaque_characters_are_the_controls_format_surrogates_and_private_use_of_the_bmp() -> None:
    """Every BMP character pykakasi must not see, by the rule written out character by
    character: its category is Cc, Cf, Cs or Co, it is not whitespace and not a mark."""
    import unicodedata

    from annotator.services.japanese import chars

    expected = [o for o in range(0x10000) if not chr(o).isspace() and not chars.is_mark(chr(o))
                and unicodedata.category(chr(o)) in ("Cc", "Cf", "Cs", "Co")]
    got = [o for lo, hi in chars._opaque_bmp_ranges() for o in range(lo, hi + 1)]
    assert got == expected and 0x1B in got and 0x202E in got and 0xE000 in got and 0x0A not in got
    assert all(chars.is_opaque(chr(o)) for o in expected[::97])

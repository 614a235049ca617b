"""Code points <-> UTF-16 conversions (annotator.domain.offsets)."""

from __future__ import annotations


import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.domain.offsets import Utf16Map, utf16_length

ASTRAL = ["𠮷", "😀", "👍", "\U0001f3fd", "\U000e0100", "𩸽", "\U0010ffff"]
# Arbitrary text weighted towards the characters that break offsets.
texts = st.text(
    alphabet=st.one_of(
        st.sampled_from(["a", "あ", "漢", "\n", " ", *ASTRAL]),
        st.characters(exclude_categories=("Cs",)),
    ),
    max_size=60,
)


def reference_utf16(text: str, cp: int) -> int:
    return len(text[:cp].encode("utf-16-le")) // 2


def test_known_positions() -> None:
    text = "a𠮷b😀c"
    m = Utf16Map(text)
    assert m.length == 5 and m.utf16_length == 7 and m.has_astral
    assert [m.to_utf16(i) for i in range(6)] == [0, 1, 3, 4, 6, 7]
    assert [m.to_codepoint(u) for u in range(8)] == [0, 1, 1, 2, 3, 3, 4, 5]
    assert [m.to_codepoint_ceil(u) for u in range(8)] == [0, 1, 2, 2, 3, 4, 4, 5]
    assert [m.is_inside_pair(u) for u in range(8)] == [False, False, True] + [False] * 2 + [
        True,
        False,
        False,
    ]
    assert m.astral_positions == (1, 3)


def test_no_astral_is_identity() -> None:
    m = Utf16Map("日本語のテキスト\n二行目")
    assert not m.has_astral
    assert m.to_utf16(5) == 5 and m.to_codepoint(5) == 5 and m.to_codepoint_ceil(5) == 5
    assert m.to_utf16_many([3, 1, 2]) == [3, 1, 2]


def test_empty_text() -> None:
    m = Utf16Map("")
    assert m.to_utf16(0) == 0 and m.to_codepoint(0) == 0 and m.utf16_length == 0


@pytest.mark.parametrize("bad", [-1, 6])
def test_out_of_range_raises(bad: int) -> None:
    m = Utf16Map("a𠮷b😀c")
    with pytest.raises(IndexError):
        m.to_utf16(bad)
    with pytest.raises(IndexError):
        m.to_codepoint(bad + (2 if bad > 0 else 0))
    with pytest.raises(IndexError):
        m.to_utf16_many([0, bad])


def test_range_widens_a_half_selected_pair() -> None:
    m = Utf16Map("x𠮷y")
    assert m.to_codepoint_range(2, 2) == (1, 2)
    assert m.to_utf16_range(1, 2) == (1, 3)


def test_variation_selector_counts_as_astral() -> None:
    text = "葛\U000e0100城"
    m = Utf16Map(text)
    assert m.to_utf16(2) == 3 and utf16_length(text) == 4


@given(texts)
def test_round_trip_and_agreement_with_utf16_encoding(text: str) -> None:
    m = Utf16Map(text)
    assert m.utf16_length == len(text.encode("utf-16-le")) // 2 == utf16_length(text)
    u16s = m.to_utf16_many(range(len(text) + 1))
    for cp, u in enumerate(u16s):
        assert u == reference_utf16(text, cp)
        assert m.to_utf16(cp) == u
        assert m.to_codepoint(u) == cp and m.to_codepoint_ceil(u) == cp
        assert not m.is_inside_pair(u)
    assert m.to_codepoint_many(u16s) == list(range(len(text) + 1))
    assert m.to_codepoint_many(u16s, round_up=True) == list(range(len(text) + 1))


@given(texts, st.data())
def test_positions_inside_pairs_round_down_or_up(text: str, data: st.DataObject) -> None:
    m = Utf16Map(text)
    u = data.draw(st.integers(0, m.utf16_length))
    down, up = m.to_codepoint(u), m.to_codepoint(u, round_up=True)
    if m.is_inside_pair(u):
        assert up == down + 1 and ord(text[down]) > 0xFFFF
        assert m.to_utf16(down) == u - 1 and m.to_utf16(up) == u + 1
    else:
        assert up == down and m.to_utf16(down) == u
    assert m.to_codepoint_many([u]) == [down]
    assert m.to_codepoint_many([u], round_up=True) == [up]


def test_100k_conversions_agree_with_encoding() -> None:
    """100,000 conversions over a long text with astral characters, each checked against the
    count of astral characters before it and, for the last, against the UTF-16 encoding."""
    text = ("日本語の文章" * 50 + "𠮷😀\n") * 1000  # ~350k code points, 2,000 astral
    m = Utf16Map(text)
    cps = list(range(0, len(text), len(text) // 100_000))[:100_000]
    units = [m.to_utf16(cp) for cp in cps]
    astral = [0] * (len(text) + 1)
    for i, ch in enumerate(text):
        astral[i + 1] = astral[i] + (ord(ch) > 0xFFFF)
    assert units == [cp + astral[cp] for cp in cps]
    assert len(text[:cps[-1]].encode("utf-16-le")) // 2 == units[-1]

"""Canonical text: BOM and line breaks only, no Unicode normalisation; SHA-256 identity."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.domain.text import (
    canonical_offset,
    canonicalise,
    is_canonical,
    removed_positions,
    sha256_text,
)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("\ufeffabc", "abc"),
        ("a\r\nb\r\nc", "a\nb\nc"),
        ("a\rb\rc", "a\nb\nc"),
        ("a\u2028b\u2029c", "a\nb\nc"),
        ("a\r\r\nb", "a\n\nb"),
        ("\ufeff\r\n", "\n"),
        ("", ""),
    ],
)
def test_canonicalise_bom_and_line_breaks(raw: str, canonical: str) -> None:
    assert canonicalise(raw) == canonical
    assert is_canonical(canonical)
    assert canonicalise(canonical) == canonical


def test_only_leading_boms_are_removed() -> None:
    assert canonicalise("a\ufeffb") == "a\ufeffb"
    assert canonicalise("\ufeff\ufeffa") == "a"  # the whole run: canonical text is a fixed point


@pytest.mark.parametrize(
    "text",
    ["㍻", "ｶﾞ", "が", "か\u3099", "e\u0301", "Ⅻ", "葛\U000E0100", "\U0001F600", "\u00a0", "\t"],
)
def test_no_unicode_normalisation(text: str) -> None:
    assert canonicalise(text) == text
    assert is_canonical(text)


def test_not_canonical_detected() -> None:
    for text in ("\ufeffa", "a\r\nb", "a\rb", "a\u2028", "\u2029"):
        assert not is_canonical(text)


def test_sha256_of_utf8_bytes() -> None:
    text = "平成\U00020BB7"
    assert sha256_text(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert len(sha256_text("")) == 64


@pytest.mark.parametrize("raw", ["\ufeffa\r\nbc\r\n\r\nd", "a\r\n", "\ufeff", "abc", "\r\n\r\n"])
def test_offsets_map_to_the_canonical_text(raw: str) -> None:
    canonical = canonicalise(raw)
    removed = removed_positions(raw)
    assert len(raw) - len(removed) == len(canonical)
    kept = [i for i in range(len(raw)) if i not in removed]
    for new, old in enumerate(kept):
        assert canonical_offset(old, removed) == new
        assert canonicalise(raw[old]) == canonical[new] or raw[old] == "\r"
    assert canonical_offset(len(raw), removed) == len(canonical)


@given(st.text(alphabet=st.sampled_from(["\ufeff", "\r", "\n", "\u2028", "a", "𠮷"]), max_size=12))
def test_canonical_text_is_a_fixed_point(text: str) -> None:
    once = canonicalise(text)
    assert canonicalise(once) == once
    assert is_canonical(once)
    removed = removed_positions(text)
    assert len(once) == len(text) - len(removed)
    assert "".join(c for i, c in enumerate(text) if i not in set(removed)).replace(
        "\r", "\n").replace("\u2028", "\n") == once


def test_a_run_of_leading_boms_is_removed_whole() -> None:
    assert canonicalise("\ufeff\ufeffab") == "ab"
    assert removed_positions("\ufeff\ufeffab\r\n") == [0, 1, 4]

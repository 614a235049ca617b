"""Search keys: kana, kanji, Hepburn and Kunrei spellings meet."""

from __future__ import annotations

import pytest

from annotator.services.japanese import normalise, query_key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("puchin", "プーチン"), ("Putin", "プーチン"), ("kitachousen", "北朝鮮"), ("kitachosen", "北朝鮮"),
        ("kita-chōsen", "北朝鮮"), ("Kita Chōsen", "きたちょうせん"), ("rosia", "ロシア"), ("roshia", "ロシア"),
        ("ROSHIA", "ろしあ"), ("tsu", "tu"), ("chi", "ti"), ("fuji", "huzi"), ("shinbun", "shimbun"),
        ("sha", "sya"), ("ja", "zya"), ("konnichiha", "konichiha"), ("Tōkyō", "toukyou"), ("Tokyo", "とうきょう"),
        ("oohno", "ono"), ("ｶﾞｷﾞ", "gagi"), ("ウラジーミル・プーチン", "urajimiru puchin"), ("Kim-Jong_Un", "kim jong un"),
    ],
)
def test_spellings_meet(a: str, b: str) -> None:
    assert query_key(a) == query_key(b) != ""


@pytest.mark.parametrize(("a", "b"), [("keizai", "kezai"), ("2400", "240"), ("roshia", "rasha")])
def test_keys_stay_apart(a: str, b: str) -> None:
    assert query_key(a) != query_key(b)


def test_separators_only_give_an_empty_key() -> None:
    assert query_key(" ・-ー ") == ""
    assert normalise("") == ""


def test_kanji_pykakasi_cannot_read_stays_in_the_key() -> None:
    assert "𠮷" in query_key("𠮷")

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


def test_an_ascii_query_is_read_as_the_reader_reads_it() -> None:
    """The ASCII shortcut gives the key the reader's romaji gives, over printable ASCII."""
    import random
    import string

    from annotator.services.japanese.tokens import iter_token_tuples

    rng = random.Random(7)
    queries = ["Kim-Jong_Un", "o'hara", "ou oh", "kiji000777", "a  b", "...", *(
        "".join(rng.choice(string.printable) for _ in range(rng.randint(1, 12)))
        for _ in range(3000))]
    for q in queries:
        read = normalise("".join(hep for _s, _e, _h, _k, hep, kind in iter_token_tuples(q)
                                 if kind != "space"))
        assert query_key(q) == read, q


def test_an_ascii_query_does_not_load_the_dictionaries() -> None:
    """In a fresh process: an ASCII query leaves pykakasi's converter uncreated; a kana query
    creates it (so the check can fail)."""
    import subprocess
    import sys

    code = ("from annotator.services.japanese import query_key, _kakasi; "
            "query_key('kitachosen'); print(_kakasi._converter is None); "
            "query_key('きた'); print(_kakasi._converter is None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["True", "False"]


def test_the_dictionaries_are_out_of_the_collectors_sight() -> None:
    """In a fresh process: once pykakasi's converter exists, its dictionaries' objects are in
    the collector's permanent generation, so a full collection does not walk them; what is
    created after is collected as before."""
    import subprocess
    import sys

    code = ("import gc; from annotator.services.japanese import query_key\n"
            "before = len(gc.get_objects()); query_key('きた')\n"
            "class Cycle: pass\n"
            "c = Cycle(); c.me = c; del c\n"
            "print(before, gc.get_freeze_count(), len(gc.get_objects()), gc.collect())")
    before, frozen, tracked, collected = map(int, subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split())
    assert frozen > 200_000 and tracked < before + 10_000 and collected >= 1

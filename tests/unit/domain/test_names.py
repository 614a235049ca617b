"""Names are plain text: control and invisible format characters refused, file names cleaned,
terminal output escaped."""

from __future__ import annotations

import pytest

from annotator.domain.errors import LabelError, SpanError
from annotator.domain.labels import Label, check_name, check_new_label
from annotator.domain.spans import check_annotator
from annotator.domain.text import clean_name, escape_unsafe, name_problem, unsafe_in_name

UNSAFE = {
    "nul": "\x00", "tab": "\t", "line-feed": "\n", "carriage-return": "\r", "escape": "\x1b",
    "bell": "\x07", "delete": "\x7f", "next-line": "\x85", "csi": "\x9b", "osc": "\x9d",
    "zwsp": "\u200b", "zwnj": "\u200c", "zwj": "\u200d", "lrm": "\u200e", "rlm": "\u200f",
    "lre": "\u202a", "rlo": "\u202e", "lri": "\u2066", "pdi": "\u2069", "word-joiner": "\u2060",
    "bom": "\ufeff", "line-separator": "\u2028", "arabic-letter-mark": "\u061c",
}


@pytest.mark.parametrize("char", list(UNSAFE.values()), ids=list(UNSAFE))
def test_unsafe_characters_are_refused_in_every_kind_of_name(char: str) -> None:
    name = f"ab{char}cd"
    problem = name_problem(name)
    assert problem is not None and f"U+{ord(char):04X}" in problem and "position 3" in problem
    with pytest.raises(LabelError, match=f"U\\+{ord(char):04X}.*plain text"):
        check_name(name)
    with pytest.raises(LabelError):
        check_new_label(Label(name, "#123456") if ord(char) >= 0x20 and char not in
                        "\x7f\u2028" else Label(name, "#123456"))
    with pytest.raises(SpanError, match=f"U\\+{ord(char):04X}.*plain text"):
        check_annotator(name)


@pytest.mark.parametrize("name", ["北朝鮮", "weapon-2", "Señor Muñoz", "🚀 rocket", "a b",
                                  "𠮷野家", "x<b>y</b>", "Ελλάδα"])
def test_plain_names_pass(name: str) -> None:
    assert name_problem(name) is None
    check_name(name)
    assert check_annotator(name) == name


def test_label_descriptions_are_plain_text_too() -> None:
    with pytest.raises(LabelError, match="U\\+202E"):
        check_new_label(Label("claim", "#123456", None, "a \u202eclaim"))
    assert check_new_label(Label("claim", "#1234ab", None, "a\tclaim")).description == "a\tclaim"


@pytest.mark.parametrize("name", ["a\u202eb", "a\u200bb", "a\x9bb", "a\ufeffb"])
def test_a_label_an_older_version_stored_still_loads(name: str) -> None:
    """A project written before these checks may hold such a label: reading it must not fail
    (the label is refused only where a name comes in)."""
    assert Label(name, "#123456").name == name
    with pytest.raises(LabelError):
        check_new_label(Label(name, "#123456"))


@pytest.mark.parametrize("name", ["a\x1bb", "a\tb", "a\nb", "a\x7fb", "a\u2028b"])
def test_c0_controls_were_never_loadable_and_stay_refused(name: str) -> None:
    with pytest.raises(LabelError):
        Label(name, "#123456")


@pytest.mark.parametrize(
    ("name", "cleaned", "mentions"),
    [
        ("x\u202eevil.txt", "xevil.txt", ["U+202E RIGHT-TO-LEFT OVERRIDE"]),
        ("a\tb\nc.txt", "a b c.txt", ["U+0009 TAB", "U+000A LINE FEED"]),
        ("\u200b\u200bzero.txt", "zero.txt", ["U+200B ZERO WIDTH SPACE ×2"]),
        ("\x1b[31mred.txt", "[31mred.txt", ["U+001B ESCAPE"]),
        ("plain.txt", "plain.txt", []),
    ],
)
def test_file_names_are_cleaned_and_the_cleaning_described(name: str, cleaned: str,
                                                          mentions: list[str]) -> None:
    result, changes = clean_name(name)
    assert result == cleaned and name_problem(result) is None
    assert changes == mentions


def test_terminal_output_is_escaped() -> None:
    assert escape_unsafe("\x1b]0;pwned\x07title") == "\\x1b]0;pwned\\x07title"
    assert escape_unsafe("abc\u202edef") == "abc\\u202edef"
    assert escape_unsafe("北朝鮮 <b>") == "北朝鮮 <b>"


def test_exactly_the_unsafe_characters_are_escaped() -> None:
    for code in range(0x110000):
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue
        expected = (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}") if unsafe_in_name(char) else char
        assert escape_unsafe(f"a{char}b{char}") == f"a{expected}b{expected}", hex(code)

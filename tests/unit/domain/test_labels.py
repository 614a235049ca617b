"""Labels: validation of one label and of a label set; the default label set."""

from __future__ import annotations

import re

import pytest

from annotator.domain.errors import LabelError
from annotator.domain.labels import DEFAULT_LABELS, Label, check_label_set


def test_default_label_set() -> None:
    assert [label.name for label in DEFAULT_LABELS] == [
        "claim", "actor", "weapon", "number", "source"]
    assert [label.key for label in DEFAULT_LABELS] == ["1", "2", "3", "4", "5"]
    colors = [label.color.lower() for label in DEFAULT_LABELS]
    assert len(set(colors)) == len(colors)
    for label in DEFAULT_LABELS:
        assert re.fullmatch(r"#[0-9a-f]{6}", label.color.lower())
        assert label.description and "\n" not in label.description
    check_label_set(DEFAULT_LABELS)


def _luminance(color: str) -> float:
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(color[i:i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_default_colours_are_mid_tones() -> None:
    # Readable as a tint on white and on a dark theme: neither near-white nor near-black.
    for label in DEFAULT_LABELS:
        assert 0.08 < _luminance(label.color) < 0.6, label


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": ""}, "needs a name"),
        ({"name": "  "}, "needs a name"),
        ({"name": " claim"}, "white space"),
        ({"name": "a" * 65}, "longer than"),
        ({"name": "a\nb"}, "control character"),
        ({"color": "red"}, "#rrggbb"),
        ({"color": "#12345"}, "#rrggbb"),
        ({"key": "12"}, "single printable"),
        ({"key": " "}, "single printable"),
        ({"key": ""}, "single printable"),
        ({"description": "two\nlines"}, "one line"),
    ],
)
def test_bad_labels_refused(kwargs: dict[str, str], message: str) -> None:
    fields = {"name": "x", "color": "#123456", "key": None, "description": ""} | kwargs
    with pytest.raises(LabelError, match=message):
        Label(**fields)  # type: ignore[arg-type]


def test_label_set_refuses_duplicate_names_and_keys() -> None:
    with pytest.raises(LabelError, match="defined twice"):
        check_label_set([Label("a", "#000000"), Label("a", "#111111")])
    with pytest.raises(LabelError, match="already used by label 'a'"):
        check_label_set([Label("a", "#000000", "k"), Label("b", "#111111", "k")])
    check_label_set([Label("a", "#000000"), Label("b", "#111111")])  # no keys: fine


def test_unicode_label_names_and_keys() -> None:
    label = Label("人物", "#4e79a7", "人", "日本語の説明")
    assert label.key == "人"

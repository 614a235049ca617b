"""The word a double-click selects: reading-aid tokens on Japanese lines, whitespace words
elsewhere; code points, exact after astral characters; never a whole sentence."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from annotator.services.import_scan import (
    HIDDEN,
    NOT_REGULAR,
    NOT_TEXT,
    UNRECOGNISED,
    FolderImportReport,
    skipped_in_folders,
)
from annotator.services.importing import ImportReport
from annotator.services.words import word_at

TEXT = ("😀𠮷野家の記事🇯🇵\nプーチン氏は北朝鮮を訪問した。金正恩氏は砲弾を提供した。\n"
        "Said Putin, \"no\".  Twice\n")


@pytest.mark.parametrize(("needle", "offset", "word"), [
    ("北朝鮮", 0, "北朝鮮"), ("北朝鮮", 2, "北朝鮮"), ("訪問", 1, "訪問"), ("野家", 0, "野家"),
    ("😀", 0, "😀"), ("𠮷", 0, "𠮷"), ("プーチン", 3, "プーチン"),
    ("Putin", 0, "Putin"), ("Putin,", 5, "Putin,"), ("\"no\"", 1, "no"), ("Twice", 4, "Twice"),
])
def test_word_at(needle: str, offset: int, word: str) -> None:
    start = TEXT.index(needle)
    a, b = word_at(TEXT, start + offset)
    assert TEXT[a:b] == word
    assert a == TEXT.index(word, start - 1 if start else 0)


def test_never_a_whole_sentence_and_long_lines_cost_the_same() -> None:
    sentence = "ロシア軍は北朝鮮から供与された砲弾を使ってウクライナ東部の前線で攻勢を強めたと発表した。"
    assert len(sentence) > 40
    for i in range(len(sentence)):
        a, b = word_at(sentence, i)
        assert a <= i < b and b - a < 10
    long_line = sentence * 2000  # one line of 90,000 characters
    start = long_line.index("北朝鮮", 45_000)
    assert word_at(long_line, start + 1) == (start, start + 3)


def test_outside_the_text_and_on_newlines_and_spaces() -> None:
    assert word_at(TEXT, len(TEXT)) == (len(TEXT), len(TEXT))
    nl = TEXT.index("\n")
    assert word_at(TEXT, nl) == (nl, nl)
    spaces = TEXT.index("  ")
    assert word_at(TEXT, spaces) == (spaces, spaces + 2)


def test_folder_scan_names_what_an_import_leaves_out(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text("x", encoding="utf-8")
    for name in ("a.txt", "sub/b.jsonl", ".hidden.txt", "photo.png", "sub/c.PDF"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.txt")
    assert skipped_in_folders([tmp_path, tmp_path / "a.txt"]) == [
        (".git/", HIDDEN), (".hidden.txt", HIDDEN), ("photo.png", NOT_TEXT),
        ("pipe.txt", NOT_REGULAR), ("sub/b.jsonl", UNRECOGNISED), ("sub/c.PDF", NOT_TEXT)]
    report = FolderImportReport.of(ImportReport(documents_added=["a.txt"], spans_added=0),
                                   skipped_in_folders([tmp_path]))
    assert report.summary() == (
        "1 document added; 0 spans added; skipped 4: 2 not a format annotator reads (photo.png, "
        "sub/c.PDF); 2 hidden (.git/, .hidden.txt); refused 1 not a regular file (pipe.txt); "
        "refused 1 content not recognised (sub/b.jsonl)")

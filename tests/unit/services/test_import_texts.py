"""Importing .txt files and folders: encodings detected, all or nothing, errors by name."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from annotator.domain.errors import DataError
from annotator.services.decoding import decode_bytes
from annotator.services.importing import import_paths
from annotator.store import Project

JAPANESE = "北朝鮮は3日、短距離弾道ミサイル2発を発射したと韓国軍が発表した。\r\n「ｶﾀｶﾅ」も平成も。\n"
CANONICAL = JAPANESE.replace("\r\n", "\n")


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (JAPANESE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + JAPANESE.encode("utf-8"), "utf-8-sig"),
        (JAPANESE.encode("utf-16"), "utf-16"),
        (codecs.BOM_UTF16_LE + JAPANESE.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + JAPANESE.encode("utf-16-be"), "utf-16"),
        (JAPANESE.encode("cp932"), "cp932"),
        (JAPANESE.encode("euc-jp"), "euc-jp"),
    ],
    ids=["utf8", "utf8-bom", "utf16-native", "utf16-le", "utf16-be", "cp932", "euc-jp"],
)
def test_encodings_detected(project: Project, tmp_path: Path, data: bytes,
                            encoding: str) -> None:
    assert decode_bytes(data, "x.txt") == (JAPANESE, encoding)
    path = tmp_path / "text.txt"
    path.write_bytes(data)
    report = import_paths(project, [path], annotator="alice")
    assert report.encodings[str(path)] == encoding
    [document] = project.documents()
    assert project.text(document.id) == CANONICAL
    assert document.name == "text.txt"


@pytest.mark.parametrize(
    "text",
    ["アメリカ国防総省", "ロシア軍は砲弾を", "東京都庁", "平成三十一年"],
)
def test_short_legacy_texts_detected(text: str) -> None:
    assert decode_bytes(text.encode("cp932"), "x")[0] == text
    assert decode_bytes(text.encode("euc-jp"), "x")[0] == text


def test_three_kanji_alone_are_ambiguous() -> None:
    """日本語 in Shift_JIS is also valid, plausible Big5 and GB18030: refused, not guessed."""
    data = "日本語".encode("cp932")
    with pytest.raises(DataError, match="ambiguous.*cp932.*--encoding") as info:
        decode_bytes(data, "x.txt")
    assert "gb18030" in str(info.value) or "big5" in str(info.value)
    assert decode_bytes(data, "x.txt", "shift_jis") == ("日本語", "shift-jis")


def test_reimport_changes_nothing_and_says_so(project: Project, tmp_path: Path,
                                              project_path: Path, snapshot) -> None:
    path = tmp_path / "a.txt"
    path.write_text(JAPANESE, encoding="utf-8")
    first = import_paths(project, [path], annotator="alice")
    assert first.documents_added == ["a.txt"]
    before = snapshot(project_path)
    path.with_name("copy.txt").write_bytes(codecs.BOM_UTF8 + JAPANESE.encode("utf-8"))
    again = import_paths(project, [path], annotator="alice")
    assert again.documents_added == [] and again.documents_existing == ["a.txt"]
    assert "already in the project" in again.summary()
    assert snapshot(project_path) == before
    # The same text under another name: one document, the second name kept and said so.
    other = import_paths(project, [path, path.with_name("copy.txt")], annotator="alice")
    assert other.documents_added == [] and other.documents_existing == ["a.txt"]
    assert "1 record had the text of an existing document; its name was kept" in other.summary()
    [document] = project.documents()
    assert project.document_names(document.id) == ["copy.txt"]


def test_folders_are_recursive(project: Project, tmp_path: Path) -> None:
    (tmp_path / "in" / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "in" / "a.txt").write_text("一", encoding="utf-8")
    (tmp_path / "in" / "sub" / "b.txt").write_text("二", encoding="utf-8")
    (tmp_path / "in" / "sub" / "deeper" / "c.TXT").write_bytes("三つ目です".encode("cp932"))
    (tmp_path / "in" / "sub" / "ignored.csv").write_text("x", encoding="utf-8")
    (tmp_path / "in" / ".hidden").mkdir()
    (tmp_path / "in" / ".hidden" / "d.txt").write_text("四", encoding="utf-8")
    report = import_paths(project, [tmp_path / "in"], annotator="alice")
    assert sorted(report.documents_added) == ["a.txt", "b.txt", "c.TXT"]


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary file", None),
        (b"\x01\x02\x03\x04\x05\x06" * 50, "binary file", None),
        ("一行目\n二行目\n".encode() + b"\x81\x20bad\n", "not valid UTF-8", 3),
    ],
    ids=["png", "controls", "undecodable"],
)
def test_bad_file_refused_all_or_nothing(project: Project, tmp_path: Path, project_path: Path,
                                         snapshot, data: bytes, message: str,
                                         line: int | None) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "1-good.txt").write_text("良い", encoding="utf-8")
    (folder / "2-bad.txt").write_bytes(data)
    (folder / "3-good.txt").write_text("良いです", encoding="utf-8")
    before = snapshot(project_path)
    with pytest.raises(DataError, match=message) as info:
        import_paths(project, [folder], annotator="alice")
    assert info.value.path == str(folder / "2-bad.txt")
    assert info.value.line == line
    assert str(folder / "2-bad.txt") in str(info.value)
    assert snapshot(project_path) == before


def test_missing_path_and_empty_folder(project: Project, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file or folder"):
        import_paths(project, [tmp_path / "nope.txt"], annotator="alice")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="holds no file an importer recognises"):
        import_paths(project, [tmp_path / "empty"], annotator="alice")

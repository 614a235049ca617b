"""The spaCy export's lower bound on its tokens: never above the real count, and a selection it
already puts past a DocBin's limit refused before any document is read or tokenized."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.domain.errors import DataError
from annotator.services.exporting import ExportFilter
from annotator.services.formats import ExportOptions
from annotator.services.formats import spacy_docbin as sd
from annotator.services.formats._common import tokenize
from annotator.services.formats.conll import META_TOKENS
from annotator.services.formats.spacy_tokens_bound import documents_past, fewest_tokens
from annotator.store import Project

pytest.importorskip("spacy", reason="the test extra installs spaCy")
from spacy.tokens import DocBin  # noqa: E402
from spacy.vocab import Vocab  # noqa: E402

KANJI = "北朝鮮露国防省金正恩氏砲弾"
#: What makes a character not a token of its own, or a token without a character counted.
ODD = ["\u3000", "\u3099", "\u309a", "\u200d", "\u302a", "\u3001", "\u30fc", "\u4dc0", "\u3220",
       "\u3131", "ｶ", "\uff9e", "ＣＮＮ", "\U00020bb7", "\U000e0100", "\ufe0f", "😀", "\U0001f3fb",
       " ", "  ", "\n", "\t", "Putin", "2023", ".", "é", "e\u0301", "Ωμέγα", "Привет", "한국"]
ALPHABET = list(KANJI) + list("かなカナ、。「」") + ODD


def real_tokens(text: str) -> int:
    return len(sd._words(text, tokenize(text))[0])


def test_the_bound_is_never_above_the_tokens() -> None:
    rng = random.Random(7)
    texts = ["", "北朝鮮", "かな", "\u3000\u3000北", "北\u200d朝", "か\u3099", "ｶ\uff9e",
             "漢\U000e0100字", "ＣＮＮ", "㈠a", "ㄱㄴ北"]
    texts += ["".join(rng.choice(ALPHABET) for _ in range(rng.randrange(1, 60)))
              for _ in range(3000)]
    for text in texts:
        assert fewest_tokens(text.encode()) <= real_tokens(text), repr(text)
    # on kana, kanji and CJK punctuation alone the bound is the count, to the token
    for text in ("北朝鮮のプーチン氏は、「砲弾」を。", KANJI * 50):
        assert fewest_tokens(text.encode()) == real_tokens(text) == len(text)


def _corpus(project: Project, texts: list[str], *, spans: bool = True) -> int:
    """Documents of ``texts`` (each with one span when ``spans``); their tokens in all."""
    for n, text in enumerate(texts):
        doc, _ = project.add_document(f"d{n}.txt", text, who="t")
        if spans:
            project.add_span(doc.id, 0, 2, "actor", "hana")
    return sum(real_tokens(text) for text in texts)


def _export(project: Project, out: Path, read: list[int], **filters: object) -> object:
    def progress(done: int, _total: int, _what: str) -> bool:
        read.append(done)
        return True

    return sd.export(project, out, ExportFilter(**filters), ExportOptions(),  # type: ignore[arg-type]
                     progress)


def test_a_selection_surely_too_large_is_refused_before_a_document_is_read(
        project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Japanese texts whose bound is their token count: one token more than the limit allows
    is refused at once, with the refusal's message and both ways out, no document read (the
    progress never called) and nothing written; at the limit the file is written."""
    tokens = _corpus(project, [KANJI * 40, "北朝鮮のプーチン氏は、「砲弾」を。" * 30, KANJI * 25])
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "x.spacy"
    out.write_bytes(b"an earlier export")
    monkeypatch.setattr(sd, "_BIN_MAX", 24 * tokens - 1)
    read: list[int] = []
    with pytest.raises(DataError) as refused:
        _export(project, out, read)
    assert str(refused.value) == sd.TOO_LARGE.format(documents=3)
    assert "give -o a folder" in str(refused.value) and "--document" in str(refused.value)
    assert read == []  # refused before the first document was read for writing
    assert out.read_bytes() == b"an earlier export"
    assert [p.name for p in out.parent.iterdir()] == ["x.spacy"]  # no part file, no spool

    monkeypatch.setattr(sd, "_BIN_MAX", 24 * tokens)  # just within: written
    report = _export(project, out, read)
    assert report.documents == 3 and read[-1] == 3  # type: ignore[attr-defined]
    docs = list(DocBin().from_disk(out).get_docs(Vocab()))
    assert sum(len(doc) for doc in docs) == tokens


def test_only_the_documents_written_count(project: Project, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The bound follows the selection: --document and --skip-empty leave documents out of it;
    a document carrying its own (CoNLL) tokens counts none."""
    small = _corpus(project, ["北朝鮮の砲弾。"])
    big, _ = project.add_document("big.txt", KANJI * 100, who="t")  # no span
    monkeypatch.setattr(sd, "_BIN_MAX", 24 * (small + 10))
    limit = sd._BIN_MAX // 24
    assert documents_past(project, None, ExportFilter(), limit) == 2
    assert documents_past(project, None, ExportFilter(skip_empty=True), limit) is None
    assert documents_past(project, [1], ExportFilter(), limit) is None
    read: list[int] = []
    assert _export(project, tmp_path / "a.spacy", read, skip_empty=True).documents == 1  # type: ignore[attr-defined]
    assert _export(project, tmp_path / "b.spacy", read, documents=["d0.txt"]).documents == 1  # type: ignore[attr-defined]
    own, _ = project.add_document("conll.txt", "北朝鮮 砲弾", who="t",
                                  meta={META_TOKENS: [0, 3, 4, 6]})
    assert documents_past(project, [own.id], ExportFilter(), 0) is None  # bound 0, not 5
    assert documents_past(project, [1, own.id], ExportFilter(), 0) == 1


def test_the_command_line_refuses_early_in_one_line(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "p.annotator"
    project = Project.open(db)
    tokens = _corpus(project, [KANJI * 30, KANJI * 31])
    project.close()
    monkeypatch.setattr(sd, "_BIN_MAX", 24 * tokens - 1)
    out = tmp_path / "x.spacy"
    assert main(["export", "--db", str(db), "--format", "spacy", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err == f"annotator: error: {sd.TOO_LARGE.format(documents=2)}\n"
    assert not out.exists()
    assert main(["export", "--db", str(db), "--format", "spacy", "-o",
                 str(tmp_path / "folder")]) == 0  # the folder way out
    assert sorted(p.name for p in (tmp_path / "folder").glob("*.spacy")) == [
        "part-00000.spacy", "part-00001.spacy"]

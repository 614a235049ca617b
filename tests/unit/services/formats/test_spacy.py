"""spaCy DocBin, checked with the real spaCy: offsets, span groups, entities, alignment."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from annotator.domain.errors import DataError
from annotator.services.exporting import ExportFilter
from annotator.services.formats import ExportOptions, ImportOptions
from annotator.services.formats import spacy_docbin as sd
from annotator.store import Project
from format_material import TEXT_EN, import_module_file, span_set

spacy = pytest.importorskip("spacy", reason="the test extra installs spaCy")
from spacy.tokens import Doc, DocBin  # noqa: E402
from spacy.vocab import Vocab  # noqa: E402


def load(path: Path) -> list[Doc]:
    return list(DocBin().from_disk(path).get_docs(Vocab()))


def test_spacy_reads_our_offsets(filled: Project, fresh: Project, tmp_path: Path) -> None:
    out = tmp_path / "x.spacy"
    report = sd.export(filled, out, ExportFilter(), ExportOptions(), None)
    assert report.spans == 10 and report.lost == {}
    docs = load(out)
    texts = {filled.text(d.id): d.id for d in filled.documents()}
    got = set()
    for doc in docs:
        assert doc.text in texts  # the stored text, exactly
        for span in doc.spans["sc"]:
            got.add((doc.text, span.start_char, span.end_char, span.label_))
        # Entities: no overlaps; the claim and what lies in it are not entities.
        assert all(a.end <= b.start for a, b in zip(doc.ents, doc.ents[1:]))
    assert got == {(t, s, e, label) for t, s, e, label, _who, _note in span_set(filled)}
    ja = next(doc for doc in docs if "北朝鮮" in doc.text)
    assert [(e.text, e.label_) for e in ja.ents] == [("CNN", "source"), ("金正恩", "actor")]
    imported = import_module_file(fresh, sd, out)
    assert imported.not_kept == {}
    assert span_set(fresh) == span_set(filled)  # annotators and notes came back
    assert sorted(d.name for d in fresh.documents()) == ["en.txt", "ja.txt"]
    number = next(s for s in fresh.spans() if s.label == "number")
    assert number.value is not None and number.value["unit"] == "発"


@pytest.mark.parametrize("align, expected, lost", [
    ("strict", [], {sd.LOST_STRICT: 2}),
    ("expand", [("Kim Jong", "actor"), ("Putin", "actor")], {sd.LOST_EXPANDED: 2}),
    ("contract", [("Kim", "actor")], {sd.LOST_CONTRACTED: 1, sd.LOST_INSIDE: 1}),
])
def test_alignment_modes(align: str, expected: list[tuple[str, str]], lost: dict[str, int],
                         project: Project, tmp_path: Path) -> None:
    doc, _ = project.add_document("en.txt", TEXT_EN, who="t")
    project.add_span(doc.id, 4, 10, "actor", "hana")   # "Kim Jo": not a token boundary
    project.add_span(doc.id, 21, 24, "actor", "hana")  # "uti" inside Putin
    out = tmp_path / f"{align}.spacy"
    report = sd.export(project, out, ExportFilter(), ExportOptions(align=align), None)
    assert report.lost == lost
    (loaded,) = load(out)
    assert [(s.text, s.label_) for s in loaded.spans["sc"]] == expected


def test_reads_a_docbin_made_by_spacy(fresh: Project, tmp_path: Path) -> None:
    vocab = Vocab()
    doc = Doc(vocab, words=["😀", "𠮷", "Kim", "met", "Putin", "\r\n", "北", "朝", "鮮"],
              spaces=[False, True, True, True, False, False, False, False, False])
    doc.spans["people"] = [doc.char_span(3, 6, "PER"), doc.char_span(3, 10, "MEET")]
    doc.spans["empty"] = [doc.char_span(11, 16, "")]
    doc.ents = [doc.char_span(3, 6, "PER"), doc.char_span(11, 16, "PER"),
                doc.char_span(18, 21, "LOC")]
    path = tmp_path / "made.spacy"
    DocBin(docs=[doc]).to_disk(path)
    assert sd.sniff(path, path.read_bytes()[:65536])
    report = import_module_file(fresh, sd, path, ImportOptions(annotator="model"))
    assert report.not_kept == {sd.NOT_KEPT_NO_LABEL: 1}
    (document,) = fresh.documents()
    text = fresh.text(document.id)
    assert text == "😀𠮷 Kim met Putin\n北朝鮮"  # \r\n stored as \n, offsets mapped
    assert sorted((text[s.start:s.end], s.label, s.annotator) for s in fresh.spans()) == [
        ("Kim", "PER", "model"), ("Kim met", "MEET", "model"), ("Putin", "PER", "model"),
        ("北朝鮮", "LOC", "model")]


def test_refusals(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "broken.spacy"
    path.write_bytes(b"x\x9c not really zlib")
    before = span_set(project), len(project.documents())
    with pytest.raises(DataError, match="not a spaCy DocBin file") as caught:
        import_module_file(project, sd, path)
    assert caught.value.path == str(path)
    assert (span_set(project), len(project.documents())) == before
    assert not sd.sniff(path, path.read_bytes())
    text = tmp_path / "a.txt"
    text.write_text("北朝鮮")
    assert not sd.sniff(text, text.read_bytes())
    with pytest.raises(DataError, match="unknown --align 'loose'"):
        sd.export(project, tmp_path / "x.spacy", ExportFilter(), ExportOptions(align="loose"),
                  None)


def test_without_spacy_the_error_names_the_extra(project: Project, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    project.add_document("a.txt", "北朝鮮", who="t")
    for name in [m for m in sys.modules if m == "spacy" or m.startswith("spacy.")]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(DataError, match=r"pip install 'annotator\[spacy\]'"):
        sd.export(project, tmp_path / "x.spacy", ExportFilter(), ExportOptions(), None)
    assert not (tmp_path / "x.spacy").exists()


def test_further_names_of_a_text_come_back(project: Project, fresh: Project,
                                           tmp_path: Path) -> None:
    from annotator.domain.text import sha256_text
    from annotator.services.importing import import_records
    from annotator.services.native import ParsedRecord, ParsedSpan

    text = "北朝鮮がミサイルを発射した。"
    records = [(ParsedRecord(text, sha256_text(text), 1, name=name,
                             spans=[ParsedSpan(0, 3, "actor", 1)]), name)
               for name in ("first.txt", "second.txt")]
    import_records(project, records, annotator="hana", who="t")
    (document,) = project.documents()
    assert project.document_names(document.id) == ["second.txt"]
    out = tmp_path / "x.spacy"
    sd.export(project, out, ExportFilter(), ExportOptions(), None)
    import_module_file(fresh, sd, out)
    (back,) = fresh.documents()
    assert back.name == "first.txt" and fresh.document_names(back.id) == ["second.txt"]


@pytest.mark.parametrize("align", sd.ALIGNS)
def test_alignment_agrees_with_spacy_char_span(align: str) -> None:
    """Our token alignment gives what ``Doc.char_span(alignment_mode=...)`` gives."""
    from annotator.services.formats._common import tokenize
    from format_material import TEXT_JA

    text = TEXT_JA[:12] + "  Kim Jong-un, 2023年 met\tPutin.\n北朝鮮"
    words, spaces, starts, ends = sd._words(text, tokenize(text))
    doc = Doc(Vocab(), words=words, spaces=spaces)
    assert doc.text == text
    first_of = {o: i for i, o in enumerate(starts)}
    last_of = {o: i for i, o in enumerate(ends)}
    checked = 0
    for start in range(len(text)):
        for end in range(start + 1, min(len(text), start + 8) + 1):
            theirs = doc.char_span(start, end, alignment_mode=align)
            ours = sd._aligned(start, end, starts, ends, align, first_of, last_of)
            expected = None if theirs is None or len(theirs) == 0 else (theirs.start, theirs.end)
            assert ours == expected, (start, end, text[start:end])
            checked += 1
    assert checked > 300


def spacy_own_docbin(project: Project, align: str) -> bytes:
    """The DocBin spaCy itself writes for the same documents: a Doc per document from the
    same tokens, Span objects in ``doc.spans["sc"]``, ``doc.ents``, ``DocBin.add``."""
    from spacy.tokens import Span

    from annotator.services.formats.conll import _tokens_of

    docbin = DocBin(attrs=["ORTH", "SPACY", "ENT_IOB", "ENT_TYPE"], store_user_data=True)
    vocab = Vocab()
    for document in project.documents():
        text = project.text(document.id)
        words, spaces, starts, ends = sd._words(text, _tokens_of(document.meta, text))
        doc = Doc(vocab, words=words, spaces=spaces)
        first_of = {o: i for i, o in enumerate(starts)}
        last_of = {o: i for i, o in enumerate(ends)}
        group, extra, keyed = [], [], {}
        for row in project.span_rows(document.id):
            tokens = sd._aligned(row[2], row[3], starts, ends, align, first_of, last_of)
            if tokens is None:
                continue
            made = Span(doc, *tokens, label=row[4])
            group.append(made)
            keyed.setdefault((made.start_char, made.end_char, row[4]), made)
            extra.append([row[2], row[3], row[4], row[5], row[0], row[6], row[7], row[8],
                          row[9]])
        doc.spans["sc"] = group
        doc.ents = [made for _key, made in sd._entities(keyed)]
        doc.user_data["annotator"] = {"name": document.name, "id": document.uid,
                                      "names": project.document_names(document.id)
                                      if hasattr(project, "document_names") else [],
                                      "spans": extra}
        docbin.add(doc)
    return docbin.to_bytes()


def described(data: bytes) -> list[tuple]:
    out = []
    for doc in DocBin().from_bytes(data).get_docs(Vocab()):
        out.append((doc.text, [(t.text, t.whitespace_, t.ent_iob_, t.ent_type_) for t in doc],
                    {k: [(s.start, s.end, s.start_char, s.end_char, s.label_) for s in g]
                     for k, g in doc.spans.items()},
                    [(e.start, e.end, e.label_) for e in doc.ents], doc.user_data))
    return out


@pytest.mark.parametrize("align", ["strict", "expand", "contract"])
def test_our_docbin_is_the_one_spacy_writes(filled: Project, tmp_path: Path, align: str) -> None:
    """The export serialises the DocBin itself (no Doc per document, no DocBin.add): spaCy
    reads it back into exactly the documents its own path writes."""
    text = "Kim 😀met Putin\u3000in 北朝鮮.\n\n  X"
    doc, _ = filled.add_document("x.txt", text, who="t")
    filled.add_span(doc.id, 1, 3, "actor", "hana")  # inside a token
    filled.add_span(doc.id, text.index("X"), len(text), "actor", "hana")  # a spaCy symbol
    out = tmp_path / "x.spacy"
    sd.export(filled, out, ExportFilter(), ExportOptions(align=align), None)
    ours = described(out.read_bytes())
    assert any(t[0] == "X" for d in ours for t in d[1])
    assert ours == described(spacy_own_docbin(filled, align))
    assert sum(len(d[2]["sc"]) for d in ours) >= 10


def test_a_corpus_streams_through_spools_into_the_same_docbin(filled: Project, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    """Each document's columns go to temporary files as it is read and are copied into the
    compressed msgpack a small piece at a time: the documents spaCy reads back are those of
    its own path, however the pieces fall (a span group and user data larger than a piece)."""
    for n in range(30):
        doc, _ = filled.add_document(f"d{n}.txt", f"{n} Putin met 金正恩 in 北朝鮮 " * (n + 1),
                                     who="t")
        filled.add_span(doc.id, 0, len(str(n)), "number", "hana")
        filled.add_span(doc.id, len(str(n)) + 1, len(str(n)) + 6, "actor", "ken")
    monkeypatch.setattr(sd, "_COPY", 7)
    out = tmp_path / "x.spacy"
    sd.export(filled, out, ExportFilter(), ExportOptions(), None)
    ours = described(out.read_bytes())
    assert len(ours) == 32
    assert ours == described(spacy_own_docbin(filled, "strict"))


def test_a_selection_too_large_for_one_docbin_is_refused(filled: Project, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "x.spacy"
    out.write_bytes(b"an earlier export")
    monkeypatch.setattr(sd, "_BIN_MAX", 100)
    with pytest.raises(DataError, match="too large for one spaCy DocBin"):
        sd.export(filled, out, ExportFilter(), ExportOptions(), None)
    assert out.read_bytes() == b"an earlier export"
    assert sorted(p.name for p in out.parent.iterdir()) == ["x.spacy"]  # no part file, no spool


def test_a_folder_gets_the_corpus_as_several_docbins(filled: Project, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """``-o`` a folder: ``part-00000.spacy``, ... of PART_DOCUMENTS documents each, a part
    closed early before its tokens would pass a DocBin's limit; read one after the other they
    are the documents of spaCy's own path, and the folder replaces an earlier export of ours."""
    for n in range(7):
        doc, _ = filled.add_document(f"d{n}.txt", f"{n} Putin met 金正恩 in 北朝鮮 " * (n + 1),
                                     who="t")
        filled.add_span(doc.id, 0, len(str(n)), "number", "hana")
    monkeypatch.setattr(sd, "PART_DOCUMENTS", 3)
    out = tmp_path / "corpus"
    report = sd.export(filled, out, ExportFilter(), ExportOptions(), None)
    parts = sorted(p.name for p in out.glob("*.spacy"))
    assert parts == ["part-00000.spacy", "part-00001.spacy", "part-00002.spacy"]  # 9 documents
    assert report.documents == 9 and "written as 3 .spacy files in corpus" in report.notes
    ours = [d for name in parts for d in described((out / name).read_bytes())]
    assert ours == described(spacy_own_docbin(filled, "strict"))
    from spacy.training import Corpus

    nlp = spacy.blank("xx")
    assert len(list(Corpus(out)(nlp))) == 9  # spaCy's own reader of a training folder
    # a part closes early when the next document's tokens would pass the limit
    monkeypatch.setattr(sd, "PART_DOCUMENTS", 100)
    sizes = [len(d[1]) for d in ours]  # tokens per document
    monkeypatch.setattr(sd, "_BIN_MAX", 24 * max(max(sizes), sum(sizes) // 3))
    sd.export(filled, out, ExportFilter(), ExportOptions(), None)  # replaces the earlier one
    again = sorted(out.glob("*.spacy"))
    assert len(again) > 1
    assert [d for p in again for d in described(p.read_bytes())] == ours


def test_a_folder_that_is_not_ours_is_left_alone(filled: Project, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(DataError, match="not an earlier export"):
        sd.export(filled, out, ExportFilter(), ExportOptions(), None)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]

"""CoNLL: round trips over astral texts, the join and document rules, the tag schemes, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.domain.errors import DataError
from annotator.services.exporting import ExportFilter
from annotator.services.formats import ExportOptions, ImportOptions, conll
from annotator.store import Project
from format_material import TEXT_EN, TEXT_JA, import_module_file, span_set


def tokens_and_tags(path: Path) -> list[tuple[str, str]]:
    return [tuple(line.split("\t")) for line in path.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith(conll.DOCSTART)]


def test_export_one_layer_and_reimport(filled: Project, fresh: Project, tmp_path: Path) -> None:
    out = tmp_path / "hana.conll"
    report = conll.export(filled, out, ExportFilter(), ExportOptions(layer="hana"), None)
    # hana has 6 spans, none overlapping; ken and mei have 4 between them.
    assert report.spans == 6 and report.documents == 2
    assert report.lost == {conll.LOST_LAYER: 4}
    pairs = tokens_and_tags(out)
    assert pairs[:3] == [("\U0001F600", "O"), ("𠮷", "O"), ("葛\U000E0100", "O")]
    assert ("北", "B-actor") in pairs and ("Jong", "I-actor") in pairs
    import_module_file(fresh, conll, out, annotator="hana")
    texts = {fresh.text(d.id) for d in fresh.documents()}
    # The text is rebuilt from tokens ("auto": spaces only where a side is not CJK) ...
    assert "\U0001F600 𠮷葛\U000E0100城で北朝鮮がミサイル 3 発を発射したと CNN が報じた。\n金正恩氏が視察した。" in texts
    # ... and every span comes back on the same tokens with the same label.
    got = sorted((t[s:e], label) for t, s, e, label, who, _n in span_set(fresh))
    assert got == sorted([("北朝鮮", "actor"), ("ミサイル", "weapon"), ("3 発", "number"),
                          ("金正恩", "actor"), ("Kim Jong Un", "actor"), ("Putin", "actor")])
    again = tmp_path / "again.conll"
    conll.export(fresh, again, ExportFilter(), ExportOptions(), None)
    assert again.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")


def test_several_annotators_need_a_layer(filled: Project, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="hana, ken, mei; choose one with --layer"):
        conll.export(filled, tmp_path / "x.conll", ExportFilter(), ExportOptions(), None)
    assert not (tmp_path / "x.conll").exists()
    report = conll.export(filled, tmp_path / "x.conll", ExportFilter(annotators=["ken"]),
                          ExportOptions(), None)
    # ken: the claim, the actor inside it (lost: overlap) and AFP.
    assert report.spans == 2 and report.lost == {conll.LOST_OVERLAP: 1}


def test_overlaps_keep_the_longest_and_report(project: Project, tmp_path: Path) -> None:
    doc, _ = project.add_document("a.txt", TEXT_JA, who="t")
    project.add_span(doc.id, 6, 21, "claim", "hana")   # longest: kept
    project.add_span(doc.id, 6, 9, "actor", "hana")    # inside: lost
    project.add_span(doc.id, 10, 14, "weapon", "hana")  # inside: lost
    project.add_span(doc.id, 31, 33, "actor", "hana")  # 金正 of 金正恩 fine (char tokens)
    project.add_span(doc.id, 19, 23, "source", "hana")  # した|CN: CNN is one token: widened...
    report = conll.export(project, tmp_path / "a.conll", ExportFilter(), ExportOptions(), None)
    # ... but it overlaps the claim, which is longer: lost as an overlap, not widened.
    assert report.lost == {conll.LOST_OVERLAP: 3}
    assert report.spans == 2
    project.add_span(doc.id, 23, 27, "source", "ken")  # NN が報: widened to CNN が報
    report = conll.export(project, tmp_path / "b.conll", ExportFilter(annotators=["ken"]),
                          ExportOptions(), None)
    assert report.lost == {conll.LOST_WIDENED: 1}
    assert ("CNN", "B-source") in tokens_and_tags(tmp_path / "b.conll")


def test_span_across_lines_is_lost(project: Project, tmp_path: Path) -> None:
    doc, _ = project.add_document("a.txt", TEXT_JA, who="t")
    project.add_span(doc.id, 25, 34, "claim", "hana")
    report = conll.export(project, tmp_path / "a.conll", ExportFilter(), ExportOptions(), None)
    assert report.lost == {conll.LOST_LINE: 1} and report.spans == 0


CORPUS = """-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC
call NN I-NP O
. . O O

Peter NNP B-NP B-PER
Blackburn NNP I-NP I-PER

-DOCSTART- -X- -X- O

北朝鮮 X X B-LOC
が X X O
ミサイル X X B-WPN
を X X O
"""


@pytest.mark.parametrize("mode, expected", [
    ("docstart", ["EU rejects German call .\nPeter Blackburn", "北朝鮮がミサイルを"]),
    ("file", ["EU rejects German call .\nPeter Blackburn\n北朝鮮がミサイルを"]),
    ("sentence", ["EU rejects German call .", "Peter Blackburn", "北朝鮮がミサイルを"]),
])
def test_document_rules(mode: str, expected: list[str], fresh: Project, tmp_path: Path) -> None:
    path = tmp_path / "corpus.txt"
    path.write_text(CORPUS, encoding="utf-8")
    import_module_file(fresh, conll, path, ImportOptions(conll_document=mode))
    assert [fresh.text(d.id) for d in fresh.documents()] == expected
    spans = sorted((t[s:e], label) for t, s, e, label, *_ in span_set(fresh))
    assert spans == sorted([("EU", "ORG"), ("German", "MISC"), ("Peter Blackburn", "PER"),
                            ("北朝鮮", "LOC"), ("ミサイル", "WPN")])


@pytest.mark.parametrize("join, expected", [
    ("auto", "北朝鮮がミサイルを"), ("space", "北朝鮮 が ミサイル を"), ("none", "北朝鮮がミサイルを")])
def test_join_rules_and_word_tokens_survive(join: str, expected: str, fresh: Project,
                                            tmp_path: Path) -> None:
    path = tmp_path / "ja.conll"
    path.write_text("北朝鮮\tB-LOC\nが\tO\nミサイル\tB-WPN\nを\tO\n", encoding="utf-8")
    import_module_file(fresh, conll, path, ImportOptions(conll_join=join))
    assert [fresh.text(d.id) for d in fresh.documents()] == [expected]
    out = tmp_path / "out.conll"
    conll.export(fresh, out, ExportFilter(), ExportOptions(), None)
    # The word tokens (not characters) come back: they were kept with the document.
    assert tokens_and_tags(out) == [("北朝鮮", "B-LOC"), ("が", "O"), ("ミサイル", "B-WPN"),
                                    ("を", "O")]


def test_schemes_read_alike(fresh: Project, tmp_path: Path) -> None:
    words = ["Kim", "Jong", "Un", "met", "Putin", "today"]
    schemes = {
        "iob2": ["B-PER", "I-PER", "I-PER", "O", "B-PER", "O"],
        "iob1": ["I-PER", "I-PER", "I-PER", "O", "I-PER", "O"],
        "bioes": ["B-PER", "I-PER", "E-PER", "O", "S-PER", "O"],
        "bilou": ["B-PER", "I-PER", "L-PER", "O", "U-PER", "O"],
        "ioe": ["I-PER", "I-PER", "E-PER", "O", "E-PER", "O"],
    }
    for name, tags in schemes.items():
        path = tmp_path / f"{name}.conll"
        path.write_text("".join(f"{w} {t}\n" for w, t in zip(words, tags, strict=True)))
        report = conll.read(path, ImportOptions(), None)
        (record,) = list(report)
        assert [(record.text[s.start:s.end], s.label) for s in record.spans] == [
            ("Kim Jong Un", "PER"), ("Putin", "PER")], name


def test_invalid_iob2_sequences_follow_the_rule(tmp_path: Path) -> None:
    path = tmp_path / "bad.conll"
    # I- after O starts a span; I- of another label starts a new one; E- alone is one token.
    path.write_text("a O\nb I-X\nc I-X\nd I-Y\ne O\nf E-Z\ng B-X\nh I-X\n")
    (record,) = list(conll.read(path, ImportOptions(), None))
    assert [(record.text[s.start:s.end], s.label) for s in record.spans] == [
        ("b c", "X"), ("d", "Y"), ("f", "Z"), ("g h", "X")]


def test_tag_column_option(tmp_path: Path) -> None:
    path = tmp_path / "cols.conll"
    path.write_text("Putin\tB-PER\tNNP\nspoke\tO\tVBD\n")
    (record,) = list(conll.read(path, ImportOptions(conll_tag_column=1), None))
    assert [(record.text[s.start:s.end], s.label) for s in record.spans] == [("Putin", "PER")]
    with pytest.raises(DataError, match=r"cols.conll:1: tag 'NNP' is not O"):
        list(conll.read(path, ImportOptions(), None))


@pytest.mark.parametrize("content, line, reason", [
    ("Kim B-PER\nJong I-PER\nUn", 3, "needs a token and a tag"),                # truncated
    ("Kim B-PER\nJong I-PER\nUn I-", 3, "is not O or B-"),                      # cut in a tag
    ("Kim NNP B-PER\nJong I-PER\n", 2, "has 2 columns, the first token line had 3"),
    ("Kim B-PER\nJong X-PER\n", 2, "is not O or B-"),
    ("", None, "no tokens"),
])
def test_refusals_name_the_line(content: str, line: int | None, reason: str, project: Project,
                                tmp_path: Path) -> None:
    path = tmp_path / "bad.conll"
    path.write_text(content, encoding="utf-8")
    before = span_set(project), [d.name for d in project.documents()]
    with pytest.raises(DataError, match=reason) as caught:
        import_module_file(project, conll, path)
    assert caught.value.line == line and caught.value.path == str(path)
    assert (span_set(project), [d.name for d in project.documents()]) == before


def test_sniff(tmp_path: Path) -> None:
    cases = {
        "conll.txt": (CORPUS, True),
        "tab.conll": ("北朝鮮\tB-LOC\nが\tO\n", True),
        "plain.txt": ("北朝鮮がミサイルを発射した。\nHello world O\n", False),
        "native.jsonl": ('{"text": "a O", "spans": []}\n', False),
        "all_o.txt": ("a O\nb O\n", False),
        "cut.conll": ("Kim B-PER\nJong I-PER\nUn", True),  # refused by read, with its line
        "bad_middle.txt": ("Kim B-PER\nJong\nUn I-PER\n", False),
    }
    for name, (content, expected) in cases.items():
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        assert conll.sniff(path, path.read_bytes()) is expected, name
    assert TEXT_EN and TEXT_JA


def test_not_utf8_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "sjis.conll"
    path.write_bytes("Kim\tB-PER\n".encode() + "北朝鮮\tB-LOC\n".encode("cp932"))
    with pytest.raises(DataError, match="not valid UTF-8.*CoNLL files are read as UTF-8") as caught:
        list(conll.read(path, ImportOptions(), None))
    assert caught.value.line == 2
    (record,) = list(conll.read(path, ImportOptions(encoding="cp932", conll_join="space"), None))
    assert record.text == "Kim 北朝鮮"


def test_seqeval_reads_our_iob2(filled: Project, tmp_path: Path) -> None:
    """seqeval, the usual scorer of IOB2 files, finds exactly our spans (strict IOB2)."""
    seqeval = pytest.importorskip("seqeval.scheme", reason="the test extra installs seqeval")
    out = tmp_path / "hana.conll"
    conll.export(filled, out, ExportFilter(), ExportOptions(layer="hana"), None)
    sentences: list[list[tuple[str, str]]] = [[]]
    for line in out.read_text(encoding="utf-8").splitlines():
        if not line:
            if sentences[-1]:
                sentences.append([])
        elif not line.startswith(conll.DOCSTART):
            token, tag = line.split("\t")
            sentences[-1].append((token, tag))
    sentences = [s for s in sentences if s]
    entities = seqeval.Entities([[tag for _t, tag in s] for s in sentences], seqeval.IOB2)
    found = sorted(("".join(t for t, _ in sentences[e.sent_id][e.start:e.end]), e.tag)
                   for sentence in entities.entities for e in sentence)
    assert found == sorted([("北朝鮮", "actor"), ("ミサイル", "weapon"), ("3発", "number"),
                            ("金正恩", "actor"), ("KimJongUn", "actor"), ("Putin", "actor")])


def test_the_fast_tokenizer_gives_the_reference_tokens() -> None:
    """``tokenize`` runs a pattern with a shortcut for CJK characters; its tokens are those of
    the reference pattern (``_TOKEN``, the module's rules) on random mixes of scripts, marks,
    emoji, white space (U+3000 is CJK and white space) and astral characters."""
    import random

    from annotator.services.formats import _common

    alphabet = list("北朝鮮がミサイル3発ＣＮＮ 　\n\t.,!?abcXYZ12😀👍🏽\u200d\u0301\ufe0f"
                    "\U000E0100𠮷葛ー・「」_-\u3099ｶﾞ\u2028\x85\u00a0\u1680")
    rng = random.Random(11)
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert _common.tokenize(text) == [m.span() for m in _common._TOKEN.finditer(text)], text
    for code in (*range(0x3000, 0x3003), 0x2E80, 0x3040, 0x20BB7, 0xFF21, 0x3099):
        text = f"a{chr(code)}\U000E0100 {chr(code)}"
        assert _common.tokenize(text) == [m.span() for m in _common._TOKEN.finditer(text)], text

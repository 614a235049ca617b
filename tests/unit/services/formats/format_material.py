"""Shared material of the exchange-format tests: astral texts, overlaps, several annotators
(the fixtures are made available to the tests by this folder's conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from annotator.services.formats import ImportOptions
from annotator.services.importing import ImportReport, import_records
from annotator.store import Project

#: An emoji, 𠮷 and 葛 + U+E0100 (an ideographic variation selector) before the spans.
TEXT_JA = "\U0001F600𠮷葛\U000E0100城で北朝鮮がミサイル3発を発射したとCNNが報じた。\n金正恩氏が視察した。"
TEXT_EN = "\U0001F680 𠮷 Kim Jong Un met Putin in Moscow, AFP said."

#: (text, start, end, label, annotator, note): overlapping spans, three annotators.
SPANS = [
    (TEXT_JA, 6, 9, "actor", "hana", None),          # 北朝鮮
    (TEXT_JA, 10, 14, "weapon", "hana", "短距離"),    # ミサイル
    (TEXT_JA, 14, 16, "number", "hana", None),        # 3発
    (TEXT_JA, 6, 21, "claim", "ken", "要確認"),       # 北朝鮮が…発射した (overlaps)
    (TEXT_JA, 6, 9, "actor", "ken", None),            # same range, another annotator
    (TEXT_JA, 22, 25, "source", "mei", None),         # CNN
    (TEXT_JA, 31, 34, "actor", "hana", None),         # 金正恩
    (TEXT_EN, 4, 15, "actor", "hana", None),          # Kim Jong Un
    (TEXT_EN, 20, 25, "actor", "hana", None),         # Putin
    (TEXT_EN, 37, 40, "source", "ken", None),         # AFP
]


def check_material() -> None:
    expected = ["北朝鮮", "ミサイル", "3発", "北朝鮮がミサイル3発を発射した", "北朝鮮", "CNN",
                "金正恩", "Kim Jong Un", "Putin", "AFP"]
    assert [t[s:e] for t, s, e, *_ in SPANS] == expected


check_material()


@pytest.fixture
def filled(project: Project) -> Project:
    """``project`` with the two texts and :data:`SPANS` (a value on one number span)."""
    ids = {}
    for name, text in (("ja.txt", TEXT_JA), ("en.txt", TEXT_EN)):
        ids[text] = project.add_document(name, text, who="t")[0].id
    for text, start, end, label, who, note in SPANS:
        value = ({"kind": "quantity", "value": 3, "unit": "発", "approx": False, "bound": None,
                  "inclusive": None, "low": None, "high": None, "iso": None, "markers": [],
                  "manual": False} if label == "number" else None)
        project.add_span(ids[text], start, end, label, who, note=note, value=value)
    return project


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Project]:
    """A second, empty project to import into."""
    opened = Project.open(tmp_path / "fresh.annotator")
    try:
        yield opened
    finally:
        opened.close()


def span_set(project: Project, *, notes: bool = True) -> set[tuple[Any, ...]]:
    """Every span as ``(text, start, end, label, annotator[, note])``."""
    texts = {d.id: project.text(d.id) for d in project.documents()}
    return {(texts[s.document_id], s.start, s.end, s.label, s.annotator)
            + ((s.note,) if notes else ()) for s in project.spans()}


def import_module_file(project: Project, module: Any, path: Path,
                       options: ImportOptions | None = None, annotator: str = "importer"
                       ) -> ImportReport:
    """Read ``path`` with a format module and import the records, all or nothing."""
    report = ImportReport()
    records = [(record, str(path)) for record in
               module.read(path, options or ImportOptions(), report)]
    return import_records(project, records, annotator=annotator, who="tester",
                          add_labels=True, report=report)

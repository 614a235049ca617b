"""``annotator check`` and ``agree`` print as they go: the same text as formatting the
whole result at once, the text listing of ``check`` bounded by ``--limit``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "review"))
from test_consistency_corpus import build  # noqa: E402

from annotator.cli import main  # noqa: E402
from annotator.cli.common import dumps_json  # noqa: E402
from annotator.services.review.project_review import (  # noqa: E402
    project_agreement,
    project_consistency,
)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.annotator"
    build(path, 1, 150).close()
    return path


def test_check_json_lines_are_each_finding(corpus: Path, capsys) -> None:
    assert main(["check", "--db", str(corpus), "--json"]) == 0
    printed = capsys.readouterr().out.splitlines()
    from annotator.store import Project

    with Project.open(corpus) as project:
        names = {d.id: d.name for d in project.documents()}
        findings = project_consistency(project)
    expected = [dumps_json({
        "kind": f.kind.value, "document": names[f.document_id], "start": f.start, "end": f.end,
        "text": f.text, "labels": dict(f.labels), "labels_here": list(f.labels_here),
        "span_ids": list(f.span_ids), "covering_labels": list(f.covering_labels)})
        for f in findings]
    assert printed == expected
    assert any('"span_ids": []' not in line for line in printed)  # conflicts too


def test_check_text_lists_the_first_findings_and_a_summary(corpus: Path, capsys) -> None:
    assert main(["check", "--db", str(corpus), "--limit", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("doc-0000.txt:[") or lines[0].startswith("doc-")
    total = int(lines[-1].split()[0])
    assert total > 3 and lines[-1].endswith(
        "(the first 3 are listed; --limit 0 or --json for all)")
    assert "same text, different labels" in lines[-1]
    assert main(["check", "--db", str(corpus), "--limit", "0"]) == 0
    everything = capsys.readouterr().out.splitlines()
    assert len(everything) == total + 1 and everything[:3] == lines[:3]


def test_agree_json_is_written_in_pieces_as_one_dump(corpus: Path, capsys) -> None:
    from annotator.store import Project

    for annotators in (["hana", "ken"], ["hana", "ken", "mei"]):
        assert main(["agree", "--db", str(corpus), "--annotators", *annotators, "--json"]) == 0
        printed = capsys.readouterr().out
        with Project.open(corpus) as project:
            expected = dumps_json(project_agreement(project, annotators).to_json()) + "\n"
        assert printed == expected


@pytest.mark.parametrize("values", [
    (None, None, None, None), (1.0, 0.0, 0.0, -0.0123456789012345), (1 / 3, 2 / 3, 1e-17, 1e20)])
def test_figures_json_is_json_dumps(values) -> None:
    from annotator.cli.agree_cmd import figures_json
    from annotator.services.review.matching import SpanCounts
    from annotator.services.review.results import PRF, Figures

    p, r, kappa, alpha = values
    prf = PRF(p, r, None if p is None else (p + (r or 0)) / 2, SpanCounts())
    figures = Figures(prf, PRF(r, p, 0.0, SpanCounts()), kappa, alpha)
    assert figures_json(figures) == dumps_json(figures.to_json())

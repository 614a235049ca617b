"""Fixtures of the review window tests: three colleagues' work merged into one project."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "services" / "review"))

from review_work import colleague_export, colleague_project, new_project  # noqa: E402

from annotator.services.review.colleagues import merge_work  # noqa: E402
from annotator.store import Project  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path_factory: pytest.TempPathFactory,
                      monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep the CLI's default project out of the user's data folder."""
    folder = tmp_path_factory.mktemp("annotator-data")
    monkeypatch.setenv("ANNOTATOR_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def merged_path(tmp_path: Path) -> Path:
    """A project with alice's and bob's JSONL exports and carol's project file merged in."""
    main = new_project(tmp_path / "main.annotator")
    carol = tmp_path / "carol"
    carol.mkdir()
    files = [colleague_export(tmp_path, "alice"), colleague_export(tmp_path, "bob"),
             colleague_project(carol, "carol")]
    with Project.open(main) as project:
        merge_work(project, files, who="rita")
    return main


@pytest.fixture
def merged(merged_path: Path) -> Iterator[Project]:
    project = Project.open(merged_path)
    yield project
    project.close()

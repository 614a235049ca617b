"""The default project: in the data dir, created on first use with the seed texts."""

from __future__ import annotations

from pathlib import Path

from annotator.services.default_project import default_project_path, open_project, seeds_dir


def test_created_once_with_the_seeds(isolated_data_dir: Path) -> None:
    assert default_project_path() == isolated_data_dir / "default.annotator"
    seeds = seeds_dir()
    assert seeds is not None
    with open_project(who="alice") as project:
        assert sorted(d.name for d in project.documents()) == sorted(
            p.name for p in seeds.glob("*.txt"))
        project.remove_label("source", who="alice")
    with open_project(who="alice") as project:  # opened again: not re-seeded, change kept
        assert len(project.documents()) == 2
        assert "source" not in {label.name for label in project.labels()}


def test_explicit_path_is_not_seeded(tmp_path: Path, isolated_data_dir: Path) -> None:
    with open_project(tmp_path / "p.annotator", who="alice") as project:
        assert project.documents() == []
    assert not (isolated_data_dir / "default.annotator").exists()

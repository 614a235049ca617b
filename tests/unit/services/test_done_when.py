"""The issue's done-when checks, through the real command line in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[3] / "seeds"


def run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ANNOTATOR_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "annotator", *args], capture_output=True,
                          text=True, encoding="utf-8", env=env, timeout=60)


def test_import_seeds_then_export_gives_the_seed_texts(tmp_path: Path,
                                                       isolated_data_dir: Path) -> None:
    db = str(tmp_path / "p.annotator")
    result = run("import", "--db", db, str(SEEDS), data_dir=isolated_data_dir)
    assert result.returncode == 0, result.stderr
    assert "2 documents added" in result.stderr
    result = run("export", "--db", db, data_dir=isolated_data_dir)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    seeds = sorted(SEEDS.glob("*.txt"))
    assert len(records) == len(seeds) == 2
    for record, seed in zip(records, seeds, strict=True):
        assert record["name"] == seed.name
        assert record["text"].encode("utf-8") == seed.read_bytes()
    again = run("import", "--db", db, str(SEEDS), data_dir=isolated_data_dir)
    assert again.returncode == 0 and "2 already in the project" in again.stderr


def test_spans_survive_on_astral_text(tmp_path: Path, isolated_data_dir: Path) -> None:
    text = "\U0001F600𠮷野家の葛\U000E0100城で\U0001F680を3発、👨‍👩‍👧と発表。"
    spans = [
        {"start": 1, "end": 4, "label": "actor", "text": "𠮷野家"},
        {"start": 5, "end": 8, "label": "source", "text": "葛\U000E0100城"},
        {"start": 9, "end": 10, "label": "weapon", "text": "\U0001F680"},
        {"start": 14, "end": 19, "label": "actor", "text": "👨‍👩‍👧"},
        {"start": 0, "end": len(text), "label": "claim", "text": text},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"text": text, "spans": spans}, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    db = str(tmp_path / "p.annotator")
    assert run("import", "--db", db, "--annotator", "alice", str(source),
               data_dir=isolated_data_dir).returncode == 0
    out = tmp_path / "out.jsonl"
    result = run("export", "--db", db, "-o", str(out), data_dir=isolated_data_dir)
    assert result.returncode == 0, result.stderr
    [record] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert record["text"] == text
    got = sorted((s["start"], s["end"], s["label"], s["text"]) for s in record["spans"])
    assert got == sorted((s["start"], s["end"], s["label"], s["text"]) for s in spans)

"""Property: import -> spans -> export -> import -> export is exact on arbitrary Unicode."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from annotator.domain.text import canonical_offset, removed_positions
from annotator.services.exporting import export
from annotator.services.importing import import_paths
from annotator.store import Project

LABELS = ["claim", "actor", "weapon", "number", "source"]
SPECIAL = st.sampled_from(["\r\n", "\r", "\n", "\u2028", "\u2029", "\ufeff", "\U0001F600",
                           "\U00020BB7", "葛\U000E0100", "か\u3099", "e\u0301", "㍻", "\u00a0"])
CHARS = st.characters(exclude_categories=("Cs",))  # no lone surrogates: not storable text


@st.composite
def records(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
    prefix = draw(st.sampled_from(["", "\ufeff"]))
    body = draw(st.lists(st.one_of(CHARS, SPECIAL), min_size=1, max_size=40))
    raw = prefix + "".join(body)
    removed = removed_positions(raw)
    spans = []
    for _ in range(draw(st.integers(0, 8))):
        start = draw(st.integers(0, len(raw) - 1))
        end = draw(st.integers(start + 1, len(raw)))
        if canonical_offset(start, removed) == canonical_offset(end, removed):
            continue  # only removed characters (BOM, the \r of \r\n): refused, tested elsewhere
        spans.append({"start": start, "end": end, "label": draw(st.sampled_from(LABELS)),
                      "text": raw[start:end],
                      "annotator": draw(st.sampled_from(["alice", "bob", None]))})
    return raw, spans


def _export(project: Project, path: Path) -> list[dict[str, Any]]:
    export(project, output=path)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(records(), min_size=1, max_size=3))
def test_roundtrip_is_exact(data: list[tuple[str, list[dict[str, Any]]]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        source = root / "in.jsonl"
        source.write_text("".join(json.dumps({"text": raw, "spans": spans}) + "\n"
                                  for raw, spans in data), encoding="utf-8")
        with Project.open(root / "a.annotator") as first:
            import_paths(first, [source], annotator="carol")
            exported = _export(first, root / "first.jsonl")
        with Project.open(root / "b.annotator") as second:
            import_paths(second, [root / "first.jsonl"], annotator="dave")
            again = _export(second, root / "second.jsonl")
        assert again == exported
        assert (root / "second.jsonl").read_bytes() == (root / "first.jsonl").read_bytes()
        texts = {r["text"] for r in exported}
        assume(texts)
        for record in exported:
            assert "\r" not in record["text"] and not record["text"].startswith("\ufeff")
            for span in record["spans"]:
                assert record["text"][span["start"]:span["end"]] == span["text"]
                assert span["annotator"] in {"alice", "bob", "carol"}

"""A second process adds relations while this one deletes their spans: never a dangling
relation, and every refused add is a clear error, not a database error."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from annotator.store import Project

PAIRS = 40


def test_relations_added_elsewhere_while_spans_are_deleted_here(project_path: Path) -> None:
    text = "".join(f"A{i:02d}は言った、B{i:02d}によると。" for i in range(PAIRS))
    with Project.open(project_path) as project:
        doc, _ = project.add_document("many.txt", text, who="tester")
        pairs = []
        for i in range(PAIRS):
            claim_at = text.index(f"A{i:02d}")
            source_at = text.index(f"B{i:02d}")
            claim = project.add_span(doc.id, claim_at, claim_at + 3, "claim", "alice")
            source = project.add_span(doc.id, source_at, source_at + 3, "source", "alice")
            pairs.append((claim.id, source.id))
    started = project_path.with_name("started")
    script = textwrap.dedent(f"""
        import json, sys
        from annotator.domain.errors import AnnotatorError
        from annotator.store import Project
        project = Project.open({str(project_path)!r}, create=False)
        outcome = {{"added": [], "refused": []}}
        open({str(started)!r}, "w").close()
        for round_ in range(3):
            for head, tail in {pairs!r}:
                try:
                    outcome["added"].append(project.add_relation(head, tail, "attributed_to").id)
                except AnnotatorError as exc:
                    outcome["refused"].append(str(exc))
        project.close()
        print(json.dumps(outcome))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with Project.open(project_path) as project:
        deadline = time.monotonic() + 30
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        while len(project.relations()) < 3 and time.monotonic() < deadline:
            time.sleep(0.005)  # deletes start once relations exist, and go on with the adds
        deleted = []
        for claim_id, _ in pairs[::2]:  # every other claim goes, while relations come
            project.delete_span(claim_id, who="bob")
            deleted.append(claim_id)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outcome = json.loads(out)
        relations = project.relations()
        span_ids = project.span_ids()
        assert all(r.head in span_ids and r.tail in span_ids for r in relations)
        assert project.db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert not {r.head for r in relations} & set(deleted)
        # One relation per surviving pair; every other attempt was refused in words.
        assert len(relations) == PAIRS // 2
        assert all("already have" in m or "deleted elsewhere" in m or "does not exist" in m
                   for m in outcome["refused"])
        assert len(outcome["added"]) + len(outcome["refused"]) == 3 * PAIRS
        # Every relation added on a span deleted afterwards went with it, with a history row.
        gone = set(outcome["added"]) - {r.id for r in relations}
        deleted_rows = {h.entity_id for h in project.history(entity="relation")
                        if h.action == "delete"}
        assert gone == deleted_rows
        assert gone  # the first claims had their relation when they were deleted

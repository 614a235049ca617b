"""The change feed and how arrivals are worded (no widgets: ``annotator.ui.changes`` is plain
Python). "Another connection" is a real second process writing to the file."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from annotator.store import HistoryEntry, Project
from annotator.ui.changes import ChangeFeed, describe, plain

WRITE = textwrap.dedent("""
    import sys
    from annotator.store import Project
    with Project.open(sys.argv[1]) as project:
        project.add_document(sys.argv[2], sys.argv[2] + " の本文", who="hana")
""")


def write_elsewhere(path: Path, name: str) -> None:
    subprocess.run([sys.executable, "-c", WRITE, str(path), name], check=True, timeout=60)


def test_feed_tells_foreign_rows_from_own(tmp_path: Path) -> None:
    path = tmp_path / "feed.annotator"
    with Project.open(path) as project:
        feed = ChangeFeed(project)
        assert not feed.pending()
        write_elsewhere(path, "a.txt")
        assert feed.pending()
        rows, foreign = feed.take()
        assert foreign and [(r.who, r.action, r.entity) for r in rows] == [
            ("hana", "add", "document")]
        assert not feed.pending() and feed.take() == ([], False)
        # This connection's own write: seen through the history id, not foreign.
        project.add_document("own.txt", "自分の文書", who="me")
        assert feed.pending()
        rows, foreign = feed.take()
        assert not foreign and [r.who for r in rows] == ["me"]
        # settle() skips own rows when nobody else committed ...
        project.add_document("own2.txt", "自分の文書2", who="me")
        assert feed.settle() and not feed.pending()
        # ... and keeps everything when somebody did, so no foreign row is lost.
        write_elsewhere(path, "b.txt")
        project.add_document("own3.txt", "自分の文書3", who="me")
        assert not feed.settle()
        rows, foreign = feed.take()
        assert foreign and [r.who for r in rows] == ["hana", "me"]


def row(who: str, action: str, entity: str, entity_id: str | None = None,
        before: object = None, after: object = None) -> HistoryEntry:
    return HistoryEntry(1, "2026-01-01T00:00:00.000Z", who, action, entity, entity_id, 1,
                        before, after)


def test_describe_words_arrivals() -> None:
    assert describe([]) == ""
    assert describe([row("hana", "add", "label", "secret")]) == (
        "1 change from elsewhere: hana added label 'secret'")
    text = describe([
        row("bob", "add", "document"),
        row("bob", "import", "span", after={"source": "/x/colleague.jsonl", "span_ids": ["a", "b"]}),
        row("hana", "delete", "span", "s1"), row("hana", "delete", "span", "s2"),
        row("hana", "update", "label", "actor", {"name": "actor"}, {"name": "person"}),
    ])
    assert text == ("5 changes from elsewhere: bob imported 2 spans from colleague.jsonl, added "
                    "1 document; hana deleted 2 spans, renamed label 'actor' to 'person'")


def test_names_from_elsewhere_cannot_restyle_the_status_bar() -> None:
    assert plain("a\u202eb\x1b[31mc\u200b") == "a\\u202eb\\u001b[31mc\\u200b"
    assert "\u202e" not in describe([row("x\u202e", "add", "label", "l\x07")])


def test_feed_waits_for_this_processs_open_transaction(tmp_path: Path) -> None:
    path = tmp_path / "feed.annotator"
    with Project.open(path) as project:
        feed = ChangeFeed(project)
        try:
            with project.atomic():
                project.add_document("half.txt", "取り消される文書", who="me")
                assert not feed.pending()  # uncommitted: nothing to show yet
                raise RuntimeError("cancelled")
        except RuntimeError:
            pass
        assert not feed.pending() and project.documents() == []
        with project.atomic():
            project.add_document("kept.txt", "残る文書", who="me")
            assert not feed.pending()
        assert feed.pending()
        rows, foreign = feed.take()
        assert [r.after["name"] for r in rows] == ["kept.txt"] and not foreign

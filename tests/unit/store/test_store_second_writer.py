"""Another program writes the same project file: nothing read before a write is trusted.

Each "elsewhere" below is a real second process (``python -c`` opening the project through
``annotator.store.Project``, or the real ``annotator`` command line), never a second handle in
this process: a second open here shares the first connection by design.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from annotator.domain.commands import CreateSpan, DeleteSpan, EditLabel, UpdateSpan
from annotator.domain.errors import LabelError
from annotator.domain.undo import UndoStack
from annotator.store import ConflictError, Document, Project, ProjectBusyError, registry


def elsewhere(path: Path, code: str, *, wait: bool = True) -> subprocess.Popen[str] | None:
    """Run ``code`` in another process with ``project`` open on ``path``."""
    script = textwrap.dedent(f"""
        import sys, time
        from annotator.store import Project
        project = Project.open({str(path)!r}, create=False)
    """) + textwrap.dedent(code) + "\nproject.close()\n"
    proc = subprocess.Popen([sys.executable, "-c", script], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if not wait:
        return proc
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return None


def cli(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "annotator", *args, "--db", str(path)],
                          text=True, capture_output=True, timeout=60)


# -- label names are resolved in the writing transaction --------------------------------------


def test_a_label_renamed_elsewhere_is_not_written_under_its_new_name(
        project: Project, document: Document) -> None:
    elsewhere(project.path, 'project.update_label("weapon", who="cli", new_name="arms")')
    with pytest.raises(LabelError, match="unknown label 'weapon'"):
        project.add_span(document.id, 0, 2, "weapon", "hana")
    assert project.spans() == []
    span = project.add_span(document.id, 0, 2, "arms", "hana")
    assert project.span(span.id).label == "arms"


def test_a_label_removed_and_its_row_id_reused_elsewhere_is_refused(
        project: Project, document: Document) -> None:
    source_id = project.label_id("source")
    elsewhere(project.path, """
        from annotator.domain.labels import Label
        project.remove_label("source", who="cli")
        project.add_label(Label("secret", "#123456", None, ""), who="cli")
    """)
    assert project.label_id("secret") == source_id  # SQLite reused the row id
    with pytest.raises(LabelError, match="unknown label 'source'"):
        project.add_span(document.id, 0, 2, "source", "hana")
    assert project.spans() == []


def test_a_relabel_reads_the_span_inside_its_transaction(
        project: Project, document: Document) -> None:
    span = project.add_span(document.id, 0, 2, "actor", "hana")
    elsewhere(project.path, f'project.update_span({span.id!r}, who="ken", note="seen")')
    after = project.update_span(span.id, who="hana", label="claim")
    assert (after.label, after.note) == ("claim", "seen")  # the other writer's note is kept
    rows = project.history(entity="span", entity_id=span.id)
    for older, newer in zip(rows, rows[1:]):
        assert newer.before == older.after


# -- undo and redo respect other writers ------------------------------------------------------


def test_undo_of_a_create_refuses_when_the_span_was_changed_elsewhere(
        project: Project, document: Document) -> None:
    stack = UndoStack(project)
    create = CreateSpan(document.id, 0, 2, "actor", "hana")
    stack.push(create)
    elsewhere(project.path, f'project.update_span({create.span_id!r}, who="ken", note="mine")')
    with pytest.raises(ConflictError, match=r"'actor' span at \[0, 2\) was changed elsewhere "
                                            r"\(by ken at .*\) \(note\)"):
        stack.undo()
    assert project.span(create.span_id).note == "mine"
    assert stack.can_undo()  # nothing happened: the step stays where it was


def test_undo_of_a_relabel_refuses_when_the_span_was_deleted_elsewhere(
        project: Project, document: Document) -> None:
    span = project.add_span(document.id, 0, 2, "actor", "hana")
    stack = UndoStack(project)
    stack.push(UpdateSpan(span.id, "hana", {"label": "claim"}))
    elsewhere(project.path, f'project.delete_span({span.id!r}, who="ken")')
    with pytest.raises(ConflictError, match="was deleted elsewhere \\(by ken"):
        stack.undo()
    assert project.spans() == []


def test_redo_refuses_when_the_span_changed_after_the_undo(
        project: Project, document: Document) -> None:
    span = project.add_span(document.id, 0, 2, "actor", "hana")
    stack = UndoStack(project)
    stack.push(UpdateSpan(span.id, "hana", {"label": "claim"}))
    stack.undo()
    elsewhere(project.path, f'project.update_span({span.id!r}, who="ken", end=3)')
    with pytest.raises(ConflictError, match=r"bounds \[0, 2\) → \[0, 3\)"):
        stack.redo()
    current = project.span(span.id)
    assert (current.label, current.end) == ("actor", 3)


def test_undo_of_a_delete_refuses_when_the_span_exists_again(
        project: Project, document: Document) -> None:
    span = project.add_span(document.id, 0, 2, "actor", "hana")
    stack = UndoStack(project)
    stack.push(DeleteSpan(span.id, "hana"))
    elsewhere(project.path, f"""
        from annotator.domain.spans import Span
        project.restore_span(Span(*{tuple(vars_of(span))!r}), who="ken")
    """)
    with pytest.raises(ConflictError, match="exists again"):
        stack.undo()
    assert len(project.spans()) == 1


def vars_of(span: object) -> list[object]:
    return [getattr(span, f) for f in span.__dataclass_fields__]  # type: ignore[attr-defined]


def test_a_relabel_of_a_span_deleted_elsewhere_says_so(
        project: Project, document: Document) -> None:
    span = project.add_span(document.id, 0, 2, "actor", "hana")
    elsewhere(project.path, f'project.delete_span({span.id!r}, who="ken")')
    stack = UndoStack(project)
    with pytest.raises(KeyError, match="deleted elsewhere \\(by ken"):
        stack.push(UpdateSpan(span.id, "hana", {"label": "claim"}))
    assert not stack.can_undo()
    assert project.history(entity="span", entity_id=span.id)[-1].action == "delete"


def test_undo_of_a_label_edit_refuses_when_the_label_changed_elsewhere(
        project: Project, document: Document) -> None:
    stack = UndoStack(project)
    stack.push(EditLabel("weapon", "hana", {"color": "#000000"}))
    elsewhere(project.path, 'project.update_label("weapon", who="ken", description="arms")')
    with pytest.raises(ConflictError, match="label 'weapon' was changed elsewhere"):
        stack.undo()
    assert project.label("weapon").description == "arms"
    assert project.label("weapon").color == "#000000"


def test_undo_and_redo_still_work_when_nobody_else_wrote(
        project: Project, document: Document) -> None:
    span = project.add_span(document.id, 0, 2, "actor", "hana")
    stack = UndoStack(project)
    stack.push(UpdateSpan(span.id, "hana", {"label": "claim", "note": "n"}))
    stack.push(EditLabel("claim", "hana", {"new_name": "assertion"}))
    stack.undo()
    stack.undo()
    assert project.span(span.id) == span
    stack.redo()
    stack.redo()
    assert project.span(span.id).label == "assertion"


# -- waiting for a long writer ----------------------------------------------------------------


HOLD_LOCK = """
    project.db.conn.execute("BEGIN IMMEDIATE")
    print("locked", flush=True)
    time.sleep({seconds})
    project.db.conn.execute("COMMIT")
"""


def test_a_write_waits_for_another_programs_lock_and_says_so(
        project: Project, document: Document) -> None:
    proc = elsewhere(project.path, HOLD_LOCK.format(seconds=1.5), wait=False)
    assert proc is not None and proc.stdout is not None
    assert proc.stdout.readline().strip() == "locked"
    waits: list[float] = []
    project.wait_handler = waits.append
    started = time.monotonic()
    span = project.add_span(document.id, 0, 2, "actor", "hana")
    assert time.monotonic() - started > 0.5
    assert waits and waits[0] < waits[-1]
    assert project.span(span.id) == span
    proc.communicate(timeout=30)


def test_a_write_gives_up_after_the_lock_timeout_with_a_message(
        project: Project, document: Document) -> None:
    proc = elsewhere(project.path, HOLD_LOCK.format(seconds=3), wait=False)
    assert proc is not None and proc.stdout is not None
    assert proc.stdout.readline().strip() == "locked"
    project.lock_timeout = 0.4
    with pytest.raises(ProjectBusyError, match="another program has been writing to this "
                                               "project for 0 s.*nothing was written"):
        project.add_span(document.id, 0, 2, "actor", "hana")
    proc.communicate(timeout=30)
    assert project.spans() == []


def test_the_command_line_waits_up_to_its_timeout_then_fails_cleanly(
        project: Project, document: Document) -> None:
    proc = elsewhere(project.path, HOLD_LOCK.format(seconds=4), wait=False)
    assert proc is not None and proc.stdout is not None
    assert proc.stdout.readline().strip() == "locked"
    env = {**os.environ, "ANNOTATOR_LOCK_TIMEOUT": "0.5"}
    result = subprocess.run(
        [sys.executable, "-m", "annotator", "labels", "--db", str(project.path), "add", "x"],
        text=True, capture_output=True, timeout=60, env=env)
    proc.communicate(timeout=30)
    assert result.returncode == 1
    assert result.stderr.startswith(f"annotator: error: {project.path}: another program")
    assert "Traceback" not in result.stderr
    assert "x" not in [lab.name for lab in project.labels()]


# -- one connection per file per process ------------------------------------------------------


def test_a_second_open_in_one_process_shares_the_connection(project_path: Path) -> None:
    first = Project.open(project_path)
    link = project_path.with_name("other-name.annotator")
    os.link(project_path, link)
    second = Project.open(link)
    assert second is first
    second.close()
    assert not first.closed
    assert first.labels()  # still usable
    first.close()
    assert first.closed and registry.open_project_at(project_path) is None


def test_the_open_project_and_its_log_are_refused_as_inputs(project: Project) -> None:
    for target in (project.path, Path(f"{project.path}-wal"), Path(f"{project.path}-shm")):
        with pytest.raises(Exception, match="this is the project open here"):
            registry.check_not_open(target, "import")
    other = project.path.with_name("other.txt")
    other.write_text("x")
    registry.check_not_open(other, "import")


def test_closing_a_second_handle_keeps_what_another_program_wrote(project_path: Path) -> None:
    first = Project.open(project_path)
    Project.open(project_path).close()  # a second window or dialog opened and closed it
    for n in range(5):
        result = cli(project_path, "labels", "add", f"extra{n}")
        assert result.returncode == 0, result.stderr
    first.close()
    with Project.open(project_path) as reopened:
        added = [h for h in reopened.history(entity="label") if h.action == "add"]
        assert [h.entity_id for h in added][-5:] == [f"extra{n}" for n in range(5)]


def test_opening_a_fifo_as_a_project_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.annotator"
    os.mkfifo(fifo)
    with pytest.raises(Exception, match="not a regular file"):
        Project.open(fifo)  # opening it for reading would block until a writer came

"""A writer process that acts like the app's session on one document of a project.

Run as a child process::

    python mp_writer.py --project P --log L --who NAME --role ROLE --document ID --seed N
                        [--labels a,b,c] [--stop FILE] [--duration S] [--reopen-every N]

It opens the project with :class:`annotator.store.Project` and drives the Qt-free
:class:`annotator.domain.undo.UndoStack` with the commands of :mod:`annotator.domain.commands`
(create, relabel, note, nudge, delete, undo, redo) on the spans of ``--document`` (every span not
imported by the command line), chosen with a seeded random generator.

Every attempt is described in the log (a file apart from the project, opened with ``O_APPEND``):
a ``try`` line before the call, then, once the call has returned, an ``ack`` line (written and
fsync'd before the next action starts) or, when it raised one of the errors the session shows as
a message, a ``refused`` line. A ``try`` without an outcome is an action the process was killed
in: it may or may not be in the project. Roles:

* ``session``: every kind of action; also opens the project a second time in this process every
  ``--reopen-every`` actions and closes that handle (as a second window would);
* ``notes``: note edits, undo and redo;
* ``labels``: relabels, nudges, creates and deletes, undo and redo.

Stops when ``--stop`` exists or after ``--duration`` seconds; prints ``ready`` on standard output
once the project is open.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import time
import traceback
from typing import Any

from annotator.domain.commands import Command, CreateSpan, DeleteSpan, UpdateSpan
from annotator.domain.errors import AnnotatorError
from annotator.domain.undo import UndoStack
from annotator.store import Project

try:  # sqlite-utils raises this when a row to update has gone
    from sqlite_utils.db import NotFoundError
except ImportError:  # pragma: no cover
    NotFoundError = LookupError  # type: ignore[misc,assignment]

#: Errors the window turns into a message (nothing written): the action is refused.
REFUSALS: tuple[type[BaseException], ...] = (AnnotatorError, LookupError, NotFoundError)

WEIGHTS = {
    "session": {"create": 14, "relabel": 14, "note": 14, "nudge": 14, "delete": 8, "undo": 22,
                "redo": 14},
    "notes": {"note": 62, "undo": 24, "redo": 14},
    "labels": {"create": 10, "relabel": 24, "nudge": 24, "delete": 8, "undo": 20, "redo": 14},
}
CLI_ANNOTATOR = "cli"


class AckLog:
    """Lines appended with O_APPEND; ``ack`` lines are fsync'd before the call returns."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def write(self, record: dict[str, Any], *, sync: bool) -> None:
        os.write(self.fd, (json.dumps(record, ensure_ascii=False) + "\n").encode())
        if sync:
            os.fsync(self.fd)

    def close(self) -> None:
        os.close(self.fd)


class Session:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.who = args.who
        self.labels = args.labels.split(",")
        self.project = Project.open(args.project, create=False)
        self.length = self.project.document(args.document).length
        self.stack = UndoStack(self.project, limit=10**9)
        self.done: list[Command] = []  # mirror of the stack: the next undo is done[-1]
        self.undone: list[Command] = []  # the next redo is undone[-1]
        self.meta: dict[int, tuple[Command, dict[str, Any]]] = {}  # id(command) -> description
        self.log = AckLog(args.log)
        self.seq = 0
        self.commands = 0
        self.counts = {"ack": 0, "refused": 0}

    # -- choosing an action ----------------------------------------------------------------

    def targets(self) -> list[Any]:
        return [s for s in self.project.spans(self.args.document) if s.annotator != CLI_ANNOTATOR]

    def new_command(self, kind: str) -> tuple[Command, dict[str, Any]] | None:
        rng = self.rng
        if kind == "create":
            start = rng.randrange(0, self.length - 6)
            end = start + rng.randint(1, 6)
            label = rng.choice(self.labels)
            note = f"{self.who}#{self.seq}" if rng.random() < 0.3 else None
            command = CreateSpan(self.args.document, start, end, label, self.who, note=note)
            to = {"document_id": self.args.document, "start": start, "end": end, "label": label,
                  "annotator": self.who, "note": note}
            return command, {"kind": "create", "span": command.span_id, "touched": [], "to": to}
        spans = self.targets()
        if not spans:
            return None
        span = rng.choice(spans)
        if kind == "delete":
            return DeleteSpan(span.id, self.who), {"kind": "delete", "span": span.id,
                                                   "touched": [], "to": {}}
        if kind == "note":
            changes: dict[str, Any] = {"note": f"{self.who}#{self.seq}"}
        elif kind == "relabel":
            changes = {"label": rng.choice([lab for lab in self.labels if lab != span.label])}
        else:  # nudge one edge by one character
            edge, step = rng.choice(["start", "end"]), rng.choice([-1, 1])
            start, end = span.start, span.end
            if edge == "start":
                start = min(max(0, start + step), end - 1)
            else:
                end = max(min(self.length, end + step), start + 1)
            changes = {k: v for k, v in (("start", start), ("end", end))
                       if v != getattr(span, k)}
            if not changes:
                return None
        description = {"relabel": "Relabel span", "note": "Edit note", "nudge": "Nudge span"}[kind]
        command = UpdateSpan(span.id, self.who, changes, description)
        return command, {"kind": "update", "span": span.id, "touched": sorted(changes),
                         "to": changes}

    # -- running it --------------------------------------------------------------------------

    def attempt(self, op: str, command: Command, described: dict[str, Any]) -> None:
        self.seq += 1
        record = {"seq": self.seq, "op": op, **described}
        self.log.write({"t": "try", **record}, sync=False)
        try:
            if op == "do":
                self.stack.push(command)
            elif op == "undo":
                returned = self.stack.undo()
                assert returned is command, "the undo stack undid another command"
            else:
                returned = self.stack.redo()
                assert returned is command, "the undo stack redid another command"
        except REFUSALS as exc:
            self.counts["refused"] += 1
            self.log.write({"t": "refused", "seq": self.seq,
                            "error": f"{type(exc).__name__}: {exc}"}, sync=True)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            self.counts["refused"] += 1
            self.log.write({"t": "refused", "seq": self.seq,
                            "error": f"{type(exc).__name__}: {exc}"}, sync=True)
            return
        self.log.write({"t": "ack", **record}, sync=True)
        self.counts["ack"] += 1
        if op == "do":
            self.done.append(command)
            self.undone.clear()
        elif op == "undo":
            self.undone.append(self.done.pop())
        else:
            self.done.append(self.undone.pop())

    def step(self) -> None:
        weights = WEIGHTS[self.args.role]
        kind = self.rng.choices(list(weights), list(weights.values()))[0]
        if kind in ("undo", "redo"):
            pending = self.done if kind == "undo" else self.undone
            if not pending:
                return
            command, described = self.meta[id(pending[-1])]
            self.attempt(kind, command, described)
            return
        made = self.new_command(kind)
        if made is None:
            return
        command, described = made
        self.commands += 1
        described["cmd"] = self.commands
        self.meta[id(command)] = (command, described)
        self.attempt("do", command, described)

    def reopen(self) -> None:
        """Open the same project a second time in this process and close that handle."""
        try:
            second = Project.open(self.args.project, create=False)
            try:
                second.span_counts()
            finally:
                second.close()
        except Exception as exc:  # the second window shows an error; the first one goes on
            self.log.write({"t": "reopen_failed", "after_seq": self.seq,
                            "error": f"{type(exc).__name__}: {exc}"}, sync=True)
            return
        self.log.write({"t": "reopen", "after_seq": self.seq}, sync=False)

    def run(self) -> int:
        args = self.args
        if args.reopen_every:
            self.reopen()
        print("ready", flush=True)
        deadline = time.monotonic() + args.duration
        steps = 0
        while time.monotonic() < deadline and not (args.stop and os.path.exists(args.stop)):
            self.step()
            steps += 1
            if args.reopen_every and steps % args.reopen_every == 0:
                self.reopen()
            if args.pause_ms:
                time.sleep(self.rng.uniform(0, args.pause_ms) / 1000)
        self.project.close()
        self.log.write({"t": "done", **self.counts}, sync=True)
        self.log.close()
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--project", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--who", required=True)
    parser.add_argument("--role", choices=sorted(WEIGHTS), required=True)
    parser.add_argument("--document", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--labels", default="claim,actor,weapon,number")
    parser.add_argument("--stop")
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--reopen-every", type=int, default=0)
    parser.add_argument("--pause-ms", type=float, default=1.0)
    args = parser.parse_args(argv)
    session = Session(args)
    try:
        return session.run()
    except BaseException:
        session.log.write({"t": "error", "seq": session.seq,
                           "traceback": traceback.format_exc()}, sync=True)
        raise


if __name__ == "__main__":
    sys.exit(main())

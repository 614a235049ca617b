"""Checks a project written by several processes against what each of them acknowledged.

Reads the project file with plain ``sqlite3`` (not the code under test), after every writer has
stopped or been killed, and compares it with the writers' acknowledgement logs
(``mp_writer.py``) and the command-line runs (``mp_harness.CliRun``):

* **acknowledged writes**: each writer's history rows (``who`` is unique per process), in order,
  are its acknowledged actions one for one, each with the values it acknowledged; a killed writer
  may have one more row, for the action it was killed in (logged ``try`` without an outcome);
* **history rows**: a writer has exactly as many rows as acknowledged actions (no row lost, none
  written by a refused action); each successful command-line run left its rows, a killed one all
  of them or none;
* **lost updates**: replaying the whole history in id order, every update's and delete's
  ``before`` equals the state the previous rows left (the chain), an update leaves the fields it
  did not change as they were, an undo or a redo found what its command had written (it never
  overwrote a newer state) and every span written names a label that existed at that point;
* **final state**: the spans and labels in the file are exactly what the replay gives;
* ``PRAGMA integrity_check`` is ``ok``.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONTENT = ("document_id", "start", "end", "label", "annotator", "note", "value")
SPAN_FIELDS = ("id", "document_id", "start", "end", "label", "annotator", "note", "created_at",
               "updated_at", "value")
MAX_EXAMPLES = 8
LOOKAHEAD = 4


@dataclass
class Row:
    id: int
    who: str
    action: str
    entity: str
    entity_id: str | None
    before: Any
    after: Any
    # ``before`` and ``after`` with the label named by its identity (``#n``), which a rename
    # keeps: set by the replay, so that a span compares equal across a label's rename.
    ib: Any = None
    ia: Any = None


@dataclass
class WriterLog:
    """What one writer process logged: attempts by sequence number, with their outcome."""

    who: str
    path: Path
    killed: bool = False
    failure: str | None = None  # how it ended when it exited by itself with an error

    def read(self) -> tuple[list[dict[str, Any]], dict[str, Any] | None, Counter[str], list[str]]:
        """``(acknowledged, in_flight, refusals by error type, errors)``."""
        tries: dict[int, dict[str, Any]] = {}
        outcome: dict[int, str] = {}
        refused: Counter[str] = Counter()
        errors: list[str] = []
        lines = self.path.read_text(encoding="utf-8").splitlines() if self.path.exists() else []
        for number, line in enumerate(lines):
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                if self.killed and number == len(lines) - 1:
                    break  # a line cut by the kill (never an ack: acks are whole writes)
                raise
            kind = record["t"]
            if kind == "try":
                tries[record["seq"]] = record
            elif kind == "ack":
                outcome[record["seq"]] = "ack"
            elif kind == "refused":
                outcome[record["seq"]] = "refused"
                refused[record["error"].split(":", 1)[0]] += 1
            elif kind == "error":
                errors.append(record["traceback"])
            elif kind == "reopen_failed":
                errors.append(f"opening the project a second time failed: {record['error']}")
        acked = [tries[s] for s in sorted(tries) if outcome.get(s) == "ack"]
        pending = [s for s in sorted(tries) if s not in outcome]
        in_flight = tries[pending[-1]] if pending else None
        if len(pending) > 1 or (pending and pending[-1] != max(tries)):
            errors.append(f"{self.who}: attempts without an outcome before the last: {pending}")
        return acked, in_flight, refused, errors


@dataclass
class Expected:
    """A history row a command-line run must have written."""

    entity: str
    action: str
    entity_id: str | None = None
    after: dict[str, Any] = field(default_factory=dict)
    before: dict[str, Any] = field(default_factory=dict)
    span_ids: frozenset[str] | None = None  # import rows: exactly these spans


@dataclass
class CliRunRecord:
    """One finished (or killed) command-line run and the rows it must have left."""

    args: list[str]
    returncode: int | None
    killed: bool
    expect: list[Expected]
    stderr: str = ""
    spans: dict[str, dict[str, Any]] = field(default_factory=dict)  # imported: id -> fields


@dataclass
class Report:
    integrity: str = ""
    acknowledged: int = 0
    refused: int = 0
    refusals: Counter[str] = field(default_factory=Counter)
    history_rows: int = 0
    writers: int = 0
    killed_in_flight_committed: int = 0
    cli_ok: int = 0
    cli_killed: int = 0
    cli_killed_committed: int = 0
    spans_final: int = 0
    lost_acknowledged: list[str] = field(default_factory=list)
    lost_updates: list[str] = field(default_factory=list)
    lost_history: list[str] = field(default_factory=list)
    wrong_state: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)

    def problems(self) -> dict[str, int]:
        counts = {"lost acknowledged writes": len(self.lost_acknowledged),
                  "lost updates": len(self.lost_updates),
                  "lost history rows": len(self.lost_history),
                  "state differs from the history": len(self.wrong_state),
                  "other": len(self.other)}
        if self.integrity != "ok":
            counts["integrity_check"] = 1
        return {k: v for k, v in counts.items() if v}

    def kinds(self) -> dict[str, int]:
        """The lost updates by kind."""
        kinds: Counter[str] = Counter()
        for item in self.lost_updates:
            if "stale state" in item:
                kinds["chain broken (before != previous after)"] += 1
            elif "did not touch" in item:
                kinds["overwrote fields it did not change"] += 1
            elif "changed since" in item:
                kinds["undo/redo over a newer state"] += 1
            elif "label" in item:
                kinds["span written with a label name that did not exist"] += 1
            else:
                kinds["other"] += 1
        return dict(kinds)

    def explain(self) -> str:
        parts = [f"integrity_check: {self.integrity}"]
        for title, items in (("lost acknowledged writes", self.lost_acknowledged),
                             ("lost updates", self.lost_updates),
                             ("lost history rows", self.lost_history),
                             ("state differs from the history", self.wrong_state),
                             ("other", self.other)):
            if items:
                parts.append(f"{title}: {len(items)}")
                parts.extend(f"  - {item}" for item in items[:MAX_EXAMPLES])
        return "\n".join(parts)

    def summary(self) -> str:
        return (f"{self.writers} writers, {self.acknowledged} actions acknowledged, "
                f"{self.refused} refused {dict(self.refusals)}, {self.cli_ok} CLI commands ok, "
                f"{self.cli_killed} CLI commands killed ({self.cli_killed_committed} had "
                f"committed), {self.history_rows} history rows, {self.spans_final} spans; "
                f"problems: {self.problems() or 'none'}"
                + (f"; lost updates by kind: {self.kinds()}" if self.lost_updates else ""))


def _content(state: dict[str, Any]) -> dict[str, Any]:
    return {k: state.get(k) for k in CONTENT}


def _diff(a: dict[str, Any], b: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    return {k: (a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k)}


def _expected_action(kind: str, op: str) -> str:
    if kind == "update":
        return "update"
    creates = (kind == "create") != (op == "undo")
    return "add" if creates else "delete"


def read_project(path: Path) -> tuple[str, list[Row], dict[str, dict[str, Any]], set[str]]:
    """``(integrity_check, history rows, spans by id, label names)`` read with plain sqlite3."""
    conn = sqlite3.connect(str(path))
    try:
        integrity = "; ".join(r[0] for r in conn.execute("PRAGMA integrity_check"))
        rows = [Row(r[0], r[1], r[2], r[3], r[4],
                    None if r[5] is None else json.loads(r[5]),
                    None if r[6] is None else json.loads(r[6]))
                for r in conn.execute("SELECT id, who, action, entity, entity_id, before, after "
                                      "FROM history ORDER BY id")]
        spans = {}
        for r in conn.execute('SELECT s.id, s.document_id, s.start, s."end", l.name, s.annotator, '
                              "s.note, s.created_at, s.updated_at, s.value FROM spans s "
                              "LEFT JOIN labels l ON l.id = s.label_id"):
            state = dict(zip(SPAN_FIELDS, r, strict=True))
            if state["value"] is not None:
                state["value"] = json.loads(state["value"])
            spans[state["id"]] = state
        labels = {r[0] for r in conn.execute("SELECT name FROM labels")}
    finally:
        conn.close()
    return integrity, rows, spans, labels


class _Replay:
    """The project's spans and label names as the history, replayed in order, says they are."""

    def __init__(self, labels: Iterable[str], imported: dict[str, dict[str, Any]],
                 report: Report) -> None:
        self.ident = {name: f"#{i}" for i, name in enumerate(labels)}
        self.labels = set(labels)
        self.spans: dict[str, dict[str, Any]] = {}
        self.imported = imported
        self.report = report

    def apply(self, row: Row) -> None:
        report = self.report
        if row.entity == "label":
            if row.action == "add":
                self.labels.add(row.after["name"])
                self.ident[row.after["name"]] = f"#{len(self.ident)}-{row.id}"
            elif row.action == "update":
                old, new = row.before["name"], row.after["name"]
                if old not in self.labels:
                    report.lost_updates.append(f"history {row.id}: label {old!r} updated by "
                                               f"{row.who} did not exist")
                if old != new:
                    self.labels.discard(old)
                    self.labels.add(new)
                    self.ident[new] = self.ident.pop(old, f"?{old}")
                    for state in self.spans.values():
                        if state.get("label") == old:
                            state["label"] = new
            elif row.action == "remove":
                self.labels.discard(row.before["name"])
                self.ident.pop(row.before["name"], None)
            return
        if row.entity != "span":
            return
        row.ib, row.ia = self._identified(row.before), self._identified(row.after)
        if row.action == "import":
            for span_id in row.after["span_ids"]:
                if span_id in self.spans:
                    report.other.append(f"history {row.id}: import of {span_id} over a span")
                self.spans[span_id] = {"_partial": True, **self.imported.get(span_id, {})}
            return
        span_id = row.entity_id
        current = self.spans.get(span_id)
        if row.action == "add":
            if current is not None:
                report.lost_updates.append(f"history {row.id}: {row.who} added {span_id}, which "
                                           f"already existed")
            self._check_label(row)
            self.spans[span_id] = dict(row.after)
            return
        if current is None:
            report.lost_updates.append(f"history {row.id}: {row.who} {row.action}d {span_id}, "
                                       f"which did not exist")
        elif current.get("_partial"):
            pass  # an imported span: only the fields the import file gave are known
        elif row.before != current:
            report.lost_updates.append(
                f"history {row.id}: {row.who}'s {row.action} of {span_id} started from a stale "
                f"state: {_diff(current, row.before, SPAN_FIELDS)} (previous -> 'before')")
        if row.action == "update":
            self._check_label(row)
            self.spans[span_id] = dict(row.after)
        elif row.action == "delete":
            self.spans.pop(span_id, None)

    def _identified(self, state: Any) -> Any:
        if not isinstance(state, dict) or "label" not in state:
            return state
        return {**state, "label": self.ident.get(state["label"], f"?{state['label']}")}

    def _check_label(self, row: Row) -> None:
        label = row.after.get("label")
        if label not in self.labels:
            self.report.lost_updates.append(
                f"history {row.id}: {row.who} wrote span {row.entity_id} with label {label!r}, "
                f"which was not a label at that point (labels: {sorted(self.labels)})")


def _check_writer(report: Report, log: WriterLog, rows: list[Row]) -> None:
    acked, in_flight, refused, errors = log.read()
    if log.failure:
        report.other.append(f"{log.who} failed: {log.failure}")
    report.acknowledged += len(acked)
    report.refused += sum(refused.values())
    report.refusals.update(refused)
    if not log.failure:
        report.other.extend(f"{log.who}: {e.strip().splitlines()[-1]}" for e in errors)
    expected = list(acked)
    if log.killed and in_flight is not None and len(rows) == len(acked) + 1:
        expected.append(in_flight)
        report.killed_in_flight_committed += 1
    if len(rows) < len(expected):
        report.lost_history.append(f"{log.who}: {len(expected)} actions acknowledged, only "
                                   f"{len(rows)} history rows")
    elif len(rows) > len(expected):
        report.lost_history.append(f"{log.who}: {len(rows)} history rows for {len(expected)} "
                                   f"acknowledged actions (a refused action wrote?)")
    do_rows: dict[int, Row] = {}
    position = 0
    for entry in expected:
        # Rows and acknowledgements go in the same order; a missing or extra row is skipped
        # over (looking a few rows ahead) so that one loss is not counted again for every
        # action after it.
        action = _expected_action(entry["kind"], entry["op"])
        found = next((q for q in range(position, min(position + LOOKAHEAD, len(rows)))
                      if rows[q].action == action and rows[q].entity_id == entry["span"]), None)
        where = f"{log.who} seq {entry['seq']} ({entry['op']} {entry['kind']} {entry['span'][:8]})"
        if found is None:
            report.lost_acknowledged.append(f"{where}: no history row")
            continue
        for extra in rows[position:found]:
            report.lost_history.append(f"history {extra.id}: {extra.action} of "
                                       f"{extra.entity_id} by {log.who} acknowledged by nothing")
        row, position = rows[found], found + 1
        problem = _entry_problem(entry, row, do_rows)
        if problem:
            target = (report.lost_acknowledged if problem[0] == "ack" else report.lost_updates)
            target.append(f"{where} vs history {row.id}: {problem[1]}")
    for extra in rows[position:]:
        report.lost_history.append(f"history {extra.id}: {extra.action} of {extra.entity_id} by "
                                   f"{log.who} acknowledged by nothing")


def _entry_problem(entry: dict[str, Any], row: Row, do_rows: dict[int, Row]
                   ) -> tuple[str, str] | None:
    kind, op, touched = entry["kind"], entry["op"], entry["touched"]
    action = _expected_action(kind, op)
    if row.entity != "span" or row.action != action or row.entity_id != entry["span"]:
        return "ack", (f"expected {action} of span {entry['span']}, found {row.action} of "
                       f"{row.entity} {row.entity_id}")
    if op == "do":
        do_rows[entry["cmd"]] = row
        wrong = _diff(entry["to"], row.after or {}, entry["to"]) if action != "delete" else {}
        if wrong:
            return "ack", f"acknowledged values not written: {wrong}"
        if kind == "update":
            clobbered = _diff(row.ib, row.ia, [f for f in CONTENT if f not in touched])
            if clobbered:
                return "update", f"changed fields it did not touch (before, after): {clobbered}"
        return None
    done = do_rows.get(entry["cmd"])
    if done is None:
        return None  # its do did not match: already reported
    if kind == "update":
        origin, target = (done.ia, done.ib) if op == "undo" else (done.ib, done.ia)
        found = _diff(origin, row.ib, touched)
        if found:
            return "update", (f"{op} found the span changed since and overwrote it "
                              f"(expected, found): {found}")
        wrong = _diff(target, row.ia, touched)
        if wrong:
            return "ack", f"{op} did not write what it acknowledged: {wrong}"
        clobbered = _diff(row.ib, row.ia, [f for f in CONTENT if f not in touched])
        if clobbered:
            return "update", f"{op} changed fields it did not touch (before, after): {clobbered}"
        return None
    if action == "delete":  # undo of a create or redo of a delete
        origin = done.ia if kind == "create" else done.ib
        found = _diff(_content(origin), _content(row.ib), CONTENT)
        if found:
            return "update", f"{op} deleted a span changed since (expected, found): {found}"
        return None
    origin = done.ib if kind == "delete" else done.ia  # re-created: exactly as it was
    wrong = _diff(origin, row.ia, SPAN_FIELDS)
    if wrong:
        return "ack", f"{op} did not restore the span as it was: {wrong}"
    return None


def _row_matches(expected: Expected, row: Row) -> bool:
    if row.entity != expected.entity or row.action != expected.action:
        return False
    if expected.entity_id is not None and row.entity_id != expected.entity_id:
        return False
    for side, want in ((row.after, expected.after), (row.before, expected.before)):
        if want and (not isinstance(side, dict) or any(side.get(k) != v for k, v in want.items())):
            return False
    if expected.span_ids is not None and frozenset(row.after["span_ids"]) != expected.span_ids:
        return False
    return True


def _check_cli(report: Report, runs: list[CliRunRecord], rows: list[Row]) -> None:
    position = 0
    for run in runs:
        command = " ".join(run.args)
        if run.killed:
            report.cli_killed += 1
        elif run.returncode != 0:
            report.other.append(f"`{command}` failed ({run.returncode}): "
                                f"{run.stderr.strip()[-300:]}")
            continue
        else:
            report.cli_ok += 1
        matched = 0
        while (matched < len(run.expect) and position + matched < len(rows)
               and _row_matches(run.expect[matched], rows[position + matched])):
            matched += 1
        if matched == len(run.expect):
            position += matched
            if run.killed and matched:
                report.cli_killed_committed += 1
        elif run.killed and matched == 0:
            pass  # killed before it committed: nothing written, as it should be
        else:
            found = rows[position + matched] if position + matched < len(rows) else None
            where = (f"history {found.id}: {found.action} {found.entity} {found.entity_id}"
                     if found else "no more rows")
            report.lost_history.append(
                f"`{command}`{' (killed)' if run.killed else ''}: {matched} of "
                f"{len(run.expect)} history rows, then {where}")
            position += matched
    if position < len(rows):
        report.lost_history.append(f"{len(rows) - position} history rows by the command line "
                                   f"that no run accounts for (first: history {rows[position].id})")


def check_project(
    path: Path,
    *,
    initial_labels: Iterable[str],
    writers: Iterable[WriterLog],
    cli_runs: Iterable[CliRunRecord] = (),
    cli_who: str = "cli",
    setup_who: str = "setup",
) -> Report:
    """Check the project at ``path`` (every writer stopped) against what was acknowledged."""
    report = Report()
    integrity, rows, spans, labels = read_project(path)
    report.integrity = integrity
    report.history_rows = len(rows)
    report.spans_final = len(spans)
    writers = list(writers)
    cli_runs = list(cli_runs)
    imported: dict[str, dict[str, Any]] = {}
    for run in cli_runs:
        imported.update(run.spans)
    by_who: dict[str, list[Row]] = {}
    for row in rows:
        by_who.setdefault(row.who, []).append(row)
    known = {log.who for log in writers} | {cli_who, setup_who}
    for who in sorted(set(by_who) - known):
        report.other.append(f"{len(by_who[who])} history rows by an unknown writer {who!r}")
    replay = _Replay(initial_labels, imported, report)
    for row in rows:
        replay.apply(row)
    for log in writers:
        report.writers += 1
        _check_writer(report, log, by_who.get(log.who, []))
    _check_cli(report, cli_runs, by_who.get(cli_who, []))
    if replay.labels != labels:
        report.wrong_state.append(f"labels: history says {sorted(replay.labels)}, the file has "
                                  f"{sorted(labels)}")
    for span_id in sorted(set(replay.spans) | set(spans)):
        want, have = replay.spans.get(span_id), spans.get(span_id)
        if want is None:
            report.wrong_state.append(f"span {span_id} ({have['annotator']}) is in the file but "
                                      f"the history deleted it or never added it")
        elif have is None:
            report.wrong_state.append(f"span {span_id} is missing from the file (last written "
                                      f"by the history as {_content(want)})")
        else:
            keys = [k for k in SPAN_FIELDS if k in want] if want.get("_partial") else SPAN_FIELDS
            wrong = _diff(want, have, keys)
            if wrong:
                report.wrong_state.append(f"span {span_id}: (history, file) {wrong}")
    return report

"""Running the multi-process scenarios: the project they share, writer processes, the CLI loop.

* :func:`make_project` creates a project with one shared document, ten spans on it and a label
  ``volatile`` that the command line renames back and forth;
* :class:`WriterProcess` runs ``mp_writer.py`` (a session) and kills it with ``SIGKILL``;
* :class:`CliLoop` runs the real command line (``python -m annotator``) one command after
  another (``labels add``, ``labels set --color/--description/--rename``, ``import`` of small
  JSONL files with spans, ``stats``) and records what each successful run must have written;
* :func:`scenario_a` (a session and the command line) and :func:`scenario_b` (two sessions on the
  same spans: one editing notes, the other labels and bounds) run one trial, for a duration or
  until one process is killed at a random moment, and return what the checker needs.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mp_checker import CliRunRecord, Expected, Report, WriterLog, check_project

from annotator.domain.labels import Label
from annotator.store import Project

HERE = Path(__file__).resolve().parent
WRITER = HERE / "mp_writer.py"
SHARED_TEXT = ("The ministry said on Monday that three missiles were launched from the east coast; "
               "officials in Seoul and Tokyo counted 3 launches, the agency quoted a spokesman. "
               "Analysts said the new weapon flew 600 km before it fell into the sea near Japan.")
VOLATILE = ("volatile", "volatile-x")
SESSION_LABELS = "claim,actor,weapon,number,volatile"
SESSION_B_LABELS = "claim,actor,weapon,number"
CLI_WHO = "cli"
KILL_DELAY = (0.05, 0.5)
#: Seconds per scenario run and kill trials per scenario; the environment can shorten them for a
#: quick local try (``ANNOTATOR_MP_SECONDS=5 ANNOTATOR_MP_TRIALS=10``).
SECONDS = float(os.environ.get("ANNOTATOR_MP_SECONDS", "30"))
TRIALS = int(os.environ.get("ANNOTATOR_MP_TRIALS", "50"))


@dataclass
class Setup:
    """The shared project: where it is, its document and its labels before any history."""

    path: Path
    document_id: int
    initial_labels: list[str]
    shared_sha256: str
    writers: list[WriterLog] = field(default_factory=list)
    cli_runs: list[CliRunRecord] = field(default_factory=list)
    cli_commands: int = 0  # numbers the command-line runs: unique names, colours, texts

    def check(self) -> Report:
        return check_project(self.path, initial_labels=self.initial_labels, writers=self.writers,
                             cli_runs=self.cli_runs, cli_who=CLI_WHO)


def make_project(path: Path) -> Setup:
    project = Project.open(path)
    try:
        initial = [label.name for label in project.labels()]
        project.add_label(Label(VOLATILE[0], "#123456", None, "renamed by the command line"),
                          who="setup")
        document, _ = project.add_document("shared.txt", SHARED_TEXT, who="setup")
        names = SESSION_B_LABELS.split(",")
        for i in range(10):
            project.add_span(document.id, 20 * i + 2, 20 * i + 8, names[i % len(names)], "setup",
                             who="setup")
    finally:
        project.close()
    return Setup(path, document.id, initial, hashlib.sha256(SHARED_TEXT.encode()).hexdigest())


def child_env(workdir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["ANNOTATOR_DATA_DIR"] = str(workdir / "data")
    env.update(extra)
    return env


class WriterProcess:
    """One ``mp_writer.py`` process."""

    def __init__(self, setup: Setup, workdir: Path, *, who: str, role: str, seed: int,
                 labels: str, reopen_every: int = 0, duration: float = 120.0) -> None:
        self.who = who
        self.log = workdir / f"{who}.log"
        self.stop_file = workdir / f"{who}.stop"
        self.stderr_path = workdir / f"{who}.stderr"
        self.killed = False
        with self.stderr_path.open("w") as stderr:
            self.proc = subprocess.Popen(
                [sys.executable, str(WRITER), "--project", str(setup.path), "--log", str(self.log),
                 "--who", who, "--role", role, "--document", str(setup.document_id),
                 "--seed", str(seed), "--labels", labels, "--stop", str(self.stop_file),
                 "--duration", str(duration), "--reopen-every", str(reopen_every)],
                stdout=subprocess.PIPE, stderr=stderr, text=True, env=child_env(workdir))
        setup.writers.append(WriterLog(who, self.log))
        self._entry = setup.writers[-1]

    def wait_ready(self) -> None:
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if line.strip() != "ready":
            self.proc.wait(timeout=30)
            raise AssertionError(f"{self.who} did not start: "
                                 f"{self.stderr_path.read_text()[-2000:]}")

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.killed = self._entry.killed = True

    def finish(self, timeout: float = 120.0) -> int:
        self.stop_file.touch()
        returncode = self.proc.wait(timeout=timeout)
        if self.proc.stdout:
            self.proc.stdout.close()
        if returncode != 0:  # reported by the checker, after it has looked at the project
            lines = self.stderr_path.read_text().strip().splitlines() or ["(no output)"]
            self._entry.failure = f"exit status {returncode}: {lines[-1]}"
        return returncode

    def close(self) -> None:
        if self.proc.poll() is None:
            self.kill()
        if self.proc.stdout:
            self.proc.stdout.close()


class CliLoop:
    """The real command line run against the project, one command after another."""

    WEIGHTS = {"stats": 18, "add": 14, "color": 14, "description": 10, "rename": 10, "import": 34}

    def __init__(self, setup: Setup, workdir: Path, *, seed: int, tag: str) -> None:
        self.setup = setup
        self.workdir = workdir
        self.rng = random.Random(seed)
        self.tag = tag
        self.env = child_env(workdir, LOGNAME=CLI_WHO, USER=CLI_WHO)
        self.sure_labels = ["claim", "actor", "weapon", "number", "source"]
        self.volatile: str | None = None  # its current name, None when a killed run left it unsure
        self.used_keys: set[tuple[int, int, str]] = set()  # CLI spans on the shared document
        self.stop = threading.Event()
        self.kill_requested = threading.Event()
        self.after_kill = threading.Event()

    # -- commands ----------------------------------------------------------------------------

    def _base(self, *words: str) -> list[str]:
        return [sys.executable, "-m", "annotator", *words, "--db", str(self.setup.path)]

    def _volatile_name(self) -> str:
        if self.volatile is None:
            conn = sqlite3.connect(str(self.setup.path))
            try:
                names = [r[0] for r in conn.execute(
                    "SELECT name FROM labels WHERE name IN (?, ?)", VOLATILE)]
            finally:
                conn.close()
            assert len(names) == 1, names
            self.volatile = names[0]
        return self.volatile

    def next_command(self) -> tuple[list[str], list[Expected], dict[str, dict[str, Any]], Any]:
        """``(argv, expected rows, imported spans, what to remember when it succeeded)``."""
        self.setup.cli_commands += 1
        n, tag, rng = self.setup.cli_commands, self.tag, self.rng
        color = f"#0a{n % 0x10000:04x}"  # never a colour the label had before
        kind = rng.choices(list(self.WEIGHTS), list(self.WEIGHTS.values()))[0]
        if kind == "stats":
            return self._base("stats"), [], {}, None
        if kind == "add":
            name = f"cli-{tag}-{n}"
            return (self._base("labels", "add", name, "--color", color, "--description",
                               f"added by run {n}"),
                    [Expected("label", "add", name, after={"name": name, "color": color})], {},
                    ("label", name))
        if kind in ("color", "description"):
            name = rng.choice(self.sure_labels)
            if kind == "color":
                return (self._base("labels", "set", name, "--color", color),
                        [Expected("label", "update", name, after={"color": color})], {}, None)
            text = f"described by {tag} run {n}"
            return (self._base("labels", "set", name, "--description", text),
                    [Expected("label", "update", name, after={"description": text})], {}, None)
        if kind == "rename":
            old = self._volatile_name()
            new = VOLATILE[1] if old == VOLATILE[0] else VOLATILE[0]
            text = f"renamed by {tag} run {n}"  # tells this run's row from any other's
            return (self._base("labels", "set", old, "--rename", new, "--description", text),
                    [Expected("label", "update", old, before={"name": old},
                              after={"name": new, "description": text})], {}, ("volatile", new))
        return self._import_command(n)

    def _import_command(self, n: int) -> tuple[list[str], list[Expected], dict[str, dict[str, Any]],
                                               Any]:
        rng = self.rng
        records, expect, spans = [], [], {}
        span_rows: list[Expected] = []
        text = (f"Command-line text {self.tag}-{n}: the agency reported {n} launches near the "
                f"border.")
        lines = [(text, None), (SHARED_TEXT, self.setup.document_id)] if rng.random() < 0.5 else [
            (text, None)]
        path = self.workdir / f"import-{self.tag}-{n}.jsonl"
        for body, document_id in lines:
            record_spans = []
            for _ in range(rng.randint(1, 3)):
                for _attempt in range(50):
                    start = rng.randrange(0, len(body) - 8)
                    end = start + rng.randint(1, 8)
                    label = rng.choice(["claim", "actor", "number"])
                    key = (start, end, label)
                    if document_id is None or key not in self.used_keys:
                        break
                if document_id is not None:
                    self.used_keys.add(key)
                if any((s["start"], s["end"], s["label"]) == key for s in record_spans):
                    continue
                span_id = uuid.uuid4().hex
                fields = {"start": start, "end": end, "label": label, "annotator": CLI_WHO,
                          "note": f"imported by {self.tag} run {n}"}
                record_spans.append({"id": span_id, **fields})
                spans[span_id] = fields
            records.append({"text": body, "name": f"cli-{self.tag}-{n}.txt", "spans": record_spans})
            sha = hashlib.sha256(body.encode()).hexdigest()
            if document_id is None:
                expect.append(Expected("document", "add", after={"sha256": sha}))
            else:  # the shared text came under this run's name: the name is kept
                expect.append(Expected("document", "add name",
                                       after={"name": f"cli-{self.tag}-{n}.txt"}))
            span_rows.append(Expected("span", "import", after={"source": str(path)},
                                      span_ids=frozenset(s["id"] for s in record_spans)))
        expect.extend(span_rows)  # documents and names first, then each record's spans
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                        encoding="utf-8")
        return (self._base("import", str(path), "--annotator", CLI_WHO), expect, spans, None)

    # -- running -----------------------------------------------------------------------------

    def run_one(self, kill_after: float | None = None) -> CliRunRecord:
        argv, expect, spans, remember = self.next_command()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=self.env)
        killed = False
        try:
            _, stderr = proc.communicate(timeout=kill_after if kill_after is not None else 180)
        except subprocess.TimeoutExpired:
            if kill_after is None:
                raise
            os.kill(proc.pid, signal.SIGKILL)
            _, stderr = proc.communicate()
            killed = True
        record = CliRunRecord(argv[3:], None if killed else proc.returncode, killed, expect,
                              stderr, spans)
        self.setup.cli_runs.append(record)
        if remember is not None:
            if killed:
                if remember[0] == "volatile":
                    self.volatile = None
            elif proc.returncode == 0:
                if remember[0] == "label":
                    self.sure_labels.append(remember[1])
                else:
                    self.volatile = remember[1]
        return record

    def run_for(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.run_one()

    def run_until_stopped(self) -> None:
        """Run commands until :attr:`stop` is set (used from a thread)."""
        while not self.stop.is_set():
            killed_before = self.kill_requested.is_set()
            self.run_one()
            if killed_before:
                self.after_kill.set()  # a whole command ran after the kill


def cli_base_delay() -> float:
    """Seconds the command line takes to start (Python and the CLI's imports), measured."""
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import annotator.cli"], check=True)
    return time.monotonic() - started


def scenario_a(setup: Setup, workdir: Path, *, seed: int, tag: str, duration: float = 0.0,
               kill: bool = False, cli_base: float = 0.0) -> dict[str, Any]:
    """A session (opening the project a second time every 25 actions) and the command line.

    Without ``kill`` both run for ``duration`` seconds. With ``kill`` one of them (seeded
    choice) is killed with SIGKILL after a random 0.05-0.5 s (for a CLI run: counted from when
    it has started, ``cli_base`` seconds after its launch), and the other goes on for a while."""
    rng = random.Random(seed)
    session = WriterProcess(setup, workdir, who=f"session-{tag}", role="session", seed=seed,
                            labels=SESSION_LABELS, reopen_every=25)
    cli = CliLoop(setup, workdir, seed=seed + 1, tag=tag)
    info: dict[str, Any] = {"victim": None}
    try:
        session.wait_ready()
        if not kill:
            cli.run_for(duration)
        elif rng.random() < 0.5:
            info["victim"] = "session"
            thread = threading.Thread(target=cli.run_until_stopped)
            thread.start()
            try:
                time.sleep(rng.uniform(*KILL_DELAY))
                session.kill()
                cli.kill_requested.set()
                cli.after_kill.wait(timeout=120)
            finally:
                cli.stop.set()
                thread.join(timeout=180)
        else:
            info["victim"] = "cli"
            while True:
                record = cli.run_one(kill_after=cli_base + rng.uniform(*KILL_DELAY))
                if record.killed:
                    break
            time.sleep(0.2)  # the session goes on after the kill
            cli.run_one()
        if not session.killed:
            session.finish()
    finally:
        session.close()
    return info


def scenario_b(setup: Setup, workdir: Path, *, seed: int, tag: str, duration: float = 0.0,
               kill: bool = False) -> dict[str, Any]:
    """Two sessions on the same spans: one edits notes, the other labels and bounds (both with
    undo and redo). With ``kill`` one is killed after a random 0.05-0.5 s; the other goes on."""
    rng = random.Random(seed)
    notes = WriterProcess(setup, workdir, who=f"notes-{tag}", role="notes", seed=seed,
                          labels=SESSION_B_LABELS)
    labels = WriterProcess(setup, workdir, who=f"labels-{tag}", role="labels", seed=seed + 1,
                           labels=SESSION_B_LABELS)
    info: dict[str, Any] = {"victim": None}
    try:
        notes.wait_ready()
        labels.wait_ready()
        if kill:
            time.sleep(rng.uniform(*KILL_DELAY))
            victim = rng.choice([notes, labels])
            victim.kill()
            info["victim"] = victim.who
            time.sleep(0.3)  # the survivor goes on after the kill
        else:
            time.sleep(duration)
        for writer in (notes, labels):
            if not writer.killed:
                writer.finish()
    finally:
        notes.close()
        labels.close()
    return info

"""A sync killed with SIGKILL, or whose connection the server drops, loses nothing: the next
sync completes the work, 0 lost and 0 duplicated, checked row by row. The syncing client is a
real ``annotator sync`` process."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from hub_helpers import TEXTS, Team, hub_spans, local_spans

from annotator.domain.spans import Span, new_span_id, now
from annotator.hub.admin import assign, publish, set_hub_setting
from annotator.hub.schema import SEE_COLLEAGUES
from annotator.hub.sync import URL_KEY, sync

# Real processes, thousands of spans, a busy shared machine: more than the default limit.
pytestmark = pytest.mark.timeout(600)

LABELS = ("actor", "claim", "number", "source", "weapon")


def _long_document(team: Team) -> str:
    """A long shared document assigned to alice and bob; returns its SHA-256."""
    with team.project(team.lead) as project, team.session(team.lead) as lead:
        doc, _ = project.add_document("long", "".join(TEXTS) * 60, who=team.lead)
        publish(lead, project)
        assign(lead, doc.sha256[:12], [team.alice, team.bob])
        set_hub_setting(lead, SEE_COLLEAGUES, True)
        return doc.sha256


def _first_sync(team: Team, who: str) -> None:
    with team.project(who) as project, team.session(who) as session:
        project.set_setting(URL_KEY, team.url(who), who=who)
        sync(project, session)


def _annotate(team: Team, who: str, sha: str, count: int, seed: int) -> None:
    """``count`` new spans in ``who``'s layer (one bulk write), then some edits and deletions."""
    rng = random.Random(seed)
    with team.project(who) as project:
        doc = project.document_by_sha256(sha)
        taken = {(s.start, s.end, s.label) for s in project.spans(doc.id, annotators=[who])}
        spans = []
        stamp = now()
        while len(spans) < count:
            start = rng.randrange(doc.length - 4)
            key = (start, start + rng.randint(1, 4), rng.choice(LABELS))
            if key in taken:
                continue
            taken.add(key)
            spans.append(Span(new_span_id(), doc.id, *key, who, None, stamp, stamp))
        project.add_spans_bulk(spans, who=who, source="test")
        for span in rng.sample(spans, 50):
            project.update_span(span.id, who=who, note="edited")
        for span in rng.sample(spans, 50):
            try:
                project.delete_span(span.id, who=who)
            except KeyError:
                pass


def _sync_process(team: Team, who: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "annotator", "--db", str(team.root / f"{who}.annotator"), "sync"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))


def _converged(team: Team, sha: str) -> None:
    admin = team.db.admin_url
    for who in (team.alice, team.bob):
        with team.project(who) as project:
            mine = local_spans(project, who)
            assert mine == hub_spans(admin, who)  # 0 lost, 0 extra, every field equal
        other = team.bob if who == team.alice else team.alice
        with team.project(who) as project:
            theirs = {k: v for k, v in local_spans(project, other).items() if v[0] == sha}
        assert theirs == {k: v for k, v in hub_spans(admin, other).items() if v[0] == sha}
    with psycopg.connect(admin) as conn:
        # nothing doubled on the hub: one row per span key
        assert conn.execute(
            'SELECT count(*) - count(DISTINCT (document_sha, start, "end", label, annotator)) '
            "FROM hub.spans").fetchone()[0] == 0


def test_kill_9_while_pushing_and_pulling(team: Team) -> None:
    sha = _long_document(team)
    for who in (team.alice, team.bob):
        _first_sync(team, who)
    rng = random.Random(13)
    killed = 0
    # ANNOTATOR_HUB_KILL_TRIALS=10 for a longer run (each trial kills a pusher and a puller)
    trials = int(os.environ.get("ANNOTATOR_HUB_KILL_TRIALS", "3"))
    low, high = 0.4, 1.4  # when to kill, after the start (seconds)
    trial = 0
    while trial < trials or (killed < 2 and trial < trials + 6):
        pusher = team.alice if trial % 2 == 0 else team.bob
        _annotate(team, pusher, sha, 4000, seed=trial)
        # kill the pusher, then the puller (the colleague), each at a random moment
        for who in (pusher, team.bob if pusher == team.alice else team.alice):
            process = _sync_process(team, who)
            wait = rng.uniform(low, high)
            time.sleep(wait)
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                killed += 1
            else:  # done within ``wait`` on this machine: kill the next ones sooner
                low, high = 0.2 * wait, 0.8 * wait
            process.communicate(timeout=60)
        trial += 1
    for who in (team.alice, team.bob, team.alice):
        done = _sync_process(team, who)
        out, err = done.communicate(timeout=120)
        assert done.returncode == 0, err
    _converged(team, sha)
    assert killed >= 2  # syncs were really interrupted (a fast machine gets sooner kills)
    print(f"kill -9 trials: {killed} syncs killed, converged")


def test_connection_terminated_by_the_server_mid_sync(team: Team) -> None:
    sha = _long_document(team)
    for who in (team.alice, team.bob):
        _first_sync(team, who)
    terminated = 0
    for trial in range(2):
        _annotate(team, team.alice, sha, 5000, seed=100 + trial)
        process = _sync_process(team, team.alice)
        with psycopg.connect(team.db.admin_url, autocommit=True) as admin:
            deadline = time.monotonic() + 60
            while process.poll() is None and time.monotonic() < deadline:
                row = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s "
                    "AND application_name = 'annotator' AND state IN ('active', "
                    "'idle in transaction') AND xact_start IS NOT NULL", [team.alice]).fetchone()
                if row and row[0]:
                    terminated += 1
                    break
                time.sleep(0.005)
        out, err = process.communicate(timeout=60)
        if process.returncode != 0:
            assert "annotator: error:" in err and "Traceback" not in err
            assert len(err.strip().splitlines()) == 1
    assert terminated >= 1
    for who in (team.alice, team.bob):
        done = _sync_process(team, who)
        _out, err = done.communicate(timeout=120)
        assert done.returncode == 0, err
    _converged(team, sha)


def test_a_dropped_pull_is_completed_by_the_next_sync(team: Team) -> None:
    sha = _long_document(team)
    for who in (team.alice, team.bob):
        _first_sync(team, who)
    _annotate(team, team.alice, sha, 5000, seed=7)
    _first_sync(team, team.alice)
    process = _sync_process(team, team.bob)
    with psycopg.connect(team.db.admin_url, autocommit=True) as admin:
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            row = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s "
                "AND application_name = 'annotator' AND xact_start IS NOT NULL",
                [team.bob]).fetchone()
            if row and row[0]:
                break
            time.sleep(0.002)
    process.communicate(timeout=60)
    done = _sync_process(team, team.bob)
    _out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    _converged(team, sha)


def test_stale_cursor_file_copy_is_harmless(team: Team, tmp_path: Path) -> None:
    """Pushing the same states twice (cursor lost after the hub committed) doubles
    nothing."""
    sha = _long_document(team)
    _first_sync(team, team.alice)
    _annotate(team, team.alice, sha, 500, seed=3)
    _first_sync(team, team.alice)
    with team.project(team.alice) as project:
        state = project.setting("hub.sync")
        project.set_setting("hub.sync", {**state, "pushed": 0, "pulled": ["0", -1]}, who="t")
    _first_sync(team, team.alice)
    _first_sync(team, team.bob)
    _converged(team, sha)


def _in_transaction(admin: psycopg.Connection, who: str) -> bool:
    """Whether ``who``'s sync has a transaction open on the server right now."""
    return admin.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE usename = %s AND application_name = "
        "'annotator' AND xact_start IS NOT NULL", [who]).fetchone()[0] > 0


def test_server_restarts_mid_sync(team: Team) -> None:
    """The server restarts (a fast shutdown: open transactions rolled back, connections
    dropped) while a real ``annotator sync`` process pushes, then while the colleague's
    pulls: ``ANNOTATOR_HUB_RESTART_TRIALS`` restarts (20), half of each. Afterwards every
    layer is equal row by row on the hub and in both projects."""
    sha = _long_document(team)
    for who in (team.alice, team.bob):
        _first_sync(team, who)
    trials = int(os.environ.get("ANNOTATOR_HUB_RESTART_TRIALS", "20"))
    mid_sync = failed = 0
    for trial in range(trials):
        pusher, puller = (team.alice, team.bob) if trial % 4 < 2 else (team.bob, team.alice)
        pushing = trial % 2 == 0
        if pushing:
            _annotate(team, pusher, sha, 1000, seed=200 + trial)
        who = pusher if pushing else puller
        process = _sync_process(team, who)
        with psycopg.connect(team.db.admin_url, autocommit=True) as admin:
            deadline = time.monotonic() + 60
            while process.poll() is None and time.monotonic() < deadline:
                if _in_transaction(admin, who):
                    break
                time.sleep(0.003)
        running = process.poll() is None
        team.db.cluster.restart()
        mid_sync += int(running)
        _out, err = process.communicate(timeout=120)
        if process.returncode != 0:
            failed += 1
            assert "annotator: error:" in err and "Traceback" not in err, err
            assert len(err.strip().splitlines()) == 1, err
    for who in (team.alice, team.bob, team.alice):
        done = _sync_process(team, who)
        _out, err = done.communicate(timeout=120)
        assert done.returncode == 0, err
    _converged(team, sha)
    assert mid_sync >= trials // 2, f"only {mid_sync} of {trials} restarts hit a running sync"
    print(f"server restarts: {trials}, {mid_sync} during a running sync, {failed} syncs "
          f"interrupted with a one-line error; converged")


def test_what_the_hub_cannot_take_yet_waits_and_goes_later(team: Team) -> None:
    from annotator.domain.labels import Label

    _first_sync(team, team.alice)
    with team.project(team.alice) as project:
        project.add_label(Label("place", "#336699", None, "a place"), who=team.alice)
        doc = project.document_by_sha256(team.shas[0])
        waiting = project.add_span(doc.id, 0, 3, "place", team.alice)
        sent = project.add_span(doc.id, 0, 3, "actor", team.alice)
    with team.project(team.alice) as project, team.session(team.alice) as session:
        report = sync(project, session)
    assert (report.pushed_spans, report.waiting) == (1, 1)
    assert set(hub_spans(team.db.admin_url, team.alice)) == {sent.id}
    with team.project(team.lead) as lp, team.session(team.lead) as lead:
        lp.add_label(Label("place", "#336699", None, "a place"), who=team.lead)
        publish(lead, lp)
    with team.project(team.alice) as project, team.session(team.alice) as session:
        report = sync(project, session)
    assert (report.pushed_spans, report.waiting) == (1, 0)
    assert set(hub_spans(team.db.admin_url, team.alice)) == {sent.id, waiting.id}

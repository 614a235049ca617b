"""kill -9 of either writer at a random moment, 100 trials (50 per scenario of
``test_two_writers``): the same guarantees after every kill.

Trials run in chains of ten on one project (each trial starts new processes on the project the
previous kill left), three chains at a time. In each trial one process, chosen with a seeded
generator, gets SIGKILL after a random 0.05-0.5 s (a command-line run: counted from the end of
its start-up); the other goes on for a while, then the whole project is checked. An action
whose acknowledgement was written must be in the file; the one a writer was killed in may or may
not be, and a killed command-line run has written all of its rows or none.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import mp_harness

CHAIN = 10
PARALLEL = 3


def _run_chains(tmp_path: Path, seed: int, trial: Callable[..., dict[str, Any]]) -> None:
    started = time.monotonic()
    chains = max(1, (mp_harness.TRIALS + CHAIN - 1) // CHAIN)

    def chain(number: int) -> dict[str, Any]:
        workdir = tmp_path / f"chain{number}"
        workdir.mkdir()
        setup = mp_harness.make_project(workdir / "shared.annotator")
        victims: Counter[str] = Counter()
        failure = None
        report = None
        for t in range(min(CHAIN, mp_harness.TRIALS - number * CHAIN)):
            info = trial(setup, workdir, seed=seed * 1000 + number * 100 + t, tag=f"t{t}")
            victims[info["victim"].split("-")[0]] += 1
            report = setup.check()
            if report.problems() and failure is None:
                failure = (f"chain {number}, trial {t} (killed {info['victim']}):\n"
                           f"{report.explain()}")
        return {"report": report, "victims": victims, "failure": failure}

    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(chain, range(chains)))
    victims = sum((r["victims"] for r in results), Counter())
    acked = sum(r["report"].acknowledged for r in results)
    committed = sum(r["report"].killed_in_flight_committed for r in results)
    cli_killed = sum(r["report"].cli_killed for r in results)
    cli_committed = sum(r["report"].cli_killed_committed for r in results)
    problems = sum((Counter(r["report"].problems()) for r in results), Counter())
    print(f"\n{sum(victims.values())} kills {dict(victims)}: {acked} actions acknowledged, "
          f"{committed} killed in-flight actions had committed, {cli_killed} CLI runs killed "
          f"({cli_committed} had committed); problems: {dict(problems) or 'none'} "
          f"({time.monotonic() - started:.1f} s)")
    failures = [r["failure"] for r in results if r["failure"]]
    assert not failures, "\n\n".join(failures[:3])


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_kill9_session_or_command_line(tmp_path: Path, cli_base: float) -> None:
    def trial(setup: mp_harness.Setup, workdir: Path, **kw: Any) -> dict[str, Any]:
        return mp_harness.scenario_a(setup, workdir, kill=True, cli_base=cli_base, **kw)

    _run_chains(tmp_path, 81, trial)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_kill9_one_of_two_sessions(tmp_path: Path) -> None:
    def trial(setup: mp_harness.Setup, workdir: Path, **kw: Any) -> dict[str, Any]:
        return mp_harness.scenario_b(setup, workdir, kill=True, **kw)

    _run_chains(tmp_path, 82, trial)

"""Whether a core is free for a worker process now.

A worker process pays for itself only on a core nobody else is using: it costs its start (a new
interpreter, its imports, its own connection to the project) and every result's trip through a
pipe, and on a machine whose cores are busy with other work it only adds that to the CPU time
everyone shares. The native export of 10,000 documents on two cores beside two other busy
processes (load average 1.6-2.1, medians of 5) took 1.53 s in one process and 2.42 s with a
worker; on a quiet machine the worker made it faster.

:func:`others_running` counts the tasks other than this process that are running or waiting for
a core: on Linux the fourth field of :data:`LOADAVG` (``running/total``, this process included,
as it is running when it reads it), read :data:`SAMPLES` times :data:`PAUSE` seconds apart;
elsewhere the 1-minute load average.
"""

from __future__ import annotations

import os
import time

__all__ = ["FREE_NEEDED", "core_free", "free_cores", "others_running"]

#: Linux's counts of runnable tasks (``/proc/loadavg``).
LOADAVG = "/proc/loadavg"
#: Readings of :data:`LOADAVG`, and the seconds between them (20 ms in all).
SAMPLES = 10
PAUSE = 0.002
#: A worker starts only when at least this much of a core is free beside this process.
FREE_NEEDED = 0.5


def others_running(samples: int = SAMPLES, pause: float = PAUSE) -> float | None:
    """How many tasks besides this process are running or waiting for a core, on average over
    ``samples`` readings of :data:`LOADAVG`; where that file cannot be read, the 1-minute load
    average; None when neither is known."""
    counts: list[int] = []
    for number in range(samples):
        if number:
            time.sleep(pause)
        try:
            with open(LOADAVG, "rb") as handle:
                running = handle.read().split()[3].split(b"/")[0]
            counts.append(int(running) - 1)
        except (OSError, IndexError, ValueError):
            break
    if counts:
        return max(0.0, sum(counts) / len(counts))
    try:
        return os.getloadavg()[0]
    except (OSError, AttributeError):
        return None


def free_cores(cores: int, others: float | None) -> float:
    """Cores free beside this process's own: ``cores - 1 - others`` (all the others when
    ``others`` is not known)."""
    return cores - 1 - (others or 0.0)


def core_free(cores: int) -> bool:
    """Whether at least :data:`FREE_NEEDED` of a core is free now beside this process."""
    return free_cores(cores, others_running()) >= FREE_NEEDED

"""Time-ordered ids made in bulk: UUIDv7 (RFC 9562) as 32 lowercase hex characters.

A span or relation id is 32 hex characters. :func:`time_ordered_ids` makes them in the layout
of a version 7 UUID: 48 bits of Unix time in milliseconds, the version nibble ``7``, 12 random
bits, the variant bits ``10`` and 62 bits that count up from a random start (RFC 9562's
"monotonic random" method). Ids made one after another in a process therefore sort in the
order they were made, so inserting them appends to the primary-key index instead of writing
all over it (the reason: random keys cost a large import one B-tree page per row), and
73 random bits per millisecond keep them unique across machines. One ``os.urandom`` call
serves a whole batch.

Ids sort as text exactly as they were made: the time and the counter are fixed-width hex. When
the clock does not move forward (the same millisecond, or set back), the next batch continues
the counter of the last one, so the order holds within a process.
"""

from __future__ import annotations

import os
import threading
import time

_VARIANT = 0b10 << 62
#: The counter starts below this, leaving at least 2**61 ids before the field is full.
_START_BITS = 61
_FIELD_END = _VARIANT | ((1 << 62) - 1)

_lock = threading.Lock()
_last_ms = -1
_head = ""
_next = 0


def _new_head(ms: int) -> None:
    global _last_ms, _head, _next
    random = int.from_bytes(os.urandom(10), "big")
    _last_ms = ms
    _head = f"{ms & ((1 << 48) - 1):012x}7{random >> 68:03x}"
    _next = _VARIANT | (random & ((1 << _START_BITS) - 1))


def time_ordered_ids(count: int) -> list[str]:
    """``count`` fresh ids (32 hex characters each, a UUIDv7's hex), in ascending order and
    after every id this process made before."""
    global _next
    if count <= 0:
        return []
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms > _last_ms:
            _new_head(ms)
        elif _next + count - 1 > _FIELD_END:  # this millisecond's counter is used up
            _new_head(_last_ms + 1)
        start, head = _next, _head
        _next = start + count
    return [head + f"{value:016x}" for value in range(start, start + count)]


class IdSource:
    """Hands out :func:`time_ordered_ids` one at a time, made ``batch`` at a time."""

    def __init__(self, batch: int = 4096) -> None:
        self.batch = batch
        self._ids: list[str] = []
        self._at = 0

    def __call__(self) -> str:
        if self._at >= len(self._ids):
            self._ids = time_ordered_ids(self.batch)
            self._at = 0
        value = self._ids[self._at]
        self._at += 1
        return value

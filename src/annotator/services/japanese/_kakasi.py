"""The one shared pykakasi converter (new API only), created lazily and used under a lock."""

from __future__ import annotations

import gc
import threading

import pykakasi

_lock = threading.Lock()
_converter: pykakasi.kakasi | None = None

#: One pykakasi item as (orig, hira, kana, hepburn).
Item = tuple[str, str, str, str]


def _new_converter() -> pykakasi.kakasi:
    """pykakasi's converter, its dictionaries (about 276,000 objects the garbage collector
    tracks) then moved out of the collector's sight with everything else alive (``gc.freeze``,
    after a collection, so that no garbage is kept): with them, each full collection took
    about 64 ms here, one of them in most searches of a common word over 100,000 documents
    (and in the window, once a search has loaded them, at any moment). Reference counting
    still frees what is frozen; only a cycle among objects alive now, broken later, stays (the
    worker processes do the same, :mod:`.parallel`)."""
    gc.collect()
    converter = pykakasi.kakasi()
    gc.freeze()
    return converter


def convert_raw(run: str) -> list[Item]:
    """Return pykakasi's items for ``run`` as (orig, hira, kana, hepburn) tuples, unchecked.

    pykakasi's output may not rebuild ``run``; callers check (see ``tokens.convert_exact``).
    pykakasi raises on some inputs (a kana followed by an ideographic variation selector):
    then the result is ``[]``, which never rebuilds a non-empty run.
    Creating the converter takes about half a second, so it is done once, on first use.
    """
    global _converter
    with _lock:
        if _converter is None:
            _converter = _new_converter()
        try:
            items = _converter.convert(run)
        except Exception:  # noqa: BLE001 - pykakasi crashes on some inputs (e.g. kana + VS)
            return []
    return [(d["orig"], d["hira"], d["kana"], d["hepburn"]) for d in items]

"""Reading a native JSON Lines file fast: each line's bytes decoded by orjson.

:func:`read_jsonl` gives what ``native.read_records(decoding.iter_utf8_lines(path))`` gives
(the same records, the same refusals with the same messages), without decoding each line to a
``str`` first and with orjson's parser (the 10,000-document corpus: 1.2-1.4 s instead of
1.3-1.7 s of CPU on a busy machine, the records' checks included). A line orjson would read
differently, or not at all, is decoded and read by
:func:`annotator.services.native.read_records` as before.

orjson reads an integer past 64 bits as a float where ``json`` keeps it an integer. Such a
float can be kept only where a record takes any JSON value: in ``meta``, in a span's ``value``
and as the record's ``id`` (which becomes its text); everywhere else the record's checks
refuse a float. So a line is read the checked way when its record holds a float in one of
those three places (a float written as one reads the same both ways), or when the fast
reading refuses it (the checked one then says why, in its own words). Looking for a run of 19
digits in the raw bytes instead (``bytes.translate`` to zeros and a search) cost a copy of
every line: with the surrogate-escape search, 0.15 s of CPU against 0.12 s for the
10,000-document corpus's lines (best of 5), about 0.4 s for the 100,000-document one.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from operator import attrgetter
from pathlib import Path
from typing import Any

import orjson

from annotator.domain.errors import DataError
from annotator.services.decoding import check_regular_file
from annotator.services.native import ParsedRecord, parse_record, read_records

#: A surrogate escape, which strict UTF-8 JSON decoding by orjson would not read as
#: :func:`annotator.services.native.load_json_line` does (checked after decoding): a line with
#: one is read the checked way. Searched for only in a line with ``\\u`` in it.
_SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")
_ESCAPE = b"\\u"
#: Bytes read from the file at a time (the default 8 KiB is one system call per line or two).
_READ_BUFFER = 1 << 20


def iter_byte_lines(path: Path) -> Iterator[tuple[int, int, bytes]]:
    """``(line number, byte offset, line)`` of a file, one line at a time as bytes (line end
    kept; a leading UTF-8 BOM removed, the offset counting it)."""
    check_regular_file(path)
    try:
        handle = path.open("rb", buffering=_READ_BUFFER)
    except OSError as exc:
        raise DataError(f"cannot read the file ({exc.strerror or exc})", path=str(path)) from None
    offset = 0
    with handle:
        for number, raw in enumerate(handle, start=1):
            at = offset
            offset += len(raw)
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
                at += len(codecs.BOM_UTF8)
            yield number, at, raw


def read_jsonl(lines: Iterable[tuple[int, int, bytes]], path: str) -> Iterator[ParsedRecord]:
    """The records of a UTF-8 JSON Lines file from :func:`iter_byte_lines`: what
    ``read_records(iter_utf8_lines(...))`` gives, faster. orjson decodes each line's bytes
    (checking the UTF-8 itself); a line it refuses, or one with a surrogate escape or a number past 64 bits,
    is decoded and read as :func:`read_records` reads it, which skips it when blank and
    otherwise names what is wrong with it, exactly as before."""
    loads, fast_error = orjson.loads, orjson.JSONDecodeError
    surrogate, escape = _SURROGATE_ESCAPE_BYTES.search, _ESCAPE
    for number, at, raw in lines:
        if escape not in raw or surrogate(raw) is None:
            try:
                value = loads(raw)
            except fast_error:
                pass
            else:
                try:
                    record = parse_record(value, path, number)
                except DataError:
                    pass  # the checked reading below says what is wrong, as it always did
                else:
                    if not _may_hold_a_long_integer(value, record):
                        yield record
                        continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : max(exc.end, exc.start + 1)]
            raise DataError(f"not valid UTF-8: {'byte' if len(bad) == 1 else 'bytes'} "
                            f"{bad.hex(' ')} at offset {at + exc.start} ({exc.reason}); JSON "
                            f"Lines files must be UTF-8 (or pass --encoding NAME)",
                            path=path, line=number) from None
        yield from read_records([(number, line.rstrip("\r\n") if line.endswith("\n")
                                  else line)], path)


def _may_hold_a_long_integer(value: dict[str, Any], record: ParsedRecord) -> bool:
    """Whether a record read by orjson holds a float where a record keeps any value (its
    ``meta``, a span's ``value``, its ``id``): there, an integer past 64 bits would have been
    read as a float (see the module docstring)."""
    if type(value.get("id")) is float:
        return True
    if record.meta and _holds_float(record.meta):
        return True
    for span_value in filter(None, map(_VALUE, record.spans)):
        if _holds_float(span_value):
            return True
    return False


_VALUE = attrgetter("value")


def _holds_float(value: Any) -> bool:
    """Whether a JSON value has a float anywhere in it (without recursion: orjson reads up to
    1,024 levels)."""
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is float:
            return True
        if kind is dict:
            pending.extend(item.values())
        elif kind is list:
            pending.extend(item)
    return False

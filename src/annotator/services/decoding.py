"""Decode a text file's bytes exactly, or refuse it with the file's name and line.

What is taken without guessing:

* a byte-order mark: UTF-8 (``utf-8-sig``), UTF-16 LE/BE (``utf-16``), UTF-32 LE/BE
  (``utf-32``);
* bytes that are valid UTF-8 (plain ASCII included);
* ISO-2022-JP: seven-bit text with its escape sequences (``ESC $ B`` ...), which would otherwise
  pass as UTF-8 with escape characters in it.

Anything else goes to a maintained detector (charset-normalizer), which rates how plausible each
decoding is. Only these legacy encodings are chosen by detection: Shift_JIS (``cp932``), EUC-JP,
GB18030 (GB2312, GBK), Big5 and Western European (``cp1252``; reported as ``latin-1`` when the
file has no byte in 0x80-0x9F, where the two agree). A file is refused, with the candidates named
and a hint to pass ``--encoding NAME``, when

* two of those encodings fit about equally well and give different texts (``日本語`` alone is
  both valid Shift_JIS and valid GB18030), or
* another encoding (Korean, Cyrillic, Central European, ...) fits clearly better, or
* nothing fits.

Among Latin code pages that the detector rates alike (``cp1252``, ``cp1250``, ``cp1257`` on
French text), ``cp1252`` is taken: it is the one Western European files use.

Nothing is ever stored altered: every decoding is strict and must round-trip (the text encoded
again gives back the file's bytes), so a file whose bytes no text stands for exactly (a UTF-8
file holding an encoded surrogate, ``ED A0 80``) is refused with its line. The text is returned
as decoded; canonicalisation is the caller's job.
"""

from __future__ import annotations

import codecs
import logging
import os
import re
import stat
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from annotator.domain.errors import DataError
from annotator.store.fsinfo import file_kind

_ALLOWED_CONTROLS = set("\t\n\r\f\v\x1b")

#: The encodings detection may choose, as Python codec names, in the order that breaks exact
#: ties between identical decodings (the first one names the result).
DETECTED = ("cp932", "euc_jp", "gb18030", "big5", "cp1252")
#: Display names of the encodings (what an import reports).
DISPLAY = {
    "utf_8": "utf-8", "utf_8_sig": "utf-8-sig", "utf_16": "utf-16", "utf_32": "utf-32",
    "cp932": "cp932", "euc_jp": "euc-jp", "iso2022_jp": "iso-2022-jp", "gb18030": "gb18030",
    "big5": "big5", "cp1252": "cp1252", "latin_1": "latin-1",
}
#: Encodings offered by name (the import dialog's list; any Python text codec is accepted).
COMMON_ENCODINGS = ("utf-8", "utf-16", "cp932", "euc-jp", "iso-2022-jp", "gb18030", "big5",
                    "cp1252", "latin-1", "euc-kr", "cp1251", "cp1250", "iso-8859-15")
#: How much worse (charset-normalizer's "mess" ratio, 0..1) a decoding may be than the best one
#: and still count as a tie.
TIE = 0.02
_ISO2022_ESCAPES = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b(I", b"\x1b$(D")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf_32"), (codecs.BOM_UTF32_BE, "utf_32"),  # before UTF-16 LE
    (codecs.BOM_UTF8, "utf_8_sig"),
    (codecs.BOM_UTF16_LE, "utf_16"), (codecs.BOM_UTF16_BE, "utf_16"),
)
_DETECTOR_LOG = logging.getLogger("charset_normalizer")
_HIGH_BYTES = bytes(range(0x80, 0x100))
_CP1252_ONLY = re.compile(b"[\x80-\x9f]")  # where cp1252 and latin-1 differ


class EncodingError(DataError):
    """The encoding of a text file cannot be told for sure; ``candidates`` are the codec names
    (display form, best first) worth offering, possibly none. Passing one as ``encoding``
    decodes the file without detection."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 candidates: list[str] | None = None) -> None:
        super().__init__(message, path=path, line=line)
        self.candidates = list(dict.fromkeys(candidates or []))


@dataclass(frozen=True)
class Candidate:
    """One decoding the detector found plausible."""

    encoding: str  # Python codec name
    mess: float  # charset-normalizer's chaos ratio: 0 clean, 1 garbage
    coherence: float = 0.0  # how well the text fits a language it knows: 0..1

    @property
    def shown(self) -> str:
        return DISPLAY.get(self.encoding, self.encoding.replace("_", "-"))


def encoding_name(name: str) -> str:
    """The Python codec name of ``name``, or :class:`DataError` when it is not a text encoding
    (``--encoding NAME``: ``cp932``, ``Shift_JIS``, ``latin-1``, ``utf-8`` ...)."""
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        raise DataError(f"unknown encoding {name!r} (e.g. utf-8, cp932, euc-jp, iso-2022-jp, "
                        f"gb18030, big5, cp1252, latin-1)") from None
    if not getattr(info, "_is_text_encoding", True):
        raise DataError(f"{name!r} is not a text encoding")
    return info.name.replace("-", "_")


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _encode(text: str, encoding: str, data: bytes) -> bytes:
    """``text`` encoded as the file had it (the BOM of a UTF-16/32 file in its byte order)."""
    if encoding in ("utf_16", "utf_32"):
        order = "le" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF32_LE)) else "be"
        width = encoding[-2:]
        bom = data[: 2 if width == "16" else 4]
        return bom + text.encode(f"utf_{width}_{order}")
    return text.encode(encoding)


def _strict(data: bytes, encoding: str, path: str) -> str:
    """Decode strictly and check the round trip; :class:`DataError` naming the line if not."""
    shown = DISPLAY.get(encoding, encoding)
    skip = len(codecs.BOM_UTF8) if encoding == "utf_8_sig" and data.startswith(
        codecs.BOM_UTF8) else 0  # the utf-8-sig codec counts offsets after its BOM
    try:
        text = data[skip:].decode("utf_8") if skip else data.decode(encoding)
    except UnicodeDecodeError as exc:
        exc.start, exc.end = exc.start + skip, exc.end + skip
        bad = data[exc.start : max(exc.end, exc.start + 1)]
        raise DataError(f"not valid {shown}: {'byte' if len(bad) == 1 else 'bytes'} {bad.hex(' ')} at offset {exc.start} "
                        f"({exc.reason})", path=path, line=_line_of(data, exc.start)) from None
    try:
        again = _encode(text, encoding, data)
    except UnicodeEncodeError as exc:
        again = None
        where = len(text[: exc.start].encode(encoding, "replace"))
    if again != data:
        if again is not None:
            where = next((i for i, (a, b) in enumerate(zip(again, data)) if a != b),
                         min(len(again), len(data)))
        raise DataError(f"decoding as {shown} does not give back the file's bytes (at offset "
                        f"{where}): the text cannot be stored exactly; nothing was imported",
                        path=path, line=_line_of(data, where))
    return text


def _utf8_problem(data: bytes, error: UnicodeDecodeError, path: str) -> DataError | None:
    """The refusal for a file that is UTF-8 apart from a few bad bytes, or None when it does not
    look like UTF-8 (then a legacy encoding is detected)."""
    line = _line_of(data, error.start)
    bad = data[error.start : error.start + 3]
    try:
        data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        pass
    else:  # UTF-8 but for encoded surrogates (CESU-8, or a lone surrogate)
        return DataError(f"UTF-8 holding an encoded surrogate (bytes {bad.hex(' ')} at offset "
                         f"{error.start}), which is not a character; nothing was imported",
                         path=path, line=line)
    # Bytes in valid multi-byte UTF-8 sequences, against all non-ASCII bytes: about 1 for a
    # UTF-8 file with a damaged byte, at most 0.55 for the legacy CJK texts measured (EUC-JP
    # pairs are often valid 2-byte UTF-8 by chance), 0 for Latin-1.
    replaced = data.decode("utf-8", "replace")
    non_ascii = len(data) - len(data.translate(None, _HIGH_BYTES))
    valid = len(replaced.encode("utf-8")) - replaced.count("\ufffd") * 3 - (len(data) - non_ascii)
    valid += data.count("\ufffd".encode()) * 3  # U+FFFD written in the file itself
    if valid >= 6 and valid >= 0.9 * non_ascii:
        bad = data[error.start : max(error.end, error.start + 1)]
        return EncodingError(f"not valid UTF-8: {'byte' if len(bad) == 1 else 'bytes'} {bad.hex(' ')} at offset "
                             f"{error.start} ({error.reason}), though the rest of the file is "
                             f"UTF-8; nothing was imported (if the file is in another encoding, "
                             f"pass --encoding NAME)", path=path, line=line)
    return None


def _ranked(data: bytes, isolation: list[str] | None) -> list[Candidate]:
    from charset_normalizer import from_bytes  # imported on first use: the CLI starts faster

    level = _DETECTOR_LOG.level
    try:
        matches = from_bytes(data, cp_isolation=isolation)
    finally:
        _DETECTOR_LOG.setLevel(level)
    return [Candidate(m.encoding, float(m.chaos), float(m.coherence)) for m in matches]


_NON_ASCII = re.compile("[^\x00-\x7f]")
_KANA = re.compile("[\u3041-\u30ff]")
# Greek, Cyrillic, box drawing, half-width katakana, private use: what the wrong Japanese codec
# makes of kana.
_OFF_SCRIPT = re.compile("[\u0370-\u052f\u2500-\u257f\uff61-\uff9f\ue000-\uf8ff]")
_SAMPLE = 200_000  # characters looked at to decide (the whole text is still decoded strictly)


def _japanese(readings: dict[str, str]) -> str | None:
    """The Japanese codec whose reading is unmistakably Japanese prose, or None.

    The detector's ratings are unreliable on a sentence or two of Japanese (it often rates
    Korean or Thai code pages better). Japanese prose is about half kana, which no Chinese,
    Korean or Western text is; and the wrong Japanese codec turns kana into half-width
    katakana, Greek, Cyrillic or box drawing. So a reading with at least a fifth of its
    non-ASCII characters full-width kana and hardly any of those is taken, when it is the only
    one (an EUC-JP file read as GB18030 shows the same kana rows, so only Japanese codecs count).
    """
    found = []
    for encoding in ("cp932", "euc_jp"):
        text = readings.get(encoding)
        if text is None:
            continue
        sample = text[:_SAMPLE]
        wide = len(_NON_ASCII.findall(sample))
        if not wide:
            continue
        kana = len(_KANA.findall(sample))
        odd = len(_OFF_SCRIPT.findall(sample))
        if kana * 5 >= wide and odd * 50 <= wide:
            found.append(encoding)
    return found[0] if len(found) == 1 else None


def _latin_alternative(text: str) -> bool:
    """True when every non-ASCII character of ``text`` is a Latin letter, digit, symbol or
    punctuation mark: another Latin code page's reading of a Western European file."""
    for char in text:
        if ord(char) >= 0x80:
            if unicodedata.category(char)[0] == "L" and not unicodedata.name(char, "").startswith(
                    "LATIN"):
                return False
            if unicodedata.category(char) in {"Cc", "Cn", "Co"}:
                return False
    return True


def _hint(candidates: list[str]) -> str:
    example = candidates[0] if candidates else "cp932"
    return f"pass --encoding NAME (e.g. --encoding {example}) if you know the file's encoding"


def detect(data: bytes, path: str) -> tuple[str, str]:
    """``(text, codec)`` of legacy-encoded bytes (no BOM, not UTF-8); see the module docstring."""
    readings: dict[str, str] = {}  # codec -> strict, round-tripping text
    inexact: dict[str, str] = {}  # codecs that decode strictly but do not give the bytes back
    for encoding in DETECTED:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        try:
            exact = text.encode(encoding) == data
        except UnicodeEncodeError:
            exact = False
        (readings if exact else inexact)[encoding] = text
    japanese = _japanese({**readings, **inexact})
    if japanese is not None:
        if japanese in inexact:  # Japanese, but the text cannot be stored exactly
            _strict(data, japanese, path)
        return readings[japanese], japanese
    ours = {c.encoding: c for c in _ranked(data, list(DETECTED))}
    ours = {name: c for name, c in ours.items() if name in readings}
    everything = _ranked(data, None)
    if not ours:
        rated = {c.encoding for c in everything}
        if inexact:
            rated |= {c.encoding for c in _ranked(data, list(inexact))}
        for encoding in inexact:
            if encoding in rated:  # the right codec, but the text cannot be stored exactly
                _strict(data, encoding, path)
        seen = [c.shown for c in everything[:4]]
        looks = f"; it looks like {' or '.join(seen)}" if seen else ""
        raise EncodingError(f"cannot tell the file's encoding: it is neither UTF-8 nor one of "
                            f"Shift_JIS (cp932), EUC-JP, ISO-2022-JP, GB18030, Big5, "
                            f"cp1252/latin-1{looks}; {_hint(seen)}", path=path, candidates=seen)
    best = min(ours.values(), key=lambda c: c.mess)
    tied = [c for c in ours.values() if c.mess <= best.mess + TIE]
    distinct = {readings[c.encoding] for c in tied}
    if len(distinct) > 1:
        names = [c.shown for c in sorted(tied, key=lambda c: (c.mess, DETECTED.index(c.encoding)))]
        raise EncodingError(f"the encoding is ambiguous: the file reads as plausible text in "
                            f"{', '.join(names)} (different texts); {_hint(names)}", path=path,
                            candidates=names)
    chosen = min(tied, key=lambda c: DETECTED.index(c.encoding))
    text = readings[chosen.encoding]
    for other in everything:  # does an encoding we never choose fit clearly better?
        if other.mess > chosen.mess + TIE:
            break
        if other.mess + TIE >= chosen.mess and other.coherence < chosen.coherence + 0.2:
            continue  # a tie, and no better fit to a language: ours wins
        try:
            reading = data.decode(other.encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if reading == text:
            continue
        if chosen.encoding == "cp1252" and _latin_alternative(reading):
            continue
        names = [other.shown, chosen.shown]
        raise EncodingError(f"the file looks like {other.shown} rather than {chosen.shown} (an "
                            f"encoding not detected automatically); {_hint(names)}", path=path,
                            candidates=names)
    if chosen.encoding == "cp1252" and _CP1252_ONLY.search(data) is None:
        return text, "latin_1"  # the two agree on every byte the file has
    return text, chosen.encoding


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    controls = sum(1 for c in text[:65536] if ord(c) < 32 and c not in _ALLOWED_CONTROLS)
    return controls > 0 and controls * 100 > len(text[:65536])


def _iso2022(data: bytes) -> bool:
    return b"\x1b" in data and any(escape in data for escape in _ISO2022_ESCAPES)


def decode_bytes(data: bytes, path: str, encoding: str | None = None) -> tuple[str, str]:
    """Return ``(text, encoding name)`` for a text file's bytes or raise :class:`DataError`.

    ``encoding`` (any Python text codec name) skips detection; the decoding is still strict and
    must round-trip. The text is returned as decoded (a UTF-8 BOM is dropped by the codec);
    canonicalisation is the caller's job.
    """
    if encoding is not None:
        codec = encoding_name(encoding)
        text = _strict(data, codec, path)
    else:
        text, codec = _detected(data, path)
    if _looks_binary(text):
        raise DataError("binary file (it contains NUL bytes or many control characters), not "
                        "text", path=path)
    return text, DISPLAY.get(codec, codec.replace("_", "-"))


def _detected(data: bytes, path: str) -> tuple[str, str]:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _strict(data, codec, path), codec
    if b"\x00" in data:
        hint, order = _utf16_hint(data)
        if order:
            raise EncodingError("binary file (it contains NUL bytes), not text" + hint,
                                path=path, candidates=[f"utf-16-{order}"])
        raise DataError("binary file (it contains NUL bytes), not text", path=path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = _utf8_problem(data, exc, path)
        if problem is not None:
            raise problem from None
        return detect(data, path)
    if _iso2022(data):
        return _strict(data, "iso2022_jp", path), "iso2022_jp"
    return text, "utf_8"


def _utf16_hint(data: bytes) -> tuple[str, str]:
    """A hint, and the byte order, when the NUL bytes look like UTF-16 without its byte-order
    mark (every other byte zero, as ASCII and Latin text in UTF-16 is); else two empty
    strings."""
    sample = data[:65536]
    even, odd = sample[0::2], sample[1::2]
    for zeros, other, order in ((odd, even, "le"), (even, odd, "be")):
        if zeros and other and zeros.count(0) * 10 >= len(zeros) * 4 and \
                other.count(0) * 20 <= len(other):
            return (f"; if it is UTF-16 without a byte-order mark, pass --encoding "
                    f"utf-16-{order}"), order
    return "", ""


def check_regular_file(path: Path, what: str = "file") -> os.stat_result:
    """Refuse (:class:`DataError`) a path that is not a regular file, without opening it:
    a FIFO would block a reader forever, a device never ends, a symlink loop cannot be read."""
    try:
        info = os.stat(path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if isinstance(exc, FileNotFoundError):
            reason = "no such file"
        raise DataError(f"cannot read the {what} ({reason})", path=str(path)) from None
    except ValueError as exc:  # an embedded NUL byte
        raise DataError(f"not a usable path ({exc})", path=str(path)) from None
    if stat.S_ISDIR(info.st_mode):
        raise DataError(f"is a folder, not a {what}", path=str(path))
    if not stat.S_ISREG(info.st_mode):
        raise DataError(f"is a {file_kind(info.st_mode)}, not a regular {what}", path=str(path))
    return info


def read_bytes(path: Path, what: str = "file") -> bytes:
    """The bytes of a regular file (anything else refused before it is opened)."""
    check_regular_file(path, what)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read the {what} ({exc.strerror or exc})", path=str(path)) from None


def read_text_file(path: Path, encoding: str | None = None) -> tuple[str, str]:
    """Read and decode a text file (see :func:`decode_bytes`)."""
    return decode_bytes(read_bytes(path), str(path), encoding)


def read_utf8_file(path: Path, encoding: str | None = None) -> tuple[str, str]:
    """Read a JSON Lines file: UTF-8 (a BOM allowed), as JSON requires, unless ``encoding``.

    No detection: a JSONL file that is not UTF-8 is refused with the line of the first bad
    byte."""
    data = read_bytes(path)
    if encoding is not None:
        return decode_bytes(data, str(path), encoding)
    codec = "utf_8_sig" if data.startswith(codecs.BOM_UTF8) else "utf_8"
    try:
        return data.decode(codec), DISPLAY[codec]
    except UnicodeDecodeError as exc:
        bad = data[exc.start : max(exc.end, exc.start + 1)]
        raise DataError(f"not valid UTF-8: {'byte' if len(bad) == 1 else 'bytes'} {bad.hex(' ')} at offset {exc.start} "
                        f"({exc.reason}); JSON Lines files must be UTF-8 (or pass --encoding "
                        f"NAME)", path=str(path), line=_line_of(data, exc.start)) from None


def iter_utf8_lines(path: Path, encoding: str | None = None) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` of a JSON Lines file, read one line at a time (memory: one
    line, never the file): UTF-8 with an optional BOM, each line decoded strictly, a bad byte
    refused with its line and offset. With ``encoding`` the lines are decoded with that codec
    instead (an ASCII-compatible one; UTF-16/32 files are read whole, as :func:`read_utf8_file`
    does). Line ends are not part of the line."""
    check_regular_file(path)
    if encoding is not None and encoding_name(encoding).startswith(("utf_16", "utf_32")):
        text, _used = read_utf8_file(path, encoding)
        for number, line in enumerate(text.split("\n"), start=1):
            yield number, line
        return
    codec = "utf_8" if encoding is None else encoding_name(encoding)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise DataError(f"cannot read the file ({exc.strerror or exc})", path=str(path)) from None
    offset = 0
    with handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
                offset = len(codecs.BOM_UTF8)
            try:
                line = raw.decode(codec)
            except UnicodeDecodeError as exc:
                bad = raw[exc.start : max(exc.end, exc.start + 1)]
                shown = "UTF-8" if encoding is None else DISPLAY.get(codec, codec)
                hint = ("; JSON Lines files must be UTF-8 (or pass --encoding NAME)"
                        if encoding is None else "")
                raise DataError(f"not valid {shown}: {'byte' if len(bad) == 1 else 'bytes'} {bad.hex(' ')} at offset "
                                f"{offset + exc.start} ({exc.reason}){hint}",
                                path=str(path), line=number) from None
            offset += len(raw)
            yield number, line.rstrip("\r\n") if line.endswith("\n") else line

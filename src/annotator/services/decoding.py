"""Decode a text file's bytes: UTF-8 (with or without BOM), UTF-16 with BOM, Shift_JIS (cp932)
or EUC-JP, detected; anything binary or undecodable is refused with the file's name and line.
"""

from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path

from annotator.domain.errors import DataError

_ALLOWED_CONTROLS = set("\t\n\r\f\v\x1b")


def _score_japanese(text: str) -> float:
    """Higher for text that looks like ordinary Japanese; used to choose cp932 vs EUC-JP."""
    score = 0.0
    for char in text:
        code = ord(char)
        if 0x3040 <= code <= 0x30FF or 0x4E00 <= code <= 0x9FFF or 0x3000 <= code <= 0x303F:
            score += 1
        elif 0xFF61 <= code <= 0xFF9F:  # half-width katakana: what the wrong codec tends to give
            score -= 1
        elif code >= 0xE000 and code <= 0xF8FF:  # private use
            score -= 2
        elif code < 0x80:
            continue
        elif unicodedata.category(char) in {"Co", "Cn", "Cc"}:
            score -= 2
    return score


def _first_bad_line(data: bytes, error: UnicodeDecodeError) -> int:
    return data.count(b"\n", 0, error.start) + 1


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    controls = sum(1 for c in text[:65536] if ord(c) < 32 and c not in _ALLOWED_CONTROLS)
    return controls > 0 and controls * 100 > len(text[:65536])


def decode_bytes(data: bytes, path: str) -> tuple[str, str]:
    """Return ``(text, encoding name)`` for a text file's bytes or raise :class:`DataError`.

    The text is returned as decoded (a UTF-8 BOM is dropped by the codec); canonicalisation is
    the caller's job.
    """
    if data.startswith(codecs.BOM_UTF8):
        unicode_encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        unicode_encoding = "utf-16"
    elif b"\x00" in data:
        raise DataError("binary file (it contains NUL bytes), not text", path=path)
    else:
        unicode_encoding = "utf-8"
    decoded: list[tuple[str, str]] = []
    try:
        decoded.append((data.decode(unicode_encoding), unicode_encoding))
    except UnicodeDecodeError as exc:
        unicode_error = exc
        if unicode_encoding == "utf-8":  # no BOM: one of the Japanese legacy encodings?
            for encoding in ("cp932", "euc-jp"):
                try:
                    decoded.append((data.decode(encoding), encoding))
                except UnicodeDecodeError:
                    pass
        if not decoded:
            raise DataError(
                f"cannot decode as UTF-8, UTF-16 (with BOM), Shift_JIS (cp932) or EUC-JP "
                f"(as {unicode_encoding}: invalid byte at offset {unicode_error.start})",
                path=path,
                line=_first_bad_line(data, unicode_error),
            ) from None
    if len(decoded) == 1:  # only the legacy candidates need choosing between
        text, encoding = decoded[0]
    else:
        text, encoding = max(decoded, key=lambda pair: _score_japanese(pair[0]))
    if _looks_binary(text):
        raise DataError("binary file (too many control characters), not text", path=path)
    return text, encoding


def read_text_file(path: Path) -> tuple[str, str]:
    """Read and decode a text file (see :func:`decode_bytes`)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read the file ({exc.strerror or exc})", path=str(path)) from exc
    return decode_bytes(data, str(path))

"""What several exchange formats share: tokens, CJK joining, layers and small conversions.

**Tokens** (:func:`tokenize`), used where a format needs tokens and the document carries none
(CoNLL export, spaCy DocBin export): white space separates tokens and is never part of one;
every CJK character (kana, kanji including the astral extensions such as 𠮷, CJK punctuation,
full-width forms such as ＣＮＮ, one token per letter) is a token of its own, as is every other character that is neither a letter
nor a digit (punctuation, symbols, emoji); a run of letters and digits of other scripts
(``Putin``, ``2023``) is one token. Combining marks, variation selectors (U+FE0F,
U+E0100–E01EF), zero-width joiners and emoji modifiers stay with the character before them, so
a token never splits a character from its marks. The project's reading-aid tokens (pykakasi)
would give Japanese words, but at about 70,000 characters a second they would make an export
of a large corpus take minutes; character tokens for CJK are what Japanese NER corpora
commonly use and cost almost nothing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from annotator.domain.errors import DataError

#: CJK characters: CJK punctuation, kana, Bopomofo, CJK unified ideographs and extensions
#: (BMP and astral), compatibility ideographs, full-width and half-width forms.
CJK_CLASS = ("\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf"
             "\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff")
_CJK = re.compile(f"[{CJK_CLASS}]")
#: What attaches to the character before it.
MARKS = ("\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u0610-\u061a\u064b-\u065f\u0900-\u0903"
         "\u093a-\u094f\u1ab0-\u1aff\u1dc0-\u1dff\u200c\u20d0-\u20ff\u3099\u309a\ufe00-\ufe0f"
         "\ufe20-\ufe2f\uff9e\uff9f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f"
         "\U000e0100-\U000e01ef")
_MARK_RUN = f"(?:[{MARKS}]|\u200d[^\\s])*"
#: A letter/digit run of a non-CJK script, or one other non-space character; marks attached.
_TOKEN = re.compile(
    f"(?:(?![{CJK_CLASS}])[^\\W_]{_MARK_RUN})+"
    f"|[^\\s]{_MARK_RUN}"
)
_TRAILING_MARKS = re.compile(f"(?:[{MARKS}\u200d])+$")
#: :data:`_TOKEN` with a first alternative for the common case of Japanese text, a CJK
#: character (not the ideographic space U+3000) with no mark after it: the same tokens
#: (a test compares them), about twice as fast on CJK text.
_FAST_TOKEN = re.compile(f"[{CJK_CLASS.replace(chr(0x3000) + '-', chr(0x3001) + '-')}]"
                         f"(?![{MARKS}\u200d])|" + _TOKEN.pattern)


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Token ``(start, end)`` code-point ranges of ``text[start:end]`` (module docstring)."""
    return [m.span() for m in _FAST_TOKEN.finditer(text, start,
                                                   len(text) if end is None else end)]


def is_cjk(char: str) -> bool:
    """True when ``char`` (one character) is a CJK character (:data:`CJK_CLASS`)."""
    return _CJK.match(char) is not None


def last_base(token: str) -> str:
    """The last character of ``token`` that is not a mark (``𠮷`` of ``𠮷\\U000E0100``)."""
    stripped = _TRAILING_MARKS.sub("", token)
    return stripped[-1] if stripped else token[-1]


def join_space(previous: str, following: str, join: str) -> str:
    """What goes between two tokens when a text is rebuilt from them: ``join`` "none" gives
    nothing, "space" one space, "auto" nothing between two CJK tokens (the last character of
    ``previous`` and the first of ``following`` both CJK) and one space otherwise."""
    if join == "none":
        return ""
    if join == "space":
        return " "
    return "" if is_cjk(last_base(previous)) and is_cjk(following[0]) else " "


_HEX32 = re.compile(r"[0-9a-fA-F]{32}")


def guid(hex_id: str | None = None) -> str:
    """A GUID (``8-4-4-4-12`` hex, lower case) from a 32-hex span id, or a fresh one."""
    if hex_id is not None and _HEX32.fullmatch(hex_id):
        h = hex_id.lower()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return str(uuid.uuid4())


def span_id_of_guid(value: str | None) -> str | None:
    """The 32-hex span id of a GUID (braces and dashes removed), or None if it is not one."""
    if not value:
        return None
    bare = value.strip("{}").replace("-", "").lower()
    return bare if re.fullmatch(r"[0-9a-f]{32}", bare) else None


def choose_layer(annotators: Iterable[str], layer: str | None, chosen: list[str] | None) -> str:
    """The one annotator whose spans a single-layer format writes: ``layer`` when given, else
    the only one selected (``--annotator``) or present; several and none chosen: refused with
    the list."""
    present = sorted(set(annotators))
    if layer is not None:
        if layer not in present:
            raise DataError(f"--layer {layer!r}: no spans by that annotator (annotators: "
                            f"{', '.join(present) or 'none'})")
        return layer
    if chosen and len(chosen) == 1:
        return chosen[0]
    if len(present) > 1:
        raise DataError("this format holds one annotator's spans and the selection has "
                        f"{len(present)}: {', '.join(present)}; choose one with --layer NAME")
    return present[0] if present else ""


def bump(counter: dict[str, int], reason: str, n: int = 1) -> None:
    """``counter[reason] += n`` (a ``lost`` or ``not_kept`` dictionary)."""
    if n:
        counter[reason] = counter.get(reason, 0) + n


#: Why an export leaves a relation out: an end span is not written.
DROPPED_RELATION_END = "its head or tail span is not in the selection"


def documents_with_relations(project: Any, filters: Any, progress: Any,
                             dropped: dict[str, int] | None = None, *, size: int = 200
                             ) -> Iterator[tuple[Any, str, list[tuple[Any, ...]], list[str],
                                                 list[Any]]]:
    """``(document, text, span rows, further names, relations)`` of the selection, the
    relations (:class:`annotator.domain.relations.Relation`, by creation time) read with one
    query per ``size`` documents (:meth:`Project.relations_by_document`).

    A relation is given only when both its spans are among the document's selected rows: one
    whose end is filtered out (``--label``), or was deleted by another writer between the
    reads, is counted in ``dropped`` under :data:`DROPPED_RELATION_END` (reason -> relations;
    :func:`note_dropped` reports them), never written dangling."""
    from annotator.services.exporting import iter_chunks

    annotators = filters.annotators or None
    buffer: list[tuple[Any, str, list[tuple[Any, ...]], list[str]]] = []

    def flush() -> Iterator[tuple[Any, str, list[tuple[Any, ...]], list[str], list[Any]]]:
        if not buffer:
            return
        by_document = project.relations_by_document(buffer[0][0].id, buffer[-1][0].id,
                                                    annotators=annotators)
        for document, text, rows, names in buffer:
            relations = by_document.get(document.id, [])
            if relations:
                ids = {row[0] for row in rows}
                kept = [r for r in relations if r.head in ids and r.tail in ids]
                if dropped is not None:
                    bump(dropped, DROPPED_RELATION_END, len(relations) - len(kept))
                relations = kept
            yield document, text, rows, names, relations
        buffer.clear()

    for item in iter_chunks(project, filters, progress):
        buffer.append(item)
        if len(buffer) >= size:
            yield from flush()
    yield from flush()


def row_attributes(row: tuple[Any, ...]) -> dict[str, Any]:
    """The attribute values of a span row (``{}`` when none)."""
    import json

    return json.loads(row[10]) if len(row) > 10 and row[10] else {}


def new_span_id() -> str:
    """A fresh span id (32 hex characters), for spans a format names only by a local id
    (brat ``T3``, a doccano entity number) so that relations can point at them."""
    return uuid.uuid4().hex


def note_dropped(report: Any, dropped: dict[str, int], noun: str) -> None:
    """Report what an export left out that is not a span (relations, attribute values):
    ``N relations not written: REASON`` among the export's notes."""
    from annotator.services.wording import counted

    for reason, count in dropped.items():
        if count:
            report.notes.append(f"{counted(count, noun)} not written: {reason}")


def note_not_carried(project: Any, report: Any, document_ids: Iterable[int], values: int,
                     fmt: str) -> None:
    """Say what a format without relations or attributes leaves out: the relations of the
    exported documents and the spans' attribute values (``values``)."""
    from annotator.services.wording import counted

    counts = project.relation_counts()
    relations = sum(counts.get(document_id, 0) for document_id in document_ids)
    if relations:
        report.notes.append(f"{counted(relations, 'relation')} not written: {fmt} has no "
                            f"relations")
    if values:
        report.notes.append(f"{counted(values, 'span attribute value')} not written: {fmt} has "
                            f"no span attributes")

"""spaCy DocBin (``.spacy``): every span in ``doc.spans["sc"]``, unambiguous ones in ``doc.ents``.

spaCy is an optional dependency (``pip install 'annotator[spacy]'``), imported only when this
format is used; without it this format alone is refused with that advice. No language model is
needed: documents are built from the project's own tokens over a bare :class:`spacy.vocab.Vocab`.

**Offsets.** spaCy's character offsets (``Span.start_char``, ``end_char``, ``Doc.char_span``)
index the Python string ``doc.text``: code points, as the project's.

**Writing.** One ``Doc`` per document, ``doc.text`` equal to the stored text: tokens are the
document's CoNLL tokens when it came from a CoNLL file, else
:func:`annotator.services.formats._common.tokenize` (a token per CJK character, white space
and punctuation elsewhere); white space other than one space after a token becomes a
white-space token, as spaCy's own tokenizer does. Every selected span (all annotators) goes
into ``doc.spans["sc"]`` with ``label_`` its label, aligned to tokens by
``ExportOptions.align`` as ``Doc.char_span``'s ``alignment_mode`` means it (computed from the
token offsets, which is several times faster than asking spaCy per span): "strict" leaves out
a span whose ends are not token boundaries (counted in ``lost``), "expand" widens it to the
tokens it touches, "contract" narrows it to the tokens inside it (both counted in ``lost`` as
changed; a span inside one token cannot be contracted and is left out). ``doc.ents`` holds the spans that overlap no span
of another range or label (one entity where several annotators marked the same range and
label): entities cannot overlap. What a ``Doc`` cannot hold on a span is kept in
``doc.user_data["annotator"]`` (DocBin ``store_user_data=True``): the document's name, id and
further names, and per span of ``doc.spans["sc"]``, in order, ``[start, end, label,
annotator, id, note, created_at, updated_at, value as JSON or None]`` with the project's
offsets.

**Reading.** Every span of every span group (``doc.spans[key]``) and every entity
(``doc.ents``) becomes a span; an entity with the range and label of a span already read is
the same mention and is not read twice. With our ``user_data`` the spans of ``"sc"`` get back
their annotator, id, note, times and value; others take the import's annotator. A span
without a label is not kept (counted); token annotations (tags, lemmas, parses) and document
categories have no place in the project and are not read.
"""

from __future__ import annotations

import json
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.domain.errors import DataError
from annotator.domain.text import canonical_offset, canonicalise, removed_positions, sha256_text
from annotator.services.decoding import read_bytes
from annotator.services.formats import ExportOptions, ImportOptions
from annotator.services.formats._common import bump, documents_with_names
from annotator.services.formats.conll import _tokens_of
from annotator.services.native import ParsedRecord, ParsedSpan

ALIGNS = ("strict", "expand", "contract")
USER_KEY = "annotator"
SPAN_GROUP = "sc"
LOST_STRICT = "not on token boundaries (--align strict leaves it out)"
LOST_EXPANDED = "not on token boundaries (written widened to whole tokens, --align expand)"
LOST_CONTRACTED = "not on token boundaries (written narrowed to whole tokens, --align contract)"
LOST_INSIDE = "inside one token (--align contract cannot narrow it)"
NOT_KEPT_NO_LABEL = "spaCy span without a label"


def _spacy() -> Any:
    try:
        import spacy  # noqa: F401
        from spacy.tokens import Doc, DocBin, Span
        from spacy.vocab import Vocab
    except ImportError:
        raise DataError("the spaCy format needs spaCy, which is not installed: pip install "
                        "'annotator[spacy]' (or pip install spacy)") from None
    return Doc, DocBin, Vocab, Span


# -- recognising ------------------------------------------------------------------------------

def sniff(path: Path, head: bytes) -> bool:
    """A DocBin: zlib-compressed msgpack with spaCy's keys (``version``, ``attrs``,
    ``tokens``)."""
    if not head or head[0] != 0x78:
        return False
    try:
        data = zlib.decompressobj().decompress(head, 4096)
    except zlib.error:
        return False
    return (len(data) > 2 and (0x80 <= data[0] <= 0x8F or data[0] in (0xDE, 0xDF))
            and b"\xa5attrs" in data[:512] and b"\xa6tokens" in data)


# -- writing ----------------------------------------------------------------------------------

def _words(text: str, tokens: list[tuple[int, int]]
           ) -> tuple[list[str], list[bool], list[int], list[int]]:
    """spaCy ``words`` and ``spaces`` whose Doc text is exactly ``text``, with each word's
    start and end offset (code points)."""
    words: list[str] = []
    spaces: list[bool] = []
    starts: list[int] = []
    ends: list[int] = []

    def gap(position: int, upto: int) -> None:
        if position == upto:
            return
        if words and text[position] == " " and not spaces[-1]:
            spaces[-1] = True
            position += 1
        if position < upto:
            words.append(text[position:upto])
            spaces.append(False)
            starts.append(position)
            ends.append(upto)

    position = 0
    for start, end in tokens:
        gap(position, start)
        words.append(text[start:end])
        spaces.append(False)
        starts.append(start)
        ends.append(end)
        position = end
    gap(position, len(text))
    return words, spaces, starts, ends


def _aligned(start: int, end: int, starts: list[int], ends: list[int], align: str,
             first_of: dict[int, int], last_of: dict[int, int]) -> tuple[int, int] | None:
    """The tokens ``[i, j)`` a span covers under ``align``, as ``Doc.char_span``'s alignment
    modes mean it: "strict" both ends on token boundaries, "expand" every token the span
    touches, "contract" every token wholly inside it; None when there are none."""
    if align == "strict":
        i, j = first_of.get(start), last_of.get(end)
        return None if i is None or j is None or i > j else (i, j + 1)
    if align == "expand":
        i, j = bisect_right(ends, start), bisect_left(starts, end) - 1
    else:
        i, j = bisect_left(starts, start), bisect_right(ends, end) - 1
    return None if i > j else (i, j + 1)


def export(project: Any, output: Path | None, filters: Any, options: ExportOptions,
           progress: Any) -> Any:
    """Write a ``.spacy`` DocBin (module docstring)."""
    from annotator.services.exporting import ExportReport, atomic_output

    if output is None:
        raise DataError("the spaCy export writes a binary .spacy file: give -o FILE")
    align = options.align
    if align not in ALIGNS:
        raise DataError(f"unknown --align {align!r} (choose {', '.join(ALIGNS)})")
    Doc, DocBin, Vocab, Span = _spacy()
    vocab = Vocab()
    # Only what the Doc holds: the words, their spaces and the entities (spans are stored as
    # span groups); the default attributes (tags, lemmas, parses...) would all be empty.
    docbin = DocBin(attrs=["ORTH", "SPACY", "ENT_IOB", "ENT_TYPE"], store_user_data=True)
    report = ExportReport(format="spacy", path=str(output))
    lost = report.lost
    changed = LOST_EXPANDED if align == "expand" else LOST_CONTRACTED
    missing = LOST_INSIDE if align == "contract" else LOST_STRICT
    for document, text, spans, names in documents_with_names(project, filters, progress):
        words, spaces, starts, ends = _words(text, _tokens_of(document.meta, text))
        doc = Doc(vocab, words=words, spaces=spaces)
        if doc.text != text:  # a bug, never bad data: refuse to write a wrong file
            raise DataError(f"document {document.name!r}: the spaCy tokens do not rebuild its text")
        first_of = {offset: index for index, offset in enumerate(starts)}
        last_of = {offset: index for index, offset in enumerate(ends)}
        group, extra = [], []
        keyed: dict[tuple[int, int, str], Any] = {}
        for span in spans:
            tokens = _aligned(span.start, span.end, starts, ends, align, first_of, last_of)
            if tokens is None:
                bump(lost, missing)
                continue
            i, j = tokens
            made = Span(doc, i, j, label=span.label)
            key = (starts[i], ends[j - 1], span.label)
            if key[:2] != (span.start, span.end):
                bump(lost, changed)
            group.append(made)
            keyed.setdefault(key, made)
            extra.append([span.start, span.end, span.label, span.annotator, span.id, span.note,
                          span.created_at, span.updated_at,
                          None if span.value is None else json.dumps(span.value,
                                                                     ensure_ascii=False)])
        doc.spans[SPAN_GROUP] = group
        doc.ents = _entities(keyed)
        doc.user_data[USER_KEY] = {"name": document.name, "id": document.uid,
                                   "names": names, "spans": extra}
        docbin.add(doc)
        report.documents += 1
        report.spans += len(group)
    data = docbin.to_bytes()
    with atomic_output(Path(output), report) as handle:
        handle.flush()
        handle.buffer.write(data)
    return report


def _entities(keyed: dict[tuple[int, int, str], Any]) -> list[Any]:
    """Of the spans by ``(start, end, label)``, those that overlap no span of another range
    or label (one per range and label)."""
    keys = sorted(keyed)
    kept = []
    reach = -1  # the furthest end of the keys before this one
    for index, key in enumerate(keys):
        after = keys[index + 1][0] if index + 1 < len(keys) else None
        if reach <= key[0] and (after is None or after >= key[1]):
            kept.append(keyed[key])
        reach = max(reach, key[1])
    return kept


# -- reading ----------------------------------------------------------------------------------

def read(path: Path, options: ImportOptions, report: Any) -> Iterator[ParsedRecord]:
    """The documents of a ``.spacy`` file (module docstring)."""
    _Doc, DocBin, Vocab, _Span = _spacy()
    not_kept = report.not_kept if report is not None else {}
    data = read_bytes(path)
    shown = str(path)
    try:
        docs = list(DocBin().from_bytes(data).get_docs(Vocab()))
    except Exception as exc:  # zlib, msgpack or spaCy's own errors: all mean "not a DocBin"
        raise DataError(f"not a spaCy DocBin file ({type(exc).__name__}: {exc})"[:300],
                        path=shown) from None
    for number, doc in enumerate(docs, start=1):
        yield _record(doc, number, path, options, not_kept)


def _record(doc: Any, number: int, path: Path, options: ImportOptions,
            not_kept: dict[str, int]) -> ParsedRecord:
    raw = doc.text
    removed = removed_positions(raw)
    text = canonicalise(raw)
    ours = doc.user_data.get(USER_KEY) if isinstance(doc.user_data, dict) else None
    ours = ours if isinstance(ours, dict) else {}
    extra = list(ours.get("spans") or [])
    spans: list[ParsedSpan] = []
    seen: set[tuple[int, int, str]] = set()

    def add(start: int, end: int, label: str, info: Any = None) -> None:
        if not label:
            bump(not_kept, NOT_KEPT_NO_LABEL)
            return
        s, e = canonical_offset(start, removed), canonical_offset(end, removed)
        if s >= e:
            raise DataError(f"document {number}: span [{start}, {end}) covers nothing of the "
                            f"stored text", path=str(path), line=number)
        span = ParsedSpan(s, e, label, number, annotator=options.annotator)
        if info is not None:
            span.annotator = _str(info[3]) or options.annotator
            span.id, span.note = _str(info[4]), _str(info[5])
            span.created_at, span.updated_at = _str(info[6]), _str(info[7])
            if isinstance(info[8], str):
                try:
                    value = json.loads(info[8])
                except ValueError:
                    value = None
                span.value = value if isinstance(value, dict) else None
        spans.append(span)
        seen.add((start, end, label))

    for key in doc.spans:
        group = list(doc.spans[key])
        mine = key == SPAN_GROUP and len(extra) == len(group) and all(
            isinstance(info, (list, tuple)) and len(info) == 9
            and tuple(info[:3]) == (s.start_char, s.end_char, s.label_)
            for info, s in zip(extra, group, strict=True))
        for index, span in enumerate(group):
            add(span.start_char, span.end_char, span.label_, extra[index] if mine else None)
    for ent in doc.ents:
        if (ent.start_char, ent.end_char, ent.label_) not in seen:
            add(ent.start_char, ent.end_char, ent.label_)
    name = _str(ours.get("name")) or f"{path.name}:{number}"
    names = [n for n in ours.get("names") or [] if isinstance(n, str) and n]
    record = ParsedRecord(text=text, sha256=sha256_text(text), line=number, name=name,
                          uid=_str(ours.get("id")), spans=spans)
    if names and hasattr(record, "names"):
        record.names = names
    return record


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None

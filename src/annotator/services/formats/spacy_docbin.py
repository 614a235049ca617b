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
import struct
import tempfile
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from annotator.domain.errors import DataError
from annotator.domain.text import canonical_offset, canonicalise, removed_positions, sha256_text
from annotator.services.decoding import read_bytes
from annotator.services.formats import ExportOptions, ImportOptions
from annotator.services.formats._common import bump, note_not_carried, row_attributes
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


#: spaCy's token attribute ids (``spacy.attrs``) of the columns written: ORTH, ENT_IOB, ENT_TYPE.
_ATTRS = ("ORTH", "ENT_IOB", "ENT_TYPE")
_IOB_B, _IOB_I, _IOB_O = 3, 1, 2


def export(project: Any, output: Path | None, filters: Any, options: ExportOptions,
           progress: Any) -> Any:
    """Write a ``.spacy`` DocBin (module docstring).

    The DocBin is written as spaCy's ``DocBin.to_bytes`` writes it (zlib-compressed msgpack:
    the token columns ORTH, ENT_IOB and ENT_TYPE, the spaces, the strings, the serialised
    span groups and user data), but built straight from the project's rows instead of
    through a ``Doc`` per document and ``DocBin.add``, which make a Python object for every
    token (several times slower than the rest of the export together); spaCy reads it back
    with ``DocBin().from_bytes`` into the same documents (a test compares them with spaCy's
    own path). Memory holds one document: each one's columns go to unnamed temporary files
    beside the output as it is read (:class:`_Spools`) and are copied into the compressed
    msgpack at the end (10,000 documents, 37 million tokens: 0.2 GB, where building the
    message whole took 4.7 GB). A DocBin keeps every token in one msgpack ``bin``, at most
    4 GB (about 178 million tokens): a larger selection is refused, the output untouched,
    before any document is tokenized when a lower bound of its tokens already passes
    (:func:`_refuse_early`), else as its tokens pass."""
    from annotator.services.exporting import ExportReport, atomic_output, check_output, iter_chunks

    if output is None:
        raise DataError("the spaCy export writes a binary .spacy file or a folder of them: give "
                        "-o FILE.spacy or -o FOLDER")
    align = options.align
    if align not in ALIGNS:
        raise DataError(f"unknown --align {align!r} (choose {', '.join(ALIGNS)})")
    _Doc, _DocBin, Vocab, _Span = _spacy()
    import numpy
    import srsly
    from spacy.attrs import IDS

    strings_store = Vocab().strings
    add = strings_store.add
    attrs = sorted(IDS[name] for name in _ATTRS)
    report = ExportReport(format="spacy", path=str(output))
    lost = report.lost
    changed = LOST_EXPANDED if align == "expand" else LOST_CONTRACTED
    missing = LOST_INSIDE if align == "contract" else LOST_STRICT
    exported: list[int] = []
    values = 0
    pack = struct.Struct(">QQQllll").pack
    # One packer for every message (srsly.msgpack_dumps makes one per call, looking up its
    # encoders each time, which cost more than the packing).
    packer = srsly.msgpack.Packer(use_bin_type=True)
    packb = packer.pack

    def built() -> Iterator[_Built]:
        nonlocal values
        for document, text, rows, names in iter_chunks(project, filters, progress):
            words, spaces, starts, ends = _words(text, _tokens_of(document.meta, text))
            if "".join(w + " " if sp else w for w, sp in zip(words, spaces)) != text:
                # a bug, never bad data: refuse to write a wrong file
                raise DataError(f"document {document.name!r}: the spaCy tokens do not rebuild its text")
            count = len(words)
            exported.append(document.id)
            values += sum(len(row_attributes(row)) for row in rows if len(row) > 10 and row[10])
            first_of = {offset: index for index, offset in enumerate(starts)}
            last_of = {offset: index for index, offset in enumerate(ends)}
            packed, extra = [], []
            keyed: dict[tuple[int, int, str], tuple[int, int]] = {}
            labels: set[str] = set()
            for row in rows:
                span_id, _doc, start, end, label, annotator, note, created, updated, value = row[:10]
                tokens = _aligned(start, end, starts, ends, align, first_of, last_of)
                if tokens is None:
                    bump(lost, missing)
                    continue
                i, j = tokens
                key = (starts[i], ends[j - 1], label)
                if key[:2] != (start, end):
                    bump(lost, changed)
                packed.append(pack(0, 0, add(label), i, j, key[0], key[1]))
                keyed.setdefault(key, (i, j))
                labels.add(label)
                extra.append([start, end, label, annotator, span_id, note, created, updated,
                              value])  # the stored JSON text, or None
            iob = [_IOB_O] * count
            kind = [0] * count
            for (_s, _e, label), (i, j) in _entities(keyed):
                iob[i] = _IOB_B
                hashed = add(label)
                kind[i] = hashed
                for k in range(i + 1, j):
                    iob[k] = _IOB_I
                    kind[k] = hashed
            orth = [add(w) for w in words]
            columns = {IDS["ORTH"]: orth, IDS["ENT_IOB"]: iob, IDS["ENT_TYPE"]: kind}
            table = numpy.empty((count, len(attrs)), dtype="uint64")
            for index, attr in enumerate(attrs):
                table[:, index] = columns[attr]
            group = packb({"name": SPAN_GROUP, "attrs": {}, "spans": packed})
            yield _Built(count, table.tobytes("C"),
                         numpy.asarray(spaces, dtype=bool).tobytes("C"),
                         packb(packb({group: [SPAN_GROUP]})),
                         packb(packb({USER_KEY: {"name": document.name, "id": document.uid,
                                                 "names": names, "spans": extra}})),
                         labels.union(words))
            report.documents += 1
            report.spans += len(packed)

    out = Path(output)
    if _writes_folder(out):
        _write_parts(out, built(), packer, attrs, report)
    else:
        check_output(out)
        _refuse_early(project, filters, 8 * len(attrs))
        with _Spools(out) as spool:
            for item in built():
                spool.add(item)
            with atomic_output(out, report) as handle:
                handle.flush()
                _write_docbin(handle.buffer, packer, spool, attrs)
    note_not_carried(project, report, exported, values, "a spaCy DocBin")
    return report


#: Why a selection is refused as one file (its length in documents is filled in).
TOO_LARGE = ("the selection is too large for one spaCy DocBin: after {documents:,} documents its "
             "tokens pass the 4 GB a DocBin can hold; give -o a folder, which gets the corpus "
             "as several .spacy files (spaCy reads a folder of them as one corpus), or export "
             "fewer documents at a time (--document)")
#: Documents per file of a folder export (each also stays under a DocBin's 4 GB of tokens).
PART_DOCUMENTS = 10_000


def _refuse_early(project: Any, filters: Any, token_bytes: int) -> None:
    """Refuse (:data:`TOO_LARGE`) a selection whose tokens surely pass a DocBin's 4 GB before
    any document is tokenized, from a bound never above their real number
    (:mod:`.spacy_tokens_bound`); a selection that fits is never refused here (those that the
    bound does not tell are refused as their tokens pass, :meth:`_Spools.add`)."""
    from annotator.services.exporting import check_filter, selected_ids
    from annotator.services.formats.spacy_tokens_bound import documents_past

    check_filter(project, filters)  # a wrong filter is told first, as ever
    ids = selected_ids(project, filters.documents)
    past = documents_past(project, ids, filters, _BIN_MAX // token_bytes)
    if past is not None:
        raise DataError(TOO_LARGE.format(documents=past))


class _Built(NamedTuple):
    """A document as a DocBin lists it: its token count, token columns and spaces (bytes),
    its span group and user data (each packed as a msgpack ``bin`` item), and the strings it
    uses (its words and labels)."""

    count: int
    tokens: bytes
    spaces: bytes
    group: bytes
    user_data: bytes
    strings: set[str]


def _writes_folder(output: Path) -> bool:
    """Whether ``-o`` names a folder (one that exists, or a name without a suffix): the
    corpus is written as several ``.spacy`` files in it."""
    return output.is_dir() or not output.suffix


def _write_parts(output: Path, documents: Iterator[_Built], packer: Any, attrs: list[int],
                 report: Any) -> None:
    """Write ``documents`` into the folder ``output`` as ``part-00000.spacy``, ... of
    :data:`PART_DOCUMENTS` documents each, a part closed early before its tokens would pass a
    DocBin's 4 GB (the folder written beside it and renamed into place, as every folder
    export)."""
    from annotator.services.exporting import atomic_folder

    with atomic_folder(output, "spacy") as folder:
        spool: _Spools | None = None
        parts = 0

        def finish(spool: _Spools) -> None:  # a failed write: atomic_folder's refusal
            nonlocal parts
            with open(folder / f"part-{parts:05d}.spacy", "xb") as handle:
                _write_docbin(handle, packer, spool, attrs)
            parts += 1

        try:
            for item in documents:
                if spool is not None and (len(spool.lengths) >= PART_DOCUMENTS
                                          or not spool.fits(item)):
                    finish(spool)
                    spool.close()
                    spool = None
                if spool is None:
                    spool = _Spools(output, folder).open()
                spool.add(item)
            if spool is not None:
                finish(spool)
        finally:
            if spool is not None:
                spool.close()
    if parts > 1:
        report.notes.append(f"written as {parts} .spacy files in {output.name}")


#: The largest ``bin`` of msgpack (bin 32): a DocBin's tokens are one.
_BIN_MAX = 2**32 - 1
#: Bytes copied at a time from a spool into the compressor.
_COPY = 1 << 20


class _Spools:
    """A DocBin being written: four unnamed temporary files in ``folder`` (beside ``output``
    unless given; removed when closed, and by the system if the process dies) holding what a
    DocBin lists per document as it is read (the token columns, the spaces, the span groups and
    the user data, each item already packed as msgpack), the documents' token counts and the
    strings they use, so that memory holds one document, not the corpus."""

    def __init__(self, output: Path, folder: Path | None = None) -> None:
        self.output = output
        self.folder = output.parent if folder is None else folder
        self.lengths = array("i")
        self.strings: set[str] = {""}

    def open(self) -> _Spools:
        try:
            self.tokens, self.spaces, self.groups, self.user_data = (
                tempfile.TemporaryFile(dir=self.folder) for _ in range(4))
        except OSError as exc:
            raise DataError(f"cannot write the export ({exc.strerror or exc})",
                            path=str(self.output)) from None
        return self

    def __enter__(self) -> _Spools:
        return self.open()

    def fits(self, item: _Built) -> bool:
        """Whether the tokens stay within a DocBin's 4 GB with ``item`` added."""
        return self.tokens.tell() + len(item.tokens) <= _BIN_MAX

    def add(self, item: _Built) -> None:
        """Add a document; a write that fails (a full disk) refuses the export, as do tokens
        past a DocBin's 4 GB (:data:`TOO_LARGE`)."""
        if not self.fits(item):
            raise DataError(TOO_LARGE.format(documents=len(self.lengths) + 1))
        try:
            self.tokens.write(item.tokens)
            self.spaces.write(item.spaces)
            self.groups.write(item.group)
            self.user_data.write(item.user_data)
        except OSError as exc:
            raise DataError(f"cannot write the export ({exc.strerror or exc}); nothing was "
                            f"written", path=str(self.output)) from None
        self.lengths.append(item.count)
        self.strings.update(item.strings)

    def close(self) -> None:
        for spool in (self.tokens, self.spaces, self.groups, self.user_data):
            spool.close()

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _write_docbin(out: Any, packer: Any, spool: _Spools, attrs: list[int]) -> None:
    """The DocBin ``DocBin.to_bytes`` writes (zlib-compressed msgpack of ``version``,
    ``attrs``, ``tokens``, ``spaces``, ``lengths``, ``strings``, ``cats``, ``flags``,
    ``span_groups`` and ``user_data``, in that order), compressed as it is written: the
    columns are copied from the spools a megabyte at a time."""
    packb = packer.pack
    # Level 1: the msgpack compresses well even so, in a fraction of the default's time.
    compressor = zlib.compressobj(1)
    write = out.write

    def put(data: bytes) -> None:
        write(compressor.compress(data))

    def copy(source: Any) -> None:
        source.seek(0)
        while chunk := source.read(_COPY):
            put(chunk)

    def bin_of(source: Any) -> None:
        size = source.seek(0, 2)
        put(b"\xc4" + size.to_bytes(1, "big") if size < 2**8 else
            b"\xc5" + size.to_bytes(2, "big") if size < 2**16 else b"\xc6" + size.to_bytes(4, "big"))
        copy(source)

    def repeated(item: bytes) -> None:
        put(packer.pack_array_header(count))
        for at in range(0, count, 65536):
            put(item * min(65536, count - at))

    lengths, strings = spool.lengths, spool.strings
    count = len(lengths)
    put(packer.pack_map_header(10))
    put(packb("version") + packb("0.1") + packb("attrs") + packb(attrs) + packb("tokens"))
    bin_of(spool.tokens)
    put(packb("spaces"))
    bin_of(spool.spaces)
    put(packb("lengths") + packb(lengths.tobytes()) + packb("strings") + packb(sorted(strings))
        + packb("cats"))
    repeated(packb({}))
    put(packb("flags"))
    repeated(packb({"has_unknown_spaces": False}))
    for name, source in (("span_groups", spool.groups), ("user_data", spool.user_data)):
        put(packb(name) + packer.pack_array_header(count))
        copy(source)
    write(compressor.flush())


def _entities(keyed: dict[tuple[int, int, str], Any]) -> list[tuple[tuple[int, int, str], Any]]:
    """Of the spans by ``(start, end, label)``, those that overlap no span of another range
    or label (one per range and label), as ``(key, value)``."""
    keys = sorted(keyed)
    kept = []
    reach = -1  # the furthest end of the keys before this one
    for index, key in enumerate(keys):
        after = keys[index + 1][0] if index + 1 < len(keys) else None
        if reach <= key[0] and (after is None or after >= key[1]):
            kept.append((key, keyed[key]))
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

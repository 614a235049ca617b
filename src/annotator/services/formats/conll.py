"""CoNLL token/tag columns: IOB2 written; IOB1, IOB2, IOE, BIOES (and BILOU) read.

A file holds one token per line with its tag in a column (tab-separated when the line holds a
tab, else white-space separated; the tag column is the last unless
``ImportOptions.conll_tag_column`` says otherwise, the token is always the first column), a
blank line between sentences and ``-DOCSTART-`` lines between documents. Tags are ``O`` or
``P-label`` with ``P`` one of B, I, E, S (and L, U as in BILOU).

**Reading.** The text is rebuilt from the tokens: a sentence's tokens are joined by
``ImportOptions.conll_join`` ("auto": nothing between two CJK tokens, one space otherwise;
"space"; "none"), sentences by ``\\n``. ``ImportOptions.conll_document`` decides what is a
document: "docstart" (the default; each ``-DOCSTART-`` section, the whole file when it has
none), "file" or "sentence". The token boundaries are kept in the document's ``meta`` as
``conll_tokens`` (a flat list of code-point offsets ``[start0, end0, start1, end1, ...]``), so
that exporting the document again gives the same tokens and tags whatever the join rule.

Tag sequences are read leniently, one rule for every scheme: ``B-X``/``S-X``/``U-X`` start a
span (``S``/``U`` also end it); ``I-X`` continues a span of label X, and anywhere else (after
``O``, at a sentence start, after a span of another label) starts one, as IOB1 and IOE mean it
and as seqeval reads strict-IOB2 errors; ``E-X``/``L-X`` end a span of label X, and anywhere
else are a one-token span; ``O``, a blank line and ``-DOCSTART-`` end any span. Refused with
the line number: a line with one column (a truncated file), a tag that is not ``O`` or
``P-label``, an empty token, a line whose number of columns differs from the first token
line's.

**Writing** (IOB2, ``token\\ttag``). One annotator's spans (``ExportOptions.layer``; when the
selection has several annotators and none is chosen the export is refused with their names);
the other annotators' spans are counted in ``lost``. Tokens: the document's ``conll_tokens``
when it came from a CoNLL file, else :func:`annotator.services.formats._common.tokenize`
(character tokens for CJK, white space and punctuation elsewhere). A line of text is a
sentence. IOB2 holds one span per token, so of overlapping spans the longest (most tokens) is
kept, on a tie the one that starts first, then the first in the project's order; the others
are counted in ``lost``. A span whose ends are not on token boundaries is written widened to
the tokens it touches (counted in ``lost`` as widened, since it comes back wider); a span that
crosses a line break, or covers only white space, is counted in ``lost``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from annotator.domain.errors import DataError
from annotator.domain.text import canonicalise, clean_name, sha256_text
from annotator.services.decoding import iter_utf8_lines
from annotator.services.formats import ExportOptions, ImportOptions
from annotator.services.formats._common import (bump, choose_layer, join_space,
                                                note_not_carried, row_attributes, tokenize)
from annotator.services.native import ParsedRecord, ParsedSpan

_TAG = re.compile(r"O|([BIESLU])-(\S(?:.*\S)?)")
DOCSTART = "-DOCSTART-"
_NEWLINE = re.compile("\n")
JOINS = ("auto", "space", "none")
DOCUMENTS = ("docstart", "file", "sentence")
META_TOKENS = "conll_tokens"

LOST_LAYER = "another annotator's layer (CoNLL holds one; choose it with --layer)"
LOST_OVERLAP = "overlaps a longer span (IOB2 holds one span per token)"
LOST_WIDENED = "not on token boundaries (written widened to whole tokens)"
LOST_LINE = "crosses a line break (a CoNLL sentence ends there)"
LOST_SPACE = "covers only white space (no token)"


# -- recognising ------------------------------------------------------------------------------

def sniff(path: Path, head: bytes) -> bool:
    """CoNLL-like: the first lines are ``token<white space>...tag`` with IOB-style tags (at
    least two, one of them not ``O``), or ``-DOCSTART-``; only the last line may be cut short
    (a truncated file, which the importer then refuses with its line); a plain text or JSON
    never is."""
    if not head or path.is_dir():
        return False
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            return False
        text = head[: exc.start].decode("utf-8-sig", "ignore")
    lines = text.split("\n")
    if len(head) >= 65536:
        lines = lines[:-1]  # possibly cut
    content = [raw.rstrip("\r") for raw in lines[:200] if raw.strip()]
    tagged = seen = 0
    for number, line in enumerate(content):
        columns = line.split("\t") if "\t" in line else line.split()
        if columns[0] == DOCSTART:
            continue
        if len(columns) < 2 or not _TAG.fullmatch(columns[-1]) or not columns[0]:
            if number == len(content) - 1 and seen >= 2:
                break  # a truncated last line: the importer says where
            return False
        seen += 1
        tagged += columns[-1] != "O"
    return seen >= 2 and tagged >= 1


# -- reading ----------------------------------------------------------------------------------

class _Document:
    __slots__ = ("parts", "length", "tokens", "spans", "line")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.tokens: list[int] = []
        self.spans: list[ParsedSpan] = []
        self.line = 0


def read(path: Path, options: ImportOptions, report: Any) -> Iterator[ParsedRecord]:
    """The documents of a CoNLL file (module docstring)."""
    join, mode, column = options.conll_join, options.conll_document, options.conll_tag_column
    if join not in JOINS:
        raise DataError(f"unknown CoNLL join {join!r} (choose {', '.join(JOINS)})")
    if mode not in DOCUMENTS:
        raise DataError(f"unknown CoNLL document rule {mode!r} (choose {', '.join(DOCUMENTS)})")
    shown = str(path)
    name, _changes = clean_name(path.name)
    name = name or "conll"
    columns_expected: int | None = None
    document = _Document()
    sentence: list[tuple[str, str, int]] = []
    count = 0

    def finish_sentence() -> None:
        if not sentence:
            return
        if document.parts:
            document.parts.append("\n")
            document.length += 1
        else:
            document.line = sentence[0][2]
        base = len(document.tokens) // 2
        previous = None
        for token, _tag, _line in sentence:
            if previous is not None:
                gap = join_space(previous, token, join)
                if gap:
                    document.parts.append(gap)
                    document.length += len(gap)
            document.tokens.append(document.length)
            document.parts.append(token)
            document.length += len(token)
            document.tokens.append(document.length)
            previous = token
        for first, last, label, line in _decode(sentence):
            document.spans.append(ParsedSpan(document.tokens[2 * (base + first)],
                                             document.tokens[2 * (base + last) + 1],
                                             label, line, annotator=options.annotator))
        sentence.clear()

    def finish_document() -> ParsedRecord | None:
        nonlocal document, count
        finish_sentence()
        if not document.parts:
            return None
        text = "".join(document.parts)
        if canonicalise(text) != text:
            raise DataError("a token holds a byte-order mark or a line separator (U+2028/U+2029)"
                            ", which the project stores differently", path=shown,
                            line=document.line)
        count += 1
        record = ParsedRecord(
            text=text, sha256=sha256_text(text), line=document.line,
            name=name if mode == "file" else f"{name}:{document.line}",
            meta={META_TOKENS: document.tokens}, spans=document.spans)
        document = _Document()
        return record

    for number, line in _lines(path, options.encoding):
        if not line.strip():
            finish_sentence()
            if mode == "sentence":
                record = finish_document()
                if record is not None:
                    yield record
            continue
        columns = line.split("\t") if "\t" in line else line.split()
        if columns[0].strip() == DOCSTART:
            if mode != "file":
                record = finish_document()
                if record is not None:
                    yield record
            else:
                finish_sentence()
            continue
        if len(columns) < 2:
            raise DataError(f"a token line needs a token and a tag, got {line.strip()!r} "
                            f"(a truncated file?)", path=shown, line=number)
        if columns_expected is None:
            columns_expected = len(columns)
        elif len(columns) != columns_expected:
            raise DataError(f"this line has {len(columns)} columns, the first token line had "
                            f"{columns_expected} (a truncated or damaged file?)",
                            path=shown, line=number)
        try:
            tag = columns[column].strip()
        except IndexError:
            raise DataError(f"no tag column {column} on a line of {len(columns)} columns",
                            path=shown, line=number) from None
        token = columns[0]
        if not token or token != token.strip():
            raise DataError(f"empty or padded token {token!r}", path=shown, line=number)
        if not _TAG.fullmatch(tag):
            raise DataError(f"tag {tag!r} is not O or B-/I-/E-/S-/L-/U- followed by a label",
                            path=shown, line=number)
        sentence.append((token, tag, number))
    record = finish_document()
    if record is not None:
        yield record
    if count == 0:
        raise DataError("no tokens: a CoNLL file holds token and tag columns", path=shown)


def _lines(path: Path, encoding: str | None) -> Iterator[tuple[int, str]]:
    """The file's lines, one at a time (UTF-8 unless ``encoding``), a bad byte refused with its
    line."""
    try:
        yield from iter_utf8_lines(path, encoding)
    except DataError as exc:
        reason = exc.reason.replace("JSON Lines files must be UTF-8", "CoNLL files are read "
                                    "as UTF-8")
        raise DataError(reason, path=exc.path, line=exc.line) from None


def _decode(sentence: list[tuple[str, str, int]]) -> Iterator[tuple[int, int, str, int]]:
    """``(first token, last token, label, line)`` of the spans a sentence's tags mean (the
    lenient rule of the module docstring)."""
    current: list[Any] | None = None  # [first, label, line]
    for index, (_token, tag, line) in enumerate(sentence):
        if tag == "O":
            if current is not None:
                yield current[0], index - 1, current[1], current[2]
                current = None
            continue
        prefix, label = tag[0], tag[2:]
        if prefix == "I" and current is not None and current[1] == label:
            continue
        if prefix in "EL" and current is not None and current[1] == label:
            yield current[0], index, label, current[2]
            current = None
            continue
        if current is not None:
            yield current[0], index - 1, current[1], current[2]
            current = None
        if prefix in "SUEL":
            yield index, index, label, line
        else:  # B, or an I that starts a span
            current = [index, label, line]
    if current is not None:
        yield current[0], len(sentence) - 1, current[1], current[2]


# -- writing ----------------------------------------------------------------------------------

def _tokens_of(meta: dict[str, Any], text: str) -> list[tuple[int, int]]:
    """The document's CoNLL tokens when it has valid ones, else :func:`tokenize`."""
    flat = meta.get(META_TOKENS) if isinstance(meta, dict) else None
    if isinstance(flat, list) and len(flat) % 2 == 0 and flat:
        pairs = list(zip(flat[::2], flat[1::2], strict=True))
        previous = 0
        for start, end in pairs:
            if (type(start) is not int or type(end) is not int or start < previous
                    or end <= start or end > len(text) or not text[start:end].strip()
                    or "\n" in text[start:end] or "\t" in text[start:end]):
                break
            previous = end
        else:
            return pairs
    return tokenize(text)


def export(project: Any, output: Path | None, filters: Any, options: ExportOptions,
           progress: Any) -> Any:
    """Write an IOB2 file (module docstring); ``output`` None: standard output."""
    import sys

    from annotator.services.exporting import ExportReport, atomic_output

    report = ExportReport(format="conll", path=None if output is None else str(output))
    if output is None:
        write(project, sys.stdout, filters, options, progress, report)
        return report
    with atomic_output(Path(output), report) as handle:
        write(project, handle, filters, options, progress, report)
    return report


def write(project: Any, out: IO[str], filters: Any, options: ExportOptions, progress: Any,
          report: Any) -> None:
    """Write the selected documents as IOB2 to ``out``, counting in ``report``."""
    annotators = project.annotators()
    if filters.annotators:
        annotators = [a for a in annotators if a in filters.annotators]
    layer = choose_layer(annotators, options.layer, filters.annotators)
    lost = report.lost
    exported: list[int] = []
    values = 0
    from annotator.services.exporting import iter_chunks

    for document, text, spans, _names in iter_chunks(project, filters, progress):
        exported.append(document.id)
        values += sum(len(row_attributes(s)) for s in spans if s[10])
        tokens = _tokens_of(document.meta, text)
        newlines = [m.start() for m in _NEWLINE.finditer(text)]
        mine = [s for s in spans if s[5] == layer]
        tags, written = _tags(tokens, mine, text, lost)
        bump(lost, LOST_LAYER, len(spans) - len(mine))
        report.spans += written
        report.documents += 1
        starts = [start for start, _end in tokens]
        # One line per token; a blank line before the first token after each line break
        # (not before the first).
        words = [text[start:end] for start, end in tokens]
        for index in {bisect_right(starts, n) for n in newlines} - {0, len(tokens)}:
            words[index] = "\n" + words[index]
        body = "\n".join(map("\t".join, zip(words, tags)))
        out.write(f"{DOCSTART}\tO\n\n" + (body + "\n\n" if tokens else ""))
    note_not_carried(project, report, exported, values, "CoNLL")


def _tags(tokens: list[tuple[int, int]], spans: list[Any], text: str,
          lost: dict[str, int]) -> tuple[list[str], int]:
    """IOB2 tags for ``tokens`` from ``spans`` (span rows of one layer: start, end and label
    at 2, 3, 4) and how many spans they hold, counting what cannot be held."""
    starts = [s for s, _e in tokens]
    ends = [e for _s, e in tokens]
    count = len(tokens)
    find = text.find
    candidates: list[tuple[int, int, int, str, bool]] = []
    for order, span in enumerate(spans):
        start, end, label = span[2], span[3], span[4]
        first = bisect_right(starts, start) - 1
        if first < 0 or ends[first] <= start:
            first += 1
        last = bisect_left(ends, end)
        if last >= count or starts[last] >= end:
            last -= 1
        if first > last or first >= count:
            bump(lost, LOST_SPACE)
            continue
        if find("\n", starts[first], ends[last]) != -1:  # across a line break
            bump(lost, LOST_LINE)
            continue
        widened = starts[first] != start or ends[last] != end
        candidates.append((first, last, order, label, widened))
    candidates.sort(key=lambda c: (c[0] - c[1], c[0], c[2]))
    tags = ["O"] * count
    written = 0
    for first, last, _order, label, widened in candidates:
        if tags[first:last + 1].count("O") != last + 1 - first:
            bump(lost, LOST_OVERLAP)
            continue
        if widened:
            bump(lost, LOST_WIDENED)
        written += 1
        tags[first] = "B-" + label
        for i in range(first + 1, last + 1):
            tags[i] = "I-" + label
    return tags, written

"""How many tokens a spaCy export writes at least, known before any document is tokenized.

A DocBin holds every token in one msgpack ``bin`` of at most 4 GB, so one file cannot take a
selection past about 178 million tokens. Whether a selection passes that is only known exactly
once it is tokenized (at 100,000 Japanese documents, after 166 s). A lower bound, never above
the real count, tells many such selections before that: if even the bound passes the limit,
the real tokens do too, and the export is refused at once; a selection that fits is never
refused by it.

The bound counts characters that are always a token of their own (:func:`fewest_tokens`):
:func:`annotator.services.formats._common.tokenize` makes every CJK character a token and
every character that is neither a letter, a digit nor white space; marks and a character
joined by a zero-width joiner stay with the character before them, and the white space between
tokens only adds words. So each character of U+3001-U+30FF (CJK punctuation, kana) and of
U+4000-U+9FFF (CJK ideographs and extension A, the Yijing symbols) starts a token, except the
two combining kana marks U+3099 and U+309A, and less one for every zero-width joiner. These
are counted in the UTF-8 bytes, without decoding a text: a lead byte E4-E9, or E3 followed
by 80-83 (ideographic space U+3000 and the two marks taken off). A document carrying its own
(CoNLL) tokens, which may be words of several characters, counts none.

On the 10,000-document corpus of ``benchmarks/corpus.py`` the bound is 94.6% of the real tokens;
it is read from the texts' bytes at about 0.5 s per 10,000 documents, and only for a selection
whose texts are long enough to pass the limit even at a token per character (every token is one
character at least), so smaller selections cost nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from annotator.store import text_bytes

__all__ = ["documents_past", "fewest_tokens"]

#: A document's ``meta`` key for its own tokens (:data:`.conll.META_TOKENS`), as JSON writes it.
_OWN_TOKENS = '"conll_tokens"'
_ZWJ = "\u200d".encode()


def fewest_tokens(utf8: bytes) -> int:
    """The fewest tokens :func:`.spacy_docbin._words` can make of the text ``utf8`` (module
    docstring): its characters in U+3001-U+30FF and U+4000-U+9FFF but U+3099 and U+309A,
    less its zero-width joiners."""
    import numpy

    data = numpy.frombuffer(utf8, dtype=numpy.uint8)
    count = int(numpy.count_nonzero((data >= 0xE4) & (data <= 0xE9)))
    at = numpy.flatnonzero(data[:-2] == 0xE3)
    second, third = data[at + 1], data[at + 2]
    count += int(numpy.count_nonzero(second <= 0x83))
    count -= int(numpy.count_nonzero((second == 0x80) & (third == 0x80)))
    count -= int(numpy.count_nonzero((second == 0x82) & ((third == 0x99) | (third == 0x9A))))
    return max(0, count - utf8.count(_ZWJ))


def documents_past(project: Any, ids: Sequence[int] | None, filters: Any, limit: int) -> int | None:
    """The number of documents of the selection (``ids``, or all; with ``filters.skip_empty``
    only those with a selected span) after which its tokens surely pass ``limit`` tokens: the
    first whose bound, added to those before it, passes; None when the bound never does.

    Nothing is read when the texts' total length, a token per character at most, is within
    the limit; the reading stops once the bound passes, or once the bound so far and the
    length still to come cannot pass it together."""
    remaining = text_bytes.total_length(project, ids)
    if remaining <= limit:
        return None
    bound = documents = 0
    for page in text_bytes.utf8_pages(project, ids, with_spans=filters.skip_empty,
                                      annotators=filters.annotators, labels=filters.labels):
        counted = [utf8 for _id, _length, utf8, meta in page if _OWN_TOKENS not in meta]
        more = fewest_tokens(b"".join(counted))  # a text's characters never span two texts
        if bound + more > limit:  # in this page: which document
            for _id, _length, utf8, meta in page:
                documents += 1
                bound += 0 if _OWN_TOKENS in meta else fewest_tokens(utf8)
                if bound > limit:
                    return documents
        bound += more
        documents += len(page)
        remaining -= sum(length for _id, length, _utf8, _meta in page)
        if bound + remaining <= limit:
            return None
    return None

"""Search by reading and by alias across the documents of a project."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

from annotator.services.japanese.reading_index import ReadingIndex
from annotator.services.japanese.romaji import query_key


@dataclass(frozen=True, slots=True)
class Hit:
    """One search hit: ``text == texts[document][start:end]`` (code points, end-exclusive)."""

    document: Hashable
    start: int
    end: int
    text: str


_ALIAS_DROP = re.compile(r"[\s\-‐‑–—_・.·']+")


def alias_key(term: str) -> str:
    """Return the form under which alias terms compare: NFKC, case-folded, without spaces,
    hyphens, dots, middle dots or apostrophes (``Kim Jong-Un`` == ``kim jong un``)."""
    return _ALIAS_DROP.sub("", unicodedata.normalize("NFKC", term).casefold())


def expand_aliases(query: str, aliases: Mapping[str, Sequence[str]] | None) -> list[str]:
    """Return the search terms for ``query``: the query itself, then the surface forms of every
    alias entry whose term, or one of whose forms, equals the query under :func:`alias_key`.

    ``aliases`` maps a user term (``"Putin"``) to surface forms (``["プーチン"]``). Order is
    kept, duplicates removed.
    """
    terms = [query]
    if aliases:
        qk = alias_key(query)
        for term, forms in aliases.items():
            if qk and (alias_key(term) == qk or any(alias_key(f) == qk for f in forms)):
                terms.extend(forms)
    seen: set[str] = set()
    return [t for t in terms if t.strip() and not (t in seen or seen.add(t))]


def search(
    index_by_doc: Mapping[Hashable, ReadingIndex],
    texts: Mapping[Hashable, str] | None,
    query: str,
    aliases: Mapping[str, Sequence[str]] | None = None,
    *,
    max_hits: int | None = None,
) -> list[Hit]:
    """Find ``query`` (romaji, kana, kanji, plain text or an alias term) in every document.

    ``index_by_doc`` maps a document key (an id, a name...) to its :class:`ReadingIndex`;
    ``texts`` maps the same keys to the texts (None: use each index's own ``text``; a text that
    differs from the indexed one is an error). Each term (the query and its alias forms, see
    :func:`expand_aliases`) is searched literally (case-insensitive) and by reading.

    Hits with the same span are merged; of overlapping hits the one starting first (then the
    longest) is kept. Returns hits ordered by document (sorted keys when they are comparable,
    else the mapping's order) then start; at most ``max_hits`` when given.
    """
    terms = expand_aliases(query, aliases)
    keys = [(t, query_key(t)) for t in terms]
    docs = list(index_by_doc)
    try:
        docs.sort()  # type: ignore[call-overload]
    except TypeError:
        pass
    hits: list[Hit] = []
    for doc in docs:
        index = index_by_doc[doc]
        text = index.text if texts is None else texts[doc]
        if text is not index.text and text != index.text:
            raise ValueError(f"document {doc!r}: the index was built from another text")
        spans: set[tuple[int, int]] = set()
        for term, key in keys:
            spans.update(index.find_literal(term))
            spans.update(index.find_key(key))
        for s, e in _without_overlaps(spans):
            hits.append(Hit(doc, s, e, text[s:e]))
            if max_hits is not None and len(hits) >= max_hits:
                return hits
    return hits


def _without_overlaps(spans: set[tuple[int, int]]) -> list[tuple[int, int]]:
    kept: list[tuple[int, int]] = []
    for s, e in sorted(spans, key=lambda se: (se[0], -se[1])):
        if not kept or s >= kept[-1][1]:
            kept.append((s, e))
    return kept


#: Characters of context each side of a hit in a result list.
CONTEXT_WIDTH = 20


def context(text: str, start: int, end: int, width: int = CONTEXT_WIDTH) -> tuple[str, str, str]:
    """Return ``(before, match, after)`` around a hit, at most ``width`` characters each side,
    with newlines shown as spaces (for a result list)."""
    before = text[max(0, start - width) : start].replace("\n", " ")
    after = text[end : end + width].replace("\n", " ")
    return before, text[start:end], after

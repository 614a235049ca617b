"""Character categories as weighted runs: a sweep over span boundaries.

Agreement over characters needs, for every character of a document, the set of labels each
annotator put on it. Instead of visiting each character, the sweep visits only span boundaries:
between two consecutive boundaries every character has the same category tuple, so the run is
counted once with its length as weight. Cost: O(spans · log spans) per document, independent of
the document length.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence

from annotator.services.review.inputs import SpanLike

Category = frozenset[str]
# one category per annotator, in the order the annotators were given
CategoryTuple = tuple[Category, ...]
# category tuple -> number of characters that have it
RunCounts = dict[CategoryTuple, int]
# a projection of RunCounts: any hashable value per annotator -> number of characters
Counts = dict[tuple[Hashable, ...], int]

EMPTY: Category = frozenset()


def category_runs(
    length: int,
    spans_per_annotator: Sequence[Iterable[SpanLike]],
    labels: Collection[str] | None = None,
) -> RunCounts:
    """Count the characters of a document of ``length`` code points by category tuple.

    ``spans_per_annotator[i]`` holds annotator ``i``'s spans in the document (overlapping and
    nested spans are fine; a label covering a character twice counts once). Spans whose label is
    not in ``labels`` are ignored when ``labels`` is given. Returns ``{(cat_0, cat_1, ...): n}``
    where ``cat_i`` is the frozenset of labels annotator ``i`` put on those ``n`` characters
    (empty when none); the counts add up to ``length``.
    """
    changes: dict[int, list[tuple[int, str, int]]] = {}
    for index, spans in enumerate(spans_per_annotator):
        for span in spans:
            if labels is not None and span.label not in labels:
                continue
            changes.setdefault(span.start, []).append((index, span.label, 1))
            changes.setdefault(span.end, []).append((index, span.label, -1))
    width = len(spans_per_annotator)
    active: list[dict[str, int]] = [{} for _ in range(width)]
    current: list[Category] = [EMPTY] * width
    state: CategoryTuple = tuple(current)
    counts: RunCounts = {}
    previous = 0
    for position in sorted(changes):
        if position > previous:
            counts[state] = counts.get(state, 0) + position - previous
            previous = position
        touched = set()
        for index, label, delta in changes[position]:
            cover = active[index]
            remaining = cover.get(label, 0) + delta
            if remaining:
                cover[label] = remaining
            else:
                del cover[label]
            touched.add(index)
        for index in touched:
            current[index] = frozenset(active[index])
        state = tuple(current)
    if length > previous:
        counts[state] = counts.get(state, 0) + length - previous
    return counts


def merge_counts(target: dict, source: Mapping) -> None:
    """Add the weights of ``source`` into ``target`` (both map a key to a count)."""
    for key, weight in source.items():
        target[key] = target.get(key, 0) + weight


def project_label(counts: Mapping[CategoryTuple, int], label: str) -> Counts:
    """Reduce category tuples to per-annotator booleans: does ``label`` cover the character?"""
    projected: Counts = {}
    for state, weight in counts.items():
        key = tuple(label in category for category in state)
        projected[key] = projected.get(key, 0) + weight
    return projected


def project_annotators(counts: Mapping[tuple, int], indexes: Sequence[int]) -> Counts:
    """Keep only the annotators at ``indexes`` (in that order) of each tuple."""
    projected: Counts = {}
    for state, weight in counts.items():
        key = tuple(state[index] for index in indexes)
        projected[key] = projected.get(key, 0) + weight
    return projected


def tuple_runs(length: int, spans_per_annotator: Sequence[Sequence[tuple[int, int, str]]]
               ) -> RunCounts:
    """:func:`category_runs` of spans given as ``(start, end, label)`` tuples: the same counts
    in the same order (runs are counted by position), with less work per span."""
    width = len(spans_per_annotator)
    if width == 2:
        return _pair_runs(length, _changes(spans_per_annotator[0]),
                          _changes(spans_per_annotator[1]))
    events = []
    append = events.append
    for index, spans in enumerate(spans_per_annotator):
        for start, end, label in spans:
            append((start, index, label, 1))
            append((end, index, label, -1))
    counts: RunCounts = {}
    current = [EMPTY] * width
    state: CategoryTuple = tuple(current)
    if not events:
        if length > 0:
            counts[state] = length
        return counts
    events.sort()  # by position; the order within a position changes nothing
    active: list[dict[str, int]] = [{} for _ in range(width)]
    previous = 0
    position = -1
    touched: list[int] = []
    for at, index, label, delta in events:
        if at != position:
            if touched:
                for changed in touched:
                    current[changed] = frozenset(active[changed])
                state = tuple(current)
                touched = []
            if at > previous:
                counts[state] = counts.get(state, 0) + at - previous
                previous = at
            position = at
        cover = active[index]
        remaining = cover.get(label, 0) + delta
        if remaining:
            cover[label] = remaining
        else:
            del cover[label]
        touched.append(index)
    for changed in touched:
        current[changed] = frozenset(active[changed])
    state = tuple(current)
    if length > previous:
        counts[state] = counts.get(state, 0) + length - previous
    return counts


_SINGLE: dict[str, Category] = {}


def _changes(spans: Sequence[tuple[int, int, str]]) -> list[tuple[int, Category]]:
    """One annotator's category changes ``(position, category from there on)``, by position
    (at a position listed twice the later entry holds)."""
    ordered = sorted(spans)
    changes: list[tuple[int, Category]] = []
    append = changes.append
    reach = 0
    for start, end, label in ordered:
        if start < reach:
            break  # overlapping spans: the general sweep below
        single = _SINGLE.get(label)
        if single is None:
            single = _SINGLE[label] = frozenset((label,))
        append((start, single))
        append((end, EMPTY))
        reach = end
    else:
        return changes
    events = []
    for start, end, label in ordered:
        events.append((start, label, 1))
        events.append((end, label, -1))
    events.sort()
    changes = []
    active: dict[str, int] = {}
    position = events[0][0]
    for at, label, delta in events:
        if at != position:
            changes.append((position, frozenset(active)))
            position = at
        remaining = active.get(label, 0) + delta
        if remaining:
            active[label] = remaining
        else:
            del active[label]
    changes.append((position, frozenset(active)))
    return changes


def _pair_runs(length: int, first: list[tuple[int, Category]],
               second: list[tuple[int, Category]]) -> RunCounts:
    """The runs of two annotators from their category changes, in position order."""
    counts: RunCounts = {}
    a = b = EMPTY
    previous = i = j = 0
    n, m = len(first), len(second)
    while i < n or j < m:
        if j >= m or (i < n and first[i][0] <= second[j][0]):
            position = first[i][0]
        else:
            position = second[j][0]
        if position > previous:
            state = (a, b)
            counts[state] = counts.get(state, 0) + position - previous
            previous = position
        while i < n and first[i][0] == position:
            a = first[i][1]
            i += 1
        while j < m and second[j][0] == position:
            b = second[j][1]
            j += 1
    if length > previous:
        state = (a, b)
        counts[state] = counts.get(state, 0) + length - previous
    return counts

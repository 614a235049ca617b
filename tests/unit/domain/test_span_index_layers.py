"""SpanIndex for layers: my spans first under a click, and many spans moved at once."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from annotator.domain.span_index import SpanIndex


@dataclass(frozen=True)
class S:
    id: str
    start: int
    end: int
    label: str
    annotator: str


TEXT = "\n".join("x" * 40 for _ in range(20))


def test_spans_at_lists_my_layer_first() -> None:
    index = SpanIndex(TEXT, [S("a", 0, 10, "claim", "hana"), S("b", 2, 5, "actor", "me"),
                             S("c", 1, 8, "actor", "me")])
    assert [s.id for s in index.spans_at(3)] == ["a", "c", "b"]  # paint order
    index.own_layer = "me"
    assert [s.id for s in index.spans_at(3)] == ["c", "b", "a"]
    index.own_layer = "hana"
    assert [s.id for s in index.spans_at(3)] == ["a", "c", "b"]


@pytest.mark.parametrize("n", [10, 400])  # fewer and more spans than blocks (two paths)
def test_add_many_and_remove_many_match_one_by_one(n: int) -> None:
    rng = random.Random(n)
    spans = []
    for k in range(n):
        start = rng.randrange(len(TEXT) - 90)
        spans.append(S(f"{k:04d}", start, start + rng.choice([0, 1, 5, 45, 90]), "claim",
                       rng.choice(["me", "hana"])))
    hers = [s for s in spans if s.annotator == "hana"]
    mine = [s for s in spans if s.annotator == "me"]
    reference = SpanIndex(TEXT, mine)
    index = SpanIndex(TEXT, spans)
    blocks = index.remove_many(s.id for s in hers)
    expected = {b for s in hers for b in index.blocks_of(s.start, s.end)}
    assert blocks == expected
    assert [index.segments(b) for b in range(index.block_count)] == \
        [reference.segments(b) for b in range(reference.block_count)]
    assert sorted(s.id for s in index) == sorted(s.id for s in mine)
    assert index.add_many(hers) == expected
    full = SpanIndex(TEXT, spans)
    assert [index.segments(b) for b in range(index.block_count)] == \
        [full.segments(b) for b in range(full.block_count)]
    assert [index.spans_in_block(b) for b in range(index.block_count)] == \
        [full.spans_in_block(b) for b in range(full.block_count)]
    with pytest.raises(KeyError):
        index.remove_many(["nope"])

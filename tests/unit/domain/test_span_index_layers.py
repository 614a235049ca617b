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


def _random_spans(n: int, seed: int) -> list[S]:
    rng = random.Random(seed)
    out = []
    for k in range(n):
        start = rng.randrange(len(TEXT) - 90)
        out.append(S(f"{k:04d}", start, start + rng.choice([0, 1, 5, 45, 90]),
                     rng.choice(["claim", "actor"]), rng.choice(["me", "hana", "reviewed"])))
    return out


def _reads(index: SpanIndex) -> tuple[object, ...]:
    return (sorted(s.id for s in index), len(index),
            [index.segments(b) for b in range(index.block_count)],
            [index.spans_in_block(b) for b in range(index.block_count)],
            [index.spans_at(cp) for cp in range(0, len(TEXT), 7)],
            index.spans_overlapping(30, 200))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hidden_layers_read_like_an_index_of_the_shown_spans(seed: int) -> None:
    spans = _random_spans(300, seed)
    index = SpanIndex(TEXT, spans)
    index.own_layer = "me"
    blocks = index.hide_layer("hana")
    hers = [s for s in spans if s.annotator == "hana"]
    assert blocks == {b for s in hers for b in index.blocks_of(s.start, s.end)}
    shown = SpanIndex(TEXT, [s for s in spans if s.annotator != "hana"])
    shown.own_layer = "me"
    assert _reads(index) == _reads(shown)
    assert all(index.get(s.id) is None and s.id not in index and index.find(s.id) is s
               for s in hers)
    assert dict(index.hidden_spans()) == {s.id: s for s in hers}
    assert index.total() == len(spans) and len(index) == len(spans) - len(hers)
    assert index.show_layer("hana") == blocks
    full = SpanIndex(TEXT, spans)
    full.own_layer = "me"
    assert _reads(index) == _reads(full)
    assert index.hide_layer("me") and index.hide_layer("me") == set()


def test_changes_to_a_hidden_layer_are_kept_and_draw_nothing() -> None:
    spans = _random_spans(50, 7)
    index = SpanIndex(TEXT, spans, hidden_layers={"hana"})
    generation = index.layer_generation("hana")
    new = S("new", 3, 9, "claim", "hana")
    assert index.add(new) == [] and index.find("new") is new and "new" not in index
    assert index.layer_generation("hana") != generation
    moved = S("new", 100, 150, "actor", "hana")
    assert index.update(moved) == [] and index.find("new") is moved
    mine = S("new", 100, 150, "actor", "me")  # the same id moving into a shown layer
    assert index.update(mine) == list(index.blocks_of(100, 150)) and index.get("new") is mine
    assert index.remove("new") == list(index.blocks_of(100, 150))
    with pytest.raises(ValueError, match="duplicate"):
        index.add(next(s for s in spans if s.annotator == "hana"))  # hidden ids count too
    index.show_layer("hana")
    assert _reads(index) == _reads(SpanIndex(TEXT, spans))
    index.hide_layer("hana")
    index.reset(spans)
    assert index.hidden_layers == {"hana"} and len(index) == sum(s.annotator != "hana"
                                                                 for s in spans)

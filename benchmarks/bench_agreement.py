"""Benchmark of the review services: agreement, disagreement units and consistency checks.

Two annotators over 1,000 synthetic Japanese-like documents of 2,000-4,000 characters, 50,000
spans each (50 per document): entity mentions from a shared vocabulary of 3,000 names, which
each annotator labels with some noise (skipped mentions, other labels, shifted boundaries).
Target from issue 4: compute_agreement under 2 s. Run:

    .venv/bin/python benchmarks/bench_agreement.py
"""

from __future__ import annotations

import json
import random
import statistics
import time
from dataclasses import dataclass

from annotator.services.review import (
    check_consistency,
    compute_agreement,
    disagreement_units,
)

DOCUMENTS = 1_000
SPANS_PER_DOCUMENT = 50
MENTIONS_PER_DOCUMENT = 56
LABELS = ["PERSON", "ORG", "LOC", "DATE", "EVENT", "NUMBER"]
KANJI = "北朝鮮国外務省大統領首相会議東京都市中央銀行経済政策発表日本米韓露独仏英軍事委員長"
KATAKANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモラリルレロン"
HIRAGANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろをん"


@dataclass(frozen=True, slots=True)
class BenchSpan:
    id: str
    document_id: int
    start: int
    end: int
    label: str
    annotator: str


def make_project(seed: int = 4):
    rng = random.Random(seed)
    vocabulary = []
    for _ in range(3_000):
        alphabet = KATAKANA if rng.random() < 0.3 else KANJI
        name = "".join(rng.choice(alphabet) for _ in range(rng.randint(2, 6)))
        vocabulary.append((name, rng.choice(LABELS)))
    texts, lengths, spans = {}, {}, []
    serial = 0
    for doc in range(1, DOCUMENTS + 1):
        target = rng.randint(2_000, 4_000)
        filler_mean = (target - 4 * MENTIONS_PER_DOCUMENT) // MENTIONS_PER_DOCUMENT
        parts, mentions, position = [], [], 0
        for _ in range(MENTIONS_PER_DOCUMENT):
            filler = "".join(rng.choices(HIRAGANA, k=rng.randint(1, 2 * filler_mean - 1)))
            name, label = rng.choice(vocabulary)
            parts += [filler, name]
            position += len(filler)
            mentions.append((position, position + len(name), label))
            position += len(name)
        text = "".join(parts) + "。"
        texts[doc], lengths[doc] = text, len(text)
        for annotator in ("A", "B"):
            for start, end, label in rng.sample(mentions, SPANS_PER_DOCUMENT):
                roll = rng.random()
                if roll < 0.05:
                    label = rng.choice(LABELS)
                elif roll < 0.10:
                    end = min(len(text), end + rng.randint(1, 3))
                elif roll < 0.13:
                    start = max(0, start - 1)
                serial += 1
                spans.append(BenchSpan(f"{serial:032x}", doc, start, end, label, annotator))
    return texts, lengths, spans


def timed(function, repeats: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        began = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def main() -> None:
    began = time.perf_counter()
    texts, lengths, spans = make_project()
    print(f"data: {DOCUMENTS:,} documents, {sum(lengths.values()):,} characters, "
          f"{len(spans):,} spans (2 annotators), built in {time.perf_counter() - began:.2f} s")

    seconds, result = timed(lambda: compute_agreement(spans, lengths, ["A", "B"]).to_json())
    print(f"compute_agreement + to_json (median of 3): {seconds:.3f} s   (target < 2 s)")
    overall = result["overall"]
    print("  overall:", json.dumps(overall))

    by_doc: dict[int, list[BenchSpan]] = {}
    for s in spans:
        by_doc.setdefault(s.document_id, []).append(s)
    seconds, units = timed(
        lambda: [disagreement_units(doc_spans, ["A", "B"]) for doc_spans in by_doc.values()]
    )
    count = sum(len(u) for u in units)
    print(f"disagreement_units, all {DOCUMENTS:,} documents: {seconds:.3f} s "
          f"({seconds / DOCUMENTS * 1000:.2f} ms per document, {count:,} units)")

    layer_a = [s for s in spans if s.annotator == "A"]
    seconds, findings = timed(lambda: check_consistency(layer_a, texts), repeats=1)
    print(f"check_consistency, one layer (50,000 spans): {seconds:.3f} s, "
          f"{len(findings):,} findings")
    seconds, findings = timed(lambda: check_consistency(spans, texts), repeats=1)
    print(f"check_consistency, both layers (100,000 spans): {seconds:.3f} s, "
          f"{len(findings):,} findings")


if __name__ == "__main__":
    main()

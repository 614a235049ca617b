"""Realistic corpora for the corpus benchmarks: N Japanese documents of 2–20 kB, 20–50 spans each.

The documents are made from the sentences of the seed texts, shuffled per document and made
unique by a numbered heading, with spans on real words (actors, weapons, numbers, sources and
whole sentences as claims) by three annotators. The same ``n`` and ``seed`` always give the
same corpus.

``write_jsonl(path, n)`` writes native JSONL (what ``annotator import`` reads);
``project_path(n)`` returns a cached project file with that corpus, built on first use by
writing straight through :class:`annotator.store.Project` in one transaction (minutes at
100,000 documents, once; the files live under ``$ANNOTATOR_CORPUS_DIR`` or
``/tmp/annotator-corpus``). Treat a cached file as read-only: copy it before writing
(:func:`fresh_copy`).

Run as a script to build: ``.venv/bin/python benchmarks/corpus.py 1000 10000 100000``.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import random
import re
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
ANNOTATORS = ("hana", "ken", "mei")
TERMS = {
    "actor": ("プーチン", "金正恩", "ロシア", "北朝鮮", "ラブロフ", "米国", "ウクライナ", "中国"),
    "weapon": ("ミサイル", "戦闘機", "砲弾", "弾薬", "兵器", "衛星"),
    "source": ("CNN", "AFP", "ロイター", "タス通信", "聯合ニュース", "国防省"),
}
NUMBER = re.compile(r"[0-9０-９]+(?:[年月日人発機万億%])?")


def sentences() -> list[str]:
    text = "\n".join(p.read_text(encoding="utf-8") for p in SEEDS)
    parts = [s.strip() for s in re.split(r"(?<=[。！？\n])", text)]
    return [s for s in parts if len(s) >= 8]


def _spans(text: str, rng: random.Random, want: int, annotators: tuple[str, ...]
           ) -> list[dict[str, Any]]:
    found: list[tuple[int, int, str]] = []
    for label, words in TERMS.items():
        for word in words:
            for match in re.finditer(re.escape(word), text):
                found.append((match.start(), match.end(), label))
    found.extend((m.start(), m.end(), "number") for m in NUMBER.finditer(text))
    for match in re.finditer(r"[^。\n]{10,80}。", text):
        found.append((match.start(), match.end(), "claim"))
    rng.shuffle(found)
    chosen = sorted(set(found[:want]))
    spans = []
    for start, end, label in chosen:
        for who in annotators:
            if who != annotators[0] and rng.random() < 0.7:
                continue  # colleagues label a part of the same spans
            spans.append({"start": start, "end": end, "label": label, "annotator": who})
    return spans


def documents(n: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """``n`` native records (text, name, spans), the same for the same ``n`` and ``seed``."""
    pool = sentences()
    rng = random.Random(seed)
    for number in range(n):
        size = rng.randrange(2000, 20000) // 3  # characters; ~3 UTF-8 bytes each
        lines = [f"記事{number:06d} 露朝軍事協力の動き"]
        length = len(lines[0])
        while length < size:
            sentence = pool[rng.randrange(len(pool))]
            lines.append(sentence)
            length += len(sentence) + 1
        text = "\n".join(lines)
        yield {"name": f"article-{number:06d}.txt", "text": text,
               "spans": _spans(text, rng, rng.randrange(13, 31), ANNOTATORS)}


def write_jsonl(path: Path, n: int, seed: int = 7) -> Path:
    with open(path, "w", encoding="utf-8") as out:
        for record in documents(n, seed):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def corpus_dir() -> Path:
    folder = Path(os.environ.get("ANNOTATOR_CORPUS_DIR", "/tmp/annotator-corpus"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _build(path: Path, n: int, seed: int) -> None:
    from annotator.domain.spans import Span, new_span_id, now
    from annotator.store import Project

    partial = path.with_suffix(".building")
    partial.unlink(missing_ok=True)
    project = Project.open(partial)
    stamp = now()
    try:
        with project.atomic():
            for record in documents(n, seed):
                document, _ = project.add_document(record["name"], record["text"], who="bench")
                project.add_spans_bulk(
                    [Span(new_span_id(), document.id, s["start"], s["end"], s["label"],
                          s["annotator"], None, stamp, stamp) for s in record["spans"]],
                    who="bench", source="corpus", document_id=document.id)
    finally:
        project.close()
    partial.rename(path)


def project_path(n: int, seed: int = 7) -> Path:
    """A project file holding the corpus of ``n`` documents (built once, then cached)."""
    source = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:8]
    path = corpus_dir() / f"corpus-{n}-{seed}-{source}.annotator"
    with open(path.with_suffix(".lock"), "w") as lock:  # one builder at a time
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            _timed_build(path, n, seed)
    return path


def _timed_build(path: Path, n: int, seed: int) -> None:
    started = time.perf_counter()
    print(f"building a corpus of {n:,} documents in {path} …", file=sys.stderr)
    _build(path, n, seed)
    print(f"  built in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def fresh_copy(n: int, folder: Path, seed: int = 7) -> Path:
    """A writable copy of the cached corpus project, in ``folder``."""
    target = Path(folder) / f"corpus-{n}.annotator"
    shutil.copyfile(project_path(n, seed), target)
    return target


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["1000"]:
        print(project_path(int(arg)))

"""Relation and attribute agreement (``annotator agree``'s ``relations`` and ``attributes``)
on real project files, against brute-force references: nested loops for the relation figures,
scikit-learn's kappa and the ``krippendorff`` package's alpha for the attributes."""

from __future__ import annotations

import random
import warnings
from itertools import permutations
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from annotator.services.review.project_review import project_agreement
from annotator.store import Project

LABELS = ("claim", "source", "actor", "number", "weapon")
STANCES = ("asserted", "reported", "denied", "speculated")
KINDS = ("government", "media", "ngo", "osint", "anonymous")
TYPES = {"attributed_to": ({"claim"}, {"source"}), "involves": ({"claim"}, {"actor"}),
         "quantifies": ({"number"}, {"weapon", "actor"})}


def _values(rng: random.Random, label: str) -> dict:
    if label == "claim" and rng.random() < 0.8:
        return {"stance": rng.choice(STANCES[:2] if rng.random() < 0.7 else STANCES)}
    if label == "source" and rng.random() < 0.7:
        return {"kind": rng.choice(KINDS[:2] if rng.random() < 0.7 else KINDS)}
    return {}


def build(path: Path, seed: int, documents: int, annotators=("hana", "ken")) -> Project:
    """Documents with spans, attribute values and relations by ``annotators``: the later ones
    copy a part of the first one's work exactly, shift another part, and add their own."""
    rng = random.Random(seed)
    project = Project.open(path)
    with project.atomic():
        for number in range(documents):
            length = rng.randint(30, 90)
            text = f"{number:03}:" + "".join(rng.choices("米国の情報筋によると北朝鮮が𠮷発射した", k=length))
            document, _ = project.add_document(f"doc-{number:03}.txt", text, who="test")
            base = []
            for _ in range(rng.randint(2, 9)):
                start = rng.randrange(len(text) - 1)
                end = min(len(text), start + rng.randint(1, 8))
                base.append((start, end, rng.choice(LABELS)))
            pairs = [tuple(rng.sample(range(len(base)), 2)) for _ in range(6)
                     if len(base) >= 2]
            for rank, name in enumerate(annotators):
                chosen: dict[int, tuple[int, int, str]] = {}
                for index, (start, end, label) in enumerate(base):
                    if rank and rng.random() < 0.3:
                        continue
                    if rank and rng.random() < 0.25:  # a shifted copy
                        start, end = max(0, start - 1), min(len(text), end + rng.randint(0, 1))
                    if rank and rng.random() < 0.1:
                        label = rng.choice(LABELS)
                    if (start, end, label) not in chosen.values():
                        chosen[index] = (start, end, label)
                if rank and rng.random() < 0.4:
                    start = rng.randrange(len(text) - 1)
                    if (start, start + 1, "actor") not in chosen.values():
                        chosen[-1] = (start, start + 1, "actor")
                if rank == 0 and number % 11 == 5:
                    chosen = {}  # a document one annotator did not work on
                spans = {}
                for index, (start, end, label) in chosen.items():
                    # values mostly those of the place (so colleagues often agree)
                    place = random.Random(f"{seed}-{number}-{start}-{end}-{label}")
                    values = _values(place, label) if rng.random() < 0.8 else _values(rng, label)
                    spans[index] = project.add_span(document.id, start, end, label, name,
                                                    attributes=values or None)
                made = set()
                extra = [tuple(rng.sample(list(spans), 2))] if len(spans) >= 2 else []
                for h, t in [p for p in pairs if not rank or rng.random() < 0.8] + extra:
                    if h not in spans or t not in spans:
                        continue
                    head, tail = spans[h], spans[t]
                    for kind, (heads, tails) in TYPES.items():
                        if head.label in heads and tail.label in tails \
                                and (head.id, tail.id, kind) not in made:
                            project.add_relation(head.id, tail.id, kind)
                            made.add((head.id, tail.id, kind))
                            break
    return project


def _key(span):
    return (span.start, span.end, span.label)


def _overlap(a, b) -> bool:
    return a[2] == b[2] and a[0] < b[1] and b[0] < a[1]


def _brute_relations(project: Project, names):
    """Per type (and ``None`` for all): [reference, compared, ref_matched, cmp_matched] per
    ordered pair, by nested loops, for the exact and the overlap rule."""
    spans = {s.id: s for s in project.spans()}
    included = [d.id for d in project.documents()
                if all(project.spans(d.id, annotators=[n]) for n in names)]
    rows = {(d, n): [(r.type, _key(spans[r.head]), _key(spans[r.tail]))
                     for r in project.relations(d, annotator=n)]
            for d in included for n in names}

    def matches(r, q, overlap):
        if r[0] != q[0]:
            return False
        if not overlap:
            return r == q
        return _overlap(r[1], q[1]) and _overlap(r[2], q[2])

    out = {}
    for overlap in (False, True):
        for reference, compared in permutations(names, 2) if len(names) > 2 else [names]:
            for d in included:
                ref, cmp = rows[(d, reference)], rows[(d, compared)]
                for scope in (None, *TYPES):
                    counts = out.setdefault((overlap, scope), [0, 0, 0, 0])
                    mine = [r for r in ref if scope in (None, r[0])]
                    theirs = [q for q in cmp if scope in (None, q[0])]
                    counts[0] += len(mine)
                    counts[1] += len(theirs)
                    counts[2] += sum(any(matches(r, q, overlap) for q in cmp) for r in mine)
                    counts[3] += sum(any(matches(q, r, overlap) for r in ref) for q in theirs)
    return out, included


def _prf(counts):
    reference, compared, ref_matched, cmp_matched = counts
    precision = cmp_matched / compared if compared else None
    recall = ref_matched / reference if reference else None
    if precision is None and recall is None:
        return None, None, None
    if precision is None or recall is None or precision + recall == 0:
        return precision, recall, 0.0
    return precision, recall, 2 * precision * recall / (precision + recall)


@pytest.mark.parametrize(("seed", "names"), [
    (1, ("hana", "ken")), (2, ("ken", "hana")), (3, ("hana", "ken", "mei")), (4, ("hana", "ken")),
    (10, ("mei", "hana", "ryo", "ken"))])  # four: the documents are read in uid order
def test_relation_figures_equal_nested_loops(tmp_path: Path, seed: int, names) -> None:
    with build(tmp_path / "p.annotator", seed, 40, ("hana", "ken", "mei", "ryo")) as project:
        result = project_agreement(project, list(names))
        brute, included = _brute_relations(project, names)
        assert project.relations()  # the corpus has relations
    assert len(result.documents) == len(included)
    for overlap, scope in brute:
        figures = result.relations if scope is None else result.relations_per_type[scope]
        prf = figures.overlap if overlap else figures.exact
        want = _prf(brute[(overlap, scope)]) if len(names) == 2 else _prf(
            [sum(brute[(overlap, scope)][:2])] * 2 + [sum(brute[(overlap, scope)][2:])] * 2)
        assert (prf.precision, prf.recall, prf.f1) == pytest.approx(want, abs=1e-12), (
            overlap, scope)
    overall = result.relations.overlap
    assert overall.f1 is not None and 0 < overall.f1 < 1
    assert result.relations.exact.f1 < overall.f1  # shifted ends match only by overlap
    assert list(result.relations_per_type) == list(TYPES)


def _reference_kappa(a, b):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = cohen_kappa_score([repr(x) for x in a], [repr(x) for x in b])
    return None if np.isnan(value) else float(value)


def _reference_alpha(rows):
    codes: dict = {}
    data = np.array([[codes.setdefault(v, len(codes)) for v in row] for row in rows], dtype=float)
    if len(codes) < 2 or data.shape[1] == 0:
        return None
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


@pytest.mark.parametrize(("seed", "names"), [(5, ("hana", "ken")), (6, ("ken", "hana")),
                                             (7, ("hana", "ken", "mei"))])
def test_attribute_coefficients_equal_scikit_learn_and_krippendorff(
        tmp_path: Path, seed: int, names) -> None:
    with build(tmp_path / "p.annotator", seed, 60, ("hana", "ken", "mei")) as project:
        result = project_agreement(project, list(names))
        included = set(result.documents)
        by_uid = {d.id: d.uid for d in project.documents()}
        values: dict[tuple, dict[str, dict]] = {}
        for s in project.spans(annotators=list(names)):
            if by_uid[s.document_id] in included:
                values.setdefault((s.document_id, *_key(s)), {})[s.annotator] = s.attributes
    assert set(result.attributes) == {"claim.stance", "source.kind"}
    for key, (label, name) in {"claim.stance": ("claim", "stance"),
                               "source.kind": ("source", "kind")}.items():
        units = [[held[n].get(name) for n in names] for place, held in sorted(values.items())
                 if place[3] == label and len(held) == len(names)]
        figures = result.attributes[key]
        assert figures.units == len(units) > 10
        rows = [[unit[i] for unit in units] for i in range(len(names))]
        if len(names) == 2:
            assert figures.cohen_kappa == pytest.approx(_reference_kappa(*rows), abs=1e-9)
        else:
            assert figures.cohen_kappa is None
        assert figures.krippendorff_alpha == pytest.approx(_reference_alpha(rows), abs=1e-9)
        assert figures.krippendorff_alpha is not None and 0 < figures.krippendorff_alpha < 1


def test_label_filter_keeps_relations_between_those_labels(tmp_path: Path) -> None:
    with build(tmp_path / "p.annotator", 8, 30) as project:
        everything = project_agreement(project, ["hana", "ken"])
        some = project_agreement(project, ["hana", "ken"], labels=["claim", "source"])
    assert everything.relations_per_type["involves"].exact.counts.reference > 0
    assert some.relations_per_type["involves"].exact.counts.reference == 0
    assert (some.relations_per_type["attributed_to"]
            == everything.relations_per_type["attributed_to"])
    assert set(some.attributes) == {"claim.stance", "source.kind"}


def test_agree_command_prints_relations_and_attributes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from annotator.cli import main

    path = tmp_path / "p.annotator"
    build(path, 9, 25).close()
    assert main(["agree", "--db", str(path), "--annotators", "hana", "ken", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    with Project.open(path) as project:
        result = project_agreement(project, ["hana", "ken"])
    assert printed["relations"] == json.loads(json.dumps(result.relations_json()))
    assert printed["attributes"] == json.loads(json.dumps(result.attributes_json()))
    assert printed["relations"]["overall"]["overlap"]["f1"] > 0
    assert printed["attributes"]["claim.stance"]["units"] == result.attributes[
        "claim.stance"].units > 0
    assert main(["agree", "--db", str(path), "--annotators", "hana", "ken"]) == 0
    table = capsys.readouterr().out
    relations = table.split("relations (both ends")[1].split("\n\n")[0].splitlines()
    f1 = result.relations_per_type["involves"].overlap.f1
    assert any(line.startswith("involves ") and f"{f1:.3f}" in line for line in relations)
    attributes = table.split("attributes (over")[1].split("\n\n")[0]
    kappa = result.attributes["source.kind"].cohen_kappa
    assert "source.kind" in attributes and f"{kappa:.3f}" in attributes


def test_spans_without_values_are_units_of_unset_values(tmp_path: Path) -> None:
    with Project.open(tmp_path / "p.annotator") as project:
        for number in range(2):
            doc, _ = project.add_document(f"d{number}.txt", f"{number}:" + TEXT_SHORT, who="t")
            for who in ("hana", "ken"):
                project.add_span(doc.id, 2, 6, "claim", who)
                project.add_span(doc.id, 7, 9, "source", who)
                project.add_span(doc.id, 10, 12 if who == "hana" else 13, "claim", who)
        doc = project.documents()[0].id
        hana_claim = project.spans(doc, annotators=["hana"])[0]
        result = project_agreement(project, ["hana", "ken"])
        project.set_span_attribute(hana_claim.id, "stance", "denied", who="hana")
        one_value = project_agreement(project, ["hana", "ken"])
    claims, sources = result.attributes["claim.stance"], result.attributes["source.kind"]
    assert (claims.units, sources.units) == (2, 2)  # the twins of each label, per document
    assert claims.cohen_kappa is None and claims.krippendorff_alpha is None  # all unset
    changed = one_value.attributes["claim.stance"]
    assert changed.units == 2
    assert changed.cohen_kappa == pytest.approx(_reference_kappa(["denied", None], [None, None]))


TEXT_SHORT = "米CNNは、金氏が戦闘機を見学したと報じた"

"""Chance-corrected agreement from weighted counts: Cohen's kappa and Krippendorff's alpha.

Both functions take ``{(value_0, value_1, ...): weight}``: each key is what the annotators
assigned to one unit (here: one character), the weight how many units share it. Values are
compared for equality only (nominal data), so any hashable value works (frozensets of labels,
booleans). Both return ``None`` when the coefficient is undefined: no units, or a chance
disagreement of zero (every annotator used one and the same value everywhere, so there is
nothing to correct for; scikit-learn returns NaN and the ``krippendorff`` package raises there).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping


def cohen_kappa(counts: Mapping[tuple[Hashable, Hashable], int]) -> float | None:
    """Cohen's kappa of two annotators from ``{(value_a, value_b): number of units}``.

    kappa = (p_o - p_e) / (1 - p_e), with p_o the observed share of units where a == b and
    p_e = sum over values v of (share of a's units with v) * (share of b's units with v).
    Computed in integers as (N·agree - Σ n_a(v)·n_b(v)) / (N² - Σ n_a(v)·n_b(v)).
    """
    total = 0
    agree = 0
    margin_a: dict[Hashable, int] = {}
    margin_b: dict[Hashable, int] = {}
    for (value_a, value_b), weight in counts.items():
        total += weight
        if value_a == value_b:
            agree += weight
        margin_a[value_a] = margin_a.get(value_a, 0) + weight
        margin_b[value_b] = margin_b.get(value_b, 0) + weight
    chance = sum(weight * margin_b.get(value, 0) for value, weight in margin_a.items())
    denominator = total * total - chance
    if total == 0 or denominator == 0:
        return None
    return (total * agree - chance) / denominator


def krippendorff_alpha(counts: Mapping[tuple[Hashable, ...], int]) -> float | None:
    """Krippendorff's alpha for nominal data from ``{(value per annotator): number of units}``.

    Every key holds one value per annotator (all units fully coded; units with fewer than two
    values are not pairable and are skipped). With the coincidence matrix o, the value totals
    n_c = Σ_k o_ck and n = Σ_c n_c:
    alpha = 1 - D_o / D_e = 1 - (n - 1) · Σ_{c≠k} o_ck / (n² - Σ_c n_c²).
    A unit with m values adds (m(m-1) - Σ_c m_c(m_c - 1)) / (m - 1) to Σ_{c≠k} o_ck, where m_c
    counts its values equal to c.
    """
    observed = 0.0
    totals: dict[Hashable, int] = {}
    for values, weight in counts.items():
        pairable = len(values)
        if pairable < 2 or weight == 0:
            continue
        if pairable == 2:  # the common case, without a Counter (the same arithmetic)
            first, second = values
            if first == second:
                observed += weight * 0 / 1
                totals[first] = totals.get(first, 0) + 2 * weight
            else:
                observed += weight * 2 / 1
                totals[first] = totals.get(first, 0) + weight
                totals[second] = totals.get(second, 0) + weight
            continue
        per_value = Counter(values)
        disagreeing = pairable * (pairable - 1) - sum(k * (k - 1) for k in per_value.values())
        observed += weight * disagreeing / (pairable - 1)
        for value, k in per_value.items():
            totals[value] = totals.get(value, 0) + weight * k
    n = sum(totals.values())
    expected = n * n - sum(k * k for k in totals.values())
    if n == 0 or expected == 0:
        return None
    return 1.0 - (n - 1) * observed / expected


def pair_coefficients(counts: Mapping[tuple[Hashable, Hashable], int]
                      ) -> tuple[float | None, float | None]:
    """``(cohen_kappa(counts), krippendorff_alpha(counts))`` of two annotators in one pass:
    the same arithmetic in the same order, so the same numbers to the bit."""
    total = agree = 0
    observed = 0.0
    margin_a: dict[Hashable, int] = {}
    margin_b: dict[Hashable, int] = {}
    for (value_a, value_b), weight in counts.items():
        if weight == 0:
            continue
        total += weight
        margin_a[value_a] = margin_a.get(value_a, 0) + weight
        margin_b[value_b] = margin_b.get(value_b, 0) + weight
        if value_a == value_b:
            agree += weight
        else:
            observed += weight * 2 / 1
    chance = sum(weight * margin_b.get(value, 0) for value, weight in margin_a.items())
    denominator = total * total - chance
    kappa = None if total == 0 or denominator == 0 else (total * agree - chance) / denominator
    totals = dict(margin_a)
    for value, weight in margin_b.items():
        totals[value] = totals.get(value, 0) + weight
    n = 2 * total
    expected = n * n - sum(k * k for k in totals.values())
    alpha = None if n == 0 or expected == 0 else 1.0 - (n - 1) * observed / expected
    return kappa, alpha

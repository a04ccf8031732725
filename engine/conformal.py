"""Split-conformal prediction intervals from a model's own signed out-of-sample residuals.

For level 1 − α and n residuals r = actual − predicted, sorted r₍₁₎ ≤ … ≤ r₍ₙ₎, the interval around a
new prediction p is [p + r₍ₗ₎, p + r₍ᵤ₎] with the finite-sample ranks

    l = ⌊(n + 1) · α / 2⌋,   u = ⌈(n + 1) · (1 − α / 2)⌉,

so that for exchangeable residuals it covers the next actual with probability at least 1 − α. A rank outside
1 … n (too few residuals for the level) gives an unbounded end: −inf below, +inf above.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Coverage:
    """How often the walk-forward's own intervals held the actual value."""

    share: float  # of the scored predictions; NaN when none had a usable residual
    scored: int  # predictions with at least one residual dated on or before their decision


def conformal_bounds(residuals: np.ndarray, level: float) -> tuple[float, float]:
    """The offsets (lower, upper) to add to a prediction for a 1 − α = `level` interval; ±inf where too few."""
    if not 0 < level < 1:
        raise ValueError(f"the level must lie strictly between 0 and 1, got {level}")
    residuals = np.asarray(residuals, dtype=np.float64)
    ordered = np.sort(residuals[np.isfinite(residuals)])
    n, alpha = len(ordered), 1 - level
    low_rank = math.floor((n + 1) * alpha / 2 + 1e-9)  # 1e-9: (n + 1)·α/2 computed a hair below a whole number
    high_rank = math.ceil((n + 1) * (1 - alpha / 2) - 1e-9)
    lower = float(ordered[low_rank - 1]) if 1 <= low_rank <= n else -math.inf
    upper = float(ordered[high_rank - 1]) if 1 <= high_rank <= n else math.inf
    return lower, upper


def walk_forward_coverage(decision: np.ndarray, target: np.ndarray, actual: np.ndarray, predicted: np.ndarray,
                          level: float) -> Coverage:
    """Coverage of intervals built, for each prediction, only from residuals whose target date is on or before its
    decision date: what a user at that date could have known. Arrays are 1-D, one entry per prediction."""
    decision, target = np.asarray(decision), np.asarray(target)
    actual, predicted = np.asarray(actual, dtype=np.float64), np.asarray(predicted, dtype=np.float64)
    residuals = actual - predicted
    usable = np.isfinite(residuals)
    decision, target, residuals = decision[usable], target[usable], residuals[usable]
    order = np.argsort(target, kind="stable")
    by_target, sorted_residuals = target[order], residuals[order]
    known = np.searchsorted(by_target, decision, side="right")  # residuals [0, known) are dated ≤ the decision
    hits = []
    for i in np.flatnonzero(known > 0):
        lower, upper = conformal_bounds(sorted_residuals[:known[i]], level)
        hits.append(lower <= residuals[i] <= upper)
    return Coverage(float(np.mean(hits)) if hits else math.nan, len(hits))

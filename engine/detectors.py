"""The anomaly detectors' rules without torch: thresholds, the two baselines, and scoring against ground truth.

Every score of bar t uses bars ≤ t only, and whatever is fitted (a threshold, an IsolationForest) is fitted on the
training bars only; docs/METRICS.md has the formulas.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

MAD_TO_SIGMA = 1.4826  # MAD × this estimates the standard deviation of normal data


def quantile_threshold(errors: np.ndarray, quantile: float) -> float:
    """The `quantile` of the training errors (numpy's linear interpolation)."""
    return float(np.quantile(errors, quantile))


def mad_threshold(errors: np.ndarray, k: float) -> float:
    """median + k·MAD of the training errors, MAD = median |error − median| (not rescaled)."""
    median = float(np.median(errors))
    return median + k * float(np.median(np.abs(errors - median)))


def rolling_robust_z(values: np.ndarray, window: int) -> np.ndarray:
    """z[t] = (x[t] − median(x[t−w..t−1])) / (1.4826·MAD(x[t−w..t−1])): the past window only, bar t excluded.

    NaN where the past window is incomplete or holds NaN, and where its MAD is 0 (no spread to compare with).
    """
    values = np.asarray(values, dtype=np.float64)
    z = np.full(len(values), np.nan)
    if len(values) <= window:
        return z
    past = sliding_window_view(values[:-1], window)  # past[j] holds bars j .. j+w-1, the window before bar j+w
    median = np.median(past, axis=1)
    spread = MAD_TO_SIGMA * np.median(np.abs(past - median[:, None]), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z[window:] = np.where(spread > 0, (values[window:] - median) / spread, np.nan)
    return z


def last_bar_features(windows: np.ndarray) -> np.ndarray:
    """(m, 3·F) features of the last bar of each window (m, T, F): its values, their deviation from the rest of the
    window's mean in units of the rest's standard deviation, and that standard deviation.

    A forest fed the whole flattened window finds a spike equally unusual in each of the T windows that hold it,
    so its flags land anywhere up to T bars after the spike; these features put bar t itself in front, as the
    autoencoder's last-bar error does. Only bars of the window, all ≤ t, are used.
    """
    last, rest = windows[:, -1, :], windows[:, :-1, :]  # (m, F), (m, T-1, F)
    spread = rest.std(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        deviation = np.where(spread > 0, (last - rest.mean(axis=1)) / spread, 0.0)
    return np.column_stack([last, deviation, spread])


def isolation_forest_flags(train: np.ndarray, scored: np.ndarray, *, contamination: float, seed: int
                           ) -> tuple[np.ndarray, np.ndarray]:
    """IsolationForest fitted on the training rows only; for every scored row its anomaly score (higher is
    more unusual: −score_samples) and whether it falls beyond the cut the contamination set on the training rows."""
    from sklearn.ensemble import IsolationForest  # loads sklearn's ensemble code only when a detector runs

    forest = IsolationForest(contamination=contamination, random_state=seed).fit(train)
    return -forest.score_samples(scored), forest.predict(scored) == -1


@dataclass(frozen=True)
class Detection:
    """How a detector's flags compare with the injected positions."""

    flagged: int
    precision: float  # NaN when nothing was flagged or there is no ground truth
    recall: float  # NaN without ground truth
    f1: float  # NaN without ground truth; 0 when precision or recall is 0 or undefined


def score_detection(flags: np.ndarray, injected: np.ndarray | None, tolerance: int) -> Detection:
    """Recall: share of injected positions with a flagged bar within ±tolerance bars; precision: share of flagged
    bars within ±tolerance of an injected position; F1 their harmonic mean. Positions are bar numbers."""
    flagged = np.flatnonzero(np.asarray(flags, dtype=bool))
    if injected is None:
        return Detection(len(flagged), np.nan, np.nan, np.nan)
    injected = np.asarray(injected, dtype=np.int64)
    if len(injected) == 0:
        return Detection(len(flagged), np.nan, np.nan, np.nan)
    distance = np.abs(flagged[:, None] - injected[None, :])  # (flagged, injected)
    near = distance <= tolerance
    recall = float(near.any(axis=0).mean())
    precision = float(near.any(axis=1).mean()) if len(flagged) else np.nan
    f1 = 2 * precision * recall / (precision + recall) if len(flagged) and precision + recall > 0 else 0.0
    return Detection(len(flagged), precision, recall, float(f1))

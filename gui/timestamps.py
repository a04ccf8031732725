"""Timestamps in the charts' unit, UTC seconds, and the nearest sample to a point in time (no Qt)."""
from __future__ import annotations

import numpy as np
import pandas as pd


def seconds(values) -> np.ndarray:
    """Timestamps as UTC seconds, the unit of pg.DateAxisItem(utcOffset=0); NaT becomes NaN."""
    index = pd.DatetimeIndex(values)
    out = index.as_unit("ns").asi8.astype(np.float64) / 1e9
    out[index.isna()] = np.nan
    return out


def nearest(xs: np.ndarray, x: float) -> int:
    """The position in sorted `xs` closest to x (xs not empty)."""
    i = int(np.clip(np.searchsorted(xs, x), 0, len(xs) - 1))
    if i > 0 and abs(xs[i - 1] - x) < abs(xs[i] - x):
        i -= 1
    return i

"""How numbers and durations read on screen."""
from __future__ import annotations

import math

from engine.baseline import BUY_AND_HOLD, LINEAR_BASELINE, NAIVE

SHORT_NAMES = {BUY_AND_HOLD: "Buy & Hold", NAIVE: "Naive", LINEAR_BASELINE: "Baseline"}  # for headers and legends


def duration(seconds: float) -> str:
    """'under 0.1 s', '0.4 s', '45 s', '3 min 05 s', '1 h 02 min'."""
    if not math.isfinite(seconds):
        return "unknown"
    if seconds < 0.05:
        return "under 0.1 s"
    if seconds < 10:
        return f"{seconds:.1f} s"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def count(n: int, noun: str) -> str:
    """'1 epoch', '3 epochs'."""
    return f"{n} {noun}{'s' * (n != 1)}"


def number(value: float | None) -> str:
    """Four significant digits; a dash for a missing or undefined value."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{value:.4g}"

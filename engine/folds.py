"""Where each walk-forward fold trains, validates and tests, as bar positions: no data, no training.

Fold k's first target falls at its start bar. Its span holds every bar it may use: the training
history (all of it, or the last initial_train bars when rolling) and the stretch it predicts.
"""
from __future__ import annotations

from dataclasses import dataclass

from engine.errors import WorkbenchError
from engine.fit_config import WalkForwardConfig


@dataclass(frozen=True)
class FoldSpan:
    low: int  # first bar of the span
    high: int  # one past its last bar
    val_start: int  # where the early-stopping stretch starts, counted from low
    test_start: int  # where the predicted stretch starts, counted from low


def fold_starts(n_bars: int, config: WalkForwardConfig, horizons: tuple[int, ...]) -> list[int]:
    """Bar positions where each fold's first target falls; fold k's decisions end where fold k+1's begin."""
    last = n_bars - max(horizons)
    if config.initial_train >= last:
        raise WorkbenchError(f"The initial training span ({config.initial_train} bars) leaves nothing to test in "
                             f"{n_bars} bars: use a shorter initial span or more data.")
    step = config.retrain_every or n_bars
    return list(range(config.initial_train, last, step))


def fold_spans(n_bars: int, config: WalkForwardConfig, horizons: tuple[int, ...]) -> list[FoldSpan]:
    """One span per fold, in order."""
    starts = fold_starts(n_bars, config, horizons)
    h_min, h_max = min(horizons), max(horizons)
    spans = []
    for k, start in enumerate(starts):
        stop_at = starts[k + 1] if k + 1 < len(starts) else n_bars - h_max + h_min
        low = max(0, start - config.initial_train) if config.scheme == "rolling" else 0
        high = min(n_bars, stop_at - h_min + h_max)
        test_start = start - low
        spans.append(FoldSpan(low, high, test_start - round(config.early_stop_fraction * test_start), test_start))
    return spans

"""Where each walk-forward fold trains, validates and tests: as bar positions before it runs (no data, no
training), and as dates once it has (Fold), for the timeline, the store and the results.

Fold k's first target falls at its start bar. Its span holds every bar it may use: the training
history (all of it, or the last initial_train bars when rolling) and the stretch it predicts.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

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


@dataclass(frozen=True)
class Fold:
    """What one fold used and predicted, as dates, so a timeline can be drawn."""

    ticker: str
    model: str
    index: int  # 0-based
    train_start: pd.Timestamp
    train_end: pd.Timestamp  # train/val ranges span the bars whose targets the samples used
    val_start: pd.Timestamp | None
    val_end: pd.Timestamp | None
    scaler_fit_start: pd.Timestamp
    scaler_fit_end: pd.Timestamp
    test_start: pd.Timestamp  # first decision bar
    test_end: pd.Timestamp  # last decision bar
    epochs_run: int  # 0: fitted in closed form (the linear baseline)
    best_epoch: int
    warm_started: bool
    verdict: str = ""  # engine.diagnosis Verdict of the fold's fit; "" for the baseline and runs stored before it
    diagnosis: str = ""  # the verdict in words, with the epochs and numbers it rests on

    @property
    def fitting(self) -> str:
        """How the fold's model was fitted, in words: '12 epochs, warm start' or 'fitted in closed form'."""
        if self.epochs_run == 0:
            return "fitted in closed form"
        return f"{self.epochs_run} epoch{'s' * (self.epochs_run != 1)}{', warm start' if self.warm_started else ''}"

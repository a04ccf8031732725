"""Size checks a run can make before it starts, from the dates of its series alone: no windows, no training.

They are the checks the run itself makes later (enough samples in every split or walk-forward
fold, a batch that fits), with the same messages, so the GUI can say what to change up front.
"""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from engine.errors import WorkbenchError
from engine.folds import fold_spans
from engine.runs import RunConfig
from engine.windows import split_points, split_segments


def size_problem(config: RunConfig, dates: Mapping[str, pd.DatetimeIndex], *, walk_forward: bool) -> str | None:
    """Why a run of `config` (plain training, or a walk-forward backtest) on series with these bar dates
    would stop before training; None if it would not (or if no series is known yet)."""
    if not dates:
        return None
    try:
        (_require_walk_forward_fits if walk_forward else _require_split_fits)(config, dates)
    except WorkbenchError as error:
        return str(error)
    return None


def _require_split_fits(config: RunConfig, dates: Mapping[str, pd.DatetimeIndex]) -> None:
    windows, n_train = config.windows, 0
    for ticker, index in dates.items():
        val_start, test_start = split_points(index, windows, ticker)
        n_train += len(split_segments(ticker, index, windows, val_start, test_start)["train"])
    config.training.require_batch_fits(n_train)  # the series' samples train together


def _require_walk_forward_fits(config: RunConfig, dates: Mapping[str, pd.DatetimeIndex]) -> None:
    windows = config.windows
    for ticker, index in dates.items():
        try:
            spans = fold_spans(len(index), config.walk_forward, windows.horizons)
        except WorkbenchError as error:
            raise WorkbenchError(f"{ticker}: {error}") from error
        for k, span in enumerate(spans):
            segments = split_segments(ticker, index[span.low:span.high], windows, span.val_start, span.test_start,
                                      fold=(k, len(spans)))
            try:
                config.training.require_batch_fits(len(segments["train"]))  # each fold trains alone
            except WorkbenchError as error:
                raise WorkbenchError(f"Walk-forward fold {k + 1} of {len(spans)} on {ticker}: {error}") from error


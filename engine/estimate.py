"""How long a run will take, before it starts, and how long is left while it runs.

Before: time STEPS_TIMED real train steps of each model, built and stepped exactly as the fit will
be (same device, batch size and optimiser), on the run's first windows, after one untimed warm-up
step. An epoch is a step's time times the batches per epoch, plus the validation pass (a forward
pass costs about a third of a train step). Every epoch is counted: early stopping can end sooner.

While a backtest runs: the seconds its finished folds took, projected over the folds still to come.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

import pandas as pd

from engine.folds import fold_spans
from engine.runs import RunConfig
from engine.windows import Samples, WindowedData, window_series

STEPS_TIMED = 4  # train steps timed per model


@dataclass(frozen=True)
class TimeEstimate:
    """Seconds the training is expected to take, from timing real train steps of each model."""

    total_s: float
    per_model_s: dict[str, float]
    steps_timed: int  # train steps timed per model
    method: Literal["timed steps"] = "timed steps"
    scope: Literal["training", "backtest"] = "training"  # one fit of each model, or a whole walk-forward


@dataclass(frozen=True)
class BacktestProgress:
    """Event: folds done out of all folds of the run (every series and model), elapsed and remaining seconds."""

    folds_done: int
    folds_total: int
    elapsed_s: float
    remaining_s: float


def estimate_training(config: RunConfig, data: WindowedData, should_stop: Callable[[], bool]) -> TimeEstimate:
    """Seconds for the whole fit of every model on these windows if no model stops early."""
    epoch_s = _epoch_seconds(config, data.train, len(data.val), should_stop)
    return TimeEstimate(sum(s * config.training.epochs for s in epoch_s.values()),
                        {label: s * config.training.epochs for label, s in epoch_s.items()}, _steps(config, data.train))


def estimate_backtest(config: RunConfig, bars_by_ticker: dict[str, pd.DataFrame],
                      should_stop: Callable[[], bool]) -> TimeEstimate:
    """Seconds for a whole walk-forward: the first fold of each series trains for every epoch, the later ones
    for the warm-start epochs (or every epoch when cold), on training spans that grow fold by fold.

    The per-epoch time is measured on the first series' first fold and scaled by each fold's training
    samples; the linear baseline, fitted in closed form, is left out (it takes well under a second a fold).
    """
    walk, training = config.walk_forward, config.training
    first_ticker, first_bars = next(iter(bars_by_ticker.items()))
    span = fold_spans(len(first_bars), walk, config.windows.horizons)[0]
    samples, _ = window_series(first_ticker, first_bars.iloc[span.low:span.high], config.windows, span.val_start,
                               span.test_start)
    epoch_s = _epoch_seconds(config, samples["train"], len(samples["val"]), should_stop)
    later_epochs = min(walk.warm_epochs, training.epochs) if walk.warm_start else training.epochs
    epochs = 0.0  # first-fold-sized epochs over every fold of every series
    for bars in bars_by_ticker.values():
        spans = fold_spans(len(bars), walk, config.windows.horizons)
        sizes = [s.val_start for s in spans]  # training bars of each fold
        epochs += sum((training.epochs if k == 0 else later_epochs) * size / sizes[0] for k, size in enumerate(sizes))
    per_model = {label: seconds * epochs for label, seconds in epoch_s.items()}
    return TimeEstimate(sum(per_model.values()), per_model, _steps(config, samples["train"]), scope="backtest")


class FoldClock:
    """Counts a backtest's folds and projects the time left from the seconds the finished ones took."""

    def __init__(self, folds_total: int):
        self.folds_total = folds_total
        self.folds_done = 0
        self.started = time.perf_counter()

    def fold_done(self) -> BacktestProgress:
        self.folds_done += 1
        elapsed = time.perf_counter() - self.started
        remaining = elapsed / self.folds_done * (self.folds_total - self.folds_done)
        return BacktestProgress(self.folds_done, self.folds_total, elapsed, remaining)


def _steps(config: RunConfig, train: Samples) -> int:
    return max(1, min(STEPS_TIMED, len(train) // config.training.batch_size))


def _epoch_seconds(config: RunConfig, train: Samples, n_val: int, should_stop: Callable[[], bool]
                   ) -> dict[str, float]:
    """Seconds per epoch of every model of the run (set-up included once), from timed real steps."""
    from engine.pipeline import model_labels
    from engine.train import train_model

    training = config.training
    batches = len(train) // training.batch_size
    steps = _steps(config, train)
    timing = replace(training, epochs=1, patience=0, lr_patience=0)
    per_model: dict[str, float] = {}
    for label, model_config in zip(model_labels(config.models), config.models):
        if should_stop():
            break
        n = steps * training.batch_size
        # One step first: the first step pays one-off costs (kernel set-up, allocations) that the
        # real fit, in this same process, will not pay again.
        train_model(model_config, train.x[:training.batch_size], train.y[:training.batch_size], None, None, timing,
                    classification=config.classification, should_stop=should_stop)
        started = time.perf_counter()
        timed = train_model(model_config, train.x[:n], train.y[:n], None, None, timing,
                            classification=config.classification, should_stop=should_stop)
        if not timed.history:  # cancelled mid-way
            break
        step_s = timed.history[0].elapsed_s / steps
        setup_s = time.perf_counter() - started - timed.history[0].elapsed_s
        per_model[label] = setup_s / max(training.epochs, 1) + step_s * (batches + n_val / training.batch_size / 3)
    return per_model

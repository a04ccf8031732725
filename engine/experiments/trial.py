"""One trial: a function of (configuration, data fingerprint) that walks the configuration forward over the
search bars of each series and seed and returns its objective and results.

After every fold it reports the running objective (the mean over the walks so far, the current one scored on
its folds so far), so the driver can prune it; it stops at the next batch once `should_stop` says so.
The same walk, scored only from the hold-out cut on, gives the hold-out scores (engine.experiments.holdout).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from engine.backtest import FoldDone, NetworkFitter, walk_forward
from engine.errors import WorkbenchError
from engine.experiments.executors import JobContext
from engine.experiments.objective import Objective
from engine.pipeline import model_labels
from engine.results import BacktestResult, evaluate
from engine.runs import RunConfig


@dataclass(frozen=True)
class SharedBars:
    """The bars every trial reads, loaded once by the driver and handed to the workers by reference."""

    bars: Mapping[str, pd.DataFrame]
    fingerprint: str  # engine.store.data_fingerprint of `bars`


@dataclass(frozen=True)
class TrialJob:
    number: int
    config: RunConfig  # one architecture; its seed is the first of `seeds`
    seeds: int
    objective: Objective
    fingerprint: str  # the data the driver meant: a worker holding other bars refuses the trial
    keep_tables: bool = False  # keep predictions, equity and trades (for the run store); else metrics only


@dataclass(frozen=True)
class RunningObjective:
    """Event (worker → driver): the trial's objective over the folds walked so far."""

    number: int
    step: int  # folds done, over every series and seed
    value: float


@dataclass(frozen=True)
class TrialResult:
    number: int
    value: float  # NaN when the metric is undefined for every series and seed
    results: tuple[tuple[int, BacktestResult], ...]  # (seed, result) per seed, light unless keep_tables
    returns: dict[str, list[float]]  # per-period strategy returns of the first seed at the objective horizon
    fingerprint: str


def run_trial(shared: SharedBars, job: TrialJob, context: JobContext) -> TrialResult | None:
    """The trial's objective and results on the shared bars; None once stopped (pruned or cancelled)."""
    if job.fingerprint != shared.fingerprint:
        raise WorkbenchError(f"Trial {job.number} was meant for data {job.fingerprint}, but this worker holds data "
                             f"{shared.fingerprint}: restart the search so every worker loads the same bars.")
    bars = {name: shared.bars[name] for name in job.config.data.series_names}
    report = lambda step, value: context.emit(RunningObjective(job.number, step, value))  # noqa: E731
    walked = walk_seeds(job.config, bars, job.seeds, job.objective, on_running=report,
                        should_stop=context.should_stop)
    if walked is None:
        return None
    horizon = job.objective.horizon_of(job.config.windows.horizons)
    label = model_labels(job.config.models)[0]
    value = mean_finite([job.objective.value(result.metrics, label, horizon) for _, result in walked])
    first = walked[0][1].equity
    returns = {ticker: [float(f"{r:.8g}") for r in group["strategy_return"].to_numpy(dtype=np.float64)]
               for ticker, group in first[(first["model"] == label) & (first["horizon"] == horizon)].groupby("ticker")}
    results = walked if job.keep_tables else tuple((seed, _light(result)) for seed, result in walked)
    return TrialResult(job.number, value, results, returns, shared.fingerprint)


def walk_seeds(config: RunConfig, bars_by_ticker: Mapping[str, pd.DataFrame], seeds: int, objective: Objective, *,
               scored_from: pd.Timestamp | None = None,
               on_running: Callable[[int, float], None] | None = None,
               should_stop: Callable[[], bool] = lambda: False) -> tuple[tuple[int, BacktestResult], ...] | None:
    """Walk the configuration's one model forward over every series for seeds seed .. seed+seeds-1 and score
    each seed's predictions dated from `scored_from` on (all of them without it); None once stopped."""
    label = model_labels(config.models)[0]
    horizon = objective.horizon_of(config.windows.horizons)
    finished: list[float] = []  # the objective of each walk done
    step = 0
    results = []
    for seed in range(config.training.seed, config.training.seed + seeds):
        seeded = replace(config, training=replace(config.training, seed=seed))
        fit = NetworkFitter(seeded.models[0], seeded.training, seeded.walk_forward, seeded.classification)
        predictions, folds = [], []
        for ticker, bars in bars_by_ticker.items():
            walk_value = math.nan

            def running(event, ticker=ticker, bars=bars) -> None:
                nonlocal step, walk_value
                if not isinstance(event, FoldDone) or on_running is None:
                    return
                step += 1
                so_far.append(event.predictions)
                scored = _scored(pd.concat(so_far, ignore_index=True), scored_from)
                metrics = evaluate(scored, [], {ticker: bars}, target=seeded.windows.target,
                                   trading=seeded.trading, seed=seed).metrics
                walk_value = objective.value(metrics, label, horizon)
                on_running(step, mean_finite([*finished, walk_value]))

            so_far: list[pd.DataFrame] = []
            walked = walk_forward(ticker, bars, label, fit, seeded.windows, seeded.walk_forward, on_event=running,
                                  should_stop=should_stop)
            if should_stop():
                return None
            finished.append(walk_value)
            predictions.append(walked.predictions)
            folds += walked.folds
        scored = _scored(pd.concat(predictions, ignore_index=True), scored_from)
        results.append((seed, evaluate(scored, folds, bars_by_ticker, target=seeded.windows.target,
                                       trading=seeded.trading, seed=seed)))
    return tuple(results)


def _scored(predictions: pd.DataFrame, scored_from: pd.Timestamp | None) -> pd.DataFrame:
    return predictions if scored_from is None else predictions[predictions["date"] >= scored_from]


def _light(result: BacktestResult) -> BacktestResult:
    """The result without its per-bar tables: metrics, folds, warnings and run-level figures only."""
    return replace(result, predictions=result.predictions.iloc[:0], equity=result.equity.iloc[:0],
                   trades=result.trades.iloc[:0])


def mean_finite(values: list[float]) -> float:
    """The mean of the finite values; NaN when there are none."""
    finite = [v for v in values if math.isfinite(v)]
    return float(np.mean(finite)) if finite else math.nan

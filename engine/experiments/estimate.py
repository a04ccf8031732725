"""How long a search should take, before it starts: timed train steps of the base configuration (engine.estimate)."""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import pandas as pd

from engine.estimate import estimate_backtest
from engine.experiments.experiment import Experiment
from engine.experiments.holdout import holdout_cut, search_bars


@dataclass(frozen=True)
class SearchEstimate:
    total_s: float
    trial_s: float  # one trial: a walk over the search bars per series and seed
    holdout_s: float  # the top-k walks over all the bars
    trials: int | None  # None: as many as the timeout allows
    workers: int


def estimate_search(experiment: Experiment, bars_by_ticker: Mapping[str, pd.DataFrame], *, workers: int,
                    should_stop: Callable[[], bool] = lambda: False) -> SearchEstimate:
    """Seconds for the whole search if no trial is pruned: the base configuration's walk-forward estimate per trial
    and seed, the trials `workers` at a time (a timeout caps it), then the top-k hold-out walks.

    Space values that make models larger or smaller, pruning and the per-fold scoring move the real figure; the
    driver's SearchProgress events refine it from the trials that finished.
    """
    base = experiment.base
    one_model = replace(base, models=base.models[:1])
    series = {name: bars_by_ticker[name] for name in base.data.series_names}
    search = search_bars(series, holdout_cut(series, experiment.holdout), base)
    trial_s = estimate_backtest(one_model, search, should_stop).total_s * experiment.seeds_per_trial
    walk_s = estimate_backtest(one_model, series, should_stop).total_s * experiment.seeds_per_trial
    trials = experiment.trials
    if experiment.sampler == "grid":
        trials = min(trials or math.inf, experiment.search_space.grid_size())
    search_s = math.ceil(trials / workers) * trial_s if trials is not None else math.inf
    if experiment.timeout_min is not None:
        search_s = min(search_s, experiment.timeout_min * 60 + trial_s)  # about: the trials asked by then finish
    holdout_s = math.ceil(experiment.top_k / workers) * walk_s
    return SearchEstimate(search_s + holdout_s, trial_s, holdout_s, None if trials is None else int(trials), workers)

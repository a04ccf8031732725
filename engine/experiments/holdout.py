"""The honest hold-out: one common date cut, the most recent share of the dates, that no trial ever sees.

Trials get only the bars before the cut (search_bars), so none of their samples, scalers or targets reach past
it. After the search the best configurations walk the whole series once, on the same walk-forward schedule
(each fold trained on everything before it), and only their predictions dated from the cut on are scored.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from engine.errors import WorkbenchError
from engine.experiments.executors import JobContext
from engine.experiments.experiment import check_holdout_share
from engine.experiments.objective import Objective
from engine.experiments.trial import SharedBars, mean_finite, walk_seeds
from engine.folds import fold_starts
from engine.pipeline import model_labels
from engine.runs import RunConfig

OVERFIT_SHARE = 0.5  # a hold-out worse than the search score by more than half its size gets a warning
# The hold-out metrics shown beside the two scores, averaged over the series and seeds.
HOLDOUT_METRICS = ("Return [%]", "Sharpe Ratio", "Sharpe CI low", "DM p vs naive", "Max. Drawdown [%]", "Theil's U",
                   "MASE", "Directional Accuracy [%]", "# Trades")


def holdout_cut(bars_by_ticker: Mapping[str, pd.DataFrame], share: float) -> pd.Timestamp:
    """The first date of the hold-out: the most recent `share` of the dates of all series together."""
    check_holdout_share(share)
    dates = pd.DatetimeIndex(sorted(set().union(*(bars.index for bars in bars_by_ticker.values()))))
    return dates[min(len(dates) - 1, int(round(len(dates) * (1 - share))))]


def search_bars(bars_by_ticker: Mapping[str, pd.DataFrame], cut: pd.Timestamp,
                config: RunConfig) -> dict[str, pd.DataFrame]:
    """Every series' bars before the cut; a series left too short for the walk-forward is a WorkbenchError."""
    search = {name: bars[bars.index < cut] for name, bars in bars_by_ticker.items()}
    for name, bars in search.items():
        try:
            fold_starts(len(bars), config.walk_forward, config.windows.horizons)
        except WorkbenchError:
            raise WorkbenchError(f"Before the hold-out cut ({cut:%Y-%m-%d}) {name} has {len(bars)} bars, too few for "
                                 f"--initial-train {config.walk_forward.initial_train} and something to test: lower "
                                 "--holdout or --initial-train, or load more data.") from None
    return search


@dataclass(frozen=True)
class HoldoutJob:
    rank: int
    number: int  # the trial it re-walks
    config: RunConfig
    seeds: int
    objective: Objective
    cut: pd.Timestamp


@dataclass(frozen=True)
class HoldoutScore:
    rank: int
    number: int
    value: float
    metrics: dict[str, float]  # HOLDOUT_METRICS, averaged over the series and seeds


def run_holdout(shared: SharedBars, job: HoldoutJob, context: JobContext) -> HoldoutScore | None:
    """Walk one configuration over all the bars and score what it predicted from the cut on."""
    walked = walk_seeds(job.config, shared.bars, job.seeds, job.objective, scored_from=job.cut,
                        should_stop=context.should_stop)
    if walked is None:
        return None
    label = model_labels(job.config.models)[0]
    horizon = job.objective.horizon_of(job.config.windows.horizons)
    rows = pd.concat([result.metrics for _, result in walked], ignore_index=True)
    rows = rows[(rows["model"] == label) & (rows["horizon"] == horizon)] if len(rows) else rows
    metrics = {name: mean_finite(rows[name].tolist()) if name in rows else math.nan for name in HOLDOUT_METRICS}
    value = mean_finite([job.objective.value(result.metrics, label, horizon) for _, result in walked])
    return HoldoutScore(job.rank, job.number, value, metrics)


def overfit_warning(objective: Objective, rank: int, search: float, holdout: float) -> str | None:
    """A sentence when the hold-out score falls short of the search score by more than OVERFIT_SHARE of it."""
    if not (math.isfinite(search) and math.isfinite(holdout)):
        return None
    shortfall = search - holdout if objective.direction == "maximize" else holdout - search
    if shortfall <= OVERFIT_SHARE * max(abs(search), 1e-12):
        return None
    return (f"Configuration {rank} scored {objective.metric} {search:.4g} in the search but {holdout:.4g} on the "
            "hold-out: the search score is likely selection luck or overfitting to the search period; trust the "
            "hold-out figure.")

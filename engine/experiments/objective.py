"""What a search optimises: one leaderboard metric, in the direction the metric rules call better, averaged over
the trial's series and seeds at one horizon (the first of the run's unless --objective-horizon says otherwise)."""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.errors import WorkbenchError
from engine.leaderboard import INTERVALS, LEADERBOARD_METRICS, RUN_LEVEL
from engine.metric_rules import better

# Short names beside each metric's slug ("Theil's U" → theils_u, "Return [%]" → return).
_ALIASES = {"sharpe": "Sharpe Ratio", "drawdown": "Max. Drawdown [%]", "dm_p": "DM p vs naive",
            "accuracy": "Directional Accuracy [%]"}


def slug(metric: str) -> str:
    """A metric's command-line name: 'Directional Accuracy [%]' → directional_accuracy."""
    return re.sub(r"[^a-z0-9]+", "_", re.sub(r"\[.*?\]|'", "", metric.lower())).strip("_")


def _objectives() -> dict[str, str]:
    usable = [m for m in LEADERBOARD_METRICS if better(m) is not None and m != RUN_LEVEL]
    return {**{slug(m): m for m in usable}, **_ALIASES}


OBJECTIVES = _objectives()


@dataclass(frozen=True)
class Objective:
    metric: str  # the leaderboard's name, e.g. "Sharpe Ratio"
    horizon: int | None = None  # None: the first horizon of each trial's configuration

    @property
    def column(self) -> str:
        """The metrics column it reads: an interval ranks by its lower end."""
        return INTERVALS[self.metric][0] if self.metric in INTERVALS else self.metric

    @property
    def direction(self) -> str:
        return "maximize" if better(self.metric) == "higher" else "minimize"

    def is_better(self, a: float, b: float) -> bool:
        return a > b if self.direction == "maximize" else a < b

    def horizon_of(self, horizons: Iterable[int]) -> int:
        horizons = tuple(horizons)
        if self.horizon is None:
            return horizons[0]
        if self.horizon not in horizons:
            raise WorkbenchError(f"--objective-horizon {self.horizon} is not among the horizons "
                                 f"{', '.join(map(str, horizons))}: add it to --horizons or choose one of those.")
        return self.horizon

    def value(self, metrics: pd.DataFrame, model: str, horizon: int) -> float:
        """The mean over the series of `model`'s rows at `horizon`; NaN when none has a finite value."""
        if metrics.empty or self.column not in metrics.columns:
            return math.nan
        rows = metrics[(metrics["model"] == model) & (metrics["horizon"] == horizon)]
        values = rows[self.column].to_numpy(dtype=np.float64)
        values = values[np.isfinite(values)]
        return float(values.mean()) if len(values) else math.nan


def objective_for(name: str, horizon: int | None = None) -> Objective:
    """The objective named on the command line (a slug, a short name or the leaderboard's own name)."""
    metric = OBJECTIVES.get(name) or OBJECTIVES.get(slug(name))
    if metric is None:
        raise WorkbenchError(f"Unknown objective {name!r}: choose one of {', '.join(sorted(OBJECTIVES))}.")
    return Objective(metric, horizon)

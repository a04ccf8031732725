"""An experiment: what a search tries, what it optimises, for how long, and what it keeps back for the hold-out.

A frozen, JSON-serialisable description (the study stores it, so `search resume NAME` needs nothing else);
building one checks the space against the base run, so a bad space fails before any trial runs.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.errors import WorkbenchError
from engine.experiments.objective import Objective, objective_for
from engine.experiments.space import SearchSpace, apply, parse_space
from engine.runs import RunConfig

EXPERIMENT_VERSION = 1
SAMPLERS = ("tpe", "random", "grid")
PRUNERS = ("median", "halving", "none")


@dataclass(frozen=True)
class Experiment:
    """What to search: the base run, the space, the objective, the budget, seeds per trial and the hold-out."""

    base: RunConfig
    space: str = ""  # --space text (engine.experiments.space)
    archs: tuple[str, ...] = ()  # two or more make the architecture a dimension
    objective: str = "sharpe"
    objective_horizon: int | None = None
    trials: int | None = 20
    timeout_min: float | None = None  # wall-time budget; trials asked before the deadline finish
    seeds_per_trial: int = 1
    holdout: float = 0.2  # share of the most recent dates no trial sees
    top_k: int = 3  # configurations walked over the hold-out
    sampler: str = "tpe"
    pruner: str = "median"
    seed: int = 0  # the sampler's seed; the training seed is base.training.seed
    keep_tables: bool = False  # store each trial's predictions, equity and trades too

    def __post_init__(self) -> None:
        object.__setattr__(self, "archs", tuple(self.archs))
        if self.trials is None and self.timeout_min is None:
            raise WorkbenchError("A search needs a budget: give --trials, --timeout (minutes) or both.")
        checks = [(self.trials is None or self.trials >= 1, f"--trials must be 1 or more, got {self.trials}."),
                  (self.timeout_min is None or self.timeout_min > 0, f"--timeout must be above 0 minutes, got "
                                                                     f"{self.timeout_min}."),
                  (self.seeds_per_trial >= 1, f"--seeds-per-trial must be 1 or more, got {self.seeds_per_trial}."),
                  (self.top_k >= 1, f"--top-k must be 1 or more, got {self.top_k}."),
                  (self.sampler in SAMPLERS, f"Unknown sampler {self.sampler!r}: choose {', '.join(SAMPLERS)}."),
                  (self.pruner in PRUNERS, f"Unknown pruner {self.pruner!r}: choose {', '.join(PRUNERS)}.")]
        for ok, message in checks:
            if not ok:
                raise WorkbenchError(message)
        check_holdout_share(self.holdout)
        space = self.search_space
        space.check(self.base)
        if self.sampler == "grid":
            space.grid()  # a continuous range without :step is refused here
        if "horizon" not in space.names:
            self.objective_of.horizon_of(self.base.windows.horizons)

    @property
    def search_space(self) -> SearchSpace:
        return parse_space(self.space, self.archs)

    @property
    def objective_of(self) -> Objective:
        return objective_for(self.objective, self.objective_horizon)

    def config_of(self, params: Mapping) -> RunConfig:
        """The run configuration of a trial with these parameters."""
        return apply(self.base, params)

    def to_dict(self) -> dict:
        return {"version": EXPERIMENT_VERSION, "base": self.base.to_dict(), "space": self.space,
                "archs": list(self.archs), "objective": self.objective, "objective_horizon": self.objective_horizon,
                "trials": self.trials, "timeout_min": self.timeout_min, "seeds_per_trial": self.seeds_per_trial,
                "holdout": self.holdout, "top_k": self.top_k, "sampler": self.sampler, "pruner": self.pruner,
                "seed": self.seed, "keep_tables": self.keep_tables}

    @classmethod
    def from_dict(cls, data: Mapping) -> Experiment:
        data = dict(data)
        if data.pop("version", None) != EXPERIMENT_VERSION:
            raise WorkbenchError("This study was created by another version of the workbench: start a new search.")
        return cls(base=RunConfig.from_dict(data.pop("base")), **data)


def check_holdout_share(share: float) -> None:
    if not 0 < share < 1:
        raise WorkbenchError(f"--holdout is the share of the most recent dates kept back, in (0, 1): got {share}; "
                             "0.2 keeps the last 20 %.")

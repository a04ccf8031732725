"""Which searched parameters moved the objective: Optuna's fANOVA importances over the finished trials."""
from __future__ import annotations

import math

import optuna
import pandas as pd

from engine.experiments.experiment import Experiment


def param_importances(experiment: Experiment, trials: pd.DataFrame) -> dict[str, float]:
    """fANOVA importance per parameter (they sum to 1) of the COMPLETE trials in `trials` (a live_trials or
    trials_frame frame); {} while fewer than two completed or no parameter varied yet."""
    distributions = experiment.search_space.distributions()
    done = trials[(trials["state"] == "COMPLETE") & trials["value"].map(math.isfinite)]
    varied = [name for name in distributions if done[name].nunique() > 1]
    if len(done) < 2 or not varied:
        return {}
    study = optuna.create_study(direction=experiment.objective_of.direction)
    for row in done.to_dict("records"):
        params = {name: _plain(row[name], distributions[name]) for name in distributions}
        study.add_trial(optuna.trial.create_trial(params=params, distributions=distributions, value=row["value"]))
    evaluator = optuna.importance.FanovaImportanceEvaluator(seed=0)
    return dict(optuna.importance.get_param_importances(study, evaluator=evaluator, params=varied))


def _plain(value, distribution):
    """A frame's value as its distribution holds it (pandas turns ints into floats when a column has NaN)."""
    if isinstance(distribution, optuna.distributions.IntDistribution):
        return int(value)
    if isinstance(distribution, optuna.distributions.FloatDistribution):
        return float(value)
    return value.item() if hasattr(value, "item") else value

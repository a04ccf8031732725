"""The objective: leaderboard metrics by name, their better direction from the metric rules, the horizon."""
import math

import pandas as pd
import pytest

from engine.errors import WorkbenchError
from engine.experiments.objective import OBJECTIVES, objective_for


@pytest.mark.parametrize("name, metric, direction", [
    ("sharpe", "Sharpe Ratio", "maximize"),
    ("Sharpe Ratio", "Sharpe Ratio", "maximize"),
    ("theils_u", "Theil's U", "minimize"),
    ("max_drawdown", "Max. Drawdown [%]", "maximize"),  # stored negative: nearer 0 is better
    ("dm_p", "DM p vs naive", "minimize"),
    ("sharpe_ci", "Sharpe CI", "maximize"),
])
def test_names_resolve_to_leaderboard_metrics_with_the_rules_direction(name, metric, direction):
    objective = objective_for(name)
    assert (objective.metric, objective.direction) == (metric, direction)


def test_metrics_without_a_better_direction_or_run_level_are_not_objectives():
    assert "trades" not in OBJECTIVES and "dsr" not in OBJECTIVES
    with pytest.raises(WorkbenchError, match="Unknown objective 'trades': choose one of .*sharpe"):
        objective_for("trades")


def test_the_value_is_the_mean_over_series_at_one_horizon_and_intervals_rank_by_their_lower_end():
    metrics = pd.DataFrame({"ticker": ["A", "B", "A", "A"], "model": ["mlp", "mlp", "mlp", "Buy & Hold"],
                            "horizon": [1, 1, 5, 1], "Sharpe Ratio": [1.0, 2.0, 9.0, 7.0],
                            "Sharpe CI low": [0.1, float("nan"), 0.0, 0.0]})
    assert objective_for("sharpe").value(metrics, "mlp", 1) == 1.5
    assert objective_for("sharpe").value(metrics, "mlp", 5) == 9.0
    assert objective_for("sharpe_ci").value(metrics, "mlp", 1) == 0.1
    assert math.isnan(objective_for("sharpe").value(metrics, "gru", 1))


def test_the_objective_horizon_must_be_one_of_the_runs():
    assert objective_for("sharpe").horizon_of((5, 20)) == 5
    assert objective_for("sharpe", 20).horizon_of((5, 20)) == 20
    with pytest.raises(WorkbenchError, match="--objective-horizon 1 is not among the horizons 5, 20"):
        objective_for("sharpe", 1).horizon_of((5, 20))

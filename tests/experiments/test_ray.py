"""The Ray executor on a real local Ray: the same trials and prunes as the local pool, the same parallel backtest,
failures with their message."""
import pandas as pd
import pytest

from engine.experiments.executors import Execution
from engine.fit_config import WalkForwardConfig
from engine.pipeline import run_backtest
from tests.experiments.conftest import BASE, with_base

pytestmark = pytest.mark.usefixtures("local_ray")


def test_a_search_on_ray_prunes_and_scores_exactly_as_the_local_pool(search):
    """One trial at a time, so the pruner sees the same history on both: the same trials, values and prunes."""
    base = with_base(walk_forward=WalkForwardConfig(initial_train=120, retrain_every=25))
    options = dict(base=base, trials=8, workers=1, top_k=1, pruner="median", sampler="random")
    _, local = search("learning_rate=1e-4..0.3:log", name="local", **options)
    _, on_ray = search("learning_rate=1e-4..0.3:log", name="ray", execution=Execution("ray", 1), **options)
    columns = ["number", "state", "learning_rate", "value"]
    pd.testing.assert_frame_equal(local.trials[columns], on_ray.trials[columns])
    assert "PRUNED" in set(on_ray.trials["state"])
    pd.testing.assert_frame_equal(local.holdout, on_ray.holdout)


def test_a_parallel_backtest_on_ray_equals_the_sequential_one(goog_420):
    sequential = run_backtest(BASE, goog_420)
    on_ray = run_backtest(BASE, goog_420, execution=Execution("ray", 2))
    pd.testing.assert_frame_equal(sequential.result.metrics, on_ray.result.metrics)


def test_a_trial_failing_on_ray_is_recorded_with_its_message(search):
    _, outcome = search("batch_size=32|5000", trials=2, workers=2, sampler="grid", top_k=1, pruner="none",
                        execution=Execution("ray", 2))
    failed = outcome.trials.set_index("batch_size").loc[5000]
    assert failed["state"] == "FAIL" and "Batch size 5000 is larger than the" in failed["message"]

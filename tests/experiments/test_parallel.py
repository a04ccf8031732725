"""A backtest's walks on two worker processes: the sequential run's results and events, from the same pipeline."""
import os
from dataclasses import replace

import pandas as pd
import pytest
import torch

from engine.backtest import FoldDone, FoldTraining
from engine.estimate import BacktestProgress
from engine.experiments.executors import Execution, LocalExecutor, WarmPool, run_jobs
from engine.pipeline import EquityProgress, run_backtest
from models import model_config_for
from tests.experiments.conftest import BASE


def test_a_parallel_backtest_equals_the_sequential_one_and_relays_every_event(goog_420):
    config = replace(BASE, models=(BASE.models[0], model_config_for("gru", hidden_size=4, num_layers=1)))
    runs, events = [], []
    for execution in (None, Execution(workers=2)):
        seen = []
        runs.append(run_backtest(config, goog_420, on_event=seen.append, execution=execution))
        events.append(seen)
    sequential, parallel = runs
    pd.testing.assert_frame_equal(sequential.result.predictions, parallel.result.predictions)
    pd.testing.assert_frame_equal(sequential.result.metrics, parallel.result.metrics)
    assert sequential.models.keys() == parallel.models.keys() == {("GOOG", "mlp"), ("GOOG", "gru"),
                                                                 ("GOOG", "linear (baseline)")}
    for key, (state, scalers) in sequential.models.items():
        assert all(torch.equal(state[name], parallel.models[key][0][name]) for name in state)
        assert scalers == parallel.models[key][1]
    count = lambda seen, kind: sum(isinstance(e, kind) for e in seen)  # noqa: E731
    for kind in (FoldDone, EquityProgress, BacktestProgress):
        assert count(events[0], kind) == count(events[1], kind) > 0
    # The workers trade each fold's live equity themselves: curve after curve, the sequential run's.
    curves = [{} for _ in events]
    for seen, by_key in zip(events, curves):
        for event in seen:
            if isinstance(event, EquityProgress):
                by_key.setdefault((event.ticker, event.model, event.horizon), []).append(event.periods)
    assert curves[0].keys() == curves[1].keys()
    for key, frames in curves[0].items():
        assert len(frames) == len(curves[1][key])
        for here, there in zip(frames, curves[1][key]):
            pd.testing.assert_frame_equal(here, there)
    assert count(events[1], FoldTraining) > 0
    last = [e for e in events[1] if isinstance(e, BacktestProgress)][-1]
    assert last.folds_done == last.folds_total


def test_a_parallel_backtest_cancelled_mid_walk_keeps_what_finished(goog_420):
    config = replace(BASE, training=replace(BASE.training, epochs=10_000, batch_size=8))  # the mlp walks on
    asked = []

    def cancel_at_the_baselines_last_fold(event) -> None:
        if isinstance(event, FoldDone) and event.fold.model == "linear (baseline)" and \
                event.fold.index + 1 == event.folds:
            asked.append(event)

    run = run_backtest(config, goog_420, on_event=cancel_at_the_baselines_last_fold, should_stop=lambda: bool(asked),
                       execution=Execution(workers=2))
    models = set(run.result.predictions["model"])
    assert asked and "linear (baseline)" in models and "mlp" not in models  # the finished walk, typed as ever
    assert run.result.predictions["predicted"].dtype == float and not run.result.metrics.empty


def test_a_warm_pool_walks_backtest_after_backtest_on_the_same_workers(goog_420):
    pool = WarmPool()
    try:
        workers = pool.get(2)
        first = run_backtest(BASE, goog_420, executor=workers)
        second = run_backtest(BASE, goog_420, executor=pool.get(2))
        assert pool.get(2) is workers  # not started again
        sequential = run_backtest(BASE, goog_420)
        for run in (first, second):
            pd.testing.assert_frame_equal(run.result.predictions, sequential.result.predictions)
            pd.testing.assert_frame_equal(run.result.metrics, sequential.result.metrics)
        assert pool.get(1) is not workers and pool.get(1).workers == 1  # another count: started anew
    finally:
        pool.close()


def _niceness(shared, payload, context) -> int:
    return os.nice(0)


@pytest.mark.skipif(not hasattr(os, "nice"), reason="POSIX priorities only")
def test_workers_started_nice_run_that_far_below_the_driver():
    with LocalExecutor(None, workers=1, nice=5) as executor:
        [outcome] = run_jobs(executor, _niceness, {0: None}).values()
    assert outcome.value == min(os.nice(0) + 5, 19)

"""The search driver on real Optuna and real worker processes: tell, store, seed, prune, sweep."""

from dataclasses import replace

import pandas as pd
import pytest

from engine.errors import WorkbenchError
from engine.experiments.experiment import Experiment
from engine.experiments.study import SearchStarted, TrialFinished, TrialProgress, stored_experiment
from engine.fit_config import WalkForwardConfig
from engine.runs import DataConfig
from engine.store import RunStore
from tests.experiments.conftest import BASE, with_base


def test_a_search_tells_every_trial_stores_it_and_walks_the_best_over_the_holdout(search, tmp_path):
    events = []
    driver, outcome = search(trials=2, workers=2, seeds_per_trial=2, top_k=2, sampler="random", pruner="none",
                             on_event=events.append)
    trials = outcome.trials
    assert list(trials.columns) == ["number", "state", "dropout", "learning_rate", "value", "duration_s", "started",
                                    "message"]
    assert list(trials["state"]) == ["COMPLETE", "COMPLETE"] and trials["value"].notna().all()
    assert isinstance(events[0], SearchStarted) and events[0].trials == 2 and events[0].workers == 2
    assert [type(e) for e in events].count(TrialFinished) == 2 and any(isinstance(e, TrialProgress) for e in events)
    # Each seed of each trial is a light run in the store, and the trial's value is their mean Sharpe at horizon 1.
    with RunStore(tmp_path / "runs.sqlite") as store:
        runs = store.list_runs()
        assert sorted(runs["name"]) == ["search s · trial 0"] * 2 + ["search s · trial 1"] * 2
        for number, value in zip(trials["number"], trials["value"]):
            stored = [store.load(int(i)) for i in runs[runs["name"] == f"search s · trial {number}"]["id"]]
            assert sorted(run.config.training.seed for run in stored) == [1, 2]
            assert stored[0].result.predictions.empty  # light: metrics and configuration only
            sharpes = [run.result.metrics.query("model == 'mlp' and horizon == 1")["Sharpe Ratio"].iloc[0]
                       for run in stored]
            assert value == pytest.approx(sum(sharpes) / 2)
    best = trials.loc[trials["value"].idxmax()]
    assert list(outcome.holdout["number"]) == list(trials.sort_values("value", ascending=False)["number"])
    assert list(outcome.holdout.columns[:6]) == ["rank", "number", "dropout", "learning_rate", "search_value",
                                                 "holdout_value"]
    assert outcome.holdout["holdout_value"].notna().all() and "Theil's U" in outcome.holdout
    assert outcome.best_config.models[0].dropout == pytest.approx(best["dropout"])
    assert outcome.best_config.training.learning_rate == pytest.approx(best["learning_rate"])
    assert outcome.deflated["trials"].tolist() == [2] and 0 <= outcome.deflated["DSR"].iloc[0] <= 1
    experiment, attrs = stored_experiment("s", driver.storage)
    assert experiment == driver.experiment


def test_the_same_seed_gives_the_same_sequence_of_trials_on_two_workers(search):
    """TPE's first 10 trials are random; the last two are drawn from the history, which must be the same."""
    runs = [search(trials=12, workers=2, top_k=1, pruner="none", seed=7, name=name)[1].trials for name in "ab"]
    columns = ["number", "dropout", "learning_rate", "value"]
    pd.testing.assert_frame_equal(runs[0][columns], runs[1][columns])
    assert runs[0]["dropout"].nunique() == 12


@pytest.mark.parametrize("pruner", ["median", "halving"])
def test_pruning_stops_bad_trials_at_a_fold(search, pruner):
    base = with_base(walk_forward=WalkForwardConfig(initial_train=120, retrain_every=25))
    events = []
    _, outcome = search("learning_rate=1e-4..0.3:log", base=base, trials=8, workers=1, top_k=1, pruner=pruner,
                        sampler="random", on_event=events.append)
    pruned = outcome.trials[outcome.trials["state"] == "PRUNED"]
    assert len(pruned) >= 1
    folds = max(e.step for e in events if isinstance(e, TrialProgress))
    for number in pruned["number"]:
        steps = [e.step for e in events if isinstance(e, TrialProgress) and e.number == number]
        assert max(steps) < folds  # stopped before its last fold
        assert any(e.pruned for e in events if isinstance(e, TrialProgress) and e.number == number)


def test_a_grid_sweeps_architectures_and_windows_once_each(search):
    _, outcome = search("window=6..10:step=4", archs=("mlp", "linear"), trials=100, workers=2, sampler="grid",
                        top_k=1, pruner="none")
    swept = {(row.arch, row.window) for row in outcome.trials.itertuples()}
    assert swept == {("mlp", 6), ("mlp", 10), ("linear", 6), ("linear", 10)} and len(outcome.trials) == 4


def test_a_sweep_is_a_grid_over_series_and_horizons(search, goog_420):
    bars = {"GOOG": goog_420["GOOG"], "GOOG2": goog_420["GOOG"] * [1, 1, 1, 1, 2]}  # twice the volume
    base = with_base(data=DataConfig(tickers=("GOOG", "GOOG2")), windows=replace(BASE.windows, horizons=(1, 2)))
    _, outcome = search("ticker=GOOG|GOOG2,horizon=1|2", base=base, bars=bars, trials=100, workers=2,
                        sampler="grid", top_k=1, pruner="none")
    assert sorted(zip(outcome.trials["ticker"], outcome.trials["horizon"])) == [
        ("GOOG", 1), ("GOOG", 2), ("GOOG2", 1), ("GOOG2", 2)]
    assert set(outcome.trials["state"]) == {"COMPLETE"}


def test_an_experiment_needs_a_budget_and_a_known_sampler():
    with pytest.raises(WorkbenchError, match="needs a budget: give --trials, --timeout"):
        Experiment(BASE, "dropout=0..0.5", trials=None)
    with pytest.raises(WorkbenchError, match="Unknown sampler 'cmaes'"):
        Experiment(BASE, "dropout=0..0.5", sampler="cmaes")
    with pytest.raises(WorkbenchError, match="--objective-horizon 5 is not among the horizons 1"):
        Experiment(BASE, "dropout=0..0.5", objective_horizon=5)


def test_a_study_name_in_use_is_refused_and_resume_needs_an_existing_one(search):
    search(trials=1, top_k=1, pruner="none")
    with pytest.raises(WorkbenchError, match="A study named 's' already exists .*main.py search resume s"):
        search(trials=1)
    with pytest.raises(WorkbenchError, match="There is no study 'other' .* to resume"):
        search(trials=1, name="other", resume=True)


def test_a_wall_time_budget_stops_asking_and_lets_the_asked_trials_finish(search):
    """Within the 0.06 s budget only the first asks happen: two per worker with TPE's look-ahead, one with random."""
    for sampler, most in (("tpe", 4), ("random", 2)):
        _, outcome = search(trials=None, timeout_min=0.001, workers=2, top_k=1, pruner="none", sampler=sampler,
                            name=sampler)
        assert 1 <= len(outcome.trials) <= most and set(outcome.trials["state"]) == {"COMPLETE"}


def test_live_trials_follow_the_events_and_the_estimate_scales_with_trials_and_workers(search, goog_420):
    from engine.experiments.estimate import estimate_search

    snapshots = []
    driver, _ = search(trials=2, workers=2, top_k=1, pruner="none", run=False,
                       on_event=lambda event: snapshots.append(driver.live_trials()))
    outcome = driver.run()
    assert "RUNNING" in set(pd.concat(snapshots)["state"])
    live = driver.live_trials()
    assert live["state"].tolist() == ["COMPLETE"] * 2 and live["step"].min() >= 1
    assert live["value"].tolist() == outcome.trials["value"].tolist()
    one = estimate_search(driver.experiment, goog_420, workers=1)
    assert one.trial_s > 0 and one.total_s == pytest.approx(2 * one.trial_s + one.holdout_s)
    two = estimate_search(replace(driver.experiment, trials=4), goog_420, workers=2)
    assert two.total_s == pytest.approx(2 * two.trial_s + two.holdout_s)

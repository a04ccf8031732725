"""The leaderboard frame: a row per run × ticker × model × horizon, and mean ± std rows over seeds."""
from dataclasses import replace

import numpy as np
import pytest

from engine.baseline import BUY_AND_HOLD, LINEAR_BASELINE, NAIVE
from engine.fit_config import TrainConfig, WalkForwardConfig
from engine.leaderboard import BoardRun, Leaderboard, best_rows, seed_summary
from engine.pipeline import run_backtest
from engine.runs import RunConfig
from engine.skill import run_stats_over_seeds
from engine.trading import TradingConfig
from engine.windows import WindowConfig
from models import model_config_for

CONFIG = RunConfig(windows=WindowConfig(window=8, horizons=(1, 2), features=("log_return",)),
                   models=(model_config_for("mlp", hidden_layers=(8,)),),
                   training=TrainConfig(epochs=2, device="cpu", patience=0),
                   walk_forward=WalkForwardConfig(initial_train=150, retrain_every=80),
                   trading=TradingConfig(bootstrap_repetitions=100))


def _seeded(seed: int) -> RunConfig:
    return replace(CONFIG, training=replace(CONFIG.training, seed=seed))


@pytest.fixture(scope="module")
def run(goog_bars):
    return run_backtest(CONFIG, goog_bars)


@pytest.fixture(scope="module")
def run_seed_1(goog_bars):
    return run_backtest(_seeded(1), goog_bars)


def test_seed_summary_gives_mean_and_std(run):
    shifted = run.result.metrics.copy()
    shifted["Return [%]"] = shifted["Return [%]"] + 2.0
    summary = seed_summary([run.result.metrics, shifted])
    row = summary[(summary["model"] == "mlp") & (summary["horizon"] == 1)].iloc[0]
    original = run.result.metrics.query("model == 'mlp' and horizon == 1")["Return [%]"].iloc[0]
    assert row["Return [%] mean"] == pytest.approx(original + 1.0)
    assert row["Return [%] std"] == pytest.approx(np.sqrt(2.0))
    assert row["runs"] == 2


def test_a_row_per_cell_with_the_run_level_deflated_sharpe_for_its_trials(run):
    board = Leaderboard()
    board.add(BoardRun("run 1", CONFIG, run.result))
    frame = board.frame()
    metrics = run.result.metrics
    assert len(frame) == len(metrics) and set(frame["Run"]) == {"run 1"}
    kinds = dict(zip(frame["Model"], frame["kind"]))
    assert kinds[BUY_AND_HOLD] == kinds[NAIVE] == kinds[LINEAR_BASELINE] == "baseline" and kinds["mlp"] == "model"
    mlp = frame[(frame["Model"] == "mlp") & (frame["Horizon"] == 1)].iloc[0]
    want = metrics[(metrics["model"] == "mlp") & (metrics["horizon"] == 1)].iloc[0]
    assert mlp["Sharpe Ratio"] == want["Sharpe Ratio"] and mlp["DM p vs naive"] == want["DM p vs naive"]
    assert (mlp["Sharpe CI"], mlp["Sharpe CI upper"]) == (want["Sharpe CI low"], want["Sharpe CI high"])
    stats = run.result.run_stats
    assert mlp["DSR"] == pytest.approx(stats.loc[stats["horizon"] == 1, "DSR"].iloc[0])
    assert "Best of 2 trials" in mlp["DSR details"]
    held = frame[frame["Model"].isin((BUY_AND_HOLD, NAIVE))]
    assert held["DSR"].isna().all()  # no trial of the run's


def test_runs_that_differ_only_in_the_seed_get_mean_and_std_rows(run, run_seed_1):
    board = Leaderboard()
    board.add(BoardRun("run 1", CONFIG, run.result))
    board.add(BoardRun("run 2", _seeded(1), run_seed_1.result))
    board.add(BoardRun("run 3", replace(CONFIG, windows=replace(CONFIG.windows, window=12)), run.result))
    frame = board.frame()
    seeds = frame[frame["kind"] == "seeds"]
    assert set(seeds["Model"]) == {"mlp", LINEAR_BASELINE}  # Buy & Hold and Naive do not depend on the seed
    assert set(seeds["Run"]) == {"mean: run 1, run 2"} and set(seeds["members"]) == {("run 1", "run 2")}
    expected = seed_summary([run.result.metrics, run_seed_1.result.metrics])
    row = seeds[(seeds["Model"] == "mlp") & (seeds["Horizon"] == 2)].iloc[0]
    want = expected[(expected["model"] == "mlp") & (expected["horizon"] == 2)].iloc[0]
    assert row["Sharpe Ratio"] == pytest.approx(want["Sharpe Ratio mean"])
    assert row["Sharpe Ratio std"] == pytest.approx(want["Sharpe Ratio std"])
    assert np.isnan(row["DM p vs naive"]) and np.isnan(row["Sharpe CI"])  # neither is averaged
    over = run_stats_over_seeds({0: run.result, 1: run_seed_1.result}, target=CONFIG.windows.target,
                                repetitions=CONFIG.trading.bootstrap_repetitions)
    assert row["DSR"] == pytest.approx(over.loc[over["horizon"] == 2, "DSR"].iloc[0])

    board.remove("run 2")
    assert not (board.frame()["kind"] == "seeds").any()


def test_stored_runs_keep_their_id_and_damaged_ones_are_listed(run):
    from engine.store import StoredRun

    board = Leaderboard()
    board.add(BoardRun.from_stored(StoredRun(7, "2026-01-02T03:04:05", "mine", CONFIG, "abc", run.result)))
    board.add_damaged({8: "Run 8 is damaged"})
    [stored] = board.runs
    assert stored.key == "#7" and stored.store_id == 7 and board.damaged == {8: "Run 8 is damaged"}
    assert stored.details.startswith("mine — window 8") and "stored 2026-01-02 03:04" in stored.details
    board.remove("#8")
    assert board.damaged == {}


def test_best_rows_are_the_best_of_the_rows_shown(run):
    board = Leaderboard()
    board.add(BoardRun("run 1", CONFIG, run.result))
    frame = board.frame()
    lowest = frame["Theil's U"].idxmin()
    assert best_rows(frame, range(len(frame)))["Theil's U"] == {lowest}
    others = [r for r in range(len(frame)) if r != lowest]
    assert best_rows(frame, others)["Theil's U"] == {frame.loc[others, "Theil's U"].idxmin()}
    assert best_rows(frame, [])["Sharpe Ratio"] == set()

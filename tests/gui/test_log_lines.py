"""The words of the GUI log (gui/log_lines.py), Qt-free."""
from __future__ import annotations

from engine.estimate import BacktestProgress, TimeEstimate
from engine.runs import DataConfig, RunConfig
from gui import log_lines
from gui.events import BacktestRequest, ModelEvaluated, RunResult, WindowsReady


def test_a_run_start_names_its_models_series_and_settings():
    config = RunConfig(DataConfig(tickers=("SP500",), csv_files=("C:\\data\\mine.csv",)))
    plain = log_lines.run_started(3, config, ["lstm"])
    assert plain.startswith("Run 3 started: lstm on SP500, MINE, ") and f"window {config.windows.window}" in plain
    walk = log_lines.run_started(4, BacktestRequest(config), ["lstm", "linear (baseline)"])
    assert walk.startswith("Run 4 started (Train & Backtest): lstm, linear (baseline) on SP500, MINE, walk-forward")


def test_estimates_say_what_they_cover():
    training = TimeEstimate(125.0, {"lstm": 125.0}, 4)
    assert log_lines.estimate(1, training) == ("Run 1: estimated training time about 2 min 05 s "
                                               "(timed 4 steps per model)")
    walk = TimeEstimate(125.0, {"lstm": 125.0}, 4, scope="backtest")
    assert "estimated time for the whole walk-forward about 2 min 05 s" in log_lines.estimate(1, walk)
    assert log_lines.estimate_asked(training).startswith("Estimated training time: about 2 min 05 s (lstm 2 min 05 s)")


def test_the_overall_time_left_is_empty_before_the_first_fold():
    assert log_lines.overall_left(None) == ""
    assert log_lines.overall_left(BacktestProgress(3, 12, 30.0, 90.0)) == \
        " · 3 of 12 folds done, about 1 min 30 s left overall"


def test_windows_and_scores():
    assert log_lines.windows_ready(2, WindowsReady(700, 150, 150, 60, 5)) == \
        "Run 2: 700 training / 150 validation / 150 test windows"
    assert log_lines.evaluated(2, ModelEvaluated("mlp", {})) is None  # its TrainingEnded line said why
    assert log_lines.evaluated(2, ModelEvaluated("mlp", {"Theil's U": 0.98765})) == \
        "Run 2: mlp on the test split: Theil's U 0.9877"


def test_a_training_run_ends_in_one_of_three_ways():
    config = RunConfig()
    assert "cancelled" in log_lines.training_finished(1, RunResult(config, {}, cancelled=True))
    assert "evaluated on the test split" in log_lines.training_finished(1, RunResult(config, {"a": 1}, {"a": {}}))
    assert "not evaluated" in log_lines.training_finished(1, RunResult(config, {"a": 1}))

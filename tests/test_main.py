"""The headless command line: real runs on the bundled sample, one-line errors."""
import argparse
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from engine.runs import RunConfig
from main import _parser, _print_leaderboard, _run_config, main

REPO = Path(__file__).resolve().parents[1]
TINY = ["--epochs", "2", "--window", "10", "--hidden-size", "8", "--layers", "1", "--start", "2014-01-01"]


def test_train_writes_models_run_config_and_summary(tmp_path, capsys):
    code = main(["train", "--ticker", "SP500", "--arch", "lstm", "--arch", "linear", *TINY, "--out", str(tmp_path)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "[lstm] epoch   2/2" in printed and "[linear] epoch   1/2" in printed
    assert "[lstm] diagnosis: " in printed and "[linear] diagnosis: " in printed
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert set(summary) == {"lstm", "linear"}
    assert summary["lstm"]["diagnosis"]["verdict"] in {"no_signal", "over_fitting", "under_fitting", "good_fit"}
    assert summary["lstm"]["test"]["Theil's U"] > 0
    config = RunConfig.from_json((tmp_path / "run.json").read_text())
    assert config.data.tickers == ("SP500",) and [m.arch for m in config.models] == ["lstm", "linear"]
    assert (tmp_path / "lstm" / "model.pt").is_file() and (tmp_path / "linear" / "model.json").is_file()


def test_train_draws_a_learning_curve_on_demand(tmp_path, capsys):
    args = ["train", "--synthetic", "preset=learnable,n=600", "--arch", "nlinear", "--epochs", "2", "--window", "10",
            "--learning-curve", "--out", str(tmp_path)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "[nlinear] reading: " in printed
    curve = pd.read_csv(tmp_path / "learning_curve.csv")
    assert list(curve["fraction"]) == [0.25, 0.5, 0.75, 1.0] and (curve["val_loss"] > 0).all()


def test_a_learning_curve_with_too_few_windows_is_refused_before_training(tmp_path, capsys):
    args = ["train", "--synthetic", "preset=learnable,n=300", "--arch", "nlinear", "--batch-size", "128",
            "--learning-curve", "--out", str(tmp_path)]
    assert main(args) == 2
    captured = capsys.readouterr()
    assert "epoch" not in captured.out and "needs at least 128" in captured.err


def test_data_prints_the_quality_report(capsys):
    assert main(["data", "--ticker", "SP500"]) == 0
    assert "SP500" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["train", "--ticker", "../etc/passwd"], "is not valid"),
    (["train", "--csv", "no/such/file.csv"], "no/such/file.csv"),
    (["train", "--lr", "0"], "Learning rate must be above 0"),
    (["train", "--window", "0"], "Window must be at least 1"),
])
def test_expected_errors_exit_non_zero_with_one_line_and_no_traceback(args, message):
    result = subprocess.run([sys.executable, "main.py", *args, "--epochs", "1"], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_an_unknown_calendar_exits_non_zero_with_one_line(real_data):
    csv = real_data / "GOOG_daily_2004_2013.csv"
    result = subprocess.run([sys.executable, "main.py", "data", "--csv", str(csv), "--calendar", "NOPE"], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: Unknown exchange calendar 'NOPE'") and result.stderr.count("\n") == 1


def _options(command: str) -> list[argparse.Action]:
    commands = next(action for action in _parser()._actions if isinstance(action, argparse._SubParsersAction))
    return [action for action in commands.choices[command]._actions if action.dest != "help"]


@pytest.mark.parametrize("command", ["train", "backtest", "search"])
def test_every_option_says_what_it_does_and_its_default(command):
    for action in _options(command):
        assert action.help and "default" in action.help, f"{action.option_strings} needs a help text with its default"


def test_option_defaults_are_the_config_defaults():
    assert _run_config(_parser().parse_args(["backtest"])) == RunConfig()


@pytest.mark.parametrize("command", ["train", "search"])
def test_help_shows_defaults_without_loading_torch(command):
    result = subprocess.run([sys.executable, "-X", "importtime", "main.py", command, "--help"], cwd=REPO, check=False,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "(default 0.15)" in " ".join(result.stdout.split())
    assert "torch" not in {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}


def test_leaderboard_prints_counts_as_whole_numbers_and_missing_values_as_n_a(capsys):
    metrics = pd.DataFrame({"ticker": ["T", "T"], "model": ["lstm", "Naive (no change)"], "horizon": [1, 1],
                            "Return [%]": [12.3456, float("nan")], "# Trades": [317.0, float("nan")]})
    _print_leaderboard(metrics)
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    assert rows == [["T", "lstm", "1", "12.346", "317"], ["T", "Naive", "(no", "change)", "1", "n/a", "n/a"]]


def test_run_config_round_trips_through_json():
    config = RunConfig()
    assert RunConfig.from_json(config.to_json()) == config


def test_backtest_writes_predictions_and_metrics_csv_and_stores_the_run(tmp_path, capsys):
    args = ["backtest", "--ticker", "SP500", "--arch", "gru", "--arch", "mlp", *TINY, "--horizons", "1,5",
            "--initial-train", "600", "--retrain-every", "300", "--out", str(tmp_path)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "fold 1/" in printed and "stored as run" in printed
    assert printed.count("  diagnosis: ") == 2 * printed.count("gru on SP500: fold")  # a verdict per network fold
    folds = pd.read_csv(tmp_path / "folds.csv")
    assert folds.loc[folds["model"] == "gru", "verdict"].notna().all()
    predictions = pd.read_csv(tmp_path / "predictions.csv", parse_dates=["date", "target_date"])
    assert {"date", "ticker", "model", "horizon", "fold", "actual", "predicted", "signal", "position",
            "strategy_return", "equity", "benchmark_equity"} <= set(predictions.columns)
    assert set(predictions["model"]) == {"gru", "mlp", "linear (baseline)"}
    assert (predictions["target_date"] > predictions["date"]).all()
    metrics = pd.read_csv(tmp_path / "metrics.csv")
    assert {"Buy & Hold", "Naive (no change)"} <= set(metrics["model"])
    assert {"Sharpe Ratio", "Max. Drawdown [%]", "Theil's U", "MASE"} <= set(metrics.columns)


def test_backtest_over_several_seeds_summarises_them(tmp_path):
    args = ["backtest", "--ticker", "SP500", "--arch", "mlp", *TINY, "--initial-train", "600", "--retrain-every",
            "0", "--seeds", "2", "--no-store", "--out", str(tmp_path)]
    assert main(args) == 0
    summary = pd.read_csv(tmp_path / "seeds_summary.csv")
    assert (summary.loc[summary["model"] == "mlp", "runs"] == 2).all()
    assert "Return [%] std" in summary.columns


def test_stored_runs_can_be_listed_exported_rerun_and_deleted(tmp_path, capsys):
    args = ["backtest", "--ticker", "SP500", "--arch", "mlp", *TINY, "--initial-train", "600", "--retrain-every",
            "0", "--out", str(tmp_path / "first")]
    assert main(args) == 0
    assert main(["runs", "list"]) == 0
    listed = capsys.readouterr().out
    assert "SP500" in listed and "mlp" in listed
    assert main(["runs", "export", "1", "--out", str(tmp_path / "exported")]) == 0
    exported = pd.read_csv(tmp_path / "exported" / "predictions.csv")
    pd.testing.assert_frame_equal(exported, pd.read_csv(tmp_path / "first" / "predictions.csv"))
    assert main(["runs", "rerun", "1", "--out", str(tmp_path / "again")]) == 0
    rerun = pd.read_csv(tmp_path / "again" / "predictions.csv")
    pd.testing.assert_frame_equal(rerun, exported)  # same stored config and seed: the same predictions on CPU
    assert main(["runs", "delete", "1"]) == 0
    assert main(["runs", "export", "1", "--out", str(tmp_path / "gone")]) == 2
    assert "no stored run 1" in capsys.readouterr().err


def test_a_window_larger_than_a_walk_forward_fold_names_the_fold_not_the_series(tmp_path, capsys):
    args = ["backtest", "--ticker", "SP500", "--window", "100000", "--no-store", "--out", str(tmp_path / "out")]
    assert main(args) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: Walk-forward fold 1 of 60 on SP500 ")
    assert "(bars 1999-01-04 to 2004-04-07, 1323 rows): too few for a window of 100000 bars" in error
    assert "SP500 has" not in error and not (tmp_path / "out").exists()


def test_backtest_trading_and_early_stopping_options_reach_the_run_config():
    args = _parser().parse_args(["backtest", "--position-size", "0.5", "--initial-capital", "2500",
                                 "--risk-free-rate", "0.03", "--early-stop-fraction", "0.3"])
    config = _run_config(args)
    assert (config.trading.position_size, config.trading.initial_capital, config.trading.risk_free_rate) == (
        0.5, 2500, 0.03)
    assert config.walk_forward.early_stop_fraction == 0.3


@pytest.mark.parametrize("flag", ["--val-fraction", "--test-fraction"])
def test_a_backtest_given_a_fixed_split_option_says_it_does_not_apply_and_names_the_right_one(flag, capsys):
    assert main(["backtest", flag, "0.4", "--no-store"]) == 2
    error = capsys.readouterr().err
    assert f"{flag} sets the fixed split of 'train' and does nothing in a backtest" in error
    assert "--early-stop-fraction" in error


def test_train_still_takes_its_validation_share():
    assert _run_config(_parser().parse_args(["train", "--val-fraction", "0.3"])).windows.val_fraction == 0.3


def test_deleting_a_run_that_does_not_exist_exits_2(capsys):
    assert main(["runs", "delete", "99"]) == 2
    assert "There is no stored run 99" in capsys.readouterr().err

"""Settings that cannot work: refused up front with a message that says what to change, never a traceback.

The settings objects' own checks (window 0, horizon 0, epochs 0, learning rate ≤ 0, batch size 0, batch size
above the training set) are tested in tests/engine; here the cases they leave, and the CLI end to end.
"""
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from engine.errors import WorkbenchError
from engine.pipeline import run_backtest
from engine.runs import RunConfig
from engine.windows import WindowConfig, build_windows
from main import main

REPO = Path(__file__).resolve().parents[2]


def test_a_window_larger_than_the_data_says_what_to_change(goog):
    with pytest.raises(WorkbenchError, match=r"GOOG has 330 rows: too few for a window of 400 bars.*"
                                             r"Use a shorter window or horizon, a longer date range"):
        build_windows({"GOOG": goog}, WindowConfig(window=400))


def test_a_window_larger_than_a_walk_forward_fold_says_what_to_change(goog, tiny_run):
    config = replace(tiny_run, windows=replace(tiny_run.windows, window=200))
    with pytest.raises(WorkbenchError, match=r"too few for a window of 200 bars.*Use a shorter window"):
        run_backtest(config, {"GOOG": goog})


def test_an_empty_architecture_selection_is_refused():
    with pytest.raises(WorkbenchError, match=r"No architecture selected: tick at least one model"):
        RunConfig(models=())


def test_a_saved_run_with_no_architecture_is_refused_when_read_back(tiny_run):
    saved = tiny_run.to_dict() | {"models": []}
    with pytest.raises(WorkbenchError, match=r"No architecture selected"):
        RunConfig.from_dict(saved)


@pytest.mark.parametrize("args, message", [
    (["--horizons", "0"], "Horizons must be 1 or more bars ahead, got [0]"),
    (["--epochs", "0"], "Epochs must be at least 1, got 0"),
    (["--lr", "-0.001"], "Learning rate must be above 0, got -0.001"),
    (["--window", "400"], "GOOG has 330 rows: too few for a window of 400 bars"),
], ids=["horizon-0", "epochs-0", "negative-lr", "window-larger-than-data"])
def test_cli_refuses_bad_settings_with_one_line_and_writes_nothing(args, message, goog_csv, tmp_path):
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "main.py", "train", "--csv", str(goog_csv), "--hidden-size", "8",
                             "--epochs", "1", *args, "--out", str(out)],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert not out.exists()


@pytest.mark.parametrize("horizons", ["abc", "1,,5"])
def test_cli_refuses_unreadable_horizons_without_a_traceback(horizons, goog_csv, tmp_path, capsys):
    code = main(["train", "--csv", str(goog_csv), "--horizons", horizons, "--out", str(tmp_path / "out")])
    assert code == 2 and horizons in capsys.readouterr().err


def test_cli_refuses_an_unreadable_start_date_without_a_traceback(goog_csv, tmp_path, capsys):
    code = main(["train", "--csv", str(goog_csv), "--start", "31/12/2004", "--out", str(tmp_path / "out")])
    assert code == 2 and "31/12/2004" in capsys.readouterr().err

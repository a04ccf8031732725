"""main.py search: the exact command line, its files, backtest --config re-running the best, and resume after
kill -9."""
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from engine.runs import RunConfig
from main import main

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def goog_csv(real_data, tmp_path) -> Path:
    """GOOG's first 420 daily bars as a CSV file."""
    lines = (real_data / "GOOG_daily_2004_2013.csv").read_text().splitlines()[:421]
    path = tmp_path / "goog.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _tiny(csv: Path) -> list[str]:
    return ["--csv", str(csv), "--epochs", "1", "--window", "8", "--features", "log_return", "--batch-size", "32",
            "--initial-train", "150", "--retrain-every", "60", "--bootstrap-repetitions", "10", "--device", "cpu"]


def test_search_writes_trials_holdout_and_best_config_which_backtest_reruns(goog_csv, tmp_path, capsys):
    out = tmp_path / "search"
    code = main(["search", *_tiny(goog_csv), "--arch", "mlp", "--arch", "linear",
                 "--space", "dropout=0..0.5,learning_rate=1e-3..1e-2:log,window=6..12", "--objective", "sharpe",
                 "--trials", "3", "--workers", "2", "--holdout", "0.2", "--top-k", "2", "--seed", "3",
                 "--storage", f"sqlite:///{tmp_path / 'studies.sqlite'}", "--name", "cli", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "search cli: 3 trials on 2 workers" in printed and "eta" in printed and "hold-out from" in printed
    trials = pd.read_csv(out / "trials.csv")
    assert list(trials.columns) == ["number", "state", "arch", "dropout", "learning_rate", "window", "value",
                                    "duration_s", "started"]
    assert len(trials) == 3 and set(trials["arch"]) <= {"mlp", "linear"}
    holdout = pd.read_csv(out / "holdout.csv")
    assert list(holdout.columns[:7]) == ["rank", "arch", "dropout", "learning_rate", "window", "search_value",
                                         "holdout_value"]
    assert holdout["rank"].tolist() == [1, 2] and "Sharpe Ratio" in holdout
    best = RunConfig.from_json((out / "best_config.json").read_text())
    assert best.models[0].arch == holdout["arch"][0] and best.windows.window == holdout["window"][0]
    rerun = ["backtest", "--config", str(out / "best_config.json"), "--no-store", "--out", str(tmp_path / "bt")]
    assert main(rerun) == 0
    assert (tmp_path / "bt" / "metrics.csv").is_file()


@pytest.mark.parametrize("options, message", [
    (["--space", "hiden_size=8..64"], "error: --space has no field 'hiden_size': the known fields are"),
    (["--space", "window=60..10"], "error: --space window=60..10 is an inverted range"),
    (["--space", "dropout=0..0.95"], "error: --space dropout=0.95 is refused by the run configuration"),
    (["--space", "dropout=0..0.5", "--sampler", "grid"], "error: The grid sampler needs a finite set of values"),
    (["--space", "dropout=0..0.5", "--objective", "luck"], "error: Unknown objective 'luck'"),
    (["resume"], "error: Cannot read 'search resume'"),
])
def test_bad_search_options_are_one_line_and_exit_2(goog_csv, options, message, capsys):
    assert main(["search", *_tiny(goog_csv), "--arch", "mlp", *options]) == 2
    error = capsys.readouterr().err
    assert error.startswith(message) and error.count("\n") == 1


def test_an_unreachable_ray_head_is_one_line_offering_local(goog_csv, tmp_path, capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = main(["search", *_tiny(goog_csv), "--arch", "mlp", "--space", "dropout=0..0.5", "--executor", "ray",
                 "--ray-address", f"127.0.0.1:{port}", "--storage", f"sqlite:///{tmp_path / 's.sqlite'}"])
    error = capsys.readouterr().err
    assert code == 2 and f"Cannot reach the Ray head at 127.0.0.1:{port}" in error and "--executor local" in error


def _complete_trials(path: Path) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(path, timeout=5) as connection:
        try:
            return connection.execute("SELECT count(*) FROM trials WHERE state = 'COMPLETE'").fetchone()[0]
        except sqlite3.OperationalError:  # the tables are not made yet
            return 0


def test_a_study_killed_with_sigkill_resumes_keeping_its_finished_trials(goog_csv, tmp_path):
    storage, out = tmp_path / "studies.sqlite", tmp_path / "out"
    url = f"sqlite:///{storage}"
    command = [sys.executable, "main.py", "search", *_tiny(goog_csv), "--arch", "mlp", "--space",
               "dropout=0..0.5", "--trials", "4", "--workers", "1", "--pruner", "none", "--top-k", "1",
               "--storage", url, "--name", "killed", "--out", str(out)]
    study = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while _complete_trials(storage) < 1 and time.monotonic() < deadline and study.poll() is None:
            time.sleep(0.2)
    finally:
        os.killpg(study.pid, signal.SIGKILL)  # the driver and its workers, at once
        study.wait()
    kept = _complete_trials(storage)
    assert 1 <= kept < 4 and not (out / "trials.csv").exists()
    resumed = subprocess.run([sys.executable, "main.py", "search", "resume", "killed", "--storage", url], cwd=REPO,
                             capture_output=True, text=True, timeout=240)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{kept} kept" in resumed.stdout
    trials = pd.read_csv(out / "trials.csv")  # the out folder the study was started with
    assert (trials["state"] == "COMPLETE").sum() == 4
    interrupted = trials[trials["state"] == "FAIL"]  # the one running and the one asked ahead, both retried
    assert len(interrupted) <= 2 and (out / "holdout.csv").is_file()
    assert json.loads((out / "best_config.json").read_text())["models"][0]["arch"] == "mlp"

"""Same seed ⇒ identical predictions on the CPU: a walk-forward backtest reruns bit for bit, in this process or another.

Identical weights from train_model alone are tested in tests/engine/test_train.py.
"""
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from engine.pipeline import run_backtest
from main import main

REPO = Path(__file__).resolve().parents[2]


def test_same_seed_gives_identical_walk_forward_predictions_on_cpu(goog, tiny_run):
    first, second = (run_backtest(tiny_run, {"GOOG": goog}) for _ in range(2))

    pd.testing.assert_frame_equal(first.result.predictions, second.result.predictions, check_exact=True)
    pd.testing.assert_frame_equal(first.result.metrics, second.result.metrics, check_exact=True)
    assert first.models.keys() == second.models.keys()
    for key, (state, scalers) in first.models.items():
        assert all(torch.equal(tensor, second.models[key][0][name]) for name, tensor in state.items())
        assert scalers == second.models[key][1]

    other = run_backtest(replace(tiny_run, training=replace(tiny_run.training, seed=4)), {"GOOG": goog})
    mlp = first.result.predictions["model"] == "mlp"
    assert not np.array_equal(first.result.predictions.loc[mlp, "predicted"],
                              other.result.predictions.loc[mlp, "predicted"])


def test_same_seed_gives_byte_identical_exports_in_a_fresh_process(goog_csv, tmp_path):
    args = ["backtest", "--csv", str(goog_csv), "--arch", "mlp", "--window", "8", "--features", "log_return",
            "--epochs", "2", "--batch-size", "16", "--initial-train", "150", "--retrain-every", "80", "--seed", "5",
            "--no-store"]
    assert main([*args, "--out", str(tmp_path / "here")]) == 0
    subprocess.run([sys.executable, "main.py", *args, "--out", str(tmp_path / "there")], cwd=REPO, check=True,
                   capture_output=True, timeout=300)

    for name in ("predictions.csv", "metrics.csv", "equity.csv", "trades.csv", "folds.csv", "run_stats.csv"):
        assert (tmp_path / "here" / name).read_bytes() == (tmp_path / "there" / name).read_bytes(), name

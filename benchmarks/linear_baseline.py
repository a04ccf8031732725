"""Theil's U of the linear baseline on the SP500 walk-forward: trained by gradient descent (before) vs fitted.

The data are the bundled SP500 daily bars from 2009 (2,516 bars, to 2018-12-31). The walk starts
after 945 bars and retrains every 63 on an expanding span (25 folds), predicting the next bar's log
return (horizon 1); windows, scalers and the early-stopping share are the app's defaults. Every
row uses the same folds, windows, targets and scalers:

  before      model_config_for("linear") trained in each fold with TrainConfig(epochs=--epochs),
              otherwise the app's training defaults (Adam 1e-3, batch 64, warm start): the
              baseline as it was, trained with the run's own settings
  after       the fitted baseline, engine.backtest.LinearBaselineFitter (ridge, α chosen on
              each fold's early-stopping samples)
  OLS         numpy least squares with an intercept on each fold's training samples: the
              independent reference
  OLS + val   the same on the training and early-stopping samples together

Theil's U = RMSE / RMSE of the no-change forecast (0 for a log return) over every prediction:
below 1 beats no change. Wall time is time.perf_counter around each walk.

Run:  .venv/bin/python benchmarks/linear_baseline.py [--epochs 3] [--seeds 1] [--threads 1]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a plain script from any folder

from benchmarks.machine import cpu_name  # noqa: E402
from engine.backtest import LinearBaselineFitter, NetworkFitter, walk_forward  # noqa: E402
from engine.data import load_sample  # noqa: E402
from engine.fit_config import TrainConfig, WalkForwardConfig  # noqa: E402
from engine.folds import fold_spans  # noqa: E402
from engine.windows import WindowConfig, window_series  # noqa: E402
from models import model_config_for  # noqa: E402

TICKER, START = "SP500", "2009-01-01"
WINDOWS = WindowConfig()  # the app's default: log_return target, horizon 1, window 30, four features
SCHEDULE = WalkForwardConfig(initial_train=945, retrain_every=63)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs of the gradient-descent linear (default 3)")
    parser.add_argument("--seeds", type=int, default=1, help="gradient-descent walks with seeds 0 .. N-1 (default 1)")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    bars = load_sample(TICKER)[0].loc[START:]
    print(f"torch {torch.__version__} on {cpu_name()}, {os.cpu_count()} cores, torch threads {args.threads}")
    print(f"data: {TICKER} {bars.index[0]:%Y-%m-%d} to {bars.index[-1]:%Y-%m-%d}, {len(bars)} bars; "
          f"{len(fold_spans(len(bars), SCHEDULE, WINDOWS.horizons))} folds, first {SCHEDULE.initial_train} bars to "
          f"train, retrain every {SCHEDULE.retrain_every}; window {WINDOWS.window} x {len(WINDOWS.features)} "
          f"features -> {WINDOWS.target}, horizon 1\n")
    print(f"{'forecast':38} {'Theil U':>8} {'RMSE':>9} {'wall s':>7}")
    for seed in range(args.seeds):
        training = TrainConfig(epochs=args.epochs, seed=seed, device="cpu")
        fit = NetworkFitter(model_config_for("linear"), training, SCHEDULE, classification=False)
        _report(f"before: linear net, {args.epochs} epochs, seed {seed}", *_timed(lambda: _walk(bars, fit)))
    _report("after: fitted baseline (ridge)", *_timed(lambda: _walk(bars, LinearBaselineFitter(False))))
    _report("OLS, training samples (numpy)", *_timed(lambda: _ols(bars, with_val=False)))
    _report("OLS + val samples (numpy)", *_timed(lambda: _ols(bars, with_val=True)))


def _walk(bars: pd.DataFrame, fit) -> tuple[np.ndarray, np.ndarray]:
    predictions = walk_forward(TICKER, bars, "linear", fit, WINDOWS, SCHEDULE).predictions
    return predictions["actual"].to_numpy(), predictions["predicted"].to_numpy()


def _ols(bars: pd.DataFrame, *, with_val: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per fold, least squares with an intercept on the fold's own scaled samples, predicting its test samples."""
    actual, predicted = [], []
    for span in fold_spans(len(bars), SCHEDULE, WINDOWS.horizons):
        samples, scalers = window_series(TICKER, bars.iloc[span.low:span.high], WINDOWS, span.val_start,
                                         span.test_start)
        fitted = [samples["train"], samples["val"]] if with_val else [samples["train"]]
        x = np.concatenate([_design(s.x) for s in fitted])
        y = np.concatenate([s.y for s in fitted])
        coef, *_ = np.linalg.lstsq(x, y, rcond=None)
        predicted.append(scalers.target.inverse_transform(_design(samples["test"].x) @ coef)[:, 0])
        actual.append(samples["test"].actual[:, 0])
    return np.concatenate(actual), np.concatenate(predicted)


def _design(x: np.ndarray) -> np.ndarray:
    flat = x.reshape(len(x), -1).astype(np.float64)
    return np.column_stack([np.ones(len(flat)), flat])  # (n, 1 + window × features)


def _timed(walk) -> tuple[np.ndarray, np.ndarray, float]:
    started = time.perf_counter()
    actual, predicted = walk()
    return actual, predicted, time.perf_counter() - started


def _report(name: str, actual: np.ndarray, predicted: np.ndarray, seconds: float) -> None:
    rmse = np.sqrt(np.mean((actual - predicted) ** 2))
    naive_rmse = np.sqrt(np.mean(actual ** 2))  # the no-change forecast of a log return is 0
    print(f"{name:38} {rmse / naive_rmse:8.3f} {rmse:9.6f} {seconds:7.1f}", flush=True)


if __name__ == "__main__":
    main()

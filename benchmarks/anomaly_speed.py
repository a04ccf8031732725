"""Time to train and score 5,000 bars with the LSTM autoencoder on CPU, beside the robust z-score and the
IsolationForest on the same bars.

The bars are the synthetic series "n=5000,spikes=20,drops=10,seed=3" (the seed preset); the settings are the
anomaly command's defaults (window 30, train on the first half, hidden 32, latent 8, one layer, batch 32,
30 epochs with early stopping on the latest 15% of the training windows), or --epochs. Each row is timed with
time.perf_counter: the autoencoder's fit (engine.train.train_model) and its scoring of every window
(engine.train.predict and the errors) apart; the z-score over every bar; the IsolationForest's fit on the
training windows and its scoring of every window. The P/R/F1 columns score each detector's flags against the
injected positions within ±2 bars, as main.py anomalies does.

Run:  .venv/bin/python benchmarks/anomaly_speed.py [--epochs 30] [--threads 1] [--hidden 32]
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a plain script from any folder

from benchmarks.machine import cpu_name  # noqa: E402
from engine.anomaly import (  # noqa: E402
    anomaly_windows,
    autoencoder_threshold,
    fit_autoencoder,
    reconstruction_errors,
)
from engine.anomaly_config import ANOMALY_TRAINING, AnomalyConfig, AnomalyRunConfig  # noqa: E402
from engine.data.synthetic import generate_series, parse_spec  # noqa: E402
from engine.detectors import (  # noqa: E402
    isolation_forest_flags,
    last_bar_features,
    rolling_robust_z,
    score_detection,
)
from engine.runs import DataConfig  # noqa: E402
from models.lstm_autoencoder_config import LSTMAutoencoderConfig  # noqa: E402

SPEC = "n=5000,spikes=20,drops=10,seed=3"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=ANOMALY_TRAINING.epochs)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    series = generate_series(parse_spec(SPEC))
    config = AnomalyRunConfig(DataConfig(tickers=(), synthetic=SPEC), AnomalyConfig(),
                              LSTMAutoencoderConfig(hidden_size=args.hidden),
                              replace(ANOMALY_TRAINING, epochs=args.epochs, device="cpu"))
    detection, n = config.detection, len(series.bars)

    started = time.perf_counter()
    prepared = anomaly_windows(series.bars, detection)
    windows, ends, n_train = prepared.windows, prepared.ends, prepared.n_train
    trained = fit_autoencoder(windows[:n_train], config)
    fitted = time.perf_counter()
    errors, _ = reconstruction_errors(trained.model, windows)
    flags = _on_bars(ends, errors > autoencoder_threshold(errors[:n_train], detection), n)
    scored = time.perf_counter()
    rows = [(f"autoencoder: window + fit ({trained.outcome.epochs_run} epochs)", fitted - started, None),
            ("autoencoder: score every window", scored - fitted, flags)]

    started = time.perf_counter()
    z_flags = np.abs(rolling_robust_z(prepared.features[:, 0], detection.window)) > detection.zscore_threshold
    rows.append(("robust z-score: every bar", time.perf_counter() - started, z_flags))

    started = time.perf_counter()
    described = last_bar_features(windows)
    _, forest = isolation_forest_flags(described[:n_train], described, contamination=detection.contamination, seed=0)
    rows.append(("IsolationForest: fit + score", time.perf_counter() - started, _on_bars(ends, forest, n)))

    print(f"{cpu_name()}, torch {torch.__version__}, {args.threads} thread(s); {n} bars, {n_train} training "
          f"windows of {detection.window}, hidden {args.hidden}; {trained.outcome.message}")
    print(f"{'step':44s} {'wall s':>7s} {'flagged':>8s} {'P':>5s} {'R':>5s} {'F1':>5s}")
    for name, seconds, found in rows:
        if found is None:
            print(f"{name:44s} {seconds:7.2f}")
            continue
        result = score_detection(found, series.injected, detection.tolerance)
        print(f"{name:44s} {seconds:7.2f} {result.flagged:8d} {result.precision:5.2f} {result.recall:5.2f} "
              f"{result.f1:5.2f}")


def _on_bars(ends: np.ndarray, flags: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[ends] = flags
    return out


if __name__ == "__main__":
    main()

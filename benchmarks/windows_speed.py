"""Milliseconds per ticker for build_windows on 20 years of daily bars for 10 tickers.

Target: under 50 ms per ticker on a 2-core machine. The tickers are scaled, perturbed
copies of the bundled SP500 sample (about 5,000 bars each) under distinct names. Beside
the time, two references measured in the same run give the figure a scale on a noisy
machine: copying the output sample bytes with numpy (the floor for any windowing that
materialises the samples) and a pandas rolling mean over the same frames.

Run:  .venv/bin/python benchmarks/windows_speed.py [--tickers 10] [--repeats 7]
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a plain script from any folder

from engine.data import load_sample
from engine.features import feature_frame, target_frame
from engine.windows import WindowConfig, WindowedData, build_windows

TARGET_MS_PER_TICKER = 50.0
CONFIG = WindowConfig(window=60, horizons=(1, 5, 20))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickers", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=7, help="best of this many timed runs")
    args = parser.parse_args()

    bars = _tickers(args.tickers)
    n_bars = sum(len(frame) for frame in bars.values())
    windowed = build_windows(bars, CONFIG)  # warm-up: imports, first-call allocations
    outputs = [split.x for split in (windowed.train, windowed.val, windowed.test)]
    out_bytes = sum(array.nbytes for array in outputs)
    copies = [np.empty_like(array) for array in outputs]

    def copy_outputs() -> None:
        for source, target in zip(outputs, copies):
            np.copyto(target, source)

    def rolling_means() -> None:
        for frame in bars.values():
            frame.rolling(CONFIG.window).mean()

    def features_and_targets() -> None:
        for frame in bars.values():
            feature_frame(frame, CONFIG.features, volatility_window=CONFIG.volatility_window)
            target_frame(frame, CONFIG.target, CONFIG.horizons)

    # Interleaved rounds, so a burst of machine noise hits every measurement alike.
    timed: dict[str, Callable[[], object]] = {
        "build_windows": lambda: build_windows(bars, CONFIG),
        "  of which feature_frame + target_frame": features_and_targets,
        "numpy copy of the output samples": copy_outputs,
        "pandas rolling(60).mean() of the frames": rolling_means,
    }
    best = _best_of(timed, args.repeats)

    build_ms = best["build_windows"] * 1e3
    per_ticker = build_ms / args.tickers
    print(f"build_windows: {args.tickers} tickers, {n_bars} bars, {_describe(windowed)}, "
          f"{out_bytes / 1e6:.1f} MB of x; window {CONFIG.window}, horizons {CONFIG.horizons}, "
          f"best of {args.repeats}")
    print(f"{'measurement':42} {'ms total':>9} {'ms/ticker':>10} {'build / this':>13}")
    for name, seconds in best.items():
        ms = seconds * 1e3
        print(f"{name:42} {ms:9.2f} {ms / args.tickers:10.2f} {build_ms / ms:13.1f}")
    verdict = "PASS" if per_ticker < TARGET_MS_PER_TICKER else "FAIL"
    print(f"\n{per_ticker:.2f} ms per ticker (target < {TARGET_MS_PER_TICKER:.0f} ms): {verdict}")


def _tickers(count: int) -> dict[str, pd.DataFrame]:
    """`count` distinct price histories: SP500 scaled, with its own multiplicative random walk on top."""
    base, _ = load_sample("SP500")
    rng = np.random.default_rng(0)
    prices = ["open", "high", "low", "close"]
    tickers = {}
    for i in range(count):
        drift = np.exp(np.cumsum(rng.normal(0.0, 0.002, len(base))))  # one factor per bar keeps low <= high
        frame = base.copy()
        frame[prices] = base[prices].to_numpy() * (0.5 + i / count) * drift[:, None]
        frame["volume"] = base["volume"] * rng.uniform(0.5, 2.0)
        tickers[f"SYN{i:02d}"] = frame
    return tickers


def _best_of(timed: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    best = dict.fromkeys(timed, float("inf"))
    for _ in range(repeats):
        for name, run in timed.items():
            started = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - started)
    return best


def _describe(windowed: WindowedData) -> str:
    return f"{len(windowed.train)}/{len(windowed.val)}/{len(windowed.test)} train/val/test samples"


if __name__ == "__main__":
    main()

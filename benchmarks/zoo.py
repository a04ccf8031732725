"""The zoo: every architecture walked forward with the app's defaults over the SP500 sample and a learnable series.

Series:   the bundled SP500 daily bars from 2009-01-01 (2,516 bars, to 2018-12-31), and the synthetic series of
          engine.data.synthetic with preset "learnable" (2,000 bars of fast cycles and little noise).
Settings: the app's defaults (RunConfig(): window 30, four features, log-return target, horizon 1, each
          architecture's default fields, Adam 1e-3, batch 64, patience 10, warm starts of 10 epochs with patience
          3, the first 1,260 bars to train) except two, to fit the 2-core budget: --epochs (default 20, the
          cold first fold's most epochs; the app's 50) and --retrain-every (default 252 bars, yearly: 5 folds on
          SP500, 3 on the synthetic series; the app's 63).
Seeds:    --seeds (default 3): seed s trains fold k with seed s + k, as the app does.
Reported: per series and architecture, the mean over the seeds of RMSE, Theil's U (RMSE / the no-change RMSE),
          directional accuracy and the Diebold-Mariano p-value against the naive forecast, as the backtest's
          metrics table computes them over every walk-forward prediction; Theil's U's spread over the seeds;
          seconds per fit: the mean wall time from one fold's end to the next (windowing, training, predicting).
          Naive (no change) and the closed-form linear baseline walk the same folds.

Run:  nice .venv/bin/python benchmarks/zoo.py [--seeds 3] [--epochs 20] [--retrain-every 252] [--threads 1]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a plain script from any folder

from benchmarks.machine import cpu_name  # noqa: E402
from engine.backtest import FoldDone  # noqa: E402
from engine.baseline import LINEAR_BASELINE, NAIVE  # noqa: E402
from engine.data import load_sample  # noqa: E402
from engine.data.synthetic import generate_series, parse_spec  # noqa: E402
from engine.folds import fold_spans  # noqa: E402
from engine.pipeline import run_backtest  # noqa: E402
from engine.runs import RunConfig  # noqa: E402
from models import ARCHITECTURES, model_config_for  # noqa: E402

THEIL = "Theil's U"
COLUMNS = ["RMSE", THEIL, "Directional Accuracy [%]", "DM p vs naive"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. N-1 (default 3)")
    parser.add_argument("--epochs", type=int, default=20, help="most epochs of a cold fit (default 20)")
    parser.add_argument("--retrain-every", type=int, default=252, help="bars between retrains (default 252)")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    parser.add_argument("--out", default="zoo_results.csv", help="per-seed metrics CSV (default %(default)s)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    series = {"SP500": load_sample("SP500")[0].loc["2009-01-01":],
              "synthetic": generate_series(parse_spec("preset=learnable")).bars}
    base = RunConfig(models=tuple(model_config_for(arch) for arch in ARCHITECTURES))
    config = replace(base, training=replace(base.training, epochs=args.epochs, device="cpu"),
                     walk_forward=replace(base.walk_forward, retrain_every=args.retrain_every))
    print(f"torch {torch.__version__} on {cpu_name()}, {os.cpu_count()} cores, torch threads {args.threads}, "
          f"load average {os.getloadavg()[0]:.2f} at start")
    for name, bars in series.items():
        folds = len(fold_spans(len(bars), config.walk_forward, config.windows.horizons))
        print(f"{name}: {bars.index[0]:%Y-%m-%d} to {bars.index[-1]:%Y-%m-%d}, {len(bars)} bars, {folds} folds")
    rows, started = [], time.perf_counter()
    for seed in range(args.seeds):
        seeded = replace(config, training=replace(config.training, seed=seed))
        for name, bars in series.items():
            rows += _walk(name, bars, seeded, seed)
            print(f"seed {seed}, {name}: done at {time.perf_counter() - started:.0f} s", flush=True)
    frame = pd.DataFrame(rows)
    frame.to_csv(args.out, index=False)
    print(f"\nwhole benchmark: {time.perf_counter() - started:.0f} s, load average {os.getloadavg()[0]:.2f} at the end; "
          f"per-seed rows in {args.out}\n")
    print(_table(frame))


def _walk(name: str, bars: pd.DataFrame, config: RunConfig, seed: int) -> list[dict]:
    """One backtest of every architecture on one series: its metrics rows and each model's seconds per fit."""
    ends: dict[str, list[float]] = {}
    last = [time.perf_counter()]

    def on_event(event) -> None:
        if isinstance(event, FoldDone):
            now = time.perf_counter()
            ends.setdefault(event.fold.model, []).append(now - last[0])
            last[0] = now

    metrics = run_backtest(config, {name: bars}, on_event=on_event).result.metrics
    rows = []
    for record in metrics[metrics["model"] != "Buy & Hold"].to_dict("records"):
        fits = ends.get(record["model"], [])
        rows.append({"series": name, "seed": seed, "model": record["model"],
                     **{column: record.get(column) for column in COLUMNS},
                     "seconds per fit": sum(fits) / len(fits) if fits else float("nan")})
    return rows


def _table(frame: pd.DataFrame) -> str:
    """A markdown table per series: naive and the linear baseline first, then the zoo in catalog order."""
    order = [NAIVE, LINEAR_BASELINE, *ARCHITECTURES]
    lines = []
    for name, part in frame.groupby("series", sort=False):
        means = part.groupby("model")[[*COLUMNS, "seconds per fit"]].mean()
        spread = part.groupby("model")[THEIL].std()
        lines += [f"**{name}**", "", "| model | RMSE | Theil's U (± sd over seeds) | directional accuracy [%] | "
                  "DM p vs naive | s per fit |", "|---|---|---|---|---|---|"]
        for model in [m for m in order if m in means.index]:
            row = means.loc[model]
            seconds = "" if pd.isna(row["seconds per fit"]) else f"{row['seconds per fit']:.2f}"
            dm = "" if pd.isna(row["DM p vs naive"]) else f"{row['DM p vs naive']:.3f}"
            sd = "" if pd.isna(spread.get(model)) or spread.get(model) == 0 else f" ± {spread[model]:.3f}"
            lines.append(f"| {model} | {row['RMSE']:.5f} | {row[THEIL]:.3f}{sd} | "
                         f"{row['Directional Accuracy [%]']:.1f} | {dm} | {seconds} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()

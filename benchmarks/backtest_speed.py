"""Walk-forward wall time per architecture: cold retrains against warm-started ones, with the error of both.

The data are the bundled SP500 daily bars of 2009-2018 (2,516 bars). The walk starts after
945 bars (15 quarters) and retrains every 63 bars (a quarter) on an expanding span: 25 folds,
each predicting the next quarter's daily log return (horizon 1). Per architecture the same
walk runs twice with the same seeds and windows:

  cold  every fold trains from fresh weights for up to --epochs, stopped early on validation
  warm  fold 0 as cold; every later fold starts from the previous fold's weights for --warm-epochs

Everything else is the app's default (window 30, four features, Adam 1e-3, batch 64,
patience 10, learning-rate cut after 5 flat epochs, warm epochs 10). Models are the app's
defaults except the width (--hidden, default 32): recurrent hidden size, CNN channels and
the dense widths (h, h/2), so the full run stays within about six minutes on two cores.
Wall time is time.perf_counter around engine.backtest.walk_forward; RMSE and Theil's U come
from engine.results.evaluate on the walk's predictions. The two runs of an architecture
alternate which goes first, and with --repeats they are interleaved (cold, warm, warm,
cold, ...) and the median time is kept, so machine noise hits both.

Target (the issue): warm at least 3x faster than cold, at equal or better error, read as
warm RMSE <= cold RMSE x (1 + 1%); the tolerance is about the spread of cold RMSE between
seeds, so a smaller difference is noise, not a loss of accuracy.

Run:  .venv/bin/python benchmarks/backtest_speed.py [--archs lstm,gru,mlp,cnn] [--epochs 50]
          [--warm-epochs 10] [--hidden 32] [--threads 1] [--repeats 1] [--seed 0]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a plain script from any folder

from benchmarks.machine import cpu_name  # noqa: E402
from engine.backtest import NetworkFitter, WalkForward, walk_forward  # noqa: E402
from engine.data import load_sample  # noqa: E402
from engine.fit_config import (
    TrainConfig,  # noqa: E402
    WalkForwardConfig,  # noqa: E402
)
from engine.results import NAIVE, evaluate  # noqa: E402
from engine.trading import TradingConfig  # noqa: E402
from engine.train import train_model  # noqa: E402
from engine.windows import WindowConfig, build_windows  # noqa: E402
from models import ARCHITECTURES, ModelConfig, fields_of, model_config_for  # noqa: E402

TICKER = "SP500"
START, END = "2009-01-01", "2018-12-31"  # ten years of daily bars
INITIAL_TRAIN = 945  # 15 quarters of bars before the first prediction
RETRAIN_EVERY = 63  # a quarter
MIN_SPEEDUP = 3.0  # cold / warm wall time
ERROR_TOLERANCE = 0.01  # warm RMSE may exceed cold RMSE by this fraction
WINDOWS = WindowConfig()  # the app's default: log_return target, horizon 1, window 30
DEFAULT_ARCHS = ("lstm", "gru", "mlp", "cnn")


@dataclass(frozen=True)
class Walk:
    seconds: float
    epochs: int  # summed over the folds
    folds: int
    rmse: float
    theils_u: float
    naive_rmse: float  # the no-change forecast on the same dates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", default=",".join(DEFAULT_ARCHS), help="comma-separated (default lstm,gru,mlp,cnn)")
    parser.add_argument("--epochs", type=int, default=TrainConfig.epochs,
                        help=f"most epochs of a cold fit, early stopping on (default {TrainConfig.epochs})")
    parser.add_argument("--warm-epochs", type=int, default=WalkForwardConfig.warm_epochs,
                        help=f"epochs of a warm-started fit (default {WalkForwardConfig.warm_epochs})")
    parser.add_argument("--hidden", type=int, default=32,
                        help="model width: recurrent hidden size, CNN channels, dense widths (h, h/2) (default 32)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch intra-op threads (default 1: these models are too small to gain from more, "
                             "and on a shared machine extra threads spin-wait)")
    parser.add_argument("--repeats", type=int, default=1, help="interleaved timed walks per mode (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="training seed of fold 0; fold k uses seed + k")
    args = parser.parse_args()
    archs = [name.strip() for name in args.archs.split(",") if name.strip()]
    if unknown := sorted(set(archs) - set(ARCHITECTURES)):
        parser.error(f"unknown architecture(s) {unknown}: choose from {', '.join(ARCHITECTURES)}")
    if args.repeats < 1 or args.hidden < 2:
        parser.error("--repeats must be at least 1 and --hidden at least 2")

    torch.set_num_threads(args.threads)
    bars = load_sample(TICKER)[0].loc[START:END]
    training = TrainConfig(epochs=args.epochs, seed=args.seed, device="cpu")
    modes = {
        "cold": WalkForwardConfig(initial_train=INITIAL_TRAIN, retrain_every=RETRAIN_EVERY, warm_start=False),
        "warm": WalkForwardConfig(initial_train=INITIAL_TRAIN, retrain_every=RETRAIN_EVERY, warm_start=True,
                                  warm_epochs=args.warm_epochs),
    }
    print(_header(bars, training, args))
    _warm_up(bars)

    rows = []
    for i, arch in enumerate(archs):
        sizes = dict(hidden_size=args.hidden, hidden_layers=(args.hidden, args.hidden // 2),
                     channels=(args.hidden, args.hidden))
        model_config = model_config_for(arch, **fields_of(arch, sizes))
        walks: dict[str, list[Walk]] = {"cold": [], "warm": []}
        for repeat in range(args.repeats):
            order = ["cold", "warm"] if (i + repeat) % 2 == 0 else ["warm", "cold"]
            for mode in order:
                walks[mode].append(_walk(bars, arch, model_config, training, modes[mode]))
        rows.append(_row(arch, walks["cold"], walks["warm"]))
        naive_rmse = walks["cold"][0].naive_rmse
        print(rows[-1], flush=True)

    if rows:
        print(f"\nNaive (no change) forecast on the same dates: RMSE {naive_rmse:.5f}; Theil's U = RMSE / that.")
    print(f"speed-up: cold s / warm s (median wall times); ep: epochs summed over the folds; w/c: warm RMSE / "
          f"cold RMSE; U: Theil's U.\nPASS: speed-up >= {MIN_SPEEDUP:g} and w/c <= {1 + ERROR_TOLERANCE:g}.")


def _walk(bars: pd.DataFrame, arch: str, model_config: ModelConfig, training: TrainConfig,
          config: WalkForwardConfig) -> Walk:
    started = time.perf_counter()
    walked = walk_forward(TICKER, bars, arch, NetworkFitter(model_config, training, config, classification=False),
                          WINDOWS, config)
    seconds = time.perf_counter() - started
    model, naive = _scores(walked, bars, arch)
    return Walk(seconds, sum(fold.epochs_run for fold in walked.folds), len(walked.folds),
                model["RMSE"], model["Theil's U"], naive["RMSE"])


def _scores(walked: WalkForward, bars: pd.DataFrame, label: str) -> tuple[pd.Series, pd.Series]:
    """The model's horizon-1 metrics row and the naive forecast's, as the app's results table has them."""
    result = evaluate(walked.predictions, walked.folds, {TICKER: bars}, target=WINDOWS.target, trading=TradingConfig())
    horizon_1 = result.metrics[result.metrics["horizon"] == 1].set_index("model")
    return horizon_1.loc[label], horizon_1.loc[NAIVE]


def _warm_up(bars: pd.DataFrame) -> None:
    """One untimed fit: the first optimiser built in a process imports torch._dynamo (about 1.5 s)."""
    data = build_windows({TICKER: bars}, WINDOWS)
    train_model(model_config_for("mlp"), data.train.x, data.train.y, data.val.x, data.val.y,
                TrainConfig(epochs=1, device="cpu"))


def _row(arch: str, cold: list[Walk], warm: list[Walk]) -> str:
    cold_s = statistics.median(walk.seconds for walk in cold)
    warm_s = statistics.median(walk.seconds for walk in warm)
    c, w = cold[0], warm[0]  # same seeds: errors repeat (exactly so on one thread)
    speedup, error_ratio = cold_s / warm_s, w.rmse / c.rmse
    ok = speedup >= MIN_SPEEDUP and error_ratio <= 1 + ERROR_TOLERANCE
    return (f"{arch:6} {c.folds:5} {cold_s:8.1f} {warm_s:8.1f} {speedup:8.2f} {c.epochs:7} {w.epochs:7} "
            f"{c.rmse:9.5f} {w.rmse:9.5f} {error_ratio:7.3f} {c.theils_u:7.3f} {w.theils_u:7.3f} "
            f"{'PASS' if ok else 'FAIL':>6}")


def _header(bars: pd.DataFrame, training: TrainConfig, args: argparse.Namespace) -> str:
    lines = [
        (f"torch {torch.__version__} on {cpu_name()}, {os.cpu_count()} cores; torch threads "
         f"{torch.get_num_threads()} (inter-op {torch.get_num_interop_threads()}); device cpu"),
        (f"data: {TICKER} {bars.index[0]:%Y-%m-%d} to {bars.index[-1]:%Y-%m-%d}, {len(bars)} daily bars; "
         f"expanding walk, first {INITIAL_TRAIN} bars to train, retrain every {RETRAIN_EVERY}"),
        (f"windows: {WINDOWS.window} bars x {len(WINDOWS.features)} features -> {WINDOWS.target}, horizon 1; "
         f"models: width {args.hidden}, otherwise the app's defaults"),
        (f"training: {training.optimizer} lr {training.learning_rate:g}, batch {training.batch_size}; cold: up to "
         f"{training.epochs} epochs, patience {training.patience}; warm: {args.warm_epochs} epochs from the "
         f"previous fold's weights; seed {training.seed} + fold; {args.repeats} timed walk(s) per mode"),
        "",
        (f"{'arch':6} {'folds':>5} {'cold s':>8} {'warm s':>8} {'speed-up':>8} {'ep cold':>7} {'ep warm':>7} "
         f"{'cold RMSE':>9} {'warm RMSE':>9} {'w/c':>7} {'cold U':>7} {'warm U':>7} {'result':>6}"),
    ]
    return "\n".join(lines)



if __name__ == "__main__":
    main()

"""Stock Workbench: the desktop app by default, the same pipeline headless from the command line.

    python main.py                      open the workbench
    python main.py train --ticker SP500 --arch lstm --epochs 20 --out runs/lstm
    python main.py data --ticker SP500  the data-quality report of a series
    python main.py --help               every command and its options
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from engine.errors import WorkbenchError


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.command(args)
    except WorkbenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing more was written", file=sys.stderr)
        return 130


def _run_gui(args: argparse.Namespace) -> int:
    from gui.app import run_app  # Qt and torch load only when the window is wanted

    return run_app()


def _show_data(args: argparse.Namespace) -> int:
    from engine.pipeline import load_data

    loaded = load_data(_data_config(args))
    for name, report in loaded.reports.items():
        print("\n".join(report.summary_lines()), end="\n\n")
    for notice in loaded.notices:
        print(f"note: {notice}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from engine.checkpoints import save_model
    from engine.files import write_atomically
    from engine.pipeline import evaluate_on_test, load_data, train_models
    from engine.windows import build_windows

    config = _run_config(args)
    loaded = load_data(config.data)
    for notice in loaded.notices:
        print(f"note: {notice}")
    data = build_windows(loaded.bars, config.windows)
    print(f"windows: {len(data.train)} train / {len(data.val)} validation / {len(data.test)} test samples of "
          f"{config.windows.window} bars × {len(config.windows.features)} features")
    trained = train_models(config, data, on_event=_print_event)
    out = Path(args.out)
    summary = {}
    for label, model in trained.items():
        save_model(out / label, model.model, model.model_config, input_shape=model.input_shape,
                   n_outputs=model.n_outputs, classification=model.classification,
                   extra={"run_config": config.to_dict()})
        summary[label] = {"outcome": model.outcome.reason, "epochs_run": model.outcome.epochs_run,
                          "best_epoch": model.outcome.best_epoch, "best_validation_loss": model.outcome.best_loss,
                          "device": model.outcome.device, "test": evaluate_on_test(model, data, config)}
    write_atomically(out / "run.json", lambda file: file.write(config.to_json()))
    write_atomically(out / "summary.json", lambda file: json.dump(summary, file, indent=2))
    _print_summary(summary)
    print(f"wrote {out / 'run.json'}, {out / 'summary.json'} and a model folder per architecture in {out}")
    return 0


def _print_event(label: str, event) -> None:
    from engine.train import EpochReport, TrainingEnded

    if isinstance(event, EpochReport):
        val = "" if event.val_loss is None else f"  val {event.val_loss:.5f}"
        best = " *" if event.best_epoch == event.epoch else ""
        cut = "  (learning rate cut)" if event.lr_reduced else ""
        print(f"[{label}] epoch {event.epoch:>3}/{event.epochs}  train {event.train_loss:.5f}{val}  "
              f"lr {event.learning_rate:.1e}  {event.elapsed_s:6.1f}s  eta {event.eta_s:5.0f}s{best}{cut}", flush=True)
    elif isinstance(event, TrainingEnded):
        print(f"[{label}] {event.message} (device {event.device}{', CUDA graph' if event.captured else ''})")


def _print_summary(summary: dict) -> None:
    names = list(next(iter(summary.values()))["test"]) if summary else []
    print("\ntest split: " + " | ".join(["model", *names]))
    for label, row in summary.items():
        print(f"  {label}: " + " | ".join(f"{row['test'][name]:.4g}" for name in names))


def _data_config(args: argparse.Namespace):
    from engine.runs import DataConfig

    return DataConfig(tickers=tuple(args.ticker or (() if args.csv else ("SP500",))), csv_files=tuple(args.csv or ()),
                      start=args.start, end=args.end, interval=args.interval, adjusted=not args.raw,
                      nan_policy=args.nan_policy)


def _run_config(args: argparse.Namespace):
    from engine.runs import RunConfig
    from engine.train import TrainConfig
    from engine.windows import WindowConfig
    from models import ModelConfig

    windows = WindowConfig(features=tuple(args.features.split(",")), target=args.target,
                           horizons=tuple(int(h) for h in args.horizons.split(",")), window=args.window,
                           val_fraction=args.val_fraction, test_fraction=args.test_fraction, scaler=args.scaler)
    models = tuple(ModelConfig(arch=arch, hidden_size=args.hidden_size, num_layers=args.layers, dropout=args.dropout)
                   for arch in dict.fromkeys(args.arch or ["lstm"]))
    training = TrainConfig(optimizer=args.optimizer, learning_rate=args.lr, batch_size=args.batch_size,
                           epochs=args.epochs, patience=args.patience, seed=args.seed, device=args.device)
    return RunConfig(_data_config(args), windows, models, training)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description="Stock Workbench: train and backtest deep-learning "
                                     "stock predictors. Without a command, opens the desktop app.")
    parser.set_defaults(command=_run_gui)
    commands = parser.add_subparsers(title="commands")

    data = commands.add_parser("data", help="load series and print their data-quality reports")
    _add_data_options(data)
    data.set_defaults(command=_show_data)

    train = commands.add_parser("train", help="train models on windows of the data; writes models and a summary")
    _add_data_options(train)
    _add_model_options(train)
    train.add_argument("--out", default="runs/latest", help="folder for the models and summary (default %(default)s)")
    train.set_defaults(command=_train)
    return parser


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("data")
    group.add_argument("--ticker", action="append", help="ticker to use, repeatable (default SP500, the bundled sample)")
    group.add_argument("--csv", action="append", help="OHLCV CSV file to use, repeatable")
    group.add_argument("--start", help="first date, YYYY-MM-DD")
    group.add_argument("--end", help="last date, YYYY-MM-DD")
    group.add_argument("--interval", default="1d", help="bar interval for downloads (default %(default)s)")
    group.add_argument("--raw", action="store_true", help="raw prices instead of split/dividend-adjusted ones")
    group.add_argument("--nan-policy", choices=("drop", "ffill"), default="drop", help="incomplete bars (default drop)")


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    from engine.features import FEATURES, TARGETS
    from engine.train import TrainConfig
    from engine.windows import WindowConfig
    from models import ARCHITECTURES, ModelConfig

    windows, model, training = WindowConfig(), ModelConfig(), TrainConfig()
    group = parser.add_argument_group("windows")
    group.add_argument("--features", default=",".join(windows.features),
                       help=f"comma-separated, from {', '.join(FEATURES)} (default %(default)s)")
    group.add_argument("--target", choices=tuple(TARGETS), default=windows.target)
    group.add_argument("--horizons", default="1", help="comma-separated bars ahead, e.g. 1,5,20 (default %(default)s)")
    group.add_argument("--window", type=int, default=windows.window, help="input bars per sample (default %(default)s)")
    group.add_argument("--val-fraction", type=float, default=windows.val_fraction)
    group.add_argument("--test-fraction", type=float, default=windows.test_fraction)
    group.add_argument("--scaler", choices=("standard", "minmax", "none"), default=windows.scaler)
    group = parser.add_argument_group("model")
    group.add_argument("--arch", action="append", choices=ARCHITECTURES, help="architecture, repeatable (default lstm)")
    group.add_argument("--hidden-size", type=int, default=model.hidden_size)
    group.add_argument("--layers", type=int, default=model.num_layers)
    group.add_argument("--dropout", type=float, default=model.dropout)
    group = parser.add_argument_group("training")
    group.add_argument("--epochs", type=int, default=training.epochs)
    group.add_argument("--batch-size", type=int, default=training.batch_size)
    group.add_argument("--lr", type=float, default=training.learning_rate, help="learning rate")
    group.add_argument("--optimizer", choices=("sgd", "adam", "adamw", "rmsprop"), default=training.optimizer)
    group.add_argument("--patience", type=int, default=training.patience, help="early-stopping patience, 0 = off")
    group.add_argument("--seed", type=int, default=training.seed)
    group.add_argument("--device", choices=("auto", "cuda", "mps", "cpu"), default=training.device)


if __name__ == "__main__":
    sys.exit(main())

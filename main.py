"""Stock Workbench: the desktop app by default, the same pipeline headless from the command line.

    python main.py                      open the workbench
    python main.py train --ticker SP500 --arch lstm --epochs 20 --out runs/lstm
    python main.py train --synthetic "preset=learnable" --arch patchtst --learning-curve --out runs/patchtst
    python main.py backtest --ticker SP500 --arch lstm --arch gru --epochs 10 --out runs/bt
    python main.py forecast --ticker SP500 --arch lstm --horizons 1,5,20 --out runs/forecast
    python main.py anomalies --synthetic "n=2000,spikes=8,seed=3" --out runs/anomalies
    python main.py search --ticker SP500 --arch lstm --arch gru --space "hidden_size=8..64:log" --out runs/search
    python main.py runs list            stored backtests and anomaly runs (also: runs export|rerun|delete ID)
    python main.py data --ticker SP500  the data-quality report of a series
    python main.py --help               every command and its options
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import get_args, get_type_hints

from engine.errors import WorkbenchError


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if getattr(args, "threads", None):
        import torch

        torch.set_num_threads(args.threads)
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
    from engine.pipeline import load_data, train_and_score
    from engine.pooling import pooled_windows

    config = _run_config(args)
    loaded = load_data(config.data)
    for notice in loaded.notices:
        print(f"note: {notice}")
    data = pooled_windows(loaded.bars, config.windows)
    print(f"windows: {len(data.train)} train / {len(data.val)} validation / {len(data.test)} test samples of "
          f"{config.windows.window} bars × {len(config.windows.features)} features")
    if args.learning_curve:
        from engine.learning_curve import check_sizes

        check_sizes(data, config.training)  # before the first model trains
    scored = train_and_score(config, data, on_event=_print_event)
    if len(data.test) == 0:
        print("note: the test split is empty (test fraction 0), so there are no test metrics")
    out = Path(args.out)
    summary = {}
    for label, model in scored.trained.items():
        outcome = model.outcome
        if outcome.trained:  # else it holds its initial weights: nothing to save or score
            save_model(out / label, model.model, model.model_config, input_shape=model.input_shape,
                       n_outputs=model.n_outputs, classification=model.classification,
                       extra={"run_config": config.to_dict()})
        summary[label] = {"outcome": outcome.reason, "message": outcome.message, "epochs_run": outcome.epochs_run,
                          "best_epoch": outcome.best_epoch, "best_validation_loss": outcome.best_loss,
                          "device": outcome.device,
                          "diagnosis": None if outcome.diagnosis is None else outcome.diagnosis.to_dict(),
                          "test": scored.scores.get(label)}
    write_atomically(out / "run.json", lambda file: file.write(config.to_json()))
    write_atomically(out / "summary.json", lambda file: json.dump(summary, file, indent=2))
    _print_summary(summary)
    print(f"wrote {out / 'run.json'}, {out / 'summary.json'} and a model folder per trained architecture in {out}")
    if args.learning_curve:
        _learning_curves(config, data, out)
    return 0


def _learning_curves(config, data, out: Path) -> None:
    """Each model retrained on the most recent 25-100 % of the training windows; learning_curve.csv and readings."""
    import pandas as pd

    from engine.files import write_atomically
    from engine.learning_curve import learning_curve
    from engine.pipeline import model_labels

    frames = []
    for label, model_config in zip(model_labels(config.models), config.models):
        print(f"[{label}] learning curve: training on 25, 50, 75 and 100 % of the training windows", flush=True)
        curve = learning_curve(label, model_config, data, config.training, classification=config.classification)
        frames.append(curve.to_frame())
        for point in curve.points:
            print(f"[{label}]   {point.windows:>6} windows  train {point.train_loss:.5f}  val {point.val_loss:.5f}  "
                  f"(naive {point.naive_train:.5f} / {curve.naive_val:.5f})")
        print(f"[{label}] reading: {curve.reading}")
    path = write_atomically(out / "learning_curve.csv", lambda file: pd.concat(frames).to_csv(file, index=False))
    print(f"wrote {path}")


def _backtest(args: argparse.Namespace) -> int:
    config = _config_file(Path(args.config)) if args.config else _run_config(args)
    return _run_backtests(config, Path(args.out), seeds=args.seeds, store=not args.no_store, workers=args.workers)


def _config_file(path: Path):
    """A run configuration saved as JSON (run.json, best_config.json)."""
    from engine.runs import RunConfig

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise WorkbenchError(f"Cannot read the run configuration {path} ({error.strerror or error}): check the "
                             "path.") from None
    return RunConfig.from_json(text)


def _search(args: argparse.Namespace) -> int:
    """Search the space on the bars before the hold-out cut, then walk the best configurations over it."""
    from datetime import datetime

    from engine.experiments.experiment import Experiment
    from engine.pipeline import load_data

    if args.words:
        return _resume_search(args)
    config = _run_config(args)
    trials = args.trials if args.trials is not None else (None if args.timeout else _DEFAULT_TRIALS)
    experiment = Experiment(config, args.space, tuple(args.arch or ()), args.objective, args.objective_horizon, trials,
                            args.timeout, args.seeds_per_trial, args.holdout, args.top_k, args.sampler, args.pruner,
                            args.seed, args.store_tables)
    name = args.name or f"search-{datetime.now():%Y%m%d-%H%M%S}"
    loaded = load_data(config.data)
    for notice in loaded.notices:
        print(f"note: {notice}")
    return _run_search(experiment, loaded.bars, name, args, Path(args.out or f"runs/{name}"), resume=False)


def _resume_search(args: argparse.Namespace) -> int:
    from engine.experiments.study import stored_experiment
    from engine.pipeline import load_data

    if len(args.words) != 2 or args.words[0] != "resume":
        raise WorkbenchError(f"Cannot read 'search {' '.join(args.words)}': to continue a study write "
                             "'main.py search resume NAME'; to start one give --space and the other options.")
    name = args.words[1]
    experiment, attrs = stored_experiment(name, args.storage)
    loaded = load_data(experiment.base.data)
    out = Path(args.out or attrs.get("out") or f"runs/{name}")
    return _run_search(experiment, loaded.bars, name, args, out, resume=True)


def _run_search(experiment, bars, name: str, args: argparse.Namespace, out: Path, *, resume: bool) -> int:
    from engine.event_lines import search_line
    from engine.experiments.executors import Execution
    from engine.experiments.outputs import write_search_outputs
    from engine.experiments.study import SearchDriver
    from engine.metric_rules import format_metric

    def show(event) -> None:
        if (line := search_line(event)) is not None:
            print(line, flush=True)

    execution = Execution(args.executor, args.workers, args.ray_address, args.cpus_per_trial, args.gpus_per_trial)
    driver = SearchDriver(experiment, bars, name=name, storage=args.storage, execution=execution, resume=resume,
                          on_event=show, user_attrs={"out": str(out)})
    try:
        outcome = driver.run()
    except KeyboardInterrupt:
        print(f"interrupted: the finished trials are kept; continue with 'main.py search resume {name}'",
              file=sys.stderr)
        return 130
    written = write_search_outputs(outcome, out)
    if len(outcome.holdout):
        print(f"\nbest configurations, {outcome.objective.metric} in the search and on the hold-out "
              f"(from {outcome.cut:%Y-%m-%d}):")
        print(outcome.holdout.to_string(index=False, float_format="{:.4g}".format))
    for row in outcome.deflated.to_dict("records"):
        print(f"deflated: {row['ticker']}: best trial {row['trial']}, per-period Sharpe "
              f"{format_metric('Sharpe Ratio', row['Sharpe (per period)'])}, Deflated Sharpe "
              f"{format_metric('DSR', row['DSR'])} over {row['trials']} trials")
    for warning in outcome.warnings:
        print(f"warning: {warning}")
    print("wrote " + ", ".join(str(path) for path in written))
    return 0


def _forecast(args: argparse.Namespace) -> int:
    """Backtest (or load a stored run), then forecast the bars after the last one with intervals and the record."""
    from engine.files import write_atomically
    from engine.forecast import forecast_run, load_stored_basis

    out = Path(args.out)
    if args.from_run is None:
        config, loaded, result, models = _backtest_for_forecast(args, out)
    else:
        basis = load_stored_basis(args.from_run, tickers=tuple(args.ticker or ()), csv_files=tuple(args.csv or ()),
                                  end=args.end)
        for notice in basis.notices:
            print(f"note: {notice}")
        config, loaded, result, models = basis.config, basis.loaded, basis.result, basis.models
    if args.refit:
        print("refitting each final model on every bar up to the last one")
    forecast = forecast_run(config, loaded, result, models, exchange=args.exchange, refit=args.refit)
    path = write_atomically(out / "forecast.csv", lambda file: forecast.table.to_csv(file, index=False))
    print(forecast.table.to_string(index=False, na_rep="", float_format="{:.4g}".format))
    for sentence in forecast.sentences:
        print(f"record: {sentence}")
    print(f"wrote {path}")
    return 0


def _backtest_for_forecast(args: argparse.Namespace, out: Path):
    """The backtest a forecast rests on, run now: its CSVs written and, unless --no-store, the run stored."""
    from engine.pipeline import backtest_and_store, load_data
    from engine.results import export_csv
    from engine.store import default_store_path

    config = _run_config(args)
    loaded = load_data(config.data)
    for notice in loaded.notices:
        print(f"note: {notice}")
    stored = backtest_and_store(config, loaded.bars, store=not args.no_store, on_event=_print_fold)
    written = export_csv(stored.run.result, out)
    if stored.not_stored is not None:
        raise stored.not_stored  # the results are exported already: nothing is lost
    if stored.run_id is not None:
        print(f"stored as run {stored.run_id} in {default_store_path()}")
    print("wrote " + ", ".join(str(path) for path in written))
    return config, loaded, stored.run.result, stored.run.models


def _anomalies(args: argparse.Namespace) -> int:
    """Train the autoencoder on the first bars, score every bar with it and the two baselines, write the CSVs."""
    from engine.anomaly import anomalies_and_store, write_anomaly_files
    from engine.anomaly_result import DETECTOR_NAMES
    from engine.store import default_store_path

    config = _anomaly_config(args)
    stored = anomalies_and_store(config, store=not args.no_store,
                                 on_event=lambda event: _print_event("lstm_autoencoder", event))
    result = stored.result
    written = write_anomaly_files(result, Path(args.out))
    if stored.not_stored is not None:
        raise stored.not_stored  # the files are written already: nothing is lost
    if stored.run_id is not None:
        print(f"stored as anomaly run {stored.run_id} in {default_store_path()}")
    flagged = result.flagged_table()
    print(f"\n{result.series}: {len(result.bars)} bars, autoencoder threshold {result.threshold:.4g}; "
          f"bars flagged by any detector: {len(flagged)}")
    if not result.has_truth:
        print(flagged.to_string(index=False, na_rep="", float_format="{:.3f}".format))
    summary = result.summary.assign(detector=result.summary["detector"].map(DETECTOR_NAMES))
    print(summary.to_string(index=False, na_rep="", float_format="{:.3f}".format))
    print("wrote " + ", ".join(str(path) for path in written))
    return 0


def _anomaly_config(args: argparse.Namespace):
    from dataclasses import replace

    from engine.anomaly_config import ANOMALY_TRAINING, DETECTOR, AnomalyConfig, AnomalyRunConfig
    from engine.runs import DataConfig
    from models import DETECTORS

    data = DataConfig(tickers=tuple(args.ticker or ()), csv_files=tuple(args.csv or ()), synthetic=args.synthetic,
                      start=args.start, end=args.end)
    detection = AnomalyConfig(**{name: getattr(args, name) for name in AnomalyConfig.settings()})
    model = DETECTORS[DETECTOR].config(**{name: getattr(args, name) for name in _AUTOENCODER_OPTIONS})
    training = replace(ANOMALY_TRAINING, epochs=args.epochs, seed=args.seed, device=args.device)
    return AnomalyRunConfig(data, detection, model, training)


def _runs(args: argparse.Namespace) -> int:
    from engine.results import export_csv
    from engine.store import RunStore

    if args.action != "list" and args.id is None:
        raise WorkbenchError(f"'runs {args.action}' needs the run's id: see 'main.py runs list'.")
    if args.anomalies:
        return _anomaly_runs(args)
    with RunStore() as store:
        if args.action == "list":
            runs, anomalies = store.list_runs(), store.list_anomaly_runs()
            print(runs.to_string(index=False) if len(runs) else f"no stored backtests in {store.path}")
            if len(anomalies):
                print("\nanomaly runs (use --anomalies with export, rerun or delete):")
                print(anomalies.to_string(index=False, float_format="{:.4g}".format))
            return 0
        if args.action == "delete":
            store.delete(args.id)
            print(f"deleted run {args.id}")
            return 0
        stored = store.load(args.id)
    if stored.notice:
        print(f"note: {stored.notice}")
    if args.action == "export":
        print("wrote " + ", ".join(str(path) for path in export_csv(stored.result, Path(args.out))))
        return 0
    print(f"re-running run {args.id} ({stored.name}) from its stored configuration")
    return _run_backtests(stored.config, Path(args.out), seeds=1, store=True)


def _anomaly_runs(args: argparse.Namespace) -> int:
    """runs ... --anomalies: the stored anomaly runs, listed, exported, re-run or deleted."""
    from engine.anomaly import anomalies_and_store, write_anomaly_files
    from engine.store import RunStore

    with RunStore() as store:
        if args.action == "list":
            runs = store.list_anomaly_runs()
            print(runs.to_string(index=False) if len(runs) else f"no stored anomaly runs in {store.path}")
            return 0
        if args.action == "delete":
            store.delete_anomalies(args.id)
            print(f"deleted anomaly run {args.id}")
            return 0
        stored = store.load_anomalies(args.id)
    result = stored.result
    if args.action == "rerun":
        print(f"re-running anomaly run {args.id} ({stored.name}) from its stored configuration")
        rerun = anomalies_and_store(stored.config, on_event=lambda event: _print_event("lstm_autoencoder", event))
        result = rerun.result
        print(f"stored as anomaly run {rerun.run_id}" if rerun.run_id is not None else f"not stored: {rerun.not_stored}")
    print("wrote " + ", ".join(str(path) for path in write_anomaly_files(result, Path(args.out))))
    return 0


def _run_backtests(config, out: Path, *, seeds: int, store: bool, workers: int = 1) -> int:
    from dataclasses import replace

    from engine.experiments.executors import Execution
    from engine.pipeline import backtest_and_store, load_data
    from engine.results import export_csv
    from engine.store import default_store_path

    if workers < 1:
        raise WorkbenchError(f"--workers must be 1 or more, got {workers}.")
    execution = Execution(workers=workers) if workers > 1 else None
    loaded = load_data(config.data)
    for notice in loaded.notices:
        print(f"note: {notice}")
    results = {}
    for seed in range(config.training.seed, config.training.seed + seeds):
        seeded = replace(config, training=replace(config.training, seed=seed))
        stored = backtest_and_store(seeded, loaded.bars, store=store, on_event=_print_fold, execution=execution)
        run = stored.run
        written = export_csv(run.result, out if seeds == 1 else out / f"seed-{seed}")
        results[seed] = run.result
        if stored.not_stored is not None:
            raise stored.not_stored  # the results are exported already: nothing is lost
        if stored.run_id is not None:
            print(f"stored as run {stored.run_id} in {default_store_path()}")
        for warning in run.result.warnings:
            print(f"warning: {warning.text}")
        _print_leaderboard(run.result.metrics)
        for line in run.result.verdicts:
            print(f"verdict: {line['text']} ({line['ticker']}, horizon {line['horizon']})")
        _print_run_stats(run.result.run_stats)
        print(f"conventions: {run.result.conventions}")
        print("wrote " + ", ".join(str(path) for path in written))
    if seeds > 1:
        _write_seed_summaries(results, config, out)
    return 0


def _write_seed_summaries(results: dict, config, out: Path) -> None:
    """Mean and std of every metric over the seeds, and the run-level statistics with each seed a trial."""
    from engine.files import write_all_atomically
    from engine.leaderboard import seed_summary
    from engine.skill import run_stats_over_seeds

    summary = seed_summary([result.metrics for result in results.values()])
    stats = run_stats_over_seeds(results, target=config.windows.target,
                                 repetitions=config.trading.bootstrap_repetitions)
    paths = write_all_atomically({out / "seeds_summary.csv": lambda file: summary.to_csv(file, index=False),
                                  out / "seeds_run_stats.csv": lambda file: stats.to_csv(file, index=False)})
    _print_run_stats(stats)
    print(f"wrote {', '.join(map(str, paths))} (over {len(results)} seeds; each model and seed is a trial)")


def _print_run_stats(stats) -> None:
    from engine.metric_rules import run_stats_line

    for row in stats.to_dict("records"):
        print(f"run: {row['ticker']}, horizon {row['horizon']}: {run_stats_line(row)}")


def _print_fold(event) -> None:
    from engine.backtest import FoldDone
    from engine.event_lines import fold_line

    if isinstance(event, FoldDone):
        print(fold_line(event), flush=True)
        if event.fold.diagnosis:
            print(f"  diagnosis: {event.fold.diagnosis}")


def _print_leaderboard(metrics) -> None:
    columns = ["ticker", "model", "horizon", "Theil's U", "Directional Accuracy [%]", "Return [%]", "Sharpe Ratio",
               "Max. Drawdown [%]", "# Trades"]
    shown = metrics[[c for c in columns if c in metrics.columns]]
    counts = {name: "{:.0f}".format for name in shown.columns if name.startswith("# ")}
    print(shown.to_string(index=False, na_rep="n/a", float_format="{:.3f}".format, formatters=counts))


def _print_event(label: str, event) -> None:
    from engine.event_lines import diagnosis_line, ended_line, epoch_line
    from engine.train import EpochReport, TrainingEnded

    if isinstance(event, EpochReport):
        print(f"[{label}] {epoch_line(event)}", flush=True)
    elif isinstance(event, TrainingEnded):
        print(f"[{label}] {ended_line(event)}")
        if event.diagnosis is not None:
            print(f"[{label}] {diagnosis_line(event.diagnosis)}")


def _print_summary(summary: dict) -> None:
    scored = [row["test"] for row in summary.values() if row["test"] is not None]
    names = list(scored[0]) if scored else []
    print("\ntest split: " + " | ".join(["model", *names]))
    for label, row in summary.items():
        scores = row["message"] if row["test"] is None else " | ".join(_metric_text(row["test"][n]) for n in names)
        print(f"  {label}: {scores}")


def _metric_text(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.4g}"


def _data_config(args: argparse.Namespace):
    from engine.runs import DataConfig

    tickers = args.ticker or (() if args.csv or args.synthetic else DataConfig.tickers)
    return DataConfig(tickers=tuple(tickers), csv_files=tuple(args.csv or ()), start=args.start, end=args.end,
                      interval=args.interval, adjusted=not args.raw, nan_policy=args.nan_policy,
                      calendar=args.calendar, synthetic=args.synthetic)


def _run_config(args: argparse.Namespace):
    from engine.fit_config import TrainConfig
    from engine.runs import RunConfig
    from engine.windows import WindowConfig
    from models import DEFAULT_ARCH, fields_of, model_config_for

    split = {name: value for name in ("val_fraction", "test_fraction") if (value := getattr(args, name)) is not None}
    windows = WindowConfig(features=tuple(args.features.split(",")), target=args.target,
                           horizons=_horizons(args.horizons), window=args.window, scaler=args.scaler, **split)
    shared = {name: getattr(args, name) for name in _SHARED_MODEL_OPTIONS}
    models = tuple(model_config_for(arch, **fields_of(arch, shared))
                   for arch in dict.fromkeys(args.arch or [DEFAULT_ARCH]))
    training = TrainConfig(optimizer=args.optimizer, learning_rate=args.lr, batch_size=args.batch_size,
                           epochs=args.epochs, patience=args.patience, seed=args.seed, device=args.device)
    if not hasattr(args, "initial_train"):
        return RunConfig(_data_config(args), windows, models, training)
    _refuse_fixed_split_options(args)
    from engine.fit_config import WalkForwardConfig
    from engine.trading import TradingConfig

    walk = WalkForwardConfig(initial_train=args.initial_train, retrain_every=args.retrain_every, scheme=args.scheme,
                             warm_start=not args.cold, warm_epochs=args.warm_epochs,
                             early_stop_fraction=args.early_stop_fraction)
    trading = TradingConfig(threshold=args.threshold, long_only=args.long_only, position_size=args.position_size,
                            cost_bps=args.cost_bps, slippage_bps=args.slippage_bps, execution=args.execution,
                            initial_capital=args.initial_capital, risk_free_rate=args.risk_free_rate,
                            bootstrap_repetitions=args.bootstrap_repetitions)
    return RunConfig(_data_config(args), windows, models, training, walk, trading)


def _refuse_fixed_split_options(args: argparse.Namespace) -> None:
    """--val-fraction and --test-fraction shape Train's fixed split; in a backtest they would silently do nothing."""
    given = [flag for flag, value in (("--val-fraction", args.val_fraction), ("--test-fraction", args.test_fraction))
             if value is not None]
    if given:
        one = len(given) == 1
        raise WorkbenchError(f"{' and '.join(given)} {'sets' if one else 'set'} the fixed split of 'train' and "
                             f"{'does' if one else 'do'} nothing in a backtest, whose folds predict everything after --initial-train: "
                             "for the share of each fold's training bars used for early stopping, use "
                             "--early-stop-fraction.")


def _horizons(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise WorkbenchError(f"Cannot read the horizons {text!r}: give whole numbers of bars separated by commas, "
                             "e.g. 1,5,20.") from None


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
    train.add_argument("--learning-curve", action="store_true", help="also retrain each model on the most recent "
                       "25, 50, 75 and 100%% of the training windows and write learning_curve.csv with the "
                       "bias/variance reading (default %(default)s)")
    train.set_defaults(command=_train)

    backtest = commands.add_parser("backtest", help="walk-forward backtest; writes predictions.csv and metrics.csv")
    _add_data_options(backtest)
    _add_model_options(backtest)
    _add_backtest_options(backtest)
    backtest.add_argument("--out", default="runs/backtest", help="folder for the CSV files (default %(default)s)")
    backtest.add_argument("--seeds", type=int, default=1, help="run seeds --seed .. --seed+N-1 and summarise them "
                          "(default %(default)s)")
    backtest.add_argument("--no-store", action="store_true", help="do not save the run in the run store "
                          "(default %(default)s)")
    backtest.add_argument("--config", help="run the configuration in this JSON file (a best_config.json of "
                          "'search', or a run.json) instead of the data, model and backtest options (default: "
                          "build it from the options)")
    backtest.add_argument("--workers", type=int, default=1, help="worker processes, each walking one (series, "
                          "model) at a time; the results equal one worker's (default %(default)s)")
    backtest.set_defaults(command=_backtest)

    search = commands.add_parser("search", help="search hyperparameters with Optuna on the bars before a hold-out "
                                 "cut, then test the best on the hold-out; 'search resume NAME' continues a study. "
                                 "Writes trials.csv, holdout.csv and best_config.json")
    search.add_argument("words", nargs="*", metavar="resume NAME", help="continue the stored study NAME: its "
                        "finished trials are kept, the interrupted ones run again (default: start a new study)")
    _add_data_options(search)
    _add_model_options(search)
    _add_backtest_options(search)
    _add_search_options(search)
    search.set_defaults(command=_search)

    forecast = commands.add_parser("forecast", help="forecast the bars after the last one, with conformal intervals "
                                   "and the walk-forward record; writes forecast.csv (and the backtest's CSVs)")
    _add_data_options(forecast)
    _add_model_options(forecast)
    _add_backtest_options(forecast)
    forecast.add_argument("--from-run", type=int, help="forecast with a stored run's final models, settings and "
                          "record instead of running a backtest (its settings replace the model and backtest options); "
                          "the series is loaded afresh up to --end or its latest bar, and --ticker/--csv may replace "
                          "it (default: backtest now)")
    forecast.add_argument("--refit", action="store_true", help="first refit each final model on every bar up to "
                          "the last one (labels past it purged); intervals and record stay the walk-forward's "
                          "(default %(default)s)")
    forecast.add_argument("--exchange", help="exchange calendar that dates the forecasts, e.g. XNYS or 24/7 "
                          "(default: the series' calendar, inferred from the bars for CSV files)")
    forecast.add_argument("--out", default="runs/forecast", help="folder for forecast.csv and the backtest's CSV "
                          "files (default %(default)s)")
    forecast.add_argument("--no-store", action="store_true", help="do not save the backtest in the run store "
                          "(default %(default)s)")
    forecast.set_defaults(command=_forecast)

    anomalies = commands.add_parser("anomalies", help="find unusual bars with an LSTM autoencoder beside a robust "
                                    "z-score and an IsolationForest; writes anomalies.csv and summary.csv")
    _add_anomaly_options(anomalies)
    anomalies.set_defaults(command=_anomalies)

    runs = commands.add_parser("runs", help="list, export, re-run or delete stored backtest and anomaly runs")
    runs.add_argument("action", choices=("list", "export", "rerun", "delete"), help="list the stored runs, or "
                      "export, re-run or delete one")
    runs.add_argument("id", type=int, nargs="?", help="the run's id, from 'runs list'")
    runs.add_argument("--out", default="runs/stored", help="folder for export and rerun (default %(default)s)")
    runs.add_argument("--anomalies", action="store_true", help="act on the stored anomaly runs, which number "
                      "apart from the backtests (default %(default)s)")
    runs.set_defaults(command=_runs)
    return parser


def _add_anomaly_options(parser: argparse.ArgumentParser) -> None:
    from engine.anomaly_config import ANOMALY_TRAINING, DETECTOR, AnomalyConfig
    from engine.fit_config import TrainConfig
    from models import DETECTORS

    source = parser.add_argument_group("data (one of)").add_mutually_exclusive_group(required=True)
    source.add_argument("--ticker", action="append", help="ticker to scan, e.g. SP500 (the bundled sample)")
    source.add_argument("--csv", action="append", help="OHLCV CSV file to scan")
    source.add_argument("--synthetic", metavar="SPEC", help=_SYNTHETIC_HELP)
    parser.add_argument("--start", help="first date, YYYY-MM-DD (default: the first bar)")
    parser.add_argument("--end", help="last date, YYYY-MM-DD (default: the latest bar)")
    group = parser.add_argument_group("detection")
    for name, spec in AnomalyConfig.settings().items():
        _add_setting(group, name, spec)
    group = parser.add_argument_group("autoencoder")
    for name, flag in _AUTOENCODER_OPTIONS.items():
        _add_setting(group, name, DETECTORS[DETECTOR].config.settings()[name], flag)
    group.add_argument("--epochs", type=int, default=ANOMALY_TRAINING.epochs, help="most epochs to train "
                       "(default %(default)s)")
    group.add_argument("--seed", type=int, default=ANOMALY_TRAINING.seed, help="seed of the weights and the "
                       "IsolationForest (default %(default)s)")
    group.add_argument("--device", choices=_choices(TrainConfig, "device"), default=ANOMALY_TRAINING.device,
                       help="where to train (default %(default)s)")
    group.add_argument("--threads", type=int, default=1, help="CPU threads for torch (default %(default)s)")
    parser.add_argument("--no-store", action="store_true", help="do not save the run in the run store")
    parser.add_argument("--out", required=True, help="folder for anomalies.csv and summary.csv")


def _add_setting(group, name: str, spec, flag: str | None = None) -> None:
    """An option for a setting() field: its type, default, choices and the first sentence of its help."""
    first = spec.help.split(". ")[0].rstrip(".").replace("%", "%%")
    group.add_argument(flag or "--" + name.replace("_", "-"), dest=name, type=spec.hint if not spec.choices else str,
                       choices=spec.choices or None, default=spec.default, help=f"{first} (default %(default)s)")


def _add_search_options(parser: argparse.ArgumentParser) -> None:
    from engine.experiments.objective import OBJECTIVES
    from engine.experiments.experiment import PRUNERS, SAMPLERS, Experiment

    defaults = Experiment.__dataclass_fields__
    group = parser.add_argument_group("search")
    group.add_argument("--space", default="", help="the fields to vary, e.g. 'hidden_size=8..64:log,dropout=0..0.5,"
                       "optimizer=adam|sgd,window=10..60:step=10'; repeated --arch adds the architecture (default: "
                       "none, the architectures only)")
    group.add_argument("--objective", default=defaults["objective"].default, help=f"the metric to optimise, in the "
                       f"direction the metric rules call better: {', '.join(sorted(OBJECTIVES))} (default "
                       "%(default)s)")
    group.add_argument("--objective-horizon", type=int, help="the horizon it is read at (default: the first of "
                       "--horizons)")
    group.add_argument("--trials", type=int, help=f"trials to run (default {_DEFAULT_TRIALS} without --timeout; a "
                       "grid runs each point once)")
    group.add_argument("--timeout", type=float, help="wall-time budget in minutes; the trials asked by then finish "
                       "(default none)")
    group.add_argument("--seeds-per-trial", type=int, default=defaults["seeds_per_trial"].default, help="training "
                       "seeds each trial is averaged over (default %(default)s)")
    group.add_argument("--holdout", type=float, default=defaults["holdout"].default, help="share of the most recent "
                       "dates no trial sees (default %(default)s)")
    group.add_argument("--top-k", type=int, default=defaults["top_k"].default, help="best configurations walked "
                       "over the hold-out (default %(default)s)")
    group.add_argument("--sampler", choices=SAMPLERS, default=defaults["sampler"].default, help="Optuna sampler "
                       "(default %(default)s; --seed seeds it)")
    group.add_argument("--pruner", choices=PRUNERS, default=defaults["pruner"].default, help="stop bad trials "
                       "early on their running objective after each fold: median or successive halving "
                       "(default %(default)s)")
    group.add_argument("--store-tables", action="store_true", help="store each trial's predictions, equity and "
                       "trades in the run store, not only its metrics (default %(default)s)")
    group.add_argument("--name", help="the study's name in the storage (default search-DATE-TIME)")
    group.add_argument("--storage", help="Optuna storage URL: sqlite:///FILE, or postgresql://user:password@host/db "
                       "for several machines (default: studies.sqlite beside the run store)")
    group.add_argument("--out", help="folder for trials.csv, holdout.csv and best_config.json (default "
                       "runs/NAME)")
    group = parser.add_argument_group("execution")
    group.add_argument("--workers", type=int, help="trials at a time (default: one per core)")
    group.add_argument("--executor", choices=("local", "ray"), default="local", help="local worker processes or "
                       "Ray tasks (default %(default)s)")
    group.add_argument("--ray-address", help="the Ray cluster to join, host:port or ray://host:port; 'local' starts "
                       "Ray here (default local)")
    group.add_argument("--cpus-per-trial", type=float, default=1, help="Ray: CPUs each trial reserves "
                       "(default %(default)s)")
    group.add_argument("--gpus-per-trial", type=float, default=0, help="Ray: share of a GPU each trial reserves, "
                       "e.g. 0.25 packs four small models on one GPU (default %(default)s)")


_DEFAULT_TRIALS = 20


def _add_backtest_options(parser: argparse.ArgumentParser) -> None:
    from engine.fit_config import WalkForwardConfig
    from engine.trading import TradingConfig

    walk, trading = WalkForwardConfig(), TradingConfig()
    group = parser.add_argument_group("walk-forward")
    group.add_argument("--initial-train", type=int, default=walk.initial_train, help="bars before the first "
                       "prediction (default %(default)s)")
    group.add_argument("--retrain-every", type=int, default=walk.retrain_every, help="bars between retrains, 0 = "
                       "train once (default %(default)s)")
    group.add_argument("--scheme", choices=_choices(WalkForwardConfig, "scheme"), default=walk.scheme, help="train on all past "
                       "bars, or on the last --initial-train bars only (default %(default)s)")
    group.add_argument("--cold", action="store_true", default=not walk.warm_start, help="retrain each fold from "
                       "scratch instead of from the previous fold's weights (default %(default)s)")
    group.add_argument("--warm-epochs", type=int, default=walk.warm_epochs, help="epochs of a warm-started retrain "
                       "(default %(default)s)")
    group.add_argument("--early-stop-fraction", type=float, default=walk.early_stop_fraction, help="latest share of "
                       "each fold's training bars held out to stop early and pick the best epoch (default "
                       "%(default)s)")
    group = parser.add_argument_group("trading")
    group.add_argument("--threshold", type=float, default=trading.threshold, help="predicted return needed to take a "
                       "position, 0.001 = 0.1%% (default %(default)s)")
    group.add_argument("--long-only", action="store_true", default=trading.long_only, help="stay flat instead of "
                       "going short when a fall is predicted (default %(default)s)")
    group.add_argument("--position-size", type=float, default=trading.position_size, help="share of equity each "
                       "position buys or shorts at entry, in (0, 1] (default %(default)s)")
    group.add_argument("--initial-capital", type=float, default=trading.initial_capital, help="equity at the start "
                       "(default %(default)s)")
    group.add_argument("--risk-free-rate", type=float, default=trading.risk_free_rate, help="annual risk-free rate for "
                       "Sharpe, Sortino and alpha, 0.02 = 2%% (default %(default)s)")
    group.add_argument("--bootstrap-repetitions", type=int, default=trading.bootstrap_repetitions, help="resamples "
                       "behind each Sharpe and return confidence interval and SPA test (default %(default)s)")
    group.add_argument("--cost-bps", type=float, default=trading.cost_bps, help="commission per side, in basis "
                       "points (default %(default)s)")
    group.add_argument("--slippage-bps", type=float, default=trading.slippage_bps, help="slippage per side, in basis "
                       "points (default %(default)s)")
    group.add_argument("--execution", choices=_choices(TradingConfig, "execution"), default=trading.execution,
                       help="the price a signal trades at: the next bar's open or close (default %(default)s)")


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    from engine.runs import DataConfig

    data = DataConfig()
    group = parser.add_argument_group("data")
    group.add_argument("--ticker", action="append", help=f"ticker to use, repeatable (default "
                       f"{', '.join(data.tickers)}, the bundled sample, unless --csv is given)")
    group.add_argument("--csv", action="append", help="OHLCV CSV file to use, repeatable (default none)")
    group.add_argument("--synthetic", metavar="SPEC", help=f"also use {_SYNTHETIC_HELP} (default none)")
    group.add_argument("--start", help="first date, YYYY-MM-DD (default: the first bar of the data)")
    group.add_argument("--end", help="last date, YYYY-MM-DD (default: the latest bar)")
    group.add_argument("--interval", default=data.interval, help="bar interval for downloads: 1d, 1wk, 1mo, 1h, ... "
                       "(default %(default)s)")
    group.add_argument("--raw", action="store_true", default=not data.adjusted, help="raw prices instead of "
                       "split/dividend-adjusted ones (default %(default)s)")
    group.add_argument("--nan-policy", choices=_choices(DataConfig, "nan_policy"), default=data.nan_policy, help="incomplete bars: "
                       "drop them or fill them from the bar before (default %(default)s)")
    group.add_argument("--calendar", default=data.calendar, help="exchange calendar for the data-quality check of "
                       "missing sessions: auto infers XNYS, 24/7 or 24/5 from the bars; or any exchange_calendars "
                       "name such as XLON or XTKS (default %(default)s)")


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    from engine.features import FEATURES, TARGETS
    from engine.fit_config import TrainConfig
    from engine.windows import WindowConfig
    from models import ARCHITECTURES, DEFAULT_ARCH

    windows, training = WindowConfig(), TrainConfig()
    group = parser.add_argument_group("windows")
    group.add_argument("--features", default=",".join(windows.features),
                       help=f"comma-separated, from {', '.join(FEATURES)} (default %(default)s)")
    group.add_argument("--target", choices=tuple(TARGETS), default=windows.target, help="what to predict h bars "
                       "ahead (default %(default)s)")
    group.add_argument("--horizons", default=",".join(map(str, windows.horizons)), help="comma-separated bars ahead, "
                       "e.g. 1,5,20 (default %(default)s)")
    group.add_argument("--window", type=int, default=windows.window, help="input bars per sample (default %(default)s)")
    group.add_argument("--val-fraction", type=float, help="train only (a backtest uses --early-stop-fraction): share "
                       f"of the bars for validation, after the training bars (default {windows.val_fraction})")
    group.add_argument("--test-fraction", type=float, help="train only (a backtest tests everything after "
                       "--initial-train): share of the bars for the test split, the most recent ones (default "
                       f"{windows.test_fraction})")
    group.add_argument("--scaler", choices=_choices(WindowConfig, "scaler"), default=windows.scaler, help="scaling, "
                       "fitted on the training bars only (default %(default)s)")
    group = parser.add_argument_group("model")
    group.add_argument("--arch", action="append", choices=ARCHITECTURES, help=f"architecture, repeatable (default "
                       f"{DEFAULT_ARCH})")
    for name, (flag, text) in _SHARED_MODEL_OPTIONS.items():
        users = [arch for arch, entry in ARCHITECTURES.items() if name in entry.config.settings()]
        spec = ARCHITECTURES[users[0]].config.settings()[name]
        group.add_argument(flag, dest=name, metavar=flag[2:].upper().replace("-", "_"), type=spec.hint,
                           default=spec.default, help=f"{text}; for {', '.join(users)}, ignored by the others "
                           "(default %(default)s)")
    group = parser.add_argument_group("training")
    group.add_argument("--epochs", type=int, default=training.epochs, help="most epochs to train "
                       "(default %(default)s)")
    group.add_argument("--batch-size", type=int, default=training.batch_size, help="samples per optimiser step "
                       "(default %(default)s)")
    group.add_argument("--lr", type=float, default=training.learning_rate, help="learning rate (default %(default)s)")
    group.add_argument("--optimizer", choices=_choices(TrainConfig, "optimizer"), default=training.optimizer,
                       help="optimiser (default %(default)s)")
    group.add_argument("--patience", type=int, default=training.patience, help="epochs without validation "
                       "improvement before stopping, 0 = never stop early (default %(default)s)")
    group.add_argument("--seed", type=int, default=training.seed, help="random seed: the same seed gives the same "
                       "run on CPU (default %(default)s)")
    group.add_argument("--device", choices=_choices(TrainConfig, "device"), default=training.device, help="where to "
                       "train: auto picks a GPU when there is one (default %(default)s)")
    group.add_argument("--threads", type=int, default=1, help="CPU threads for torch (default %(default)s: small "
                       "models train fastest on one, and a busy machine cannot stall it)")


_SYNTHETIC_HELP = ("a generated series with injected anomalies, key=value pairs such as "
                   "\"n=2000,spikes=8,drops=4,noise=0.1,trend=0.005,seed=3,preset=seed\" (preset seed or learnable; "
                   "the keys and rules are in docs/ANOMALIES.md)")
_AUTOENCODER_OPTIONS = {"hidden_size": "--hidden-size", "latent_size": "--latent", "num_layers": "--layers",
                        "dropout": "--dropout"}  # the autoencoder's fields, by flag

# Model fields one option sets for every --arch that has them: field -> (flag, what it is).
_SHARED_MODEL_OPTIONS = {"hidden_size": ("--hidden-size", "units in each recurrent layer"),
                         "num_layers": ("--layers", "stacked recurrent layers"),
                         "dropout": ("--dropout", "fraction zeroed between layers while training")}


def _choices(config, name: str) -> tuple[str, ...]:
    """The values a Literal-typed config field allows, so the command line never lists them twice."""
    return get_args(get_type_hints(config)[name])


if __name__ == "__main__":
    sys.exit(main())

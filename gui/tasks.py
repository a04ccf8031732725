"""The long jobs the GUI runs on its worker thread, as plain functions `task(..., emit, should_stop)`.

No Qt here, so each can be called and tested directly. The engine is imported inside the
functions: the window opens before torch has loaded, and the first task loads it.
"""
from __future__ import annotations

import os
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from engine.errors import WorkbenchError
from gui.events import (
    BacktestOutcome,
    BacktestRequest,
    BarsLoaded,
    Emit,
    EngineInfo,
    ModelEvaluated,
    ModelEvent,
    Notice,
    PreviewRequest,
    PreviewResult,
    RunResult,
    SeriesPreview,
    ShouldStop,
    Stage,
    TimeEstimate,
    WindowsReady,
)

STEPS_TIMED = 4  # train steps timed per model for the estimate shown before training
_SOURCES = {"sample": "bundled sample", "cache": "local cache", "download": "downloaded from Yahoo"}


def load_engine(emit: Emit, should_stop: ShouldStop) -> EngineInfo:
    """Import the training stack (torch, models) off the GUI thread and name the compute device.

    Then fit a one-step toy model: torch imports some 800 more modules (its compiler stack) on
    the first optimiser step, holding the GIL for seconds. Paying that here, while the user
    reads the data, keeps the first training run from freezing the charts.
    """
    import numpy as np

    import engine.pipeline  # noqa: F401 - the import is the work: torch, sklearn, the model zoo
    from engine.device import describe_device, resolve_device
    from engine.fit_config import TrainConfig
    from engine.train import predict, train_model
    from models import model_config_for

    _leave_a_core_for_the_gui()
    device = resolve_device("auto")
    x, y = np.zeros((2, 2, 1), dtype=np.float32), np.zeros((2, 1), dtype=np.float32)
    toy = train_model(model_config_for("linear"), x, y, x, y, TrainConfig(epochs=1, batch_size=2, device="cpu"))
    predict(toy.model, x)
    return EngineInfo(device=describe_device(device))


def _leave_a_core_for_the_gui() -> None:
    """Train on all cores but one: with every core busy in torch kernels the charts stutter."""
    import torch

    cores = os.cpu_count() or 2
    if cores > 1 and torch.get_num_threads() >= cores:
        torch.set_num_threads(cores - 1)


def load_preview(request: PreviewRequest, emit: Emit, should_stop: ShouldStop) -> PreviewResult:
    """Each listed series with its quality report; a series that fails is reported, the rest still load.

    Each report checks missing sessions against the request's calendar, as engine.pipeline.load_data does.
    """
    from engine.data import load_ticker, read_ohlcv_csv
    from engine.data.frame import format_ts
    from engine.data.quality import with_calendar

    start, end = (date.fromisoformat(day) if day else None for day in (request.start, request.end))
    series, failures = [], []

    def add(name, frame, report, source, notice):
        series.append(SeriesPreview(name, frame, tuple(report.summary_lines()), source, notice,
                                    format_ts(frame.index[0]), format_ts(frame.index[-1]), len(frame)))

    for ticker in request.tickers:
        if should_stop():
            break
        try:
            loaded = load_ticker(ticker, start=start, end=end, interval=request.interval)
            report = with_calendar(loaded.report, loaded.frame, request.calendar)
        except WorkbenchError as error:
            failures.append((ticker, str(error)))
            continue
        add(loaded.ticker, loaded.frame, report, _SOURCES.get(loaded.source, loaded.source), loaded.notice)
    for path in request.csv_files:
        if should_stop():
            break
        name = Path(path).stem.upper()
        try:
            frame, report = read_ohlcv_csv(Path(path))
            report = with_calendar(report, frame, request.calendar)
        except WorkbenchError as error:
            failures.append((name, str(error)))
            continue
        clipped = frame.loc[request.start:request.end]  # as engine.pipeline.load_data clips CSV files
        if clipped.empty:
            message = (f"{Path(path).name} has no bars from {request.start or 'its start'} to "
                       f"{request.end or 'its end'}: it covers {format_ts(frame.index[0])} to "
                       f"{format_ts(frame.index[-1])}. Choose dates in that range.")
            failures.append((name, message))
            continue
        add(name, clipped, report, f"CSV file {Path(path).name}", None)
    return PreviewResult(request, tuple(series), tuple(failures))


def estimate_run(config, emit: Emit, should_stop: ShouldStop) -> TimeEstimate:
    """Load and window the data as a run would, then time a few real train steps per model."""
    from engine.pipeline import load_data
    from engine.pooling import pooled_windows

    emit(Stage("Loading data"))
    data = pooled_windows(load_data(config.data).bars, config.windows)
    emit(Stage("Timing a few training steps"))
    return estimate_training(config, data, should_stop)


def estimate_training(config, data, should_stop: ShouldStop) -> TimeEstimate:
    """Seconds for the whole fit if no model stops early, from STEPS_TIMED real steps of each model.

    Each model is built and stepped exactly as train_model will (same device, batch size and
    optimiser) on the first samples, after one untimed warm-up step; an epoch is its step time
    times the batches per epoch, plus the validation pass (a forward pass costs about a third
    of a train step).
    """
    from engine.pipeline import model_labels
    from engine.train import train_model

    training = config.training
    batches = len(data.train) // training.batch_size
    steps = max(1, min(STEPS_TIMED, batches))
    timing = replace(training, epochs=1, patience=0, lr_patience=0)
    per_model: dict[str, float] = {}
    for label, model_config in zip(model_labels(config.models), config.models):
        if should_stop():
            break
        n = steps * training.batch_size
        # One step first: the first step pays one-off costs (kernel set-up, allocations) that the
        # real fit, in this same process, will not pay again.
        train_model(model_config, data.train.x[:training.batch_size], data.train.y[:training.batch_size], None,
                    None, timing, classification=config.classification, should_stop=should_stop)
        started = time.perf_counter()
        timed = train_model(model_config, data.train.x[:n], data.train.y[:n], None, None, timing,
                            classification=config.classification, should_stop=should_stop)
        if not timed.history:  # cancelled mid-way
            break
        step_s = timed.history[0].elapsed_s / steps
        setup_s = time.perf_counter() - started - timed.history[0].elapsed_s
        epoch_s = step_s * (batches + len(data.val) / training.batch_size / 3)
        per_model[label] = setup_s + epoch_s * training.epochs
    return TimeEstimate(sum(per_model.values()), per_model, steps)


def train_run(config, emit: Emit, should_stop: ShouldStop) -> RunResult:
    """A whole run: load, window, estimate, train every model, evaluate each on the test split."""
    from engine.pipeline import evaluate_on_test, load_data, train_models
    from engine.pooling import pooled_windows

    emit(Stage("Loading data"))
    loaded = load_data(config.data)
    for notice in loaded.notices:
        emit(Notice(notice))
    emit(Stage("Building windows"))
    data = pooled_windows(loaded.bars, config.windows)
    emit(WindowsReady(len(data.train), len(data.val), len(data.test), config.windows.window,
                      len(config.windows.features)))
    if should_stop():
        return RunResult(config, {}, {}, cancelled=True)
    emit(Stage("Timing a few training steps"))
    emit(estimate_training(config, data, should_stop))
    emit(Stage("Training"))
    trained = train_models(config, data, on_event=lambda label, event: emit(ModelEvent(label, event)),
                           should_stop=should_stop)
    metrics: dict[str, dict[str, float]] = {}
    if len(data.test) == 0:
        emit(Notice("The test split is empty (test fraction 0), so there are no test metrics."))
    else:
        emit(Stage("Evaluating on the test split"))
        for label, model in trained.items():
            if model.outcome.trained:  # else it still holds its initial weights: a row without scores
                metrics[label] = evaluate_on_test(model, data, config)
            emit(ModelEvaluated(label, metrics.get(label, {})))
    fitted = {label: model for label, model in trained.items() if model.outcome.trained}
    return RunResult(config, fitted, metrics, cancelled=should_stop())


def backtest_run(request: BacktestRequest, emit: Emit, should_stop: ShouldStop) -> BacktestOutcome:
    """Train & Backtest: load, walk every model forward (engine events passed on), then store the run.

    The run store is opened, written and closed here, on this one thread (SQLite wants that).
    A store that cannot be written does not lose the run: the outcome says why it was not stored.
    """
    from engine.pipeline import load_data, run_backtest
    from engine.store import RunStore, data_fingerprint

    config = request.config
    emit(Stage("Loading data"))
    loaded = load_data(config.data)
    for notice in loaded.notices:
        emit(Notice(notice))
    emit(BarsLoaded(loaded.bars))
    emit(Stage("Walking forward"))
    run = run_backtest(config, loaded.bars, on_event=emit, should_stop=should_stop)
    if should_stop():
        return BacktestOutcome(config, run.result, loaded.bars, None,
                               "The backtest was cancelled, so its partial result was not stored.", cancelled=True)
    emit(Stage("Storing the run"))
    path = None if request.store_path is None else Path(request.store_path)
    try:
        with RunStore(path) as store:
            run_id = store.save(config, run.result, fingerprint=data_fingerprint(loaded.bars), models=run.models)
    except WorkbenchError as error:
        return BacktestOutcome(config, run.result, loaded.bars, None,
                               f"The backtest finished but was not stored: {error}")
    return BacktestOutcome(config, run.result, loaded.bars, run_id)


def check_csv(path: str, emit: Emit, should_stop: ShouldStop) -> str:
    """Read a CSV file the user picked, so a bad file is refused before it joins the series list."""
    from engine.data import read_ohlcv_csv

    read_ohlcv_csv(Path(path))
    return path


def load_bars(data_config, emit: Emit, should_stop: ShouldStop) -> dict:
    """The bars of a run's data settings, e.g. to draw the prices under a run opened from the Compare tab."""
    from engine.pipeline import load_data

    return load_data(data_config).bars

"""The long jobs the GUI runs on its worker thread, as plain functions `task(..., emit, should_stop)`.

No Qt here, so each can be called and tested directly. The engine is imported inside the
functions: the window opens before torch has loaded, and the first task loads it.
"""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import WorkbenchError
from engine.estimate import TimeEstimate
from gui.events import (
    AnomalyOutcome,
    AnomalyRequest,
    AnomalyTraining,
    BacktestOutcome,
    BacktestRequest,
    BarsLoaded,
    Emit,
    EngineInfo,
    ForecastOutcome,
    LearningCurves,
    ModelEvaluated,
    ModelEvent,
    Notice,
    PreviewRequest,
    PreviewResult,
    RunResult,
    SeriesPreview,
    ShouldStop,
    Stage,
    WindowsReady,
)

if TYPE_CHECKING:
    from engine.store import StoreContents

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
    from engine.data import load_ticker
    from engine.data.frame import format_ts
    from engine.data.quality import with_calendar
    from engine.pipeline import load_csv_series
    from engine.runs import DataConfig, csv_series_name

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
        name = csv_series_name(path)
        try:
            frame, report = load_csv_series(path, DataConfig(tickers=(), csv_files=(path,), start=request.start,
                                                             end=request.end, calendar=request.calendar))
        except WorkbenchError as error:
            failures.append((name, str(error)))
            continue
        add(name, frame, report, f"CSV file {Path(path).name}", None)
    if request.synthetic is not None and not should_stop():
        from engine.data.synthetic import SYNTHETIC_NAME
        from engine.pipeline import load_synthetic_series

        try:
            frame, report = load_synthetic_series(DataConfig(tickers=(), synthetic=request.synthetic,
                                                             start=request.start, end=request.end,
                                                             calendar=request.calendar))
        except WorkbenchError as error:
            failures.append((SYNTHETIC_NAME, str(error)))
        else:
            add(SYNTHETIC_NAME, frame, report, "generated", None)
    return PreviewResult(request, tuple(series), tuple(failures))


def estimate_run(config, emit: Emit, should_stop: ShouldStop) -> TimeEstimate:
    """Load and window the data as a run would, then time a few real train steps per model."""
    from engine.estimate import estimate_training
    from engine.pipeline import load_data
    from engine.pooling import pooled_windows

    emit(Stage("Loading data"))
    data = pooled_windows(load_data(config.data).bars, config.windows)
    emit(Stage("Timing a few training steps"))
    return estimate_training(config, data, should_stop)


def train_run(config, emit: Emit, should_stop: ShouldStop) -> RunResult:
    """A whole run: load, window, estimate, train every model, evaluate each on the test split."""
    from engine.estimate import estimate_training
    from engine.pipeline import load_data, train_and_score
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
    scored = train_and_score(config, data, on_event=lambda label, event: emit(ModelEvent(label, event)),
                             on_scored=lambda label, scores: emit(ModelEvaluated(label, scores)),
                             should_stop=should_stop)
    if len(data.test) == 0:
        emit(Notice("The test split is empty (test fraction 0), so there are no test metrics."))
    fitted = {label: model for label, model in scored.trained.items() if model.outcome.trained}
    return RunResult(config, fitted, scored.scores, cancelled=should_stop(), attention=_attention(fitted, data))


def _attention(fitted: dict, data) -> dict:
    """What each attention model looked at over the test windows (the validation ones without a test split)."""
    from engine.attention import attention_map

    windows = data.test if len(data.test) else data.val
    return {label: found for label, model in fitted.items() if (found := attention_map(model, windows)) is not None}


def learning_curve_run(config, emit: Emit, should_stop: ShouldStop) -> LearningCurves:
    """Each model of a Train run retrained on the most recent 25-100 % of its training windows (the learning
    curve), on the run's data loaded and windowed afresh."""
    from engine.learning_curve import check_sizes, learning_curve
    from engine.pipeline import load_data, model_labels
    from engine.pooling import pooled_windows

    emit(Stage("Loading data for the learning curve"))
    data = pooled_windows(load_data(config.data).bars, config.windows)
    check_sizes(data, config.training)
    curves, shown = {}, set()

    def progress(label: str, fraction: float) -> None:
        if (label, fraction) not in shown:
            shown.add((label, fraction))
            emit(Stage(f"Learning curve of {label}: training on the most recent {fraction:.0%} of the windows"))

    for label, model_config in zip(model_labels(config.models), config.models):
        curve = learning_curve(label, model_config, data, config.training, classification=config.classification,
                               on_event=lambda fraction, event, label=label: progress(label, fraction),
                               should_stop=should_stop)
        if curve is None:
            break
        curves[label] = curve
    return LearningCurves(curves)


def backtest_run(request: BacktestRequest, emit: Emit, should_stop: ShouldStop, *, pool=None) -> BacktestOutcome:
    """Train & Backtest: load, walk every model forward (engine events passed on), then store the run.

    The run store is opened, written and closed here, on this one thread (SQLite wants that).
    A store that cannot be written does not lose the run: the outcome says why it was not stored.
    """
    from engine.estimate import estimate_backtest
    from engine.forecast import forecast_run
    from engine.pipeline import backtest_and_store, load_data

    config = request.config
    emit(Stage("Loading data"))
    loaded = load_data(config.data)
    for notice in loaded.notices:
        emit(Notice(notice))
    emit(BarsLoaded(loaded.bars))
    emit(Stage("Timing a few training steps"))
    emit(estimate_backtest(config, loaded.bars, should_stop))
    emit(Stage("Walking forward"))
    stored = backtest_and_store(config, loaded.bars, store_path=None if request.store_path is None else
                                Path(request.store_path), on_event=emit, should_stop=should_stop,
                                **_walkers(request.workers, pool))
    cancelled = should_stop()
    reason = None if stored.not_stored is None else (
        str(stored.not_stored) if cancelled else f"The backtest finished but was not stored: {stored.not_stored}")
    forecast, no_forecast = None, "The backtest was cancelled, so nothing was forecast." if cancelled else None
    if not cancelled and stored.run.models:
        emit(Stage("Forecasting the bars after the last one"))
        try:
            forecast = forecast_run(config, loaded, stored.run.result, stored.run.models)
        except WorkbenchError as error:
            no_forecast = f"No forecast: {error}"
    return BacktestOutcome(config, stored.run.result, loaded.bars, stored.run_id, reason, cancelled=cancelled,
                           forecast=forecast, no_forecast=no_forecast)


def _walkers(workers: int, pool) -> dict:
    """Where a backtest's walks go: one by one here (0 workers), on the warm pool's processes (an
    engine.experiments.executors.WarmPool, kept between runs), or on processes started for this run."""
    from engine.experiments.executors import Execution

    if not workers:
        return {}
    return {"executor": pool.get(workers)} if pool is not None else {"execution": Execution(workers=workers)}


def forecast_stored_run(run_id: int, store_path: str | None, refit: bool, emit: Emit, should_stop: ShouldStop
                        ) -> ForecastOutcome:
    """Stored run `run_id`'s forecast after the latest bar: its final models (refitted on every bar first if `refit`)
    applied to its series loaded afresh."""
    from engine.forecast import forecast_run, load_stored_basis

    emit(Stage(f"Loading run #{run_id} and its series"))
    basis = load_stored_basis(run_id, store_path=None if store_path is None else Path(store_path))
    emit(Stage(f"{'Refitting on every bar, then forecasting' if refit else 'Forecasting'} with run #{run_id}"))
    forecast = forecast_run(basis.config, basis.loaded, basis.result, basis.models, refit=refit)
    return ForecastOutcome(run_id, basis.config, basis.result, basis.loaded.bars, forecast, basis.notices)


def anomaly_run(request: AnomalyRequest, emit: Emit, should_stop: ShouldStop) -> AnomalyOutcome:
    """Detect anomalies on the run's one series (the autoencoder's training events passed on), then store the run.

    The run store is opened, written and closed here, on this one thread (SQLite wants that).
    """
    from engine.anomaly import anomalies_and_store

    emit(Stage("Training the autoencoder and scoring every bar"))
    stored = anomalies_and_store(request.config, store_path=None if request.store_path is None else
                                 Path(request.store_path), on_event=lambda event: emit(AnomalyTraining(event)),
                                 should_stop=should_stop)
    cancelled = should_stop()
    reason = None if stored.not_stored is None else (
        str(stored.not_stored) if cancelled else f"The anomaly run finished but was not stored: {stored.not_stored}")
    return AnomalyOutcome(request.config, stored.result, stored.run_id, reason, cancelled=cancelled)


def read_anomaly_run(path: str | None, run_id: int, emit: Emit, should_stop: ShouldStop):
    """One stored anomaly run (engine.store.StoredAnomalies), read off the GUI thread."""
    from engine.store import RunStore

    with RunStore(None if path is None else Path(path)) as store:
        return store.load_anomalies(run_id)


def read_stored_runs(path: str | None, emit: Emit, should_stop: ShouldStop) -> StoreContents:
    """Every run of the run store at `path` (None: the default one), decompressed here rather than on the GUI
    thread: an engine.store.StoreContents for CompareView.show_stored. The store is opened and closed here."""
    from engine.store import RunStore

    emit(Stage("Reading the stored runs"))
    with RunStore(None if path is None else Path(path)) as store:
        return store.load_all()


def check_csv(path: str, emit: Emit, should_stop: ShouldStop) -> str:
    """Read a CSV file the user picked, so a bad file is refused before it joins the series list."""
    from engine.data import read_ohlcv_csv

    read_ohlcv_csv(Path(path))
    return path


def load_bars(data_config, emit: Emit, should_stop: ShouldStop) -> dict:
    """The bars of a run's data settings, e.g. to draw the prices under a run opened from the Compare tab."""
    from engine.pipeline import load_data

    return load_data(data_config).bars

"""The stages a run goes through, as functions the CLI and the GUI worker both call."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from engine.backtest import BacktestEvent, FoldDone, LinearBaselineFitter, NetworkFitter, walk_forward
from engine.baseline import backtest_labels
from engine.data import MarketCache, QualityReport, load_tickers, read_ohlcv_csv
from engine.data.frame import format_ts
from engine.data.quality import build_report, with_calendar
from engine.data.synthetic import SYNTHETIC_NAME, generate_series, parse_spec
from engine.diagnosis import naive_losses
from engine.errors import WorkbenchError
from engine.estimate import FoldClock
from engine.experiments.executors import Execution, Executor
from engine.features import no_change_forecast, target_to_price
from engine.folds import fold_spans
from engine.metrics import classification_metrics, forecast_metrics
from engine.results import BacktestResult, LiveEquity, evaluate
from engine.runs import DataConfig, RunConfig, csv_series_name
from engine.train import TrainedModel, TrainEvent, predict, train_model
from engine.windows import WindowedData
from models import ModelConfig


@dataclass(frozen=True)
class LoadedData:
    bars: dict[str, pd.DataFrame]  # series name → canonical OHLCV frame
    reports: dict[str, QualityReport]
    notices: tuple[str, ...]  # e.g. "offline — using cached AAPL up to 2026-10-30"


def load_data(config: DataConfig, *, cache: MarketCache | None = None) -> LoadedData:
    """Every ticker and CSV file of the config, validated, clipped to the config's dates.

    Each report checks missing sessions against the config's calendar.
    """
    start, end = (date.fromisoformat(d) if d else None for d in (config.start, config.end))
    bars, reports, notices = {}, {}, []
    if config.tickers:
        for series in load_tickers(config.tickers, start=start, end=end, interval=config.interval,
                                   adjusted=config.adjusted, cache=cache, nan_policy=config.nan_policy):
            bars[series.ticker] = series.frame
            reports[series.ticker] = with_calendar(series.report, series.frame, config.calendar)
            notices += [series.notice] if series.notice else []
    for path in config.csv_files:
        name = csv_series_name(path)
        bars[name], reports[name] = load_csv_series(path, config)
    if config.synthetic is not None:
        bars[SYNTHETIC_NAME], reports[SYNTHETIC_NAME] = load_synthetic_series(config)
    return LoadedData(bars, reports, tuple(notices))


def load_synthetic_series(config: DataConfig) -> tuple[pd.DataFrame, QualityReport]:
    """The generated bars of the config's spec clipped to its dates, and their quality report."""
    frame = generate_series(parse_spec(config.synthetic)).bars
    return _clipped(frame, config, "The synthetic series"), build_report(frame, "synthetic series",
                                                                         calendar=config.calendar)


def load_csv_series(path: str, config: DataConfig) -> tuple[pd.DataFrame, QualityReport]:
    """One CSV file's bars clipped to the config's dates, and the quality report of the whole file."""
    frame, report = read_ohlcv_csv(Path(path), adjusted=config.adjusted, nan_policy=config.nan_policy)
    return _clipped(frame, config, Path(path).name), with_calendar(report, frame, config.calendar)


def _clipped(frame: pd.DataFrame, config: DataConfig, source: str) -> pd.DataFrame:
    clipped = frame.loc[config.start:config.end]
    if clipped.empty:
        raise WorkbenchError(f"{source} has no bars from {config.start or 'its start'} to "
                             f"{config.end or 'its end'}: it covers {format_ts(frame.index[0])} to "
                             f"{format_ts(frame.index[-1])}. Choose dates in that range.")
    return clipped


def model_labels(models: tuple[ModelConfig, ...]) -> list[str]:
    """A name per model: its architecture, numbered when one architecture appears twice."""
    archs = [m.arch for m in models]
    return [arch if archs.count(arch) == 1 else f"{arch}-{archs[:i + 1].count(arch)}" for i, arch in enumerate(archs)]


def train_models(
    config: RunConfig,
    data: WindowedData,
    *,
    on_event: Callable[[str, TrainEvent], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, TrainedModel]:
    """Fit every model of the run on the same windows; stops before the next model once cancelled."""
    trained = {}
    for label, model_config in zip(model_labels(config.models), config.models):
        if should_stop is not None and should_stop():
            break
        trained[label] = train_model(
            model_config, data.train.x, data.train.y, data.val.x, data.val.y, config.training,
            classification=config.classification, should_stop=should_stop,
            naive=naive_losses(data.train, data.val, classification=config.classification),
            on_event=None if on_event is None else (lambda event, label=label: on_event(label, event)),
        )
    return trained


def evaluate_on_test(trained: TrainedModel, data: WindowedData, config: RunConfig) -> dict[str, float]:
    """The model's forecast metrics on the test split, in target units, beside the naive forecast."""
    if len(data.test) == 0:
        raise WorkbenchError("There is no test split to score the model on: set a test fraction above 0.")
    predicted = predict(trained.model, data.test.x, classification=config.classification)
    if config.classification:
        return classification_metrics(data.test.actual.ravel(), predicted.ravel())
    actual = data.test.actual
    predicted = data.unscale_targets(predicted, data.test.ticker)
    target, reference = config.windows.target, data.test.reference_close
    naive = no_change_forecast(target, reference, actual.shape[1])
    return forecast_metrics(actual.ravel(), predicted.ravel(), naive.ravel(),
                            actual_price=target_to_price(target, actual, reference).ravel(),
                            predicted_price=target_to_price(target, predicted, reference).ravel())


@dataclass(frozen=True)
class ScoredModels:
    """Train's outcome: every model that started, and the test-split scores of those that trained."""

    data: WindowedData
    trained: dict[str, TrainedModel]  # a model cancelled before its first epoch is here, untrained
    scores: dict[str, dict[str, float]]  # no entry for an untrained model, none at all without a test split


def train_and_score(
    config: RunConfig,
    data: WindowedData,
    *,
    on_event: Callable[[str, TrainEvent], None] | None = None,
    on_scored: Callable[[str, dict[str, float]], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ScoredModels:
    """Train every model of the run on the same windows, then score each trained one on the test split."""
    trained = train_models(config, data, on_event=on_event, should_stop=should_stop)
    scores = {}
    for label, model in trained.items():
        if model.outcome.trained and len(data.test):  # an untrained model still holds its initial weights
            scores[label] = evaluate_on_test(model, data, config)
        if on_scored is not None:
            on_scored(label, scores.get(label, {}))
    return ScoredModels(data, trained, scores)


@dataclass(frozen=True)
class StoredBacktest:
    """A backtest and where it was stored: its run id, or the reason it was not."""

    run: BacktestRun
    run_id: int | None
    not_stored: WorkbenchError | None = None  # the store's error, or why a cancelled run was kept out


def backtest_and_store(
    config: RunConfig,
    bars_by_ticker: dict[str, pd.DataFrame],
    *,
    store: bool = True,
    store_path: Path | None = None,
    on_event: Callable[[BacktestEvent], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    execution: Execution | None = None,
    executor: Executor | None = None,
) -> StoredBacktest:
    """Run the backtest, then save it whole in the run store; a store that cannot be written costs no result.

    The store is opened, written and closed here, on the calling thread (SQLite wants that). With an
    `execution` the walks run on its workers (run_backtest).
    """
    from engine.store import RunStore, data_fingerprint

    run = run_backtest(config, bars_by_ticker, on_event=on_event, should_stop=should_stop, execution=execution,
                       executor=executor)
    if should_stop is not None and should_stop():
        return StoredBacktest(run, None, WorkbenchError("The backtest was cancelled, so its partial result was "
                                                        "not stored."))
    if not store:
        return StoredBacktest(run, None)
    try:
        with RunStore(store_path) as runs:
            return StoredBacktest(run, runs.save(config, run.result, fingerprint=data_fingerprint(bars_by_ticker),
                                                 models=run.models))
    except WorkbenchError as error:
        return StoredBacktest(run, None, error)


@dataclass(frozen=True)
class EquityProgress:
    """Event: the equity curve of one model and horizon over the folds finished so far."""

    ticker: str
    model: str
    horizon: int
    periods: pd.DataFrame  # Simulation.periods: position, equity, benchmark_equity, drawdown, ... per bar


@dataclass(frozen=True)
class BacktestRun:
    result: BacktestResult
    models: dict[tuple[str, str], tuple[dict, dict]]  # (ticker, model) → final weights, scaler parameters


def run_backtest(
    config: RunConfig,
    bars_by_ticker: dict[str, pd.DataFrame],
    *,
    on_event: Callable[[BacktestEvent], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    execution: Execution | None = None,
    executor: Executor | None = None,
) -> BacktestRun:
    """Walk every model forward over every series, then trade and score it beside the baselines.

    The linear baseline (engine.baseline) walks the same folds too, so every result is seen next to a
    simple model fitted on the same samples. With an `execution`, the (series, model) walks run on its
    workers at the same time (engine.experiments.parallel), with the same result and the same events; with an
    `executor` (a warm one lent by the caller, kept open) on its workers.
    """
    walks = backtest_walks(config, bars_by_ticker)
    clock = FoldClock(sum(len(fold_spans(len(bars_by_ticker[ticker]), config.walk_forward, config.windows.horizons))
                          for ticker, _ in walks))
    progress = None if on_event is None else with_progress(on_event, clock)
    if execution is None and executor is None:
        walked = []
        for ticker, label in walks:
            if should_stop is not None and should_stop():
                break
            live = None if progress is None else with_live_equity(progress, bars_by_ticker[ticker], config)
            walked.append(walk_forward(ticker, bars_by_ticker[ticker], label, walk_fitter(config, label),
                                       config.windows, config.walk_forward, on_event=live, should_stop=should_stop))
    else:
        from engine.experiments.parallel import walk_in_parallel

        walked = walk_in_parallel(config, bars_by_ticker, walks, execution, on_event=progress,
                                  should_stop=should_stop, executor=executor)
    predictions, folds, models = [], [], {}
    for (ticker, label), walk in zip(walks, walked):
        predictions.append(walk.predictions)
        folds += walk.folds
        if walk.final_state is not None:
            models[(ticker, label)] = (walk.final_state, walk.final_scalers)
    made = [frame for frame in predictions if not frame.empty]  # an empty one would make every column object
    frame = pd.concat(made, ignore_index=True) if made else (predictions[0] if predictions else pd.DataFrame())
    result = evaluate(frame, folds, bars_by_ticker, target=config.windows.target, trading=config.trading,
                      seed=config.training.seed)
    return BacktestRun(result, models)


def backtest_walks(config: RunConfig, bars_by_ticker: Mapping[str, pd.DataFrame]) -> list[tuple[str, str]]:
    """Every (series, model label) a backtest walks, in order: each series' networks, then its linear baseline."""
    labels = backtest_labels(model_labels(config.models))
    return [(ticker, label) for ticker in bars_by_ticker for label in labels]


def walk_fitter(config: RunConfig, label: str) -> NetworkFitter | LinearBaselineFitter:
    """What fits each fold of the model called `label` in this run."""
    networks = dict(zip(model_labels(config.models), config.models))
    if label in networks:
        return NetworkFitter(networks[label], config.training, config.walk_forward, config.classification)
    return LinearBaselineFitter(config.classification)


def with_progress(on_event: Callable, clock: FoldClock) -> Callable:
    """Pass events on, each FoldDone followed by the run's progress across all its walks."""

    def forward(event) -> None:
        on_event(event)
        if isinstance(event, FoldDone):
            on_event(clock.fold_done())

    return forward


def with_live_equity(on_event: Callable, bars: pd.DataFrame, config: RunConfig) -> Callable:
    """Pass one walk's events on, each FoldDone followed by the equity curves so far of each horizon (only the
    fold's new decisions are traded). Runs where the walk runs, so a worker process trades its own walk."""
    live: dict[int, LiveEquity] = {}

    def forward(event) -> None:
        on_event(event)
        if not isinstance(event, FoldDone):
            return
        last = event.fold.index + 1 == event.folds
        for horizon, forecasts in event.predictions.groupby("horizon"):
            equity = live.setdefault(int(horizon), LiveEquity(bars, config.windows.target, int(horizon),
                                                              config.trading))
            periods = equity.add(forecasts.set_index("date").sort_index())
            if last:
                periods = equity.finish().periods
            on_event(EquityProgress(event.fold.ticker, event.fold.model, int(horizon), periods))

    return forward

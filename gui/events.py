"""What the GUI's tasks report and return: plain frozen dataclasses, no Qt and no torch.

The engine's own training events (BatchProgress, EpochReport, TrainingEnded) travel
inside ModelEvent unchanged.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Emit = Callable[[object], None]  # a task reports progress through this
ShouldStop = Callable[[], bool]  # and polls this to end early


@dataclass(frozen=True)
class EngineInfo:
    device: str  # engine.device.describe_device of the automatic choice


@dataclass(frozen=True)
class PreviewRequest:
    """The series the Data panel lists, to be loaded for the Data tab."""

    tickers: tuple[str, ...]
    csv_files: tuple[str, ...]
    start: str | None  # ISO dates, both included
    end: str | None
    interval: str
    calendar: str  # exchange calendar of the missing-sessions check, as engine.data.quality.check_calendar spells it
    synthetic: str | None = None  # the synthetic series' spec, when it is ticked


@dataclass(frozen=True)
class SeriesPreview:
    name: str
    frame: Any  # the engine's canonical OHLCV DataFrame
    report_lines: tuple[str, ...]  # QualityReport.summary_lines()
    source: str  # where the bars came from, in words
    notice: str | None  # e.g. the offline notice
    first: str  # first and last bar, as the engine formats them
    last: str
    rows: int


@dataclass(frozen=True)
class PreviewResult:
    request: PreviewRequest
    series: tuple[SeriesPreview, ...]
    failures: tuple[tuple[str, str], ...]  # (series name, the engine's message)


@dataclass(frozen=True)
class Stage:
    text: str  # what the run is doing now, e.g. "Loading data"


@dataclass(frozen=True)
class Notice:
    text: str  # something the user should know although the run goes on


@dataclass(frozen=True)
class WindowsReady:
    train: int
    val: int
    test: int
    window: int
    features: int


@dataclass(frozen=True)
class ModelEvent:
    label: str  # engine.pipeline.model_labels name of the model
    event: Any  # an engine.train TrainEvent


@dataclass(frozen=True)
class ModelEvaluated:
    label: str
    metrics: dict[str, float]  # engine.pipeline.evaluate_on_test, shown as returned


@dataclass(frozen=True)
class RunResult:
    config: Any  # the RunConfig
    trained: dict[str, Any]  # label → engine TrainedModel
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    cancelled: bool = False
    attention: dict[str, Any] = field(default_factory=dict)  # label → engine.attention.AttentionMap of its test windows


@dataclass(frozen=True)
class LearningCurves:
    """What the learning-curve task returns: engine.learning_curve.LearningCurve by model label."""

    curves: dict[str, Any]


@dataclass(frozen=True)
class BacktestRequest:
    """A run to train and walk forward; it waits in the same queue as plain training runs."""

    config: Any  # the RunConfig, its walk_forward and trading settings included
    store_path: str | None = None  # the run store file; None = engine.store.default_store_path()
    workers: int = 0  # walks at a time on worker processes; 0: one by one on the worker thread


@dataclass(frozen=True)
class BarsLoaded:
    bars: dict[str, Any]  # series name → the OHLCV frame the backtest walks over


@dataclass(frozen=True)
class BacktestOutcome:
    """What a backtest task returns: the result, and whether (and as which id) the run store kept it."""

    config: Any  # the RunConfig
    result: Any  # engine.results.BacktestResult
    bars: dict[str, Any]  # series name → OHLCV frame
    run_id: int | None  # its id in the run store; None when it was not stored
    not_stored: str | None = None  # why it was not stored, for the user
    cancelled: bool = False
    forecast: Any = None  # engine.forecast.Forecast of the bars after the last one; None if cancelled or impossible
    no_forecast: str | None = None  # why there is no forecast, for the user


@dataclass(frozen=True)
class ForecastOutcome:
    """A stored run's forecast (Compare's "Forecast ahead"): the run, its series loaded afresh, the forecast."""

    run_id: int
    config: Any  # the RunConfig
    result: Any  # engine.results.BacktestResult
    bars: dict[str, Any]  # series name → OHLCV frame, loaded now
    forecast: Any  # engine.forecast.Forecast
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnomalyRequest:
    """An anomaly run: it waits in the same queue as training runs and backtests."""

    config: Any  # engine.anomaly_config.AnomalyRunConfig
    store_path: str | None = None  # the run store file; None = engine.store.default_store_path()


@dataclass(frozen=True)
class AnomalyTraining:
    event: Any  # an engine.train TrainEvent of the autoencoder


@dataclass(frozen=True)
class AnomalyOutcome:
    """What an anomaly task returns: the result, and whether (and as which id) the run store kept it."""

    config: Any  # engine.anomaly_config.AnomalyRunConfig
    result: Any  # engine.anomaly_result.AnomalyResult
    run_id: int | None
    not_stored: str | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class SearchRequest:
    """A search to run in the run queue: the experiment, where its trials run and the study's name."""

    experiment: Any  # engine.experiments.experiment.Experiment
    execution: Any  # engine.experiments.executors.Execution
    name: str
    store_path: str | None = None  # the run store the trials are written to; None = the default one
    storage: str | None = None  # the Optuna storage URL; None = studies.sqlite beside the run store


@dataclass(frozen=True)
class Importances:
    """fANOVA importance of each searched parameter, from the trials finished so far (sums to 1)."""

    values: dict[str, float]
    trials: int  # the complete trials they were computed from


@dataclass(frozen=True)
class SearchFinished:
    """What a search task returns: the driver's outcome and the last importances."""

    request: SearchRequest
    outcome: Any  # engine.experiments.study.SearchOutcome
    importances: Importances | None

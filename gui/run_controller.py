"""What happens on screen while runs go: each event of the run queue is sent to the view that draws it.

Events are dispatched by type through one dict; the words of the log come from gui.log_lines.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cached_property, partial
from pathlib import Path

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QLabel, QStatusBar, QTabWidget

from engine.errors import WorkbenchError
from engine.estimate import BacktestProgress, TimeEstimate
from gui import log_lines
from gui.events import (
    AnomalyOutcome,
    AnomalyRequest,
    AnomalyTraining,
    BacktestOutcome,
    BacktestRequest,
    BarsLoaded,
    ForecastOutcome,
    LearningCurves,
    ModelEvaluated,
    ModelEvent,
    Notice,
    SearchRequest,
    Stage,
    WindowsReady,
)
from gui.run_queue import RunQueue
from gui.turns import Turns
from gui.worker import Failure

Log = Callable[..., None]  # log(text, level="info")


class RunController(QObject):
    """Connects a RunQueue and the run store to the Training, Backtest and Compare tabs, the log and the status line.

    Keeps what the File menu needs of finished runs: the trained models and the backtest on show. Search runs
    go to `search` (gui.search_controller.SearchController), their Stage and Notice events to the status line
    and log as any run's.
    """

    def __init__(self, runs: RunQueue, *, training_view, backtest_view, compare_view, anomaly_view, tabs: QTabWidget,
                 activity: QLabel, status_bar: QStatusBar, log: Log, show_error: Callable[[str, str], None],
                 show_failure: Callable[[str, Failure], None], start_job: Callable, search=None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.runs = runs
        self.training_view, self.backtest_view, self.compare_view = training_view, backtest_view, compare_view
        self.anomaly_view = anomaly_view
        self._anomaly_run: int | None = None  # the run number the Anomalies tab shows
        self._store_path: Path | None = None
        self.tabs, self.activity, self.status_bar = tabs, activity, status_bar
        self.log, self._show_error, self._show_failure, self._start_job = log, show_error, show_failure, start_job
        self.trained: dict[str, tuple[object, object]] = {}  # "run 2 · lstm" → (TrainedModel, RunConfig)
        self.backtest_shown: tuple[str, object] | None = None  # (label, BacktestResult) on the Backtest tab
        self._backtest_run: int | None = None  # the run number the Backtest tab shows
        self._progress: BacktestProgress | None = None  # the running backtest's folds done and time left
        self._turns = Turns(self)  # a run's start and its finished backtest drawn in steps
        backtest_view.state.schedule = self._turns.add  # the Backtest tab's panels after its charts
        self.search = search
        self._searches: set[int] = set()  # the run numbers of the searches started
        runs.sigStarted.connect(self._started)
        runs.sigEvent.connect(self._event)
        runs.sigFinished.connect(self._finished)
        runs.sigFailed.connect(self._failed)
        self._curve_run: tuple[int, object] | None = None  # (run number, RunConfig) the learning curve retrains
        training_view.learning_curve.sigRequested.connect(self._learning_curve)

    @cached_property
    def _handlers(self) -> dict[type, Callable[[int, object], None]]:
        """Event type → handler; built at the first event, once the engine (and torch) has loaded."""
        from engine.backtest import FoldDone, FoldTraining
        from engine.pipeline import EquityProgress

        return {FoldTraining: self._fold_training, EquityProgress: lambda run, e: self.backtest_view.show_progress(e),
                FoldDone: self._fold_done, BarsLoaded: lambda run, e: self.backtest_view.set_bars(e.bars),
                ModelEvent: self._model_event, Stage: self._stage,
                Notice: lambda run, e: self.log(f"Run {run}: {e.text}", "warning"),
                WindowsReady: self._windows_ready, BacktestProgress: self._backtest_progress,
                TimeEstimate: self._estimate, ModelEvaluated: self._evaluated,
                AnomalyTraining: lambda run, e: self.anomaly_view.on_training(e.event)}

    # --- a run starts --------------------------------------------------------------------------------
    @Slot(int, object)
    def _started(self, number: int, submitted) -> None:
        from engine.baseline import backtest_labels
        from engine.pipeline import model_labels

        if isinstance(submitted, SearchRequest):
            self._searches.add(number)
            self.search.started(number, submitted)
            return
        if isinstance(submitted, AnomalyRequest):
            self._anomaly_run = number
            self.anomaly_view.start_run(submitted.config)
            self.tabs.setCurrentWidget(self.anomaly_view)
            self.log(log_lines.anomaly_run_started(number, submitted.config))
            return

        backtest = isinstance(submitted, BacktestRequest)
        config = submitted.config if backtest else submitted
        trained = model_labels(config.models)  # the linear baseline is fitted, not trained
        self._turns.flush()  # what the last run left to draw, before this one clears it
        if not backtest:
            self.training_view.start_run(number, config, trained)
            self.tabs.setCurrentWidget(self.training_view)
            self.log(log_lines.run_started(number, submitted, trained))
            return
        self.backtest_view.start_run(config)
        self._backtest_run, self.backtest_shown, self._progress = number, None, None
        self.log(log_lines.run_started(number, submitted, backtest_labels(trained)))
        # The tab, cleared, a turn later, and the Training tab behind it a turn after that (the run's thread starts
        # once they are drawn): in one go they froze the window.
        self._turns.add(lambda: self.tabs.setCurrentWidget(self.backtest_view),
                        lambda: self.training_view.start_run(number, config, trained), later=True)

    # --- its events ----------------------------------------------------------------------------------
    @Slot(int, object)
    def _event(self, run: int, event: object) -> None:
        if self._turns.pending and not isinstance(event, (Stage, BarsLoaded, Notice)):
            self._turns.flush()  # a run's events come after what its start still has to draw (those three touch
            # neither the Training tab nor what a finished run draws: they need not wait, nor add to the flush)
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(run, event)
        if run in self._searches:
            self.search.event(run, event)

    def _fold_training(self, run: int, event) -> None:
        """Training inside a fold: the Training tab keeps each model's losses per fold, the current one in front."""
        from engine.train import BatchProgress, EpochReport

        self.training_view.on_fold_event(event)
        inner = event.event
        where = f"Run {run}: {event.model} on {event.ticker}, fold {event.fold + 1}/{event.folds}"
        if isinstance(inner, BatchProgress):
            where += f", epoch {inner.epoch}/{inner.epochs}, batch {inner.batch}/{inner.batches}"
        elif isinstance(inner, EpochReport):
            where += f", epoch {inner.epoch}/{inner.epochs}"
        else:
            return
        self.activity.setText(where + log_lines.overall_left(self._progress))

    def _fold_done(self, run: int, event) -> None:
        self.backtest_view.show_fold(event)
        self.log(log_lines.fold_done(run, event))

    def _backtest_progress(self, run: int, event: BacktestProgress) -> None:
        self._progress = event
        self.training_view.on_backtest_progress(event)
        self.activity.setText(f"Run {run}: walking forward{log_lines.overall_left(event)}")

    def _model_event(self, run: int, event: ModelEvent) -> None:
        from engine.train import BatchProgress, EpochReport, TrainingEnded

        self.training_view.on_model_event(event)
        inner = event.event
        if isinstance(inner, BatchProgress):
            self.activity.setText(f"Run {run}: training {event.label}, epoch {inner.epoch}/{inner.epochs}, "
                                  f"batch {inner.batch}/{inner.batches}")
        elif isinstance(inner, EpochReport):
            self.log(log_lines.epoch(run, event.label, inner))
        elif isinstance(inner, TrainingEnded):
            self.log(log_lines.training_ended(run, event.label, inner),
                     "warning" if inner.reason == "diverged" else "info")

    def _stage(self, run: int, event: Stage) -> None:
        self.activity.setText(f"Run {run}: {event.text}…")
        self.log(f"Run {run}: {event.text}")

    def _windows_ready(self, run: int, event: WindowsReady) -> None:
        self.training_view.on_windows(event)
        self.log(log_lines.windows_ready(run, event))

    def _estimate(self, run: int, event: TimeEstimate) -> None:
        self.training_view.on_estimate(event)
        self.log(log_lines.estimate(run, event))

    def _evaluated(self, run: int, event: ModelEvaluated) -> None:
        self.training_view.on_evaluated(event)
        line = log_lines.evaluated(run, event)
        if line is not None:
            self.log(line)

    # --- it ends -------------------------------------------------------------------------------------
    @Slot(int, object)
    def _finished(self, number: int, result) -> None:
        if number in self._searches:
            self._searches.discard(number)
            self.search.finished(number, result)
            return
        if isinstance(result, AnomalyOutcome):
            self._anomalies_finished(number, result)
            return
        if isinstance(result, BacktestOutcome):
            self._backtest_finished(number, result)
            return
        for label, trained in result.trained.items():
            self.trained[f"run {number} · {label}"] = (trained, result.config)
        self.training_view.show_attention(result.attention)
        if result.trained and not result.cancelled:
            self._curve_run = (number, result.config)
            self.training_view.learning_curve.allow(True, f"Retrains the models of run {number} on the most recent "
                                                          "25, 50, 75 and 100 % of its training windows.")
        self._announce(log_lines.training_finished(number, result))

    @Slot()
    def _learning_curve(self) -> None:
        """Retrain the last Train run's models at four training sizes on the worker, then draw the curves."""
        from gui.tasks import learning_curve_run

        if self._curve_run is None:
            return
        number, config = self._curve_run
        view = self.training_view.learning_curve
        view.allow(False, f"Training run {number}'s models at four training sizes…")
        self.activity.setText(f"Learning curve of run {number}…")

        def done(outcome: LearningCurves) -> None:
            view.show_curves(outcome.curves)
            view.allow(True, f"Learning curve of run {number}: the reading is under the plot.")
            self.activity.setText(f"Learning curve of run {number} drawn on the Training tab")
            self.log(f"Run {number}: learning curve drawn for {', '.join(outcome.curves)}")

        def failed(failure: Failure) -> None:
            view.allow(True, f"No learning curve: {failure.message}")
            self._show_failure("The learning curve could not be drawn", failure)

        self._start_job(partial(learning_curve_run, config), "learning curve", done, failed)

    def _backtest_finished(self, number: int, outcome: BacktestOutcome) -> None:
        """The result and the log lines at once; the forecast and the Compare row each a turn later, so the window
        paints between them (drawn in one go they froze it for a sixth of a second)."""
        config, result = outcome.config, outcome.result
        label = f"run #{outcome.run_id}" if outcome.run_id is not None else f"run {number}"
        self.backtest_shown = (label, result)
        self._progress = None
        whole = not result.predictions.empty and not outcome.cancelled  # a partial walk is no match for whole ones
        self._turns.add(
            lambda: self._backtest_shown(number, outcome),
            lambda: self._shows(result) and self.backtest_view.show_forecast(outcome.forecast),
            lambda: whole and self.compare_view.add_run(
                outcome.run_id if outcome.run_id is not None else f"run {number}", config, result))

    def _shows(self, result) -> bool:
        """Whether the Backtest tab still shows `result` (not a newer run, nor one opened since)."""
        return self.backtest_shown is not None and self.backtest_shown[1] is result

    def _backtest_shown(self, number: int, outcome: BacktestOutcome) -> None:
        """The result on the Backtest tab, its warnings and the end of the run in the log and the status line."""
        self.backtest_view.show_result(outcome.result, target=outcome.config.windows.target,
                                       bars_by_ticker=outcome.bars)
        for warning in outcome.result.warnings:
            self.log(f"Run {number}: {warning.text}", "warning")
        if outcome.no_forecast and not outcome.cancelled:
            self.log(f"Run {number}: {outcome.no_forecast}", "warning")
        self._announce(log_lines.backtest_finished(number, outcome))
        if outcome.not_stored and not outcome.cancelled:
            self._show_error(f"Run {number} was not stored", outcome.not_stored)
        elif outcome.not_stored:
            self.log(outcome.not_stored)

    def _anomalies_finished(self, number: int, outcome: AnomalyOutcome) -> None:
        label = f"anomaly run #{outcome.run_id}" if outcome.run_id is not None else f"run {number}"
        self.anomaly_view.show_result(outcome.result, label)
        self.list_anomaly_runs()
        message = log_lines.anomaly_run_finished(number, outcome)
        self.log(message)
        self.status_bar.showMessage(message, 8000)
        if outcome.not_stored and not outcome.cancelled:
            self._show_error(f"Run {number} was not stored", outcome.not_stored)
        elif outcome.not_stored:
            self.log(outcome.not_stored)

    def _announce(self, message: str) -> None:
        self.training_view.finish_run(message)
        self.log(message)
        self.status_bar.showMessage(message, 8000)

    @Slot(int, object)
    def _failed(self, number: int, failure: Failure) -> None:
        if number in self._searches:
            self._searches.discard(number)
            self.search.failed(number, failure)
            return
        message = f"Run {number} stopped with an error: see the message and the Log tab."
        self.training_view.finish_run(message, stopped=True)
        if number == self._backtest_run:
            self.backtest_view.stop_run(message)
        if number == self._anomaly_run:
            self.anomaly_view.stop_run(message)
        self._progress = None
        self._show_failure(f"Run {number} could not finish", failure)

    # --- stored runs -----------------------------------------------------------------------------------
    def open_store(self, path: Path | None):
        """Open the run store (None: the user's) for the Compare tab, read its runs on the worker, then show the
        newest on the Backtest tab, as after a restart; returns the RunStore (Delete uses it on this thread), or
        None when it is damaged (reported: the app goes on without it)."""
        from engine.store import RunStore
        from gui.tasks import read_stored_runs

        self._store_path = path
        try:
            store = RunStore(path)
        except WorkbenchError as error:
            self._report_unreadable_store(str(error))
            return None
        self.list_anomaly_runs()
        self._start_job(partial(read_stored_runs, None if path is None else str(path)), "store",
                        lambda contents: self._show_stored(store, contents),
                        lambda failure: self._report_unreadable_store(failure.message))
        return store

    def _show_stored(self, store, contents) -> None:
        read = self.compare_view.show_stored(contents.runs, contents.damaged, store=store)
        if not read:
            return
        self.log(f"Read {read} stored backtest run{'s' if read != 1 else ''} from {store.path}")
        if contents.runs and not self.runs.running and self.backtest_shown is None:
            newest = contents.runs[-1]  # load_all reads oldest first
            self.open_backtest(f"run #{newest.id}", newest.config, newest.result, switch_tab=False)

    def forecast_stored(self, run_id: int, store_path: Path | None, *, refit: bool = False) -> None:
        """Forecast with stored run `run_id`'s final models (refitted on every bar first if `refit`) on its series
        loaded afresh, on the worker; then show the run with its forecast on the Backtest tab."""
        from gui.tasks import forecast_stored_run

        self.activity.setText(f"{'Refitting and forecasting' if refit else 'Forecasting'} with run #{run_id}…")
        self._start_job(partial(forecast_stored_run, run_id, None if store_path is None else str(store_path), refit),
                        "forecast", self._show_stored_forecast,
                        lambda failure: self._show_failure(f"Run #{run_id} could not forecast", failure))

    def _show_stored_forecast(self, outcome: ForecastOutcome) -> None:
        label = f"run #{outcome.run_id}"
        self.backtest_view.show_run(outcome.config, outcome.result, outcome.bars)
        self.backtest_view.show_forecast(outcome.forecast)
        self.backtest_shown = (label, outcome.result)
        self.tabs.setCurrentWidget(self.backtest_view)
        for notice in outcome.notices:
            self.log(f"{label}: {notice}", "warning")
        self.activity.setText(f"Forecast of {label} shown on the Backtest tab")
        self.log(f"Forecast the bars after {outcome.forecast.table['last_bar'].max():%Y-%m-%d} with {label}")

    def _report_unreadable_store(self, error: str) -> None:
        self._show_error("The stored runs could not be read",
                         f"{error}\n\nThe app works without them: backtests still run and show on the Backtest and "
                         "Compare tabs, but are not stored.")

    def open_backtest(self, label: str, config, result, shown: tuple[str, str, int] | None = None, *,
                      switch_tab: bool = True) -> None:
        """Show a finished run on the Backtest tab, with its price chart once loaded;
        `shown`: the (ticker, model, horizon) to show first, e.g. the leaderboard row's."""
        self.backtest_view.show_run(config, result)
        if shown is not None:
            self.backtest_view.select(*shown)
        self.backtest_shown = (label, result)
        self.training_view.show_stored(label)
        if switch_tab:
            self.tabs.setCurrentWidget(self.backtest_view)
        self.log(f"Opened {label} on the Backtest tab")

        def loaded(bars) -> None:
            if self._shows(result):
                picked = self.backtest_view.selection()  # still the row's, unless the user chose another since
                self.backtest_view.show_run(config, result, bars)
                self.backtest_view.select(*picked)

        from gui.tasks import load_bars

        self._start_job(partial(load_bars, config.data), "bars", loaded,
                        lambda failure: self.log(f"Could not load the prices of {label}: {failure.message}", "warning"))

    # --- stored anomaly runs -----------------------------------------------------------------------------
    def list_anomaly_runs(self) -> None:
        """Refresh the Anomalies tab's list of stored runs (one small query, so on this thread)."""
        from engine.store import RunStore

        try:
            with RunStore(self._store_path) as store:
                self.anomaly_view.set_stored_runs(store.list_anomaly_runs())
        except WorkbenchError as error:
            self.log(f"The stored anomaly runs could not be listed: {error}", "warning")

    def open_anomalies(self, run_id: int) -> None:
        """Read a stored anomaly run on the worker, then show it and its settings on the Anomalies tab."""
        from gui.tasks import read_anomaly_run

        def show(stored) -> None:
            self.anomaly_view.set_settings(stored.config)
            self.anomaly_view.show_result(stored.result, f"anomaly run #{stored.id}")
            self.tabs.setCurrentWidget(self.anomaly_view)
            self.log(f"Opened anomaly run #{stored.id} on the Anomalies tab")

        self._start_job(partial(read_anomaly_run, None if self._store_path is None else str(self._store_path),
                                run_id), "anomalies", show,
                        lambda failure: self._show_failure(f"Could not open anomaly run #{run_id}", failure))

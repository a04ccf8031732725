"""The main window: side panels that make a RunConfig, tabs that show what the engine reports.

The window owns no engine logic: panels hold values, tasks (gui/tasks.py) call the engine on
worker threads (gui/worker.py, gui/run_queue.py), and views draw the events that come back.
A new tab is one view class and one add_view call.
"""
from __future__ import annotations

import json
from functools import partial
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.errors import WorkbenchError
from engine.estimate import BacktestProgress, TimeEstimate
from gui.events import (
    BacktestOutcome,
    BacktestRequest,
    BarsLoaded,
    EngineInfo,
    ModelEvaluated,
    ModelEvent,
    Notice,
    PreviewResult,
    RunResult,
    Stage,
    WindowsReady,
)
from gui.format import count, duration, number
from gui.panels.data_panel import DataPanel
from gui.panels.forms import HelpBox
from gui.panels.model_panel import ModelPanel
from gui.panels.run_panel import RunPanel
from gui.run_queue import RunQueue
from gui.tasks import check_csv, estimate_run, load_engine, load_preview
from gui.theme import DARK, THEMES, Theme, apply_theme
from gui.views import BacktestView, CompareView, DataView, LogView, TrainingView
from gui.worker import Failure, Job

_PREVIEW_DELAY_MS = 250  # wait for typing to settle before reloading the Data tab
_LOADING = "Loading the training engine (PyTorch)…"  # the problem that only waiting solves


class MainWindow(QMainWindow):
    sigEngineReady = Signal()  # torch and the models have loaded: Train can be enabled
    sigPreviewLoaded = Signal(object)  # a PreviewResult is on the Data tab

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings if settings is not None else QSettings()
        self.setWindowTitle("Stock Workbench")
        self.engine_ready = False
        self._engine_failure: str | None = None  # why the engine could not load, once it failed
        self.problems: list[str] = [_LOADING]  # what stops both kinds of run; see _revalidate
        self.train_problems, self.backtest_problems = self.problems, self.problems
        self._theme: Theme = THEMES.get(str(self.settings.value("view/theme", "dark")), DARK)
        self._jobs: set[Job] = set()  # helper tasks (engine load, previews, CSV checks, estimates) until they end
        self._preview_job: Job | None = None
        self._estimate_job: Job | None = None
        self._reported: set[tuple[str, str]] = set()  # preview failures already shown in a message box
        self._trained: dict[str, tuple[object, object]] = {}  # "run 2 · lstm" → (TrainedModel, RunConfig)
        self.store_path: Path | None = None  # the run store file; None = the user's (engine.store.default_store_path)
        self.store = None  # the RunStore the Compare tab lists and deletes from, opened on this (GUI) thread
        self.backtest_shown: tuple[str, object] | None = None  # (label, BacktestResult) on the Backtest tab
        self._closing = False
        self._backtest_run: int | None = None  # the run number the Backtest tab shows
        self._preview: PreviewResult | None = None
        self.views: list[QWidget] = []

        self.runs = RunQueue(parent=self)
        self.data_panel, self.model_panel, self.run_panel = DataPanel(), ModelPanel(), RunPanel()
        self.help_box = HelpBox()
        self.data_view, self.training_view, self.log_view = DataView(), TrainingView(), LogView()
        self.backtest_view, self.compare_view = BacktestView(), CompareView()
        self._build_actions()
        self._build_layout()
        self._build_menus()
        self._build_status_bar()
        for view in (self.data_view, self.training_view, self.backtest_view, self.compare_view, self.log_view):
            self.add_view(view)

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(_PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self._load_preview)
        self.data_panel.sigChanged.connect(self._data_changed)
        self.data_panel.sigCurrentChanged.connect(self.data_view.show_series)
        self.data_panel.sigImportRequested.connect(self.import_csv)
        self.model_panel.sigChanged.connect(self._revalidate)
        self.run_panel.sigChanged.connect(self._revalidate)
        self.runs.sigStarted.connect(self._run_started)
        self.runs.sigEvent.connect(self._run_event)
        self.runs.sigFinished.connect(self._run_finished)
        self.runs.sigFailed.connect(self._run_failed)
        self.runs.sigChanged.connect(self._update_status)
        self.compare_view.sigRerunRequested.connect(self.backtest)
        self.compare_view.sigExportRequested.connect(
            lambda label, result: self.export_backtest_csv(result=result, label=label))
        self.compare_view.sigOpenRequested.connect(self.open_backtest)
        self.compare_view.sigRunDeleted.connect(lambda key: self.log(f"Deleted run {key}"))

        self._restore_settings()
        self.set_theme(self._theme.name)
        self.log("Stock Workbench started")
        self._update_status()
        self._revalidate()
        self._preview_timer.start()
        QTimer.singleShot(0, self._load_engine)

    # --- building ---------------------------------------------------------------------------------
    def _build_actions(self) -> None:
        def action(text, slot, shortcut=None, tip=None, checkable=False):
            act = QAction(text, self)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
            if tip:
                act.setStatusTip(tip)
                act.setToolTip(tip)
            act.setCheckable(checkable)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.act_import = action("&Import CSV…", lambda: self.import_csv(), "Ctrl+I", "Add an OHLCV CSV file as a series")
        self.act_save_model = action("&Save model…", lambda: self.save_model(), "Ctrl+S",
                                     "Save a trained model and its settings to a folder")
        self.act_load_model = action("&Load model…", lambda: self.load_model(), "Ctrl+O", "Open a saved model folder")
        self.act_export = action("&Export chart PNG…", lambda: self.export_chart(), "Ctrl+E",
                                 "Save the chart of the current tab as a PNG image")
        self.act_export_csv = action("Export &backtest CSV…", lambda: self.export_backtest_csv(), "Ctrl+Shift+E",
                                     "Write the shown backtest's predictions, metrics, equity, trades and folds "
                                     "as CSV files into a folder")
        self.act_quit = action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.act_train = action("&Train", self.train, "Ctrl+R", "Train the ticked models (queues if a run is going)")
        self.act_backtest = action("Train && &Backtest", lambda: self.backtest(), "Ctrl+B",
                                   "Walk the ticked models forward, trade their forecasts and store the run "
                                   "(queues if a run is going)")
        self.act_cancel = action("&Cancel run", self.cancel, "Esc", "Stop the running run after its current batch")
        self.act_clear_queue = action("Drop &queued runs", self.clear_queue, "Ctrl+Shift+Q",
                                      "Forget the runs that wait their turn")
        self.act_estimate = action("&Estimate training time", self.estimate, "Ctrl+Shift+R",
                                   "Time a few real training steps of each ticked model")
        self.act_dark = action("&Dark theme", lambda on: self.set_theme("dark" if on else "light"), "Ctrl+T",
                               "Switch between the dark and light themes", checkable=True)
        self.act_log_scale = action("&Logarithmic loss axis", self.training_view.set_log_scale, "Ctrl+L",
                                    checkable=True)
        self.training_view.log_scale.toggled.connect(self.act_log_scale.setChecked)
        self.act_shortcuts = action("&Keyboard shortcuts", self._show_shortcuts, "F1")
        self.act_about = action("&About Stock Workbench", self._show_about)
        self.act_cancel.setEnabled(False)
        for act in (self.act_save_model, self.act_load_model, self.act_estimate):
            act.setEnabled(False)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        file.addAction(self.act_import)
        file.addSeparator()
        file.addActions([self.act_save_model, self.act_load_model])
        file.addSeparator()
        file.addActions([self.act_export, self.act_export_csv])
        file.addSeparator()
        file.addAction(self.act_quit)
        run = bar.addMenu("&Run")
        run.addActions([self.act_train, self.act_backtest, self.act_cancel, self.act_clear_queue])
        run.addSeparator()
        run.addAction(self.act_estimate)
        view = bar.addMenu("&View")
        view.addActions([self.act_dark, self.act_log_scale])
        view.addSeparator()
        self.menu_tabs = view
        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.act_shortcuts, self.act_about])

    def _build_layout(self) -> None:
        panels = QWidget()
        panels_layout = QVBoxLayout(panels)
        panels_layout.setContentsMargins(8, 4, 8, 8)
        panels_layout.setSpacing(8)
        panels_layout.addWidget(_group("Data", self.data_panel))
        panels_layout.addWidget(_group("Models", self.model_panel))
        panels_layout.addWidget(_group("Run", self.run_panel))
        panels_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(panels)

        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.train_button = QPushButton("Train")
        self.train_button.setObjectName("primary")
        self.train_button.setToolTip("Train the ticked models (Ctrl+R)")
        self.train_button.clicked.connect(self.train)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the running run after its current batch (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.estimate_button = QPushButton("Estimate time")
        self.estimate_button.setToolTip("Time a few real training steps of each ticked model (Ctrl+Shift+R)")
        self.estimate_button.clicked.connect(self.estimate)
        self.backtest_button = QPushButton("Train && Backtest")
        self.backtest_button.setToolTip("Walk the ticked models forward and trade their forecasts (Ctrl+B)")
        self.backtest_button.clicked.connect(lambda: self.backtest())
        # Two rows, so "Queue run" and "Train & Backtest" never squeeze each other in the narrow panel.
        helpers, starts = QHBoxLayout(), QHBoxLayout()
        helpers.addWidget(self.estimate_button)
        helpers.addStretch(1)
        helpers.addWidget(self.cancel_button)
        starts.addWidget(self.backtest_button, 1)
        starts.addWidget(self.train_button, 1)
        footer = QWidget()
        footer_layout = QVBoxLayout(footer)
        footer_layout.setContentsMargins(8, 0, 8, 8)
        footer_layout.addWidget(self.reason)
        footer_layout.addLayout(helpers)
        footer_layout.addLayout(starts)

        left = QWidget()
        left.setMinimumWidth(380)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(6)
        left_layout.addWidget(scroll, 1)
        help_wrap = QWidget()
        help_layout = QVBoxLayout(help_wrap)
        help_layout.setContentsMargins(8, 0, 8, 0)
        help_layout.addWidget(self.help_box)
        left_layout.addWidget(help_wrap)
        left_layout.addWidget(footer)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([430, 1010])
        self.setCentralWidget(self.splitter)
        self.resize(1440, 900)

    def _build_status_bar(self) -> None:
        self.activity = QLabel("Starting…")
        self.queue_label = QLabel()
        self.device_label = QLabel("Device: detecting…")
        self.device_label.setToolTip("Where training runs when the Run panel's device is 'auto'")
        bar = self.statusBar()
        bar.addWidget(self.activity, 1)
        bar.addPermanentWidget(self.queue_label)
        bar.addPermanentWidget(self.device_label)

    def add_view(self, view: QWidget) -> None:
        """Add a tab; it gets Ctrl+<its position> and a View-menu entry."""
        self.tabs.addTab(view, view.title)
        self.views.append(view)
        show = QAction(f"Show {view.title}", self)
        if len(self.views) <= 9:
            show.setShortcut(QKeySequence(f"Ctrl+{len(self.views)}"))
        show.triggered.connect(lambda: self.tabs.setCurrentWidget(view))
        self.addAction(show)
        self.menu_tabs.addAction(show)
        view.apply_theme(self._theme)

    # --- engine start-up ------------------------------------------------------------------------------
    def _load_engine(self) -> None:
        if self._closing:
            return  # closed before the engine started loading
        self.activity.setText(_LOADING)
        self._start_job(load_engine, "engine", self._engine_loaded, self._engine_failed)

    @Slot(object)
    def _engine_loaded(self, info: EngineInfo) -> None:
        self.device_label.setText(f"Device: {info.device}")
        self.engine_ready = True
        for act in (self.act_save_model, self.act_load_model):
            act.setEnabled(True)
        self.log(f"Training engine loaded; compute device: {info.device}")
        self._open_store()
        self._revalidate()
        self._update_status()
        self.sigEngineReady.emit()

    @Slot(object)
    def _engine_failed(self, failure: Failure) -> None:
        self._engine_failure = "The training engine could not load: see the Log tab."
        self._show_failure("The training engine could not load", failure)
        self._revalidate()

    # --- the run configuration ------------------------------------------------------------------------
    def build_run_config(self):
        """The RunConfig the panels describe; WorkbenchError (or ValueError) if a value is wrong."""
        from engine.runs import DataConfig, RunConfig

        data = DataConfig(**self.data_panel.data_values())
        return RunConfig(data, self.run_panel.window_config(), self.model_panel.configs(),
                         self.run_panel.train_config(), self.run_panel.walk_forward_config(),
                         self.run_panel.trading_config())

    @Slot()
    def _revalidate(self) -> None:
        """What stops Train (self.train_problems) and Train & Backtest (self.backtest_problems), and both
        (self.problems): wrong values first, then series too short for these settings (or, for Train, of
        different bar intervals), then the engine load."""
        from engine.pooling import interval_problem
        from engine.preflight import size_problem

        problems = self.data_panel.errors() + self._load_failures()
        problems += self.model_panel.errors() + self.run_panel.errors()
        train_only, backtest_only = [], []
        if not problems:
            try:
                config = self.build_run_config()
            except (WorkbenchError, ValueError) as error:
                problems.append(str(error))
            else:
                dates = self._loaded_dates()
                pooled = [interval_problem(dates), size_problem(config, dates, walk_forward=False)]
                train_only = [p for p in pooled if p]
                backtest_only = [p for p in [size_problem(config, dates, walk_forward=True)] if p]
        if not self.engine_ready:
            problems.append(self._engine_failure or _LOADING)
        self.problems = problems
        self.train_problems, self.backtest_problems = problems + train_only, problems + backtest_only
        self._refresh_buttons()

    def _current_preview(self) -> PreviewResult | None:
        """The Data tab's series, if they are the ones the panel now lists (else a newer preview is loading)."""
        preview = self._preview
        return preview if preview is not None and preview.request == self.data_panel.preview_request() else None

    def _load_failures(self) -> list[str]:
        """The ticked series that the Data tab could not load: a run would fail on them too."""
        preview = self._current_preview()
        return [f"{name} could not be loaded (the Data panel says why): untick or remove it, or fix the source."
                for name, _ in (preview.failures if preview else ())]

    def _loaded_dates(self) -> dict:
        """The bar dates of each ticked series, as the run will load them: empty until they have loaded."""
        preview = self._current_preview()
        return {series.name: series.frame.index for series in preview.series} if preview else {}

    def _refresh_buttons(self) -> None:
        """Enable Train, Train & Backtest and Estimate, word the Train button, and say what stops them."""
        train_ok, backtest_ok = not self.train_problems, not self.backtest_problems
        running = self.runs.running
        self.act_train.setEnabled(train_ok)
        self.train_button.setEnabled(train_ok)
        self.train_button.setText("Queue run" if train_ok and running else "Train")
        self.train_button.setToolTip(
            ("Queue this run after the current one (Ctrl+R)" if running else "Train the ticked models (Ctrl+R)")
            if train_ok else "Train is off until these are fixed:\n• " + "\n• ".join(self.train_problems))
        self.act_backtest.setEnabled(backtest_ok)
        self.backtest_button.setEnabled(backtest_ok)
        self.backtest_button.setToolTip(
            ("Queue this backtest after the current run (Ctrl+B)" if running else
             "Walk the ticked models forward and trade their forecasts (Ctrl+B)") if backtest_ok else
            "Train & Backtest is off until these are fixed:\n• " + "\n• ".join(self.backtest_problems))
        self.act_estimate.setEnabled(train_ok and self._estimate_job is None)
        self.estimate_button.setEnabled(train_ok and self._estimate_job is None)
        self._show_reason()

    def _show_reason(self) -> None:
        """Under the buttons: the first thing that stops a run, naming the button when only one is stopped."""
        if self.problems:
            more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
            text, loading = self.problems[0] + more, self.problems == [_LOADING]
        elif self.train_problems or self.backtest_problems:
            text = "\n".join([*(f"Train: {p}" for p in self.train_problems),
                               *(f"Train & Backtest: {p}" for p in self.backtest_problems)])
            loading = False
        else:
            self.reason.hide()
            return
        self.reason.setProperty("role", "muted" if loading else "error")
        self.reason.setText(text)
        self.reason.style().unpolish(self.reason)
        self.reason.style().polish(self.reason)
        self.reason.show()

    # --- actions ------------------------------------------------------------------------------------
    @Slot()
    def train(self) -> None:
        """Start a run with the panels' settings, or queue it behind the running one."""
        self._revalidate()
        if self.train_problems:
            return
        try:
            config = self.build_run_config()
        except (WorkbenchError, ValueError) as error:
            self._show_error("Cannot train with these settings", str(error))
            return
        queued = self.runs.running
        number = self.runs.submit(config)
        if queued:
            self.log(f"Run {number} queued: it starts when the current run ends")
            self.statusBar().showMessage(f"Run {number} queued", 4000)
        self._save_settings()

    def backtest(self, config=None) -> int | None:
        """Train & Backtest the panels' settings (or `config`, e.g. a re-run from Compare); queues if a run is going.

        Returns the run number, or None if the settings are not valid.
        """
        if config is None:
            self._revalidate()
            if self.backtest_problems:
                return None
            try:
                config = self.build_run_config()
            except (WorkbenchError, ValueError) as error:
                self._show_error("Cannot backtest with these settings", str(error))
                return None
            self._save_settings()
        queued = self.runs.running
        number = self.runs.submit(BacktestRequest(config, None if self.store_path is None else str(self.store_path)))
        if queued:
            self.log(f"Run {number} (backtest) queued: it starts when the current run ends")
            self.statusBar().showMessage(f"Run {number} queued", 4000)
        return number

    @Slot()
    def cancel(self) -> None:
        if self.runs.cancel_current():
            self.log(f"Run {self.runs.current}: cancel requested, stopping after the current batch")
            self.activity.setText(f"Run {self.runs.current}: stopping…")
        elif self._estimate_job is not None:
            self._estimate_job.cancel()

    @Slot()
    def clear_queue(self) -> None:
        dropped = self.runs.clear_waiting()
        if dropped:
            self.log(f"Dropped {dropped} queued run{'s' if dropped > 1 else ''}")

    @Slot()
    def estimate(self) -> None:
        if self.train_problems or self._estimate_job is not None:
            return
        config = self.build_run_config()
        self.log("Estimating the training time: timing a few real training steps per model")
        self._estimate_job = self._start_job(partial(estimate_run, config), "estimate", self._estimated,
                                             partial(self._show_failure, "Could not estimate the training time"))
        self._estimate_job.sigFinished.connect(self._estimate_finished)
        self._refresh_buttons()

    @Slot(object)
    def _estimated(self, estimate: TimeEstimate) -> None:
        self.training_view.show_estimate(estimate)
        parts = ", ".join(f"{label} {duration(s)}" for label, s in estimate.per_model_s.items())
        self.log(f"Estimated training time: about {duration(estimate.total_s)} ({parts}); "
                 f"from {estimate.steps_timed} timed steps per model, before any early stopping")

    @Slot()
    def _estimate_finished(self) -> None:
        self._estimate_job = None
        self._refresh_buttons()

    def import_csv(self, path: str | None = None) -> None:
        """Check a CSV file on the worker; add it to the Data panel only if the engine can read it."""
        if not path:
            start = str(self.settings.value("paths/csv", str(Path.home())))
            path, _ = QFileDialog.getOpenFileName(self, "Import an OHLCV CSV file", start,
                                                  "CSV files (*.csv *.txt *.tsv);;All files (*)")
        if not path:
            return
        self.settings.setValue("paths/csv", str(Path(path).parent))
        self.log(f"Importing {path}")
        self._start_job(partial(check_csv, str(path)), "csv", self._csv_ok,
                        partial(self._show_failure, f"Could not import {Path(path).name}"))

    @Slot(object)
    def _csv_ok(self, path: str) -> None:
        self.data_panel.add_csv(path)
        self.log(f"Imported {Path(path).name} as series {Path(path).stem.upper()}")

    def save_model(self, directory: str | None = None, label: str | None = None) -> Path | None:
        """Write a trained model (weights + what rebuilds it + its run config) to a folder."""
        if not self._trained:
            QMessageBox.information(self, "Save model", "No trained model yet: train one first (Ctrl+R).")
            return None
        if label is None:
            labels = list(self._trained)[::-1]
            if len(labels) == 1:
                label = labels[0]
            else:
                label, ok = QInputDialog.getItem(self, "Save model", "Which model?", labels, 0, False)
                if not ok:
                    return None
        trained, config = self._trained[label]
        if not directory:
            suggested = Path(str(self.settings.value("paths/models", str(Path.home())))) / label.replace(" · ", "-")
            directory, _ = QFileDialog.getSaveFileName(self, "Save model to a new folder", str(suggested))
        if not directory:
            return None
        from engine.checkpoints import save_model

        try:
            saved = save_model(Path(directory), trained.model, trained.model_config, input_shape=trained.input_shape,
                               n_outputs=trained.n_outputs, classification=trained.classification,
                               extra={"run_config": config.to_dict(), "label": label})
        except WorkbenchError as error:
            self._show_error("Could not save the model", str(error))
            return None
        self.settings.setValue("paths/models", str(Path(directory).parent))
        self.log(f"Saved {label} to {saved}")
        self.statusBar().showMessage(f"Saved {label} to {saved}", 6000)
        return saved

    def load_model(self, directory: str | None = None):
        """Open a saved model folder and describe it in the log; returns the engine's SavedModel."""
        if not directory:
            start = str(self.settings.value("paths/models", str(Path.home())))
            directory = QFileDialog.getExistingDirectory(self, "Open a saved model folder", start)
        if not directory:
            return None
        from engine.checkpoints import load_model

        try:
            saved = load_model(Path(directory))
        except WorkbenchError as error:
            self._show_error("Could not load the model", str(error))
            return None
        timesteps, features = saved.input_shape
        kind = "up/down classifier" if saved.classification else "regression"
        self.log(f"Loaded {saved.model_config.arch} from {directory}: windows of {timesteps} bars × {features} "
                 f"features → {saved.n_outputs} output(s), {kind}")
        self.statusBar().showMessage(f"Loaded {saved.model_config.arch} model from {directory}", 6000)
        return saved

    def export_chart(self, path: str | None = None) -> Path | None:
        """Save the current tab's chart as a PNG."""
        view = self.tabs.currentWidget()
        widget = view.export_widget() if hasattr(view, "export_widget") else None
        if widget is None:
            QMessageBox.information(self, "Export chart", f"The {view.title} tab has no chart: switch to a tab "
                                                          "with a chart (Data, Training, Backtest, Compare) and "
                                                          "export again.")
            return None
        if not path:
            start = Path(str(self.settings.value("paths/export", str(Path.home())))) / f"{view.title.lower()}.png"
            path, _ = QFileDialog.getSaveFileName(self, "Export chart as PNG", str(start), "PNG image (*.png)")
        if not path:
            return None
        target = Path(path) if str(path).lower().endswith(".png") else Path(f"{path}.png")
        if not widget.grab().save(str(target), "PNG"):
            self._show_error("Could not export the chart", f"Could not write {target}: check that the folder "
                                                          "exists and that you may write there.")
            return None
        self.settings.setValue("paths/export", str(target.parent))
        self.log(f"Exported the {view.title} chart to {target}")
        return target

    def export_backtest_csv(self, directory: str | None = None, *, result=None, label: str | None = None
                            ) -> list[Path] | None:
        """Write a backtest's CSV files (predictions, metrics, equity, trades, folds) into a folder.

        Without `result`, the backtest on the Backtest tab. Returns the written paths.
        """
        if result is None:
            if self.backtest_shown is None:
                QMessageBox.information(self, "Export backtest CSV", "No backtest to export yet: run one with "
                                                                     "Train & Backtest (Ctrl+B) or open one from "
                                                                     "the Compare tab.")
                return None
            label, result = self.backtest_shown
        if not directory:
            start = str(self.settings.value("paths/export", str(Path.home())))
            directory = QFileDialog.getExistingDirectory(self, f"Export {label or 'the backtest'} as CSV files "
                                                               "into a folder", start)
        if not directory:
            return None
        from engine.results import export_csv

        try:
            paths = export_csv(result, Path(directory))
        except WorkbenchError as error:
            self._show_error("Could not export the backtest", str(error))
            return None
        self.settings.setValue("paths/export", str(directory))
        names = ", ".join(path.name for path in paths)
        self.log(f"Exported {label or 'the backtest'} to {directory}: {names}")
        self.statusBar().showMessage(f"Exported {len(paths)} CSV files to {directory}", 6000)
        return paths

    @Slot(str, object, object, object)
    def open_backtest(self, label: str, config, result, shown: tuple[str, str, int] | None = None) -> None:
        """Show a finished run (from the Compare tab) on the Backtest tab, with its price chart once loaded;
        `shown`: the (ticker, model, horizon) to show first, e.g. the leaderboard row's."""
        self.backtest_view.show_run(config, result)
        if shown is not None:
            self.backtest_view.select(*shown)
        self.backtest_shown = (label, result)
        self.tabs.setCurrentWidget(self.backtest_view)
        self.log(f"Opened {label} on the Backtest tab")

        def loaded(bars) -> None:
            if self.backtest_shown is not None and self.backtest_shown[1] is result:
                picked = self.backtest_view.selection()  # still the row's, unless the user chose another since
                self.backtest_view.show_run(config, result, bars)
                self.backtest_view.select(*picked)

        from gui.tasks import load_bars

        self._start_job(partial(load_bars, config.data), "bars", loaded,
                        lambda failure: self.log(f"Could not load the prices of {label}: {failure.message}", "warning"))

    def _open_store(self) -> None:
        """Open the run store for the Compare tab; a damaged store is reported and the app goes on without it."""
        from engine.store import RunStore

        try:
            self.store = RunStore(self.store_path)
            read = self.compare_view.load_store(self.store)
        except WorkbenchError as error:
            self.store = None
            self._show_error("The stored runs could not be read",
                             f"{error}\n\nThe app works without them: backtests still run and show on the "
                             "Backtest and Compare tabs, but are not stored.")
            return
        if read:
            self.log(f"Read {read} stored backtest run{'s' if read != 1 else ''} from {self.store.path}")

    def set_theme(self, name: str) -> None:
        self._theme = THEMES.get(name, DARK)
        apply_theme(QApplication.instance(), self._theme)
        for view in self.views:
            view.apply_theme(self._theme)
        self.data_panel.apply_theme(self._theme)
        self.data_panel.show_preview(self._preview)
        self.act_dark.blockSignals(True)
        self.act_dark.setChecked(self._theme.name == "dark")
        self.act_dark.blockSignals(False)
        self.settings.setValue("view/theme", self._theme.name)

    @property
    def theme(self) -> Theme:
        return self._theme

    def log(self, text: str, level: str = "info") -> None:
        self.log_view.add(text, level)

    # --- the run's events -----------------------------------------------------------------------------
    @Slot(int, object)
    def _run_started(self, number: int, submitted) -> None:
        from engine.baseline import backtest_labels
        from engine.pipeline import model_labels

        config = submitted.config if isinstance(submitted, BacktestRequest) else submitted
        labels = model_labels(config.models)
        series = ", ".join([*config.data.tickers, *(Path(p).stem.upper() for p in config.data.csv_files)])
        if isinstance(submitted, BacktestRequest):
            self.training_view.start_run(number, config, labels)  # the linear baseline is fitted, not trained
            labels = backtest_labels(labels)
            self.backtest_view.start_run(config)
            self._backtest_run = number
            self.backtest_shown = None
            self.tabs.setCurrentWidget(self.backtest_view)
            wf = config.walk_forward
            retrain = f"retrain every {wf.retrain_every} bars" if wf.retrain_every else "trained once"
            self.log(f"Run {number} started (Train & Backtest): {', '.join(labels)} on {series}, walk-forward "
                     f"from {wf.initial_train} bars, {retrain} ({wf.scheme}), {config.training.epochs} epochs"
                     + (f", warm retrains {wf.warm_epochs} epochs" if wf.warm_start else ""))
        else:
            self.training_view.start_run(number, config, labels)
            self.tabs.setCurrentWidget(self.training_view)
            self.log(f"Run {number} started: {', '.join(labels)} on {series}, {config.training.epochs} epochs, "
                     f"window {config.windows.window}, target {config.windows.target}")
        self._update_status()

    @Slot(int, object)
    def _run_event(self, run: int, event: object) -> None:
        from engine.backtest import FoldDone, FoldTraining
        from engine.pipeline import EquityProgress

        if isinstance(event, FoldTraining):
            self._fold_training(run, event)
        elif isinstance(event, EquityProgress):
            self.backtest_view.show_progress(event)
        elif isinstance(event, FoldDone):
            self.backtest_view.show_fold(event)
            fold = event.fold
            self.log(f"Run {run}: {fold.model} on {fold.ticker}: fold {fold.index + 1}/{event.folds} predicted "
                     f"{fold.test_start:%Y-%m-%d} to {fold.test_end:%Y-%m-%d} ({fold.fitting})")
        elif isinstance(event, BarsLoaded):
            self.backtest_view.set_bars(event.bars)
        elif isinstance(event, ModelEvent):
            self.training_view.on_model_event(event)
            self._log_model_event(run, event)
        elif isinstance(event, Stage):
            self.activity.setText(f"Run {run}: {event.text}…")
            self.log(f"Run {run}: {event.text}")
        elif isinstance(event, Notice):
            self.log(f"Run {run}: {event.text}", "warning")
        elif isinstance(event, WindowsReady):
            self.training_view.on_windows(event)
            self.log(f"Run {run}: {event.train} training / {event.val} validation / {event.test} test windows")
        elif isinstance(event, BacktestProgress):
            self.training_view.on_backtest_progress(event)
        elif isinstance(event, TimeEstimate):
            self.training_view.on_estimate(event)
            self.log(f"Run {run}: estimated training time about {duration(event.total_s)} "
                     f"(timed {event.steps_timed} steps per model)")
        elif isinstance(event, ModelEvaluated):
            self.training_view.on_evaluated(event)
            if event.metrics:  # an untrained model has none: its TrainingEnded message was logged
                shown = ", ".join(f"{name} {number(value)}" for name, value in event.metrics.items())
                self.log(f"Run {run}: {event.label} on the test split: {shown}")

    def _fold_training(self, run: int, event) -> None:
        """Training inside a fold: the Training tab keeps each model's losses per fold, the current one in front."""
        from engine.train import BatchProgress, EpochReport

        self.training_view.on_fold_event(event)
        inner = event.event
        where = f"Run {run}: {event.model} on {event.ticker}, fold {event.fold + 1}/{event.folds}"
        if isinstance(inner, BatchProgress):
            self.activity.setText(f"{where}, epoch {inner.epoch}/{inner.epochs}, batch {inner.batch}/{inner.batches}")
        elif isinstance(inner, EpochReport):
            self.activity.setText(f"{where}, epoch {inner.epoch}/{inner.epochs}")

    def _log_model_event(self, run: int, event: ModelEvent) -> None:
        from engine.train import BatchProgress, EpochReport, TrainingEnded

        inner = event.event
        if isinstance(inner, BatchProgress):
            self.activity.setText(f"Run {run}: training {event.label}, epoch {inner.epoch}/{inner.epochs}, "
                                  f"batch {inner.batch}/{inner.batches}")
        elif isinstance(inner, EpochReport):
            val = "" if inner.val_loss is None else f", val {number(inner.val_loss)}"
            cut = ", learning rate cut" if inner.lr_reduced else ""
            self.log(f"Run {run}: {event.label} epoch {inner.epoch}/{inner.epochs}: train "
                     f"{number(inner.train_loss)}{val}, lr {inner.learning_rate:.2g}{cut}")
        elif isinstance(inner, TrainingEnded):
            self.log(f"Run {run}: {event.label}: {inner.message} (device {inner.device})",
                     "warning" if inner.reason == "diverged" else "info")

    @Slot(int, object)
    def _run_finished(self, number: int, result: RunResult | BacktestOutcome) -> None:
        if isinstance(result, BacktestOutcome):
            self._backtest_finished(number, result)
            return
        for label, trained in result.trained.items():
            self._trained[f"run {number} · {label}"] = (trained, result.config)
        if result.cancelled:
            message = f"Run {number} was cancelled; models that finished an epoch kept their best weights."
        elif result.metrics:
            message = f"Run {number} finished: {len(result.trained)} model(s) trained and evaluated on the test split."
        else:
            message = (f"Run {number} finished: {len(result.trained)} model(s) trained; not evaluated, as the test "
                       "split is empty (raise the Test share to score them on unseen bars).")
        self.training_view.finish_run(message)
        self.log(message)
        self.statusBar().showMessage(message, 8000)

    def _backtest_finished(self, number: int, outcome: BacktestOutcome) -> None:
        config, result = outcome.config, outcome.result
        self.backtest_view.show_result(result, target=config.windows.target, bars_by_ticker=outcome.bars)
        label = f"run #{outcome.run_id}" if outcome.run_id is not None else f"run {number}"
        self.backtest_shown = (label, result)
        if not result.predictions.empty and not outcome.cancelled:  # a partial walk is no match for whole ones
            self.compare_view.add_run(outcome.run_id if outcome.run_id is not None else f"run {number}", config,
                                      result)
        for warning in result.warnings:
            self.log(f"Run {number}: {warning}", "warning")
        if outcome.cancelled:
            message = (f"Run {number} (backtest) was cancelled: the folds that finished are on the Backtest tab; "
                       "being partial, it is neither stored nor ranked in Compare.")
        else:
            stored = f"; Compare lists it as stored run #{outcome.run_id}" if outcome.run_id is not None else ""
            models, series = len({fold.model for fold in result.folds}), len({fold.ticker for fold in result.folds})
            message = (f"Run {number} finished: {count(models, 'model')} walked forward over {series} series"
                       f" ({count(len(result.folds), 'fold')}){stored}.")
        self.training_view.finish_run(message)
        self.log(message)
        self.statusBar().showMessage(message, 8000)
        if outcome.not_stored and not outcome.cancelled:
            self._show_error(f"Run {number} was not stored", outcome.not_stored)
        elif outcome.not_stored:
            self.log(outcome.not_stored)

    @Slot(int, object)
    def _run_failed(self, number: int, failure: Failure) -> None:
        message = f"Run {number} stopped with an error: see the message and the Log tab."
        self.training_view.finish_run(message, stopped=True)
        if number == self._backtest_run:
            self.backtest_view.stop_run(message)
        self._show_failure(f"Run {number} could not finish", failure)

    @Slot()
    def _update_status(self) -> None:
        waiting = self.runs.waiting
        self.queue_label.setText(f"Queue: {waiting} waiting" if waiting else "Queue: empty")
        running = self.runs.running
        self.act_cancel.setEnabled(running)
        self.cancel_button.setEnabled(running)
        self.act_clear_queue.setEnabled(waiting > 0)
        if not running:
            self.activity.setText("Ready" if self.engine_ready else _LOADING)
        self._refresh_buttons()

    # --- the Data tab ---------------------------------------------------------------------------------
    @Slot()
    def _data_changed(self) -> None:
        self._preview_timer.start()
        self._revalidate()

    @Slot()
    def _load_preview(self) -> None:
        if self._closing:
            return  # a timer that fired after close must not start a thread the closed window would not wait for
        request = self.data_panel.preview_request()
        if self._preview_job is not None:
            self._preview_job.cancel()  # a newer request replaces it; its result is ignored
        if not request.tickers and not request.csv_files:
            self._show_preview(PreviewResult(request, (), ()))
            return
        self.data_panel.show_preview(None, loading=True)
        self._preview_job = self._start_job(partial(load_preview, request), "preview", self._show_preview,
                                            partial(self._show_failure, "Could not load the data"))

    @Slot(object)
    def _show_preview(self, result: PreviewResult) -> None:
        if result.request != self.data_panel.preview_request():
            return  # the list changed while it loaded; a newer preview is on its way
        self._preview = result
        self._revalidate()
        self.data_panel.show_preview(result)
        self.data_view.set_series(result.series, current=self.data_panel.current_series())
        for series in result.series:
            if series.notice:
                self.log(f"{series.name}: {series.notice}", "warning")
        if result.series:
            self.log("Loaded " + ", ".join(f"{s.name} ({s.rows:,} bars, {s.source})" for s in result.series))
        new = [failure for failure in result.failures if failure not in self._reported]
        self._reported.update(new)
        for name, message in new:
            self._show_error(f"Could not load {name}", message)
        self.sigPreviewLoaded.emit(result)

    # --- helpers --------------------------------------------------------------------------------------
    def _start_job(self, task, name: str, done, failed) -> Job:
        job = Job(task, name=name, parent=self)
        job.sigDone.connect(done)
        job.sigFailed.connect(failed)
        job.sigFinished.connect(lambda: self._job_finished(job))
        self._jobs.add(job)
        job.start()
        return job

    def _job_finished(self, job: Job) -> None:
        self._jobs.discard(job)
        if job is self._preview_job:
            self._preview_job = None
        job.deleteLater()

    def _show_failure(self, title: str, failure: Failure) -> None:
        if failure.details:
            self.log(failure.details.rstrip(), "error")
        self._show_error(title, failure.message, expected=failure.expected)

    def _show_error(self, title: str, message: str, expected: bool = True) -> None:
        """Log it and show it in a dialog: the message says what is wrong and what to do."""
        self.log(f"{title}: {message}", "error")
        self.statusBar().showMessage(title, 8000)  # for a while: the dialog and the Log tab keep the details
        if self._closing:
            return
        if expected:
            QMessageBox.warning(self, title, message)
        else:
            QMessageBox.critical(self, title, message)

    def _show_shortcuts(self) -> None:
        rows = [(a.text().replace("&", ""), a.shortcut().toString(QKeySequence.SequenceFormat.NativeText))
                for a in self.actions() if not a.shortcut().isEmpty()]
        table = "".join(f"<tr><td style='padding-right:18px'>{text}</td><td><b>{keys}</b></td></tr>"
                        for text, keys in rows)
        QMessageBox.information(self, "Keyboard shortcuts", f"<table>{table}</table>")

    def _show_about(self) -> None:
        QMessageBox.about(self, "About Stock Workbench",
                          "<b>Stock Workbench</b><p>Learn deep learning on market data: load series, train "
                          "several architectures on the same windows, and compare them on a test split they "
                          "never saw.</p><p>Predictions are not investment advice.</p>")

    # --- settings and closing -------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        splitter = self.settings.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        state = _json(self.settings.value("panels/data"))
        if isinstance(state, dict):
            self.data_panel.restore(state)
        else:
            self.data_panel.add_ticker("SP500")
        for panel, key in ((self.model_panel, "panels/model"), (self.run_panel, "panels/run")):
            state = _json(self.settings.value(key))
            if isinstance(state, dict):
                panel.restore(state)
        tab = self.settings.value("window/tab")
        if tab is not None and str(tab).isdigit() and int(tab) < self.tabs.count():
            self.tabs.setCurrentIndex(int(tab))
        self.training_view.set_log_scale(str(self.settings.value("view/log_scale", "false")).lower() == "true")

    def _save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/splitter", self.splitter.saveState())
        s.setValue("window/tab", self.tabs.currentIndex())
        s.setValue("view/theme", self._theme.name)
        s.setValue("view/log_scale", self.training_view.log_scale.isChecked())
        s.setValue("panels/data", json.dumps(self.data_panel.state()))
        s.setValue("panels/model", json.dumps(self.model_panel.state()))
        s.setValue("panels/run", json.dumps(self.run_panel.state()))
        s.sync()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

    @Slot()
    def shutdown(self) -> None:
        """Save the settings, stop the run (the trainer polls the flag every batch) and wait for every thread.

        Called on close and when the application quits, so no QThread outlives the window.
        """
        if self._closing:
            return
        self._closing = True
        self._preview_timer.stop()
        self._save_settings()
        if self.runs.running:
            self.log("Closing: stopping the run after its current batch")
            self.activity.setText("Stopping the run…")
        self.runs.shutdown()
        for job in list(self._jobs):
            job.cancel()
            job.wait()
        if self.store is not None:
            self.store.close()
            self.store = None


def _group(title: str, content: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(10, 12, 10, 10)
    layout.addWidget(content)
    return box


def _json(value) -> object:
    try:
        return json.loads(value) if isinstance(value, str) else None
    except json.JSONDecodeError:
        return None

"""The main window: side panels that make a RunConfig, tabs that show what the engine reports.

The window assembles the parts and owns no engine logic: panels hold values, tasks (gui/tasks.py)
call the engine on worker threads (gui/worker.py, gui/run_queue.py), the run controller
(gui/run_controller.py) sends the run's events to the views, the run gate (gui/run_gate.py) says
what stops a run, and the File menu's actions live in gui/file_actions.py.
A new tab is one view class and one add_view call.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QGroupBox,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.errors import WorkbenchError
from engine.estimate import TimeEstimate
from gui import log_lines, run_gate, window_settings
from gui.app import freeze_heap
from gui.events import BacktestRequest, EngineInfo, PreviewResult
from gui.data_preview import DataPreview
from gui.file_actions import FileActions
from gui.help_dialogs import show_about, show_shortcuts
from gui.panels.data_panel import DataPanel
from gui.panels.forms import HelpBox
from gui.panels.model_panel import ModelPanel
from gui.panels.run_buttons import RunButtons
from gui.panels.run_panel import RunPanel
from gui.run_controller import RunController
from gui.run_queue import RunQueue
from gui.search_controller import SearchController
from gui.tasks import check_csv, estimate_run, load_engine
from gui.theme import DARK, THEMES, Theme, apply_theme
from gui.views import AnomalyView, BacktestView, CompareView, DataView, LogView, SearchView, TrainingView
from gui.window_settings import PREFERRED_SIZE
from gui.worker import Failure, Job, JobSet

class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings if settings is not None else QSettings()
        self.setWindowTitle("Stock Workbench")
        self.engine_ready = False
        self._engine_failure: str | None = None  # why the engine could not load, once it failed
        self._gate = run_gate.Gate((run_gate.LOADING,), (run_gate.LOADING,), (run_gate.LOADING,))
        self._theme: Theme = window_settings.saved_theme(self.settings)
        self.jobs = JobSet(self)  # helper tasks (engine load, previews, CSV checks, estimates) until they end
        self._estimate_job: Job | None = None
        self.store_path: Path | None = None  # the run store file; None = the user's (engine.store.default_store_path)
        self.store = None  # the RunStore the Compare tab lists and deletes from, opened on this (GUI) thread
        self._closing = False
        self.views: list[QWidget] = []

        self.runs = RunQueue(parent=self)
        self.data_panel, self.model_panel, self.run_panel = DataPanel(), ModelPanel(), RunPanel()
        self.help_box = HelpBox()
        self.data_view, self.training_view, self.log_view = DataView(), TrainingView(), LogView()
        self.backtest_view, self.compare_view, self.search_view = BacktestView(), CompareView(), SearchView()
        self.anomaly_view = AnomalyView()
        self._build_actions()
        self._build_layout()
        self._build_menus()
        self._build_status_bar()
        for view in (self.data_view, self.training_view, self.backtest_view, self.compare_view, self.search_view,
                     self.log_view, self.anomaly_view):
            self.add_view(view)
        self.search = SearchController(self.runs, self.search_view, window=self, tabs=self.tabs, log=self.log,
                                       show_failure=self._show_failure, start_job=self.jobs.start,
                                       store_path=lambda: self.store_path, parent=self)
        self.controller = RunController(
            self.runs, training_view=self.training_view, backtest_view=self.backtest_view,
            compare_view=self.compare_view, anomaly_view=self.anomaly_view, tabs=self.tabs, activity=self.activity,
            status_bar=self.statusBar(),
            log=self.log, show_error=self._show_error, show_failure=self._show_failure, start_job=self.jobs.start,
            search=self.search, parent=self)
        self.files = FileActions(self, self.settings, tabs=self.tabs, status_bar=self.statusBar(),
                                 trained=lambda: self.controller.trained, shown=lambda: self.controller.backtest_shown,
                                 log=self.log, show_error=self._show_error)

        self.data_preview = DataPreview(self.data_panel, self.data_view, self.jobs, log=self.log,
                                        show_error=self._show_error, show_failure=self._show_failure, parent=self)
        self.data_preview.sigLoaded.connect(self._revalidate)
        self.data_panel.sigChanged.connect(self._data_changed)
        self.data_panel.sigCurrentChanged.connect(self.data_view.show_series)
        self.data_panel.sigImportRequested.connect(self.import_csv)
        self.data_panel.sigSyntheticRequested.connect(self.choose_synthetic)
        self.anomaly_view.sigDetectRequested.connect(self.detect_anomalies)
        self.anomaly_view.sigOpenRequested.connect(self.controller.open_anomalies)
        self.anomaly_view.sigExportCsvRequested.connect(
            lambda: self.files.export_flagged_csv(self.anomaly_view.result, self.anomaly_view.label))
        self.anomaly_view.sigExportPngRequested.connect(lambda: self.files.export_chart())
        self.model_panel.sigChanged.connect(self._revalidate)
        self.run_panel.sigChanged.connect(self._revalidate)
        self.runs.sigChanged.connect(self._update_status)
        self.compare_view.sigRerunRequested.connect(self.backtest)
        self.compare_view.sigForecastRequested.connect(
            lambda run_id, refit: self.controller.forecast_stored(run_id, self.store_path, refit=refit))
        self.compare_view.sigExportRequested.connect(
            lambda label, result: self.files.export_backtest_csv(result=result, label=label))
        self.compare_view.sigOpenRequested.connect(self.controller.open_backtest)
        self.compare_view.sigRunDeleted.connect(lambda key: self.log(f"Deleted run {key}"))
        self.search_view.sigOpenRequested.connect(lambda config, label: self.backtest(config))

        window_settings.restore(self, self.settings)
        self.set_theme(self._theme.name)
        self.log("Stock Workbench started")
        self._update_status()
        self._revalidate()
        self.data_preview.schedule()
        QTimer.singleShot(0, self._load_engine)

    # --- what tests and scripts read --------------------------------------------------------------------
    @property
    def preview(self) -> PreviewResult | None:
        """The series on the Data tab, as last loaded."""
        return self.data_preview.result

    @property
    def preview_loading(self) -> bool:
        return self.data_preview.loading

    @property
    def problems(self) -> list[str]:
        """What stops both kinds of run; see run_gate.check."""
        return list(self._gate.problems)

    @property
    def train_problems(self) -> list[str]:
        return list(self._gate.train)

    @property
    def backtest_problems(self) -> list[str]:
        return list(self._gate.backtest)

    @property
    def theme(self) -> Theme:
        return self._theme

    def schedule_preview(self) -> None:
        """Reload the Data tab once typing has settled."""
        self.data_preview.schedule()

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
        self.act_save_model = action("&Save model…", lambda: self.files.save_model(), "Ctrl+S",
                                     "Save a trained model and its settings to a folder")
        self.act_load_model = action("&Load model…", lambda: self.files.load_model(), "Ctrl+O", "Open a saved model folder")
        self.act_export = action("&Export chart PNG…", lambda: self.files.export_chart(), "Ctrl+E",
                                 "Save the chart of the current tab as a PNG image")
        self.act_export_csv = action("Export &backtest CSV…", lambda: self.files.export_backtest_csv(), "Ctrl+Shift+E",
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
        self.act_search = action("Start &search", lambda: self.search_view.start(), "Ctrl+Shift+S",
                                 "Start the search the Search tab describes (queues if a run is going)")
        self.act_estimate = action("&Estimate training time", self.estimate, "Ctrl+Shift+R",
                                   "Time a few real training steps of each ticked model")
        self.act_dark = action("&Dark theme", lambda on: self.set_theme("dark" if on else "light"), "Ctrl+T",
                               "Switch between the dark and light themes", checkable=True)
        self.act_log_scale = action("&Logarithmic loss axis", self.training_view.set_log_scale, "Ctrl+L",
                                    checkable=True)
        self.training_view.log_scale.toggled.connect(self.act_log_scale.setChecked)
        self.act_shortcuts = action("&Keyboard shortcuts", lambda: show_shortcuts(self), "F1")
        self.act_about = action("&About Stock Workbench", lambda: show_about(self))
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
        run.addActions([self.act_train, self.act_backtest, self.act_search, self.act_cancel, self.act_clear_queue])
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

        self.buttons = RunButtons()
        self.reason, self.train_button, self.backtest_button = self.buttons.reason, self.buttons.train, self.buttons.backtest
        self.estimate_button, self.cancel_button = self.buttons.estimate, self.buttons.cancel
        self.train_button.clicked.connect(self.train)
        self.backtest_button.clicked.connect(lambda: self.backtest())
        self.estimate_button.clicked.connect(self.estimate)
        self.cancel_button.clicked.connect(self.cancel)

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
        left_layout.addWidget(self.buttons)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([430, 1010])
        self.setCentralWidget(self.splitter)
        self.resize(*PREFERRED_SIZE)

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
        self.activity.setText(run_gate.LOADING)
        self.jobs.start(load_engine, "engine", self._engine_loaded, self._engine_failed)

    @Slot(object)
    def _engine_loaded(self, info: EngineInfo) -> None:
        self.device_label.setText(f"Device: {info.device}")
        freeze_heap()  # torch and the engine are imported now
        self.engine_ready = True
        for act in (self.act_save_model, self.act_load_model):
            act.setEnabled(True)
        self.log(f"Training engine loaded; compute device: {info.device}")
        self.store = self.controller.open_store(self.store_path)
        self._revalidate()
        self._update_status()

    @Slot(object)
    def _engine_failed(self, failure: Failure) -> None:
        self._engine_failure = "The training engine could not load: see the Log tab."
        self._show_failure("The training engine could not load", failure)
        self._revalidate()

    # --- what stops a run -----------------------------------------------------------------------------
    def build_run_config(self):
        """The RunConfig the panels describe; WorkbenchError (or ValueError) if a value is wrong."""
        from engine.runs import DataConfig, RunConfig

        data = DataConfig(**self.data_panel.data_values())
        return RunConfig(data, self.run_panel.window_config(), self.model_panel.configs(),
                         self.run_panel.train_config(), self.run_panel.walk_forward_config(),
                         self.run_panel.trading_config())

    @Slot()
    def _revalidate(self) -> None:
        errors = self.data_panel.errors() + self.model_panel.errors() + self.run_panel.errors()
        engine = None if self.engine_ready else (self._engine_failure or run_gate.LOADING)
        preview = run_gate.current_preview(self.preview, self.data_panel.preview_request())
        self._gate = run_gate.check(errors, preview, self.build_run_config, engine)
        self.search_view.set_base(*self._search_base())
        self._refresh_buttons()

    def _search_base(self) -> tuple:
        """The run configuration a search starts from, or None and what stops a backtest (a search is backtests)."""
        if self._gate.backtest:
            return None, self._gate.backtest[0]
        return self.build_run_config(), None

    def _refresh_buttons(self) -> None:
        """Enable Train, Train & Backtest and Estimate (buttons and menu), and say what stops them."""
        running, estimating = self.runs.running, self._estimate_job is not None
        self.buttons.show_gate(self._gate, running=running, estimating=estimating)
        self.act_train.setEnabled(not self._gate.train)
        self.act_backtest.setEnabled(not self._gate.backtest)
        self.act_estimate.setEnabled(not self._gate.train and not estimating)
        self.act_cancel.setEnabled(running)

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
        window_settings.save(self, self.settings)

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
            window_settings.save(self, self.settings)
        queued = self.runs.running
        number = self.runs.submit(BacktestRequest(config, None if self.store_path is None else str(self.store_path),
                                                  self.run_panel.workers()))
        if queued:
            self.log(f"Run {number} (backtest) queued: it starts when the current run ends")
            self.statusBar().showMessage(f"Run {number} queued", 4000)
        return number

    def detect_anomalies(self) -> int | None:
        """Queue an anomaly run on the Data panel's series with the Anomalies tab's settings; its run number, or
        None when a setting is wrong (said in a dialog)."""
        from dataclasses import replace

        from engine.anomaly_config import ANOMALY_TRAINING, AnomalyRunConfig
        from engine.runs import DataConfig
        from gui.events import AnomalyRequest

        if self.anomaly_view.problems():
            return None
        try:
            detection, model, epochs = self.anomaly_view.settings()
            config = AnomalyRunConfig(DataConfig(**self.data_panel.data_values()), detection, model,
                                      replace(ANOMALY_TRAINING, epochs=epochs))
        except (WorkbenchError, ValueError) as error:
            self._show_error("Cannot detect anomalies with these settings", str(error))
            return None
        queued = self.runs.running
        number = self.runs.submit(AnomalyRequest(config, None if self.store_path is None else str(self.store_path)))
        if queued:
            self.log(f"Run {number} (anomalies) queued: it starts when the current run ends")
        return number

    def choose_synthetic(self) -> None:
        """The Synthetic series dialog; accepting it makes the generated series the data source."""
        from gui.panels.synthetic_dialog import SyntheticDialog

        dialog = SyntheticDialog(self.data_panel.synthetic_spec(), self)
        if dialog.exec():
            spec = dialog.spec()
            self.data_panel.set_synthetic(spec)
            self.log(f"Synthetic series {spec} is the data source")

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
        self._estimate_job = self.jobs.start(partial(estimate_run, config), "estimate", self._estimated,
                                             partial(self._show_failure, "Could not estimate the training time"))
        self._estimate_job.sigFinished.connect(self._estimate_finished)
        self._refresh_buttons()

    @Slot(object)
    def _estimated(self, estimate: TimeEstimate) -> None:
        self.training_view.show_estimate(estimate)
        self.log(log_lines.estimate_asked(estimate))

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
        self.jobs.start(partial(check_csv, str(path)), "csv", self._csv_ok,
                        partial(self._show_failure, f"Could not import {Path(path).name}"))

    @Slot(object)
    def _csv_ok(self, path: str) -> None:
        from engine.runs import csv_series_name

        self.data_panel.add_csv(path)
        self.log(f"Imported {Path(path).name} as series {csv_series_name(path)}")

    def set_theme(self, name: str) -> None:
        self._theme = THEMES.get(name, DARK)
        app = QApplication.instance()
        if app.property("theme") != self._theme.name:  # re-styling every widget of the app again is slow
            apply_theme(app, self._theme)
            app.setProperty("theme", self._theme.name)
        for view in self.views:
            view.apply_theme(self._theme)
        self.data_panel.apply_theme(self._theme)
        self.data_panel.show_preview(self.preview)
        self.act_dark.blockSignals(True)
        self.act_dark.setChecked(self._theme.name == "dark")
        self.act_dark.blockSignals(False)
        self.settings.setValue("view/theme", self._theme.name)

    def log(self, text: str, level: str = "info") -> None:
        self.log_view.add(text, level)

    @Slot()
    def _data_changed(self) -> None:
        self.data_preview.schedule()
        self._revalidate()

    @Slot()
    def _update_status(self) -> None:
        waiting = self.runs.waiting
        self.queue_label.setText(f"Queue: {waiting} waiting" if waiting else "Queue: empty")
        self.act_clear_queue.setEnabled(waiting > 0)
        if not self.runs.running:
            self.activity.setText("Ready" if self.engine_ready else run_gate.LOADING)
        self._refresh_buttons()

    # --- messages -------------------------------------------------------------------------------------
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

    # --- closing --------------------------------------------------------------------------------------
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
        self.data_preview.stop()
        window_settings.save(self, self.settings)
        if self.runs.running:
            self.log("Closing: stopping the run after its current batch")
            self.activity.setText("Stopping the run…")
        self.runs.shutdown()
        self.jobs.stop_all()
        if self.store is not None:
            self.store.close()
            self.store = None


def _group(title: str, content: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(10, 12, 10, 10)
    layout.addWidget(content)
    return box

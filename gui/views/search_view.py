"""The Search tab: build a hyperparameter search on the window's run settings, start it, watch its trials, and
read the hold-out of the best at the end.

The space, the objective, the budget and the executor are set here; the base run is the side panels' (set_base).
The window's search controller starts and cancels it through the run queue and feeds back the events, which a
Qt-free SearchState files; the tables and charts redraw from it at most a few times a second.
"""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from engine.errors import WorkbenchError
from engine.metric_rules import format_metric
from gui.format import duration
from gui.panels.search_settings import SearchSettings
from gui.panels.search_space_form import SearchSpaceForm
from gui.search_state import SearchState
from gui.theme import DARK, Theme
from gui.views.search_charts import SearchCharts
from gui.views.search_tables import SearchTable, show_holdout, show_trials

REDRAW_MS = 250  # the tables and charts redraw at most this often while a search runs


class SearchView(QWidget):
    title = "Search"
    sigStartRequested = Signal(object, object, str)  # Experiment, Execution, study name ("" = generated)
    sigCancelRequested = Signal()
    sigEstimateRequested = Signal(object, int)  # Experiment, workers
    sigOpenRequested = Signal(object, str)  # a trial's RunConfig, its label

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = SearchState()
        self._theme = DARK
        self.experiment = None  # the running or last search's Experiment
        self._base = None
        self._base_problem: str | None = "Loading…"
        self._running = False
        self._problem: str | None = None  # what stops a search, as validate() last found it
        self._drawn = -1  # the state's version last drawn

        self.space = SearchSpaceForm()
        self.archs = QLabel()
        self.archs.setWordWrap(True)
        self.archs.setProperty("role", "muted")
        self.settings = SearchSettings()
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setProperty("role", "error")
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.estimate_label = QLabel()
        self.estimate_label.setWordWrap(True)
        self.estimate_label.setProperty("role", "muted")
        self.estimate_button = QPushButton("Estimate time")
        self.start_button = QPushButton("Start search")
        self.start_button.setObjectName("primary")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop every trial within a batch; the finished trials are kept")
        self.estimate_button.clicked.connect(self._estimate)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.sigCancelRequested.emit)

        self.status = QLabel("No search yet: tick the fields to vary, then Start search.")
        self.status.setWordWrap(True)
        self.trials = SearchTable()
        self.charts = SearchCharts(self.state)
        self.holdout = SearchTable()
        self.verdict = QTextBrowser()  # the Deflated Sharpe of the best and the warnings, scrolled when long
        self.verdict.setMaximumHeight(84)
        self.open_button = QPushButton("Open as a run")
        self.open_button.setToolTip("Train & Backtest the selected trial's configuration over every bar, shown on "
                                    "the Backtest tab (a stored trial keeps its metrics only)")
        self.open_button.clicked.connect(self._open)
        for table in (self.trials, self.holdout):
            table.itemSelectionChanged.connect(self._refresh_buttons)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self._setup_column())
        self.splitter.addWidget(self._results_column())
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([440, 700])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.splitter)
        self.space.sigChanged.connect(self.validate)
        self.settings.form.sigChanged.connect(self.validate)
        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self.redraw)
        self.validate()

    def _setup_column(self) -> QWidget:
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 6, 0)
        for title, widget in (("Space", self.archs), (None, self.space), ("Objective, budget and workers",
                                                                         self.settings)):
            if title:
                heading = QLabel(title)
                heading.setProperty("role", "heading")
                layout.addWidget(heading)
            layout.addWidget(widget)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        buttons = QHBoxLayout()
        buttons.addWidget(self.estimate_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.start_button)
        column = QWidget()
        column.setMinimumWidth(420)  # the space rows' Low, High, Log and Step in full
        column_layout = QVBoxLayout(column)
        column_layout.setContentsMargins(0, 0, 0, 0)
        column_layout.addWidget(scroll, 1)
        column_layout.addWidget(self.problem)
        column_layout.addWidget(self.estimate_label)
        column_layout.addLayout(buttons)
        return column

    def _results_column(self) -> QWidget:
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("Hold-out of the best configurations")
        heading.setProperty("role", "heading")
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.open_button)
        lower_layout.addLayout(top)
        lower_layout.addWidget(self.holdout, 1)
        lower_layout.addWidget(self.verdict)
        split = QSplitter(Qt.Orientation.Vertical)
        for widget in (self.trials, self.charts, lower):
            split.addWidget(widget)
        split.setSizes([170, 230, 270])
        column = QWidget()
        layout = QVBoxLayout(column)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)
        return column

    # --- building the search --------------------------------------------------------------------------
    def set_base(self, base, problem: str | None = None) -> None:
        """The window's run configuration (None with the reason when its panels cannot make one)."""
        self._base, self._base_problem = base, problem
        if base is not None:
            self.space.set_base(base)
            archs = [m.arch for m in base.models]
            self.archs.setText(f"Base run: the side panels' settings. Architectures: {', '.join(archs)}"
                               + (" (a dimension of the search)" if len(archs) > 1 else
                                  " (tick more in the Models panel to search over them)"))
        self.validate()

    def build_experiment(self):
        """The Experiment the tab describes; WorkbenchError with the engine's message otherwise."""
        if self._base is None:
            raise WorkbenchError(self._base_problem or "The run settings are not valid.")
        return self.settings.experiment(self._base, self.space.space_text())

    @Slot()
    def validate(self) -> str | None:
        """Show what stops a search (the engine's message, naming the field) and enable Start; returns it."""
        rows = self.space.errors()
        problem = next(iter(rows.values()), None)
        if problem is None:
            try:
                self.build_experiment()
            except (WorkbenchError, ValueError) as error:
                problem = str(error)
        self.problem.setText(problem or "")
        self.problem.setVisible(bool(problem))
        self._problem = problem
        self._refresh_buttons()
        return problem

    def start(self) -> None:
        if self.validate() is None and not self._running:
            self.sigStartRequested.emit(self.build_experiment(), self.settings.execution(), self.settings.name())

    def _estimate(self) -> None:
        if self.validate() is None:
            execution = self.settings.execution()
            self.estimate_label.setText("Estimating: timing a few training steps of the base configuration…")
            self.sigEstimateRequested.emit(self.build_experiment(), execution.workers or 0)

    def show_estimate(self, estimate) -> None:
        trials = "until the wall-time budget" if estimate.trials is None else f"{estimate.trials} trials"
        self.estimate_label.setText(
            f"About {duration(estimate.total_s)} in all: {trials} of about {duration(estimate.trial_s)} each on "
            f"{estimate.workers} worker{'s' * (estimate.workers != 1)}, then {duration(estimate.holdout_s)} for "
            "the hold-out (pruning and the space's values move it).")

    # --- while it runs ----------------------------------------------------------------------------------
    def start_run(self, number: int, request) -> None:
        self.experiment = request.experiment
        self.state = SearchState(names=request.experiment.search_space.names)
        self.charts.state = self.state
        self.charts.reset(self.state.names, request.experiment.objective_of.metric)
        for table in (self.trials, self.holdout):
            table.setRowCount(0)
        self.verdict.clear()
        self.status.setText(f"Run {number}: search {request.name} starting…")
        self._running = True
        self._drawn = -1
        self._timer.start()
        self._refresh_buttons()

    def on_event(self, event) -> None:
        self.state.apply(event)

    def redraw(self) -> None:
        if self.state.version == self._drawn:
            return
        self._drawn = self.state.version
        show_trials(self.trials, self.state)
        self.charts.redraw()
        self.status.setText(self._status_text())

    def _status_text(self) -> str:
        state, progress = self.state, self.state.progress
        started = state.started
        head = f"Search {started.name}, hold-out from {started.cut:%Y-%m-%d}" if started else "Search"
        if state.outcome is not None:
            cancelled = " (cancelled: the finished trials are kept)" if state.outcome.cancelled else ""
            return f"{head}: {len(state.trials)} trials{cancelled}."
        if progress is None:
            return f"{head}: {len(state.trials)} trial{'s' * (len(state.trials) != 1)} running…"
        total = "" if progress.total is None else f" of {progress.total}"
        eta = "" if progress.eta_s is None else f", about {duration(progress.eta_s)} left"
        best = "" if progress.best_number is None else (f"; best trial {progress.best_number} "
                                                        f"({format_metric(self.experiment.objective_of.metric, progress.best_value)})")
        return f"{head}: {progress.done}{total} done in {duration(progress.elapsed_s)}{eta}{best}"

    # --- after it ends ----------------------------------------------------------------------------------
    def finish(self, finished) -> None:
        """The SearchFinished of the task: final trials, hold-out table, Deflated Sharpe, warnings."""
        outcome = finished.outcome
        if finished.importances is not None:
            self.state.importances = finished.importances
        self.state.finish(outcome)
        self._stop_timer()
        show_holdout(self.holdout, outcome.holdout)
        deflated = [f"Deflated Sharpe of the best (trial {row['trial']}) on {row['ticker']}: "
                    f"<b>{format_metric('DSR', row['DSR'])}</b>; its per-period Sharpe "
                    f"{format_metric('Sharpe Ratio', row['Sharpe (per period)'])} against "
                    f"{format_metric('Sharpe Ratio', row['expected max Sharpe'])} expected from the best of "
                    f"{row['trials']} unskilled trials" for row in outcome.deflated.to_dict("records")]
        warnings = [f"<span style='color:{self._theme.warning}'>⚠ {html.escape(text)}</span>"
                    for text in (*self.state.notices, *outcome.warnings)]
        self.verdict.setHtml("<br>".join(deflated + warnings))

    def stop_run(self, message: str) -> None:
        """The search failed: keep what it showed, say why."""
        self._stop_timer()
        self.status.setText(message)

    def _stop_timer(self) -> None:
        self._running = False
        self._timer.stop()
        self._drawn = -1
        self.redraw()
        self._refresh_buttons()

    # --- open a trial -------------------------------------------------------------------------------------
    def _selected(self) -> int | None:
        for table in (self.holdout, self.trials):
            if table.hasFocus() or table.selectedItems():
                number = table.selected_trial()
                if number is not None and number in self.state.trials:
                    return number
        return None

    def _open(self) -> None:
        number = self._selected()
        if number is not None and self.experiment is not None:
            config = self.experiment.config_of(self.state.trials[number].params)
            self.sigOpenRequested.emit(config, f"trial {number}")

    def _refresh_buttons(self) -> None:
        self.start_button.setEnabled(self._problem is None and not self._running)
        self.start_button.setToolTip(self._problem or "Start the search (queued behind a running run)")
        self.estimate_button.setEnabled(self._problem is None)
        self.cancel_button.setEnabled(self._running)
        self.open_button.setEnabled(self._selected() is not None)

    def export_widget(self) -> QWidget:
        return self.charts.currentWidget()

    def apply_theme(self, theme: Theme = DARK) -> None:
        self._theme = theme
        self.charts.apply_theme(theme)

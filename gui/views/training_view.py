"""The Training tab: live loss curves per model, progress with ETA, and below them the test metrics, each fit's
diagnosis, the attention of attention models and the learning curve."""
from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.charts import fast_plot
from engine.estimate import BacktestProgress, TimeEstimate
from gui.events import ModelEvaluated, ModelEvent, WindowsReady
from gui.format import count, duration, number
from gui.theme import DARK, Theme, style_plot
from gui.views.fit_insights import AttentionView, DiagnosisTable, LearningCurveView
from gui.views.loss_curves import EpochAxis, LossTrace
from gui.views.progress_rows import ProgressRow

_REDRAW_MS = 100  # curves are redrawn at most this often, however fast epochs arrive
_KEEP_FOLDS = 30  # a backtest keeps this many walk-forward folds' curves per model; older ones leave the plot
_FIXED_COLUMNS = ("Run · model", "Outcome", "Epochs", "Best epoch", "Best loss")


_STOPPED = {"completed": "done", "early_stopping": "stopped early", "cancelled": "cancelled", "diverged": "diverged"}
_NOT_TRAINED = {"cancelled": "not trained (cancelled before its first epoch)",
                "diverged": "not trained (diverged in its first epoch)"}


def _outcome_words(ended, *, detailed: bool = False) -> str:
    """How a fit ended, in a few words (engine.train.TrainingEnded); `detailed` adds its epochs and weights kept."""
    if not ended.trained:
        return _NOT_TRAINED[ended.reason]
    words = _STOPPED.get(ended.reason, ended.reason)
    if not detailed:
        return words
    kept = f"best epoch {ended.best_epoch}" if ended.best_epoch else "kept its starting weights"
    return f"{words} after {count(ended.epochs_run, 'epoch')} · {kept}"


class TrainingView(QWidget):
    title = "Training"
    _HINT = "solid: training loss · dashed: validation loss · ▼ learning-rate cut · ★ best epoch (weights kept)"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._theme = DARK
        self._traces: dict[str, LossTrace] = {}  # each model's current curves (of its current fold, in a backtest)
        self._earlier: dict[str, list[LossTrace]] = {}  # a backtest's earlier folds per model, oldest first, faded
        self._rows: dict[str, ProgressRow] = {}
        self._dirty: set[str] = set()
        self._run = 0
        self._max_epochs = 0
        self._series = 1  # series in the run: fold labels name the ticker when there are several
        self._estimate: TimeEstimate | None = None
        self._metric_columns: list[str] = []

        self.heading = QLabel("No run yet")
        self.heading.setProperty("role", "heading")
        self.details = QLabel("Choose series, tick one or more architectures and press Train (Ctrl+R).")
        self.details.setProperty("role", "muted")
        self.details.setWordWrap(True)
        self.estimate = QLabel()
        self.estimate.setWordWrap(True)
        self.log_scale = QCheckBox("Log scale")
        self.log_scale.setToolTip("Show the loss on a logarithmic axis (Ctrl+L)")
        self.log_scale.toggled.connect(self.set_log_scale)
        self.fit = QPushButton("Fit")
        self.fit.setToolTip("Show all the curves again and follow them as they grow")
        self.fit.clicked.connect(self.follow)
        self.legend_hint = QLabel(self._HINT)
        self.legend_hint.setProperty("role", "muted")
        header = QGridLayout()
        header.addWidget(self.heading, 0, 0)
        header.addWidget(self.fit, 0, 1)
        header.addWidget(self.log_scale, 0, 2)
        header.addWidget(self.details, 1, 0, 1, 3)
        header.addWidget(self.estimate, 2, 0, 1, 3)
        header.setColumnStretch(0, 1)

        self.plot_widget = pg.PlotWidget(axisItems={"bottom": EpochAxis("bottom")})
        self.plot = fast_plot(self.plot_widget.getPlotItem())
        self.plot.setLabel("bottom", "Epoch")
        self.plot.setLabel("left", "Loss")
        self.plot.hideButtons()
        # The axes are re-rendered whenever the view range moves, which costs more than the curves:
        # the range follows the data in steps (x doubles, y moves when the data leaves it) instead.
        self.plot.disableAutoRange()
        self.plot.setRange(xRange=(0, 10), yRange=(0, 1), padding=0)
        self.plot.getViewBox().sigRangeChangedManually.connect(self._stop_following)
        self._following = True
        self._x_high = 0.0
        self._y_range: tuple[float, float] | None = None
        self.legend = self.plot.addLegend(offset=(-10, 10))
        self.legend.setVisible(False)  # until a run has curves to name
        chart = QWidget()
        chart_layout = QVBoxLayout(chart)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        chart_layout.addWidget(self.plot_widget, 1)
        chart_layout.addWidget(self.legend_hint)

        self.progress = QWidget()
        self._grid = QGridLayout(self.progress)
        self._grid.setContentsMargins(0, 4, 0, 4)
        self._grid.setColumnStretch(1, 1)
        self._grid.setHorizontalSpacing(12)
        results_title = QLabel("Test split metrics")
        results_title.setProperty("role", "heading")
        results_hint = QLabel("Computed by the engine on the most recent bars, which no model trained on.")
        results_hint.setProperty("role", "muted")
        self.results = QTableWidget(0, len(_FIXED_COLUMNS))
        self.results.setHorizontalHeaderLabels(_FIXED_COLUMNS)
        self.results.horizontalHeaderItem(4).setToolTip(
            "Loss at the best epoch: on the validation split, or on the training split when there is none")
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results.setAlternatingRowColors(True)
        self.results.verticalHeader().hide()
        self.results.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.results.horizontalHeader().setStretchLastSection(False)
        metrics = QWidget()
        metrics_layout = QVBoxLayout(metrics)
        metrics_layout.setContentsMargins(0, 4, 0, 0)
        metrics_layout.addWidget(results_title)
        metrics_layout.addWidget(results_hint)
        metrics_layout.addWidget(self.results, 1)
        self.diagnoses = DiagnosisTable()
        diagnosis = QWidget()
        diagnosis_layout = QVBoxLayout(diagnosis)
        diagnosis_layout.setContentsMargins(0, 4, 0, 0)
        diagnosis_layout.addWidget(QLabel(
            "Each fit's loss curves judged against the naive (no-change) forecast's loss on the same windows; "
            "hover a row for what to try (rules: docs/METRICS.md)."))
        diagnosis_layout.addWidget(self.diagnoses, 1)
        self.attention = AttentionView()
        self.learning_curve = LearningCurveView()
        self.insights = QTabWidget()
        self.insights.addTab(diagnosis, "Diagnosis")
        self.insights.addTab(metrics, "Test metrics")
        self.insights.addTab(self.attention, "Attention")
        self.insights.addTab(self.learning_curve, "Learning curve")
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.progress)
        lower_layout.addWidget(self.insights, 1)

        splitter = self.splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(chart)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([460, 300])
        self.insights.currentChanged.connect(self._give_charts_room)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(header)
        layout.addWidget(splitter, 1)

        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.setInterval(_REDRAW_MS)
        self._redraw.timeout.connect(self._flush)
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._tick)

    # --- queries used by the window and the tests -------------------------------------------------
    def trace(self, label: str) -> LossTrace:
        return self._traces[label]

    def fold_traces(self, label: str) -> list[LossTrace]:
        """A model's curves per fold in a backtest, oldest first, the current fold last."""
        return [*self._earlier.get(label, ()), self._traces[label]]

    def curve_points(self, label: str, trace: LossTrace | None = None) -> tuple[int, int]:
        """Points drawn on the (training, validation) curves of a model (of its current fold, in a backtest); none
        for a model not drawn (yet)."""
        trace = self._traces.get(label) if trace is None else trace
        if trace is None:
            return 0, 0
        train_y, val_y = trace.train.yData, trace.val.yData
        drawn = lambda y: 0 if y is None else int(np.isfinite(y).sum())
        return drawn(train_y), drawn(val_y)

    def export_widget(self) -> QWidget:
        return self.plot_widget

    # --- run lifecycle ----------------------------------------------------------------------------
    def start_run(self, number: int, config, labels: list[str]) -> None:
        self._flush()
        self._run = number
        self._estimate = None
        self._max_epochs = config.training.epochs
        self._series = len(config.data.tickers) + len(config.data.csv_files)
        for earlier in self._earlier.values():
            for trace in earlier:
                trace.remove(self.plot)
        self._earlier.clear()
        self.legend_hint.setText(self._HINT)
        for label in set(self._traces) - set(labels):
            self._traces[label].reset()
            self._traces[label].set_visible(False)
        for i, label in enumerate(labels):
            if label not in self._traces:
                self._traces[label] = LossTrace(self.plot, label)
            trace = self._traces[label]
            trace.set_visible(True)
            trace.fold, trace.name = None, label
            trace.reset()
            trace.set_colour(self._colour(i), self._theme)
        self._rebuild_legend(labels)
        self.follow()
        for row in self._rows.values():
            row.remove()
        self._rows = {label: ProgressRow(self._grid, i, label)
                      for i, label in enumerate(labels)}
        for i, row in enumerate(self._rows.values()):
            row.name.setText(f"<span style='color:{self._colour(i)}'>■</span> {row.label}")
        self.plot.setLabel("left", "Loss (binary cross-entropy)" if config.classification else "Loss (MSE, scaled)")
        self.diagnoses.clear_rows()
        self.attention.show_maps({})
        series = ", ".join([*config.data.tickers, *(s.rsplit("/", 1)[-1] for s in config.data.csv_files)])
        self.heading.setText(f"Run {number} · {', '.join(labels)} on {series}")
        self.details.setText("Loading data…")
        self.estimate.setText("")
        self._clock.start()

    def show_stored(self, label: str) -> None:
        """Before any run of this session: name the stored run the Backtest tab shows (its curves are not stored)."""
        if self._run:
            return
        self.heading.setText(f"Stored {label} is on the Backtest tab")
        self.details.setText("Its training curves are not stored: press Train (Ctrl+R) or Train & Backtest (Ctrl+B) "
                             "to watch the models learn here.")

    def on_windows(self, windows: WindowsReady) -> None:
        self.details.setText(f"{windows.train:,} training / {windows.val:,} validation / {windows.test:,} test "
                             f"windows of {windows.window} bars × {windows.features} features")

    def on_estimate(self, estimate: TimeEstimate) -> None:
        self._estimate = estimate
        for label, seconds in estimate.per_model_s.items():
            if label in self._rows:
                self._rows[label].estimate_s = seconds
                self._rows[label].status.setText(f"waiting · about {duration(seconds)} (estimate)")
        what = "training time" if estimate.scope == "training" else "time for the whole walk-forward"
        self.estimate.setText(
            f"Estimated {what}: about <b>{duration(estimate.total_s)}</b> "
            f"<span style='color:{self._theme.muted}'>(an estimate from timing {estimate.steps_timed} real "
            "training steps per model, for every epoch; early stopping can end sooner)</span>")

    def on_backtest_progress(self, progress: BacktestProgress) -> None:
        """Elapsed and remaining time across the folds of a Train & Backtest (every series and model)."""
        self.estimate.setText(
            f"Backtest: <b>{progress.folds_done} of {progress.folds_total}</b> folds done · "
            f"{duration(progress.elapsed_s)} elapsed · about <b>{duration(progress.remaining_s)}</b> left "
            f"<span style='color:{self._theme.muted}'>(from the time the finished folds took)</span>")

    def show_estimate(self, estimate: TimeEstimate) -> None:
        """An estimate asked for before any run (Run ▸ Estimate training time)."""
        parts = " · ".join(f"{label} {duration(s)}" for label, s in estimate.per_model_s.items())
        self.estimate.setText(
            f"Estimated training time for the current settings: about <b>{duration(estimate.total_s)}</b> ({parts}) "
            f"<span style='color:{self._theme.muted}'>— an estimate from timing {estimate.steps_timed} real "
            "training steps per model, for every epoch; early stopping can end sooner</span>")

    def on_fold_event(self, event) -> None:
        """Training inside a walk-forward fold (engine.backtest.FoldTraining): each model keeps the curves of
        its last folds, the earlier ones faded under the current one."""
        label, fold = event.model, (event.ticker, event.fold)
        trace = self._traces.get(label)
        if trace is None or label not in self._rows:
            return  # a model the run did not announce: on_model_event ignores it too
        if trace.fold != fold:
            self._start_fold(label, fold, event.folds)
        self.on_model_event(ModelEvent(label, event.event))

    def _start_fold(self, label: str, fold: tuple[str, int], folds: int) -> None:
        colour = self._colour(list(self._rows).index(label))
        trace = named = self._traces[label]
        if trace.points:  # keep the fold that ended, faded, and draw the new one on a fresh trace above it
            trace.fade(colour, self._theme)
            earlier = self._earlier.setdefault(label, [])
            earlier.append(trace)
            while len(earlier) >= _KEEP_FOLDS:
                earlier.pop(0).remove(self.plot)
            trace = self._traces[label] = LossTrace(self.plot, label)
            trace.set_colour(colour, self._theme)
        ticker, index = fold
        where = f"{ticker} fold" if self._series > 1 else "fold"
        trace.fold, trace.name = fold, f"{label} · {where} {index + 1}/{folds}"
        trace.reset()
        self._rename_in_legend(named, trace)
        row = self._rows[label]
        row.restart()
        row.bar.setValue(0)
        row.name.setText(f"<span style='color:{colour}'>■</span> {trace.name}")
        self.details.setText(f"Walk-forward: {label} on {ticker}, fold {index + 1} of {folds}, trained only on the "
                             "bars before the stretch it predicts")
        self.legend_hint.setText(f"{self._HINT} · faded: earlier folds (the last {_KEEP_FOLDS} kept)")

    def on_model_event(self, event: ModelEvent) -> None:
        from engine.train import BatchProgress, EpochReport, TrainingEnded

        row, trace, inner = self._rows.get(event.label), self._traces.get(event.label), event.event
        if row is None or trace is None:
            return
        now = time.perf_counter()
        if row.started is None:
            row.started = now
        if isinstance(inner, BatchProgress):
            done = (inner.epoch - 1 + inner.batch / inner.batches) / inner.epochs
            row.bar.setValue(int(1000 * done))
            eta = row.remaining_s(now)
            row.status.setText(f"epoch {inner.epoch}/{inner.epochs} · batch {inner.batch}/{inner.batches}"
                               + (f" · {duration(eta)} left" if eta is not None else ""))
        elif isinstance(inner, EpochReport):
            row.last_report, row.report_time = inner, now
            row.bar.setValue(int(1000 * inner.epoch / inner.epochs))
            val = "" if inner.val_loss is None else f" · val {number(inner.val_loss)}"
            row.status.setText(f"epoch {inner.epoch}/{inner.epochs} · train {number(inner.train_loss)}{val} · "
                               f"{duration(inner.eta_s)} left")
            trace.add(inner)
            self._mark_dirty(event.label)
        elif isinstance(inner, TrainingEnded):
            row.ended = inner
            if inner.reason != "cancelled":
                row.bar.setValue(1000)
            verdict = "" if inner.diagnosis is None else f" · {inner.diagnosis.title}"
            row.status.setText(_outcome_words(inner, detailed=True) + verdict)
            row.status.setToolTip(inner.message)
            if inner.diagnosis is not None:
                self.diagnoses.add(f"{self._run} · {trace.name}", inner.diagnosis)
            trace.set_best(inner.best_epoch, inner.best_loss)
            self._mark_dirty(event.label)
        self._update_remaining()

    def on_evaluated(self, evaluated: ModelEvaluated) -> None:
        for name in evaluated.metrics:
            if name not in self._metric_columns:
                self._metric_columns.append(name)
        columns = [*_FIXED_COLUMNS, *self._metric_columns]
        if self.results.columnCount() != len(columns):
            self.results.setColumnCount(len(columns))
            for column in range(len(_FIXED_COLUMNS), len(columns)):
                self.results.setHorizontalHeaderItem(column, QTableWidgetItem(columns[column]))
        row = self.results.rowCount()
        self.results.insertRow(row)
        ended = self._rows[evaluated.label].ended if evaluated.label in self._rows else None
        cells = [f"{self._run} · {evaluated.label}"]
        if ended is None:
            cells += ["", "", "", ""]
        elif ended.trained:
            cells += [_outcome_words(ended), str(ended.epochs_run), str(ended.best_epoch), number(ended.best_loss)]
        else:  # no epoch, no best epoch, no scores
            cells += [_outcome_words(ended), "0", "", ""]
        cells += [number(evaluated.metrics[name]) if name in evaluated.metrics else "" for name in self._metric_columns]
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if column >= 2:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.results.setItem(row, column, item)
        if ended is not None:
            self.results.item(row, 1).setToolTip(ended.message)
        self.results.scrollToBottom()

    def finish_run(self, message: str, *, stopped: bool = False) -> None:
        """The run ended; `stopped`: by an error, so models still waiting or training never finished."""
        if stopped:
            self.details.setText(message)
            for row in self._rows.values():
                if row.ended is None:
                    row.status.setText("not finished: the run stopped")
        self._flush()
        self._follow_data(final=True)
        self._clock.stop()
        self.estimate.setText(message)

    # --- display ----------------------------------------------------------------------------------
    @Slot(bool)
    def set_log_scale(self, on: bool) -> None:
        if self.log_scale.isChecked() != on:
            self.log_scale.setChecked(on)
            return
        self.plot.setLogMode(y=on)
        self._y_range = None
        self._follow_data()

    @Slot(int)
    def _give_charts_room(self, index: int) -> None:
        """The heatmap and the learning curve are charts: they get the larger share of the height, the tables the
        smaller (the splitter can still be dragged)."""
        total = sum(self.splitter.sizes())
        charts = self.insights.widget(index) in (self.attention, self.learning_curve)
        lower = int(total * (0.62 if charts else 0.4))
        self.splitter.setSizes([total - lower, lower])

    def show_attention(self, maps: dict) -> None:
        """A finished Train run's engine.attention.AttentionMap per model; the Attention pane comes to the front."""
        self.attention.show_maps(maps)
        if maps:
            self.insights.setCurrentWidget(self.attention)

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.diagnoses.theme = theme
        self.attention.apply_theme(theme)
        self.learning_curve.apply_theme(theme)
        self.plot_widget.setBackground(theme.plot_bg)
        style_plot(self.plot, theme)
        self.legend.setLabelTextColor(theme.plot_fg)
        self.legend.setBrush(pg.mkBrush(pg.mkColor(theme.plot_bg)))
        self.legend.setPen(pg.mkPen(theme.border))
        self._rebuild_legend([label for label in self._rows if label in self._traces])  # labels take the new colour
        for i, label in enumerate(label for label in self._rows if label in self._traces):
            for trace in self.fold_traces(label):
                trace.set_colour(self._colour(i), theme)
        for i, row in enumerate(self._rows.values()):
            name = self._traces[row.label].name if row.label in self._traces else row.label
            row.name.setText(f"<span style='color:{self._colour(i)}'>■</span> {name}")

    def _colour(self, i: int) -> str:
        return self._theme.series[i % len(self._theme.series)]

    def _rename_in_legend(self, named: LossTrace, trace: LossTrace) -> None:
        """The legend entry of `named` now shows `trace` (its model's next fold) and its name: one label set anew
        rather than the whole legend rebuilt, a few milliseconds on each fold of a walk."""
        for sample, text in self.legend.items:
            if sample.item is named.train:
                sample.item = trace.train  # pyqtgraph's ItemSample draws the item it holds
                text.setText(trace.name)
                sample.update()
                self.legend.updateSize()  # a shorter name: the frame shrinks to it
                return
        self._rebuild_legend([label for label in self._rows if label in self._traces])

    def _rebuild_legend(self, labels: list[str]) -> None:
        self.legend.clear()
        self.legend.setVisible(bool(labels))
        for label in labels:
            self.legend.addItem(self._traces[label].train, self._traces[label].name)

    def _mark_dirty(self, label: str) -> None:
        self._dirty.add(label)
        if not self._redraw.isActive():
            self._redraw.start()

    @Slot()
    def _flush(self) -> None:
        for label in self._dirty:
            self._traces[label].draw()
        if self._dirty:
            self._follow_data()
        self._dirty.clear()

    @Slot()
    def follow(self) -> None:
        """Fit the view to the curves and keep following them (after the user zoomed or panned)."""
        self._following, self._x_high, self._y_range = True, 0.0, None
        self._follow_data(final=not self._clock.isActive())

    @Slot()
    def _stop_following(self, *args) -> None:
        self._following = False

    def _follow_data(self, final: bool = False) -> None:
        if not self._following:
            return
        log = self.log_scale.isChecked()
        extents = [e for label in self._rows if label in self._traces for trace in self.fold_traces(label)
                   if (e := trace.extent(log)) is not None]
        if not extents:
            return
        last = max(e[0] for e in extents)
        low, high = min(e[1] for e in extents), max(e[2] for e in extents)
        if final:
            self._x_high = last + 0.5  # the run is over: fit the epochs it ran
        elif last > self._x_high * 0.98:
            self._x_high = max(8.0, 2 ** math.ceil(math.log2(last * 1.2)))
            if self._max_epochs:
                self._x_high = min(self._x_high, self._max_epochs + 0.5)
        span = (high - low) or (abs(high) * 0.1 or 1.0)
        current = self._y_range
        if current is None or low < current[0] or high > current[1] or span < 0.4 * (current[1] - current[0]):
            self._y_range = (low - 0.08 * span, high + 0.08 * span)
        self.plot.setRange(xRange=(0.5, self._x_high), yRange=self._y_range, padding=0)

    @Slot()
    def _tick(self) -> None:
        self._update_remaining()

    def _update_remaining(self) -> None:
        if self._estimate is None or self._estimate.scope == "backtest":
            return  # a backtest's time left spans every fold: on_backtest_progress shows it
        now = time.perf_counter()
        left = [row.remaining_s(now) for row in self._rows.values()]
        if any(s is None for s in left):
            return
        if all(row.ended is not None for row in self._rows.values()):
            return
        self.estimate.setText(
            f"Remaining: about <b>{duration(sum(left))}</b> "
            f"<span style='color:{self._theme.muted}'>· estimated at {duration(self._estimate.total_s)} before the "
            "run from timed steps; each model's time left now comes from its own epochs</span>")

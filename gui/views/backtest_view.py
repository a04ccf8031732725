"""The Backtest tab: prices with the walk-forward predictions and trades, equity against buy-and-hold,
drawdown, the folds, and the metrics beside the baselines, with the engine's warnings and its verdict on
the selected model's skill on top.

It grows live: show_fold(FoldDone) adds a fold and its predictions, show_progress(EquityProgress)
refills the equity curves of that model and horizon, show_result(BacktestResult) draws the end.
Every curve is created once per (ticker, model, horizon) and refilled with setData.
"""
from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.baseline import BASELINES, backtest_labels
from engine.significance import SIGNIFICANCE_LEVEL
from gui.charts import DateAxis, fast_plot
from gui.theme import DARK, Theme, style_plot
from gui.views.fold_timeline import FoldTimeline, seconds
from gui.views.metric_rules import (
    PER_TRADE,
    TABLE_SECTIONS,
    best_mask,
    better,
    explain,
    format_metric,
    metric_order,
    run_stats_line,
    tested,
)

if TYPE_CHECKING:
    from engine.backtest import FoldDone
    from engine.folds import Fold
    from engine.pipeline import EquityProgress
    from engine.results import BacktestResult
    from engine.runs import RunConfig

Key = tuple[str, str, int]  # ticker, model, horizon

_BUY_AND_HOLD, _NAIVE, _LINEAR = BASELINES
_SHORT = {_BUY_AND_HOLD: "Buy & Hold", _NAIVE: "Naive", _LINEAR: "Linear"}
_AXIS_WIDTH = 64


def _arrays(frame: pd.DataFrame, index) -> tuple[np.ndarray, np.ndarray]:
    """x in seconds and the equity, benchmark equity and drawdown (in %) columns of a periods frame."""
    values = frame[["equity", "benchmark_equity", "drawdown"]].to_numpy(dtype=np.float64, copy=True)
    values[:, 2] *= 100.0
    return seconds(index), values


class _EquityTrace:
    """The curves of one (ticker, model, horizon): equity, buy-and-hold and drawdown."""

    def __init__(self, key: Key, equity_plot: pg.PlotItem, drawdown_plot: pg.PlotItem):
        self.key = key
        self.equity = pg.PlotDataItem(connect="finite")
        self.benchmark = pg.PlotDataItem(connect="finite")
        self.drawdown = pg.PlotDataItem(connect="finite", fillLevel=0.0)
        self._plots = ((equity_plot, self.benchmark), (equity_plot, self.equity), (drawdown_plot, self.drawdown))
        for plot, item in self._plots:
            plot.addItem(item)
        self.x = np.empty(0)
        self.values = np.empty((0, 3))

    def set(self, x: np.ndarray, values: np.ndarray) -> None:
        self.x, self.values = x, values
        self.equity.setData(x, values[:, 0])
        self.benchmark.setData(x, values[:, 1])
        self.drawdown.setData(x, values[:, 2])

    def remove(self) -> None:
        for plot, item in self._plots:
            plot.removeItem(item)

    def value_at(self, x: float) -> np.ndarray | None:
        if not len(self.x) or x < self.x[0] - 86400 or x > self.x[-1] + 86400:
            return None
        return self.values[_nearest(self.x, x)]


def _nearest(xs: np.ndarray, x: float) -> int:
    i = int(np.clip(np.searchsorted(xs, x), 0, len(xs) - 1))
    if i > 0 and abs(xs[i - 1] - x) < abs(xs[i] - x):
        i -= 1
    return i


class BacktestView(QWidget):
    """The Backtest tab. Feed it engine events in order; see the module docstring."""

    title = "Backtest"
    sigSelectionChanged = Signal(str, str, int)  # ticker, model, horizon now shown

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._theme = DARK
        self._target = "log_return"
        self._models: list[str] = []  # in run order: the colour of model i is theme.series[i]
        self._horizons: list[int] = []
        self._tickers: list[str] = []
        self._close: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # ticker → (seconds, close)
        self._bars: dict[str, pd.DataFrame] = {}
        self._warnings: tuple = ()  # engine.results.ResultWarning
        self._traces: dict[Key, _EquityTrace] = {}
        self._live: dict[tuple[str, str], list[pd.DataFrame]] = {}  # FoldDone predictions so far
        self._predicted: dict[Key, tuple[np.ndarray, np.ndarray]] = {}  # target-date seconds, predicted price
        self._folds: list[Fold] = []
        self._fold_totals: dict[tuple[str, str], int] = {}
        self._result: BacktestResult | None = None
        self._follow = True  # follow the model being walked until the user picks one
        self._fitted: tuple[str, float] | None = None  # the (series, first shown bar) the time axis was fitted to
        self._stopped: str | None = None  # why the shown walk stopped before its end (an error)

        # --- selection row ----------------------------------------------------------------------------
        self.ticker_box, self.model_box, self.horizon_box = QComboBox(), QComboBox(), QComboBox()
        tips = ("Which series", "Which model's predictions, trades and equity",
                "Which forecast horizon is traded and scored")
        for box, tip in zip((self.ticker_box, self.model_box, self.horizon_box), tips):
            box.setToolTip(tip)
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            box.activated.connect(self._picked)
        self.trades_box = QCheckBox("Trades")
        self.trades_box.setToolTip("Show the entry (▲ long, ▼ short) and exit (○) of every trade on the price.\n"
                                   "Off by default: hundreds of trades would hide the price under markers.")
        self.trades_box.toggled.connect(self._redraw_selection)
        self.status = QLabel()
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)  # a long run summary takes a second line rather than losing its start
        self.status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        top = QHBoxLayout()
        for text, box in (("Series", self.ticker_box), ("Model", self.model_box), ("Horizon", self.horizon_box)):
            top.addWidget(QLabel(text))
            top.addWidget(box)
            top.addSpacing(10)
        top.addWidget(self.trades_box)
        top.addSpacing(10)
        top.addWidget(self.status, 1)

        # --- warnings banner --------------------------------------------------------------------------
        self.warning_banner = QFrame()
        self.warning_banner.setObjectName("backtestWarnings")
        self.warning_icon = QLabel("⚠")
        self.warning_icon.setObjectName("warningIcon")
        self.warning_label = QLabel()
        self.warning_label.setWordWrap(True)
        self.warning_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warning_more = QToolButton()
        self.warning_more.setCheckable(True)
        self.warning_more.toggled.connect(self._toggle_warnings)
        banner = QHBoxLayout(self.warning_banner)
        banner.setContentsMargins(10, 6, 10, 6)
        banner.addWidget(self.warning_icon, 0, Qt.AlignmentFlag.AlignTop)
        banner.addWidget(self.warning_label, 1)
        banner.addWidget(self.warning_more, 0, Qt.AlignmentFlag.AlignTop)
        self.warning_banner.hide()

        # --- the engine's verdict on the selection, and the run's figures at its horizon -------------------
        self.verdict = QLabel()
        self.verdict.setObjectName("backtestVerdict")
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict.setToolTip(_VERDICT_HELP)
        self.verdict.hide()

        # --- charts -----------------------------------------------------------------------------------
        self.chart = pg.GraphicsLayoutWidget()
        self.chart.ci.setSpacing(0)
        self.price_plot = self._add_plot(0, "Price")
        self.equity_plot = self._add_plot(1, "Equity [$]")
        self.drawdown_plot = self._add_plot(2, "Drawdown [%]")
        for row, stretch in enumerate((4, 3, 2)):
            self.chart.ci.layout.setRowStretchFactor(row, stretch)
        for plot in (self.equity_plot, self.drawdown_plot):
            plot.setXLink(self.price_plot)
        for plot in (self.price_plot, self.equity_plot):
            plot.getAxis("bottom").setStyle(showValues=False)
        self.price_legend = self.price_plot.addLegend(offset=(8, 6), colCount=3, verSpacing=-6)
        self.equity_legend = self.equity_plot.addLegend(offset=(8, 6), colCount=4, verSpacing=-6)
        for plot in (self.price_plot, self.equity_plot):
            plot.getViewBox().sigResized.connect(self._fit_legends)
        self.price_curve = pg.PlotDataItem(connect="finite")
        self.price_plot.addItem(self.price_curve)
        self.prediction_curves: dict[int, pg.PlotDataItem] = {}  # horizon → predicted price of the selected model
        self.exit_markers = pg.PlotDataItem(pen=None, symbol="o", symbolSize=6)
        self.long_markers = pg.PlotDataItem(pen=None, symbol="t1", symbolSize=9)
        self.short_markers = pg.PlotDataItem(pen=None, symbol="t", symbolSize=9)
        for item in (self.exit_markers, self.long_markers, self.short_markers):
            self.price_plot.addItem(item)
        self.zero_line = pg.InfiniteLine(pos=0.0, angle=0, movable=False)
        self.drawdown_plot.addItem(self.zero_line, ignoreBounds=True)
        self._crosshair = [pg.InfiniteLine(angle=90, movable=False) for _ in range(3)]
        for line, plot in zip(self._crosshair, (self.price_plot, self.equity_plot, self.drawdown_plot)):
            plot.addItem(line, ignoreBounds=True)
            line.hide()
        self._mouse = pg.SignalProxy(self.chart.scene().sigMouseMoved, rateLimit=60, slot=self._mouse_moved)
        self.readout = QLabel()
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setWordWrap(True)  # two lines at most, and always room for two: the charts never jump
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.readout.setFixedHeight(2 * self.readout.fontMetrics().lineSpacing() + 4)
        self.readout.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

        self.timeline = FoldTimeline()
        self.timeline.plot.getAxis("left").setWidth(_AXIS_WIDTH)
        self.price_plot.sigXRangeChanged.connect(self._charts_moved)
        charts = QWidget()
        charts_layout = QVBoxLayout(charts)
        charts_layout.setContentsMargins(0, 0, 0, 0)
        charts_layout.setSpacing(2)
        charts_layout.addWidget(self.readout)
        charts_layout.addWidget(self.chart, 1)
        self.chart_splitter = QSplitter(Qt.Orientation.Vertical)
        self.chart_splitter.addWidget(charts)
        self.chart_splitter.addWidget(self.timeline)
        self.chart_splitter.setStretchFactor(0, 5)
        self.chart_splitter.setStretchFactor(1, 1)
        self.chart_splitter.setSizes([560, 200])

        # --- metrics ----------------------------------------------------------------------------------
        self.metrics_title = QLabel("Metrics")
        self.metrics_title.setProperty("role", "heading")
        self.metrics_table = QTableWidget(0, 1)
        self.metrics_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.metrics_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.metrics_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.metrics_table.verticalHeader().hide()
        self.metrics_table.setShowGrid(False)
        self.metrics_table.setWordWrap(False)
        self.metrics_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.metrics_table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.metrics_table.verticalHeader().setDefaultSectionSize(24)
        self.metrics_hint = QLabel()
        self.metrics_hint.setProperty("role", "muted")
        self.metrics_hint.setWordWrap(True)
        self.metrics_hint.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # The conventions run to a long paragraph: folded away until asked for, so the table keeps its rows.
        self.conventions_button = QToolButton()
        self.conventions_button.setText("Conventions: how these numbers are computed")
        self.conventions_button.setCheckable(True)
        self.conventions_button.setAutoRaise(True)
        self.conventions_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.conventions_button.setArrowType(Qt.ArrowType.RightArrow)
        self.conventions_button.toggled.connect(self._toggle_conventions)
        self.conventions = QLabel()
        self.conventions.setTextFormat(Qt.TextFormat.PlainText)
        self.conventions.setProperty("role", "muted")
        self.conventions.setWordWrap(True)
        self.conventions.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.conventions.hide()
        side = QWidget()
        side.setMinimumWidth(400)
        side.setMaximumWidth(450)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(10, 0, 0, 0)
        side_layout.addWidget(self.metrics_title)
        side_layout.addWidget(self.metrics_table, 1)
        side_layout.addWidget(self.metrics_hint)
        side_layout.addWidget(self.conventions_button)
        side_layout.addWidget(self.conventions)
        side_layout.addStretch(0)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.chart_splitter)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)  # both give in a small window; past 450 px only the charts widen
        self.splitter.setSizes([560, 450])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.warning_banner)
        layout.addWidget(self.verdict)
        layout.addWidget(self.splitter, 1)
        self.clear()
        self.apply_theme(self._theme)

    def _add_plot(self, row: int, label: str) -> pg.PlotItem:
        plot = fast_plot(self.chart.addPlot(row=row, col=0, axisItems={"bottom": DateAxis()}))
        plot.setLabel("left", label)
        plot.getAxis("left").setWidth(_AXIS_WIDTH)
        plot.setMouseEnabled(x=True, y=False)  # zoom and pan in time; values refit to what is in view
        plot.enableAutoRange(y=True)
        plot.setAutoVisible(y=True)
        plot.hideButtons()
        return plot

    # --- what the window calls -------------------------------------------------------------------------
    def clear(self) -> None:
        """Forget the shown run: a new one is about to start."""
        for trace in self._traces.values():
            trace.remove()
        for curve in self.prediction_curves.values():
            self.price_plot.removeItem(curve)
        self._traces.clear()
        self.prediction_curves.clear()
        self._live.clear()
        self._predicted.clear()
        self._folds.clear()
        self._fold_totals.clear()
        self._models, self._horizons, self._tickers = [], [], []
        self._close.clear()
        self._bars.clear()
        self._result = None
        self._follow, self._fitted = True, None
        self._stopped = None
        for box in (self.ticker_box, self.model_box, self.horizon_box):
            box.clear()
        self.timeline.clear()
        self._set_warnings(())
        self._set_conventions("")
        self.status.setText("No backtest yet")
        self._redraw_selection()

    def start_run(self, config: RunConfig, bars_by_ticker: Mapping[str, pd.DataFrame] | None = None) -> None:
        """A new backtest of `config` starts: clear, and list its series, models and horizons."""
        from engine.pipeline import model_labels

        self.clear()
        self._target = config.windows.target
        self._models = backtest_labels(model_labels(config.models))
        self._horizons = list(config.windows.horizons)
        self._tickers = [*config.data.tickers, *(_stem(p) for p in config.data.csv_files)]
        if bars_by_ticker is not None:
            self.set_bars(bars_by_ticker)
        self._fill_boxes()
        self.status.setText("Walk-forward starting…")
        self._redraw_selection()

    def stop_run(self, message: str) -> None:
        """The walk stopped with an error: the folds it finished stay, the rest are marked as never run."""
        self._stopped = message
        self.status.setText(message)
        self._draw_metrics()

    def set_bars(self, bars_by_ticker: Mapping[str, pd.DataFrame]) -> None:
        """The bars the run used: the price line, and the closes predictions are measured from."""
        self._close = {ticker: (seconds(bars.index), bars["close"].to_numpy(dtype=np.float64))
                       for ticker, bars in bars_by_ticker.items()}
        self._bars = dict(bars_by_ticker)
        for ticker in bars_by_ticker:
            if ticker not in self._tickers:
                self._tickers.append(ticker)
        self._fill_boxes()
        self._redraw_selection()

    def show_fold(self, event: FoldDone) -> None:
        """A fold finished: add it to the timeline and its predictions to the price chart."""
        fold = event.fold
        self._folds.append(fold)
        self._fold_totals[(fold.ticker, fold.model)] = event.folds
        self._note(fold.ticker, fold.model, None)
        frames = self._live.setdefault((fold.ticker, fold.model), [])
        frames.append(event.predictions)
        if self._target != "direction":
            self._store_predictions(pd.concat(frames, ignore_index=True))
        shown = (fold.ticker, fold.model) == self._selection()[:2]
        if self._follow and not shown:
            self._select(fold.ticker, fold.model, None)  # the walk moved on: redraw everything for it
        elif shown:  # only what this fold adds: a redraw of everything per fold stalls the window
            self.timeline.add_fold(fold)
            self._draw_predictions()
            self._fit_time_axis()
        self.status.setText(f"Walk-forward: {fold.model} on {fold.ticker}, fold {fold.index + 1} of {event.folds}")
        if self._result is None:
            self.metrics_title.setText("Progress")
            self.metrics_hint.setText(self._progress_text())

    def show_progress(self, event: EquityProgress) -> None:
        """The equity of one model and horizon over the folds so far: refill its curves."""
        key = (event.ticker, event.model, int(event.horizon))
        self._note(*key)
        created = key not in self._traces
        self._trace(key).set(*_arrays(event.periods, event.periods.index))
        if self._follow and key[:2] != self._selection()[:2]:
            self._select(key[0], key[1], None)
        elif created:
            self._rebuild_legends()

    def show_result(self, result: BacktestResult, *, target: str | None = None,
                    bars_by_ticker: Mapping[str, pd.DataFrame] | None = None) -> None:
        """The finished backtest: every curve, the folds, the trades, the metrics and the warnings."""
        self._result = result
        if target is not None:
            self._target = target
        if bars_by_ticker is not None:
            self.set_bars(bars_by_ticker)
        first_model = self._follow  # the view followed the walk: show the run's first model now
        self._follow = False
        if not result.equity.empty:
            for (ticker, model, horizon), frame in result.equity.groupby(["ticker", "model", "horizon"], sort=False):
                key = (str(ticker), str(model), int(horizon))
                self._note(*key)
                self._trace(key).set(*_arrays(frame, frame["date"]))
        for fold in result.folds:
            self._note(fold.ticker, fold.model, None)
        self._folds = list(result.folds)
        if self._target != "direction" and not result.predictions.empty:
            for ticker, frame in result.predictions.groupby("ticker", sort=False):
                if ticker in self._close:
                    self._store_predictions(self._with_reference_close(frame, str(ticker)))
        self._set_warnings(result.warnings)
        self._set_conventions(result.conventions)
        models = result.equity["model"].nunique() if not result.equity.empty else 0
        bars = result.equity.groupby(["ticker", "model", "horizon"]).size().max() if models else 0
        horizons = len(self._horizons)
        self.status.setText(f"{len(result.folds)} folds · {models} model{'s' * (models != 1)} · {horizons} "
                            f"horizon{'s' * (horizons != 1)} · {bars:,} traded bars")
        self._fill_boxes()
        if first_model and self._models:
            self._select(None, self._models[0], None)
        self._redraw_selection()

    def show_run(self, config: RunConfig, result: BacktestResult,
                 bars_by_ticker: Mapping[str, pd.DataFrame] | None = None) -> None:
        """A finished run on its own (e.g. one opened from the Compare tab): start_run, then show_result."""
        self.start_run(config, bars_by_ticker)
        self.show_result(result, target=config.windows.target)

    def select(self, ticker: str | None = None, model: str | None = None, horizon: int | None = None) -> None:
        """Show another series, model or horizon (None keeps the current one)."""
        self._follow = False
        self._select(ticker, model, horizon)

    def selection(self) -> Key:
        return self._selection()

    def equity_trace(self, ticker: str, model: str, horizon: int) -> _EquityTrace | None:
        """The curves of one key, or None before its first equity arrived."""
        return self._traces.get((ticker, model, int(horizon)))

    @property
    def folds(self) -> list[Fold]:
        return list(self._folds)

    def export_widget(self) -> QWidget:
        return self.chart_splitter

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.chart.setBackground(theme.plot_bg)
        for plot in (self.price_plot, self.equity_plot, self.drawdown_plot):
            style_plot(plot, theme)
        for legend in (self.price_legend, self.equity_legend):
            legend.setLabelTextColor(theme.plot_fg)
            legend.setBrush(pg.mkBrush(_alpha(theme.plot_bg, 0.8)))
            legend.setPen(pg.mkPen(None))
        self.price_curve.setPen(pg.mkPen(theme.text, width=1.6))
        self.long_markers.setSymbolBrush(pg.mkBrush(theme.up))
        self.long_markers.setSymbolPen(pg.mkPen(theme.plot_bg, width=0.8))
        self.short_markers.setSymbolBrush(pg.mkBrush(theme.down))
        self.short_markers.setSymbolPen(pg.mkPen(theme.plot_bg, width=0.8))
        self.exit_markers.setSymbolBrush(pg.mkBrush(None))
        self.exit_markers.setSymbolPen(pg.mkPen(theme.text, width=1.2))
        self.zero_line.setPen(pg.mkPen(theme.border, width=1))
        for line in self._crosshair:
            line.setPen(pg.mkPen(theme.crosshair, width=1, style=Qt.PenStyle.DashLine))
        self.timeline.apply_theme(theme)
        self.warning_banner.setStyleSheet(
            f"QFrame#backtestWarnings {{ background: {_mix(theme.warning, theme.window, 0.14)};"
            f" border: 1px solid {theme.warning}; border-left: 4px solid {theme.warning}; border-radius: 4px; }}"
            f" QFrame#backtestWarnings QLabel {{ color: {theme.text}; background: transparent; border: none; }}"
            f" QLabel#warningIcon {{ color: {theme.warning}; font-size: 16px; font-weight: 700; }}")
        self.metrics_table.setStyleSheet(f"QTableWidget {{ background: {theme.base}; border: 1px solid "
                                         f"{theme.border}; border-radius: 4px; }}")
        self._redraw_selection()

    # --- selection ------------------------------------------------------------------------------
    def _selection(self) -> Key:
        horizon = self.horizon_box.currentData()
        return (self.ticker_box.currentText(), self.model_box.currentText(),
                int(horizon) if horizon is not None else 0)

    @Slot()
    def _picked(self, *args) -> None:
        self._follow = False
        self._redraw_selection()

    def _select(self, ticker: str | None, model: str | None, horizon: int | None) -> None:
        for box, value in ((self.ticker_box, ticker), (self.model_box, model)):
            if value is not None and box.findText(value) >= 0:
                box.setCurrentIndex(box.findText(value))
        if horizon is not None and self.horizon_box.findData(int(horizon)) >= 0:
            self.horizon_box.setCurrentIndex(self.horizon_box.findData(int(horizon)))
        self._redraw_selection()

    def _note(self, ticker: str, model: str, horizon: int | None) -> None:
        """Remember a series, model or horizon the engine reported, in the order first seen."""
        added = False
        for values, value in ((self._tickers, ticker), (self._models, model), (self._horizons, horizon)):
            if value is not None and value not in values and value not in (_BUY_AND_HOLD, _NAIVE):
                values.append(value)
                added = True
        if added or self.model_box.findText(model) < 0:
            self._fill_boxes()

    def _fill_boxes(self) -> None:
        current = self._selection()
        for box, values in ((self.ticker_box, self._tickers), (self.model_box, self._models)):
            box.blockSignals(True)
            box.clear()
            box.addItems(values)
            box.blockSignals(False)
        self.horizon_box.blockSignals(True)
        self.horizon_box.clear()
        for horizon in sorted(self._horizons):
            self.horizon_box.addItem(f"{horizon} bar" + ("s" if horizon != 1 else ""), horizon)
        self.horizon_box.blockSignals(False)
        self._select(current[0] or None, current[1] or None, current[2] or None)

    # --- drawing --------------------------------------------------------------------------------
    def _trace(self, key: Key) -> _EquityTrace:
        trace = self._traces.get(key)
        if trace is None:
            trace = self._traces[key] = _EquityTrace(key, self.equity_plot, self.drawdown_plot)
            self._style_traces()
        return trace

    def _colour(self, model: str) -> str:
        i = self._models.index(model) if model in self._models else len(self._models)
        return self._theme.series[i % len(self._theme.series)]

    def _horizon_colour(self, horizon: int) -> str:
        # Purple, teal, yellow, ...: apart from the first models' colours and from the red of short entries.
        series = [self._theme.series[i % len(self._theme.series)] for i in (4, 6, 5, 7, 1)]
        i = sorted(self._horizons).index(horizon) if horizon in self._horizons else 0
        return series[i % len(series)]

    @Slot()
    def _redraw_selection(self, *args) -> None:
        ticker, model, horizon = self._selection()
        close = self._close.get(ticker)
        self.price_curve.setData(*(close if close is not None else (np.empty(0), np.empty(0))))
        self._fit_time_axis()
        self._style_traces()
        self._draw_predictions()
        self._draw_trades()
        self.timeline.set_folds([f for f in self._folds if (f.ticker, f.model) == (ticker, model)])
        self._draw_metrics()
        self._show_warnings()
        self._show_verdict()
        self._rebuild_legends()
        self._set_readout_hint()
        if ticker and model:
            self.sigSelectionChanged.emit(ticker, model, horizon)

    def _style_traces(self) -> None:
        ticker, model, horizon = self._selection()
        theme = self._theme
        for (t, m, h), trace in self._traces.items():
            shown = t == ticker and h == horizon
            selected = shown and m == model
            colour = pg.mkColor(self._colour(m))
            if not selected:
                colour.setAlphaF(0.45)
            trace.equity.setPen(pg.mkPen(colour, width=2.2 if selected else 1.1))
            trace.equity.setZValue(10 if selected else 1)
            trace.equity.setVisible(shown)
            trace.benchmark.setPen(pg.mkPen(theme.plot_fg, width=1.4, style=Qt.PenStyle.DashLine))
            trace.benchmark.setVisible(selected)
            trace.drawdown.setPen(pg.mkPen(theme.down, width=1.2))
            trace.drawdown.setFillBrush(pg.mkBrush(_alpha(theme.down, 0.22)))
            trace.drawdown.setVisible(selected)

    def _rebuild_legends(self) -> None:
        ticker, model, horizon = self._selection()
        self.price_legend.clear()
        if self.price_curve.xData is not None and len(self.price_curve.xData):
            self.price_legend.addItem(self.price_curve, "Close")
        for h, curve in sorted(self.prediction_curves.items()):
            if curve.isVisible() and curve.xData is not None and len(curve.xData):
                self.price_legend.addItem(curve, f"Predicted, {h}-bar")
        if self.trades_box.isChecked():
            for item, name in ((self.long_markers, "Long entry"), (self.short_markers, "Short entry"),
                               (self.exit_markers, "Exit")):
                if item.xData is not None and len(item.xData):
                    self.price_legend.addItem(item, name)
        self.equity_legend.clear()
        shown = [(k, t) for k, t in self._traces.items() if k[0] == ticker and k[2] == horizon]
        shown.sort(key=lambda kt: (kt[0][1] != model, self._models.index(kt[0][1]) if kt[0][1] in self._models
                                   else 99))
        for (_, m, _), trace in shown:
            self.equity_legend.addItem(trace.equity, _SHORT.get(m, m))
        selected = self._traces.get((ticker, model, horizon))
        if selected is not None:
            self.equity_legend.addItem(selected.benchmark, "Buy & Hold")
        self._fit_legends()

    @Slot()
    def _fit_legends(self, *args) -> None:
        """As many legend columns as fit in each plot: an entry is never cut off by the plot's edge."""
        for legend, plot, columns in ((self.price_legend, self.price_plot, 3),
                                      (self.equity_legend, self.equity_plot, 4)):
            room = plot.getViewBox().width() - 2 * legend.offset[0]
            for count in range(columns, 0, -1):
                legend.setColumnCount(count)
                if legend.width() <= room:
                    break

    def _store_predictions(self, frame: pd.DataFrame) -> None:
        """Turn predictions (with their reference close) into prices with the engine's helper."""
        from engine.features import predicted_price

        if frame.empty or frame["reference_close"].isna().all():
            return
        prices = predicted_price(frame, self._target).to_numpy()
        for (ticker, model, horizon), rows in frame.groupby(["ticker", "model", "horizon"], sort=False):
            positions = frame.index.get_indexer(rows.index)
            x = seconds(rows["target_date"])
            order = np.argsort(x, kind="stable")
            self._predicted[(str(ticker), str(model), int(horizon))] = (x[order], prices[positions][order])

    def _with_reference_close(self, frame: pd.DataFrame, ticker: str) -> pd.DataFrame:
        """Result predictions lack the close they were measured from: take it from the run's bars."""
        close = self._bars[ticker]["close"]
        return frame.assign(reference_close=close.reindex(pd.DatetimeIndex(frame["date"])).to_numpy())

    def _draw_predictions(self) -> None:
        ticker, model, _ = self._selection()
        for horizon in self._horizons:
            curve = self.prediction_curves.get(horizon)
            if curve is None:
                curve = self.prediction_curves[horizon] = pg.PlotDataItem(connect="finite")
                curve.setZValue(5)
                self.price_plot.addItem(curve)
            curve.setPen(pg.mkPen(_alpha(self._horizon_colour(horizon), 0.9), width=1.1))
            data = self._predicted.get((ticker, model, horizon))
            curve.setData(*(data if data is not None else (np.empty(0), np.empty(0))))
            curve.setVisible(data is not None)

    def _draw_trades(self) -> None:
        ticker, model, horizon = self._selection()
        trades = self._result.trades if self._result is not None else pd.DataFrame()
        if trades.empty or not self.trades_box.isChecked():
            rows = trades.iloc[0:0]
        else:
            rows = trades[(trades["ticker"] == ticker) & (trades["model"] == model) & (trades["horizon"] == horizon)]
        long = rows[rows["direction"] == "long"] if len(rows) else rows
        short = rows[rows["direction"] == "short"] if len(rows) else rows
        for item, part, time, price in ((self.long_markers, long, "entry_time", "entry_price"),
                                        (self.short_markers, short, "entry_time", "entry_price"),
                                        (self.exit_markers, rows, "exit_time", "exit_price")):
            if len(part):
                item.setData(seconds(part[time]), part[price].to_numpy(dtype=np.float64))
            else:
                item.setData(np.empty(0), np.empty(0))

    def _fit_time_axis(self) -> None:
        """Show the shown series from its first tested bar on (its training history stays a pan away).

        Fits again only when the series or its first test bar changes, so a zoom survives a new model or horizon.
        """
        ticker = self._selection()[0]
        xs = [trace.x for key, trace in self._traces.items() if key[0] == ticker and len(trace.x)]
        close = self._close.get(ticker)
        if close is not None and len(close[0]):
            xs.append(close[0])
        if not xs:
            return
        starts = seconds([f.test_start for f in self._folds if f.ticker == ticker])
        starts = starts[np.isfinite(starts)]
        first = float(starts.min()) if len(starts) else float(min(x[0] for x in xs))
        if (ticker, first) == self._fitted:
            return
        last = float(max(x[-1] for x in xs))
        pad = 0.02 * (last - first)
        self.price_plot.setXRange(first - pad, last + pad, padding=0)
        self._fitted = (ticker, first)

    @Slot()
    def _charts_moved(self, *args) -> None:
        self.timeline.set_window(*self.price_plot.getViewBox().viewRange()[0])

    # --- metrics and warnings -----------------------------------------------------------------------
    def _draw_metrics(self) -> None:
        ticker, model, horizon = self._selection()
        table = self.metrics_table
        table.clear()
        table.clearSpans()
        metrics = self._result.metrics if self._result is not None else pd.DataFrame()
        if metrics.empty or not model:
            table.setRowCount(0)
            table.hide()
            self.metrics_title.setText("Progress" if self._models else "Metrics")
            self.metrics_hint.setText(self._progress_text())
            return
        table.show()
        here = metrics[(metrics["ticker"] == ticker) & (metrics["horizon"] == horizon)]
        columns = [model] + [m for m in (_LINEAR, _BUY_AND_HOLD, _NAIVE) if m != model and m in set(here["model"])]
        rows = {m: here[here["model"] == m].iloc[0] for m in columns if (here["model"] == m).any()}
        columns = [m for m in columns if m in rows]
        present = metric_order(metrics.columns)
        sections = [(name, [m for m in names if m in present]) for name, names in TABLE_SECTIONS]
        rest = [m for m in present if not any(m in names for _, names in TABLE_SECTIONS)]
        sections.append(("More", rest))
        lines: list[tuple[str, str | None]] = []
        for name, names in sections:
            if names:
                lines.append((name, None))
                lines += [(m, m) for m in names]
        table.setColumnCount(1 + len(columns))
        table.setRowCount(len(lines))
        # Two-line "Buy & Hold": the metric names, which elide first, keep the width.
        headers = ["Metric"] + [_SHORT.get(m, m).replace("Buy & Hold", "Buy &\nHold") for m in columns]
        for c, text in enumerate(headers):
            item = QTableWidgetItem(text)
            item.setToolTip(columns[c - 1] if c else "")
            table.setHorizontalHeaderItem(c, item)
        theme = self._theme
        bold = QFont(table.font())
        bold.setBold(True)
        for r, (text, metric) in enumerate(lines):
            label = QTableWidgetItem(text)
            if metric is None:  # a section heading across the row
                label.setFont(bold)
                label.setForeground(QBrush(QColor(theme.muted)))
                table.setItem(r, 0, label)
                table.setSpan(r, 0, 1, table.columnCount())
                continue
            rule = better(metric)
            label.setToolTip(explain(metric))
            table.setItem(r, 0, label)
            values = np.array([_float(rows[m].get(metric)) for m in columns])
            trades = np.array([_float(rows[m].get("# Trades")) for m in columns]) if metric in PER_TRADE else None
            best = best_mask(values, rule, trades) if np.isfinite(values).sum() > 1 else np.zeros(len(values), bool)
            for c, m in enumerate(columns):
                item = QTableWidgetItem(format_metric(metric, rows[m].get(metric)))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if best[c]:
                    item.setFont(bold)
                    item.setForeground(QBrush(QColor(theme.success)))
                    item.setToolTip("Best of this row")
                elif m != model:
                    item.setForeground(QBrush(QColor(theme.muted)))
                table.setItem(r, c + 1, item)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # names elide first; tooltips hold them
        self.metrics_title.setText(f"{model} · {horizon}-bar horizon · {ticker}")
        self.metrics_hint.setText("Green: the best of each row (higher or lower, as the metric says). "
                                  "Naive predicts no change; Buy & Hold trades the same dates without costs.")

    def _progress_text(self) -> str:
        """What the side panel says before the metrics exist: the folds done per model."""
        if not self._models:
            return "Run a backtest to see its metrics beside Buy & Hold and the naive forecast."
        done: dict[tuple[str, str], int] = {}
        for fold in self._folds:
            done[(fold.ticker, fold.model)] = done.get((fold.ticker, fold.model), 0) + 1
        theme, rows = self._theme, []
        for ticker in self._tickers:
            for model in self._models:
                total = self._fold_totals.get((ticker, model))
                count = done.get((ticker, model), 0)
                state = ("done" if total and count >= total else "stopped" if self._stopped else
                         "waiting" if not count else "walking forward")
                colour = theme.text if count else theme.muted
                rows.append(f"<tr><td style='color:{self._colour(model)}'>■&nbsp;</td>"
                            f"<td style='color:{colour}'>{html.escape(model)}"
                            f"{' on ' + html.escape(ticker) if len(self._tickers) > 1 else ''}&nbsp;&nbsp;</td>"
                            f"<td style='color:{colour}' align='right'>{count}{f' / {total}' if total else ''}"
                            f" folds&nbsp;&nbsp;</td><td style='color:{theme.muted}'>{state}</td></tr>")
        note = (html.escape(self._stopped) if self._stopped else
                "The metrics appear when the backtest ends: they are scored on all folds together, beside "
                "Buy &amp; Hold and the naive forecast.")
        return f"<table cellspacing='0' cellpadding='2'>{''.join(rows)}</table><p style='color:{theme.muted}'>{note}</p>"

    def _set_warnings(self, warnings) -> None:
        self._warnings = tuple(warnings)
        self._show_warnings()

    def _show_warnings(self) -> None:
        warnings = self._warnings
        if not warnings:
            self.warning_banner.hide()
            return
        ticker, model, horizon = self._selection()
        mine = [w for w in warnings if w.is_for(ticker, model, horizon)]
        others = [w for w in warnings if w not in mine]
        shown = list(warnings) if self.warning_more.isChecked() else mine
        head = (f"<b>{len(warnings)} warning{'s' if len(warnings) > 1 else ''}</b> from the backtest"
                + (" — this selection:" if mine and not self.warning_more.isChecked() else
                   f" (none for {html.escape(model)}, {horizon}-bar)" if not self.warning_more.isChecked() else ":"))
        items = "".join(f"<li>{html.escape(w.text)}</li>" for w in shown)
        self.warning_label.setText(f"{head}<ul style='margin: 2px 0 0 -24px'>{items}</ul>" if items else head)
        self.warning_more.setVisible(bool(others))
        self.warning_more.setText("Show fewer" if self.warning_more.isChecked() else f"Show all {len(warnings)}")
        self.warning_banner.show()

    @Slot(bool)
    def _toggle_warnings(self, on: bool) -> None:
        self._show_warnings()

    def _show_verdict(self) -> None:
        """The engine's verdict line on the selected model and its run's figures at this horizon, word for word."""
        result = self._result
        if result is None or not tested(result.metrics):  # runs stored before the skill tests have neither
            self.verdict.hide()
            return
        ticker, model, horizon = self._selection()
        line = next((v for v in result.verdicts if (v["ticker"], v["model"], v["horizon"]) == (ticker, model, horizon)),
                    None)
        stats = result.run_stats
        row = stats[(stats["ticker"] == ticker) & (stats["horizon"] == horizon)]
        parts = []
        if line is not None:
            parts.append(f"<b>Skill or luck:</b> {html.escape(line['text'])}")
        if len(row):
            parts.append(f"<span style='color:{self._theme.muted}'><b>This run, {horizon}-bar:</b> "
                         f"{html.escape(run_stats_line(row.iloc[0]))}</span>")
        self.verdict.setText("<br>".join(parts))
        self.verdict.setVisible(bool(parts))
        theme = self._theme
        edge = theme.success if line is not None and line["significant"] else theme.border
        self.verdict.setStyleSheet(f"QLabel#backtestVerdict {{ color: {theme.text}; background: "
                                   f"{_mix(edge, theme.window, 0.10)}; border-left: 4px solid {edge}; "
                                   f"border-radius: 4px; padding: 4px 10px; }}")

    def _set_conventions(self, text: str) -> None:
        self.conventions.setText(text)
        self.conventions_button.setVisible(bool(text))
        self.conventions_button.setToolTip(f"<p>{html.escape(text)}</p>" if text else "")

    @Slot(bool)
    def _toggle_conventions(self, on: bool) -> None:
        self.conventions.setVisible(on)
        self.conventions_button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

    # --- readout --------------------------------------------------------------------------------------
    def _set_readout_hint(self) -> None:
        muted = self._theme.muted
        if not self._traces and not self._close:
            text = "Run a backtest: the walk-forward draws here fold by fold."
        else:
            text = "Hover the charts for values · drag to pan · wheel to zoom"
            if self._target == "direction":
                text += " · a direction target predicts up/down, so no predicted price is drawn"
            elif not self._close:
                text += " · prices not loaded: only the equity is drawn"
        self.readout.setText(f"<span style='color:{muted}'>{text}</span>")

    def _mouse_moved(self, args) -> None:
        position = args[0]
        plots = (self.price_plot, self.equity_plot, self.drawdown_plot)
        inside = [plot for plot in plots if plot.sceneBoundingRect().contains(position)]
        if not inside:
            for line in self._crosshair:
                line.hide()
            self._set_readout_hint()
            return
        x = inside[0].getViewBox().mapSceneToView(position).x()
        for line in self._crosshair:
            line.setPos(x)
            line.show()
        ticker, model, horizon = self._selection()
        theme = self._theme
        parts = []
        close = self._close.get(ticker)
        if close is not None and len(close[0]):
            i = _nearest(close[0], x)
            x = close[0][i]
            parts.append(f"Close {close[1][i]:,.2f}")
        for h in sorted(self._horizons):
            data = self._predicted.get((ticker, model, h))
            if data is not None and len(data[0]):
                j = _nearest(data[0], x)
                if abs(data[0][j] - x) < 43200:
                    parts.append(f"<span style='color:{self._horizon_colour(h)}'>predicted {h}-bar "
                                 f"{data[1][j]:,.2f}</span>")
        trace = self._traces.get((ticker, model, horizon))
        values = trace.value_at(x) if trace is not None else None
        if values is not None:
            parts.append(f"<span style='color:{self._colour(model)}'>{html.escape(model)} equity "
                         f"{values[0]:,.0f}</span>")
            parts.append(f"Buy &amp; Hold {values[1]:,.0f}")
            parts.append(f"<span style='color:{theme.down}'>drawdown {values[2]:.1f}%</span>")
        day = pd.Timestamp(x, unit="s").strftime("%Y-%m-%d")
        self.readout.setText(f"<b>{day}</b>&nbsp;&nbsp; " + " &nbsp;·&nbsp; ".join(parts))


_VERDICT_HELP = (
    "<p><b>Skill or luck</b>: the engine's verdict on the selected model. Its forecasts are tested against "
    "predicting no change (for a direction target, against predicting the base rate) with a one-sided "
    f"Diebold–Mariano test; a p-value below {SIGNIFICANCE_LEVEL:g} counts as evidence. The Sharpe CI is a 95 % "
    "stationary-bootstrap interval.</p><p><b>This run</b>: the best of the run's models at this horizon (each "
    "model a trial; the effective number allows for how alike their returns are). The Deflated Sharpe is the "
    "probability that its true Sharpe is above 0 once that choice is allowed for. SPA p: Hansen's test of whether "
    f"any of the models beats naive or buy &amp; hold; below {SIGNIFICANCE_LEVEL:g} says at least one does.</p>")


def _stem(path: str) -> str:
    from pathlib import Path

    return Path(path).stem.upper()


def _float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _alpha(colour: str, alpha: float) -> QColor:
    c = pg.mkColor(colour)
    c.setAlphaF(alpha)
    return c


def _mix(colour: str, background: str, amount: float) -> str:
    """`amount` of colour over background, as #rrggbb (style sheets take no alpha on every platform)."""
    a, b = QColor(colour), QColor(background)
    mixed = QColor(round(a.red() * amount + b.red() * (1 - amount)), round(a.green() * amount + b.green() * (1 - amount)),
                   round(a.blue() * amount + b.blue() * (1 - amount)))
    return mixed.name()

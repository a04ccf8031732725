"""The Backtest tab: prices with the walk-forward predictions and trades, equity against Buy & Hold,
drawdown, the folds, and the metrics beside the baselines, with the engine's warnings and its verdict on
the selected model's skill on top.

It grows live: show_fold(FoldDone) adds a fold and its predictions, show_progress(EquityProgress)
refills the equity curves of that model and horizon, show_result(BacktestResult) draws the end. What the
run reported lives in a Qt-free BacktestState; the widgets here subscribe to it and only draw.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui.backtest_state import BacktestState, Key
from gui.theme import DARK, Theme
from gui.views.backtest_charts import AXIS_WIDTH, BacktestCharts, EquityTrace
from gui.views.fold_timeline import FoldTimeline
from gui.views.forecast_panel import ForecastPanel
from gui.views.metrics_table import MetricsPanel
from gui.views.warning_banner import BacktestNotes

if TYPE_CHECKING:
    from engine.backtest import FoldDone
    from engine.folds import Fold
    from engine.forecast import Forecast
    from engine.pipeline import EquityProgress
    from engine.results import BacktestResult
    from engine.runs import RunConfig


class BacktestView(QWidget):
    """The Backtest tab. Feed it engine events in order; see the module docstring."""

    title = "Backtest"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = BacktestState()

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

        # --- the engine's words, the charts and the folds, the metrics ---------------------------------
        self.notes = BacktestNotes(self.state)
        self.warning_banner, self.verdict = self.notes.banner, self.notes.verdict
        self.charts = BacktestCharts(self.state)
        self.trades_box.toggled.connect(self.charts.set_trades_shown)
        self.timeline = FoldTimeline()
        self.timeline.plot.getAxis("left").setWidth(AXIS_WIDTH)
        self.charts.price_plot.sigXRangeChanged.connect(self._charts_moved)
        self.chart_splitter = QSplitter(Qt.Orientation.Vertical)
        self.chart_splitter.addWidget(self.charts)
        self.chart_splitter.addWidget(self.timeline)
        self.chart_splitter.setStretchFactor(0, 5)
        self.chart_splitter.setStretchFactor(1, 1)
        self.chart_splitter.setSizes([560, 200])
        self.metrics = MetricsPanel(self.state)
        self.forecast = ForecastPanel(self.state)
        self.forecast.sigZoomRequested.connect(self.charts.zoom_to_forecast)
        self.side = QTabWidget()  # the metrics, and the forecast after the last bar once there is one
        self.side.setDocumentMode(True)
        self.side.addTab(self.metrics, "Metrics")
        self.side.addTab(self.forecast, "Forecast")
        self.side.setTabToolTip(1, "What the selected model predicts after the last bar, with its intervals and "
                                   "track record")
        self.state.connect("forecast", self._forecast_arrived)
        self.state.connect("reset", self._forecast_arrived)
        self.side.setMinimumWidth(400)
        self.side.setMaximumWidth(450)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.chart_splitter)
        self.splitter.addWidget(self.side)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)  # both give in a small window; past 450 px only the charts widen
        self.splitter.setSizes([560, 450])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.notes)
        layout.addWidget(self.splitter, 1)

        for event in ("reset", "lists", "selection", "result"):
            self.state.connect(event, self._fill_boxes)
        for event in ("reset", "selection", "result"):
            self.state.connect(event, self._show_folds)
        for event in ("reset", "result", "status"):
            self.state.connect(event, self._show_status)
        self.state.connect("fold", self.timeline.add_fold)
        self.apply_theme(DARK)
        self.clear()

    # --- what the window calls -------------------------------------------------------------------------
    def clear(self) -> None:
        """Forget the shown run: a new one is about to start."""
        self.state.clear()

    def start_run(self, config: RunConfig, bars_by_ticker: Mapping[str, pd.DataFrame] | None = None) -> None:
        """A new backtest of `config` starts: clear, and list its series, models and horizons."""
        self.state.start(config, bars_by_ticker)

    def stop_run(self, message: str) -> None:
        """The walk stopped with an error: the folds it finished stay, the rest are marked as never run."""
        self.state.stop(message)

    def set_bars(self, bars_by_ticker: Mapping[str, pd.DataFrame]) -> None:
        """The bars the run used: the price line."""
        self.state.set_bars(bars_by_ticker)

    def show_fold(self, event: FoldDone) -> None:
        """A fold finished: add it to the timeline and its predictions to the price chart."""
        self.state.add_fold(event)

    def show_progress(self, event: EquityProgress) -> None:
        """The equity of one model and horizon over the folds so far: refill its curves."""
        self.state.add_equity(event)

    def show_result(self, result: BacktestResult, *, target: str | None = None,
                    bars_by_ticker: Mapping[str, pd.DataFrame] | None = None) -> None:
        """The finished backtest: every curve, the folds, the trades, the metrics and the warnings."""
        if bars_by_ticker is not None:
            self.state.set_bars(bars_by_ticker)
        self.state.set_result(result, target=target)

    def show_forecast(self, forecast: Forecast | None) -> None:
        """The forecast after the last bar (engine.forecast.Forecast): the fan on the price and the table beside."""
        self.state.set_forecast(forecast)

    def show_run(self, config: RunConfig, result: BacktestResult,
                 bars_by_ticker: Mapping[str, pd.DataFrame] | None = None) -> None:
        """A finished run on its own (e.g. one opened from the Compare tab): start_run, then show_result."""
        self.start_run(config, bars_by_ticker)
        self.show_result(result, target=config.windows.target)

    def select(self, ticker: str | None = None, model: str | None = None, horizon: int | None = None) -> None:
        """Show another series, model or horizon (None keeps the current one)."""
        self.state.select(ticker, model, horizon)

    def selection(self) -> Key:
        return self.state.selection

    def equity_trace(self, ticker: str, model: str, horizon: int) -> EquityTrace | None:
        """The curves of one key, or None before its first equity arrived."""
        return self.charts.equity_trace((ticker, model, int(horizon)))

    @property
    def folds(self) -> list[Fold]:
        return list(self.state.folds)

    @property
    def metrics_table(self) -> QTableWidget:
        return self.metrics.table

    @property
    def price_curve(self):
        """The close of the shown series (the Compare tests wait for it)."""
        return self.charts.price_curve

    def export_widget(self) -> QWidget:
        return self.chart_splitter

    def apply_theme(self, theme: Theme) -> None:
        for widget in (self.charts, self.timeline, self.notes, self.metrics, self.forecast):
            widget.apply_theme(theme)

    # --- wiring ---------------------------------------------------------------------------------------
    @Slot()
    def _picked(self, *args) -> None:
        horizon = self.horizon_box.currentData()
        self.state.select(self.ticker_box.currentText(), self.model_box.currentText(),
                          int(horizon) if horizon is not None else None)

    def _fill_boxes(self) -> None:
        state = self.state
        ticker, model, horizon = state.selection
        for box, values, current in ((self.ticker_box, state.tickers, ticker), (self.model_box, state.models, model)):
            box.blockSignals(True)
            box.clear()
            box.addItems(values)
            box.setCurrentIndex(box.findText(current))
            box.blockSignals(False)
        self.horizon_box.blockSignals(True)
        self.horizon_box.clear()
        for h in sorted(state.horizons):
            self.horizon_box.addItem(f"{h} bar" + ("s" if h != 1 else ""), h)
        self.horizon_box.setCurrentIndex(self.horizon_box.findData(horizon))
        self.horizon_box.blockSignals(False)

    def _forecast_arrived(self) -> None:
        """A forecast is what the user asks for first: its tab comes to the front; without one it is disabled."""
        has = self.state.forecast is not None
        self.side.setTabEnabled(1, has)
        self.side.setCurrentIndex(1 if has else 0)

    def _show_folds(self) -> None:
        self.timeline.set_folds(self.state.shown_folds())

    def _show_status(self, *args) -> None:
        self.status.setText(self.state.status)

    @Slot()
    def _charts_moved(self, *args) -> None:
        self.timeline.set_window(*self.charts.price_plot.getViewBox().viewRange()[0])

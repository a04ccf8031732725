"""The Backtest tab's charts, drawn from a BacktestState: the price with the predictions and trades, equity
against Buy & Hold, the drawdown, and a readout of the values under the pointer.

Every curve is created once per (ticker, model, horizon) and refilled with setData. The legends sit in rows
of their own above their plots, so they never hide a curve.
"""
from __future__ import annotations

import html

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from engine.baseline import BUY_AND_HOLD
from gui.backtest_state import BacktestState, Curve, Key
from gui.charts import DateAxis, StickyRange, fast_plot, settle
from gui.format import SHORT_NAMES
from gui.theme import buy_and_hold_pen, DARK, style_plot, Theme
from gui.timestamps import nearest, seconds
from gui.views.forecast_fan import ForecastFan

AXIS_WIDTH = 64
STREAM_MS = 100  # a walk's folds and equity are drawn at most this often: a burst of them is drawn once
_EMPTY = (np.empty(0), np.empty(0))


class EquityTrace:
    """The curves of one (ticker, model, horizon): equity, the benchmark column's buy-and-hold and drawdown."""

    def __init__(self, equity_plot: pg.PlotItem, drawdown_plot: pg.PlotItem):
        self.equity = pg.PlotDataItem(connect="finite")
        self.benchmark = pg.PlotDataItem(connect="finite")
        self.drawdown = pg.PlotDataItem(connect="finite", fillLevel=0.0)
        self.curve: Curve | None = None  # what the items hold
        self.look: tuple | None = None  # what _style_traces last styled it for
        self._plots = ((equity_plot, self.benchmark), (equity_plot, self.equity), (drawdown_plot, self.drawdown))
        for plot, item in self._plots:
            plot.addItem(item)

    @property
    def x(self) -> np.ndarray:
        return self.equity.xData if self.equity.xData is not None else np.empty(0)

    def set(self, curve: Curve) -> None:
        if curve is self.curve:
            return  # a redraw for another selection: the curve is on the plot already
        self.curve = curve
        self.equity.setData(curve.x, curve.equity)
        self.benchmark.setData(curve.x, curve.benchmark)
        self.drawdown.setData(curve.x, curve.drawdown)

    def remove(self) -> None:
        for plot, item in self._plots:
            plot.removeItem(item)


class BacktestCharts(QWidget):
    """The readout above three time-linked plots; subscribes to the state it is given."""

    def __init__(self, state: BacktestState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self._theme = DARK
        self._traces: dict[Key, EquityTrace] = {}
        self._trades_shown = False
        self._fitted: tuple[str, float, float] | None = None  # the (series, first, last) the time axis was fitted to
        self._ranges: list[StickyRange] = []  # each plot's values fitted to what is in view

        self.chart = pg.GraphicsLayoutWidget()
        self.chart.ci.setSpacing(0)
        self.price_legend, self.price_plot = self._add_plot(0, "Price")
        self.equity_legend, self.equity_plot = self._add_plot(2, "Equity [$]")
        self.drawdown_plot = self._add_plot(4, "Drawdown [%]")[1]
        for row, stretch in ((1, 3), (3, 3), (4, 2)):  # equity as tall as the price: it is what is judged
            self.chart.ci.layout.setRowStretchFactor(row, stretch)
        for plot in (self.equity_plot, self.drawdown_plot):
            plot.setXLink(self.price_plot)
        for plot in (self.price_plot, self.equity_plot):
            plot.getAxis("bottom").setStyle(showValues=False)
            plot.getViewBox().sigResized.connect(self._fit_legends)
        self.price_curve = pg.PlotDataItem(connect="finite")
        self.price_plot.addItem(self.price_curve)
        self.prediction_curves: dict[int, pg.PlotDataItem] = {}  # horizon → predicted price of the selected model
        self.exit_markers = pg.PlotDataItem(pen=None, symbol="o", symbolSize=6)
        self.long_markers = pg.PlotDataItem(pen=None, symbol="t1", symbolSize=9)
        self.short_markers = pg.PlotDataItem(pen=None, symbol="t", symbolSize=9)
        for item in (self.exit_markers, self.long_markers, self.short_markers):
            self.price_plot.addItem(item)
        self.forecast_fan = ForecastFan(self.price_plot)
        self.zero_line = pg.InfiniteLine(pos=0.0, angle=0, movable=False)
        self.drawdown_plot.addItem(self.zero_line, ignoreBounds=True)
        self._crosshair = [pg.InfiniteLine(angle=90, movable=False) for _ in range(3)]
        for line, plot in zip(self._crosshair, self.plots):
            plot.addItem(line, ignoreBounds=True)
            line.hide()
        self._mouse = pg.SignalProxy(self.chart.scene().sigMouseMoved, rateLimit=60, slot=self._mouse_moved)
        self.readout = QLabel()
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setWordWrap(True)  # two lines at most, and always room for two: the charts never jump
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.readout.setFixedHeight(2 * self.readout.fontMetrics().lineSpacing() + 4)
        self.readout.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.readout)
        layout.addWidget(self.chart, 1)

        for event in ("reset", "lists", "selection", "result"):
            state.connect(event, self.redraw)
        self._stream = QTimer(self)  # runs while a streamed draw is too recent for the next
        self._stream.setSingleShot(True)
        self._stream.setInterval(STREAM_MS)
        self._stream.timeout.connect(self._stream_due)
        self._stream_waiting = False
        state.connect("fold", self._streamed)
        state.connect("equity", self._streamed)
        state.connect("forecast", self._forecast_arrived)
        self.apply_theme(self._theme)

    def _add_plot(self, row: int, label: str) -> tuple[pg.LegendItem, pg.PlotItem]:
        """A legend row, then its plot: the legend sits above the curves, right-aligned over the plot area."""
        legend = pg.LegendItem(colCount=4, verSpacing=-6, frame=False)
        legend.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)  # its entries' size, no more
        # A row of entries tall even while empty: the first entries then lay out no plot anew (a second full paint).
        legend.addItem(pg.PlotDataItem(), "Close")
        legend.setMinimumHeight(legend.preferredHeight())
        legend.clear()
        self.chart.ci.addItem(legend, row=row, col=0)
        self.chart.ci.layout.setAlignment(legend, Qt.AlignmentFlag.AlignRight)
        plot = fast_plot(self.chart.addPlot(row=row + 1, col=0, axisItems={"bottom": DateAxis()}))
        plot.setLabel("left", label)
        plot.getAxis("left").setWidth(AXIS_WIDTH)
        plot.setMouseEnabled(x=True, y=False)  # zoom and pan in time; values refit to what is in view
        self._ranges.append(StickyRange(plot))
        plot.hideButtons()
        return legend, plot

    @property
    def plots(self) -> tuple[pg.PlotItem, pg.PlotItem, pg.PlotItem]:
        return self.price_plot, self.equity_plot, self.drawdown_plot

    @property
    def drawing_pending(self) -> bool:
        """Whether streamed folds or equity wait for their draw (due at most STREAM_MS after the last)."""
        return self._stream_waiting

    def equity_trace(self, key: Key) -> EquityTrace | None:
        return self._traces.get(key)

    def set_trades_shown(self, on: bool) -> None:
        self._trades_shown = on
        self._draw_trades()
        self._rebuild_legends()
        self._ranges[0].refit()

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.chart.setBackground(theme.plot_bg)
        for plot in self.plots:
            style_plot(plot, theme)
        for legend in (self.price_legend, self.equity_legend):
            legend.setLabelTextColor(theme.plot_fg)
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
        self.redraw()

    def model_colour(self, model: str) -> str:
        if model == BUY_AND_HOLD:
            return self._theme.buy_and_hold
        return self._theme.series_colour(self.state.model_index(model))

    # --- drawing --------------------------------------------------------------------------------------
    def redraw(self) -> None:
        """Everything, for the state's selection."""
        state = self.state
        self._stream_waiting = False
        for key in [k for k in self._traces if k not in state.curves]:
            self._traces.pop(key).remove()
        for key, curve in state.curves.items():
            self._trace(key).set(curve)
        if not state.curves and not state.closes:
            self._fitted = None
        close = state.closes.get(state.selection[0])
        self.price_curve.setData(*(close if close is not None else _EMPTY))
        self._fit_time_axis()
        self._style_traces()
        self._draw_predictions()
        self._draw_trades()
        self._draw_forecast()
        self._rebuild_legends()
        self._set_readout_hint()
        self._refit()

    def _streamed(self, *args) -> None:
        """A fold of the shown model or an equity update: drawn now, or with whatever else comes in the STREAM_MS
        after the last such draw. One draw per fold and per equity update stalled the window (two in a row)."""
        if self._stream.isActive():
            self._stream_waiting = True
        else:
            self._draw_streamed()

    @Slot()
    def _stream_due(self) -> None:
        if self._stream_waiting:
            self._draw_streamed()

    def _draw_streamed(self) -> None:
        """Only what the walk added: the shown model's predictions and the curves that changed."""
        self._stream_waiting = False
        self._stream.start()
        created = False
        for key, curve in self.state.curves.items():
            created |= key not in self._traces
            self._trace(key).set(curve)  # a curve drawn already is left alone
        if created:
            self._style_traces()
        self._draw_predictions()
        self._rebuild_legends()
        self._fit_time_axis()
        self._refit()

    def _forecast_arrived(self) -> None:
        self._draw_forecast()
        self._fit_time_axis()
        self._rebuild_legends()
        self._ranges[0].refit()

    def _refit(self) -> None:
        for fitted in self._ranges:
            fitted.refit()

    def _trace(self, key: Key) -> EquityTrace:
        trace = self._traces.get(key)
        if trace is None:
            trace = self._traces[key] = EquityTrace(self.equity_plot, self.drawdown_plot)
        return trace

    def _fit_time_axis(self) -> None:
        """Show the shown series from its first tested bar on (its training history stays a pan away).

        Fits again only when the series or its first test bar changes, so a zoom survives a new model or horizon.
        """
        ticker = self.state.selection[0]
        span = self.state.time_span(ticker)
        if span is None or (ticker, *span) == self._fitted:
            return
        first, last = span
        pad = 0.02 * (last - first)
        self.price_plot.setXRange(first - pad, last + pad, padding=0)
        for plot in self.plots:
            settle(plot.getViewBox())
        self._fitted = (ticker, first, last)

    def _style_traces(self) -> None:
        """The shown series and horizon: every model's equity, the selected one's strong, with its drawdown;
        Buy & Hold from its own rows, or from the selected model's benchmark column in runs without them."""
        ticker, model, horizon = self.state.selection
        theme = self._theme
        own_buy_and_hold = self.state.has_buy_and_hold(ticker, horizon)
        hold_pen = buy_and_hold_pen(theme, 1.5)
        for (t, m, h), trace in self._traces.items():
            shown = t == ticker and h == horizon
            selected = shown and m == model
            look = (theme, shown, selected, own_buy_and_hold, self.model_colour(m))
            if look == trace.look:
                continue  # each setPen redoes the item's drawing: only what changed
            trace.look = look
            if m == BUY_AND_HOLD:
                trace.equity.setPen(hold_pen)
                trace.equity.setZValue(5)
                trace.equity.setVisible(shown)
                trace.benchmark.setVisible(False)
                trace.drawdown.setVisible(False)
                continue
            colour = pg.mkColor(self.model_colour(m))
            if not selected:
                colour.setAlphaF(0.45)
            trace.equity.setPen(pg.mkPen(colour, width=2.2 if selected else 1.1))
            trace.equity.setZValue(10 if selected else 1)
            trace.equity.setVisible(shown)
            trace.benchmark.setPen(hold_pen)
            trace.benchmark.setVisible(selected and not own_buy_and_hold)
            trace.drawdown.setPen(pg.mkPen(theme.down, width=1.2))
            trace.drawdown.setFillBrush(pg.mkBrush(_alpha(theme.down, 0.22)))
            trace.drawdown.setVisible(selected)

    def _horizon_colour(self, horizon: int) -> str:
        # Purple, teal, yellow, ...: apart from the first models' colours and from the red of short entries.
        series = [self._theme.series_colour(i) for i in (4, 6, 5, 7, 1)]
        horizons = sorted(self.state.horizons)
        return series[(horizons.index(horizon) if horizon in horizons else 0) % len(series)]

    def _draw_predictions(self) -> None:
        ticker, model, _ = self.state.selection
        for horizon in [h for h in self.prediction_curves if h not in self.state.horizons]:
            self.price_plot.removeItem(self.prediction_curves.pop(horizon))
        for horizon in self.state.horizons:
            curve = self.prediction_curves.get(horizon)
            if curve is None:
                curve = self.prediction_curves[horizon] = pg.PlotDataItem(connect="finite")
                curve.setZValue(5)
                self.price_plot.addItem(curve)
            colour = _alpha(self._horizon_colour(horizon), 0.9)
            if pg.mkPen(curve.opts["pen"]).color() != colour:  # a new pen redoes the curve's drawing
                curve.setPen(pg.mkPen(colour, width=1.1))
            data = self.state.predicted.get((ticker, model, horizon))
            if data is None or curve.xData is not data[0]:  # a redraw of what it holds would redo its path
                curve.setData(*(data if data is not None else _EMPTY))
            curve.setVisible(data is not None)

    def zoom_to_forecast(self, bars: int = 120) -> None:
        """Show the last `bars` closes and the forecast after them (a pan or zoom away from the rest)."""
        rows, close = self.state.shown_forecast(), self.state.closes.get(self.state.selection[0])
        if rows.empty or close is None or not len(close[0]):
            return
        first, last = float(close[0][max(0, len(close[0]) - bars)]), float(seconds(rows["target_date"]).max())
        self.price_plot.setXRange(first, last + 0.04 * (last - first), padding=0)

    def _draw_forecast(self) -> None:
        """The selected model's forecast after the last bar, fanning out from the last close; none for a direction
        target (a probability is no price)."""
        rows = self.state.shown_forecast()
        if rows.empty or self.state.target == "direction" or not np.isfinite(rows["predicted_price"]).all():
            self.forecast_fan.clear()
            return
        close, last_bar = self.state.closes.get(self.state.selection[0]), seconds(rows["last_bar"].iloc[:1])[0]
        at = nearest(close[0], last_bar) if close is not None and len(close[0]) else None
        start = (float(close[0][at]), float(close[1][at])) if at is not None else None
        self.forecast_fan.apply_theme(self._theme, self.model_colour(self.state.selection[1]))
        self.forecast_fan.show(rows, start)

    def _draw_trades(self) -> None:
        rows = self.state.shown_trades() if self._trades_shown else pd.DataFrame()
        long = rows[rows["direction"] == "long"] if len(rows) else rows
        short = rows[rows["direction"] == "short"] if len(rows) else rows
        for item, part, time, price in ((self.long_markers, long, "entry_time", "entry_price"),
                                        (self.short_markers, short, "entry_time", "entry_price"),
                                        (self.exit_markers, rows, "exit_time", "exit_price")):
            if len(part):
                item.setData(seconds(part[time]), part[price].to_numpy(dtype=np.float64))
            else:
                item.setData(*_EMPTY)

    def _rebuild_legends(self) -> None:
        """Both legends' entries; a legend is rebuilt only when they changed (each rebuild lays the chart out anew)."""
        ticker, model, horizon = self.state.selection
        price = [(self.price_curve, "Close")] if self.price_curve.xData is not None and len(self.price_curve.xData) \
            else []
        price += [(curve, f"Predicted, {h}-bar") for h, curve in sorted(self.prediction_curves.items())
                  if curve.isVisible() and curve.xData is not None and len(curve.xData)]
        price += self.forecast_fan.legend_items()
        if self._trades_shown:
            price += [(item, name) for item, name in ((self.long_markers, "Long entry"),
                                                      (self.short_markers, "Short entry"), (self.exit_markers, "Exit"))
                      if item.xData is not None and len(item.xData)]
        shown = sorted((key for key in self._traces if key[0] == ticker and key[2] == horizon
                        and key[1] != BUY_AND_HOLD),
                       key=lambda k: (k[1] != model, self.state.model_index(k[1])))
        equity = [(self._traces[key].equity, SHORT_NAMES.get(key[1], key[1])) for key in shown]
        hold = self._traces.get((ticker, BUY_AND_HOLD, horizon))
        selected = self._traces.get((ticker, model, horizon))
        if hold is not None:
            equity.append((hold.equity, "Buy & Hold"))
        elif selected is not None:
            equity.append((selected.benchmark, "Buy & Hold"))
        changed = False
        for legend, entries in ((self.price_legend, price), (self.equity_legend, equity)):
            if [(sample.item, label.text) for sample, label in legend.items] != entries:
                legend.clear()
                for item, name in entries:
                    legend.addItem(item, name)
                changed = True
        if changed:
            self._fit_legends()

    @Slot()
    def _fit_legends(self, *args) -> None:
        """As many legend columns as fit over each plot: an entry is never cut off by the plot's edge."""
        for legend, plot, columns in ((self.price_legend, self.price_plot, 3),
                                      (self.equity_legend, self.equity_plot, 4)):
            room = plot.getViewBox().width()
            for count in range(columns, 0, -1):
                legend.setColumnCount(count)
                if legend.width() <= room:
                    break

    # --- readout --------------------------------------------------------------------------------------
    def _set_readout_hint(self) -> None:
        state = self.state
        if not state.curves and not state.closes:
            text = "Run a backtest: the walk-forward draws here fold by fold."
        else:
            text = "Hover the charts for values · drag to pan · wheel to zoom"
            if state.target == "direction":
                text += " · a direction target predicts up/down, so no predicted price is drawn"
            elif not state.closes:
                text += " · prices not loaded: only the equity is drawn"
        self.readout.setText(f"<span style='color:{self._theme.muted}'>{text}</span>")

    def _mouse_moved(self, args) -> None:
        position = args[0]
        inside = [plot for plot in self.plots if plot.sceneBoundingRect().contains(position)]
        if not inside:
            for line in self._crosshair:
                line.hide()
            self._set_readout_hint()
            return
        x = inside[0].getViewBox().mapSceneToView(position).x()
        for line in self._crosshair:
            line.setPos(x)
            line.show()
        self.readout.setText(self.readout_at(x))

    def readout_at(self, x: float) -> str:
        """The values of the selection at time x (seconds), snapped to the nearest bar."""
        state, theme = self.state, self._theme
        ticker, model, horizon = state.selection
        parts = []
        close = state.closes.get(ticker)
        if close is not None and len(close[0]):
            i = nearest(close[0], x)
            x = close[0][i]
            parts.append(f"Close {close[1][i]:,.2f}")
        for h in sorted(state.horizons):
            data = state.predicted.get((ticker, model, h))
            if data is not None and len(data[0]):
                j = nearest(data[0], x)
                if abs(data[0][j] - x) < 43200:
                    parts.append(f"<span style='color:{self._horizon_colour(h)}'>predicted {h}-bar "
                                 f"{data[1][j]:,.2f}</span>")
        curve = state.curves.get((ticker, model, horizon))
        values = curve.at(x) if curve is not None else None
        if values is not None:
            hold = state.curves.get((ticker, BUY_AND_HOLD, horizon))
            held = hold.at(x) if hold is not None else values[1:2]
            parts.append(f"<span style='color:{self.model_colour(model)}'>{html.escape(model)} equity "
                         f"{values[0]:,.0f}</span>")
            if held is not None:
                parts.append(f"<span style='color:{theme.buy_and_hold}'>Buy &amp; Hold {held[0]:,.0f}</span>")
            parts.append(f"<span style='color:{theme.down}'>drawdown {values[2]:.1f}%</span>")
        day = pd.Timestamp(x, unit="s").strftime("%Y-%m-%d")
        return f"<b>{day}</b>&nbsp;&nbsp; " + " &nbsp;·&nbsp; ".join(parts)


def _alpha(colour: str, alpha: float) -> QColor:
    c = pg.mkColor(colour)
    c.setAlphaF(alpha)
    return c

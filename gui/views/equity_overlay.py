"""Equity and drawdown of several runs' models overlaid, on one date axis; Buy & Hold in its own colour."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg

from engine.baseline import BUY_AND_HOLD, NAIVE
from gui.charts import time_plot
from gui.theme import DARK, Theme, buy_and_hold_pen, style_plot, tint
from gui.views.fold_timeline import seconds

MAX_OVERLAID = 12  # curves drawn at once; more selected rows are listed but not drawn


@dataclass(frozen=True)
class Overlaid:
    """One curve pair to draw: a run's (ticker, model, horizon), its legend name and its colour's place in line."""

    run_key: str
    result: object  # the run's BacktestResult
    ticker: str
    model: str
    horizon: int
    name: str
    colour: int

    @property
    def key(self) -> tuple:
        return self.run_key, self.ticker, self.model, self.horizon


class EquityOverlay(pg.GraphicsLayoutWidget):
    """Each curve is created the first time it is shown, then hidden and shown again as the selection changes."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.theme = DARK
        self.ci.setSpacing(0)
        self.equity_plot = self._add_plot(0, "Equity [$]")
        self.drawdown_plot = self._add_plot(1, "Drawdown [%]")
        self.drawdown_plot.setXLink(self.equity_plot)
        self.equity_plot.getAxis("bottom").setStyle(showValues=False)
        self.ci.layout.setRowStretchFactor(0, 3)
        self.ci.layout.setRowStretchFactor(1, 2)
        self.legend = self.equity_plot.addLegend(offset=(8, 6), verSpacing=-6)
        self._curves: dict[tuple, tuple[pg.PlotDataItem, pg.PlotDataItem | None]] = {}
        self._overlaid: list[tuple[str, pg.PlotDataItem]] = []
        self._shown: list[Overlaid] = []

    def _add_plot(self, row: int, label: str) -> pg.PlotItem:
        return time_plot(self.ci, row, label)

    def overlaid(self) -> list[tuple[str, pg.PlotDataItem]]:
        """(legend name, equity curve) of every drawn selection."""
        return list(self._overlaid)

    def show_curves(self, wanted: list[Overlaid]) -> None:
        """Draw these (the first MAX_OVERLAID that trade) and hide every other curve."""
        wanted = wanted[:MAX_OVERLAID]
        self._shown = wanted
        keys = {w.key for w in wanted}
        for key, (equity, drawdown) in self._curves.items():
            if key not in keys:
                equity.hide()
                if drawdown is not None:
                    drawdown.hide()
        self._overlaid = []
        self.legend.clear()
        for want in wanted:
            curves = self._curve(want)
            if curves is None:
                continue
            equity, drawdown = curves
            colour = self.theme.series[want.colour % len(self.theme.series)]
            held = want.model == BUY_AND_HOLD
            equity.setPen(buy_and_hold_pen(self.theme, 1.8) if held else pg.mkPen(colour, width=1.8))
            equity.show()
            if drawdown is not None:
                drawdown.setPen(buy_and_hold_pen(self.theme, 1.2) if held else pg.mkPen(colour, width=1.2))
                drawdown.show()
            if want.name not in {n for n, _ in self._overlaid}:
                self.legend.addItem(equity, want.name)
            self._overlaid.append((want.name, equity))
        if self._overlaid:
            for plot in (self.equity_plot, self.drawdown_plot):
                plot.enableAutoRange(x=True, y=True)

    def drop(self, run_key: str) -> None:
        """Forget a run's curves (it was replaced or deleted)."""
        for key in [k for k in self._curves if k[0] == run_key]:
            equity, drawdown = self._curves.pop(key)
            self.equity_plot.removeItem(equity)
            if drawdown is not None:
                self.drawdown_plot.removeItem(drawdown)

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.setBackground(theme.plot_bg)
        for plot in (self.equity_plot, self.drawdown_plot):
            style_plot(plot, theme)
        self.legend.setLabelTextColor(theme.plot_fg)
        self.legend.setBrush(pg.mkBrush(tint(theme.plot_bg, 0.8)))
        self.legend.setPen(pg.mkPen(None))
        self.show_curves(self._shown)

    def _curve(self, want: Overlaid) -> tuple[pg.PlotDataItem, pg.PlotDataItem | None] | None:
        """The equity and drawdown curves of one selection, created on first use; None where nothing traded."""
        if want.key not in self._curves:
            data = _curve_data(want.result.equity, want.ticker, want.model, want.horizon)
            if data is None:
                return None
            x, equity, drawdown = data
            equity_curve = pg.PlotDataItem(x, equity, connect="finite")
            self.equity_plot.addItem(equity_curve)
            drawdown_curve = None
            if drawdown is not None:
                drawdown_curve = pg.PlotDataItem(x, drawdown, connect="finite")
                self.drawdown_plot.addItem(drawdown_curve)
            self._curves[want.key] = (equity_curve, drawdown_curve)
        return self._curves[want.key]


def _curve_data(equity, ticker: str, model: str, horizon: int):
    """x (seconds), equity and drawdown [%] of one model from a result's equity rows, or None if it did not trade.

    Runs stored before Buy & Hold had rows of its own have its equity only as a model's benchmark column, and
    no drawdown of it.
    """
    if equity.empty or model == NAIVE:
        return None  # the naive forecast does not trade
    here = equity[(equity["ticker"] == ticker) & (equity["horizon"] == horizon)]
    own = here[here["model"] == model]
    if own.empty and model == BUY_AND_HOLD and len(here) and "benchmark_equity" in here:
        traded = here[here["model"] == here["model"].iloc[0]]
        return seconds(traded["date"]), traded["benchmark_equity"].to_numpy(dtype=np.float64), None
    if own.empty:
        return None
    return (seconds(own["date"]), own["equity"].to_numpy(dtype=np.float64),
            own["drawdown"].to_numpy(dtype=np.float64) * 100.0)

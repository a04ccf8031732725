"""The Anomalies tab's charts, drawn from an engine AnomalyResult: candles with the flagged (and injected) bars
marked, the reconstruction error over time with its threshold, the errors' histogram, and the autoencoder's
training loss as it trains. Every item is created once and refilled with setData.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSizePolicy

from gui.charts import CandlestickItem, time_plot
from gui.theme import DARK, Theme, style_plot, tint
from gui.timestamps import seconds

_EMPTY = (np.empty(0), np.empty(0))


class AnomalyCharts(pg.GraphicsLayoutWidget):
    """Price and error over time (x-linked) above the histogram and the training loss."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._theme = DARK
        self.ci.setSpacing(4)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.price_legend, self.price_plot = self._time_plot(0, "Price")
        self.error_legend, self.error_plot = self._time_plot(2, "Error")
        self.error_plot.setXLink(self.price_plot)
        self.price_plot.getAxis("bottom").setStyle(showValues=False)
        lower = self.ci.addLayout(row=4, col=0)
        self.histogram_plot = lower.addPlot(row=0, col=0, title="Errors: training bars and later bars")
        self.loss_plot = lower.addPlot(row=0, col=1, title="Autoencoder training loss")
        self.loss_plot.setLabel("bottom", "epoch")
        for plot in (self.histogram_plot, self.loss_plot):
            plot.hideButtons()
        for row, stretch in ((1, 5), (3, 3), (4, 3)):
            self.ci.layout.setRowStretchFactor(row, stretch)

        self.candles = CandlestickItem()
        self.price_plot.addItem(self.candles)
        self.flag_markers = pg.ScatterPlotItem(symbol="t", size=10, name="Autoencoder flag")
        self.zscore_markers = pg.ScatterPlotItem(symbol="o", size=6, name="z-score flag")
        self.forest_markers = pg.ScatterPlotItem(symbol="s", size=6, name="IsolationForest flag")
        self.injected_markers = pg.ScatterPlotItem(symbol="d", size=9, name="Injected")
        for item in (self.flag_markers, self.zscore_markers, self.forest_markers, self.injected_markers):
            self.price_plot.addItem(item)
            self.price_legend.addItem(item, item.name())

        self.window_curve = pg.PlotDataItem(connect="finite", name="error of the whole window")
        self.score_curve = pg.PlotDataItem(connect="finite", name="error of its last bar (the score)")
        self.error_flags = pg.ScatterPlotItem(symbol="o", size=6)
        self.threshold_line = pg.InfiniteLine(angle=0, movable=False, label="threshold",
                                              labelOpts={"position": 0.02, "anchors": [(0, 1), (0, 1)]})
        self.train_end_line = pg.InfiniteLine(angle=90, movable=False, label="training ends",
                                              labelOpts={"position": 0.9, "anchors": [(1, 0), (1, 0)]})
        for item in (self.window_curve, self.score_curve, self.error_flags):
            self.error_plot.addItem(item)
        for item in (self.score_curve, self.window_curve):
            self.error_legend.addItem(item, item.name())
        for line in (self.threshold_line, self.train_end_line):
            self.error_plot.addItem(line, ignoreBounds=True)
            line.hide()
        self.error_injected = pg.ScatterPlotItem(symbol="d", size=8)
        self.error_plot.addItem(self.error_injected)

        self.histogram_legend = self.histogram_plot.addLegend(offset=(-4, 4))
        self.train_bars = pg.BarGraphItem(x0=[], x1=[], height=[], name="training bars")
        self.later_bars = pg.BarGraphItem(x0=[], x1=[], height=[], name="later bars")
        self.histogram_plot.addItem(self.train_bars)
        self.histogram_plot.addItem(self.later_bars)
        self.histogram_threshold = pg.InfiniteLine(angle=90, movable=False)
        self.histogram_plot.addItem(self.histogram_threshold, ignoreBounds=True)
        self.histogram_threshold.hide()

        self.loss_legend = self.loss_plot.addLegend(offset=(-4, 4))
        self.train_loss = pg.PlotDataItem(symbol="o", symbolSize=4, name="train")
        self.val_loss = pg.PlotDataItem(symbol="o", symbolSize=4, name="validation")
        self.loss_plot.addItem(self.train_loss)
        self.loss_plot.addItem(self.val_loss)
        self._epochs: list[tuple[int, float, float]] = []
        self.apply_theme(self._theme)

    def _time_plot(self, row: int, label: str) -> tuple[pg.LegendItem, pg.PlotItem]:
        """A legend row, then its plot over time: the legend never hides a candle or a curve."""
        legend = pg.LegendItem(colCount=4, verSpacing=-6, frame=False)
        legend.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.ci.addItem(legend, row=row, col=0)
        self.ci.layout.setAlignment(legend, Qt.AlignmentFlag.AlignRight)
        return legend, time_plot(self.ci, row + 1, label)

    # --- drawing ------------------------------------------------------------------------------------
    def clear_result(self) -> None:
        self.candles.setData(np.empty(0), *[np.empty(0)] * 4)
        for item in (self.flag_markers, self.zscore_markers, self.forest_markers, self.injected_markers,
                     self.error_flags, self.error_injected):
            item.setData(*_EMPTY)
        for curve in (self.window_curve, self.score_curve):
            curve.setData(*_EMPTY)
        for line in (self.threshold_line, self.train_end_line, self.histogram_threshold):
            line.hide()
        for bars in (self.train_bars, self.later_bars):
            bars.setOpts(x0=[], x1=[], height=[])
        self.clear_loss()

    def show_result(self, result) -> None:
        """Draw an engine.anomaly_result.AnomalyResult as it is."""
        bars = result.bars
        x = seconds(bars["date"])
        self.candles.setData(x, *(bars[c].to_numpy() for c in ("open", "high", "low", "close")))
        span = float(np.nanmax(bars["high"]) - np.nanmin(bars["low"])) or 1.0
        above, below = bars["high"].to_numpy() + 0.02 * span, bars["low"].to_numpy() - 0.02 * span
        for item, column, y in ((self.flag_markers, "flagged", above), (self.zscore_markers, "zscore_flagged", below),
                                (self.forest_markers, "iforest_flagged", below - 0.03 * span)):
            rows = bars[column].to_numpy() == 1
            item.setData(x[rows], y[rows])
        injected = bars["injected"].to_numpy() == 1
        self.injected_markers.setData(x[injected], below[injected] - 0.06 * span)
        self.window_curve.setData(x, bars["window_score"].to_numpy())
        self.score_curve.setData(x, bars["score"].to_numpy())
        flagged = bars["flagged"].to_numpy() == 1
        self.error_flags.setData(x[flagged], bars["score"].to_numpy()[flagged])
        self.error_injected.setData(x[injected], np.zeros(int(injected.sum())))
        self.threshold_line.setValue(result.threshold)
        self.threshold_line.show()
        train = bars["train"].to_numpy() == 1
        if train.any() and (~train).any():
            self.train_end_line.setValue(float(x[~train][0]))
            self.train_end_line.show()
        histogram = result.histogram()
        width = (histogram["right"] - histogram["left"]).to_numpy()
        self.train_bars.setOpts(x0=histogram["left"].to_numpy(), x1=(histogram["left"] + width / 2).to_numpy(),
                                height=histogram["train"].to_numpy())
        self.later_bars.setOpts(x0=(histogram["left"] + width / 2).to_numpy(), x1=histogram["right"].to_numpy(),
                                height=histogram["later"].to_numpy())
        self.histogram_threshold.setValue(result.threshold)
        self.histogram_threshold.show()
        self.histogram_plot.autoRange()
        self.price_plot.setXRange(float(x[0]), float(x[-1]), padding=0.01)
        self.set_loss(list(result.history.itertuples(index=False)))

    def clear_loss(self) -> None:
        self._epochs = []
        self._draw_loss()

    def add_epoch(self, report) -> None:
        """One engine.train EpochReport, as the autoencoder trains."""
        val = math.nan if report.val_loss is None else report.val_loss
        self._epochs.append((report.epoch, report.train_loss, val))
        self._draw_loss()

    def set_loss(self, rows) -> None:
        """Rows of (epoch, train_loss, val_loss), e.g. a stored run's history."""
        self._epochs = [(int(e), float(t), float(v)) for e, t, v in rows]
        self._draw_loss()

    def _draw_loss(self) -> None:
        epochs = np.array([row[0] for row in self._epochs], dtype=float)
        losses = np.array([row[1:] for row in self._epochs], dtype=float).reshape(-1, 2)
        self.train_loss.setData(epochs, losses[:, 0])
        self.val_loss.setData(epochs, losses[:, 1], connect="finite")

    # --- theme --------------------------------------------------------------------------------------
    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.setBackground(theme.plot_bg)
        for plot in (self.price_plot, self.error_plot, self.histogram_plot, self.loss_plot):
            style_plot(plot, theme)
            plot.setTitle(plot.titleLabel.text, color=theme.plot_fg, size="9pt")
        for legend in (self.price_legend, self.error_legend, self.histogram_legend, self.loss_legend):
            legend.setLabelTextColor(theme.plot_fg)
        self.candles.set_colours(theme.up, theme.down)
        flag, injected = theme.error, theme.success
        self.flag_markers.setBrush(pg.mkBrush(flag))
        self.flag_markers.setPen(pg.mkPen(theme.plot_bg, width=0.8))
        self.zscore_markers.setBrush(pg.mkBrush(theme.warning))
        self.zscore_markers.setPen(pg.mkPen(None))
        self.forest_markers.setBrush(pg.mkBrush(theme.series_colour(4)))
        self.forest_markers.setPen(pg.mkPen(None))
        for item in (self.injected_markers, self.error_injected):
            item.setBrush(pg.mkBrush(None))
            item.setPen(pg.mkPen(injected, width=1.6))
        self.score_curve.setPen(pg.mkPen(theme.accent, width=1.3))
        self.window_curve.setPen(pg.mkPen(tint(theme.muted, 0.7), width=1))
        self.error_flags.setBrush(pg.mkBrush(flag))
        self.error_flags.setPen(pg.mkPen(None))
        for line in (self.threshold_line, self.histogram_threshold):
            line.setPen(pg.mkPen(flag, width=1.2, style=Qt.PenStyle.DashLine))
        self.threshold_line.label.setColor(flag)
        self.train_end_line.setPen(pg.mkPen(theme.muted, width=1, style=Qt.PenStyle.DotLine))
        self.train_end_line.label.setColor(theme.muted)
        self.train_bars.setOpts(brush=pg.mkBrush(tint(theme.series_colour(0), 0.8)), pen=pg.mkPen(None))
        self.later_bars.setOpts(brush=pg.mkBrush(tint(theme.series_colour(1), 0.8)), pen=pg.mkPen(None))
        self.train_loss.setPen(pg.mkPen(theme.series_colour(0), width=1.5))
        self.train_loss.setSymbolBrush(pg.mkBrush(theme.series_colour(0)))
        self.val_loss.setPen(pg.mkPen(theme.series_colour(1), width=1.5, style=Qt.PenStyle.DashLine))
        self.val_loss.setSymbolBrush(pg.mkBrush(theme.series_colour(1)))

"""The Data tab: candlesticks over volume with a crosshair readout, beside the series' quality report."""
from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from engine.data.frame import format_ts
from gui.charts import CandlestickItem, CompactAxis, DateAxis, compact, fast_plot
from gui.events import SeriesPreview
from gui.theme import DARK, Theme, style_plot


class DataView(QWidget):
    title = "Data"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._theme = DARK
        self._series: dict[str, SeriesPreview] = {}
        self._shown: str | None = None
        self._x = np.empty(0)
        self._values = np.empty((0, 5))
        self._index = None  # the shown frame's DatetimeIndex

        self.series_box = QComboBox()
        self.series_box.setMinimumWidth(140)
        self.series_box.setToolTip("Which loaded series the chart shows")
        self.series_box.currentTextChanged.connect(self._show)
        self.readout = QLabel()
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setMinimumWidth(200)
        top = QHBoxLayout()
        top.addWidget(QLabel("Series"))
        top.addWidget(self.series_box)
        top.addSpacing(12)
        top.addWidget(self.readout, 1)

        self.chart = pg.GraphicsLayoutWidget()
        self.chart.ci.setSpacing(0)
        self.price_plot = fast_plot(self.chart.addPlot(row=0, col=0, axisItems={"bottom": DateAxis()}))
        self.volume_plot = fast_plot(self.chart.addPlot(row=1, col=0, axisItems={
            "bottom": DateAxis(), "left": CompactAxis("left")}))
        self.chart.ci.layout.setRowStretchFactor(0, 4)
        self.chart.ci.layout.setRowStretchFactor(1, 1)
        self.volume_plot.setXLink(self.price_plot)
        self.price_plot.getAxis("bottom").setStyle(showValues=False)
        self.price_plot.getAxis("left").setWidth(64)
        self.volume_plot.getAxis("left").setWidth(64)
        self.price_plot.setLabel("left", "Price")
        self.volume_plot.setLabel("left", "Volume")
        for plot in (self.price_plot, self.volume_plot):
            plot.setMouseEnabled(x=True, y=False)  # zoom and pan in time; prices refit to what is in view
            plot.enableAutoRange(y=True)
            plot.setAutoVisible(y=True)
            plot.hideButtons()
        self.candles = CandlestickItem()
        self.price_plot.addItem(self.candles)
        self.volume = pg.PlotDataItem(fillLevel=0)
        self.volume_plot.addItem(self.volume)
        self._vline = pg.InfiniteLine(angle=90, movable=False)
        self._hline = pg.InfiniteLine(angle=0, movable=False)
        self._vline_volume = pg.InfiniteLine(angle=90, movable=False)
        for line, plot in ((self._vline, self.price_plot), (self._hline, self.price_plot),
                           (self._vline_volume, self.volume_plot)):
            plot.addItem(line, ignoreBounds=True)
            line.hide()
        self._mouse = pg.SignalProxy(self.chart.scene().sigMouseMoved, rateLimit=60, slot=self._mouse_moved)

        self.quality = QLabel()
        self.quality.setWordWrap(True)
        self.quality.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.quality.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        quality_title = QLabel("Data quality")
        quality_title.setProperty("role", "heading")
        side = QFrame()
        side.setMinimumWidth(220)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(12, 4, 4, 4)
        side_layout.addWidget(quality_title)
        side_layout.addWidget(self.quality, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.chart)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([900, 280])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self._set_readout_hint()

    # --- what the window calls -------------------------------------------------------------------
    def set_series(self, series: tuple[SeriesPreview, ...], current: str | None = None) -> None:
        """Replace the loaded series; keep showing the same one when it is still there."""
        self._series = {s.name: s for s in series}
        keep = current if current in self._series else self._shown if self._shown in self._series else None
        self.series_box.blockSignals(True)
        self.series_box.clear()
        self.series_box.addItems(list(self._series))
        self.series_box.blockSignals(False)
        name = keep or (next(iter(self._series)) if self._series else None)
        self._shown = None
        if name is not None:
            self.series_box.setCurrentText(name)
        self._show(name or "")

    def show_series(self, name: str) -> None:
        if name in self._series:
            self.series_box.setCurrentText(name)

    @property
    def shown(self) -> str | None:
        return self._shown

    def export_widget(self) -> QWidget:
        return self.chart

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.chart.setBackground(theme.plot_bg)
        for plot in (self.price_plot, self.volume_plot):
            style_plot(plot, theme)
        self.candles.set_colours(theme.up, theme.down)
        self.volume.setPen(pg.mkPen(theme.volume, width=1))
        self.volume.setBrush(pg.mkBrush(pg.mkColor(theme.volume).lighter(100)))
        crosshair = pg.mkPen(theme.crosshair, width=1, style=Qt.PenStyle.DashLine)
        for line in (self._vline, self._hline, self._vline_volume):
            line.setPen(crosshair)
        self._render_quality()

    # --- drawing ---------------------------------------------------------------------------------
    @Slot(str)
    def _show(self, name: str) -> None:
        if name == self._shown:
            return
        self._shown = name or None
        series = self._series.get(name)
        if series is None:
            self._x, self._values, self._index = np.empty(0), np.empty((0, 5)), None
            self.candles.setData(*([np.empty(0)] * 5))
            self.volume.setData([], [])
        else:
            frame = series.frame
            self._x = frame.index.as_unit("s").asi8.astype(np.float64)  # wall-clock time as UTC seconds
            self._values = frame[["open", "high", "low", "close", "volume"]].to_numpy(dtype=np.float64)
            self._index = frame.index
            self.candles.setData(self._x, *self._values[:, :4].T)
            self.volume.setData(self._x, self._values[:, 4])
            pad = (self._x[-1] - self._x[0]) * 0.02 if len(self._x) > 1 else 86400
            for plot in (self.price_plot, self.volume_plot):
                plot.setLimits(xMin=self._x[0] - pad, xMax=self._x[-1] + pad)
            self.price_plot.setXRange(self._x[0], self._x[-1], padding=0.01)
            self.price_plot.enableAutoRange(y=True)
            self.volume_plot.enableAutoRange(y=True)
        self._render_quality()
        self._set_readout_hint()

    def _render_quality(self) -> None:
        series = self._series.get(self._shown or "")
        if series is None:
            self.quality.setText(f"<span style='color:{self._theme.muted}'>No series loaded. Add a ticker or "
                                 "import a CSV file in the Data panel.</span>")
            return
        items = "".join(f"<li style='margin-bottom:6px'>{html.escape(line)}</li>" for line in series.report_lines)
        source = f"<p style='color:{self._theme.muted}'>Source: {html.escape(series.source)}</p>"
        notice = (f"<p style='color:{self._theme.warning}'>{html.escape(series.notice)}</p>"
                  if series.notice else "")
        self.quality.setText(f"{source}{notice}<ul style='margin-left:-20px'>{items}</ul>")

    def _set_readout_hint(self) -> None:
        if len(self._x):
            self.readout.setText(f"<span style='color:{self._theme.muted}'>Hover the chart for prices · "
                                 "drag to pan · wheel to zoom</span>")
        else:
            self.readout.setText(f"<span style='color:{self._theme.muted}'>No data</span>")

    def _mouse_moved(self, args) -> None:
        position = args[0]
        inside = [plot for plot in (self.price_plot, self.volume_plot) if plot.sceneBoundingRect().contains(position)]
        if not len(self._x) or not inside:
            for line in (self._vline, self._hline, self._vline_volume):
                line.hide()
            return
        point = inside[0].vb.mapSceneToView(position)
        i = int(np.clip(np.searchsorted(self._x, point.x()), 0, len(self._x) - 1))
        if i > 0 and abs(self._x[i - 1] - point.x()) < abs(self._x[i] - point.x()):
            i -= 1
        for line in (self._vline, self._vline_volume):
            line.setPos(self._x[i])
            line.show()
        self._hline.setVisible(inside[0] is self.price_plot)
        self._hline.setPos(point.y())
        o, h, l, c, v = self._values[i]
        colour = self._theme.up if c >= o else self._theme.down
        self.readout.setText(
            f"<b>{format_ts(self._index[i])}</b>&nbsp;&nbsp; O {o:,.2f} &nbsp;H {h:,.2f} &nbsp;L {l:,.2f} &nbsp;"
            f"C <span style='color:{colour}'>{c:,.2f}</span> &nbsp;V {compact(v)}")


"""Chart items shared by the views: a date axis, a cached, level-of-detail candlestick item and plot set-up helpers."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QPointF, QRectF
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPicture
from PySide6.QtWidgets import QGraphicsItem

_CHUNK = 512  # candles per cached picture: painting touches only the chunks in view
_MIN_CANDLE_PX = 3.0  # merge neighbouring bars until a drawn candle is at least this wide


def fast_plot(plot: pg.PlotItem) -> pg.PlotItem:
    """The pyqtgraph settings that keep tens of thousands of points fluid, and cached axes (cached_axes)."""
    plot.setDownsampling(auto=True, mode="peak")
    plot.setClipToView(True)
    return cached_axes(plot)


def cached_axes(plot: pg.PlotItem) -> pg.PlotItem:
    """Each axis kept as a pixmap between changes of its ticks: replaying an axis' drawing (its tick labels) costs
    about a millisecond, and every repaint of a chart, e.g. for a new point, replayed all of them."""
    for axis in plot.axes.values():
        axis["item"].setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    return plot


def time_plot(layout: pg.GraphicsLayout, row: int, label: str) -> pg.PlotItem:
    """A plot over time in `layout`: a date axis, zoom and pan in time only, values refitted to what is in view."""
    plot = fast_plot(layout.addPlot(row=row, col=0, axisItems={"bottom": DateAxis()}))
    plot.setLabel("left", label)
    plot.getAxis("left").setWidth(64)
    plot.setMouseEnabled(x=True, y=False)
    plot.enableAutoRange(y=True)
    plot.setAutoVisible(y=True)
    plot.hideButtons()
    return plot


class StickyRange:
    """A plot's y-range fitted to the data in view, as pyqtgraph's auto-range does, but moved only once that data
    leaves it or fills less than half of it, with some headroom: as a backtest's curves grow fold by fold the axes
    (each redrawn costs milliseconds of tick text) and the view's transform then stay put most of the time.

    Call refit() after the data changed; zooming or panning in time refits by itself.
    """

    HEADROOM = 0.05  # of the data's span, above and below
    SLACK = 0.5  # the data may fill this little of the range before it shrinks

    def __init__(self, plot: pg.PlotItem):
        self.view = plot.getViewBox()
        plot.enableAutoRange(y=False)
        self.view.sigXRangeChanged.connect(self.refit)

    def refit(self, *args) -> None:
        if self.view.scene() is None:
            return  # not (or no longer) on a chart: a view being torn down still says its range changed
        (x0, x1), (y0, y1) = self.view.viewRange()
        bounds = self.view.childrenBounds(orthoRange=(None, (x0, x1)))[1]
        if bounds is None:
            return
        low, high = bounds
        if y0 <= low and high <= y1 and high - low >= self.SLACK * (y1 - y0):
            return
        pad = self.HEADROOM * ((high - low) or abs(high) or 1.0)
        self.view.setYRange(low - pad, high + pad, padding=0)
        settle(self.view)


def settle(view: pg.ViewBox) -> None:
    """Apply a view's new range now. pyqtgraph defers it to the next paint, and the items it moves there make Qt
    paint the whole chart a second time right after (a second full paint for one change of range). A view not yet
    laid out is left to its first paint."""
    if not view.rect().isEmpty():
        view.updateMatrix()


class CompactAxis(pg.AxisItem):
    """Tick labels like 2.5B, 300M, 12K instead of a shared exponent."""

    def __init__(self, orientation: str = "left", **kwargs):
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values, scale, spacing):
        return [compact(value * scale) for value in values]


class DateAxis(pg.DateAxisItem):
    """pg.DateAxisItem(utcOffset=0) that draws no ticks while its plot, and the plots it follows, show no data.

    An empty plot spans 0–1 s, which a plain date axis labels 00.250, 00.500, ...
    """

    def __init__(self, orientation: str = "bottom", **kwargs):
        super().__init__(orientation, utcOffset=0, **kwargs)
        self._drawn_with_data = False
        # As tall with its dates as without: the first dates would otherwise lay the charts out anew.
        self.setStyle(autoExpandTextSpace=False, tickTextHeight=QFontMetrics(self.font()).height())

    def has_data(self) -> bool:
        """Whether a visible item of the linked view, or of a view it follows, spans this axis (True off a plot)."""
        axis = 0 if self.orientation in ("top", "bottom") else 1
        views, view = [], self.linkedView()
        while view is not None and view not in views:
            views.append(view)
            view = view.linkedView(axis)
        return not views or any(_spans(view, axis) for view in views)

    def tickValues(self, minVal, maxVal, size):
        self._drawn_with_data = self.has_data()
        if not self._drawn_with_data:
            return []
        self.setZoomLevelForDensity((maxVal - minVal) / size)
        return utc_ticks(self.zoomLevel, minVal, maxVal, self.minSpacing)

    def itemChange(self, change, value):
        # Data can come and go without a range change (a rerun of the same dates): look before each paint.
        if change == self.GraphicsItemChange.ItemSceneChange and self.scene() is not None:
            self.scene().sigPrepareForPaint.disconnect(self._follow_data)
        ret = super().itemChange(change, value)
        if change == self.GraphicsItemChange.ItemSceneHasChanged and self.scene() is not None:
            self.scene().sigPrepareForPaint.connect(self._follow_data)
        return ret

    def _follow_data(self) -> None:
        if self.has_data() != self._drawn_with_data:
            self.picture = None  # AxisItem's cached drawing
            self.update()


def utc_ticks(level, low: float, high: float, min_spacing: float) -> list[tuple[float, list[float]]]:
    """pyqtgraph's ZoomLevel.tickValues at a UTC offset of 0, as (spacing, tick positions) per level of ticks.

    pyqtgraph moves each tick to local time and back only to add the fixed offset: some 90 µs a tick, several
    milliseconds an axis on each change of range.
    """
    seen, levels = np.empty(0), []
    for spec in level.tickSpecs:
        ticks, skip = spec.makeTicks(low, high, min_spacing)
        ticks = np.asarray(ticks, dtype=np.float64)
        # A tick of a coarser level already drawn is not drawn again (pyqtgraph's test of "the same tick").
        ticks = ticks[~np.any(np.isclose(seen, ticks[:, np.newaxis], rtol=0, atol=min_spacing * 0.01), axis=-1)]
        seen = np.concatenate([seen, ticks])
        levels.append((spec.spacing, ticks.tolist()))
        if skip > 1:
            break  # the coarser level skips ticks: finer ones would crowd it
    return levels


def _spans(view: pg.ViewBox, axis: int) -> bool:
    """Whether a visible item of the view has finite bounds along axis: the test of ViewBox.childrenBounds, stopped
    at the first such item (it runs before every paint; the whole of childrenBounds took milliseconds)."""
    for item in view.addedItems:
        if not item.isVisible() or item.scene() is not view.scene():
            continue
        if getattr(item, "dataBounds", None) is None:
            if not item.flags() & item.GraphicsItemFlag.ItemHasNoContents:
                return True
            continue
        bounds = item.dataBounds(axis)
        if bounds is not None and None not in bounds and all(math.isfinite(b) for b in bounds):
            return True
    return False


def compact(value: float) -> str:
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= size:
            return f"{value / size:,.3g}{suffix}"
    return f"{value:,.4g}"


class CandlestickItem(pg.GraphicsObject):
    """OHLC candles drawn into cached QPictures (pyqtgraph's customGraphicsItem example).

    With more bars in view than the screen has room for, neighbouring bars are merged into
    one drawn candle per group (first open, highest high, lowest low, last close), the way
    peak downsampling keeps a line's extremes; each merge level caches its own pictures.
    """

    def __init__(self, up: str = "#26a69a", down: str = "#ef5350"):
        super().__init__()
        self._x = np.empty(0)
        self._ohlc = np.empty((0, 4))
        self._step = 1.0
        self._levels: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._pictures: dict[tuple[int, int], QPicture] = {}
        self._bounds = QRectF()
        self.drawn = 0  # candles in the pictures of the last paint: bounded by the view's width, not the data
        self.set_colours(up, down)

    def set_colours(self, up: str, down: str) -> None:
        self._up, self._down = QColor(up), QColor(down)
        self._pictures.clear()
        self.update()

    def setData(self, x: np.ndarray, open_: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray) -> None:
        """x: bar times in seconds (sorted); the others: prices, all of equal length."""
        self.prepareGeometryChange()
        self._x = np.asarray(x, dtype=np.float64)
        self._ohlc = np.column_stack([open_, high, low, close]).astype(np.float64)
        self._step = float(np.median(np.diff(self._x))) if len(self._x) > 1 else 86400.0
        self._levels = {1: (self._x, self._ohlc)}
        self._pictures.clear()
        if len(self._x):
            half = self._step
            low_y, high_y = float(self._ohlc[:, 2].min()), float(self._ohlc[:, 1].max())
            self._bounds = QRectF(self._x[0] - half, low_y, self._x[-1] - self._x[0] + 2 * half, high_y - low_y)
        else:
            self._bounds = QRectF()
        self.informViewBoundsChanged()
        self.update()

    @property
    def x(self) -> np.ndarray:
        """The bar times drawn, in seconds."""
        return self._x

    def boundingRect(self) -> QRectF:
        return QRectF(self._bounds)

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange=None):
        """For the ViewBox's auto-range: y fits only the candles inside the visible x-range."""
        if not len(self._x):
            return None, None
        if ax == 0:
            return float(self._x[0]) - self._step, float(self._x[-1]) + self._step
        rows = slice(None)
        if orthoRange is not None:
            first, last = np.searchsorted(self._x, orthoRange, side="left")
            rows = slice(max(0, first - 1), min(len(self._x), last + 1))
        visible = self._ohlc[rows]
        if not len(visible):
            return None, None
        return float(visible[:, 2].min()), float(visible[:, 1].max())

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not len(self._x):
            return
        pixel = self.pixelWidth() or self._step
        level = 1
        while level * self._step / pixel < _MIN_CANDLE_PX and level < len(self._x):
            level *= 2
        x, _ = self._level(level)
        exposed = self.viewRect() or self._bounds  # the part of the item inside the view
        first = max(0, int(np.searchsorted(x, exposed.left() - level * self._step)) - 1)
        last = min(len(x), int(np.searchsorted(x, exposed.right() + level * self._step)) + 1)
        chunks = range(first // _CHUNK, (max(last, 1) - 1) // _CHUNK + 1)
        for chunk in chunks:
            painter.drawPicture(0, 0, self._picture(level, chunk))
        self.drawn = sum(min(_CHUNK, len(x) - chunk * _CHUNK) for chunk in chunks)

    def _level(self, level: int) -> tuple[np.ndarray, np.ndarray]:
        if level not in self._levels:
            starts = np.arange(0, len(self._x), level)
            o, h, l, c = self._ohlc.T
            ends = np.minimum(starts + level, len(self._x)) - 1
            merged = np.column_stack([o[starts], np.maximum.reduceat(h, starts), np.minimum.reduceat(l, starts),
                                      c[ends]])
            centres = (self._x[starts] + self._x[ends]) / 2
            self._levels[level] = (centres, merged)
        return self._levels[level]

    def _picture(self, level: int, chunk: int) -> QPicture:
        key = (level, chunk)
        if key not in self._pictures:
            x, ohlc = self._level(level)
            rows = slice(chunk * _CHUNK, (chunk + 1) * _CHUNK)
            self._pictures[key] = self._draw(x[rows], ohlc[rows], 0.35 * level * self._step)
        return self._pictures[key]

    def _draw(self, x: np.ndarray, ohlc: np.ndarray, half: float) -> QPicture:
        picture = QPicture()
        painter = QPainter(picture)
        o, h, l, c = ohlc.T
        rising = c >= o
        for colour, rows in ((self._up, rising), (self._down, ~rising)):
            pen = pg.mkPen(colour, width=1)  # cosmetic: one pixel at any zoom
            painter.setPen(pen)
            painter.drawLines([QLineF(QPointF(xi, lo), QPointF(xi, hi)) for xi, lo, hi in zip(x[rows], l[rows], h[rows])])
            painter.setBrush(pg.mkBrush(colour))
            bottoms, tops = np.minimum(o[rows], c[rows]), np.maximum(o[rows], c[rows])
            painter.drawRects([QRectF(xi - half, b, 2 * half, t - b) for xi, b, t in zip(x[rows], bottoms, tops)])
        painter.end()
        return picture

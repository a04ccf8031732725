"""The charts stay fluid with 50,000 points: candles merge by level of detail, curves downsample and clip."""
from __future__ import annotations

import time
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from gui.events import SeriesPreview
from gui.views import DataView, TrainingView

N = 50_000


def synthetic_bars(n: int = N) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    open_ = close * np.exp(rng.normal(0, 0.003, n))
    index = pd.date_range("1990-01-01", periods=n, freq="h")
    return pd.DataFrame({"open": open_, "high": np.maximum(open_, close) * 1.002,
                         "low": np.minimum(open_, close) * 0.998, "close": close,
                         "volume": rng.integers(1_000, 10_000, n).astype(float)}, index=index)


@pytest.fixture
def data_view(qtbot):
    view = DataView()
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    frame = synthetic_bars()
    view.set_series((SeriesPreview("BIG", frame, ("BIG: 50000 bars",), "test", None, "1990", "1995", N),))
    return view


def test_50k_candles_draw_a_bounded_number_and_repaint_fast(data_view):
    data_view.chart.grab()  # first paint builds the cached pictures of the level in view
    assert len(data_view.candles.x) == N
    assert 0 < data_view.candles.drawn <= 2048  # merged to about one candle per 3 pixels, in whole chunks
    x = data_view.candles.x
    data_view.price_plot.setXRange(x[20_000], x[21_000], padding=0)  # zoom in: other chunks, other level
    started = time.perf_counter()
    data_view.chart.grab()
    zoomed_s = time.perf_counter() - started
    assert data_view.candles.drawn <= 2048
    data_view.price_plot.setXRange(x[20_100], x[21_100], padding=0)  # pan
    started = time.perf_counter()
    data_view.chart.grab()
    panned_s = time.perf_counter() - started
    print(f"50k candles: zoomed repaint {zoomed_s * 1000:.0f} ms, pan repaint {panned_s * 1000:.0f} ms")
    assert panned_s < 1.0


def test_volume_curve_is_downsampled_and_clipped(data_view):
    data_view.chart.grab()
    shown_x, _ = data_view.volume.getData()
    assert len(shown_x) < N / 5  # peak downsampling to the plot's width
    x = data_view.candles.x
    data_view.price_plot.setXRange(x[1000], x[1500], padding=0)
    data_view.chart.grab()
    shown_x, _ = data_view.volume.getData()
    assert len(shown_x) < 1000  # clipped to the view


def test_crosshair_reads_out_the_bar_under_the_mouse(data_view):
    data_view.chart.grab()
    x = data_view.candles.x
    data_view.price_plot.setXRange(x[100], x[200], padding=0)
    data_view.chart.grab()
    scene_point = data_view.price_plot.vb.mapViewToScene(pg_point(x[150], 100.0))
    data_view._mouse_moved((scene_point,))
    assert "1990-01-07 06:00" in data_view.readout.text()  # bar 150, hourly from 1990-01-01
    assert all(f"{field} " in data_view.readout.text() for field in "OHLCV")


def pg_point(x, y):
    from PySide6.QtCore import QPointF
    return QPointF(x, y)


def test_50k_loss_points_are_downsampled(qtbot):
    view = TrainingView()
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    config = SimpleNamespace(training=SimpleNamespace(epochs=N), classification=False,
                             data=SimpleNamespace(tickers=("SP500",), csv_files=()))
    view.start_run(1, config, ["lstm"])
    trace = view.trace("lstm")
    rng = np.random.default_rng(1)
    for epoch in range(1, N + 1):
        trace.add(SimpleNamespace(epoch=epoch, train_loss=1 / epoch + rng.random() * 0.01, val_loss=1.2 / epoch,
                                  lr_reduced=epoch % 5000 == 0, best_epoch=epoch))
    trace.draw()
    started = time.perf_counter()
    view.plot_widget.grab()
    first_s = time.perf_counter() - started
    assert view.curve_points("lstm") == (N, N)
    shown_x, _ = trace.train.getData()
    assert len(shown_x) < N / 3  # peak downsampling: a min and a max per few pixels
    view.plot.setXRange(10_000, 12_000, padding=0)
    view.plot_widget.grab()
    shown_x, _ = trace.train.getData()
    assert len(shown_x) < 2_500
    trace.add(SimpleNamespace(epoch=N + 1, train_loss=0.1, val_loss=0.1, lr_reduced=False, best_epoch=N + 1))
    started = time.perf_counter()
    trace.draw()
    view.plot_widget.grab()
    update_s = time.perf_counter() - started
    print(f"50k loss points: first paint {first_s * 1000:.0f} ms, append + repaint {update_s * 1000:.0f} ms")
    assert update_s < 1.0


def _tick_labels(axis) -> list[str]:
    from PySide6.QtGui import QImage, QPainter

    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    _, _, texts = axis.generateDrawSpecs(painter)
    painter.end()
    return [text for _, _, text in texts]


def _axis_image(widget, axis):
    return widget.grab(widget.mapFromScene(axis.sceneBoundingRect()).boundingRect()).toImage()


def test_an_empty_date_axis_draws_no_tick_labels(qtbot):
    import pyqtgraph as pg

    from gui.charts import DateAxis
    from gui.views.fold_timeline import seconds

    widget = pg.PlotWidget(axisItems={"bottom": DateAxis()})
    qtbot.addWidget(widget)
    widget.getPlotItem().hideAxis("left")  # its labels change with the data and would spill into the pictures
    widget.resize(600, 300)
    widget.show()
    axis = widget.getPlotItem().getAxis("bottom")
    blank = _axis_image(widget, axis)
    assert _tick_labels(axis) == []  # not the 00.250, 00.500, ... of an empty plot's 0–1 s
    x = seconds(pd.date_range("2015-01-01", "2018-12-31", freq="B"))
    curve = widget.plot(x, np.arange(len(x), dtype=float))
    widget.setXRange(x[0], x[-1])  # fixed from here on: the data comes and goes without a change of range
    assert {"2016", "2017", "2018"} <= set(_tick_labels(axis))
    labelled = _axis_image(widget, axis)
    assert labelled != blank
    curve.setData([], [])
    assert _axis_image(widget, axis) == blank
    curve.setData(x, np.arange(len(x), dtype=float))  # a rerun of the same dates
    assert _axis_image(widget, axis) == labelled


@pytest.mark.parametrize("days", [90, 400, 3 * 365, 12 * 365, 40 * 365])
def test_a_date_axis_places_the_ticks_pyqtgraph_places_at_utc(qtbot, days):
    import pyqtgraph as pg

    from PySide6.QtGui import QFontMetrics

    from gui.charts import DateAxis

    ours, reference = DateAxis(), pg.DateAxisItem(utcOffset=0)
    first = pd.Timestamp("1999-03-17", tz="UTC").timestamp()
    for axis in (ours, reference):
        axis.has_data = lambda: True  # ticks as on a plot with data
        axis.fontMetrics = QFontMetrics(axis.font())  # what a paint would set: the zoom level depends on it
    expected = reference.tickValues(first, first + days * 86400, 600)
    assert ours.tickValues(first, first + days * 86400, 600) == expected
    assert sum(len(ticks) for _, ticks in expected) >= 3


def test_a_refit_that_moves_the_range_is_painted_once(qtbot):
    import pyqtgraph as pg
    from PySide6.QtCore import QEvent, QObject

    from gui.charts import StickyRange

    class Paints(QObject):
        count = 0

        def eventFilter(self, obj, event):
            self.count += event.type() == QEvent.Type.Paint
            return False

    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(500, 300)
    widget.show()
    plot = widget.getPlotItem()
    fitted, curve = StickyRange(plot), pg.PlotDataItem(np.arange(50.0), np.linspace(100, 110, 50))
    plot.addItem(curve)
    plot.setXRange(0, 50, padding=0)
    fitted.refit()
    qtbot.wait(100)
    paints = Paints()
    widget.viewport().installEventFilter(paints)
    for top in (150.0, 300.0, 900.0):  # each leaves the range: a new one each time
        before = tuple(plot.viewRange()[1])
        curve.setData(np.arange(50.0), np.linspace(100, top, 50))
        fitted.refit()
        qtbot.wait(100)
        assert tuple(plot.viewRange()[1]) != before
    assert paints.count == 3  # pyqtgraph moves the items only at the next paint, which painted it all again


def test_a_sticky_range_fits_the_data_in_view_and_moves_only_when_it_must(qtbot):
    import pyqtgraph as pg

    from gui.charts import StickyRange

    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    plot = widget.getPlotItem()
    fitted, curve = StickyRange(plot), pg.PlotDataItem()
    plot.addItem(curve)
    plot.setXRange(0, 100, padding=0)

    def show(y) -> tuple[float, float]:
        curve.setData(np.arange(len(y), dtype=float), np.asarray(y, dtype=float))
        fitted.refit()
        return tuple(plot.viewRange()[1])

    low, high = show([100.0, 110.0])
    assert low < 100 < 110 < high and high - 110 == pytest.approx(StickyRange.HEADROOM * 10, rel=0.1)
    assert show([100.0, 108.0, 109.0]) == (low, high)  # the data still fills the range: it stays
    grown = show([100.0, 108.0, 130.0])
    assert grown[0] < 100 and 130 < grown[1]  # the data left it: refitted with headroom
    shrunk = show([120.0, 121.0])
    assert 119 < shrunk[0] < 120 and 121 < shrunk[1] < 122  # the data filled less than half: refitted
    assert show([120.0, 121.0, 200.0])[1] > 200
    plot.setXRange(-0.2, 1.2, padding=0)  # a zoom in time refits to the data in view by itself
    low, high = plot.viewRange()[1]
    assert 119 < low < 120 and 121 < high < 122


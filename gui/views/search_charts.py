"""The Search tab's charts, drawn from a SearchState: the optimisation history (each finished trial's value and
the best so far), a slice (value against one parameter) and the fANOVA importances. Each plot item is made once
and given new data (setData); the view calls redraw() at most a few times a second."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from gui.search_state import SearchState
from gui.theme import DARK, Theme, style_plot


class SearchCharts(QTabWidget):
    def __init__(self, state: SearchState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.setDocumentMode(True)
        self.history = pg.PlotWidget()
        self.history.setLabel("bottom", "trial")
        self.history.addLegend(offset=(8, 8))
        self.values = self.history.plot([], [], pen=None, symbol="o", symbolSize=7, name="trial value")
        self.best = self.history.plot([], [], name="best so far")
        self.slice_plot = pg.PlotWidget()
        self.slice_points = self.slice_plot.plot([], [], pen=None, symbol="o", symbolSize=7)
        self.parameter = QComboBox()
        self.parameter.currentIndexChanged.connect(lambda _: self.redraw())
        self.importance_plot = pg.PlotWidget()
        self.importance_plot.setLabel("bottom", "importance (fANOVA, sums to 1)")
        self.importance_plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.bars = pg.BarGraphItem(x0=[], y=[], height=0.6, width=[])
        self.importance_plot.addItem(self.bars)
        self.importance_note = QLabel()
        self.importance_note.setProperty("role", "muted")
        self.addTab(self.history, "History")
        self.addTab(_with_header(self.slice_plot, QLabel("Parameter"), self.parameter), "Slice")
        self.addTab(_with_header(self.importance_plot, self.importance_note), "Importances")
        self._theme = DARK
        self.apply_theme(DARK)

    def reset(self, names: tuple[str, ...], metric: str) -> None:
        """A new search: its parameters and objective."""
        self.parameter.blockSignals(True)
        self.parameter.clear()
        self.parameter.addItems(list(names))
        self.parameter.blockSignals(False)
        for plot in (self.history, self.slice_plot):
            plot.setLabel("left", metric)
        self.redraw()

    def redraw(self) -> None:
        done = self.state.finished()
        numbers = np.array([t.number for t in done], dtype=float)
        values = np.array([t.value for t in done], dtype=float)
        self.values.setData(numbers, values)
        step = max(1, math.ceil((numbers.max() + 1) / 8)) if len(numbers) else 1
        self.history.getAxis("bottom").setTickSpacing(major=step, minor=step)  # whole trial numbers
        best = np.array(self.state.best, dtype=float).reshape(-1, 2)
        self.best.setData(best[:, 0], best[:, 1])
        self._draw_slice(done, values)
        self._draw_importances()

    def _draw_slice(self, done, values) -> None:
        name = self.parameter.currentText()
        axis = self.slice_plot.getAxis("bottom")
        self.slice_plot.setLabel("bottom", name)
        if not name or not done:
            self.slice_points.setData([], [])
            return
        raw = [t.params.get(name) for t in done]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in raw):
            axis.setTicks(None)
            self.slice_points.setData(np.array(raw, dtype=float), values)
            return
        labels = list(dict.fromkeys(map(str, raw)))  # a categorical parameter: one column per choice
        axis.setTicks([list(enumerate(labels))])
        self.slice_points.setData(np.array([labels.index(str(v)) for v in raw], dtype=float), values)

    def _draw_importances(self) -> None:
        importances = self.state.importances
        if importances is None:
            self.bars.setOpts(x0=[], y=[], width=[])
            self.importance_note.setText("Shown once two trials with different parameters have completed, "
                                         "recomputed every few completed trials and at the end.")
            return
        names = list(importances.values)
        widths = [importances.values[name] for name in names]
        self.bars.setOpts(x0=np.zeros(len(names)), y=np.arange(len(names)), width=widths)
        self.importance_plot.getAxis("left").setTicks([list(enumerate(names))])
        self.importance_note.setText(f"From {importances.trials} completed trials.")

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        for widget in (self.history, self.slice_plot, self.importance_plot):
            widget.setBackground(theme.plot_bg)
            style_plot(widget.getPlotItem(), theme)
        first, second = theme.series_colour(0), theme.series_colour(1)
        for item in (self.values, self.slice_points):
            item.setSymbolBrush(first)
            item.setSymbolPen(pg.mkPen(theme.plot_bg))
        self.best.setPen(pg.mkPen(second, width=2))
        self.bars.setOpts(brush=first, pen=pg.mkPen(theme.plot_bg))


def _with_header(plot: QWidget, *header: QWidget) -> QWidget:
    page = QWidget()
    top = QHBoxLayout()
    for widget in header:
        top.addWidget(widget)
    top.addStretch(1)
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 4, 0, 0)
    layout.addLayout(top)
    layout.addWidget(plot, 1)
    return page

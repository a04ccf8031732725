"""A model's loss curves on the Training tab: created once per model (and fold), refilled with setData."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from gui.theme import Theme

FADED_ALPHA = 0.3  # earlier folds' curves: see-through and thin, under the current fold's

class LossTrace:
    """One model's curves and markers (of one fold, in a backtest): created once, then refilled with setData."""

    def __init__(self, plot: pg.PlotItem, label: str):
        self.label = label
        self.fold: tuple[str, int] | None = None  # (ticker, fold index) whose training this trace draws
        self.name = label  # in the legend
        self.faded = False
        self.train = pg.PlotDataItem(connect="finite")  # unnamed: the plot would list it in its legend by itself
        self.val = pg.PlotDataItem(connect="finite")
        self.lr_cuts = pg.PlotDataItem(pen=None, symbol="t", symbolSize=11)
        self.best = pg.PlotDataItem(pen=None, symbol="star", symbolSize=17)
        for item in (self.train, self.val, self.lr_cuts, self.best):
            plot.addItem(item)
        self._epochs = np.empty(64)
        self._losses = np.empty((64, 2))  # train, validation (NaN without a validation split)
        self._n = 0
        self._cuts: list[tuple[int, float]] = []
        self._best: tuple[int, float] | None = None

    def reset(self) -> None:
        self._n = 0
        self._cuts.clear()
        self._best = None
        self.draw()

    def add(self, report) -> None:
        if self._n == len(self._epochs):
            self._epochs = np.resize(self._epochs, 2 * self._n)
            self._losses = np.resize(self._losses, (2 * self._n, 2))
        val = math.nan if report.val_loss is None else report.val_loss
        self._epochs[self._n] = report.epoch
        self._losses[self._n] = report.train_loss, val
        self._n += 1
        if report.lr_reduced:
            self._cuts.append((report.epoch, val if math.isfinite(val) else report.train_loss))
        if report.best_epoch >= 1:
            self.set_best(report.best_epoch, None)

    def set_best(self, epoch: int, loss: float | None) -> None:
        """Mark the epoch whose weights are kept, on the curve the trainer monitors."""
        rows = np.flatnonzero(self._epochs[:self._n] == epoch)
        if loss is None and len(rows):
            train, val = self._losses[rows[0]]
            loss = val if math.isfinite(val) else train
        self._best = None if loss is None or epoch < 1 or not math.isfinite(loss) else (epoch, loss)

    @property
    def points(self) -> int:
        return self._n

    def extent(self, log: bool) -> tuple[float, float, float] | None:
        """(last epoch, lowest, highest loss) drawn; log10 of the losses on a log axis."""
        if not self._n:
            return None
        losses = self._losses[:self._n].ravel()
        losses = losses[np.isfinite(losses) & (losses > 0)] if log else losses[np.isfinite(losses)]
        if not len(losses):
            return None
        low, high = float(losses.min()), float(losses.max())
        if log:
            low, high = math.log10(low), math.log10(high)
        return float(self._epochs[self._n - 1]), low, high

    def draw(self) -> None:
        n = self._n
        for item, column in ((self.train, 0), (self.val, 1)):
            losses = self._losses[:n, column]
            lone = n == 1 and math.isfinite(losses[0])  # a single epoch draws no line: show it as a dot
            item.setData(self._epochs[:n], losses, symbol="o" if lone else None)
        self.lr_cuts.setData([e for e, _ in self._cuts], [v for _, v in self._cuts])
        self.best.setData(*(([self._best[0]], [self._best[1]]) if self._best else ([], [])))

    def set_colour(self, colour: str, theme: Theme) -> None:
        line = pg.mkColor(colour)
        if self.faded:
            line.setAlphaF(FADED_ALPHA)
        width = 1 if self.faded else 2
        self.train.setPen(pg.mkPen(line, width=width))
        self.val.setPen(pg.mkPen(line, width=width, style=Qt.PenStyle.DashLine))
        for item in (self.train, self.val):
            item.setSymbolBrush(pg.mkBrush(line))
            item.setSymbolPen(pg.mkPen(line))
            item.setSymbolSize(7)
        self.lr_cuts.setSymbolBrush(pg.mkBrush(colour))
        self.lr_cuts.setSymbolPen(pg.mkPen(theme.plot_bg))
        self.best.setSymbolBrush(pg.mkBrush(theme.warning))
        self.best.setSymbolPen(pg.mkPen(colour, width=1.5))

    def set_visible(self, visible: bool) -> None:
        for item in (self.train, self.val, self.lr_cuts, self.best):
            item.setVisible(visible)

    def fade(self, colour: str, theme: Theme) -> None:
        """An earlier fold: drawn once more, faded, under every current curve, without its markers."""
        self.draw()
        self.faded = True
        self.set_colour(colour, theme)
        for item in (self.train, self.val):
            item.setZValue(-1)
        self.lr_cuts.setVisible(False)
        self.best.setVisible(False)

    def remove(self, plot: pg.PlotItem) -> None:
        for item in (self.train, self.val, self.lr_cuts, self.best):
            plot.removeItem(item)


class EpochAxis(pg.AxisItem):
    """Epochs are whole numbers: ticks fall on them only, never at 1.5."""

    def tickValues(self, minVal, maxVal, size):  # pyqtgraph names it so
        levels, shown = [], set()
        for spacing, values in super().tickValues(minVal, maxVal, size):
            whole = [v for v in values if float(v).is_integer() and v not in shown]
            shown.update(whole)
            if whole:
                levels.append((max(spacing, 1.0), whole))
        return levels

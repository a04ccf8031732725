"""The walk-forward folds as a timeline: one row per fold, its training, validation and test dates as bars."""
from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from gui.charts import DateAxis, cached_axes
from gui.theme import DARK, Theme, style_plot
from gui.timestamps import seconds

if TYPE_CHECKING:
    from engine.folds import Fold

_BAR = 0.62  # a fold's bar height, in rows
_SCALER = 0.14  # the scaler-fit strip under the training bar
_KINDS = ("train", "val", "test", "scaler")
_NAMES = {"train": "Training", "val": "Validation", "test": "Test", "scaler": "Scalers fitted"}
_TIPS = {"train": "the bars whose targets the model was fitted to",
         "val": "the latest part of the training span, held out for early stopping",
         "test": "the bars the fold predicted, with a model that never saw them",
         "scaler": "the bars the feature and target scalers were fitted on"}


def _rich(lines: tuple[str, str]) -> str:
    return f"<b>{html.escape(lines[0])}</b><br>{html.escape(lines[1])}"


def _day(value) -> str:
    return "—" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


class FoldTimeline(QWidget):
    """Call set_folds(folds) or add_fold(fold) per FoldDone; rows are the folds of one ticker and model."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._theme = DARK
        self._folds: dict[int, Fold] = {}  # fold index → fold
        self._span: tuple[float, float] | None = None  # set_window's span, kept in view with the folds

        self.legend = QLabel()  # outside the plot, so it never hides a fold; wraps between entries only
        self.legend.setWordWrap(True)
        self.readout = QLabel()  # two lines, elided: the plot never jumps; the tooltip holds the whole text
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.readout.setFixedHeight(2 * self.readout.fontMetrics().lineSpacing() + 4)
        self.readout.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.plot_widget = pg.PlotWidget(axisItems={"bottom": DateAxis()})
        self.plot_widget.setMinimumHeight(90)
        self.plot = cached_axes(self.plot_widget.getPlotItem())
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=True, y=False)
        self.plot.invertY(True)  # fold 1 on top, later folds below
        self.plot.getAxis("left").setWidth(64)
        self.plot.setLabel("left", "Fold")
        # Fold rows are whole numbers: one fold spans under one unit, which would label the axis "Fold (x0.001)".
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.bars = {kind: pg.BarGraphItem(x0=[], width=[], y=[], height=_SCALER if kind == "scaler" else _BAR,
                                           pen=None, name=_NAMES[kind]) for kind in _KINDS}
        for kind in ("scaler", "train", "val", "test"):
            self.plot.addItem(self.bars[kind])
        # The stretch the charts above show, when the owner passes it to set_window.
        self.window = pg.LinearRegionItem(movable=False)
        self.window.setZValue(-10)
        self.window.hide()
        self.plot.addItem(self.window, ignoreBounds=True)
        self.plot.getViewBox().sigResized.connect(self._number_rows)
        self._hover = pg.SignalProxy(self.plot.scene().sigMouseMoved, rateLimit=30, slot=self._mouse_moved)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.legend)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.readout)
        self.apply_theme(self._theme)
        self._redraw()

    # --- what the owner calls ------------------------------------------------------------------------
    def set_folds(self, folds: Sequence[Fold]) -> None:
        self._folds = {fold.index: fold for fold in folds}
        self._redraw()

    def add_fold(self, fold: Fold) -> None:
        self._folds[fold.index] = fold
        self._redraw()

    def clear(self) -> None:
        self.set_folds(())

    def set_window(self, start: float, end: float) -> None:
        """Shade the time span (UTC seconds) that the charts beside the timeline show."""
        self.window.setRegion((start, end))
        self.window.setVisible(bool(self._folds))
        self._span = (start, end)

    @property
    def row_count(self) -> int:
        return len(self._folds)

    def rows(self) -> dict[str, np.ndarray]:
        """(start, end) seconds of each drawn bar kind, one row per fold: what the chart shows."""
        return {kind: np.column_stack([bar.opts["x0"], np.asarray(bar.opts["x0"]) + bar.opts["width"]])
                for kind, bar in self.bars.items()}

    def describe(self, x: float, y: float) -> str:
        """The fold under a point of the chart (x in seconds, y in rows) in words; '' if none."""
        lines = self._lines(x, y)
        return _rich(lines) if lines else ""

    def _lines(self, x: float, y: float) -> tuple[str, str] | None:
        """The hovered fold and part first, then the fold's other spans; None off the bars."""
        row = round(y)
        folds = [self._folds[k] for k in sorted(self._folds)]
        if not 0 <= row < len(folds) or abs(y - row) > _BAR / 2 + _SCALER:
            return None
        fold = folds[row]
        spans = {"train": (fold.train_start, fold.train_end), "val": (fold.val_start, fold.val_end),
                 "test": (fold.test_start, fold.test_end)}
        hit = next((kind for kind, (start, end) in spans.items() if start is not None and end is not None
                    and seconds([start])[0] - 43200 <= x <= seconds([end])[0] + 43200), None)
        if hit is None:
            return None
        start = "warm-started" if fold.warm_started else "trained from scratch"
        kept = (f"kept epoch {fold.best_epoch}" if fold.best_epoch >= 1 else
                "kept its starting weights" if fold.warm_started else "kept its initial weights")
        head = (f"Fold {fold.index + 1} · {_NAMES[hit]} {_day(spans[hit][0])} → {_day(spans[hit][1])} · "
                f"{start}, {fold.epochs_run} epochs, {kept}")
        others = " · ".join(f"{_NAMES[k].lower()} {_day(a)} → {_day(b)}"
                            for k, (a, b) in spans.items() if k != hit and a is not None)
        return head, f"{others} · scalers fitted {_day(fold.scaler_fit_start)} → {_day(fold.scaler_fit_end)}"

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.plot_widget.setBackground(theme.plot_bg)
        style_plot(self.plot, theme)
        self.plot.showGrid(x=True, y=False, alpha=theme.grid_alpha)
        colours = {"train": theme.volume, "val": theme.warning, "test": theme.success, "scaler": theme.muted}
        for kind, bar in self.bars.items():
            colour = pg.mkColor(colours[kind])
            if kind == "train":
                colour.setAlphaF(0.75)
            bar.setOpts(brush=pg.mkBrush(colour), pen=None)
        entries = ["<b>Walk-forward&nbsp;folds</b>"] + [
            f"<span style='color:{colours[kind]}'>{'▬' if kind == 'scaler' else '■'}</span>&nbsp;"
            + _NAMES[kind].replace(" ", "&nbsp;") for kind in ("train", "val", "test", "scaler")]
        self.legend.setText("&nbsp;&nbsp; ".join(entries))  # a line breaks between entries, never inside one
        self.legend.setToolTip("\n".join(f"{_NAMES[k]}: {_TIPS[k]}" for k in _KINDS)
                               + "\nShaded: the span the charts above show")
        shade = pg.mkColor(theme.accent)
        shade.setAlphaF(0.10)
        self.window.setBrush(pg.mkBrush(shade))
        for line in self.window.lines:
            line.setPen(pg.mkPen(None))
        self._hint()

    # --- drawing ----------------------------------------------------------------------------------
    def _redraw(self) -> None:
        folds = [self._folds[k] for k in sorted(self._folds)]
        rows = np.arange(len(folds), dtype=np.float64)
        spans = {
            "train": [(f.train_start, f.train_end) for f in folds],
            "val": [(f.val_start, f.val_end) for f in folds],
            "test": [(f.test_start, f.test_end) for f in folds],
            "scaler": [(f.scaler_fit_start, f.scaler_fit_end) for f in folds],
        }
        for kind, pairs in spans.items():
            start = seconds([a for a, _ in pairs]) if pairs else np.empty(0)
            end = seconds([b for _, b in pairs]) if pairs else np.empty(0)
            keep = np.isfinite(start) & np.isfinite(end)
            y = rows[keep] + (_BAR / 2 + _SCALER / 2 if kind == "scaler" else 0.0)
            # A one-bar span still gets a visible width: half a day either side.
            self.bars[kind].setOpts(x0=start[keep] - 43200, width=end[keep] - start[keep] + 86400, y=y)
        self._number_rows()
        if folds:
            first = np.nanmin(seconds([f.train_start for f in folds]))
            last = np.nanmax(seconds([f.test_end for f in folds]))
            if self._span is not None:  # live, the charts already show the whole test stretch
                last = max(last, min(self._span[1], last + 0.5 * (last - first)))
            pad = (last - first) * 0.01 + 86400
            self.plot.setLimits(xMin=first - 30 * pad, xMax=last + 30 * pad)
            self.plot.setXRange(first - pad, last + pad, padding=0)
            self.plot.setYRange(-0.5, len(folds) - 0.5 + _SCALER, padding=0)
        else:
            self.plot.setYRange(-1.5, 0.5, padding=0)
        self.window.setVisible(bool(folds) and self._span is not None)
        self._hint()

    def _number_rows(self, *args) -> None:
        """Fold numbers on the left axis: every row's, or every n-th where the rows are too close to read."""
        rows = len(self._folds)
        room = max(1, int(self.plot.getViewBox().height() // (self.fontMetrics().height() + 2)))
        step = max(1, math.ceil(rows / room))
        self.plot.getAxis("left").setTicks([[(i, str(i + 1)) for i in range(0, rows, step)], []])

    def _hint(self) -> None:
        text = "Hover a fold for its dates" if self._folds else "Folds appear here as the walk-forward runs"
        self.readout.setText(f"<span style='color:{self._theme.muted}'>{text}</span>")

    def _show_lines(self, lines: tuple[str, str]) -> None:
        """The hovered fold in the readout's two lines, each shortened with … to the readout's width."""
        bold = QFont(self.readout.font())
        bold.setBold(True)
        width = self.readout.width()
        elide = Qt.TextElideMode.ElideRight
        self.readout.setText(_rich((QFontMetrics(bold).elidedText(lines[0], elide, width),
                                    self.readout.fontMetrics().elidedText(lines[1], elide, width))))

    def resizeEvent(self, event) -> None:
        """Ask for room for the wrapped legend, the plot and the readout, so a splitter never overlaps them."""
        super().resizeEvent(event)
        spacing = self.layout().spacing()
        self.setMinimumHeight(self.legend.heightForWidth(self.width()) + self.plot_widget.minimumHeight()
                              + self.readout.height() + 2 * spacing)
        self._hint()

    def _mouse_moved(self, args) -> None:
        position = args[0]
        lines = None
        if self.plot.sceneBoundingRect().contains(position):
            point = self.plot.getViewBox().mapSceneToView(position)
            lines = self._lines(point.x(), point.y())
        if lines:
            self._show_lines(lines)
        else:
            self._hint()
        self.plot_widget.setToolTip(_rich(lines) if lines else "")

"""The Training tab's insight panes: each fit's diagnosis, what an attention model looked at, the learning curve.

They draw what the engine computed (engine.diagnosis, engine.attention, engine.learning_curve); nothing is judged
or computed here.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.theme import DARK, Theme, style_plot

_VERDICT_ROLE = {"no_signal": "muted", "over_fitting": "warning", "under_fitting": "warning", "good_fit": "success"}


def _muted(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "muted")
    label.setWordWrap(True)
    return label


class DiagnosisTable(QTableWidget):
    """One row per finished fit (per fold in a backtest): who, the verdict, the numbers it rests on; the advice
    in each row's tooltip."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, 3, parent)
        self.theme = DARK
        self.setHorizontalHeaderLabels(["Run · model", "Verdict", "What it rests on"])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setWordWrap(True)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)

    def add(self, who: str, diagnosis) -> None:
        """A finished fit's engine.diagnosis.Diagnosis."""
        row = self.rowCount()
        self.insertRow(row)
        colour = {"muted": self.theme.muted, "warning": self.theme.warning,
                  "success": self.theme.success}[_VERDICT_ROLE[diagnosis.verdict]]
        for column, text in enumerate((who, diagnosis.title, diagnosis.reason)):
            item = QTableWidgetItem(text)
            item.setToolTip(f"{diagnosis.title}: {diagnosis.reason}\n\n{diagnosis.advice}")
            if column == 1:
                item.setForeground(pg.mkColor(colour))
            self.setItem(row, column, item)
        self.resizeRowToContents(row)
        self.scrollToBottom()

    def verdicts(self) -> list[tuple[str, str]]:
        """(who, verdict title) per row, oldest first."""
        return [(self.item(r, 0).text(), self.item(r, 1).text()) for r in range(self.rowCount())]

    def clear_rows(self) -> None:
        self.setRowCount(0)


class AttentionView(QWidget):
    """The attention weights of every test prediction as a heatmap (rows: predictions, columns: the window's bars),
    and the chosen prediction's weights as bars beneath it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._maps: dict = {}  # model label → engine.attention.AttentionMap
        self.model = QComboBox()
        self.model.setToolTip("The attention model whose weights are shown")
        self.sample = QSpinBox()
        self.sample.setMinimum(1)
        self.sample.setToolTip("Which test prediction's window to show below, oldest first")
        self.when = QLabel()
        self.hint = _muted("Train an Attention LSTM or a PatchTST to see which bars of its window each prediction "
                           "leaned on (PatchTST: its last layer, per patch).")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Model"))
        bar.addWidget(self.model)
        bar.addWidget(QLabel("Prediction"))
        bar.addWidget(self.sample)
        bar.addWidget(self.when, 1)
        self.canvas = pg.GraphicsLayoutWidget()
        self.map_plot = self.canvas.addPlot(row=0, col=0)
        self.map_plot.setLabel("left", "Prediction")
        self.map_plot.getAxis("bottom").setStyle(showValues=False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.map_plot.addItem(self.image)
        self.chosen = pg.InfiniteLine(angle=0, movable=False, pen=pg.mkPen("#ff5555", width=1.5))
        self.map_plot.addItem(self.chosen)
        self.bar_plot = self.canvas.addPlot(row=1, col=0)
        self.bar_plot.setLabel("left", "Weight")
        self.bar_plot.setLabel("bottom", "Bar of the window (0 = the bar the prediction is made on)")
        self.bar_plot.setXLink(self.map_plot)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8, brush="#4c9be8")
        self.bar_plot.addItem(self.bars)
        self.canvas.ci.layout.setRowStretchFactor(0, 3)
        self.canvas.ci.layout.setRowStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.hint)
        layout.addWidget(self.canvas, 1)
        self.model.currentTextChanged.connect(self._show_model)
        self.sample.valueChanged.connect(self._show_sample)
        self.show_maps({})

    def show_maps(self, maps: dict) -> None:
        """The attention maps of a finished Train run, by model label (empty: none of its models has attention)."""
        self._maps = dict(maps)
        self.model.blockSignals(True)
        self.model.clear()
        self.model.addItems(list(self._maps))
        self.model.blockSignals(False)
        has = bool(self._maps)
        for widget in (self.model, self.sample, self.canvas):
            widget.setEnabled(has)
        self.hint.setVisible(not has)
        self._show_model(self.model.currentText())

    def shown_weights(self) -> np.ndarray | None:
        """The chosen prediction's weights as drawn, oldest bar first."""
        found = self._maps.get(self.model.currentText())
        return None if found is None else found.weights[self.sample.value() - 1]

    @Slot(str)
    def _show_model(self, label: str) -> None:
        found = self._maps.get(label)
        if found is None:
            self.image.clear()
            self.bars.setOpts(x=[], height=[])
            self.when.setText("")
            return
        n, window = found.weights.shape
        self.image.setImage(found.weights, levels=(0.0, float(found.weights.max()) or 1.0))
        self.image.setRect(QRectF(-window + 0.5, 0.5, window, n))
        self.sample.blockSignals(True)
        self.sample.setMaximum(n)
        self.sample.setValue(n)  # the most recent prediction first
        self.sample.blockSignals(False)
        self.map_plot.setRange(xRange=(-window + 0.5, 0.5), yRange=(0.5, n + 0.5), padding=0)
        self._show_sample(n)

    @Slot(int)
    def _show_sample(self, number: int) -> None:
        found = self._maps.get(self.model.currentText())
        if found is None:
            return
        weights = found.weights[number - 1]
        window = len(weights)
        self.chosen.setValue(number)
        self.bars.setOpts(x=np.arange(-window + 1, 1), height=weights)
        self.bar_plot.setYRange(0, float(weights.max()) * 1.1 or 1.0, padding=0)
        top = int(np.argmax(weights))
        self.when.setText(f"window ending {np.datetime_as_string(found.input_end[number - 1], unit='D')} "
                          f"({found.ticker[number - 1]}) · most weight on bar {top - window + 1} "
                          f"({weights[top]:.1%})")

    def apply_theme(self, theme: Theme) -> None:
        self.canvas.setBackground(theme.plot_bg)
        for plot in (self.map_plot, self.bar_plot):
            style_plot(plot, theme)


class LearningCurveView(QWidget):
    """The Learning curve button, the final training and validation error per training size, and the reading."""

    sigRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._theme = DARK
        self.button = QPushButton("Learning curve")
        self.button.setToolTip("Retrain each model of the last Train run on the most recent 25, 50, 75 and 100 % of "
                               "its training windows and plot the final errors (runs on the worker)")
        self.button.setEnabled(False)
        self.button.clicked.connect(self.sigRequested)
        self.status = _muted("Train first: the curve retrains the models of the last Train run.")
        bar = QHBoxLayout()
        bar.addWidget(self.button)
        bar.addWidget(self.status, 1)
        self.plot_widget = pg.PlotWidget()
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setLabel("bottom", "Training windows")
        self.plot.setLabel("left", "Final loss (scaled)")
        self.legend = self.plot.addLegend(offset=(-10, 10))
        self.reading = QLabel()
        self.reading.setWordWrap(True)
        self.reading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.reading)

    def allow(self, ready: bool, why: str) -> None:
        self.button.setEnabled(ready)
        self.status.setText(why)

    def show_curves(self, curves: dict) -> None:
        """engine.learning_curve.LearningCurve by model label."""
        self.plot.clear()
        self.legend.clear()
        readings = []
        for i, (label, curve) in enumerate(curves.items()):
            colour = self._theme.series[i % len(self._theme.series)]
            sizes = [p.windows for p in curve.points]
            train = self.plot.plot(sizes, [p.train_loss for p in curve.points], pen=pg.mkPen(colour, width=2),
                                   symbol="o", symbolSize=6, symbolBrush=colour)
            self.plot.plot(sizes, [p.val_loss for p in curve.points], symbol="s", symbolSize=6,
                                 pen=pg.mkPen(colour, width=2, style=Qt.PenStyle.DashLine), symbolBrush=colour)
            naive = pg.InfiniteLine(curve.naive_val, angle=0, pen=pg.mkPen(self._theme.muted, style=Qt.PenStyle.DotLine))
            self.plot.addItem(naive)
            self.legend.addItem(train, label)
            readings.append(f"<b>{label}</b>: {curve.reading}")
        self.reading.setText("<br>".join(readings) + f"<br><span style='color:{self._theme.muted}'>solid: training "
                             "error · dashed: validation error · dotted: the naive forecast's validation loss</span>")

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.plot_widget.setBackground(theme.plot_bg)
        style_plot(self.plot, theme)
        self.legend.setLabelTextColor(theme.plot_fg)

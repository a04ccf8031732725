"""A horizon × model heatmap of one metric of one run, coloured by the engine's rules for that metric."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from engine.baseline import BUY_AND_HOLD, NAIVE
from engine.significance import SIGNIFICANCE_LEVEL
from gui.format import SHORT_NAMES
from gui.theme import DARK, Theme, mix
from gui.views.metric_rules import NAIVE_VALUE, NEUTRAL, better, format_metric, goodness, neutral

_SHORT = {**SHORT_NAMES, BUY_AND_HOLD: "Buy &\nHold"}


class Heatmap(QTableWidget):
    """Rows are horizons, columns models (the full name in each header's tooltip); show() fills it."""

    def __init__(self, parent=None):
        super().__init__(0, 0, parent)
        self.theme = DARK
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.verticalHeader().setDefaultSectionSize(30)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().setMinimumSectionSize(56)

    def show_metric(self, result, metric: str, label: str, *, grey: bool) -> str:
        """Show `metric` of a BacktestResult (its first series); `grey`: grey the cells the verdict finds no skill
        in. Returns the caption: the colour scale in words. An empty result or metric clears the table."""
        self.clear()
        if result is None or not metric or result.metrics.empty:
            self.setRowCount(0)
            self.setColumnCount(0)
            return ""
        metrics = result.metrics
        tickers = list(dict.fromkeys(metrics["ticker"]))
        frame = metrics[metrics["ticker"] == tickers[0]]
        models = list(dict.fromkeys(frame["model"]))
        horizons = sorted({int(h) for h in frame["horizon"]})
        grid = np.full((len(horizons), len(models)), np.nan)
        for record in frame.to_dict("records"):
            grid[horizons.index(int(record["horizon"])), models.index(record["model"])] = _float(record.get(metric))
        self.setRowCount(len(horizons))
        self.setColumnCount(len(models))
        self.setHorizontalHeaderLabels([_SHORT.get(m, m) for m in models])
        self.setVerticalHeaderLabels([f"{h}-bar" for h in horizons])
        for c, model in enumerate(models):
            self.horizontalHeaderItem(c).setToolTip(model)
        rule = better(metric)
        naive = grid[:, [models.index(NAIVE)]] if NAIVE in models else np.full((len(horizons), 1), np.nan)
        centre = neutral(metric, np.broadcast_to(naive, grid.shape).ravel())
        place = goodness(grid.ravel(), rule, centre).reshape(grid.shape)
        verdicts = {(v["model"], v["horizon"]): v for v in result.verdicts if v["ticker"] == tickers[0]}
        for r, horizon in enumerate(horizons):
            for c, model in enumerate(models):
                self.setItem(r, c, self._cell(metric, grid[r, c], place[r, c], rule, verdicts.get((model, horizon)),
                                              f"{model}, {horizon}-bar horizon", grey))
        self.setFixedHeight(self.horizontalHeader().sizeHint().height()
                            + sum(self.rowHeight(r) for r in range(self.rowCount())) + 2 * self.frameWidth() + 2)
        scale = _scale_in_words(rule, None if centre is None else NEUTRAL[metric])
        only = f" · {tickers[0]} shown of {len(tickers)} series" if len(tickers) > 1 else ""
        greyed = f" · grey: no evidence of skill (p > {SIGNIFICANCE_LEVEL:g})" if grey else ""
        return f"{metric} of {label}: {scale}; — where a baseline has no such metric{only}{greyed}."

    def _cell(self, metric: str, value: float, place: float, rule, verdict: dict | None, where: str,
              grey: bool) -> QTableWidgetItem:
        theme = self.theme
        item = QTableWidgetItem(format_metric(metric, value))
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        if grey and verdict is not None and not verdict["significant"]:
            item.setBackground(QBrush(QColor(mix(theme.muted, theme.base, 0.16))))
            item.setForeground(QBrush(QColor(theme.muted)))
        else:
            item.setBackground(QBrush(QColor(_heat(place, rule, theme))))
        tip = f"{where}: {metric} = {format_metric(metric, value)}"
        item.setToolTip(f"{tip}\n{verdict['text']}" if verdict is not None else tip)
        return item


def _float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


def _scale_in_words(rule, centre) -> str:
    """The colour scale in words: where it turns from red to green, and which way is better."""
    if rule is None:
        return "shaded by size (neither higher nor lower is better)"
    if centre == NAIVE_VALUE:
        return f"green beats the naive forecast, red falls short of it ({rule} is better)"
    if centre is not None:
        return f"green is better than {centre:g}, red worse ({rule} is better)"
    return f"green is the best of these cells, red the worst ({rule} is better)"


def _heat(place: float, rule, theme: Theme) -> str:
    """A cell colour: red (worst) through the table colour (0.5, e.g. the neutral value) to green (best);
    accent shades without a rule."""
    if not np.isfinite(place):
        return theme.base
    if rule is None:
        return mix(theme.accent, theme.base, 0.1 + 0.45 * place)
    if place > 0.5:
        return mix(theme.success, theme.base, 0.08 + 0.55 * (place - 0.5) * 2)
    if place < 0.5:
        return mix(theme.error, theme.base, 0.08 + 0.5 * (0.5 - place) * 2)
    return theme.base

"""The Backtest tab's side panel: the selected model's metrics beside its baselines, in sections, with the
run's conventions folded away; before the result, the folds done per model."""
from __future__ import annotations

import html

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.baseline import BUY_AND_HOLD, LINEAR_BASELINE, NAIVE
from gui.backtest_state import BacktestState
from gui.format import SHORT_NAMES
from gui.theme import DARK, Theme
from gui.views.metric_rules import PER_TRADE, TABLE_SECTIONS, best_mask, better, explain, format_metric, metric_order


class MetricsPanel(QWidget):
    """Title, table, hint and conventions; subscribes to the state it is given."""

    def __init__(self, state: BacktestState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self._theme = DARK
        self.title = QLabel("Metrics")
        self.title.setProperty("role", "heading")
        self.table = QTableWidget(0, 1)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.hint = QLabel()
        self.hint.setProperty("role", "muted")
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # The conventions run to a long paragraph: folded away until asked for, so the table keeps its rows.
        self.conventions_button = QToolButton()
        self.conventions_button.setText("Conventions: how these numbers are computed")
        self.conventions_button.setCheckable(True)
        self.conventions_button.setAutoRaise(True)
        self.conventions_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.conventions_button.setArrowType(Qt.ArrowType.RightArrow)
        self.conventions_button.toggled.connect(self._toggle_conventions)
        self.conventions = QLabel()
        self.conventions.setTextFormat(Qt.TextFormat.PlainText)
        self.conventions.setProperty("role", "muted")
        self.conventions.setWordWrap(True)
        self.conventions.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.conventions.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 0, 0, 0)
        for widget, stretch in ((self.title, 0), (self.table, 1), (self.hint, 0), (self.conventions_button, 0),
                                (self.conventions, 0)):
            layout.addWidget(widget, stretch)
        layout.addStretch(0)
        for event in ("reset", "lists", "selection", "status"):
            state.connect(event, self.redraw)
        state.connect("result", self.redraw, deferred=True)  # after the charts: each gets its own paint
        self.apply_theme(self._theme)

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.table.setStyleSheet(f"QTableWidget {{ background: {theme.base}; border: 1px solid "
                                 f"{theme.border}; border-radius: 4px; }}")
        self.redraw()

    def redraw(self, *args) -> None:
        result = self.state.result
        self._set_conventions(result.conventions if result is not None else "")
        ticker, model, horizon = self.state.selection
        metrics = result.metrics if result is not None else pd.DataFrame()
        if not self.table.isHidden() or self.table.rowCount():  # a walk's progress redraws it on every fold
            self.table.clear()
            self.table.clearSpans()
        if metrics.empty or not model:
            self.table.setRowCount(0)
            self.table.hide()
            self.title.setText("Progress" if self.state.models else "Metrics")
            self.hint.setText(self._progress_text())
            return
        self.table.show()
        self._fill(metrics, ticker, model, horizon)
        self.title.setText(f"{model} · {horizon}-bar horizon · {ticker}")
        self.hint.setText("Green: the best of each row (higher or lower, as the metric says). "
                          "Naive predicts no change; Buy & Hold trades the same dates without costs.")

    def _fill(self, metrics: pd.DataFrame, ticker: str, model: str, horizon: int) -> None:
        table, theme = self.table, self._theme
        here = metrics[(metrics["ticker"] == ticker) & (metrics["horizon"] == horizon)]
        wanted = [model] + [m for m in (LINEAR_BASELINE, BUY_AND_HOLD, NAIVE) if m != model]
        rows = {m: here[here["model"] == m].iloc[0] for m in wanted if (here["model"] == m).any()}
        columns = [m for m in wanted if m in rows]
        lines = _lines(metrics.columns)
        table.setColumnCount(1 + len(columns))
        table.setRowCount(len(lines))
        # Two-line "Buy & Hold": the metric names, which elide first, keep the width.
        headers = ["Metric"] + [SHORT_NAMES.get(m, m).replace("Buy & Hold", "Buy &\nHold") for m in columns]
        for c, text in enumerate(headers):
            item = QTableWidgetItem(text)
            item.setToolTip(columns[c - 1] if c else "")
            table.setHorizontalHeaderItem(c, item)
        bold = QFont(table.font())
        bold.setBold(True)
        for r, (text, metric) in enumerate(lines):
            label = QTableWidgetItem(text)
            table.setItem(r, 0, label)
            if metric is None:  # a section heading across the row
                label.setFont(bold)
                label.setForeground(QBrush(QColor(theme.muted)))
                table.setSpan(r, 0, 1, table.columnCount())
                continue
            label.setToolTip(explain(metric))
            values = np.array([_float(rows[m].get(metric)) for m in columns])
            trades = np.array([_float(rows[m].get("# Trades")) for m in columns]) if metric in PER_TRADE else None
            best = (best_mask(values, better(metric), trades) if np.isfinite(values).sum() > 1
                    else np.zeros(len(values), bool))
            for c, m in enumerate(columns):
                item = QTableWidgetItem(format_metric(metric, rows[m].get(metric)))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if best[c]:
                    item.setFont(bold)
                    item.setForeground(QBrush(QColor(theme.success)))
                    item.setToolTip("Best of this row")
                elif m != model:
                    item.setForeground(QBrush(QColor(theme.muted)))
                table.setItem(r, c + 1, item)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # names elide first; tooltips hold them

    def _progress_text(self) -> str:
        """What the panel says before the metrics exist: the folds done per model."""
        state, theme = self.state, self._theme
        if not state.models:
            return "Run a backtest to see its metrics beside Buy & Hold and the naive forecast."
        rows = []
        for count in state.progress():
            colour = theme.text if count.done else theme.muted
            where = f" on {html.escape(count.ticker)}" if len(state.tickers) > 1 else ""
            rows.append(f"<tr><td style='color:{theme.series_colour(state.model_index(count.model))}'>■&nbsp;</td>"
                        f"<td style='color:{colour}'>{html.escape(count.model)}{where}&nbsp;&nbsp;</td>"
                        f"<td style='color:{colour}' align='right'>{count.done}"
                        f"{f' / {count.total}' if count.total else ''} folds&nbsp;&nbsp;</td>"
                        f"<td style='color:{theme.muted}'>{count.state}</td></tr>")
        note = (html.escape(state.stopped) if state.stopped else
                "The metrics appear when the backtest ends: they are scored on all folds together, beside "
                "Buy &amp; Hold and the naive forecast.")
        return f"<table cellspacing='0' cellpadding='2'>{''.join(rows)}</table><p style='color:{theme.muted}'>{note}</p>"

    def _set_conventions(self, text: str) -> None:
        self.conventions.setText(text)
        self.conventions_button.setVisible(bool(text))
        self.conventions_button.setToolTip(f"<p>{html.escape(text)}</p>" if text else "")

    @Slot(bool)
    def _toggle_conventions(self, on: bool) -> None:
        self.conventions.setVisible(on)
        self.conventions_button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)


def _lines(columns) -> list[tuple[str, str | None]]:
    """The table's rows: (section name, None) headings, each followed by its (metric, metric) rows."""
    present = metric_order(columns)
    sections = [(name, [m for m in names if m in present]) for name, names in TABLE_SECTIONS]
    sections.append(("More", [m for m in present if not any(m in names for _, names in TABLE_SECTIONS)]))
    lines: list[tuple[str, str | None]] = []
    for name, names in sections:
        if names:
            lines += [(name, None), *((m, m) for m in names)]
    return lines


def _float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")

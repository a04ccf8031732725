"""The forecast table beside the Backtest tab's chart: for the selected model, a column per horizon with the date,
the predicted price (or P(up)), its conformal intervals and their walk-forward coverage, the linear baseline's
forecast, and the track record it rests on; under it, the engine's sentence on how far to trust it."""
from __future__ import annotations

import html
import math

import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.backtest_state import BacktestState
from gui.theme import DARK, Theme
from gui.views.metric_rules import format_metric

_TIPS = {
    "Date": "The trading session the forecast is for: the h-th session after the last bar, on the series' calendar",
    "Price": "The predicted close on that date",
    "Return": "The predicted move from the last close, in the run's target units",
    "P(up)": "The model's probability that the close on that date is above the last close",
    "80 % interval": "Split-conformal interval from this model's own walk-forward errors at this horizon: it held "
                     "the actual close in 80 % of cases, with the (1 + 1/n) finite-sample correction",
    "95 % interval": "As the 80 % interval, at 95 %",
    "Covered": "How often the 80 % and 95 % intervals held the actual value over the walk-forward, each interval "
               "built only from errors known on its own decision day",
    "Baseline": "The linear baseline's forecast for the same date, fitted on the same windows",
    "Theil's U": "The walk-forward RMSE against predicting no change: below 1 beats it",
    "Direction": "The walk-forward share of forecasts with the right sign of the move",
    "DM p": "Diebold–Mariano p-value against the no-change forecast: below 0.05 is a significant edge",
    "Forecasts": "How many out-of-sample forecasts of this model and horizon the record rests on",
}


class ForecastPanel(QWidget):
    """A tab of the Backtest view's side panel; subscribes to the state it is given."""

    sigZoomRequested = Signal()  # show the last bars and the forecast on the price chart

    def __init__(self, state: BacktestState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self._theme = DARK
        self.title = QLabel()
        self.title.setProperty("role", "heading")
        self.zoom_button = QPushButton("Zoom the chart to it")
        self.zoom_button.setToolTip("Show the last bars and the forecast's fan on the price chart")
        self.zoom_button.clicked.connect(self.sigZoomRequested)
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sentence = QLabel()
        self.sentence.setWordWrap(True)
        self.sentence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        heading = QHBoxLayout()
        heading.addWidget(self.title, 1)
        heading.addWidget(self.zoom_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 0, 0, 6)
        layout.addLayout(heading)
        layout.addWidget(self.table)
        layout.addWidget(self.sentence)
        layout.addStretch(1)
        for event in ("reset", "selection", "result", "forecast"):
            state.connect(event, self.redraw)
        self.apply_theme(self._theme)

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.table.setStyleSheet(f"QTableWidget {{ background: {theme.base}; border: 1px solid {theme.border}; "
                                 "border-radius: 4px; }")
        self.redraw()

    def redraw(self) -> None:
        rows = self.state.shown_forecast()
        self.table.setVisible(not rows.empty)
        self.zoom_button.setVisible(not rows.empty and self.state.target != "direction")
        if rows.empty:
            self.title.setText("No forecast")
            self.sentence.setText(f"<span style='color:{self._theme.muted}'>After a backtest, the selected model "
                                  "forecasts the bars after the last one here; Compare's Forecast button does the "
                                  "same for a stored run.</span>")
            return
        direction = self.state.target == "direction"
        baseline = self.state.baseline_forecast()
        ticker, model, horizon = self.state.selection
        self.title.setText(f"Forecast after {rows['last_bar'].iloc[0]:%Y-%m-%d}")
        self.title.setToolTip(f"{model} on {ticker}, from the window ending on the last bar, with its final weights")
        lines = _lines(rows, baseline, self.state.target, direction)
        self.table.clear()
        self.table.setRowCount(len(lines))
        self.table.setColumnCount(len(rows))
        self.table.setHorizontalHeaderLabels([f"{h} bar" + ("s" if h != 1 else "") for h in rows["horizon"]])
        self.table.setVerticalHeaderLabels([name for name, _ in lines])
        for r, (name, cells) in enumerate(lines):
            self.table.verticalHeaderItem(r).setToolTip(_TIPS[name])
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        header = self.table.horizontalHeader().height() + 2 * self.table.frameWidth()
        self.table.setFixedHeight(header + sum(self.table.rowHeight(r) for r in range(len(lines))))
        picked = rows[rows["horizon"] == horizon]
        sentence = (picked if len(picked) else rows)["sentence"].iloc[0]
        self.sentence.setText(f"<span style='color:{self._theme.muted}'>{html.escape(sentence)}</span>")
        self.sentence.setToolTip("\n\n".join(rows["sentence"]))


def _lines(rows: pd.DataFrame, baseline: pd.DataFrame, target: str, direction: bool) -> list[tuple[str, list[str]]]:
    """The table's rows: (name, one text per horizon)."""
    by_horizon = baseline.set_index("horizon") if not baseline.empty else pd.DataFrame()

    def base(h: int, column: str, shown) -> str:
        return shown(by_horizon.at[h, column]) if h in by_horizon.index else "—"

    horizons = list(rows["horizon"])
    dates = ["Date", [f"{d:%Y-%m-%d}" for d in rows["target_date"]]]
    record = [("Theil's U", [format_metric("Theil's U", v) for v in rows["theils_u"]]),
              ("Direction", [format_metric("Directional Accuracy [%]", v) for v in rows["directional_accuracy"]]),
              ("DM p", [format_metric("DM p vs naive", v) for v in rows["dm_p"]]),
              ("Forecasts", [f"{int(n):,}" for n in rows["n_out_of_sample"]])]
    if direction:
        return [tuple(dates), ("P(up)", [f"{p:.0%}" for p in rows["predicted"]]),
                ("Baseline", [base(h, "predicted", lambda p: f"{p:.0%}") for h in horizons]), *record]
    lines = [tuple(dates), ("Price", [_price(v) for v in rows["predicted_price"]])]
    if target != "close":
        lines.append(("Return", [f"{v * 100:+.2f} %" + (" (log)" if target == "log_return" else "")
                                 for v in rows["predicted"]]))
    lines += [(f"{level} % interval", [_interval(lo, hi) for lo, hi in zip(rows[f"lower_{level}"],
                                                                           rows[f"upper_{level}"])])
              for level in (80, 95)]
    lines.append(("Covered", [f"{_share(a)} · {_share(b)}" for a, b in zip(rows["coverage_80"], rows["coverage_95"])]))
    lines.append(("Baseline", [base(h, "predicted_price", _price) for h in horizons]))
    return lines + record


def _price(value) -> str:
    """Four significant digits, thousands separated: 5,123 · 412.3 · 12.35."""
    if value is None or not math.isfinite(value):
        return "—"
    digits = max(0, 4 - len(str(int(abs(value)))))
    return f"{value:,.{digits}f}"


def _interval(low, high) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return "unbounded"  # too few walk-forward errors for this level
    return f"{_price(low)} – {_price(high)}"


def _share(value) -> str:
    return f"{value:.0%}" if value is not None and math.isfinite(value) else "—"

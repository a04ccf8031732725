"""The Search tab's tables: the trials as they grow (number, parameters, score, state, folds, duration) and the
hold-out of the best k (search score beside hold-out score, then the hold-out metrics). Each row carries its
trial number (Qt.UserRole of the first cell), which "Open as a run" reads."""
from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from gui.format import duration, number
from gui.search_state import SearchState


class SearchTable(QTableWidget):
    """A read-only table of rows; selecting picks one trial."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(22)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)

    def fill(self, headers: Sequence[str], rows: Sequence[tuple[int, Sequence[str]]]) -> None:
        """(trial number, cell texts) per row; the selected trial stays selected."""
        chosen = self.selected_trial()
        if [self.horizontalHeaderItem(i).text() for i in range(self.columnCount())] != list(headers):
            self.setColumnCount(len(headers))
            self.setHorizontalHeaderLabels(list(headers))
        self.setRowCount(len(rows))
        for r, (trial, cells) in enumerate(rows):
            for c, text in enumerate(cells):
                item = self.item(r, c)
                if item is None:
                    item = QTableWidgetItem()
                    self.setItem(r, c, item)
                item.setText(text)
                item.setData(Qt.ItemDataRole.UserRole, trial)
            if trial == chosen:
                self.selectRow(r)

    def selected_trial(self) -> int | None:
        items = self.selectedItems()
        return None if not items else items[0].data(Qt.ItemDataRole.UserRole)

    def cell(self, row: int, header: str) -> str:
        column = [self.horizontalHeaderItem(i).text() for i in range(self.columnCount())].index(header)
        return self.item(row, column).text()


def show_trials(table: SearchTable, state: SearchState) -> None:
    headers = ["#", *state.names, "value", "state", "folds", "duration"]
    rows = [(t.number, [str(t.number), *(_cell(t.params.get(n)) for n in state.names), number(t.value),
                        t.state.lower(), str(t.step), duration(t.duration_s) if math.isfinite(t.duration_s) else ""])
            for t in state.ordered()]
    table.fill(headers, rows)
    for r, trial in enumerate(state.ordered()):
        if trial.message:
            for c in range(table.columnCount()):
                table.item(r, c).setToolTip(trial.message)


def show_holdout(table: SearchTable, holdout: pd.DataFrame) -> None:
    """outcome.holdout: rank, number, the parameters, search_value, holdout_value, the hold-out metrics."""
    headers = [_HEADERS.get(c, c) for c in holdout.columns]
    rows = [(int(row["number"]), [_cell(v) for v in row.values()]) for row in holdout.to_dict("records")]
    table.fill(headers, rows)


_HEADERS = {"rank": "rank", "number": "#", "search_value": "search score", "holdout_value": "hold-out score"}


def _cell(value) -> str:
    if isinstance(value, float):
        return number(value)
    return "" if value is None else str(value)

"""The leaderboard as a Qt table: the engine's frame (engine.leaderboard) shown, sorted and filtered."""
from __future__ import annotations

import math

import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSize, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics
from PySide6.QtWidgets import QHeaderView

from engine.baseline import BUY_AND_HOLD, LINEAR_BASELINE, NAIVE
from engine.leaderboard import COLUMNS, FRAME_COLUMNS, INTERVALS, RUN_LEVEL, TEXT_COLUMNS, UPPER
from gui.theme import DARK, Theme, tint
from gui.views.metric_rules import better, explain, format_interval, format_mean_std, format_metric

SORT_ROLE = Qt.ItemDataRole.UserRole  # the raw value a column sorts by: float for numbers, text otherwise
# Two-line headers keep the columns narrow: all of them fit the tab of a 1920 × 1080 window unscrolled.
HEADERS = {"Return [%]": "Return\n[%]", "Sharpe Ratio": "Sharpe\nRatio", "Sharpe CI": "Sharpe\nCI",
           "DM p vs naive": "DM p\nvs naive", "Max. Drawdown [%]": "Max.\nDrawdown [%]", "Theil's U": "Theil's\nU",
           "Directional Accuracy [%]": "Directional\nAccuracy [%]", "DSR": "DSR\nof best"}
_BASELINE_TIPS = {BUY_AND_HOLD: "Holds the series over the tested dates, without costs",
                  NAIVE: "Predicts no change: the bar a forecast must beat (Theil's U and MASE = 1)",
                  LINEAR_BASELINE: "A linear model on the same windows, run with every backtest"}
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class LeaderboardModel(QAbstractTableModel):
    """One row per row of the engine's leaderboard frame; the best value of each column marked."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.frame = pd.DataFrame(columns=FRAME_COLUMNS)
        self._cells: list[dict] = []  # the frame's rows as dicts: a view asks for every cell on each layout
        self._sort_keys: dict[tuple[int, bool], list] = {}  # (column, descending) → each row's sort key
        self.sorting: tuple[int, Qt.SortOrder] | None = None  # the column and order the rows are kept in
        self.best: dict[str, set[int]] = {}  # metric → rows holding its best value (engine.leaderboard.best_rows)
        self.theme = DARK

    def set_frame(self, frame: pd.DataFrame) -> None:
        self.beginResetModel()
        self.frame = frame.reset_index(drop=True)
        self._cells = self.frame.to_dict("records")
        self._sort_keys = {}
        self.best = {}
        if self.sorting is not None:
            self._reorder(self._sorted_rows(*self.sorting))
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Keep the rows sorted by `column` (the table's header asks; a new frame is sorted alike), undefined values
        last in either order. Sorting here, once, replaced a proxy sort that compared rows in Python thousands of
        times on each new run."""
        self.sorting = (column, order) if column >= 0 else None
        if self.sorting is None or not self._cells:
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()  # the selection, the current cell
        moved_to = self._reorder(self._sorted_rows(column, order))
        self.changePersistentIndexList(persistent, [self.index(moved_to[i.row()], i.column()) for i in persistent])
        self.layoutChanged.emit()

    def _sorted_rows(self, column: int, order: Qt.SortOrder) -> list[int]:
        """The rows in sorted order (stable: equal keys keep their order)."""
        descending = order == Qt.SortOrder.DescendingOrder
        key = self.sort_key(column, descending)
        return sorted(range(len(key)), key=key.__getitem__, reverse=descending)

    def _reorder(self, rows: list[int]) -> dict[int, int]:
        """Row i becomes what row rows[i] was; returns where each old row went."""
        moved_to = {old: new for new, old in enumerate(rows)}
        self.frame = self.frame.iloc[rows].reset_index(drop=True)
        self._cells = [self._cells[row] for row in rows]
        self._sort_keys = {sorting: [key[row] for row in rows] for sorting, key in self._sort_keys.items()}
        self.best = {metric: {moved_to[row] for row in best} for metric, best in self.best.items()}
        return moved_to

    def set_best(self, best: dict[str, set[int]]) -> None:
        self.best = best
        self.refresh()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.refresh()

    def refresh(self) -> None:
        """Redraw every cell (the frame is unchanged)."""
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))

    def row_cells(self, row: int) -> dict:
        """Row `row` of the frame as {column: value}."""
        return self._cells[row]

    def is_best(self, row: int, metric: str) -> bool:
        return row in self.best.get(metric, ())

    def rowCount(self, parent: QModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._cells)

    def columnCount(self, parent: QModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(COLUMNS)

    def sort_key(self, column: int, descending: bool) -> list:
        """Each row's key in a sort by `column`: lower-case text, or (undefined, number) with undefined values last
        in either order, after any infinity. Kept until the frame changes."""
        key = self._sort_keys.get((column, descending))
        if key is None:
            values = [self.raw(row, column) for row in range(len(self._cells))]
            if COLUMNS[column] in TEXT_COLUMNS:
                key = [value.lower() for value in values]
            else:  # a descending sort reverses the order: there, undefined must come first to end up last
                key = [(math.isnan(value) != descending, 0.0 if math.isnan(value) else value) for value in values]
            self._sort_keys[(column, descending)] = key
        return key

    def raw(self, row: int, column: int):
        """The value a cell sorts by: a float for numeric columns (NaN if undefined), else text."""
        name = COLUMNS[column]
        value = self._cells[row][name]
        if name in TEXT_COLUMNS:
            return str(value)
        try:
            return float(value)
        except (TypeError, ValueError):
            return math.nan

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, name = index.row(), COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, name)
        if role == SORT_ROLE:
            return self.raw(row, index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _LEFT if name in TEXT_COLUMNS else _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, name)
        return self._look(role, self._cells[row]["kind"], self.is_best(row, name), name)

    def _text(self, row: int, name: str) -> str:
        cells = self._cells[row]
        value = cells[name]
        if name == "Horizon":
            return f"{int(value)}"
        if name in TEXT_COLUMNS:
            return str(value)
        if name in INTERVALS:
            return format_interval(value, cells[name + UPPER])
        if cells["kind"] == "seeds":
            return format_mean_std(name, value, cells[f"{name} std"])
        return format_metric(name, value)

    def _tooltip(self, row: int, name: str) -> str | None:
        if self.is_best(row, name):
            return f"Best {name} of the rows shown ({better(name)} is better)"
        cells = self._cells[row]
        if name == "Run":
            return cells["details"]
        if name == RUN_LEVEL:
            details = cells["DSR details"]
            return details if isinstance(details, str) else None  # NaN where the row has no DSR
        if name == "Model" and cells["kind"] == "baseline":
            return _BASELINE_TIPS[str(cells["Model"])]
        return None

    def _look(self, role: int, kind: str, best: bool, name: str):
        """Font and colours: the best values green and bold, baselines muted italics, seed rows tinted."""
        theme = self.theme
        if role == Qt.ItemDataRole.FontRole and (best or kind in ("baseline", "seeds")):
            font = QFont()
            font.setBold(best or (kind == "seeds" and name == "Run"))
            font.setItalic(kind == "baseline")
            return font
        if role == Qt.ItemDataRole.ForegroundRole:
            if best:
                return QBrush(QColor(theme.success))
            return QBrush(QColor(theme.muted)) if kind == "baseline" else None
        if role == Qt.ItemDataRole.BackgroundRole:
            if best:
                return QBrush(tint(theme.success, 0.16))
            shade = {"seeds": (theme.accent, 0.13), "baseline": (theme.muted, 0.10)}.get(kind)
            return QBrush(tint(*shade)) if shade else None
        return None

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        name = COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS.get(name, name)
        if role == Qt.ItemDataRole.ToolTipRole:
            return name if name in TEXT_COLUMNS or name == "Horizon" else explain(name)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _LEFT if name in TEXT_COLUMNS else _RIGHT
        return None


class TwoLineHeader(QHeaderView):
    """A horizontal header whose sections fit their longest line, with room for the sort arrow only
    where it is drawn (the styled header measures two lines as one and reserves the arrow everywhere)."""

    _PADDING, _ARROW = 16, 16

    def __init__(self, parent=None):
        super().__init__(Qt.Orientation.Horizontal, parent)

    def sectionSizeFromContents(self, logical: int) -> QSize:
        size = super().sectionSizeFromContents(logical)
        text = str(self.model().headerData(logical, Qt.Orientation.Horizontal) or "") if self.model() else ""
        font = QFont(self.font())
        font.setBold(True)
        metrics = QFontMetrics(font)
        width = max(metrics.horizontalAdvance(line) for line in text.split("\n")) + self._PADDING
        if self.isSortIndicatorShown() and logical == self.sortIndicatorSection():
            width += self._ARROW
        return QSize(width, size.height())


class LeaderboardProxy(QSortFilterProxyModel):
    """A text filter, and baselines and seed rows on or off, over the model's sorted rows."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setDynamicSortFilter(True)
        self._text = ""
        self.show_baselines = True
        self.show_seed_rows = True

    def set_filter(self, text: str, *, baselines: bool, seeds: bool) -> None:
        self.beginFilterChange()
        self._text = text.strip().lower()
        self.show_baselines, self.show_seed_rows = baselines, seeds
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def shown_rows(self) -> list[int]:
        """The source rows shown, top to bottom."""
        return [self.mapToSource(self.index(r, 0)).row() for r in range(self.rowCount())]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """The leaderboard model keeps its rows sorted (LeaderboardModel.sort); this proxy only filters them."""
        if self.sourceModel() is not None:
            self.sourceModel().sort(column, order)

    def filterAcceptsRow(self, row: int, parent: QModelIndex) -> bool:
        cells = self.sourceModel().row_cells(row)
        kind = cells["kind"]
        if kind == "baseline" and not self.show_baselines:
            return False
        if kind == "seeds" and not self.show_seed_rows:
            return False
        if not self._text:
            return True
        haystack = " ".join(str(cells[c]) for c in TEXT_COLUMNS).lower()
        return all(word in haystack for word in self._text.split())

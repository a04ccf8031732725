"""The Compare tab: every run's models and baselines on one sortable leaderboard, their equity and
drawdown overlaid, and a horizon × model heatmap of one run.

Runs come from this session (add_run) and from the run store (load_store). Runs whose configs
differ only in the training seed also get a row of mean ± std per ticker, model and horizon
(engine.store.seed_summary) and the Deflated Sharpe of the best of all their models and seeds
(engine.skill.run_stats_over_seeds), so a lucky seed is told apart from a better model.
"""
from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.baseline import BASELINES
from engine.significance import SIGNIFICANCE_LEVEL
from gui.charts import DateAxis, fast_plot
from gui.theme import DARK, Theme, style_plot
from gui.views.fold_timeline import seconds
from gui.views.metric_rules import (
    INTERVALS,
    LEADERBOARD_METRICS,
    NAIVE_VALUE,
    NEUTRAL,
    P_VALUES,
    best_mask,
    better,
    explain,
    format_interval,
    format_mean_std,
    format_metric,
    goodness,
    metric_order,
    neutral,
    run_stats_line,
    tested,
)

if TYPE_CHECKING:
    from engine.results import BacktestResult
    from engine.runs import RunConfig
    from engine.store import RunStore, StoredRun

SORT_ROLE = Qt.ItemDataRole.UserRole  # the raw value a column sorts by: float for numbers, text otherwise
_BUY_AND_HOLD, _NAIVE, _LINEAR = BASELINES
TEXT_COLUMNS = ("Run", "Ticker", "Model")
COLUMNS = ("Run", "Ticker", "Model", "Horizon", *LEADERBOARD_METRICS)
# Two-line headers keep the columns narrow: all of them fit the tab of a 1920 × 1080 window unscrolled.
_HEADERS = {"Return [%]": "Return\n[%]", "Sharpe Ratio": "Sharpe\nRatio", "Sharpe CI": "Sharpe\nCI",
            "DM p vs naive": "DM p\nvs naive", "Max. Drawdown [%]": "Max.\nDrawdown [%]", "Theil's U": "Theil's\nU",
            "Directional Accuracy [%]": "Directional\nAccuracy [%]", "DSR": "DSR\nof best"}
# The frame holds an interval column's lower end under its name (what it sorts by) and its upper end beside it.
_UPPER = " upper"
_RUN_LEVEL = "DSR"  # from the run's run_stats, not its metrics
_FROM_METRICS = tuple(m for m in LEADERBOARD_METRICS if m not in INTERVALS and m != _RUN_LEVEL)
# What seed rows average: a mean of p-values is no p-value, nor are the means of an interval's ends an interval.
_AVERAGED = tuple(m for m in _FROM_METRICS if m not in P_VALUES)
_FRAME_COLUMNS = [*COLUMNS, *(name + _UPPER for name in INTERVALS), *(f"{m} std" for m in LEADERBOARD_METRICS),
                  "DSR details", "seed", "kind", "key", "members", "details"]
_GREY_HELP = ("Grey the cells of models whose verdict finds no evidence of skill: the one-sided Diebold–Mariano "
              "p-value against predicting no change (the base rate, for a direction target) is above "
              f"{SIGNIFICANCE_LEVEL:g}. Hover a cell for its verdict.")
_MAX_OVERLAID = 12  # curves drawn at once; more selected rows are listed but not drawn


@dataclass(frozen=True)
class _Run:
    key: str  # "#12" for stored run 12, else the label the window gave
    label: str
    config: RunConfig
    result: BacktestResult
    store_id: int | None
    name: str
    created: str
    fingerprint: str
    notice: str | None = None  # what a run stored by an older version lacks (StoredRun.notice)

    @property
    def seed(self) -> int:
        return int(self.config.training.seed)

    @property
    def group(self) -> str:
        """The config as JSON without the seed: runs with equal groups differ only in their seed."""
        config = self.config.to_dict()
        config["training"].pop("seed", None)
        return json.dumps(config, sort_keys=True)


def _kind(model: str) -> str:
    return "baseline" if model in BASELINES else "model"


class LeaderboardModel(QAbstractTableModel):
    """One row per run × ticker × model × horizon (baselines included), plus mean ± std rows over seeds."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.frame = pd.DataFrame(columns=_FRAME_COLUMNS)
        self.best: dict[int, set[int]] = {}  # column → source rows holding its best value
        self.theme = DARK

    def set_frame(self, frame: pd.DataFrame) -> None:
        self.beginResetModel()
        self.frame = frame.reset_index(drop=True)
        self.best = {}
        self.endResetModel()

    def set_best(self, best: dict[int, set[int]]) -> None:
        self.best = best
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))

    def rowCount(self, parent: QModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.frame)

    def columnCount(self, parent: QModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(COLUMNS)

    def raw(self, row: int, column: int):
        """The value a cell sorts by: a float for numeric columns (NaN if undefined), else text."""
        name = COLUMNS[column]
        value = self.frame.at[row, name]
        if name in TEXT_COLUMNS:
            return str(value)
        try:
            return float(value)
        except (TypeError, ValueError):
            return math.nan

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        name = COLUMNS[column]
        kind = self.frame.at[row, "kind"]
        theme = self.theme
        best = row in self.best.get(column, ())
        if role == Qt.ItemDataRole.DisplayRole:
            value = self.frame.at[row, name]
            if name == "Horizon":
                return f"{int(value)}"
            if name in TEXT_COLUMNS:
                return str(value)
            if name in INTERVALS:
                return format_interval(value, self.frame.at[row, name + _UPPER])
            if kind == "seeds":
                return format_mean_std(name, value, self.frame.at[row, f"{name} std"])
            return format_metric(name, value)
        if role == SORT_ROLE:
            return self.raw(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if name in TEXT_COLUMNS:
                return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole:
            if best or kind == "baseline" or kind == "seeds":
                font = QFont()
                font.setBold(best or (kind == "seeds" and name == "Run"))
                font.setItalic(kind == "baseline")
                return font
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if best:
                return QBrush(QColor(theme.success))
            if kind == "baseline":
                return QBrush(QColor(theme.muted))
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            if best:
                return QBrush(_tint(theme.success, 0.16))
            if kind == "seeds":
                return QBrush(_tint(theme.accent, 0.13))
            if kind == "baseline":
                return QBrush(_tint(theme.muted, 0.10))
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if best:
                rule = better(name)
                return f"Best {name} of the rows shown ({rule} is better)"
            if name == "Run":
                return self.frame.at[row, "details"]
            if name == _RUN_LEVEL:
                details = self.frame.at[row, "DSR details"]
                return details if isinstance(details, str) else None  # NaN where the row has no DSR
            if kind == "baseline" and name == "Model":
                return {_BUY_AND_HOLD: "Holds the series over the tested dates, without costs",
                        _NAIVE: "Predicts no change: the bar a forecast must beat (Theil's U and MASE = 1)",
                        _LINEAR: "A linear model on the same windows, run with every backtest"}[str(self.frame.at[row, "Model"])]
            return None
        return None

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        name = COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS.get(name, name)
        if role == Qt.ItemDataRole.ToolTipRole:
            return name if name in TEXT_COLUMNS or name == "Horizon" else explain(name)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if name in TEXT_COLUMNS:
                return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class _TwoLineHeader(QHeaderView):
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
    """Numeric sort with undefined values last in either order; a text filter; baselines on or off."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)
        self._text = ""
        self.show_baselines = True
        self.show_seed_rows = True

    def set_filter(self, text: str, *, baselines: bool, seeds: bool) -> None:
        self.beginFilterChange()
        self._text = text.strip().lower()
        self.show_baselines, self.show_seed_rows = baselines, seeds
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def lessThan(self, left: QModelIndex, right: QModelIndex) -> bool:
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if isinstance(a, float) and isinstance(b, float):
            if math.isnan(a) or math.isnan(b):
                # NaN is the "largest" in ascending order and the "smallest" in descending: last either way.
                descending = self.sortOrder() == Qt.SortOrder.DescendingOrder
                if math.isnan(a) and math.isnan(b):
                    return False
                return math.isnan(b) != descending
            return a < b
        return str(a).lower() < str(b).lower()

    def filterAcceptsRow(self, row: int, parent: QModelIndex) -> bool:
        model: LeaderboardModel = self.sourceModel()
        frame = model.frame
        kind = frame.at[row, "kind"]
        if kind == "baseline" and not self.show_baselines:
            return False
        if kind == "seeds" and not self.show_seed_rows:
            return False
        if not self._text:
            return True
        haystack = " ".join(str(frame.at[row, c]) for c in TEXT_COLUMNS).lower()
        return all(word in haystack for word in self._text.split())


class CompareView(QWidget):
    """The Compare tab. The window adds runs and reacts to the three request signals."""

    title = "Compare"
    sigRerunRequested = Signal(object)  # the RunConfig to run again
    sigExportRequested = Signal(str, object)  # run label, BacktestResult: write engine.results.export_csv
    # run label, RunConfig, BacktestResult, the row's (ticker, model, horizon): show it in the Backtest tab
    sigOpenRequested = Signal(str, object, object, object)
    sigRunDeleted = Signal(str)  # the deleted run's key ("#12" for stored run 12)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._theme = DARK
        self._runs: dict[str, _Run] = {}
        self._damaged: dict[int, str] = {}  # stored run id → why it could not be read
        self._store: RunStore | None = None
        self._curves: dict[tuple, tuple[pg.PlotDataItem, pg.PlotDataItem | None]] = {}
        self._overlaid: list[tuple[str, pg.PlotDataItem]] = []
        self._seed_stats: dict[tuple[str, ...], pd.DataFrame] = {}  # run keys of a seed group → its run_stats

        # --- leaderboard --------------------------------------------------------------------------------
        heading = QLabel("Leaderboard")
        heading.setProperty("role", "heading")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter: run, ticker or model…")
        self.filter.setClearButtonEnabled(True)
        self.filter.setMaximumWidth(260)
        self.filter.textChanged.connect(self._filter_changed)
        self.baselines_box = QCheckBox("Baselines")
        self.baselines_box.setChecked(True)
        self.baselines_box.setToolTip("Show Buy & Hold, Naive (no change) and the linear baseline of each run")
        self.seeds_box = QCheckBox("Mean ± std over seeds")
        self.seeds_box.setChecked(True)
        self.seeds_box.setToolTip("Runs whose settings differ only in the seed get a row of mean ± standard "
                                  "deviation per ticker, model and horizon")
        for box in (self.baselines_box, self.seeds_box):
            box.toggled.connect(self._filter_changed)
        self.count = QLabel()
        self.count.setProperty("role", "muted")
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addSpacing(12)
        top.addWidget(self.filter)
        top.addWidget(self.baselines_box)
        top.addWidget(self.seeds_box)
        top.addStretch(1)
        top.addWidget(self.count)

        self.model = LeaderboardModel(self)
        self.proxy = LeaderboardProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setHorizontalHeader(_TwoLineHeader(self.table))
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COLUMNS.index("Sharpe Ratio"), Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(False)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setMaximumSectionSize(170)  # a long run label elides; its tooltip has it all
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(self._open_row)
        self.legend_hint = QLabel("Click a header to sort · select rows (Ctrl/Shift for several) to overlay their "
                                  "equity · double-click to open a run in the Backtest tab · green: best value "
                                  "of each column (hover a header for which way is better) · italics: baselines")
        self.legend_hint.setProperty("role", "muted")
        self.legend_hint.setWordWrap(True)
        board = QWidget()
        board_layout = QVBoxLayout(board)
        board_layout.setContentsMargins(0, 0, 0, 0)
        board_layout.addLayout(top)
        board_layout.addWidget(self.table, 1)
        board_layout.addWidget(self.legend_hint)

        # --- overlaid equity and drawdown -------------------------------------------------------------------
        self.chart = pg.GraphicsLayoutWidget()
        self.chart.ci.setSpacing(0)
        self.equity_plot = self._add_plot(0, "Equity [$]")
        self.drawdown_plot = self._add_plot(1, "Drawdown [%]")
        self.drawdown_plot.setXLink(self.equity_plot)
        self.equity_plot.getAxis("bottom").setStyle(showValues=False)
        self.chart.ci.layout.setRowStretchFactor(0, 3)
        self.chart.ci.layout.setRowStretchFactor(1, 2)
        self.legend = self.equity_plot.addLegend(offset=(8, 6), verSpacing=-6)
        self.chart_hint = QLabel()
        self.chart_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.chart_hint.setProperty("role", "muted")
        self.chart_stack = QStackedWidget()
        self.chart_stack.addWidget(self.chart_hint)
        self.chart_stack.addWidget(self.chart)

        # --- the selected run: actions and heatmap -------------------------------------------------------------
        run_heading = QLabel("Run")
        run_heading.setProperty("role", "heading")
        self.run_box = QComboBox()
        self.run_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.run_box.setMinimumContentsLength(18)
        self.run_box.currentIndexChanged.connect(self._run_changed)
        self.run_details = QLabel()
        self.run_details.setWordWrap(True)
        self.run_details.setProperty("role", "muted")
        self.run_details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.rerun_button = QPushButton("Re-run")
        self.rerun_button.setToolTip("Run this configuration again (queued like Train)")
        self.rerun_button.clicked.connect(self._rerun)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Write its predictions, metrics, equity, trades and folds as CSV files")
        self.export_button.clicked.connect(self._export)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setToolTip("Delete this run (asks first)")
        self.delete_button.clicked.connect(self.delete_current)
        buttons = QHBoxLayout()
        buttons.addWidget(self.rerun_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        buttons.addWidget(self.delete_button)
        heat_heading = QLabel("Horizon × model")
        heat_heading.setProperty("role", "heading")
        self.metric_box = QComboBox()
        self.metric_box.setToolTip("The metric the heatmap shows")
        self.metric_box.currentTextChanged.connect(self._draw_heatmap)
        self.grey_box = QCheckBox(f"Grey out p > {SIGNIFICANCE_LEVEL:g}")
        self.grey_box.toggled.connect(self._draw_heatmap)
        self.heatmap = QTableWidget(0, 0)
        self.heatmap.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.heatmap.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.heatmap.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.heatmap.setShowGrid(False)
        self.heatmap.setWordWrap(False)
        self.heatmap.verticalHeader().setDefaultSectionSize(30)
        self.heatmap.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.heatmap.horizontalHeader().setMinimumSectionSize(56)
        self.heat_hint = QLabel()
        self.heat_hint.setProperty("role", "muted")
        self.heat_hint.setWordWrap(True)
        self.run_warnings = QLabel()
        self.run_warnings.setWordWrap(True)
        self.run_warnings.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.run_warnings.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        side = QWidget()
        side.setMinimumWidth(360)
        grid = QGridLayout(side)
        grid.setContentsMargins(10, 0, 0, 0)
        grid.addWidget(run_heading, 0, 0)
        grid.addWidget(self.run_box, 0, 1)
        grid.addWidget(self.run_details, 1, 0, 1, 2)
        grid.addLayout(buttons, 2, 0, 1, 2)
        heat_controls = QHBoxLayout()
        heat_controls.addWidget(self.metric_box, 1)
        heat_controls.addWidget(self.grey_box)
        grid.addWidget(heat_heading, 3, 0)
        grid.addLayout(heat_controls, 3, 1)
        grid.addWidget(self.heatmap, 4, 0, 1, 2)
        grid.addWidget(self.heat_hint, 5, 0, 1, 2)
        grid.addWidget(self.run_warnings, 6, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(7, 1)
        grid.setVerticalSpacing(8)

        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.chart_stack)
        side_scroll = QScrollArea()  # a short window scrolls the run's details rather than piling them up
        side_scroll.setWidget(side)
        side_scroll.setWidgetResizable(True)
        side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        side_scroll.setMinimumWidth(side.minimumWidth() + side_scroll.verticalScrollBar().sizeHint().width())
        lower.addWidget(side_scroll)
        lower.setStretchFactor(0, 1)
        lower.setStretchFactor(1, 0)  # a wider window widens the charts
        lower.setSizes([860, 500])
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(board)
        self.splitter.addWidget(lower)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([430, 430])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.splitter)
        self._rebuild()
        self.apply_theme(self._theme)

    def _add_plot(self, row: int, label: str) -> pg.PlotItem:
        plot = fast_plot(self.chart.addPlot(row=row, col=0, axisItems={"bottom": DateAxis()}))
        plot.setLabel("left", label)
        plot.getAxis("left").setWidth(64)
        plot.setMouseEnabled(x=True, y=False)
        plot.enableAutoRange(y=True)
        plot.setAutoVisible(y=True)
        plot.hideButtons()
        return plot

    # --- what the window calls -------------------------------------------------------------------------
    def add_run(self, run: int | str, config: RunConfig, result: BacktestResult, *, name: str = "",
                created: str = "", fingerprint: str = "") -> str:
        """Add (or replace) a run: an int is its id in the store given to load_store, a str a session label.

        Returns the run's key ("#12" for stored run 12).
        """
        store_id = run if isinstance(run, int) else None
        key = f"#{run}" if store_id is not None else str(run)
        self._drop_curves(key)
        self._forget_seed_stats(key)
        self._runs[key] = _Run(key, key, config, result, store_id, name, created, fingerprint)
        self._rebuild(current=key)
        return key

    def add_stored(self, stored: StoredRun) -> str:
        """Add a run read from the store (e.g. on a worker thread: StoredRun holds no connection)."""
        return self.add_run(stored.id, stored.config, stored.result, name=stored.name, created=stored.created,
                            fingerprint=stored.data_fingerprint)

    def load_store(self, store: RunStore) -> int:
        """Add every run of the store; Delete then deletes from it. Call on the thread that opened it.

        Returns how many runs were read; damaged ones are listed in the run box so they can be deleted.
        """
        from engine.errors import WorkbenchError

        self._store = store
        ids = [int(i) for i in store.list_runs()["id"]][::-1]  # oldest first
        read = 0
        for run_id in ids:
            if f"#{run_id}" in self._runs:
                continue
            try:
                stored = store.load(run_id)
            except WorkbenchError as error:
                self._damaged[run_id] = str(error)
                continue
            self._runs[f"#{run_id}"] = _Run(f"#{run_id}", f"#{run_id}", stored.config, stored.result, run_id,
                                            stored.name, stored.created, stored.data_fingerprint, stored.notice)
            read += 1
        self._rebuild()
        return read

    def attach_store(self, store: RunStore) -> None:
        """Delete from this store (opened on the GUI thread) runs added with their store id, e.g. by add_stored."""
        self._store = store

    def remove_run(self, key: str) -> None:
        """Forget a run in the view only (the store is untouched)."""
        self._runs.pop(key, None)
        self._forget_seed_stats(key)
        if key.startswith("#") and key[1:].isdigit():
            self._damaged.pop(int(key[1:]), None)
        self._rebuild()

    def _forget_seed_stats(self, key: str) -> None:
        self._seed_stats = {keys: stats for keys, stats in self._seed_stats.items() if key not in keys}

    @property
    def run_keys(self) -> list[str]:
        return list(self._runs)

    def current_run(self) -> str | None:
        """The key of the run the buttons and the heatmap act on."""
        return self.run_box.currentData()

    def set_current_run(self, key: str) -> None:
        i = self.run_box.findData(key)
        if i >= 0:
            self.run_box.setCurrentIndex(i)

    def select_rows(self, rows: list[int]) -> None:
        """Select rows of the table as shown (sorted and filtered) and overlay their curves."""
        selection = QItemSelection()
        for row in rows:
            if 0 <= row < self.proxy.rowCount():
                selection.select(self.proxy.index(row, 0), self.proxy.index(row, self.proxy.columnCount() - 1))
        self.table.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def overlaid(self) -> list[tuple[str, pg.PlotDataItem]]:
        """(legend name, equity curve) of every drawn selection."""
        return list(self._overlaid)

    def export_widget(self) -> QWidget:
        return self.chart

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.model.theme = theme
        self.chart.setBackground(theme.plot_bg)
        for plot in (self.equity_plot, self.drawdown_plot):
            style_plot(plot, theme)
        self.legend.setLabelTextColor(theme.plot_fg)
        self.legend.setBrush(pg.mkBrush(_tint(theme.plot_bg, 0.8)))
        self.legend.setPen(pg.mkPen(None))
        for widget in (self.table, self.heatmap):
            widget.setStyleSheet(f"{type(widget).__name__} {{ background: {theme.base}; border: 1px solid "
                                 f"{theme.border}; border-radius: 4px; selection-background-color: "
                                 f"{_mix(theme.accent, theme.base, 0.45)}; selection-color: {theme.text}; }}"
                                 f"QHeaderView::section {{ padding: 4px 4px; }}")
        if self.model.rowCount():
            self.model.dataChanged.emit(self.model.index(0, 0),
                                        self.model.index(self.model.rowCount() - 1, self.model.columnCount() - 1))
        self._selection_changed()
        self._run_changed()

    # --- building the table -------------------------------------------------------------------------------
    def _rebuild(self, current: str | None = None) -> None:
        current = current or self.current_run()
        identity = ["key", "Ticker", "Model", "Horizon", "kind"]
        frame = self.model.frame
        kept = {tuple(frame.loc[row, identity]) for row in self._selected_source_rows()}
        self.model.set_frame(self._frame())
        # One series in every run: its column would only repeat it (the run box and tooltips name it).
        self.table.setColumnHidden(COLUMNS.index("Ticker"), self.model.frame["Ticker"].nunique() <= 1)
        self._update_best()
        self.run_box.blockSignals(True)
        self.run_box.clear()
        for run in self._runs.values():
            self.run_box.addItem(_run_title(run), run.key)
        for run_id in sorted(self._damaged):
            self.run_box.addItem(f"#{run_id} (damaged)", f"#{run_id}")
        self.run_box.blockSignals(False)
        if current is not None and self.run_box.findData(current) >= 0:
            self.run_box.setCurrentIndex(self.run_box.findData(current))
        self._run_changed()
        self._update_count()
        frame = self.model.frame
        again = [self.proxy.mapFromSource(self.model.index(row, 0)).row() for row in range(len(frame))
                 if tuple(frame.loc[row, identity]) in kept]
        self.select_rows([row for row in again if row >= 0])  # a new run keeps the user's overlays
        self._selection_changed()

    def _frame(self) -> pd.DataFrame:
        rows = []
        for run in self._runs.values():
            details = _run_details(run)
            for record in run.result.metrics.to_dict("records"):
                ticker, model, horizon = record["ticker"], record["model"], int(record["horizon"])
                trial = model not in (_BUY_AND_HOLD, _NAIVE)  # the run-level figures are over the run's models
                rows.append({"Run": run.label, "seed": run.seed, "Ticker": ticker, "Model": model, "Horizon": horizon,
                             **{m: record.get(m, np.nan) for m in _FROM_METRICS},
                             **{name + _UPPER: record.get(high, np.nan) for name, (_, high) in INTERVALS.items()},
                             **{name: record.get(low, np.nan) for name, (low, _) in INTERVALS.items()},
                             **(_deflated(run.result.run_stats, ticker, horizon, "this run's models") if trial else {}),
                             "kind": _kind(model), "key": run.key, "members": (run.key,), "details": details})
        rows += self._seed_rows()
        return pd.DataFrame(rows, columns=_FRAME_COLUMNS)

    def _seed_rows(self) -> list[dict]:
        """Mean ± std rows for every group of two or more runs that differ only in the seed."""
        groups: dict[str, list[_Run]] = {}
        for run in self._runs.values():
            if not run.result.metrics.empty:  # a run cancelled before its first fold has nothing to average
                groups.setdefault(run.group, []).append(run)
        groups = {g: runs for g, runs in groups.items() if len({r.seed for r in runs}) > 1}
        if not groups:
            return []
        from engine.store import seed_summary

        rows = []
        for runs in groups.values():
            summary = seed_summary([run.result.metrics for run in runs])
            stats = self._over_seeds(runs)
            label = "mean: " + ", ".join(run.label for run in runs)
            seeds = ", ".join(str(run.seed) for run in runs)
            for record in summary.to_dict("records"):
                if record["model"] in (_BUY_AND_HOLD, _NAIVE):
                    continue  # they do not depend on the seed
                ticker, horizon = record["ticker"], int(record["horizon"])
                rows.append({
                    "Run": label, "seed": np.nan, "Ticker": ticker, "Model": record["model"], "Horizon": horizon,
                    **{m: record.get(f"{m} mean", np.nan) for m in _AVERAGED},
                    **{f"{m} std": record.get(f"{m} std", np.nan) for m in _AVERAGED},
                    **_deflated(stats, ticker, horizon, "every model and seed of these runs"),
                    "kind": "seeds", "key": runs[0].key, "members": tuple(run.key for run in runs),
                    "details": f"Mean and standard deviation over {record['runs']} runs with seeds {seeds}, "
                               "otherwise identical settings (p-values and intervals are not averaged)",
                })
        return rows

    def _over_seeds(self, runs: list[_Run]) -> pd.DataFrame:
        """The engine's run-level figures with every model and seed of `runs` a trial (one run per seed), cached."""
        key = tuple(run.key for run in runs)
        if key not in self._seed_stats:
            from engine.skill import RUN_STATS_COLUMNS, run_stats_over_seeds

            by_seed: dict[int, BacktestResult] = {}
            for run in runs:
                by_seed.setdefault(run.seed, run.result)
            first = runs[0].config
            self._seed_stats[key] = (
                run_stats_over_seeds(by_seed, target=first.windows.target,
                                     repetitions=first.trading.bootstrap_repetitions)
                if all(tested(run.result.metrics) for run in runs) else pd.DataFrame(columns=RUN_STATS_COLUMNS))
        return self._seed_stats[key]

    def _update_best(self) -> None:
        """Mark each metric column's best value among the rows the filter shows."""
        visible = [self.proxy.mapToSource(self.proxy.index(r, 0)).row() for r in range(self.proxy.rowCount())]
        best: dict[int, set[int]] = {}
        frame = self.model.frame
        for metric in LEADERBOARD_METRICS:
            column = COLUMNS.index(metric)
            values = frame[metric].to_numpy(dtype=np.float64)[visible] if visible else np.empty(0)
            mask = best_mask(values, better(metric))
            best[column] = {visible[i] for i in np.flatnonzero(mask)}
        self.model.set_best(best)

    def is_best(self, source_row: int, metric: str) -> bool:
        return source_row in self.model.best.get(COLUMNS.index(metric), set())

    @Slot()
    def _filter_changed(self, *args) -> None:
        self.proxy.set_filter(self.filter.text(), baselines=self.baselines_box.isChecked(),
                              seeds=self.seeds_box.isChecked())
        self._update_best()
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        runs = len(self._runs)
        self.count.setText(f"{runs} run{'s' if runs != 1 else ''} · {shown} of {total} rows" if total
                           else "No runs yet")

    # --- overlaid curves -------------------------------------------------------------------------------
    def _selected_source_rows(self) -> list[int]:
        rows = {self.proxy.mapToSource(index).row() for index in self.table.selectionModel().selectedRows()}
        # In the order the table shows them, so colours follow the table from the top.
        return sorted(rows, key=lambda r: self.proxy.mapFromSource(self.model.index(r, 0)).row())

    @Slot()
    def _selection_changed(self, *args) -> None:
        frame = self.model.frame
        wanted: list[tuple[tuple, str, int]] = []  # curve key, legend name, colour index
        for i, row in enumerate(self._selected_source_rows()):
            members = frame.at[row, "members"]
            ticker, model, horizon = self._shown_in(row)
            for member in members:
                name = f"{self._runs[member].label} · {model} · {horizon}-bar" if member in self._runs else ""
                wanted.append(((member, ticker, model, horizon), name, i))
        wanted = wanted[:_MAX_OVERLAID]
        shown = {key for key, _, _ in wanted}
        for key, (equity, drawdown) in self._curves.items():
            if key not in shown:
                equity.hide()
                if drawdown is not None:
                    drawdown.hide()
        self._overlaid = []
        self.legend.clear()
        for key, name, i in wanted:
            curves = self._curve(key)
            if curves is None:
                continue
            equity, drawdown = curves
            colour = self._theme.series[i % len(self._theme.series)]
            dashed = key[2] == _BUY_AND_HOLD
            equity.setPen(pg.mkPen(colour, width=1.8, style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine))
            equity.show()
            if drawdown is not None:
                drawdown.setPen(pg.mkPen(colour, width=1.2))
                drawdown.show()
            if name not in {n for n, _ in self._overlaid}:
                self.legend.addItem(equity, name)
            self._overlaid.append((name, equity))
        self._update_chart_hint()
        if self._overlaid:
            for plot in (self.equity_plot, self.drawdown_plot):
                plot.enableAutoRange(x=True, y=True)
        rows = self._selected_source_rows()
        if rows:
            self.set_current_run(frame.at[rows[0], "key"])

    def _curve(self, key: tuple) -> tuple[pg.PlotDataItem, pg.PlotDataItem | None] | None:
        """The equity and drawdown curves of (run, ticker, model, horizon), created on first use."""
        if key in self._curves:
            return self._curves[key]
        run_key, ticker, model, horizon = key
        run = self._runs.get(run_key)
        if run is None or run.result.equity.empty or model == _NAIVE:
            return None  # the naive forecast does not trade
        equity = run.result.equity
        here = equity[(equity["ticker"] == ticker) & (equity["horizon"] == horizon)]
        if model == _BUY_AND_HOLD:
            # Buy & Hold's equity is the benchmark column of any model traded on these dates.
            here = here[here["model"] == here["model"].iloc[0]] if len(here) else here
            column, drawdown = "benchmark_equity", None
        else:
            here = here[here["model"] == model]
            column, drawdown = "equity", "drawdown"
        if here.empty:
            return None
        x = seconds(here["date"])
        equity_curve = pg.PlotDataItem(x, here[column].to_numpy(dtype=np.float64), connect="finite")
        self.equity_plot.addItem(equity_curve)
        drawdown_curve = None
        if drawdown is not None:
            drawdown_curve = pg.PlotDataItem(x, here[drawdown].to_numpy(dtype=np.float64) * 100.0, connect="finite")
            self.drawdown_plot.addItem(drawdown_curve)
        self._curves[key] = (equity_curve, drawdown_curve)
        return self._curves[key]

    def _drop_curves(self, run_key: str) -> None:
        for key in [k for k in self._curves if k[0] == run_key]:
            equity, drawdown = self._curves.pop(key)
            self.equity_plot.removeItem(equity)
            if drawdown is not None:
                self.drawdown_plot.removeItem(drawdown)

    def _update_chart_hint(self) -> None:
        self.chart_hint.setText("Select rows of the leaderboard to overlay their equity and drawdown"
                                if self._runs else "Finished backtests appear here, with the runs stored on disk")
        self.chart_stack.setCurrentWidget(self.chart if self._overlaid else self.chart_hint)

    # --- the current run --------------------------------------------------------------------------------
    @Slot()
    def _run_changed(self, *args) -> None:
        key = self.current_run()
        run = self._runs.get(key) if key else None
        damaged = key is not None and run is None
        self.rerun_button.setEnabled(run is not None)
        self.export_button.setEnabled(run is not None)
        self.delete_button.setEnabled(key is not None)
        if run is None:
            self.run_details.setText(html.escape(self._damaged.get(int(key[1:]), "")) if damaged else
                                     "No runs yet: finished backtests and the runs in the store appear here.")
        else:
            self.run_details.setText(_run_details(run, rich=True))
        self._show_run_warnings(run)
        metrics = run.result.metrics if run is not None else pd.DataFrame()
        self.grey_box.setEnabled(tested(metrics))
        self.grey_box.setToolTip(_GREY_HELP if tested(metrics) or metrics.empty else
                                 "This run was stored before the significance tests: re-run it to get them.")
        names = [m for m in metric_order(metrics.columns) if pd.api.types.is_numeric_dtype(metrics[m])]
        current = self.metric_box.currentText() or "Sharpe Ratio"
        self.metric_box.blockSignals(True)
        self.metric_box.clear()
        self.metric_box.addItems(names)
        self.metric_box.blockSignals(False)
        if current in names:
            self.metric_box.setCurrentText(current)
        self._draw_heatmap()

    def _show_run_warnings(self, run: _Run | None) -> None:
        warnings = run.result.warnings if run is not None else ()
        if not warnings:
            self.run_warnings.setText("")
            self.run_warnings.setToolTip("")
            return
        shown = "".join(f"<li>{html.escape(w.text)}</li>" for w in warnings[:2])
        more = (f"<li>… and {len(warnings) - 2} more (hover here, or open the run in the Backtest tab)</li>"
                if len(warnings) > 2 else "")
        self.run_warnings.setToolTip("\n\n".join(w.text for w in warnings))
        self.run_warnings.setText(
            f"<span style='color:{self._theme.warning}'><b>⚠ {len(warnings)} warning"
            f"{'s' if len(warnings) > 1 else ''}</b></span><ul style='margin: 2px 0 0 -24px'>{shown}{more}</ul>")

    @Slot()
    def _draw_heatmap(self, *args) -> None:
        key = self.current_run()
        run = self._runs.get(key) if key else None
        metric = self.metric_box.currentText()
        table = self.heatmap
        table.clear()
        if run is None or not metric or run.result.metrics.empty:
            table.setRowCount(0)
            table.setColumnCount(0)
            self.heat_hint.setText("")
            return
        metrics = run.result.metrics
        tickers = list(dict.fromkeys(metrics["ticker"]))
        frame = metrics[metrics["ticker"] == tickers[0]] if len(tickers) > 1 else metrics
        models = list(dict.fromkeys(frame["model"]))
        horizons = sorted({int(h) for h in frame["horizon"]})
        grid = np.full((len(horizons), len(models)), np.nan)
        for record in frame.to_dict("records"):
            grid[horizons.index(int(record["horizon"])), models.index(record["model"])] = _float(record.get(metric))
        table.setRowCount(len(horizons))
        table.setColumnCount(len(models))
        table.setHorizontalHeaderLabels([_short(m).replace("Buy & Hold", "Buy &\nHold") for m in models])
        table.setVerticalHeaderLabels([f"{h}-bar" for h in horizons])
        for c, m in enumerate(models):
            table.horizontalHeaderItem(c).setToolTip(m)
        rule = better(metric)
        naive = grid[:, [models.index(_NAIVE)]] if _NAIVE in models else np.full((len(horizons), 1), np.nan)
        centre = neutral(metric, np.broadcast_to(naive, grid.shape).ravel())
        place = goodness(grid.ravel(), rule, centre).reshape(grid.shape)
        theme = self._theme
        verdicts = {(v["model"], v["horizon"]): v for v in run.result.verdicts if v["ticker"] == tickers[0]}
        grey = self.grey_box.isChecked() and self.grey_box.isEnabled()
        for r in range(len(horizons)):
            for c in range(len(models)):
                item = QTableWidgetItem(format_metric(metric, grid[r, c]))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                verdict = verdicts.get((models[c], horizons[r]))
                tip = f"{models[c]}, {horizons[r]}-bar horizon: {metric} = {format_metric(metric, grid[r, c])}"
                if grey and verdict is not None and not verdict["significant"]:
                    item.setBackground(QBrush(QColor(_mix(theme.muted, theme.base, 0.16))))
                    item.setForeground(QBrush(QColor(theme.muted)))
                else:
                    item.setBackground(QBrush(QColor(_heat(place[r, c], rule, theme))))
                item.setToolTip(f"{tip}\n{verdict['text']}" if verdict is not None else tip)
                table.setItem(r, c, item)
        header_height = table.horizontalHeader().sizeHint().height()
        table.setFixedHeight(header_height + sum(table.rowHeight(r) for r in range(table.rowCount()))
                             + 2 * table.frameWidth() + 2)
        scale = _heat_scale(rule, None if centre is None else NEUTRAL[metric])
        only = f" · {tickers[0]} shown of {len(tickers)} series" if len(tickers) > 1 else ""
        greyed = f" · grey: no evidence of skill (p > {SIGNIFICANCE_LEVEL:g})" if grey else ""
        self.heat_hint.setText(f"{metric} of {run.label}: {scale}; — where a baseline has no such metric{only}"
                               f"{greyed}.")

    def heatmap_shape(self) -> tuple[int, int]:
        return self.heatmap.rowCount(), self.heatmap.columnCount()

    @Slot()
    def _rerun(self) -> None:
        run = self._runs.get(self.current_run() or "")
        if run is not None:
            self.sigRerunRequested.emit(run.config)

    @Slot()
    def _export(self) -> None:
        run = self._runs.get(self.current_run() or "")
        if run is not None:
            self.sigExportRequested.emit(run.label, run.result)

    @Slot(QModelIndex)
    def _open_row(self, index: QModelIndex) -> None:
        row = self.proxy.mapToSource(index).row()
        run = self._runs.get(self.model.frame.at[row, "key"])
        if run is not None:
            self.sigOpenRequested.emit(run.label, run.config, run.result, self._shown_in(row))

    def _shown_in(self, row: int) -> tuple[str, str, int]:
        """The (ticker, model, horizon) a source row of the leaderboard shows."""
        frame = self.model.frame
        return str(frame.at[row, "Ticker"]), str(frame.at[row, "Model"]), int(frame.at[row, "Horizon"])

    @Slot()
    def delete_current(self) -> bool:
        """Ask, then delete the current run from the store (if stored) and from the view; True if deleted."""
        from engine.errors import WorkbenchError

        key = self.current_run()
        if key is None:
            return False
        run = self._runs.get(key)
        store_id = run.store_id if run is not None else int(key[1:])
        stored = store_id is not None and self._store is not None
        where = " and everything stored with it (predictions, trades, models)" if stored else " from this list"
        answer = QMessageBox.question(
            self, "Delete run", f"Delete run {key}{where}? This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        if stored:
            try:
                self._store.delete(store_id)
            except WorkbenchError as error:
                QMessageBox.warning(self, "Could not delete the run", str(error))
                return False
        self._drop_curves(key)
        self.remove_run(key)
        self.sigRunDeleted.emit(key)
        return True


def _run_title(run: _Run) -> str:
    tickers = "+".join(run.config.data.tickers) or "CSV"
    models = ", ".join(m.arch for m in run.config.models)
    return f"{run.label} · {tickers} · {models} · seed {run.seed}"


def _run_details(run: _Run, rich: bool = False) -> str:
    config = run.config
    result = run.result
    parts = [
        (f"window {config.windows.window}, horizons {', '.join(map(str, config.windows.horizons))}, "
         f"target {config.windows.target}"),
        f"{len(result.folds)} folds, {config.training.epochs} epochs, seed {run.seed}",
    ]
    if run.created:
        parts.append(f"stored {run.created.replace('T', ' ')[:16]}")
    if run.fingerprint:
        parts.append(f"data {run.fingerprint}")
    if result.warnings:
        parts.append(f"{len(result.warnings)} warning{'s' if len(result.warnings) > 1 else ''}")
    text = " · ".join(parts)
    if run.name:
        text = f"{run.name} — {text}"
    if run.notice:
        text = f"{text}\n{run.notice}"
    return html.escape(text).replace("\n", "<br>") if rich else text


def _deflated(stats: pd.DataFrame, ticker: str, horizon: int, trials: str) -> dict:
    """The DSR cell of a row, from the engine's run-level figures of its ticker and horizon (none if it has none)."""
    row = stats[(stats["ticker"] == ticker) & (stats["horizon"] == horizon)]
    if row.empty:
        return {}
    return {_RUN_LEVEL: row["DSR"].iloc[0],
            "DSR details": f"Deflated Sharpe of the best of {trials} on {ticker} at the {horizon}-bar horizon. "
                           f"{run_stats_line(row.iloc[0])}"}


def _short(model: str) -> str:
    return {_BUY_AND_HOLD: "Buy & Hold", _NAIVE: "Naive", _LINEAR: "Linear"}.get(model, model)


def _float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _heat_scale(rule, centre) -> str:
    """The heatmap's colour scale in words: where it turns from red to green, and which way is better."""
    if rule is None:
        return "shaded by size (neither higher nor lower is better)"
    if centre == NAIVE_VALUE:
        return f"green beats the naive forecast, red falls short of it ({rule} is better)"
    if centre is not None:
        return f"green is better than {centre:g}, red worse ({rule} is better)"
    return f"green is the best of these cells, red the worst ({rule} is better)"


def _tint(colour: str, alpha: float) -> QColor:
    c = QColor(colour)
    c.setAlphaF(alpha)
    return c


def _mix(colour: str, background: str, amount: float) -> str:
    a, b = QColor(colour), QColor(background)
    return QColor(round(a.red() * amount + b.red() * (1 - amount)),
                  round(a.green() * amount + b.green() * (1 - amount)),
                  round(a.blue() * amount + b.blue() * (1 - amount))).name()


def _heat(place: float, rule, theme: Theme) -> str:
    """A cell colour: red (worst) through the table colour (0.5, e.g. the neutral value) to green (best);
    accent shades without a rule."""
    if not np.isfinite(place):
        return theme.base
    if rule is None:
        return _mix(theme.accent, theme.base, 0.1 + 0.45 * place)
    if place > 0.5:
        return _mix(theme.success, theme.base, 0.08 + 0.55 * (place - 0.5) * 2)
    if place < 0.5:
        return _mix(theme.error, theme.base, 0.08 + 0.5 * (0.5 - place) * 2)
    return theme.base

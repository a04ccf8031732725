"""The Compare tab: every run's models and baselines on one sortable leaderboard, their equity and
drawdown overlaid, and a horizon × model heatmap of one run.

Runs come from this session (add_run) and from the run store, read on the worker (show_stored). The
engine's Leaderboard holds them and builds the table; the widgets here only show it.
"""
from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd
from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from engine.errors import WorkbenchError
from engine.leaderboard import COLUMNS, BoardRun, Leaderboard, best_rows
from engine.significance import SIGNIFICANCE_LEVEL
from gui.theme import DARK, Theme, mix
from gui.views.equity_overlay import EquityOverlay, Overlaid
from gui.views.heatmap import Heatmap
from gui.views.leaderboard_model import LeaderboardModel, LeaderboardProxy, TwoLineHeader
from gui.views.metric_rules import metric_order, tested

if TYPE_CHECKING:
    from engine.results import BacktestResult
    from engine.runs import RunConfig
    from engine.store import RunStore, StoredRun

_GREY_HELP = ("Grey the cells of models whose verdict finds no evidence of skill: the one-sided Diebold–Mariano "
              "p-value against predicting no change (the base rate, for a direction target) is above "
              f"{SIGNIFICANCE_LEVEL:g}. Hover a cell for its verdict.")
_IDENTITY = ["key", "Ticker", "Model", "Horizon", "kind"]  # what a selected row is known by across rebuilds


class CompareView(QWidget):
    """The Compare tab. The window adds runs and reacts to the request signals."""

    title = "Compare"
    sigRerunRequested = Signal(object)  # the RunConfig to run again
    sigForecastRequested = Signal(int, bool)  # the stored run's id, refit first: forecast the bars after the latest one
    sigExportRequested = Signal(str, object)  # run label, BacktestResult: write engine.results.export_csv
    # run label, RunConfig, BacktestResult, the row's (ticker, model, horizon): show it in the Backtest tab
    sigOpenRequested = Signal(str, object, object, object)
    sigRunDeleted = Signal(str)  # the deleted run's key ("#12" for stored run 12)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._theme = DARK
        self.board = Leaderboard()
        self._store: RunStore | None = None  # where Delete deletes stored runs

        self.overlay = EquityOverlay()
        self.chart_hint = QLabel()
        self.chart_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.chart_hint.setProperty("role", "muted")
        self.chart_stack = QStackedWidget()
        self.chart_stack.addWidget(self.chart_hint)
        self.chart_stack.addWidget(self.overlay)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.chart_stack)
        lower.addWidget(self._run_panel())
        lower.setStretchFactor(0, 1)
        lower.setStretchFactor(1, 0)  # a wider window widens the charts
        lower.setSizes([860, 500])
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self._leaderboard_panel())
        self.splitter.addWidget(lower)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([430, 430])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.splitter)
        self._rebuild()
        self.apply_theme(self._theme)

    def _leaderboard_panel(self) -> QWidget:
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
        for widget in (heading, self.filter, self.baselines_box, self.seeds_box):
            top.addWidget(widget)
        top.insertSpacing(1, 12)
        top.addStretch(1)
        top.addWidget(self.count)

        self.model = LeaderboardModel(self)
        self.proxy = LeaderboardProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setHorizontalHeader(TwoLineHeader(self.table))
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COLUMNS.index("Sharpe Ratio"), Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        # Columns fit the rows in view only (the rows' header sets how many a column's fit reads), and only while
        # the tab is shown (_fit_columns): a hidden table fits every cell, 90 ms for a few dozen runs, on each change.
        self.table.verticalHeader().setResizeContentsPrecision(0)
        self._columns_fitted = False
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setMaximumSectionSize(170)  # a long run label elides; its tooltip has it all
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(self._open_row)
        hint = QLabel("Click a header to sort · select rows (Ctrl/Shift for several) to overlay their equity · "
                      "double-click to open a run in the Backtest tab · green: best value of each column (hover a "
                      "header for which way is better) · italics: baselines · dashed: Buy & Hold")
        hint.setProperty("role", "muted")
        hint.setWordWrap(True)
        board = QWidget()
        layout = QVBoxLayout(board)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(hint)
        return board

    def _run_panel(self) -> QWidget:
        """The current run: its details, Re-run / Export / Delete, its heatmap and warnings; scrolls when short."""
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
        self.rerun_button = self._button("Re-run", "Run this configuration again (queued like Train)", self._rerun)
        self.export_button = self._button("Export CSV…", "Write its predictions, metrics, equity, trades and folds "
                                          "as CSV files", self._export)
        self.forecast_button = QPushButton("Forecast")
        self.forecast_button.setToolTip("Forecast the bars after the latest one with this run's models, on its series "
                                        "loaded afresh, with intervals and the run's track record (stored runs only)")
        menu = QMenu(self.forecast_button)
        menu.addAction("With the run's final models", lambda: self._forecast(refit=False))
        menu.addAction("Refit on every bar up to the latest, then forecast", lambda: self._forecast(refit=True))
        self.forecast_button.setMenu(menu)
        self.delete_button = self._button("Delete…", "Delete this run (asks first)", self.delete_current)
        buttons = QHBoxLayout()
        buttons.addWidget(self.rerun_button)
        buttons.addWidget(self.forecast_button)
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
        heat_controls = QHBoxLayout()
        heat_controls.addWidget(self.metric_box, 1)
        heat_controls.addWidget(self.grey_box)
        self.heatmap = Heatmap()
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
        grid.addWidget(heat_heading, 3, 0)
        grid.addLayout(heat_controls, 3, 1)
        grid.addWidget(self.heatmap, 4, 0, 1, 2)
        grid.addWidget(self.heat_hint, 5, 0, 1, 2)
        grid.addWidget(self.run_warnings, 6, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(7, 1)
        grid.setVerticalSpacing(8)
        scroll = QScrollArea()  # a short window scrolls the run's details rather than piling them up
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(side.minimumWidth() + scroll.verticalScrollBar().sizeHint().width())
        return scroll

    @staticmethod
    def _button(text: str, tip: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    # --- what the window calls -------------------------------------------------------------------------
    def add_run(self, run: int | str, config: RunConfig, result: BacktestResult, *, name: str = "",
                created: str = "", fingerprint: str = "") -> str:
        """Add (or replace) a run: an int is its id in the store, a str a session label.

        Returns the run's key ("#12" for stored run 12).
        """
        store_id = run if isinstance(run, int) else None
        key = f"#{run}" if store_id is not None else str(run)
        self.overlay.drop(key)
        self.board.add(BoardRun(key, config, result, store_id, name, created, fingerprint))
        self._rebuild(current=key)
        return key

    def show_stored(self, runs: Sequence[StoredRun], damaged: Mapping[int, str], *,
                    store: RunStore | None = None) -> int:
        """Add runs read from the store (engine.store.RunStore.load_all, e.g. on the worker) and list the damaged
        ones so they can be deleted; `store`, opened on this thread, is where Delete deletes them.

        Returns how many runs were added (a run already shown is kept).
        """
        self._store = store
        shown = set(self.run_keys)
        added = [BoardRun.from_stored(stored) for stored in runs if f"#{stored.id}" not in shown]
        for run in added:
            self.board.add(run)
        self.board.add_damaged(damaged)
        self._rebuild()
        return len(added)

    def load_store(self, store: RunStore) -> int:
        """Read every run of the store here, on the GUI thread, and show them (show_stored reads nothing)."""
        contents = store.load_all()
        return self.show_stored(contents.runs, contents.damaged, store=store)

    def remove_run(self, key: str) -> None:
        """Forget a run in the view only (the store is untouched)."""
        self.overlay.drop(key)
        self.board.remove(key)
        self._rebuild()

    @property
    def run_keys(self) -> list[str]:
        return [run.key for run in self.board.runs]

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

    def export_widget(self) -> QWidget:
        return self.overlay

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.model.set_theme(theme)
        self.overlay.apply_theme(theme)
        self.heatmap.theme = theme
        for widget, selector in ((self.table, "QTableView"), (self.heatmap, "QTableWidget")):
            widget.setStyleSheet(f"{selector} {{ background: {theme.base}; border: 1px solid "
                                 f"{theme.border}; border-radius: 4px; selection-background-color: "
                                 f"{mix(theme.accent, theme.base, 0.45)}; selection-color: {theme.text}; }}"
                                 f"QHeaderView::section {{ padding: 4px 4px; }}")
        self._run_changed()

    # --- the leaderboard ------------------------------------------------------------------------------------
    def _rebuild(self, current: str | None = None) -> None:
        current = current or self.current_run()
        kept = {self._identity(row) for row in self._selected_rows()}
        self.model.set_frame(self.board.frame())
        # One series in every run: its column would only repeat it (the run box and tooltips name it).
        self.table.setColumnHidden(COLUMNS.index("Ticker"), self.model.frame["Ticker"].nunique() <= 1)
        self._update_best()
        self.run_box.blockSignals(True)
        self.run_box.clear()
        for run in self.board.runs:
            self.run_box.addItem(run.title, run.key)
        for run_id in sorted(self.board.damaged):
            self.run_box.addItem(f"#{run_id} (damaged)", f"#{run_id}")
        self.set_current_run(current or "")
        self.run_box.blockSignals(False)
        self._run_changed()
        self._update_count()
        again = [self.proxy.mapFromSource(self.model.index(row, 0)).row() for row in range(self.model.rowCount())
                 if kept and self._identity(row) in kept]
        self.select_rows([row for row in again if row >= 0])  # a new run keeps the user's overlays
        self._selection_changed()
        self._fit_columns()

    def _identity(self, row: int) -> tuple:
        cells = self.model.row_cells(row)
        return tuple(cells[name] for name in _IDENTITY)

    def _fit_columns(self) -> None:
        """Each column as wide as its header and the rows in view; done when the tab is next shown if hidden."""
        self._columns_fitted = self.table.isVisible()
        if self._columns_fitted:
            self.table.resizeColumnsToContents()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._columns_fitted:
            self._fit_columns()

    def _update_best(self) -> None:
        """Mark each metric column's best value among the rows the filter shows."""
        self.model.set_best(best_rows(self.model.frame, self.proxy.shown_rows()))

    @Slot()
    def _filter_changed(self, *args) -> None:
        self.proxy.set_filter(self.filter.text(), baselines=self.baselines_box.isChecked(),
                              seeds=self.seeds_box.isChecked())
        self._update_best()
        self._update_count()
        self._fit_columns()

    def _update_count(self) -> None:
        shown, total, runs = self.proxy.rowCount(), self.model.rowCount(), len(self.board.runs)
        self.count.setText(f"{runs} run{'s' if runs != 1 else ''} · {shown} of {total} rows" if total
                           else "No runs yet")

    def _selected_rows(self) -> list[int]:
        """The selected source rows, in the order the table shows them, so colours follow the table from the top."""
        rows = {self.proxy.mapToSource(index).row() for index in self.table.selectionModel().selectedRows()}
        return sorted(rows, key=lambda r: self.proxy.mapFromSource(self.model.index(r, 0)).row())

    def _shown_in(self, row: int) -> tuple[str, str, int]:
        """The (ticker, model, horizon) a source row of the leaderboard shows."""
        frame = self.model.frame
        return str(frame.at[row, "Ticker"]), str(frame.at[row, "Model"]), int(frame.at[row, "Horizon"])

    @Slot()
    def _selection_changed(self, *args) -> None:
        wanted = []
        rows = self._selected_rows()
        for colour, row in enumerate(rows):
            ticker, model, horizon = self._shown_in(row)
            for member in self.model.frame.at[row, "members"]:
                run = self.board.get(member)
                if run is not None:
                    wanted.append(Overlaid(member, run.result, ticker, model, horizon,
                                           f"{member} · {model} · {horizon}-bar", colour))
        self.overlay.show_curves(wanted)
        self.chart_hint.setText("Select rows of the leaderboard to overlay their equity and drawdown"
                                if self.board.runs else "Finished backtests appear here, with the runs stored on disk")
        self.chart_stack.setCurrentWidget(self.overlay if self.overlay.overlaid() else self.chart_hint)
        if rows:
            self.set_current_run(self.model.frame.at[rows[0], "key"])

    @Slot(QModelIndex)
    def _open_row(self, index: QModelIndex) -> None:
        row = self.proxy.mapToSource(index).row()
        run = self.board.get(self.model.frame.at[row, "key"])
        if run is not None:
            self.sigOpenRequested.emit(run.key, run.config, run.result, self._shown_in(row))

    # --- the current run --------------------------------------------------------------------------------
    @Slot()
    def _run_changed(self, *args) -> None:
        key = self.current_run()
        run = self.board.get(key)
        self.rerun_button.setEnabled(run is not None)
        self.forecast_button.setEnabled(run is not None and run.store_id is not None)
        self.export_button.setEnabled(run is not None)
        self.delete_button.setEnabled(key is not None)
        if run is not None:
            self.run_details.setText(html.escape(run.details).replace("\n", "<br>"))
        elif key is not None:
            self.run_details.setText(html.escape(self.board.damaged.get(int(key[1:]), "")))
        else:
            self.run_details.setText("No runs yet: finished backtests and the runs in the store appear here.")
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
        if current in names:
            self.metric_box.setCurrentText(current)
        self.metric_box.blockSignals(False)
        self._draw_heatmap()

    def _show_run_warnings(self, run: BoardRun | None) -> None:
        warnings = run.result.warnings if run is not None else ()
        self.run_warnings.setToolTip("\n\n".join(w.text for w in warnings))
        if not warnings:
            self.run_warnings.setText("")
            return
        shown = "".join(f"<li>{html.escape(w.text)}</li>" for w in warnings[:2])
        more = (f"<li>… and {len(warnings) - 2} more (hover here, or open the run in the Backtest tab)</li>"
                if len(warnings) > 2 else "")
        self.run_warnings.setText(
            f"<span style='color:{self._theme.warning}'><b>⚠ {len(warnings)} warning"
            f"{'s' if len(warnings) > 1 else ''}</b></span><ul style='margin: 2px 0 0 -24px'>{shown}{more}</ul>")

    @Slot()
    def _draw_heatmap(self, *args) -> None:
        run = self.board.get(self.current_run())
        self.heat_hint.setText(self.heatmap.show_metric(
            run.result if run is not None else None, self.metric_box.currentText(), run.key if run else "",
            grey=self.grey_box.isChecked() and self.grey_box.isEnabled()))

    def heatmap_shape(self) -> tuple[int, int]:
        """(horizons, models) the heatmap shows."""
        return self.heatmap.rowCount(), self.heatmap.columnCount()

    @Slot()
    def _rerun(self) -> None:
        run = self.board.get(self.current_run())
        if run is not None:
            self.sigRerunRequested.emit(run.config)

    def _forecast(self, *, refit: bool) -> None:
        run = self.board.get(self.current_run())
        if run is not None and run.store_id is not None:
            self.sigForecastRequested.emit(run.store_id, refit)

    @Slot()
    def _export(self) -> None:
        run = self.board.get(self.current_run())
        if run is not None:
            self.sigExportRequested.emit(run.key, run.result)

    @Slot()
    def delete_current(self) -> bool:
        """Ask, then delete the current run from the store (if stored) and from the view; True if deleted."""
        key = self.current_run()
        if key is None:
            return False
        run = self.board.get(key)
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
        self.remove_run(key)
        self.sigRunDeleted.emit(key)
        return True

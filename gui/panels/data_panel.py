"""The Data panel: which series (tickers, CSV files, the synthetic series), which dates, bar interval and exchange
calendar; where the bars came from."""
from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QDate, QStringListModel, Qt, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.data import SAMPLE_TICKERS
from engine.data.loader import clean_ticker
from engine.data.quality import AUTO_CALENDAR, COMMON_CALENDARS, check_calendar
from engine.data.synthetic import SYNTHETIC_NAME
from engine.data.yahoo import INTERVALS
from engine.errors import WorkbenchError
from gui.events import PreviewRequest, PreviewResult
from gui.panels.forms import set_help, wheel_when_focused
from gui.theme import DARK, Theme

_KIND, _VALUE = Qt.ItemDataRole.UserRole, Qt.ItemDataRole.UserRole + 1


class DataPanel(QWidget):
    sigChanged = Signal()  # the series, dates, interval or calendar changed: reload the preview, re-check the run
    sigCurrentChanged = Signal(str)  # the series picked in the list, to show on the Data tab
    sigImportRequested = Signal()  # "Import CSV…" pressed: the window opens the file dialog
    sigSyntheticRequested = Signal()  # "Synthetic series…" pressed: the window opens its dialog

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._theme = DARK
        self._history: list[str] = []

        self.ticker = QLineEdit()
        self.ticker.setPlaceholderText("Ticker, e.g. SP500 or AAPL")
        self._completions = QStringListModel(list(SAMPLE_TICKERS))
        completer = QCompleter(self._completions, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.ticker.setCompleter(completer)
        self.ticker.returnPressed.connect(self.add_from_field)
        self.ticker.textEdited.connect(lambda _: _show_error(self.ticker_error, None))
        set_help(self.ticker, "Ticker",
                 f"A market symbol. {', '.join(SAMPLE_TICKERS)} ships with the app and works offline; any other "
                 "symbol (AAPL, ^GSPC, EURUSD=X, BRK-B) is downloaded from Yahoo Finance once and kept in a "
                 "local cache, which is used when you are offline. Press Enter or Add to put it in the list.")
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self.add_from_field)
        self.ticker_error = _error_label()

        self.series = QListWidget()
        self.series.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.series.setMinimumHeight(64)
        self.series.setMaximumHeight(110)
        self.series.itemChanged.connect(lambda _: self.sigChanged.emit())
        self.series.currentItemChanged.connect(self._current_changed)
        set_help(self.series, "Series",
                 "Ticked series are used for training; several are pooled into one data set, each scaled on "
                 "its own training bars. Click a series to see it on the Data tab.")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected series from the list (Delete)")
        self.remove_button.clicked.connect(self.remove_selected)
        self.import_button = QPushButton("Import CSV…")
        self.import_button.setToolTip("Add an OHLCV CSV file as a series (Ctrl+I)")
        self.import_button.clicked.connect(lambda: self.sigImportRequested.emit())
        self.synthetic_button = QPushButton("Synthetic series…")
        self.synthetic_button.setToolTip("Generate a series with injected anomalies and make it the data source")
        self.synthetic_button.clicked.connect(lambda: self.sigSyntheticRequested.emit())

        self.use_start, self.start = _optional_date("From", QDate(2015, 1, 1))
        self.use_end, self.end = _optional_date("To", QDate.currentDate())
        for box, edit in ((self.use_start, self.start), (self.use_end, self.end)):
            box.toggled.connect(edit.setEnabled)
            box.toggled.connect(lambda _: self.sigChanged.emit())
            edit.dateChanged.connect(lambda _: self.sigChanged.emit())
        set_help(self.start, "First date", "Bars before this day are left out. Untick to start at the first bar.")
        set_help(self.end, "Last date", "Bars after this day are left out. Untick to use everything up to now.")
        self.interval = wheel_when_focused(QComboBox())
        self.interval.addItems(list(INTERVALS))
        self.interval.setCurrentText("1d")
        self.interval.currentTextChanged.connect(lambda _: self.sigChanged.emit())
        set_help(self.interval, "Interval",
                 "The bar size downloaded from Yahoo: 1d is one bar per trading day. Intraday bars (1m to 1h) "
                 "are only kept by Yahoo for the last days or months. The bundled sample has daily bars only.")
        self.date_error = _error_label()
        self.calendar = wheel_when_focused(QComboBox())
        self.calendar.setEditable(True)
        self.calendar.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        # Matches listed, not typed in: inline completion would turn "X" into XNYS and reload the Data tab on it.
        self.calendar.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.calendar.addItem(AUTO_CALENDAR)
        for name, place in COMMON_CALENDARS.items():
            self.calendar.addItem(name)
            self.calendar.setItemData(self.calendar.count() - 1, place, Qt.ItemDataRole.ToolTipRole)
        self.calendar.currentTextChanged.connect(self._calendar_changed)
        set_help(self.calendar, "Calendar",
                 "The exchange calendar the data-quality check counts missing sessions against; auto infers it "
                 "from the bars (XNYS for stocks, 24/7 with weekend bars, 24/5 for forex). Pick one or type any "
                 "exchange_calendars name, e.g. XLON for London. It changes only the report, never the bars "
                 "a run trains on.")
        self.calendar_error = _error_label()

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        pick = QHBoxLayout()
        pick.addWidget(self.ticker, 1)
        pick.addWidget(self.add_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.synthetic_button)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        dates = QGridLayout()
        dates.setHorizontalSpacing(10)
        dates.addWidget(self.use_start, 0, 0)
        dates.addWidget(self.start, 0, 1)
        dates.addWidget(self.use_end, 1, 0)
        dates.addWidget(self.end, 1, 1)
        dates.addWidget(QLabel("Interval"), 2, 0)
        dates.addWidget(self.interval, 2, 1)
        dates.addWidget(QLabel("Calendar"), 3, 0)
        dates.addWidget(self.calendar, 3, 1)
        dates.setColumnMinimumWidth(0, 118)
        dates.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(pick)
        layout.addWidget(self.ticker_error)
        layout.addWidget(self.series)
        layout.addLayout(buttons)
        layout.addLayout(dates)
        layout.addWidget(self.date_error)
        layout.addWidget(self.calendar_error)
        layout.addWidget(self.status)

    # --- editing the list -------------------------------------------------------------------------
    @Slot()
    def add_from_field(self) -> None:
        text = self.ticker.text()
        if not text.strip():
            return
        try:
            symbol = clean_ticker(text)
        except WorkbenchError as error:
            _show_error(self.ticker_error, str(error))
            return
        _show_error(self.ticker_error, None)
        self.add_ticker(symbol)
        self.ticker.clear()

    def add_ticker(self, symbol: str, checked: bool = True) -> None:
        self._add_item("ticker", symbol, symbol, checked)
        if symbol not in self._history and symbol not in SAMPLE_TICKERS:
            self._history.insert(0, symbol)
            del self._history[30:]
            self._completions.setStringList([*SAMPLE_TICKERS, *self._history])

    def add_csv(self, path: str, checked: bool = True) -> None:
        self._add_item("csv", str(path), Path(path).stem.upper(), checked)

    def set_synthetic(self, spec: str, checked: bool = True) -> None:
        """Make the synthetic series of `spec` the data source: it replaces an earlier one, the others are
        unticked."""
        for row in reversed(range(self.series.count())):
            item = self.series.item(row)
            if item.data(_KIND) == "synthetic":
                self.series.takeItem(row)
            elif checked:
                item.setCheckState(Qt.CheckState.Unchecked)
        self._add_item("synthetic", spec, SYNTHETIC_NAME, checked)

    def synthetic_spec(self) -> str | None:
        """The listed synthetic series' spec, ticked or not."""
        return next((i.data(_VALUE) for i in self._items(False) if i.data(_KIND) == "synthetic"), None)

    def remove_selected(self) -> None:
        for item in self.series.selectedItems() or ([self.series.currentItem()] if self.series.currentItem() else []):
            self.series.takeItem(self.series.row(item))
        self.sigChanged.emit()

    def remove_series(self, name: str) -> None:
        for row in range(self.series.count()):
            if self.series.item(row).text() == name:
                self.series.takeItem(row)
                self.sigChanged.emit()
                return

    def _add_item(self, kind: str, value: str, name: str, checked: bool) -> None:
        for row in range(self.series.count()):
            item = self.series.item(row)
            if item.data(_KIND) == kind and item.data(_VALUE) == value:
                self.series.setCurrentItem(item)
                return
        item = QListWidgetItem(name)
        item.setData(_KIND, kind)
        item.setData(_VALUE, value)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        item.setToolTip({"csv": value, "synthetic": f"Synthetic series {value}"}.get(kind, f"Ticker {value}"))
        self.series.blockSignals(True)
        self.series.addItem(item)
        self.series.blockSignals(False)
        self.series.setCurrentItem(item)
        self.sigChanged.emit()

    # --- what the window reads ----------------------------------------------------------------------
    def _items(self, checked_only: bool) -> list[QListWidgetItem]:
        items = [self.series.item(row) for row in range(self.series.count())]
        return [i for i in items if not checked_only or i.checkState() == Qt.CheckState.Checked]

    def data_values(self) -> dict:
        """The ticked series, the date options and the calendar, as DataConfig's keyword arguments."""
        items = self._items(checked_only=True)
        return {
            "tickers": tuple(i.data(_VALUE) for i in items if i.data(_KIND) == "ticker"),
            "csv_files": tuple(i.data(_VALUE) for i in items if i.data(_KIND) == "csv"),
            "synthetic": next((i.data(_VALUE) for i in items if i.data(_KIND) == "synthetic"), None),
            "start": self.start.date().toString("yyyy-MM-dd") if self.use_start.isChecked() else None,
            "end": self.end.date().toString("yyyy-MM-dd") if self.use_end.isChecked() else None,
            "interval": self.interval.currentText(),
            "calendar": self.calendar.currentText(),
        }

    def preview_request(self) -> PreviewRequest:
        """The ticked series, to show on the Data tab (unticked ones are not loaded or downloaded)."""
        values = self.data_values()
        return PreviewRequest(values["tickers"], values["csv_files"], values["start"], values["end"],
                              values["interval"], self._calendar_choice()[0], values["synthetic"])

    def current_series(self) -> str | None:
        item = self.series.currentItem()
        return item.text() if item else None

    def errors(self) -> list[str]:
        problems = []
        if not self._items(checked_only=True):
            problems.append("Tick at least one series in the Data panel (e.g. SP500), or import a CSV file.")
        date_problem = self.dates_problem()
        _show_error(self.date_error, date_problem)  # under the fields, while the user may still be typing
        if date_problem:
            problems.append(date_problem)
        calendar_problem = self._calendar_choice()[1]
        return problems + ([calendar_problem] if calendar_problem else [])

    def dates_problem(self) -> str | None:
        """What is wrong with the From/To dates (the first after the last), or None."""
        if self.use_start.isChecked() and self.use_end.isChecked() and self.start.date() > self.end.date():
            return (f"The first date {self.start.date().toString('yyyy-MM-dd')} is after the last date "
                    f"{self.end.date().toString('yyyy-MM-dd')}: swap them.")
        return None

    def show_preview(self, result: PreviewResult | None, loading: bool = False) -> None:
        """Where each series came from, its date range and any notice, under the list."""
        t = self._theme
        if loading:
            self.status.setText(f"<span style='color:{t.muted}'>Loading…</span>")
            return
        if result is None:
            self.status.setText("")
            return
        lines = []
        for s in result.series:
            lines.append(f"<b>{html.escape(s.name)}</b> <span style='color:{t.muted}'>· {html.escape(s.source)} · "
                         f"{s.first} → {s.last} · {s.rows:,} bars</span>")
            if s.notice:
                lines.append(f"<span style='color:{t.warning}'>{html.escape(s.notice)}</span>")
        for name, message in result.failures:
            lines.append(f"<b>{html.escape(name)}</b> <span style='color:{t.error}'>· not loaded: "
                         f"{html.escape(message)}</span>")
        self.status.setText("<br>".join(lines))
        failed = {name for name, _ in result.failures}
        self.series.blockSignals(True)  # a colour is no change of the series
        for item in self._items(checked_only=False):
            item.setForeground(QColor(t.error) if item.text() in failed else self.palette().text().color())
        self.series.blockSignals(False)

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme

    # --- settings -----------------------------------------------------------------------------------
    def state(self) -> dict:
        return {
            "series": [{"kind": i.data(_KIND), "value": i.data(_VALUE), "checked": i.checkState() == Qt.CheckState.Checked}
                       for i in self._items(checked_only=False)],
            "current": self.current_series(),
            "use_start": self.use_start.isChecked(), "start": self.start.date().toString("yyyy-MM-dd"),
            "use_end": self.use_end.isChecked(), "end": self.end.date().toString("yyyy-MM-dd"),
            "interval": self.interval.currentText(), "calendar": self.calendar.currentText(),
            "history": self._history,
        }

    def restore(self, state: dict) -> None:
        self.blockSignals(True)
        try:
            self._history = [str(s) for s in state.get("history", [])][:30]
            self._completions.setStringList([*SAMPLE_TICKERS, *self._history])
            if "series" in state:
                self.series.clear()
                for entry in state["series"]:
                    adder = {"csv": self.add_csv, "synthetic": self.set_synthetic}.get(entry.get("kind"),
                                                                                        self.add_ticker)
                    adder(str(entry.get("value")), bool(entry.get("checked", True)))
            for key, box, edit in (("start", self.use_start, self.start), ("end", self.use_end, self.end)):
                if f"use_{key}" in state:
                    box.setChecked(bool(state[f"use_{key}"]))
                if key in state:
                    day = QDate.fromString(str(state[key]), "yyyy-MM-dd")
                    if day.isValid():
                        edit.setDate(day)
            if state.get("interval") in INTERVALS:
                self.interval.setCurrentText(state["interval"])
            if "calendar" in state:
                self.calendar.setCurrentText(str(state["calendar"]))
            for item in self._items(checked_only=False):
                if item.text() == state.get("current"):
                    self.series.setCurrentItem(item)
        finally:
            self.blockSignals(False)
        self.sigChanged.emit()

    def _calendar_choice(self) -> tuple[str, str | None]:
        """The calendar the Data tab checks against, and the engine's message while the typed name is unknown
        (the check then stays on auto)."""
        try:
            return check_calendar(self.calendar.currentText()), None
        except WorkbenchError as error:
            return AUTO_CALENDAR, str(error)

    @Slot(str)
    def _calendar_changed(self, _text: str) -> None:
        _show_error(self.calendar_error, self._calendar_choice()[1])
        self.sigChanged.emit()

    @Slot(QListWidgetItem, QListWidgetItem)
    def _current_changed(self, current: QListWidgetItem | None, previous) -> None:
        if current is not None:
            self.sigCurrentChanged.emit(current.text())


def _error_label() -> QLabel:
    """A red line under a field, hidden until the field is wrong."""
    label = QLabel()
    label.setProperty("role", "error")
    label.setWordWrap(True)
    label.hide()
    return label


def _show_error(label: QLabel, message: str | None) -> None:
    label.setText(message or "")
    label.setVisible(bool(message))


def _optional_date(label: str, default: QDate) -> tuple[QCheckBox, QDateEdit]:
    box = QCheckBox(label)
    box.setToolTip(f"Untick for no {label.lower()} limit")
    edit = wheel_when_focused(QDateEdit(default))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setEnabled(False)
    return box, edit

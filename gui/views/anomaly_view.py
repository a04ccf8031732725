"""The Anomalies tab: the detection settings, the Detect button, stored anomaly runs, and what the engine found.

It draws the engine's AnomalyResult as returned (charts in gui/views/anomaly_charts.py, the flagged bars and the
detectors' precision, recall and F1 as tables) and computes nothing itself; the run goes through the run queue
on the worker thread like a backtest.
"""
from __future__ import annotations

import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.anomaly_config import ANOMALY_TRAINING, DETECTOR, AnomalyConfig
from engine.anomaly_result import DETECTOR_NAMES
from gui.format import number
from gui.panels.forms import Form, set_help, spin
from gui.panels.settings_form import SettingsForm
from gui.theme import DARK, Theme
from gui.views.anomaly_charts import AnomalyCharts
from models import DETECTORS

_EPOCHS_HELP = ("Most passes over the training windows. The autoencoder stops early once the held-out windows "
                "stop improving, keeping its best epoch; 10 to 50 is typical.")


class AnomalyView(QWidget):
    title = "Anomalies"
    sigDetectRequested = Signal()  # Detect pressed: the window builds the run from the Data panel and this form
    sigOpenRequested = Signal(int)  # a stored anomaly run's id, to read on the worker and show
    sigExportCsvRequested = Signal()
    sigExportPngRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.result = None  # the engine AnomalyResult on show
        self.label = ""  # what it is, e.g. "anomaly run #3"
        self.detection_form = SettingsForm(AnomalyConfig, label_width=110)
        self.model_form = SettingsForm(DETECTORS[DETECTOR].config, label_width=110)
        self.epochs = spin(1, 10_000, ANOMALY_TRAINING.epochs)
        self.training_form = Form(label_width=110)
        self.training_form.add("epochs", "Epochs", self.epochs, _EPOCHS_HELP)
        self.detect_button = QPushButton("Detect anomalies")
        self.detect_button.setProperty("role", "primary")
        self.detect_button.setToolTip("Train the autoencoder on the Data panel's one ticked series and score every "
                                      "bar with it and the two baselines (queues if a run is going)")
        self.detect_button.clicked.connect(lambda: self.sigDetectRequested.emit())
        self.problem = QLabel()
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        for form in (self.detection_form, self.model_form):
            form.sigChanged.connect(self.problems)

        settings = QWidget()
        column = QVBoxLayout(settings)
        column.setContentsMargins(0, 0, 6, 0)
        for title, forms in (("Detection", [self.detection_form]),
                             ("Autoencoder", [self.model_form, self.training_form])):
            box = QGroupBox(title)
            box_layout = QVBoxLayout(box)
            for form in forms:
                box_layout.addWidget(form)
            column.addWidget(box)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(settings)
        left = QWidget()
        left.setMinimumWidth(290)
        left.setMaximumWidth(340)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(scroll, 1)
        left_layout.addWidget(self.problem)
        left_layout.addWidget(self.detect_button)

        self.status = QLabel("Pick one series in the Data panel (a ticker, a CSV file or Synthetic series…), then "
                             "Detect anomalies.")
        self.status.setWordWrap(True)
        self.status.setProperty("role", "muted")
        self.stored = QComboBox()
        self.stored.setMinimumContentsLength(18)
        self.stored.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        set_help(self.stored, "Stored anomaly runs", "Every finished anomaly run is kept in the run store; pick one "
                 "and press Open to see it again.")
        self.open_button = QPushButton("Open")
        self.open_button.clicked.connect(self._open)
        self.export_csv = QPushButton("Flagged CSV…")
        self.export_csv.setToolTip("Write the flagged bars, their scores and what each detector said as a CSV file")
        self.export_csv.clicked.connect(lambda: self.sigExportCsvRequested.emit())
        self.export_png = QPushButton("Charts PNG…")
        self.export_png.setToolTip("Save the charts as a PNG image (also File → Export chart PNG, Ctrl+E)")
        self.export_png.clicked.connect(lambda: self.sigExportPngRequested.emit())
        for button in (self.export_csv, self.export_png):
            button.setEnabled(False)
        bar = QHBoxLayout()
        bar.addWidget(self.stored, 1)
        bar.addWidget(self.open_button)
        bar.addWidget(self.export_csv)
        bar.addWidget(self.export_png)

        self.charts = AnomalyCharts()
        self.flagged = _table()
        self.summary = _table()
        self.tables = QTabWidget()
        self.tables.addTab(self.flagged, "Flagged bars")
        self.tables.addTab(self.summary, "Detectors")
        self.message = QLabel()
        self.message.setProperty("role", "muted")
        self.message.setWordWrap(True)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.message)
        bottom_layout.addWidget(self.tables, 1)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.charts)
        right.addWidget(bottom)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        right.setSizes([520, 200])
        right_widget = QWidget()
        right_layout = QVBoxLayout(right_widget)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(bar)
        right_layout.addWidget(self.status)
        right_layout.addWidget(right, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(left)
        layout.addWidget(right_widget, 1)
        self.set_stored_runs(pd.DataFrame(columns=["id", "name", "created"]))

    # --- settings -----------------------------------------------------------------------------------
    def problems(self) -> list[str]:
        """What is wrong with the form, as the engine words it (also shown under the fields)."""
        found = [*self.detection_form.problems().values(), *self.model_form.problems().values()]
        self.problem.setText(found[0] if found else "")
        self.problem.setVisible(bool(found))
        return found

    def settings(self):
        """(AnomalyConfig, the autoencoder's config, epochs); WorkbenchError or ValueError while a field is wrong."""
        return self.detection_form.config(), self.model_form.config(), self.epochs.value()

    def set_settings(self, config) -> None:
        """Show an AnomalyRunConfig's settings, e.g. of a reopened run."""
        self.detection_form.set_values(config.detection.to_dict())
        self.model_form.set_values(config.model.to_dict())
        self.epochs.setValue(config.training.epochs)

    # --- a run --------------------------------------------------------------------------------------
    def start_run(self, config) -> None:
        self.result = None
        self.charts.clear_result()
        _fill(self.flagged, pd.DataFrame())
        _fill(self.summary, pd.DataFrame())
        self.message.setText("")
        self.status.setText(f"Training the autoencoder on {', '.join(config.data.series_names)}…")
        for button in (self.export_csv, self.export_png):
            button.setEnabled(False)

    def on_training(self, event) -> None:
        """An engine.train event of the autoencoder: its epochs draw the loss as it trains."""
        from engine.train import EpochReport, TrainingEnded

        if isinstance(event, EpochReport):
            self.charts.add_epoch(event)
            self.status.setText(f"Training the autoencoder: epoch {event.epoch}/{event.epochs}, "
                                f"train loss {number(event.train_loss)}")
        elif isinstance(event, TrainingEnded):
            self.status.setText(f"{event.message} Scoring every bar…")

    def show_result(self, result, label: str) -> None:
        """Draw an engine AnomalyResult: charts, the flagged bars and, with ground truth, precision and recall."""
        self.result, self.label = result, label
        self.charts.show_result(result)
        flagged = result.flagged_table()
        _fill(self.flagged, flagged)
        summary = result.summary.assign(detector=result.summary["detector"].map(DETECTOR_NAMES))
        _fill(self.summary, summary if result.has_truth else summary[["detector", "flagged"]])
        truth = ("scored against the injected anomalies within ±tolerance bars" if result.has_truth else
                 "real data: no ground truth, so no precision or recall")
        self.status.setText(f"{label}: {result.series}, {len(result.bars):,} bars, {len(flagged)} flagged by some "
                            f"detector; threshold {number(result.threshold)}")
        self.message.setText(f"{result.message} Detectors {truth}.")
        for button in (self.export_csv, self.export_png):
            button.setEnabled(True)

    def stop_run(self, message: str) -> None:
        self.status.setText(message)

    # --- stored runs --------------------------------------------------------------------------------
    def set_stored_runs(self, runs: pd.DataFrame) -> None:
        """engine.store.RunStore.list_anomaly_runs()'s rows, newest first."""
        self.stored.clear()
        for row in runs.itertuples(index=False):
            self.stored.addItem(f"#{row.id} {row.name}", int(row.id))
        if not len(runs):
            self.stored.addItem("No stored anomaly runs", None)
        self.open_button.setEnabled(bool(len(runs)))

    def _open(self) -> None:
        run_id = self.stored.currentData()
        if run_id is not None:
            self.sigOpenRequested.emit(int(run_id))

    # --- what the window asks every view ------------------------------------------------------------
    def export_widget(self) -> QWidget | None:
        return self.charts if self.result is not None else None

    def apply_theme(self, theme: Theme = DARK) -> None:
        self.charts.apply_theme(theme)


def _table() -> QTableWidget:
    table = QTableWidget()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, frame: pd.DataFrame) -> None:
    """Show a frame as it is: dates as days, numbers to four significant digits, text unchanged."""
    table.setRowCount(0)
    table.setColumnCount(len(frame.columns))
    table.setHorizontalHeaderLabels([str(c) for c in frame.columns])
    table.setRowCount(len(frame))
    for r, row in enumerate(frame.itertuples(index=False)):
        for c, value in enumerate(row):
            text = (value.strftime("%Y-%m-%d") if isinstance(value, pd.Timestamp) else
                    number(float(value)) if isinstance(value, float) else str(value))
            item = QTableWidgetItem(text)
            if not isinstance(value, str):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)

"""The Anomalies tab and the Synthetic series dialog, driven as a user would: generate, detect, export, reopen."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from engine.data.synthetic import parse_spec
from gui.panels.synthetic_dialog import SyntheticDialog

RUN_TIMEOUT_MS = 180_000
SPEC = "n=600,spikes=4,drops=2,seed=2,start=2016-01-04"


def test_the_synthetic_dialog_edits_every_component_with_help(qtbot):
    dialog = SyntheticDialog("preset=seed,n=900,spikes=5,drops=1")
    qtbot.addWidget(dialog)
    fields = dialog.form.fields
    assert fields["n"].value() == 900 and fields["spikes"].value() == 5
    assert all(widget.property("helpText") for widget in fields.values())
    fields["preset"].setCurrentIndex(fields["preset"].findData("learnable"))
    assert fields["spikes"].value() == 0 and fields["noise"].value() == 0.03  # the preset's own components
    assert fields["n"].value() == 900  # what the preset does not set keeps what was typed
    fields["positions"].setText("100, 300")
    fields["drops"].setValue(1)
    assert parse_spec(dialog.spec()) == parse_spec("preset=learnable,n=900,positions=100;300,drops=1")
    fields["drops"].setValue(3)
    dialog.accept()
    assert dialog.result() == 0  # refused, the engine's reason shown in the form
    assert any("3 drops need as many spikes" in label.text() for label in dialog.form.errors.values())


def test_detect_on_a_synthetic_series_export_and_reopen(window, qtbot, tmp_path, monkeypatch):
    window.data_panel.set_synthetic(SPEC)
    values = window.data_panel.data_values()
    assert parse_spec(values["synthetic"]) == parse_spec(SPEC) and values["tickers"] == ()  # SP500 unticked
    view = window.anomaly_view
    view.detection_form.fields["window"].setValue(20)
    view.model_form.fields["hidden_size"].setValue(8)
    view.epochs.setValue(3)
    with qtbot.waitSignal(window.runs.sigFinished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(view.detect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.result is not None, timeout=10_000)
    assert window.tabs.currentWidget() is view
    result = view.result
    assert result.series == "SYNTHETIC" and len(view.charts.candles.x) == 600
    assert len(view.charts.train_loss.xData) == len(result.history) == 3
    assert view.flagged.rowCount() == len(result.flagged_table()) > 0
    assert view.summary.rowCount() == 3 and view.summary.columnCount() == 5  # precision, recall and F1 too
    assert view.charts.threshold_line.value() == result.threshold
    assert view.label.startswith("anomaly run #") and view.stored.count() == 1

    target = tmp_path / "flagged.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    view.export_csv.click()
    assert target.read_text().startswith("date,score,threshold,LSTM autoencoder")
    png = tmp_path / "charts.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(png), "")))
    view.export_png.click()
    assert png.stat().st_size > 10_000

    view.charts.clear_result()
    view.result = None
    view.open_button.click()
    qtbot.waitUntil(lambda: view.result is not None, timeout=30_000)
    assert view.result.threshold == result.threshold and len(view.charts.candles.x) == 600


def test_real_data_shows_flagged_dates_without_precision_or_recall(window, qtbot):
    view = window.anomaly_view
    view.detection_form.fields["window"].setValue(10)
    view.model_form.fields["hidden_size"].setValue(8)
    view.epochs.setValue(2)
    with qtbot.waitSignal(window.runs.sigFinished, timeout=RUN_TIMEOUT_MS):
        window.detect_anomalies()
    qtbot.waitUntil(lambda: view.result is not None, timeout=10_000)
    assert view.result.series == "SP500" and not view.result.has_truth
    assert view.summary.columnCount() == 2  # detector, flagged: no ground truth to score against
    assert "no ground truth" in view.message.text()

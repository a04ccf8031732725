"""The workbench driven as a new user would: open, pick data and models, train, cancel, queue, close."""
from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog

RUN_TIMEOUT_MS = 180_000
REPO = Path(__file__).resolve().parents[2]


def test_window_opens_on_sp500_with_candles_drawn(window):
    assert window.data_view.shown == "SP500"
    assert len(window.data_view.candles.x) > 900  # SP500 since 2015: about 1000 daily bars
    assert window.data_view.volume.xData is not None and len(window.data_view.volume.xData) > 900
    assert "bundled sample" in window.data_panel.status.text()
    assert "2015-01-02" in window.data_panel.status.text()
    assert "bars" in window.data_view.quality.text()
    assert window.device_label.text().startswith("Device: ")
    assert window.act_train.isEnabled() and window.train_button.isEnabled()


def test_the_whole_window_with_its_forms_opens_without_loading_torch_or_scikit_learn():
    code = ("import sys, tempfile, os; os.environ['QT_QPA_PLATFORM']='offscreen';"
            "from gui.app import create_application; app = create_application([]);"
            "from PySide6.QtCore import QSettings; from gui.main_window import MainWindow;"
            "w = MainWindow(QSettings(os.path.join(tempfile.mkdtemp(), 's.ini'), QSettings.Format.IniFormat));"
            "w.show(); print('torch' in sys.modules, 'sklearn' in sys.modules, list(w.model_panel.cards),"
            " w.run_panel.train_config().epochs)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                         check=False)
    assert out.returncode == 0, out.stderr
    cards = ['linear', 'nlinear', 'dlinear', 'mlp', 'rnn', 'lstm', 'gru', 'cnn', 'attention_lstm', 'cnn_lstm', 'patchtst']
    assert out.stdout.strip().splitlines()[-1] == f"False False {cards} 50"


def test_the_forms_can_be_filled_in_while_the_engine_loads(qtbot, settings_path, monkeypatch):
    from PySide6.QtCore import QSettings

    from gui import main_window, run_gate
    from gui.tasks import load_engine

    release = threading.Event()

    def slow_engine(emit, should_stop):
        release.wait(timeout=60)
        return load_engine(emit, should_stop)

    monkeypatch.setattr(main_window, "load_engine", slow_engine)
    window = main_window.MainWindow(QSettings(settings_path, QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    try:
        assert window.model_panel.isVisible() and window.run_panel.isVisible()
        assert not window.train_button.isEnabled() and window.reason.text() == run_gate.LOADING
        window.model_panel.set_checked("lstm", False)  # a real problem is named before the wait
        assert window.reason.text().startswith("Tick at least one architecture") and "1 more" in window.reason.text()
        window.model_panel.set_checked("gru")
        assert window.problems == [run_gate.LOADING]
    finally:
        release.set()
    qtbot.waitUntil(lambda: window.engine_ready, timeout=120_000)
    assert window.train_button.isEnabled(), window.train_problems
    assert window.build_run_config().models[0].arch == "gru"


def test_new_user_picks_a_ticker_ticks_two_models_and_trains(window, qtbot, tiny, tmp_path, monkeypatch):
    panel = window.data_panel
    panel.series.setCurrentRow(0)
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert panel.series.count() == 0
    qtbot.waitUntil(lambda: not window.train_button.isEnabled())
    assert "Tick at least one series" in window.reason.text()

    qtbot.keyClicks(panel.ticker, "sp5")
    assert panel.ticker.completer().currentCompletion() == "SP500"  # type-ahead offers the sample
    panel.ticker.setText("sp500")
    qtbot.keyClick(panel.ticker, Qt.Key.Key_Return)
    assert [panel.series.item(i).text() for i in range(panel.series.count())] == ["SP500"]
    qtbot.waitUntil(lambda: window.data_view.shown == "SP500" and len(window.data_view.candles.x) > 900, timeout=30_000)

    tiny(window, archs=())
    cards = window.model_panel.cards
    for arch in ("linear", "mlp"):
        box = cards[arch].enabled
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))  # on the tick box
    assert window.model_panel.checked() == ["linear", "mlp"]
    assert cards["mlp"].form.isVisibleTo(window) and not cards["gru"].form.isVisibleTo(window)
    cards["mlp"].form.fields["hidden_layers"].setText("16")
    epochs = window.run_panel.field("epochs")
    epochs.selectAll()
    qtbot.keyClicks(epochs, "2")
    assert epochs.value() == 2
    assert window.train_button.isEnabled(), window.problems

    with qtbot.waitSignal(window.runs.sigFinished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.training_view.curve_points("linear")[0] >= 1, timeout=RUN_TIMEOUT_MS)
    result = finished.args[1]
    assert not result.cancelled and set(result.trained) == {"linear", "mlp"}
    qtbot.waitUntil(lambda: not window.runs.running)
    for label in ("linear", "mlp"):
        assert window.training_view.curve_points(label) == (2, 2)  # two epochs of train and validation loss
    table = window.training_view.results
    assert table.rowCount() == 2
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    for name in result.metrics["linear"]:
        assert name in headers
    assert table.item(0, 0).text() == "1 · linear" and table.item(1, 0).text() == "1 · mlp"
    assert all(table.item(r, c).text() for r in range(2) for c in range(table.columnCount()))
    assert "estimate" in window.training_view.estimate.text().lower() or "finished" in window.training_view.estimate.text()
    log = "\n".join(window.log_view.lines())
    assert "Run 1 started" in log and "estimated training time" in log and "Run 1 finished" in log

    # Save the model, load it back, export the chart: the File menu's actions.
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: ("run 1 · mlp", True)))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(tmp_path / "mlp"), "")))
    window.act_save_model.trigger()
    assert (tmp_path / "mlp" / "model.pt").is_file() and (tmp_path / "mlp" / "model.json").is_file()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(tmp_path / "mlp")))
    window.act_load_model.trigger()
    assert "Loaded mlp" in "\n".join(window.log_view.lines())
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "loss"), "PNG image (*.png)")))
    window.act_export.trigger()
    assert (tmp_path / "loss.png").stat().st_size > 1000


def test_estimate_time_before_training(window, qtbot, tiny):
    tiny(window, archs=("linear", "lstm"), epochs=5)
    qtbot.mouseClick(window.estimate_button, Qt.MouseButton.LeftButton)
    assert not window.estimate_button.isEnabled()  # one estimate at a time
    qtbot.waitUntil(lambda: window.estimate_button.isEnabled(), timeout=RUN_TIMEOUT_MS)
    text = window.training_view.estimate.text()
    assert "Estimated training time" in text and "linear" in text and "lstm" in text and "estimate from timing" in text
    assert any("Estimated training time: about" in line for line in window.log_view.lines())
    assert not window.runs.running


def test_cancel_stops_a_run_within_a_batch(window, qtbot, tiny):
    tiny(window, archs=("mlp", "cnn"), epochs=10_000, batch_size=8)
    window.train()
    qtbot.waitUntil(lambda: window.training_view.curve_points("mlp")[0] >= 1, timeout=RUN_TIMEOUT_MS)
    assert window.cancel_button.isEnabled()
    with qtbot.waitSignal(window.runs.sigFinished, timeout=30_000) as finished:
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    result = finished.args[1]
    assert result.cancelled
    assert set(result.trained) == {"mlp"}  # the second model never started
    assert result.trained["mlp"].outcome.reason == "cancelled"
    assert result.trained["mlp"].outcome.epochs_run < 10_000
    qtbot.waitUntil(lambda: not window.runs.running)
    assert not window.cancel_button.isEnabled() and window.train_button.isEnabled()
    assert "cancel requested" in "\n".join(window.log_view.lines())


def test_train_while_running_queues_the_second_run(window, qtbot, tiny):
    tiny(window, archs=("mlp",), epochs=10_000, batch_size=8)
    window.train()
    qtbot.waitUntil(lambda: window.runs.running)
    tiny(window, archs=("linear",), epochs=1)
    assert window.train_button.text() == "Queue run"
    qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    assert window.runs.waiting == 1
    assert window.queue_label.text() == "Queue: 1 waiting"
    with qtbot.waitSignal(window.runs.sigStarted, timeout=RUN_TIMEOUT_MS,
                          check_params_cb=lambda number, config: number == 2):  # run 2 starts once run 1 ends
        window.cancel()
    qtbot.waitUntil(lambda: not window.runs.running, timeout=RUN_TIMEOUT_MS)
    assert window.queue_label.text() == "Queue: empty"
    rows = [window.training_view.results.item(r, 0).text() for r in range(window.training_view.results.rowCount())]
    assert rows[-1] == "2 · linear"


def test_closing_mid_run_stops_the_thread_and_exits_cleanly(window, qtbot, tiny, settings_path):
    tiny(window, archs=("mlp",), epochs=10_000, batch_size=8)
    window.train()
    qtbot.waitUntil(lambda: window.training_view.curve_points("mlp")[0] >= 1, timeout=RUN_TIMEOUT_MS)
    thread = window.runs._job._thread
    assert thread.isRunning()
    assert window.close()
    assert thread.isFinished()
    assert "Closing: stopping the run" in "\n".join(window.log_view.lines())


def test_bad_values_disable_train_and_say_why(window, qtbot):
    run = window.run_panel
    assert window.train_button.isEnabled()
    run.field("learning_rate").setText("0")
    assert not window.train_button.isEnabled() and not window.act_train.isEnabled()
    assert "Learning rate must be above 0" in window.reason.text()
    assert run.training.errors["learning_rate"].isVisibleTo(window)
    assert "Learning rate must be above 0" in run.training.errors["learning_rate"].text()
    run.field("learning_rate").setText("abc")
    assert "write a number" in run.training.errors["learning_rate"].text()
    run.field("learning_rate").setText("1e-3")
    assert window.train_button.isEnabled()
    assert not run.training.errors["learning_rate"].isVisibleTo(window)

    run.set_value("window", 0)
    assert not window.train_button.isEnabled()
    assert "Window must be at least 1 bar" in run.prediction.errors["window"].text()
    run.set_value("window", 20)
    run.set_value("test_fraction", 0.7)
    assert not window.train_button.isEnabled()
    assert "leave at least 20%" in window.reason.text()
    run.set_value("test_fraction", 0.15)

    hidden = window.model_panel.cards["lstm"].form.fields["hidden_layers"]
    hidden.setText("64, x")
    assert "whole numbers" in window.model_panel.cards["lstm"].form.errors["hidden_layers"].text()
    assert not window.train_button.isEnabled()
    hidden.setText("64, 32")
    for card in window.model_panel.cards.values():
        card.enabled.setChecked(False)
    assert "Tick at least one architecture" in window.reason.text()
    window.model_panel.set_checked("linear")
    assert window.train_button.isEnabled()


def test_a_malformed_csv_shows_a_message_and_the_app_keeps_working(window, qtbot, dialogs, tmp_path, monkeypatch,
                                                                  import_mine):
    bad = tmp_path / "broken.csv"
    bad.write_text("Date,Open,High,Low,Close\n2024-01-02,1,2,0.5,1.5\nnot a date,1,2,0.5,1.5\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(bad), "")))
    window.act_import.trigger()
    qtbot.waitUntil(lambda: bool(dialogs.of("warning")), timeout=30_000)
    _, title, text = dialogs.of("warning")[0]
    assert "broken.csv" in title and "3" in text and "cannot read the date" in text  # the engine's words
    assert "Traceback" not in text
    assert [window.data_panel.series.item(i).text() for i in range(window.data_panel.series.count())] == ["SP500"]
    assert any("broken.csv" in line and "ERROR" in line for line in window.log_view.lines())

    import_mine(window, bars=300)
    assert len(window.data_view.candles.x) == 300
    assert "CSV file mine.csv" in window.data_panel.status.text()
    assert window.train_button.isEnabled()


def test_an_unexpected_error_in_the_worker_is_shown_and_the_app_keeps_running(window, qtbot, dialogs, tiny,
                                                                              monkeypatch):
    import gui.tasks

    def broken(config, emit, should_stop):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(gui.tasks, "train_run", broken)
    tiny(window, archs=("linear",), epochs=1)
    with qtbot.waitSignal(window.runs.sigFailed, timeout=30_000):
        window.train()
    qtbot.waitUntil(lambda: not window.runs.running)
    _, _, text = dialogs.of("critical")[0]
    assert "simulated bug" in text and "still running" in text
    assert any("Traceback" in line for line in window.log_view.lines())  # the details go to the log
    monkeypatch.undo()
    with qtbot.waitSignal(window.runs.sigFinished, timeout=RUN_TIMEOUT_MS):
        window.train()


def test_settings_too_big_for_the_data_keep_the_runs_off_and_say_what_to_change(window, qtbot, tiny):
    tiny(window, archs=("linear",), epochs=1)
    window.run_panel.set_value("initial_train", 500)
    assert window.train_button.isEnabled() and window.backtest_button.isEnabled()
    window.run_panel.set_value("window", 900)  # far too long for four years of daily bars
    assert not window.train_button.isEnabled() and not window.backtest_button.isEnabled()
    assert window.train_problems[0].startswith("SP500 has") and "shorter window" in window.train_problems[0]
    assert window.backtest_problems[0].startswith("Walk-forward fold 1 of")
    assert window.reason.text().startswith("Train: SP500 has") and "Train & Backtest: Walk-forward" in window.reason.text()

    window.run_panel.set_value("window", 10)
    window.run_panel.set_value("initial_train", 5000)  # only the backtest is stopped
    assert window.train_button.isEnabled() and not window.backtest_button.isEnabled()
    assert window.reason.text().startswith("Train & Backtest: SP500: The initial training span (5000 bars)")


def test_an_engine_error_during_a_run_is_shown_as_a_message(window, qtbot, dialogs, tiny, import_mine):
    mine = import_mine(window, bars=300)
    tiny(window, archs=("linear",), epochs=1)
    mine.write_text("Date;Price\n2016-01-04;1\n")  # the file changes on disk after it was checked
    with qtbot.waitSignal(window.runs.sigFailed, timeout=RUN_TIMEOUT_MS):
        window.train()
    _, _, text = dialogs.of("warning")[0]
    assert "mine.csv" in text and "missing the column" in text  # the engine's words
    row = window.training_view._rows["linear"]
    assert row.status.text() == "not finished: the run stopped"  # not left "waiting" beside a dead run
    assert "stopped with an error" in window.training_view.details.text()


def test_a_run_without_a_test_split_does_not_claim_test_scores(window, qtbot, tiny):
    tiny(window, archs=("linear",), epochs=1)
    window.run_panel.set_value("val_fraction", 0.0)
    window.run_panel.set_value("test_fraction", 0.0)
    with qtbot.waitSignal(window.runs.sigFinished, timeout=RUN_TIMEOUT_MS):
        window.train()
    message = window.statusBar().currentMessage()
    assert "not evaluated" in message and "Test share" in message and "evaluated on the test split" not in message


def test_settings_are_remembered_between_launches(make_window, qtbot, settings_path, tmp_path):
    first = make_window()
    first.set_theme("light")
    first.model_panel.set_checked("gru")
    first.model_panel.cards["gru"].form.fields["hidden_size"].setValue(48)
    first.run_panel.set_value("epochs", 7)
    first.run_panel.field("learning_rate").setText("0.003")
    first.data_panel.add_ticker("MSFT", checked=False)
    first.resize(1234, 777)
    first.close()

    second = make_window(settings_path, since_2015=False, size=None)
    assert second.theme.name == "light" and not second.act_dark.isChecked()
    assert second.model_panel.cards["gru"].checked
    assert second.model_panel.cards["gru"].form.fields["hidden_size"].value() == 48
    assert second.run_panel.field("epochs").value() == 7
    assert second.run_panel.field("learning_rate").text() == "0.003"
    assert second.data_panel.use_start.isChecked() and second.data_panel.start.date().toString("yyyy-MM-dd") == "2015-01-01"
    names = [second.data_panel.series.item(i).text() for i in range(second.data_panel.series.count())]
    assert names == ["SP500", "MSFT"]
    assert second.data_panel.data_values()["tickers"] == ("SP500",)  # MSFT is listed but not ticked
    assert second.restoreGeometry(second.settings.value("window/geometry"))  # geometry was saved and is valid


def test_theme_toggle(window, qtbot, settings_path):
    assert window.theme.name == "dark"
    dark_background = window.data_view.chart.backgroundBrush().color().name()
    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert window.theme.name == "light" and not window.act_dark.isChecked()
    assert window.data_view.chart.backgroundBrush().color().name() != dark_background
    assert window.palette().window().color().lightness() > 200
    assert window.settings.value("view/theme") == "light"
    window.act_dark.trigger()
    assert window.theme.name == "dark"
    assert window.palette().window().color().lightness() < 80


def test_help_box_shows_the_help_of_the_focused_field(window, qtbot):
    from models import HELP

    field = window.run_panel.field("learning_rate")
    window.activateWindow()
    field.setFocus()
    qtbot.waitUntil(lambda: window.help_box.body.text() == HELP["learning_rate"])
    assert window.help_box.title.text() == "Learning rate"
    dropout = window.model_panel.cards["lstm"].form.fields["dropout"]
    dropout.setFocus()
    qtbot.waitUntil(lambda: window.help_box.body.text() == HELP["dropout"])
    assert "Dropout" in dropout.toolTip() or "dropout" in dropout.toolTip().lower()


def test_a_cached_ticker_loads_offline_with_a_notice(window, qtbot, dialogs):
    from engine.data import MarketCache
    from engine.data.frame import make_ohlcv

    days = pd.bdate_range("2020-01-02", periods=250)
    close = np.linspace(100, 150, len(days))
    bars = make_ohlcv(days, np.column_stack([close, close * 1.01, close * 0.99, close, np.full(len(days), 1e6)]))
    with MarketCache() as cache:  # the default cache file, under the test's own data folder
        cache.write("AAPL", "1d", True, bars, from_listing=True)
    window.data_panel.use_start.setChecked(False)
    qtbot.keyClicks(window.data_panel.ticker, "aapl")
    qtbot.mouseClick(window.data_panel.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.data_view.shown == "AAPL", timeout=60_000)  # the network is off in tests
    status = window.data_panel.status.text()
    assert "AAPL" in status and "local cache" in status and "2020-01-02" in status and "offline" in status
    assert "offline" in window.data_view.quality.text()
    assert not dialogs.of("warning")  # cached bars are not an error


def test_a_series_that_cannot_load_keeps_train_off_and_says_why(window, qtbot, dialogs):
    window.data_panel.add_ticker("NOSUCH")  # not cached, and the network is off in tests
    qtbot.waitUntil(lambda: "NOSUCH" in window.data_panel.status.text(), timeout=60_000)
    assert not window.train_button.isEnabled() and not window.backtest_button.isEnabled()
    assert window.reason.text().startswith("NOSUCH could not be loaded")
    assert dialogs.of("warning") or dialogs.of("critical")  # the load failure itself was shown once

    window.data_panel.remove_series("NOSUCH")
    qtbot.waitUntil(window.train_button.isEnabled, timeout=10_000)


def test_nothing_starts_a_thread_after_the_window_closed(window, qtbot):
    window.close()
    window.data_panel.add_ticker("MSFT")  # a late edit restarts the preview timer...
    window.schedule_preview()
    qtbot.wait(400)
    assert not window.jobs.names and not window.preview_loading  # ...but no thread outlives the closed window

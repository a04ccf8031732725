"""Train & Backtest driven as a new user would: walk-forward settings, the live Backtest tab, the
Compare tab with its baselines, CSV export, cancel, and a damaged run store at start-up.

Tiny models (linear + MLP, 2 epochs) on SP500 from 2015 with a short walk-forward: seconds per run.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFileDialog

RUN_TIMEOUT_MS = 180_000


def _walk_forward_settings(window, qtbot) -> None:
    """Type the walk-forward and trading settings into the Run panel, as a user would."""
    run = window.run_panel
    for name, value in (("initial_train", "400"), ("retrain_every", "200"), ("warm_epochs", "1")):
        field = run.field(name)
        field.selectAll()
        qtbot.keyClicks(field, value)
        assert field.value() == int(value)
    run.set_value("scheme", "expanding")
    run.set_value("cost_bps", 1.0)
    run.set_value("execution", "next_close")
    assert window.backtest_button.isEnabled(), window.problems


def _store_file(tmp_path: Path) -> Path:
    """The run store under the XDG_DATA_HOME that tests/conftest.py points at tmp_path."""
    return tmp_path / "xdg-data" / "stock-workbench" / "runs.sqlite"


def _tick(window, qtbot, archs) -> None:
    cards = window.model_panel.cards
    for arch in archs:
        box = cards[arch].enabled
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))  # on the tick box
    assert window.model_panel.checked() == list(archs)


def test_new_user_trains_and_backtests_two_models_then_compares_and_exports(
        window, qtbot, tiny, tmp_path, monkeypatch, make_window, settings_path):
    assert window.data_panel.series.item(0).text() == "SP500"
    tiny(window, archs=())
    _tick(window, qtbot, ("linear", "mlp"))
    epochs = window.run_panel.field("epochs")
    epochs.selectAll()
    qtbot.keyClicks(epochs, "2")
    _walk_forward_settings(window, qtbot)
    config = window.build_run_config()
    assert (config.walk_forward.initial_train, config.walk_forward.retrain_every) == (400, 200)
    assert config.trading.execution == "next_close" and config.trading.cost_bps == 1.0

    view = window.backtest_view
    streamed: list[int] = []  # points of linear's live equity after each event the window handled

    def measure(run, event) -> None:  # connected after the window's own slot, so it sees what it holds
        curve = view.state.curves.get(("SP500", "linear", 1))
        streamed.append(0 if curve is None else len(curve.x))

    window.runs.sigEvent.connect(measure)
    with qtbot.waitSignal(window.runs.sigFinished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(window.backtest_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.tabs.currentWidget() is view, timeout=1000)  # a turn after the click
    outcome = finished.args[1]
    qtbot.waitUntil(lambda: not window.runs.running)
    assert not outcome.cancelled and outcome.run_id == 1 and outcome.not_stored is None
    grown = sorted(set(streamed) - {0})
    assert len(grown) >= 2 and streamed == sorted(streamed)  # the equity grew fold by fold, never shrank
    # (the charts draw it at most every STREAM_MS: a walk this fast may show only some of those steps)
    result = outcome.result
    folds = {(f.model, f.index) for f in result.folds}
    assert {model for model, _ in folds} == {"linear", "mlp", "linear (baseline)"} and len(folds) >= 4

    # The Backtest tab: every model's equity, the fold timeline of the shown model, the metrics.
    for model in ("linear", "mlp"):
        assert len(view.equity_trace("SP500", model, 1).x) > 300
    shown_model = view.selection()[1]
    assert view.timeline.row_count == sum(1 for f in result.folds if f.model == shown_model) >= 2
    assert view.status.text().startswith(f"{len(result.folds)} folds")
    # The Training tab drew each model's losses (of its latest fold).
    assert window.training_view.curve_points("mlp")[0] >= 1
    log = "\n".join(window.log_view.lines())
    assert "Run 1 started (Train & Backtest)" in log and "fold 1/" in log and "stored run #1" in log

    # The Compare tab lists the run with its baselines.
    compare = window.compare_view
    window.tabs.setCurrentWidget(compare)
    qtbot.waitUntil(lambda: compare.run_keys == ["#1"])  # added a turn or two after the result
    models = set(compare.model.frame.loc[compare.model.frame["key"] == "#1", "Model"])
    assert {"linear", "mlp", "Buy & Hold", "Naive (no change)"} <= models

    # Export the CSV files from the File menu and read them back.
    out = tmp_path / "csv"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(out)))
    window.act_export_csv.trigger()
    predictions = pd.read_csv(out / "predictions.csv")
    metrics = pd.read_csv(out / "metrics.csv")
    assert {"date", "ticker", "model", "horizon", "fold", "actual", "predicted", "equity"} <= set(predictions.columns)
    assert set(predictions["model"]) == {"linear", "mlp", "linear (baseline)"}
    assert len(predictions) == len(result.predictions) > 600
    assert {"ticker", "model", "horizon"} <= set(metrics.columns)
    assert {"linear", "mlp", "Buy & Hold", "Naive (no change)"} <= set(metrics["model"])
    for name in ("equity.csv", "trades.csv", "folds.csv"):
        assert (out / name).is_file()

    # ... and from the Compare tab's button, into another folder.
    again = tmp_path / "csv-compare"
    again.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(again)))
    qtbot.mouseClick(compare.export_button, Qt.MouseButton.LeftButton)
    assert len(pd.read_csv(again / "predictions.csv")) == len(predictions)

    # Charts of the new tabs export as PNGs.
    for tab in (view, compare):
        window.tabs.setCurrentWidget(tab)
        png = tmp_path / f"{tab.title.lower()}.png"
        monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, p=png, **k: (str(p), "")))
        window.act_export.trigger()
        assert png.stat().st_size > 1000

    # Opening the run from Compare shows it on the Backtest tab, at the row's model.
    window.backtest_view.clear()
    compare.sigOpenRequested.emit("#1", config, result, ("SP500", "mlp", 1))
    assert window.tabs.currentWidget() is view and len(view.folds) == len(result.folds)
    assert view.selection() == ("SP500", "mlp", 1)

    # The run was stored: a new window lists it in Compare at start-up, with the same rows.
    window.close()
    second = make_window(settings_path, since_2015=False)
    qtbot.waitUntil(lambda: second.compare_view.run_keys == ["#1"], timeout=RUN_TIMEOUT_MS)  # read on the worker
    stored = second.compare_view.model.frame
    assert {"linear", "mlp", "Buy & Hold"} <= set(stored["Model"])


def test_cancel_stops_a_backtest_within_a_batch(window, qtbot, tiny):
    tiny(window, archs=("mlp",), epochs=10_000, batch_size=8)
    window.run_panel.set_value("initial_train", 400)
    window.run_panel.set_value("retrain_every", 200)
    window.backtest()
    qtbot.waitUntil(lambda: window.training_view.curve_points("mlp")[0] >= 1, timeout=RUN_TIMEOUT_MS)
    assert window.cancel_button.isEnabled()
    with qtbot.waitSignal(window.runs.sigFinished, timeout=30_000) as finished:
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    outcome = finished.args[1]
    assert outcome.cancelled and outcome.run_id is None
    qtbot.waitUntil(lambda: not window.runs.running)
    assert window.compare_view.run_keys == []  # nothing finished, nothing to compare
    assert "cancelled" in "\n".join(window.log_view.lines())
    assert window.backtest_button.isEnabled()


def test_a_backtest_cancelled_after_some_folds_shows_them_but_is_not_ranked_in_compare(window, qtbot, tiny):
    tiny(window, archs=("mlp",), epochs=3, batch_size=16)
    window.run_panel.set_value("initial_train", 400)
    window.run_panel.set_value("retrain_every", 10)  # some sixty folds: the walk is far from done at the first
    window.backtest()
    qtbot.waitUntil(lambda: len(window.backtest_view.folds) >= 1, timeout=RUN_TIMEOUT_MS)
    with qtbot.waitSignal(window.runs.sigFinished, timeout=30_000) as finished:
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    outcome = finished.args[1]
    assert outcome.cancelled and not outcome.result.predictions.empty
    assert window.compare_view.run_keys == []  # a partial walk is not ranked beside whole ones
    assert "neither stored nor ranked in Compare" in window.statusBar().currentMessage()


def test_a_damaged_run_store_is_reported_and_the_app_still_backtests(make_window, qtbot, tiny, tmp_path, dialogs):
    store = _store_file(tmp_path)
    store.parent.mkdir(parents=True)
    store.write_bytes(b"this is not a database" * 100)

    window = make_window()
    warnings = dialogs.of("warning")
    assert any("stored runs could not be read" in title and "damaged" in text for _, title, text in warnings)
    assert any("damaged" in line for line in window.log_view.lines())
    assert window.store is None and window.compare_view.run_keys == []

    tiny(window, archs=("linear",), epochs=1)
    window.run_panel.set_value("initial_train", 400)
    window.run_panel.set_value("retrain_every", 0)
    with qtbot.waitSignal(window.runs.sigFinished, timeout=RUN_TIMEOUT_MS) as finished:
        window.act_backtest.trigger()
    outcome = finished.args[1]
    assert outcome.run_id is None and "not stored" in outcome.not_stored
    assert any("was not stored" in title for _, title, _ in dialogs.of("warning"))
    assert window.backtest_view.equity_trace("SP500", "linear", 1) is not None
    qtbot.waitUntil(lambda: window.compare_view.run_keys == ["run 1"])  # shown for this session, though not stored


def test_a_backtest_that_stops_with_an_error_does_not_leave_its_tab_waiting(window, qtbot, tiny, import_mine):
    mine = import_mine(window, bars=600)
    tiny(window, archs=("mlp",), epochs=1)
    window.run_panel.set_value("initial_train", 400)
    mine.write_text("Date;Price\n2016-01-04;1\n")  # the file changes on disk after it was checked
    with qtbot.waitSignal(window.runs.sigFailed, timeout=RUN_TIMEOUT_MS):
        window.backtest()
    view = window.backtest_view
    assert view.status.text().startswith("Run 1 stopped with an error")
    assert "stopped" in view.metrics.hint.text() and "waiting" not in view.metrics.hint.text()

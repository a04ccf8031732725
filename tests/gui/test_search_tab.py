"""The Search tab with real Optuna: the form builds what `main.py search` builds, a bad space is refused with the
engine's message, a tiny search grows the trials table and ends with the hold-out, Cancel keeps the finished
trials, Open as a run backtests a trial, and an unreachable Ray offers the local workers.

Tiny runs: linear + a small MLP, one epoch, SP500 from 2015 with a short walk-forward, one worker process."""
from __future__ import annotations

import math

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

import main
from engine.errors import WorkbenchError
from engine.experiments.space import parse_space
from gui.events import BacktestOutcome, SearchFinished
from gui.views.search_view import SearchView

RUN_TIMEOUT_MS = 300_000
_SPACE = "dropout=0..0.5,optimizer=adam|sgd,learning_rate=0.001..0.01:log"


@pytest.fixture
def cli_experiment(monkeypatch):
    """The Experiment `main.py search` builds for these options (its run is not started)."""
    built = []
    monkeypatch.setattr(main, "_run_search", lambda experiment, *args, **kwargs: built.append(experiment) or 0)
    assert main.main(["search", "--ticker", "SP500", "--arch", "linear", "--arch", "mlp", "--epochs", "1",
                      "--space", _SPACE, "--objective", "mase", "--trials", "7", "--seeds-per-trial", "2",
                      "--holdout", "0.25", "--top-k", "2", "--sampler", "random", "--pruner", "none",
                      "--seed", "5"]) == 0
    return built[0]


def _fill(view: SearchView) -> None:
    view.space.tick("dropout", low=0, high=0.5)
    view.space.tick("optimizer", choices=("adam", "sgd"))
    view.space.tick("learning_rate", low="0.001", high="0.01", log=True)
    for name, value in (("objective", "mase"), ("trials", 7), ("seeds_per_trial", 2), ("holdout", 0.25),
                        ("top_k", 2), ("sampler", "random"), ("pruner", "none"), ("seed", 5)):
        view.settings.set_value(name, value)


def test_the_form_builds_the_experiment_the_command_line_builds(qtbot, cli_experiment):
    view = SearchView()
    qtbot.addWidget(view)
    view.set_base(cli_experiment.base)
    _fill(view)
    assert view.space.space_text() == _SPACE
    assert view.build_experiment() == cli_experiment
    assert view.start_button.isEnabled() and not view.problem.isVisibleTo(view)
    assert view.settings.direction.text() == "lower is better"


@pytest.mark.parametrize("field, low, high, entry", [("dropout", "0.5", "0.1", "dropout=0.5..0.1"),
                                                     ("window", "4", "x", "window=4..x")])
def test_a_space_the_engine_cannot_read_shows_its_message_and_disables_start(qtbot, cli_experiment, field, low,
                                                                             high, entry):
    view = SearchView()
    qtbot.addWidget(view)
    view.set_base(cli_experiment.base)
    view.space.tick(field, low=low, high=high)
    with pytest.raises(WorkbenchError) as expected:
        parse_space(entry)
    assert view.problem.text() == str(expected.value) and field in view.problem.text()
    assert not view.start_button.isEnabled()
    assert view.space.rows[field].low.property("invalid")


def test_a_value_the_run_configuration_refuses_names_the_field(qtbot, cli_experiment):
    view = SearchView()
    qtbot.addWidget(view)
    view.set_base(cli_experiment.base)
    view.space.tick("dropout", low=0, high=1.5)
    assert view.problem.text().startswith("--space dropout=1.5 is refused by the run configuration")
    assert not view.start_button.isEnabled()
    view.space.tick("dropout", low=0, high=0.5)
    assert view.start_button.isEnabled()


def _tiny_search(window, tiny, trials: int) -> SearchView:
    tiny(window, ("linear", "mlp"), epochs=1)
    for name, value in (("initial_train", 500), ("retrain_every", 250), ("bootstrap_repetitions", 10)):
        window.run_panel.set_value(name, value)
    view = window.search_view
    view.space.tick("dropout", low=0, high=0.5)
    for name, value in (("trials", trials), ("workers", 1), ("top_k", 2), ("pruner", "none")):
        view.settings.set_value(name, value)
    assert view.start_button.isEnabled(), view.problem.text()
    return view


def test_a_tiny_search_grows_the_trials_table_draws_the_history_and_ends_with_the_holdout_then_opens_a_trial(
        window, qtbot, tiny):
    view = _tiny_search(window, tiny, trials=2)
    rows_seen = []
    window.runs.sigEvent.connect(lambda run, event: rows_seen.append(view.trials.rowCount()))
    with qtbot.waitSignal(window.runs.sigFinished, timeout=RUN_TIMEOUT_MS) as done:
        qtbot.mouseClick(view.start_button, Qt.MouseButton.LeftButton)
        assert window.tabs.currentWidget() is view and not view.start_button.isEnabled()
    finished = done.args[1]
    assert isinstance(finished, SearchFinished) and not finished.outcome.cancelled
    assert 1 in rows_seen and rows_seen[-1] == 2  # one row while the first trial ran, then both
    assert view.trials.rowCount() == 2 and {view.trials.cell(r, "state") for r in range(2)} == {"complete"}
    assert len(view.charts.values.xData) == 2 and len(view.charts.best.xData) == 2
    assert view.holdout.rowCount() == 2 and view.holdout.cell(0, "rank") == "1"
    assert math.isfinite(float(view.holdout.cell(0, "hold-out score")))
    assert "Deflated Sharpe of the best" in view.verdict.toPlainText()
    assert view.start_button.isEnabled()

    view.holdout.selectRow(0)
    number = view.holdout.selected_trial()
    params = view.state.trials[number].params
    with qtbot.waitSignal(window.runs.sigFinished, timeout=RUN_TIMEOUT_MS) as opened:
        qtbot.mouseClick(view.open_button, Qt.MouseButton.LeftButton)
    outcome = opened.args[1]
    assert isinstance(outcome, BacktestOutcome) and outcome.config == view.experiment.config_of(params)
    assert window.tabs.currentWidget() is window.backtest_view and not outcome.result.predictions.empty


def test_cancel_stops_the_search_and_keeps_the_finished_trials(window, qtbot, tiny):
    view = _tiny_search(window, tiny, trials=40)
    with qtbot.waitSignal(window.runs.sigFinished, timeout=RUN_TIMEOUT_MS) as done:
        view.start()
        qtbot.waitUntil(lambda: len(view.state.finished()) >= 1, timeout=RUN_TIMEOUT_MS)
        qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    outcome = done.args[1].outcome
    assert outcome.cancelled and outcome.holdout.empty
    complete = outcome.trials[outcome.trials["state"] == "COMPLETE"]
    assert 1 <= len(complete) < 40
    states = {view.trials.cell(r, "state") for r in range(view.trials.rowCount())}
    assert "complete" in states and "running" not in states
    assert "cancelled" in view.status.text() and not view.cancel_button.isEnabled()


def test_an_unreachable_ray_head_is_shown_and_local_workers_are_offered(window, qtbot, tiny, dialogs, monkeypatch):
    pytest.importorskip("ray")
    view = _tiny_search(window, tiny, trials=1)
    view.settings.set_value("executor", "ray")
    view.settings.set_value("ray_address", "127.0.0.1:1")
    asked = []

    def question(parent, title, text, *args, **kwargs):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    with qtbot.waitSignal(window.runs.sigFailed, timeout=RUN_TIMEOUT_MS):
        view.start()
    assert asked and "Cannot reach the Ray head at 127.0.0.1:1" in asked[0]
    with qtbot.waitSignal(window.runs.sigFinished, timeout=RUN_TIMEOUT_MS) as done:  # the local retry
        pass
    assert view.settings.execution().kind == "local" and isinstance(done.args[1], SearchFinished)

"""What stops Train and Train & Backtest, worked out without Qt (gui/run_gate.py)."""
from __future__ import annotations

import pandas as pd
import pytest

from engine.errors import WorkbenchError
from engine.runs import RunConfig
from gui.events import PreviewRequest, PreviewResult, SeriesPreview
from gui.run_gate import LOADING, Gate, check, current_preview

REQUEST = PreviewRequest(("SP500",), (), None, None, "1d", "auto")


def _series(name: str, freq: str, bars: int = 50) -> SeriesPreview:
    frame = pd.DataFrame({"Close": range(bars)}, index=pd.date_range("2020-01-01", periods=bars, freq=freq))
    return SeriesPreview(name, frame, (), "test", None, "", "", bars)


def _preview(*series: SeriesPreview, failures=()) -> PreviewResult:
    return PreviewResult(REQUEST, series, tuple(failures))


def test_nothing_stops_a_run_of_valid_settings_once_the_engine_has_loaded():
    gate = check([], None, RunConfig, None)
    assert gate == Gate((), (), ()) and gate.reason() is None
    assert gate.train_tip(running=False) == "Train the ticked models (Ctrl+R)"
    assert gate.backtest_tip(running=True) == "Queue this backtest after the current run (Ctrl+B)"


def test_while_the_engine_loads_the_reason_only_asks_to_wait():
    gate = check([], None, RunConfig, LOADING)
    assert gate.problems == gate.train == gate.backtest == (LOADING,)
    assert gate.reason() == (LOADING, True)


def test_panel_errors_come_first_and_the_settings_are_not_built_then():
    def refuse():
        raise AssertionError("a wrong value was typed: no RunConfig is built")

    gate = check(["Tick at least one architecture"], None, refuse, LOADING)
    assert gate.problems == ("Tick at least one architecture", LOADING)
    assert gate.reason() == ("Tick at least one architecture (and 1 more)", False)
    assert gate.train_tip(running=False) == ("Train is off until these are fixed:\n• Tick at least one "
                                             f"architecture\n• {LOADING}")


@pytest.mark.parametrize("error", [WorkbenchError("Window must be at least 1"), ValueError("bad horizons")])
def test_settings_the_engine_refuses_stop_both_runs_with_its_message(error):
    def build():
        raise error

    assert check([], None, build, None).problems == (str(error),)


def test_a_series_that_did_not_load_stops_both_runs():
    gate = check([], _preview(failures=[("NOSUCH", "not found")]), RunConfig, None)
    assert gate.problems[0].startswith("NOSUCH could not be loaded")


def test_mixed_bar_intervals_stop_train_only_and_the_reason_names_the_button():
    gate = check([], _preview(_series("SP500", "D", 4000), _series("EURUSD", "h", 4000)), RunConfig, None)
    assert gate.problems == () and gate.backtest == ()
    assert len(gate.train) == 1 and "bar interval" in gate.train[0]
    assert gate.reason() == (f"Train: {gate.train[0]}", False)


def test_a_preview_of_another_series_list_is_not_the_current_one():
    preview = _preview()
    assert current_preview(preview, REQUEST) is preview
    assert current_preview(preview, PreviewRequest(("AAPL",), (), None, None, "1d", "auto")) is None
    assert current_preview(None, REQUEST) is None

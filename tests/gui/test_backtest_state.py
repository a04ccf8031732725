"""The Backtest tab's Qt-free state on hand-made events: what it keeps, what it selects, what it tells."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from engine.backtest import FoldDone
from engine.baseline import BUY_AND_HOLD
from engine.folds import Fold
from engine.pipeline import EquityProgress
from engine.results import BacktestResult, ResultWarning
from engine.runs import DataConfig, RunConfig
from engine.windows import WindowConfig
from gui.backtest_state import BacktestState
from gui.timestamps import seconds

DATES = pd.bdate_range("2020-01-01", periods=40)


def _config() -> RunConfig:
    """Two series, two horizons, a GRU and an MLP (as a stored version-2 run names them: every version reads it)."""
    models = RunConfig.from_dict({"version": 2, "data": {}, "windows": {}, "training": {}, "walk_forward": {},
                                  "trading": {}, "models": [{"arch": "gru"}, {"arch": "mlp"}]}).models
    return RunConfig(data=DataConfig(tickers=("AAA", "BBB")), windows=WindowConfig(window=5, horizons=(5, 1)),
                     models=models)


def _fold(ticker: str, model: str, index: int) -> Fold:
    test = DATES[10 + 10 * index:20 + 10 * index]
    return Fold(ticker=ticker, model=model, index=index, train_start=DATES[0], train_end=test[0], val_start=None,
                val_end=None, test_start=test[0], test_end=test[-1], scaler_fit_start=DATES[0],
                scaler_fit_end=test[0], epochs_run=1, best_epoch=1, warm_started=False)


def _predictions(ticker: str, model: str, horizon: int, dates, reference: float = 100.0) -> pd.DataFrame:
    return pd.DataFrame({"date": dates, "target_date": dates + pd.Timedelta(days=horizon), "ticker": ticker,
                         "model": model, "horizon": horizon, "fold": 0, "reference_close": reference,
                         "actual": 0.0, "predicted": np.log(1.01)})


def _periods(n: int, start: float = 10_000.0) -> pd.DataFrame:
    equity = start * np.linspace(1.0, 1.1, n)
    return pd.DataFrame({"equity": equity, "benchmark_equity": equity * 0.99, "drawdown": np.zeros(n)},
                        index=DATES[:n])


def _events(state: BacktestState) -> list[str]:
    seen: list[str] = []
    for event in ("reset", "lists", "selection", "fold", "equity", "result", "status"):
        state.connect(event, lambda *args, e=event: seen.append(e))
    return seen


def test_the_state_imports_no_qt():
    code = ("import sys, gui.backtest_state; "
            "sys.exit(any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_start_lists_the_run_and_selects_its_first_series_model_and_smallest_horizon():
    state = BacktestState()
    seen = _events(state)
    state.start(_config())
    assert state.tickers == ["AAA", "BBB"] and state.models == ["gru", "mlp", "linear (baseline)"]
    assert state.selection == ("AAA", "gru", 1)
    assert seen == ["reset"] and state.status == "Walk-forward starting…"


def test_the_selection_follows_the_walk_until_the_user_picks():
    state = BacktestState()
    state.start(_config())
    seen = _events(state)
    dates = DATES[10:20]
    state.add_fold(FoldDone(_fold("AAA", "gru", 0), 2, _predictions("AAA", "gru", 1, dates)))
    assert seen == ["fold", "status"]  # the shown model: only what the fold adds
    state.add_fold(FoldDone(_fold("AAA", "mlp", 0), 2, _predictions("AAA", "mlp", 1, dates)))
    assert state.selection == ("AAA", "gru", 1)  # walks side by side: gru's is shown to its end
    state.add_fold(FoldDone(_fold("AAA", "gru", 1), 2, _predictions("AAA", "gru", 1, DATES[20:30])))
    state.add_fold(FoldDone(_fold("AAA", "mlp", 1), 2, _predictions("AAA", "mlp", 1, DATES[20:30])))
    assert state.selection == ("AAA", "mlp", 1) and seen[-2:] == ["selection", "status"]
    assert state.status == "Walk-forward: mlp on AAA, fold 2 of 2"
    state.select(model="gru", horizon=99)  # a horizon the run lacks keeps the current one
    assert state.selection == ("AAA", "gru", 1) and not state.follow
    state.add_equity(EquityProgress("BBB", "mlp", 1, _periods(5)))
    assert state.selection == ("AAA", "gru", 1)  # the user's pick stays


def test_predictions_are_prices_from_their_own_reference_close():
    state = BacktestState()
    state.start(_config())
    first, second = DATES[12:20], DATES[2:10]  # a later fold may hold earlier dates: kept in time order
    state.add_fold(FoldDone(_fold("AAA", "gru", 0), 2, _predictions("AAA", "gru", 5, first, reference=100.0)))
    state.add_fold(FoldDone(_fold("AAA", "gru", 1), 2, _predictions("AAA", "gru", 5, second, reference=200.0)))
    x, price = state.predicted[("AAA", "gru", 5)]
    assert np.all(np.diff(x) >= 0) and len(x) == 16
    np.testing.assert_allclose(price, [202.0] * 8 + [101.0] * 8)


def test_runs_stored_without_the_reference_close_draw_no_predictions():
    state = BacktestState()
    state.start(_config())
    old = _predictions("AAA", "gru", 1, DATES[10:20]).drop(columns="reference_close")
    state.set_result(_result(old, pd.DataFrame()))
    assert state.predicted == {}


def _result(predictions: pd.DataFrame, equity: pd.DataFrame, warnings=()) -> BacktestResult:
    return BacktestResult(predictions, pd.DataFrame(), equity, pd.DataFrame(), (), tuple(warnings), "")


def _equity_rows(model: str, n: int) -> pd.DataFrame:
    return _periods(n).rename_axis("date").reset_index().assign(ticker="AAA", model=model, horizon=1)


def test_buy_and_hold_has_its_own_curve_when_the_result_has_its_rows():
    state = BacktestState()
    state.start(_config())
    state.set_result(_result(pd.DataFrame(), pd.concat([_equity_rows("gru", 20), _equity_rows(BUY_AND_HOLD, 30)])))
    assert state.has_buy_and_hold("AAA", 1) and not state.has_buy_and_hold("AAA", 5)
    assert BUY_AND_HOLD not in state.models  # no model to pick
    assert len(state.curves[("AAA", BUY_AND_HOLD, 1)].x) == 30
    assert state.status.startswith("0 folds · 1 model ·")  # Buy & Hold is no model of the run


def test_a_curve_reads_its_values_near_a_point_in_time():
    curve = BacktestState()
    curve.add_equity(EquityProgress("AAA", "gru", 1, _periods(3)))
    at = curve.curves[("AAA", "gru", 1)].at
    x = seconds(DATES[:3])
    assert at(x[1] + 3600) == pytest.approx((10_500.0, 10_500.0 * 0.99, 0.0))
    assert at(x[0] - 2 * 86400) is None


def test_the_selections_own_warnings_and_the_progress_per_model():
    state = BacktestState()
    state.start(_config())
    state.add_fold(FoldDone(_fold("AAA", "gru", 0), 2, _predictions("AAA", "gru", 1, DATES[10:20])))
    counts = {(c.ticker, c.model): (c.done, c.total, c.state) for c in state.progress()}
    assert counts[("AAA", "gru")] == (1, 2, "walking forward") and counts[("BBB", "mlp")] == (0, None, "waiting")
    state.stop("Run 1 stopped with an error")
    assert state.progress()[1].state == "stopped" and state.status == "Run 1 stopped with an error"
    mine, other = ResultWarning("AAA", "gru", 1, "no_skill", "a"), ResultWarning("AAA", "mlp", 1, "no_skill", "b")
    state.set_result(_result(pd.DataFrame(), pd.DataFrame(), [mine, other]))
    assert state.shown_warnings() == [mine] and state.warnings == (mine, other)


def test_the_time_span_starts_at_the_first_tested_bar():
    state = BacktestState()
    assert state.time_span("AAA") is None
    state.start(_config(), {"AAA": pd.DataFrame({"close": np.arange(40.0)}, index=DATES)})
    state.add_fold(FoldDone(_fold("AAA", "gru", 0), 2, _predictions("AAA", "gru", 1, DATES[10:20])))
    assert state.time_span("AAA") == tuple(seconds([DATES[10], DATES[-1]]))


def test_the_finished_result_keeps_the_streamed_curves_it_equals_and_replaces_the_others():
    state = BacktestState()
    state.start(_config())
    state.add_equity(EquityProgress("AAA", "gru", 1, _periods(20)))
    state.add_equity(EquityProgress("AAA", "mlp", 1, _periods(20)))
    streamed = dict(state.curves)
    changed = _equity_rows("mlp", 20).assign(equity=lambda rows: rows["equity"] + 1.0)
    state.set_result(_result(pd.DataFrame(), pd.concat([_equity_rows("gru", 20), changed])))
    assert state.curves[("AAA", "gru", 1)] is streamed[("AAA", "gru", 1)]  # the charts keep what they drew
    assert state.curves[("AAA", "mlp", 1)] is not streamed[("AAA", "mlp", 1)]
    np.testing.assert_array_equal(state.curves[("AAA", "mlp", 1)].equity, changed["equity"].to_numpy())


def test_deferred_listeners_run_through_schedule_and_draw_what_the_state_holds_then():
    state, later, seen = BacktestState(), [], []
    state.connect("status", lambda: seen.append(("now", state.status)))
    state.connect("status", lambda: seen.append(("deferred", state.status)), deferred=True)
    state.start(_config())
    state.stop("first error")
    assert seen == [("now", "first error"), ("deferred", "first error")]  # at once by default
    seen.clear()
    state.schedule = later.append
    state.stop("second error")
    assert seen == [("now", "second error")] and len(later) == 1
    state.stop("third error")
    later.pop(0)()
    assert seen[-1] == ("deferred", "third error")


def test_a_deferred_listener_whose_owner_is_gone_by_its_turn_is_skipped():
    state, later, drawn = BacktestState(), [], []

    class Panel:
        def redraw(self) -> None:
            drawn.append("drawn")

    panel = Panel()
    state.connect("status", panel.redraw, deferred=True)
    state.schedule = later.append
    state.start(_config())
    state.stop("an error")
    assert later  # its redraw waits for its turn
    del panel  # held weakly: the state kept it from nothing
    for step in later:
        step()
    assert drawn == []

"""Trading simulation and metrics: golden values by hand, costs, buy-and-hold, timing."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.metrics import forecast_metrics, trading_metrics
from engine.trading import TradingConfig, hold_for, signals, simulate

DATES = pd.bdate_range("2024-01-01", periods=6)
BARS = pd.DataFrame({"open": [100.0, 101, 99, 102, 103, 101], "close": [100.5, 100, 101, 102.5, 102, 100]},
                    index=DATES)
COSTS = TradingConfig(cost_bps=10, slippage_bps=0, initial_capital=10_000)


def test_golden_simulation_and_metrics_computed_by_hand():
    decisions = pd.Series([1.0, 1.0, -1.0, 0.0], index=DATES[:4])
    sim = simulate(BARS, decisions, COSTS)
    # A decision at the close of bar t is held from open t+1 to open t+2.
    expected_returns = [99 / 101 - 1 - 0.001, 102 / 99 - 1, -(103 / 102 - 1) - 0.002, -0.001]
    np.testing.assert_allclose(sim.periods["strategy_return"], expected_returns, rtol=1e-12)
    assert list(sim.periods.index) == list(DATES[2:])
    equity = 10_000 * np.cumprod(1 + np.array(expected_returns))
    np.testing.assert_allclose(sim.periods["equity"], equity, rtol=1e-12)

    trades = sim.trades
    assert list(trades["direction"]) == ["long", "short"]
    assert list(trades["entry_price"]) == [101, 102] and list(trades["exit_price"]) == [102, 103]
    long_trade, short_trade = 102 / 101 - 1 - 0.002, -(103 / 102 - 1) - 0.002
    np.testing.assert_allclose(trades["return"], [long_trade, short_trade], rtol=1e-12)

    stats = trading_metrics(sim.periods, sim.trades, periods_per_year=252)
    assert stats["Return [%]"] == pytest.approx((equity[-1] / 10_000 - 1) * 100, rel=1e-12)
    assert stats["Buy & Hold Return [%]"] == pytest.approx((101 / 101 - 1) * 100, abs=1e-12)
    assert stats["Exposure Time [%]"] == 75.0
    first_drop = equity[0] / 10_000 - 1
    second_drop = equity[3] / equity[1] - 1
    assert stats["Max. Drawdown [%]"] == pytest.approx(first_drop * 100, rel=1e-12)
    assert stats["Avg. Drawdown [%]"] == pytest.approx((first_drop + second_drop) / 2 * 100, rel=1e-12)
    assert stats["Max. Drawdown Duration [bars]"] == 2
    assert stats["# Trades"] == 2 and stats["Win Rate [%]"] == 50.0
    assert stats["Profit Factor"] == pytest.approx(long_trade / -short_trade, rel=1e-12)
    assert stats["Best Trade [%]"] == pytest.approx(long_trade * 100, rel=1e-12)
    assert stats["Return (Ann.) [%]"] == pytest.approx(((equity[-1] / 10_000) ** (252 / 4) - 1) * 100, rel=1e-9)
    volatility = np.std(expected_returns, ddof=1) * np.sqrt(252)
    assert stats["Volatility (Ann.) [%]"] == pytest.approx(volatility * 100, rel=1e-12)
    assert stats["Sharpe Ratio"] == pytest.approx(stats["Return (Ann.) [%]"] / 100 / volatility, rel=1e-12)


def test_next_close_execution_trades_the_close_after_the_signal():
    sim = simulate(BARS, pd.Series([1.0, 1.0], index=DATES[:2]), TradingConfig(execution="next_close", cost_bps=0,
                                                                               slippage_bps=0))
    np.testing.assert_allclose(sim.periods["asset_return"], [101 / 100 - 1, 102.5 / 101 - 1])


def test_golden_forecast_metrics():
    actual, predicted, naive = np.array([0.01, -0.02, 0.03, 0.0]), np.array([0.02, -0.01, -0.01, 0.01]), np.zeros(4)
    stats = forecast_metrics(actual, predicted, naive)
    assert stats["MAE"] == pytest.approx((0.01 + 0.01 + 0.04 + 0.01) / 4)
    assert stats["RMSE"] == pytest.approx(np.sqrt((1e-4 + 1e-4 + 16e-4 + 1e-4) / 4))
    assert stats["Theil's U"] == pytest.approx(stats["RMSE"] / np.sqrt((1e-4 + 4e-4 + 9e-4) / 4))
    assert stats["MASE"] == pytest.approx(stats["MAE"] / 0.015)
    # up calls: predicted [T, F, F, T], actual [T, F, T, F]
    assert stats["Directional Accuracy [%]"] == 50.0
    assert stats["Up Precision"] == 0.5 and stats["Up Recall"] == 0.5


@settings(max_examples=60, deadline=None)
@given(
    moves=st.lists(st.floats(-0.08, 0.08), min_size=6, max_size=60),
    choices=st.lists(st.sampled_from([-1.0, 0.0, 1.0]), min_size=60, max_size=60),
    cost=st.floats(0.1, 50),
    slippage=st.floats(0, 20),
)
def test_costs_never_raise_returns(moves, choices, cost, slippage):
    index = pd.bdate_range("2020-01-01", periods=len(moves))
    prices = 100 * np.cumprod(1 + np.array(moves))
    bars = pd.DataFrame({"open": prices, "close": prices}, index=index)
    decisions = pd.Series(choices[:len(moves) - 2], index=index[:len(moves) - 2])
    free = simulate(bars, decisions, TradingConfig(cost_bps=0, slippage_bps=0)).periods
    paid = simulate(bars, decisions, TradingConfig(cost_bps=cost, slippage_bps=slippage)).periods
    assert (paid["strategy_return"] <= free["strategy_return"] + 1e-15).all()
    assert paid["equity"].iloc[-1] <= free["equity"].iloc[-1] + 1e-9


def test_buy_and_hold_metrics_equal_those_of_the_price_series(real_data):
    bars = pd.read_csv(real_data / "GOOG_daily_2004_2013.csv", index_col=0, parse_dates=True)
    bars.columns = [c.lower() for c in bars.columns]
    sim = simulate(bars, pd.Series(1.0, index=bars.index[:-2]), TradingConfig(cost_bps=0, slippage_bps=0))
    stats = trading_metrics(sim.periods, sim.trades, periods_per_year=252)
    opens = bars["open"].iloc[1:]  # first held from the open after the first decision
    assert stats["Return [%]"] == pytest.approx((opens.iloc[-1] / opens.iloc[0] - 1) * 100, rel=1e-9)
    assert stats["Return [%]"] == pytest.approx(stats["Buy & Hold Return [%]"], rel=1e-12)
    drawdown = (opens / opens.cummax() - 1).min()
    assert stats["Max. Drawdown [%]"] == pytest.approx(drawdown * 100, rel=1e-9)
    price_volatility = opens.pct_change().dropna().std() * np.sqrt(252)
    assert stats["Volatility (Ann.) [%]"] == pytest.approx(price_volatility * 100, rel=1e-9)
    assert stats["Beta"] == pytest.approx(1.0) and stats["Alpha [%]"] == pytest.approx(0.0, abs=1e-9)
    assert stats["# Trades"] == 1 and stats["Exposure Time [%]"] == 100.0


def test_signals_threshold_long_only_and_holding():
    expected = pd.Series([0.02, -0.02, 0.0005, -0.0005, 0.01], index=DATES[:5])
    assert list(signals(expected, TradingConfig(threshold=0.001))) == [1, -1, 0, 0, 1]
    assert list(signals(expected, TradingConfig(threshold=0.001, long_only=True))) == [1, 0, 0, 0, 1]
    assert list(hold_for(pd.Series([1.0, -1, -1, 1, -1], index=DATES[:5]), 2)) == [1, 1, -1, -1, -1]

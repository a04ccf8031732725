"""Trading simulation and metrics: golden values by hand, costs, buy-and-hold, timing."""
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import WorkbenchError
from engine.metrics import forecast_metrics, trading_metrics
from engine.trading import IncrementalTrading, TradingConfig, hold_for, return_before_costs, signals, simulate

DATES = pd.bdate_range("2024-01-01", periods=6)
BARS = pd.DataFrame({"open": [100.0, 101, 99, 102, 103, 101], "close": [100.5, 100, 101, 102.5, 102, 100]},
                    index=DATES)
COSTS = TradingConfig(cost_bps=10, slippage_bps=0, initial_capital=10_000)


def test_golden_ledger_computed_by_hand():
    decisions = pd.Series([1.0, 1.0, -1.0, 0.0], index=DATES[:4])
    sim = simulate(BARS, decisions, COSTS)
    c = 0.001
    # Decided at the close of bar t, executed at the open of bar t+1; the last row closes what is open.
    long_shares = 10_000 / (101 * (1 + c))  # the position and its commission are the whole equity
    cash = long_shares * 102 * (1 - c)  # sold at bar 3's open
    short_shares = cash / (102 * (1 + c))
    cash_short = cash + short_shares * 102 * (1 - c)
    final = cash_short - short_shares * 103 * (1 + c)  # covered at bar 4's open, paying commission
    expected_equity = [long_shares * 101, long_shares * 99, cash_short - short_shares * 102, final, final]
    assert list(sim.periods.index) == list(DATES[1:])
    np.testing.assert_allclose(sim.periods["equity"], expected_equity, rtol=1e-12)
    np.testing.assert_allclose(sim.periods["position"], [0, 1, 1, -1, 0])
    np.testing.assert_allclose(sim.periods["strategy_return"],
                               np.array(expected_equity) / np.r_[10_000, expected_equity[:-1]] - 1, rtol=1e-12)
    np.testing.assert_allclose(sim.periods["benchmark_equity"], 10_000 * BARS["open"].iloc[1:] / 101, rtol=1e-12)

    trades = sim.trades
    assert list(trades["direction"]) == ["long", "short"]
    assert list(trades["entry_time"]) == [DATES[1], DATES[3]] and list(trades["exit_time"]) == [DATES[3], DATES[4]]
    np.testing.assert_allclose(trades["entry_price"], [101, 102])
    np.testing.assert_allclose(trades["exit_price"], [102, 103])
    long_pnl, short_pnl = cash - 10_000, final - cash
    np.testing.assert_allclose(trades["pnl"], [long_pnl, short_pnl], rtol=1e-12)
    np.testing.assert_allclose(trades["return"], [long_pnl / 10_000, short_pnl / cash], rtol=1e-12)
    assert list(trades["bars"]) == [2, 1]


def test_golden_metrics_computed_by_hand():
    sim = simulate(BARS, pd.Series([1.0, 1.0, -1.0, 0.0], index=DATES[:4]), COSTS)
    equity = sim.periods["equity"].to_numpy()
    returns = equity / np.r_[10_000, equity[:-1]] - 1
    stats = trading_metrics(sim, periods_per_year=252, risk_free_rate=0.02, return_before_costs=0.01)
    rf = 1.02 ** (1 / 252) - 1
    excess = returns - rf
    assert stats["Periods a Year"] == 252
    assert stats["Return [%]"] == pytest.approx((equity[-1] / 10_000 - 1) * 100, rel=1e-12)
    assert stats["Return Before Costs [%]"] == pytest.approx(1.0)
    assert stats["Buy & Hold Return [%]"] == pytest.approx(0.0, abs=1e-12)  # bought at 101, sold at 101
    assert stats["Exposure Time [%]"] == 75.0  # 3 of the 4 holding periods
    assert stats["Sharpe Ratio"] == pytest.approx(excess.mean() / excess.std(ddof=1) * np.sqrt(252), rel=1e-12)
    downside = np.sqrt(np.mean(np.minimum(excess, 0) ** 2))
    assert stats["Sortino Ratio"] == pytest.approx(excess.mean() / downside * np.sqrt(252), rel=1e-12)
    assert stats["Volatility (Ann.) [%]"] == pytest.approx(returns.std(ddof=1) * np.sqrt(252) * 100, rel=1e-12)
    assert stats["Return (Ann.) [%]"] == pytest.approx(((equity[-1] / 10_000) ** (252 / 5) - 1) * 100, rel=1e-9)
    days = (DATES[5] - DATES[1]).days  # first execution to last
    assert stats["CAGR [%]"] == pytest.approx(((equity[-1] / 10_000) ** (365.25 / days) - 1) * 100, rel=1e-9)
    first_drop, second_drop = equity[1] / 10_000 - 1, equity[3] / equity[2] - 1
    assert stats["Max. Drawdown [%]"] == pytest.approx(first_drop * 100, rel=1e-12)
    assert stats["Avg. Drawdown [%]"] == pytest.approx((first_drop + second_drop) / 2 * 100, rel=1e-12)
    assert stats["Max. Drawdown Duration [bars]"] == 2
    assert stats["Max. Drawdown Duration [days]"] == (DATES[5] - DATES[3]).days  # from the peak, never recovered
    trades = sim.trades["return"]
    assert stats["# Trades"] == 2 and stats["Win Rate [%]"] == 50.0
    assert stats["Profit Factor"] == pytest.approx(trades[0] / -trades[1], rel=1e-12)
    assert stats["Best Trade [%]"] == pytest.approx(trades[0] * 100, rel=1e-12)


def test_position_size_buys_shares_once_and_never_rebalances():
    sim = simulate(BARS, pd.Series([1.0, 1.0, 1.0], index=DATES[:3]), replace(COSTS, position_size=0.5))
    held = sim.periods.iloc[1:4]
    assert held["shares"].nunique() == 1
    shares = held["shares"].iloc[0]
    assert shares == pytest.approx(0.5 * 10_000 / (101 * 1.001), rel=1e-12)
    cash = 10_000 - shares * 101 * 1.001
    np.testing.assert_allclose(held["equity"].iloc[:-1], cash + shares * BARS["open"].iloc[2:4], rtol=1e-12)


def test_slippage_fills_worse_than_the_price_on_both_sides():
    config = TradingConfig(cost_bps=0, slippage_bps=20, initial_capital=10_000)
    sim = simulate(BARS, pd.Series([1.0, 0.0], index=DATES[:2]), config)
    trade = sim.trades.iloc[0]
    assert trade["entry_price"] == pytest.approx(101 * 1.002) and trade["exit_price"] == pytest.approx(99 * 0.998)
    assert sim.periods["equity"].iloc[-1] == pytest.approx(10_000 / (101 * 1.002) * 99 * 0.998, rel=1e-12)


def test_a_position_open_at_the_end_is_closed_with_costs_in_the_equity_curve():
    sim = simulate(BARS, pd.Series(1.0, index=DATES[:4]), COSTS)
    assert sim.periods["position"].iloc[-1] == 1.0  # still held over the last period ...
    assert sim.periods["shares"].iloc[-1] > 0
    assert sim.periods["cost"].iloc[-1] > 0  # ... and sold at the last execution
    assert sim.periods["equity"].iloc[-1] == pytest.approx(10_000 + sim.trades["pnl"].sum(), rel=1e-12)


@settings(max_examples=80, deadline=None)
@given(
    moves=st.lists(st.floats(-0.08, 0.08), min_size=4, max_size=60),
    choices=st.lists(st.sampled_from([-1.0, 0.0, 1.0]), min_size=60, max_size=60),
    size=st.floats(0.05, 1.0),
    cost=st.floats(0, 50),
    slippage=st.floats(0, 20),
    execution=st.sampled_from(["next_open", "next_close"]),
)
def test_compounded_trades_equal_the_equity_curve(moves, choices, size, cost, slippage, execution):
    index = pd.bdate_range("2020-01-01", periods=len(moves))
    prices = 100 * np.cumprod(1 + np.array(moves))
    bars = pd.DataFrame({"open": prices * 1.001, "close": prices}, index=index)
    decisions = pd.Series(choices[:len(moves) - 2], index=index[:len(moves) - 2])
    config = TradingConfig(position_size=size, cost_bps=cost, slippage_bps=slippage, execution=execution)
    sim = simulate(bars, decisions, config)
    total = sim.periods["equity"].iloc[-1] / config.initial_capital
    assert np.prod(1 + sim.trades["return"]) == pytest.approx(total, rel=1e-9, abs=1e-12)
    assert np.prod(1 + sim.periods["strategy_return"]) == pytest.approx(total, rel=1e-9, abs=1e-12)
    assert sim.periods["shares"].iloc[-1] == 0 or sim.periods["cost"].iloc[-1] >= 0
    assert config.initial_capital + sim.trades["pnl"].sum() == pytest.approx(sim.periods["equity"].iloc[-1],
                                                                              rel=1e-9)


def test_next_close_execution_trades_the_close_after_the_signal():
    sim = simulate(BARS, pd.Series([1.0, 1.0], index=DATES[:2]), TradingConfig(execution="next_close", cost_bps=0,
                                                                               slippage_bps=0))
    np.testing.assert_allclose(sim.periods["asset_return"], [0, 101 / 100 - 1, 102.5 / 101 - 1])  # bought at 100


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
    choices=st.lists(st.sampled_from([0.0, 1.0]), min_size=60, max_size=60),  # a short can lose over 100 %
    cost=st.floats(0.1, 50),
    slippage=st.floats(0, 20),
)
def test_costs_never_raise_the_return_of_long_trades(moves, choices, cost, slippage):
    index = pd.bdate_range("2020-01-01", periods=len(moves))
    prices = 100 * np.cumprod(1 + np.array(moves))
    bars = pd.DataFrame({"open": prices, "close": prices}, index=index)
    decisions = pd.Series(choices[:len(moves) - 2], index=index[:len(moves) - 2])
    free = simulate(bars, decisions, TradingConfig(cost_bps=0, slippage_bps=0))
    paid = simulate(bars, decisions, TradingConfig(cost_bps=cost, slippage_bps=slippage))
    assert paid.periods["equity"].iloc[-1] <= free.periods["equity"].iloc[-1] + 1e-9
    assert return_before_costs(bars, decisions, TradingConfig(cost_bps=cost, slippage_bps=slippage)) == pytest.approx(
        free.periods["equity"].iloc[-1] / free.initial_capital - 1, rel=1e-12)


def test_buy_and_hold_metrics_equal_those_of_the_price_series(real_data):
    bars = pd.read_csv(real_data / "GOOG_daily_2004_2013.csv", index_col=0, parse_dates=True)
    bars.columns = [c.lower() for c in bars.columns]
    sim = simulate(bars, pd.Series(1.0, index=bars.index[:-2]), TradingConfig(cost_bps=0, slippage_bps=0))
    stats = trading_metrics(sim, periods_per_year=252)
    opens = bars["open"].iloc[1:]  # first held from the open after the first decision
    assert stats["Return [%]"] == pytest.approx((opens.iloc[-1] / opens.iloc[0] - 1) * 100, rel=1e-9)
    assert stats["Return [%]"] == pytest.approx(stats["Buy & Hold Return [%]"], rel=1e-12)
    drawdown = (opens / opens.cummax() - 1).min()
    assert stats["Max. Drawdown [%]"] == pytest.approx(drawdown * 100, rel=1e-9)
    price_volatility = opens.pct_change().fillna(0.0).std() * np.sqrt(252)  # the first execution earns nothing
    assert stats["Volatility (Ann.) [%]"] == pytest.approx(price_volatility * 100, rel=1e-9)
    assert stats["Beta"] == pytest.approx(1.0) and stats["Alpha [%]"] == pytest.approx(0.0, abs=1e-9)
    assert stats["# Trades"] == 1 and stats["Exposure Time [%]"] == 100.0


def test_signals_threshold_long_only_and_holding():
    expected = pd.Series([0.02, -0.02, 0.0005, -0.0005, 0.01], index=DATES[:5])
    assert list(signals(expected, TradingConfig(threshold=0.001))) == [1, -1, 0, 0, 1]
    assert list(signals(expected, TradingConfig(threshold=0.001, long_only=True))) == [1, 0, 0, 0, 1]
    assert list(hold_for(pd.Series([1.0, -1, -1, 1, -1], index=DATES[:5]), 2)) == [1, 1, -1, -1, -1]


@pytest.mark.parametrize("settings, message", [
    ({"position_size": 0}, "Position size must be in (0, 1], got 0"),
    ({"position_size": 1.5}, "Position size must be in (0, 1], got 1.5"),
    ({"initial_capital": 0}, "Initial capital must be above 0, got 0"),
    ({"initial_capital": float("inf")}, "Initial capital must be above 0, got inf"),
    ({"risk_free_rate": 2}, "The risk-free rate is annual, as a fraction (0.02 = 2 %): got 2"),
    ({"risk_free_rate": float("nan")}, "The risk-free rate is annual"),
    ({"bootstrap_repetitions": 5}, "Bootstrap repetitions must be at least 10, got 5: 1000 is the usual choice."),
])
def test_bad_trading_settings_are_refused_with_what_to_do(settings, message):
    with pytest.raises(WorkbenchError) as raised:
        TradingConfig(**settings)
    assert str(raised.value).startswith(message)


def test_no_equity_before_an_execution_depends_on_later_prices():
    """The ledger never peeks: replacing every price after bar T changes no equity row dated up to T."""
    rng = np.random.default_rng(3)
    index = pd.bdate_range("2021-01-01", periods=80)
    prices = 100 * np.cumprod(1 + rng.normal(0, 0.02, 80))
    bars = pd.DataFrame({"open": prices, "close": prices * 1.002}, index=index)
    decisions = pd.Series(rng.choice([-1.0, 0.0, 1.0], 60), index=index[:60])
    for cut in (20, 40, 59):
        changed = bars.copy()
        changed.iloc[cut + 1:] *= rng.uniform(0.5, 1.5, size=(80 - cut - 1, 1))
        before = simulate(bars, decisions, COSTS).periods.loc[:index[cut]]
        after = simulate(changed, decisions, COSTS).periods.loc[:index[cut]]
        pd.testing.assert_frame_equal(before, after)


@settings(max_examples=60, deadline=None)
@given(
    choices=st.lists(st.sampled_from([-1.0, 0.0, 1.0]), min_size=10, max_size=50),
    cuts=st.lists(st.integers(1, 49), max_size=5),
    size=st.floats(0.1, 1.0),
)
def test_trading_decisions_in_stretches_gives_the_same_ledger_as_all_at_once(choices, cuts, size):
    rng = np.random.default_rng(len(choices))
    index = pd.bdate_range("2020-01-01", periods=len(choices) + 3)
    prices = 100 * np.cumprod(1 + rng.normal(0, 0.02, len(index)))
    bars = pd.DataFrame({"open": prices, "close": prices * 1.003}, index=index)
    decisions = pd.Series(choices, index=index[1:len(choices) + 1])
    config = TradingConfig(position_size=size, cost_bps=10, slippage_bps=3)
    incremental = IncrementalTrading(bars, config)
    edges = [0, *sorted({c for c in cuts if c < len(choices)}), len(choices)]
    for low, high in zip(edges, edges[1:]):
        so_far = incremental.add(decisions.iloc[low:high])
        assert so_far.index[-1] <= index[high + 1]  # marked up to the last execution, nothing closed ahead
    whole, chained = simulate(bars, decisions, config), incremental.finish()
    pd.testing.assert_frame_equal(chained.periods, whole.periods)
    pd.testing.assert_frame_equal(chained.trades, whole.trades)


def test_mape_is_the_mean_absolute_percentage_error_of_the_rebuilt_prices():
    actual, predicted = np.array([0.01, -0.02]), np.array([0.0, -0.01])
    prices, predicted_prices = np.array([101.0, 98.0]), np.array([100.0, 99.0])
    stats = forecast_metrics(actual, predicted, np.zeros(2), actual_price=prices, predicted_price=predicted_prices)
    assert stats["MAPE [%]"] == pytest.approx((1 / 101 + 1 / 98) / 2 * 100, rel=1e-12)


def test_turnover_is_the_traded_value_over_equity_per_year():
    sim = simulate(BARS, pd.Series([1.0, 1.0, -1.0, 0.0], index=DATES[:4]), COSTS)
    periods = sim.periods
    # bought once (all equity), then sold and shorted at bar 3 (two sides), then covered at bar 4
    traded = [periods["turnover"].iloc[0], periods["turnover"].iloc[2], periods["turnover"].iloc[3]]
    assert traded[0] == pytest.approx(101 / (101 * 1.001), rel=1e-12)  # the shares bought, at their fill
    assert traded[1] == pytest.approx(1 + (1 - 0.001) / 1.001, rel=1e-12)  # the long sold, then the short opened
    stats = trading_metrics(sim, periods_per_year=252)
    assert stats["Turnover (Ann.)"] == pytest.approx(periods["turnover"].sum() / len(periods) * 252, rel=1e-12)

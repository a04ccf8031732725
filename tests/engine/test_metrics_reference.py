"""Every trading statistic on a real series, pinned to empyrical-reloaded or to a computation written out here."""
import empyrical
import numpy as np
import pandas as pd
import pytest

from engine.data import read_ohlcv_csv
from engine.metrics import periods_per_year, trading_metrics
from engine.trading import TradingConfig, return_before_costs, simulate

RISK_FREE = 0.03
CONFIG = TradingConfig(position_size=0.8, cost_bps=10, slippage_bps=5, risk_free_rate=RISK_FREE)


@pytest.fixture(scope="module")
def goog(real_data) -> pd.DataFrame:
    return read_ohlcv_csv(real_data / "GOOG_daily_2004_2013.csv")[0]


@pytest.fixture(scope="module")
def ledger(goog):
    """A causal long/short rule (the sign of the 10-bar momentum) traded on GOOG with costs, slippage and sizing."""
    momentum = goog["close"].pct_change(10)
    decisions = np.sign(momentum).fillna(0.0).iloc[300:-2]
    simulation = simulate(goog, decisions, CONFIG)
    per_year = periods_per_year(goog.index)
    stats = trading_metrics(simulation, periods_per_year=per_year, risk_free_rate=RISK_FREE,
                            return_before_costs=return_before_costs(goog, decisions, CONFIG))
    return simulation, stats, per_year


def test_the_series_trades_both_ways(ledger):
    simulation, stats, _ = ledger
    assert set(simulation.trades["direction"]) == {"long", "short"} and stats["# Trades"] > 100


def test_return_statistics_match_empyrical(ledger):
    simulation, stats, per_year = ledger
    returns, benchmark = simulation.periods["strategy_return"], simulation.periods["asset_return"]
    rf = (1 + RISK_FREE) ** (1 / per_year) - 1
    assert stats["Periods a Year"] == pytest.approx(per_year) and 251 < per_year < 253
    assert stats["Return [%]"] / 100 == pytest.approx(empyrical.cum_returns_final(returns), rel=1e-9)
    assert stats["Return (Ann.) [%]"] / 100 == pytest.approx(
        empyrical.annual_return(returns, annualization=per_year), rel=1e-9)
    assert stats["Volatility (Ann.) [%]"] / 100 == pytest.approx(
        empyrical.annual_volatility(returns, annualization=per_year), rel=1e-9)
    assert stats["Sharpe Ratio"] == pytest.approx(
        empyrical.sharpe_ratio(returns, risk_free=rf, annualization=per_year), rel=1e-9)
    assert stats["Sortino Ratio"] == pytest.approx(
        empyrical.sortino_ratio(returns, required_return=rf, annualization=per_year), rel=1e-9)
    assert stats["Max. Drawdown [%]"] / 100 == pytest.approx(empyrical.max_drawdown(returns), rel=1e-9)
    assert stats["Calmar Ratio"] == pytest.approx(empyrical.calmar_ratio(returns, annualization=per_year), rel=1e-9)
    alpha, beta = empyrical.alpha_beta(returns, benchmark, risk_free=rf, annualization=per_year)
    assert stats["Alpha [%]"] / 100 == pytest.approx(alpha, rel=1e-9)
    assert stats["Beta"] == pytest.approx(beta, rel=1e-9)
    assert stats["Buy & Hold Return [%]"] / 100 == pytest.approx(empyrical.cum_returns_final(benchmark), rel=1e-9)


def test_calendar_and_trade_statistics_by_hand(ledger, goog):
    simulation, stats, per_year = ledger
    periods, trades = simulation.periods, simulation.trades
    first, last = periods.index[0], periods.index[-1]
    assert first == goog.index[301]  # the first decision (bar 300) executes at the next open
    days = (last - first).days
    total = periods["equity"].iloc[-1] / CONFIG.initial_capital
    assert stats["CAGR [%]"] / 100 == pytest.approx(total ** (365.25 / days) - 1, rel=1e-12)
    assert stats["Duration [days]"] == days
    net = trades["return"]
    assert stats["Win Rate [%]"] == pytest.approx((net > 0).mean() * 100)
    assert stats["Profit Factor"] == pytest.approx(net[net > 0].sum() / -net[net < 0].sum(), rel=1e-12)
    assert stats["Avg. Trade [%]"] / 100 == pytest.approx(np.prod(1 + net) ** (1 / len(net)) - 1, rel=1e-9)
    assert stats["Expectancy [%]"] / 100 == pytest.approx(net.mean(), rel=1e-12)
    assert stats["Exposure Time [%]"] == pytest.approx((periods["position"].iloc[1:] != 0).mean() * 100)
    assert stats["Return Before Costs [%]"] > stats["Return [%]"]


def test_drawdown_durations_by_hand(ledger):
    simulation, stats, _ = ledger
    equity = simulation.periods["equity"]
    peak = np.maximum(equity.cummax(), CONFIG.initial_capital)
    episodes, run, peak_date = [], 0, equity.index[0]  # (bars below the peak, days from the peak to recovery)
    for date, value, top in zip(equity.index, equity, peak):
        if value < top:
            run += 1
            continue
        if run:
            episodes.append((run, (date - peak_date).days))
        run, peak_date = 0, date
    if run:
        episodes.append((run, (equity.index[-1] - peak_date).days))
    assert stats["Max. Drawdown Duration [bars]"] == max(bars for bars, _ in episodes)
    assert stats["Max. Drawdown Duration [days]"] == max(days for _, days in episodes)
    assert stats["Avg. Drawdown Duration [bars]"] == pytest.approx(np.mean([bars for bars, _ in episodes]))

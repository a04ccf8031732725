"""Print the table that ends docs/METRICS.md: every trading statistic on one real series, beside the references.

The rule traded is causal and needs no model: long when the close is above its close 10 bars earlier, short
when below, on GOOG daily 2004-2013 (bundled with the tests), 10 bps commission + 5 bps slippage per side,
risk-free rate 3 % a year. empyrical-reloaded (a test dependency) is always compared. backtesting.py is
compared too when it can be imported; it is not a dependency of the project (AGPL), so install it aside:

    pip install --target /tmp/btlib backtesting==0.6.6 bokeh   # then delete numpy/pandas from /tmp/btlib
    PYTHONPATH=/tmp/btlib .venv/bin/python scripts/metrics_reference.py
"""
from __future__ import annotations

import sys
from pathlib import Path

import empyrical
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.data import read_ohlcv_csv  # noqa: E402
from engine.metrics import periods_per_year, trading_metrics  # noqa: E402
from engine.trading import TradingConfig, return_before_costs, simulate  # noqa: E402

GOOG = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "data" / "GOOG_daily_2004_2013.csv"
CAPITAL = 10_000_000  # backtesting.py buys whole shares: a large account makes its rounding negligible
CONFIG = TradingConfig(cost_bps=10, slippage_bps=0, risk_free_rate=0.03, initial_capital=CAPITAL)


def decisions_of(bars: pd.DataFrame) -> pd.Series:
    wanted = np.sign(bars["close"].pct_change(10)).fillna(0.0).iloc[300:-2]
    wanted.iloc[-1] = 0.0  # end flat on a decision, so both engines close on the same open
    return wanted


def empyrical_column(simulation, per_year: float) -> dict[str, float]:
    returns, benchmark = simulation.periods["strategy_return"], simulation.periods["asset_return"]
    rf = (1 + CONFIG.risk_free_rate) ** (1 / per_year) - 1
    alpha, beta = empyrical.alpha_beta(returns, benchmark, risk_free=rf, annualization=per_year)
    return {
        "Return [%]": empyrical.cum_returns_final(returns) * 100,
        "Buy & Hold Return [%]": empyrical.cum_returns_final(benchmark) * 100,
        "Return (Ann.) [%]": empyrical.annual_return(returns, annualization=per_year) * 100,
        "Volatility (Ann.) [%]": empyrical.annual_volatility(returns, annualization=per_year) * 100,
        "Sharpe Ratio": empyrical.sharpe_ratio(returns, risk_free=rf, annualization=per_year),
        "Sortino Ratio": empyrical.sortino_ratio(returns, required_return=rf, annualization=per_year),
        "Calmar Ratio": empyrical.calmar_ratio(returns, annualization=per_year),
        "Alpha [%]": alpha * 100,
        "Beta": beta,
        "Max. Drawdown [%]": empyrical.max_drawdown(returns) * 100,
    }


def backtesting_column(bars: pd.DataFrame, decisions: pd.Series) -> dict[str, float]:
    try:
        from backtesting import Backtest, Strategy
    except ImportError:
        return {}
    wanted = decisions.reindex(bars.index)

    class Follow(Strategy):
        def init(self):
            pass

        def next(self):
            target = wanted.get(self.data.index[-1])
            if np.isnan(target) or target == np.sign(self.position.size):
                return
            if target > 0:
                self.buy(size=0.9999)
            elif target < 0:
                self.sell(size=0.9999)
            else:
                self.position.close()

    frame = bars.rename(columns=str.title)
    test = Backtest(frame, Follow, cash=CAPITAL, commission=CONFIG.cost_bps / 1e4, spread=CONFIG.slippage_bps / 1e4,
                    exclusive_orders=True, finalize_trades=True)
    stats = test.run()
    return {name: float(stats[name]) for name in ("Return [%]", "Max. Drawdown [%]", "# Trades", "Win Rate [%]",
                                                  "Best Trade [%]", "Worst Trade [%]", "Avg. Trade [%]",
                                                  "Profit Factor", "Expectancy [%]", "Equity Final [$]",
                                                  "Exposure Time [%]", "CAGR [%]")} | {
        "Max. Drawdown Duration [days]": float(stats["Max. Drawdown Duration"].days)}


def main() -> None:
    bars = read_ohlcv_csv(GOOG)[0]
    decisions = decisions_of(bars)
    simulation = simulate(bars, decisions, CONFIG)
    per_year = periods_per_year(bars.index)
    ours = trading_metrics(simulation, periods_per_year=per_year, risk_free_rate=CONFIG.risk_free_rate,
                           return_before_costs=return_before_costs(bars, decisions, CONFIG))
    columns = {"empyrical-reloaded": empyrical_column(simulation, per_year),
               "backtesting.py 0.6.6": backtesting_column(bars, decisions)}
    shown = [name for name, values in columns.items() if values]
    print("| statistic | this project | " + " | ".join(shown) + " |")
    print("|---|---|" + "---|" * len(shown))
    for name, value in ours.items():
        cells = [_cell(columns[column].get(name)) for column in shown]
        print(f"| {name} | {_cell(value)} | " + " | ".join(cells) + " |")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, pd.Timestamp):
        return str(value.date())
    return f"{value:.6g}" if isinstance(value, float) else str(value)


if __name__ == "__main__":
    main()

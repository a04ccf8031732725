"""From forecasts to money: signals, then one ledger of cash and shares that gives equity and trades.

Timing rule: a decision formed at the close of bar t is executed at the next bar's open
(or, with execution "next_close", at the close of bar t+1), never at a price the trader
could not have had.

The ledger: a position is a number of shares bought, or sold short, at the execution price
and held until the wanted direction changes. Its size is `position_size` of the equity at
entry, commission included; it is not rebalanced while held. Equity is cash plus shares
marked at each bar's execution price. Each side pays commission (cost_bps of the traded
value) and fills slippage_bps worse than the price. Whatever is open at the end is closed,
with costs, so equity, per-period returns and the trade list all tell the same story.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar, Literal

import numpy as np
import pandas as pd

from engine.config import DictConfig, require
from engine.errors import WorkbenchError

Execution = Literal["next_open", "next_close"]


@dataclass(frozen=True)
class TradingConfig(DictConfig):
    section: ClassVar[str] = "trading setting(s)"

    threshold: float = 0.0  # predicted return (0.001 = 0.1%) needed to take a position
    long_only: bool = False  # a predicted fall means flat instead of short
    position_size: float = 1.0  # fraction of equity each position holds
    cost_bps: float = 5.0  # commission per side, in basis points of the traded value
    slippage_bps: float = 2.0  # price slippage per side, in basis points
    execution: Execution = "next_open"
    initial_capital: float = 10_000.0
    risk_free_rate: float = 0.0  # annual, for Sharpe, Sortino and alpha
    bootstrap_repetitions: int = 1000  # resamples behind each Sharpe and return confidence interval

    def __post_init__(self) -> None:
        require([
            (self.threshold >= 0, f"Signal threshold must be 0 or more, got {self.threshold}."),
            (0 < self.position_size <= 1, f"Position size must be in (0, 1], got {self.position_size}."),
            (self.cost_bps >= 0 and self.slippage_bps >= 0, "Costs and slippage must be 0 or more basis points."),
            (self.execution in ("next_open", "next_close"), "Execution must be next_open or next_close."),
            (0 < self.initial_capital < float("inf"), f"Initial capital must be above 0, got {self.initial_capital}."),
            (self.bootstrap_repetitions >= 10, f"Bootstrap repetitions must be at least 10, got "
                                               f"{self.bootstrap_repetitions}: 1000 is the usual choice."),
            (-0.5 < self.risk_free_rate < 1, f"The risk-free rate is annual, as a fraction (0.02 = 2 %): got "
                                             f"{self.risk_free_rate}; give a value between -0.5 and 1."),
        ])


@dataclass(frozen=True)
class Simulation:
    """One ledger's record. `periods` is indexed by execution bar, from the first execution to the last.

    Row j holds what happened up to and at bar j's execution price: the market move of the position
    held since the previous execution, then the trades made at j. Equity is marked at j's execution
    price after those trades, so the last row has already closed whatever was open.
    """

    periods: pd.DataFrame  # position, shares, asset_return, cost, turnover, strategy_return, equity, benchmark_equity, drawdown
    trades: pd.DataFrame  # TRADE_COLUMNS, one row per round trip
    initial_capital: float


TRADE_COLUMNS = ["entry_time", "exit_time", "direction", "shares", "entry_price", "exit_price", "pnl", "return",
                 "bars"]


def signals(expected_return: pd.Series, config: TradingConfig) -> pd.Series:
    """+1 above the threshold, -1 below minus it (0 when long-only), else 0; NaN forecasts give 0."""
    long = expected_return > config.threshold
    short = (expected_return < -config.threshold) & (not config.long_only)
    return (long.astype(int) - short.astype(int)).astype(float)


def hold_for(signal: pd.Series, horizon: int) -> pd.Series:
    """Non-overlapping holding for an h-bar forecast: decide on every h-th bar, keep it for h bars."""
    decided = signal.iloc[::horizon].reindex(signal.index)
    return decided.ffill()


def simulate(bars: pd.DataFrame, decisions: pd.Series, config: TradingConfig) -> Simulation:
    """Trade `decisions` (target directions -1, 0 or +1, indexed by the decision bar) on `bars`.

    A decision at bar t executes at bar t+1's price and holds until the next execution; a bar
    without a decision means flat. Whatever is open after the last decision that has a bar to be
    held over is closed at the bar after it, with costs.
    """
    price = bars["open" if config.execution == "next_open" else "close"].to_numpy(dtype=np.float64)
    target = decisions.reindex(bars.index).shift(1).to_numpy(dtype=np.float64)  # wanted at each execution bar
    decided = np.flatnonzero(~np.isnan(target))
    decided = decided[decided + 1 < len(bars)]  # a position needs a later bar to be held over
    if len(decided) == 0:
        raise WorkbenchError("No forecast has two later bars to trade on: extend the data or shorten the test period.")
    rows = np.arange(decided[0], decided[-1] + 2)
    wanted = np.nan_to_num(target[rows])
    wanted[-1] = 0.0  # the test ends flat
    ledger = _Ledger(config)
    for i in np.flatnonzero(np.diff(np.r_[0.0, wanted]) != 0):
        ledger.trade_to(int(wanted[i]), i, price[rows[i]])
    return ledger.simulation(bars.index[rows], price[rows], wanted)


def return_before_costs(bars: pd.DataFrame, decisions: pd.Series, config: TradingConfig) -> float:
    """The total return the same decisions would have made with no commission and no slippage."""
    free = simulate(bars, decisions, replace(config, cost_bps=0.0, slippage_bps=0.0))
    return float(free.periods["equity"].iloc[-1] / config.initial_capital - 1)


class _Ledger:
    """Cash and shares through the executions where the wanted direction changes."""

    def __init__(self, config: TradingConfig):
        self.config = config
        self.per_side = config.cost_bps / 1e4
        self.slip = config.slippage_bps / 1e4
        self.cash, self.shares = config.initial_capital, 0.0
        self.changes: list[tuple[int, float, float, float, float]] = []  # row, cash, shares, cost, traded value
        self.trades: list[dict] = []
        self.open: dict | None = None

    def trade_to(self, direction: int, row: int, price: float) -> None:
        equity_before = self.cash + self.shares * price
        cost = traded = 0.0
        if self.shares:
            fill = price * (1 - np.sign(self.shares) * self.slip)  # selling fills lower, covering higher
            commission = abs(self.shares) * fill * self.per_side
            self.cash += self.shares * fill - commission
            cost += commission + abs(self.shares) * abs(fill - price)
            traded += abs(self.shares) * fill
            self._close(row, fill, commission)
        if direction and self.cash > 0:
            fill = price * (1 + direction * self.slip)
            quantity = self.config.position_size * self.cash / (fill * (1 + self.per_side))
            commission = quantity * fill * self.per_side
            self.shares = direction * quantity
            self.cash -= self.shares * fill + commission
            cost += commission + quantity * abs(fill - price)
            traded += quantity * fill
            self.open = {"row": row, "direction": direction, "shares": quantity, "entry_price": fill,
                         "equity": self.cash + self.shares * fill + commission, "commission": commission}
        self.changes.append((row, self.cash, self.shares, cost, traded / equity_before if equity_before else 0.0))

    def _close(self, row: int, fill: float, commission: float) -> None:
        trade, self.open, self.shares = self.open, None, 0.0
        signed = trade["direction"] * trade["shares"]
        pnl = signed * (fill - trade["entry_price"]) - trade["commission"] - commission
        self.trades.append({"entry_row": trade["row"], "exit_row": row,
                            "direction": "long" if trade["direction"] > 0 else "short", "shares": trade["shares"],
                            "entry_price": trade["entry_price"], "exit_price": fill, "pnl": pnl,
                            "return": pnl / trade["equity"], "bars": row - trade["row"]})

    def simulation(self, index: pd.DatetimeIndex, price: np.ndarray, wanted: np.ndarray) -> Simulation:
        n = len(index)
        changes = pd.DataFrame(self.changes, columns=["row", "cash", "shares", "cost", "turnover"]).set_index("row")
        held = changes.reindex(range(n))
        cash = held["cash"].ffill().fillna(self.config.initial_capital).to_numpy()
        shares = held["shares"].ffill().fillna(0.0).to_numpy()
        equity = cash + shares * price
        previous_equity = np.r_[self.config.initial_capital, equity[:-1]]
        periods = pd.DataFrame({
            "position": np.r_[0.0, wanted[:-1]] * self.config.position_size,  # held over the period ending here
            "shares": np.r_[0.0, shares[:-1]],
            "asset_return": np.r_[0.0, price[1:] / price[:-1] - 1],
            "cost": held["cost"].fillna(0.0).to_numpy(),
            "turnover": held["turnover"].fillna(0.0).to_numpy(),
            "strategy_return": equity / previous_equity - 1,
            "equity": equity,
            "benchmark_equity": self.config.initial_capital * price / price[0],
        }, index=index)
        peak = np.maximum(periods["equity"].cummax(), self.config.initial_capital)  # the first peak is the start
        periods["drawdown"] = periods["equity"] / peak - 1
        trades = pd.DataFrame(self.trades, columns=["entry_row", "exit_row", *TRADE_COLUMNS[2:]])
        trades.insert(0, "exit_time", index[trades.pop("exit_row").to_numpy(dtype=int)])
        trades.insert(0, "entry_time", index[trades.pop("entry_row").to_numpy(dtype=int)])
        return Simulation(periods, trades[TRADE_COLUMNS], self.config.initial_capital)

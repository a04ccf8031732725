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
    trading = IncrementalTrading(bars, config)
    trading.add(decisions)
    return trading.finish()


def return_before_costs(bars: pd.DataFrame, decisions: pd.Series, config: TradingConfig) -> float:
    """The total return the same decisions would have made with no commission and no slippage."""
    free = simulate(bars, decisions, replace(config, cost_bps=0.0, slippage_bps=0.0))
    return float(free.periods["equity"].iloc[-1] / config.initial_capital - 1)


class IncrementalTrading:
    """The ledger of decisions that arrive in stretches (a walk-forward's folds), traded as they come.

    Adding every decision and then finishing gives exactly simulate's result; after each `add` the
    periods so far are marked to market without closing what is open.
    """

    def __init__(self, bars: pd.DataFrame, config: TradingConfig):
        self.index = bars.index
        self.price = bars["open" if config.execution == "next_open" else "close"].to_numpy(dtype=np.float64)
        self.wanted = np.full(len(bars), np.nan)  # the direction wanted at each execution bar
        self.ledger = _Ledger(config)
        self.first_row: int | None = None
        self.next_row = 0  # the first execution bar not traded yet
        self.frames: list[pd.DataFrame] = []

    def add(self, decisions: pd.Series) -> pd.DataFrame:
        """Trade decisions dated after those already added; returns the periods so far."""
        at = self.index.get_indexer(decisions.index) + 1
        known = (at > 0) & (at + 1 < len(self.index))  # a position needs a later bar to be held over
        self.wanted[at[known]] = decisions.to_numpy(dtype=np.float64)[known]
        if known.any():
            last = int(at[known].max())
            self.first_row = int(at[known].min()) if self.first_row is None else self.first_row
            self._trade(last + 1)
        return self.periods

    def finish(self) -> Simulation:
        """Close what is open at the bar after the last execution, with costs; the whole record."""
        if self.first_row is None:
            raise WorkbenchError("No forecast has two later bars to trade on: extend the data or shorten the test "
                                 "period.")
        self.wanted[self.next_row] = 0.0  # the test ends flat
        self._trade(self.next_row + 1)
        return Simulation(self.periods, self.ledger.trades_frame(self.index), self.ledger.config.initial_capital)

    @property
    def periods(self) -> pd.DataFrame:
        return pd.concat(self.frames) if self.frames else pd.DataFrame()

    def _trade(self, stop: int) -> None:
        """Advance the ledger over the execution bars from next_row (or the first one) up to `stop`."""
        start = max(self.next_row, self.first_row)
        rows = np.arange(start, stop)
        if len(rows):
            self.frames.append(self.ledger.advance(rows, self.index[rows], self.price[rows],
                                                   np.nan_to_num(self.wanted[rows])))
            self.next_row = stop


class _Ledger:
    """Cash and shares, advanced one stretch of execution bars at a time; trades where the direction changes."""

    def __init__(self, config: TradingConfig):
        self.config = config
        self.per_side = config.cost_bps / 1e4
        self.slip = config.slippage_bps / 1e4
        self.cash, self.shares = config.initial_capital, 0.0
        self.direction = 0.0  # wanted at the last execution
        self.last_price = self.first_price = None
        self.last_equity = self.peak = config.initial_capital
        self.trades: list[dict] = []
        self.open: dict | None = None

    def advance(self, rows: np.ndarray, index: pd.DatetimeIndex, price: np.ndarray, wanted: np.ndarray
                ) -> pd.DataFrame:
        """The periods ending at these execution bars (bar positions `rows`): trade, then mark to market."""
        n = len(rows)
        self.first_price = price[0] if self.first_price is None else self.first_price
        previous_price = np.r_[price[0] if self.last_price is None else self.last_price, price[:-1]]
        held = np.r_[self.direction, wanted[:-1]]
        cost, turnover = np.zeros(n), np.zeros(n)
        cash, shares = np.full(n, np.nan), np.full(n, np.nan)
        start_cash, start_shares = self.cash, self.shares
        for i in np.flatnonzero(wanted != held):  # only where the wanted direction changes
            cost[i], turnover[i] = self._trade_to(wanted[i], int(rows[i]), price[i])
            cash[i], shares[i] = self.cash, self.shares
        cash = pd.Series(cash).ffill().fillna(start_cash).to_numpy()
        shares = pd.Series(shares).ffill().fillna(start_shares).to_numpy()
        shares_held = np.r_[start_shares, shares[:-1]]
        equity = cash + shares * price
        previous_equity = np.r_[self.last_equity, equity[:-1]]
        peak = np.maximum(np.maximum.accumulate(equity), self.peak)  # the first peak is the starting capital
        self.last_price, self.last_equity, self.peak = price[-1], equity[-1], peak[-1]
        return pd.DataFrame({
            "position": held * self.config.position_size,  # held over the period ending here
            "shares": shares_held,
            "asset_return": price / previous_price - 1,
            "cost": cost,
            "turnover": turnover,
            "strategy_return": equity / previous_equity - 1,
            "equity": equity,
            "benchmark_equity": self.config.initial_capital * price / self.first_price,
            "drawdown": equity / peak - 1,
        }, index=index)

    def _trade_to(self, direction: float, row: int, price: float) -> tuple[float, float]:
        """Close what is open and open `direction`; the costs paid and the value traded / equity before."""
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
        self.direction = direction
        return cost, traded / equity_before if equity_before else 0.0

    def _close(self, row: int, fill: float, commission: float) -> None:
        trade, self.open, self.shares = self.open, None, 0.0
        signed = trade["direction"] * trade["shares"]
        pnl = signed * (fill - trade["entry_price"]) - trade["commission"] - commission
        self.trades.append({"entry_row": trade["row"], "exit_row": row,
                            "direction": "long" if trade["direction"] > 0 else "short", "shares": trade["shares"],
                            "entry_price": trade["entry_price"], "exit_price": fill, "pnl": pnl,
                            "return": pnl / trade["equity"], "bars": row - trade["row"]})

    def trades_frame(self, index: pd.DatetimeIndex) -> pd.DataFrame:
        """The round trips so far, dated by their entry and exit execution bars."""
        trades = pd.DataFrame(self.trades, columns=["entry_row", "exit_row", *TRADE_COLUMNS[2:]])
        trades.insert(0, "exit_time", index[trades.pop("exit_row").to_numpy(dtype=int)])
        trades.insert(0, "entry_time", index[trades.pop("entry_row").to_numpy(dtype=int)])
        return trades[TRADE_COLUMNS]

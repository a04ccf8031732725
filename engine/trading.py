"""From forecasts to money: signals, positions, costs, equity and trades.

Timing rule: a decision formed at the close of bar t is executed at the next bar's open
(or, with execution "next_close", at the close of bar t+1), never at a price the trader
could not have had. The position then earns the move of that execution price until the
next execution, so its return for the period ending at bar t+2 is P[t+2] / P[t+1] - 1.
"""
from __future__ import annotations

from dataclasses import dataclass
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

    def __post_init__(self) -> None:
        require([
            (self.threshold >= 0, f"Signal threshold must be 0 or more, got {self.threshold}."),
            (0 < self.position_size <= 1, f"Position size must be in (0, 1], got {self.position_size}."),
            (self.cost_bps >= 0 and self.slippage_bps >= 0, "Costs and slippage must be 0 or more basis points."),
            (self.execution in ("next_open", "next_close"), "Execution must be next_open or next_close."),
            (self.initial_capital > 0, "Initial capital must be above 0."),
        ])


@dataclass(frozen=True)
class Simulation:
    """Per-period results (index: the bar at whose execution price each period ends) and the trades."""

    periods: pd.DataFrame  # position, asset_return, cost, strategy_return, equity, benchmark_equity, drawdown
    trades: pd.DataFrame  # entry_time, exit_time, direction, entry_price, exit_price, return, bars


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
    """Trade `decisions` (target positions indexed by the decision bar) on `bars` with costs and slippage."""
    price = bars["open" if config.execution == "next_open" else "close"]
    position = decisions.reindex(bars.index).shift(2) * config.position_size  # decided at t, held over t+1 → t+2
    held = position.notna().to_numpy().nonzero()[0]
    if len(held) == 0:
        raise WorkbenchError("No forecast has two later bars to trade on: extend the data or shorten the test period.")
    periods = pd.DataFrame({"position": position, "asset_return": price.pct_change()}).iloc[held[0]:held[-1] + 1]
    periods["position"] = periods["position"].fillna(0.0)
    change = periods["position"].diff().fillna(periods["position"]).abs()
    periods["cost"] = change * (config.cost_bps + config.slippage_bps) / 1e4
    periods["strategy_return"] = periods["position"] * periods["asset_return"] - periods["cost"]
    periods["equity"] = config.initial_capital * (1 + periods["strategy_return"]).cumprod()
    periods["benchmark_equity"] = config.initial_capital * (1 + periods["asset_return"]).cumprod()
    peak = np.maximum(periods["equity"].cummax(), config.initial_capital)  # the first peak is the starting capital
    periods["drawdown"] = periods["equity"] / peak - 1
    return Simulation(periods, _trades(periods, price, config))


def _trades(periods: pd.DataFrame, price: pd.Series, config: TradingConfig) -> pd.DataFrame:
    """Runs of one non-zero position; a trade's return is its price move net of both sides' costs."""
    position = periods["position"].to_numpy()
    starts = np.flatnonzero(np.r_[True, position[1:] != position[:-1]])
    ends = np.r_[starts[1:] - 1, len(position) - 1]
    rows = []
    per_side = (config.cost_bps + config.slippage_bps) / 1e4
    for start, end in zip(starts, ends):
        size = position[start]
        if size == 0:
            continue
        entry_bar = price.index.get_loc(periods.index[start]) - 1  # the period starts at the previous bar's execution price
        entry_price, exit_price = price.iloc[entry_bar], price.loc[periods.index[end]]
        direction = np.sign(size)
        rows.append({
            "entry_time": price.index[entry_bar], "exit_time": periods.index[end],
            "direction": "long" if direction > 0 else "short", "entry_price": entry_price, "exit_price": exit_price,
            "return": abs(size) * (direction * (exit_price / entry_price - 1) - 2 * per_side),
            "bars": end - start + 1,
        })
    columns = ["entry_time", "exit_time", "direction", "entry_price", "exit_price", "return", "bars"]
    return pd.DataFrame(rows, columns=columns)

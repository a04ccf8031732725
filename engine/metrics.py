"""Forecast and trading metrics: pure functions of arrays and series, named as backtesting.py names them.

Conventions, stated with every result and written out in docs/METRICS.md: returns are per
period (one execution bar); annual figures use the data's own calendar, `periods_per_year`
bars a year (about 252 for daily stocks); the risk-free rate is annual (default 0), turned into
a per-period rate. Naive means the no-change forecast.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import (
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    precision_recall_fscore_support,
    r2_score,
)

from engine.trading import Simulation


def forecast_metrics(actual: np.ndarray, predicted: np.ndarray, naive: np.ndarray, *,
                     actual_price: np.ndarray | None = None, predicted_price: np.ndarray | None = None
                     ) -> dict[str, float]:
    """Error and skill of a regression forecast against the naive forecast on the same samples.

    Arrays are 1-D in target units. Up-moves are measured from the naive (no-change) value:
    a predicted rise is `predicted > naive`. MASE here scales the MAE by the naive forecast's
    MAE on the same test samples, and Theil's U is RMSE / naive RMSE: below 1 beats naive.
    """
    actual_up, predicted_up = actual > naive, predicted > naive
    precision, recall, f1, _ = precision_recall_fscore_support(actual_up, predicted_up, average="binary",
                                                               zero_division=0.0)
    mae, naive_mae = mean_absolute_error(actual, predicted), mean_absolute_error(actual, naive)
    rmse, naive_rmse = np.sqrt(mean_squared_error(actual, predicted)), np.sqrt(mean_squared_error(actual, naive))
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = np.corrcoef(actual, predicted)[0, 1] if np.std(predicted) > 0 else np.nan
    return {
        "MAE": float(mae),
        "RMSE": float(rmse),
        "MAPE [%]": (float(mean_absolute_percentage_error(actual_price, predicted_price) * 100)
                     if actual_price is not None else np.nan),
        "R²": float(r2_score(actual, predicted)),
        "Correlation": float(correlation),
        "Directional Accuracy [%]": float(np.mean(actual_up == predicted_up) * 100),
        "Up Precision": float(precision),
        "Up Recall": float(recall),
        "Up F1": float(f1),
        "MASE": float(mae / naive_mae) if naive_mae else np.nan,
        "Theil's U": float(rmse / naive_rmse) if naive_rmse else np.nan,
    }


def classification_metrics(actual_up: np.ndarray, probability_up: np.ndarray) -> dict[str, float]:
    """Hit ratio of up/down calls (probability above one half means up) and the always-up base rate."""
    predicted_up, actual_up = probability_up > 0.5, actual_up > 0.5
    precision, recall, f1, _ = precision_recall_fscore_support(actual_up, predicted_up, average="binary",
                                                               zero_division=0.0)
    return {
        "Directional Accuracy [%]": float(np.mean(predicted_up == actual_up) * 100),
        "Always-Up Accuracy [%]": float(np.mean(actual_up) * 100),
        "Up Precision": float(precision),
        "Up Recall": float(recall),
        "Up F1": float(f1),
    }


def trading_metrics(simulation: Simulation, *, periods_per_year: float, risk_free_rate: float = 0.0,
                    return_before_costs: float | None = None) -> dict[str, float]:
    """The statistics of one ledger, named as backtesting.py names them; docs/METRICS.md gives each formula.

    Per-period statistics use the ledger's per-period returns r (one per execution bar), the
    risk-free rate per period rf = (1 + annual rate)^(1 / periods_per_year) - 1 and the buy-and-hold
    returns b of the same bars. Sharpe, Sortino, alpha and beta follow empyrical's definitions.
    """
    periods, trades = simulation.periods, simulation.trades
    returns, benchmark, equity = periods["strategy_return"], periods["asset_return"], periods["equity"]
    n, start_capital = len(periods), simulation.initial_capital
    rf = (1 + risk_free_rate) ** (1 / periods_per_year) - 1
    excess, benchmark_excess = returns - rf, benchmark - rf
    total = equity.iloc[-1] / start_capital - 1
    annual = _annualise(total, n, periods_per_year)
    volatility = returns.std(ddof=1) * np.sqrt(periods_per_year)
    downside = np.sqrt(np.mean(np.minimum(excess, 0.0) ** 2)) * np.sqrt(periods_per_year)
    days = (periods.index[-1] - periods.index[0]).days
    drawdowns = _drawdown_episodes(periods["drawdown"])
    max_drawdown = -periods["drawdown"].min()
    beta = excess.cov(benchmark_excess) / benchmark_excess.var() if benchmark_excess.var() > 0 else np.nan
    alpha = (1 + (excess - beta * benchmark_excess).mean()) ** periods_per_year - 1
    trade_returns = trades["return"]
    has_trades = len(trades) > 0
    wins, losses = trade_returns[trade_returns > 0].sum(), -trade_returns[trade_returns < 0].sum()
    return {
        "Start": periods.index[0],
        "End": periods.index[-1],
        "Duration [days]": days,
        "Periods a Year": float(periods_per_year),
        "Exposure Time [%]": float((periods["position"].iloc[1:] != 0).mean() * 100) if n > 1 else 0.0,
        "Equity Final [$]": float(equity.iloc[-1]),
        "Equity Peak [$]": float(max(equity.max(), start_capital)),
        "Return [%]": float(total * 100),
        "Return Before Costs [%]": float(return_before_costs * 100) if return_before_costs is not None else np.nan,
        "Buy & Hold Return [%]": float((periods["benchmark_equity"].iloc[-1] / start_capital - 1) * 100),
        "Return (Ann.) [%]": float(annual * 100),
        "CAGR [%]": float(((1 + total) ** (365.25 / days) - 1) * 100) if days > 0 else np.nan,
        "Volatility (Ann.) [%]": float(volatility * 100),
        "Sharpe Ratio": float(excess.mean() / excess.std(ddof=1) * np.sqrt(periods_per_year))
        if excess.std(ddof=1) > 0 else np.nan,
        "Sortino Ratio": float(excess.mean() * periods_per_year / downside) if downside > 0 else np.nan,
        "Calmar Ratio": float(annual / max_drawdown) if max_drawdown > 0 else np.nan,
        "Alpha [%]": float(alpha * 100),
        "Beta": float(beta),
        "Max. Drawdown [%]": float(-max_drawdown * 100),
        "Avg. Drawdown [%]": float(-np.mean([e.depth for e in drawdowns]) * 100) if drawdowns else 0.0,
        "Max. Drawdown Duration [bars]": max((e.bars for e in drawdowns), default=0),
        "Max. Drawdown Duration [days]": max((e.days for e in drawdowns), default=0),
        "Avg. Drawdown Duration [bars]": float(np.mean([e.bars for e in drawdowns])) if drawdowns else 0.0,
        "# Trades": len(trades),
        "Win Rate [%]": float((trade_returns > 0).mean() * 100) if has_trades else np.nan,
        "Best Trade [%]": float(trade_returns.max() * 100) if has_trades else np.nan,
        "Worst Trade [%]": float(trade_returns.min() * 100) if has_trades else np.nan,
        "Avg. Trade [%]": float((np.exp(np.log1p(trade_returns).mean()) - 1) * 100) if has_trades else np.nan,
        "Profit Factor": float(wins / losses) if losses > 0 else np.nan,
        "Expectancy [%]": float(trade_returns.mean() * 100) if has_trades else np.nan,
        "Turnover (Ann.)": float(periods["turnover"].sum() / n * periods_per_year),
    }


def periods_per_year(index: pd.DatetimeIndex) -> float:
    """The data's own calendar: bars per year over the span it covers (about 252 for daily stocks)."""
    years = (index[-1] - index[0]).days / 365.25
    return (len(index) - 1) / years if years > 0 else np.nan


def _annualise(total_return: float, n_periods: int, per_year: float) -> float:
    return (1 + total_return) ** (per_year / n_periods) - 1


@dataclass(frozen=True)
class _Drawdown:
    depth: float  # the lowest equity / peak - 1, as a positive fraction
    bars: int  # periods spent below the peak
    days: int  # calendar days from the peak to the first period back at it (or to the last period)


def _drawdown_episodes(drawdown: pd.Series) -> list[_Drawdown]:
    """Every stretch of periods spent below a previous equity peak (the starting capital is the first peak)."""
    underwater = drawdown.to_numpy() < 0
    edges = np.flatnonzero(np.diff(np.r_[False, underwater, False].astype(int)))
    values, dates = drawdown.to_numpy(), drawdown.index
    episodes = []
    for start, end in zip(edges[::2], edges[1::2]):
        peak, back = dates[max(start - 1, 0)], dates[min(end, len(dates) - 1)]
        episodes.append(_Drawdown(-values[start:end].min(), int(end - start), int((back - peak).days)))
    return episodes

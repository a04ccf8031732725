"""Forecast and trading metrics: pure functions of arrays and series, named as backtesting.py names them.

Conventions, stated with every result: returns are per period (one bar); annualisation is
geometric, with `periods_per_year` bars a year (252 for daily stock data, or the data's own
calendar); the risk-free rate is annual (default 0). Naive means the no-change forecast.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import (
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    precision_recall_fscore_support,
    r2_score,
)


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


def trading_metrics(periods: pd.DataFrame, trades: pd.DataFrame, *, periods_per_year: float,
                    risk_free_rate: float = 0.0) -> dict[str, float]:
    """backtesting.py-style statistics of a simulation's per-period frame and trades table."""
    returns, benchmark = periods["strategy_return"], periods["asset_return"]
    equity, n = periods["equity"], len(periods)
    start_capital = equity.iloc[0] / (1 + returns.iloc[0])
    total = equity.iloc[-1] / start_capital - 1
    annual = _annualise(total, n, periods_per_year)
    benchmark_annual = _annualise((1 + benchmark).prod() - 1, n, periods_per_year)
    volatility = returns.std(ddof=1) * np.sqrt(periods_per_year)
    downside = np.sqrt(np.mean(np.minimum(returns, 0.0) ** 2)) * np.sqrt(periods_per_year)
    days = max((periods.index[-1] - periods.index[0]).days, 1)
    drawdowns = _drawdown_episodes(periods["drawdown"])
    max_drawdown = -periods["drawdown"].min()
    beta = returns.cov(benchmark) / benchmark.var() if benchmark.var() > 0 else np.nan
    trade_returns = trades["return"] if len(trades) else pd.Series(dtype=float)
    wins, losses = trade_returns[trade_returns > 0].sum(), -trade_returns[trade_returns < 0].sum()
    return {
        "Start": periods.index[0],
        "End": periods.index[-1],
        "Duration [days]": days,
        "Exposure Time [%]": float((periods["position"] != 0).mean() * 100),
        "Equity Final [$]": float(equity.iloc[-1]),
        "Equity Peak [$]": float(equity.max()),
        "Return [%]": float(total * 100),
        "Buy & Hold Return [%]": float(((1 + benchmark).prod() - 1) * 100),
        "Return (Ann.) [%]": float(annual * 100),
        "CAGR [%]": float(((1 + total) ** (365.25 / days) - 1) * 100),
        "Volatility (Ann.) [%]": float(volatility * 100),
        "Sharpe Ratio": float((annual - risk_free_rate) / volatility) if volatility > 0 else np.nan,
        "Sortino Ratio": float((annual - risk_free_rate) / downside) if downside > 0 else np.nan,
        "Calmar Ratio": float(annual / max_drawdown) if max_drawdown > 0 else np.nan,
        "Alpha [%]": float((annual - risk_free_rate - beta * (benchmark_annual - risk_free_rate)) * 100),
        "Beta": float(beta),
        "Max. Drawdown [%]": float(-max_drawdown * 100),
        "Avg. Drawdown [%]": float(-np.mean([d for d, _ in drawdowns]) * 100) if drawdowns else 0.0,
        "Max. Drawdown Duration [bars]": max((length for _, length in drawdowns), default=0),
        "Avg. Drawdown Duration [bars]": float(np.mean([length for _, length in drawdowns])) if drawdowns else 0.0,
        "# Trades": len(trades),
        "Win Rate [%]": float((trade_returns > 0).mean() * 100) if len(trades) else np.nan,
        "Best Trade [%]": float(trade_returns.max() * 100) if len(trades) else np.nan,
        "Worst Trade [%]": float(trade_returns.min() * 100) if len(trades) else np.nan,
        "Avg. Trade [%]": float((np.exp(np.log1p(trade_returns).mean()) - 1) * 100) if len(trades) else np.nan,
        "Profit Factor": float(wins / losses) if losses > 0 else np.nan,
        "Expectancy [%]": float(trade_returns.mean() * 100) if len(trades) else np.nan,
        "Turnover (Ann.)": float(periods["position"].diff().fillna(periods["position"]).abs().sum()
                                 / n * periods_per_year),
    }


def periods_per_year(index: pd.DatetimeIndex) -> float:
    """The data's own calendar: bars per year over the span it covers (about 252 for daily stocks)."""
    years = (index[-1] - index[0]).days / 365.25
    return (len(index) - 1) / years if years > 0 else np.nan


def _annualise(total_return: float, n_periods: int, per_year: float) -> float:
    return (1 + total_return) ** (per_year / n_periods) - 1


def _drawdown_episodes(drawdown: pd.Series) -> list[tuple[float, int]]:
    """(depth, length in bars) of every period spent below a previous equity peak."""
    underwater = drawdown.to_numpy() < 0
    edges = np.flatnonzero(np.diff(np.r_[False, underwater, False].astype(int)))
    values = drawdown.to_numpy()
    return [(-values[start:end].min(), end - start) for start, end in zip(edges[::2], edges[1::2])]

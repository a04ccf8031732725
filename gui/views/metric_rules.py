"""Which metrics the result views show, which way each is better, and how each reads on screen.

The views only compare numbers the engine computed: these rules decide the highlight, never a value.
"""
from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd

Better = Literal["higher", "lower"] | None

# Which value of a metric is the better one. None: neither (a count, an exposure), never highlighted.
# Drawdowns are stored negative (-20 means a 20 % fall), so for them the higher value, nearer 0, is better.
BETTER: dict[str, Better] = {
    "Return [%]": "higher",
    "Return Before Costs [%]": "higher",
    "Buy & Hold Return [%]": None,
    "Return (Ann.) [%]": "higher",
    "CAGR [%]": "higher",
    "Equity Final [$]": "higher",
    "Equity Peak [$]": "higher",
    "Volatility (Ann.) [%]": "lower",
    "Sharpe Ratio": "higher",
    "Sortino Ratio": "higher",
    "Calmar Ratio": "higher",
    "Alpha [%]": "higher",
    "Beta": None,
    "Max. Drawdown [%]": "higher",
    "Avg. Drawdown [%]": "higher",
    "Max. Drawdown Duration [bars]": "lower",
    "Max. Drawdown Duration [days]": "lower",
    "Avg. Drawdown Duration [bars]": "lower",
    "Periods a Year": None,
    "Exposure Time [%]": None,
    "# Trades": None,
    "Win Rate [%]": "higher",
    "Best Trade [%]": "higher",
    "Worst Trade [%]": "higher",
    "Avg. Trade [%]": "higher",
    "Profit Factor": "higher",
    "Expectancy [%]": "higher",
    "Turnover (Ann.)": None,
    "Theil's U": "lower",  # RMSE / the no-change forecast's RMSE: below 1 beats it
    "MASE": "lower",  # MAE / the no-change forecast's MAE
    "MAE": "lower",
    "RMSE": "lower",
    "MAPE [%]": "lower",
    "R²": "higher",
    "Correlation": "higher",
    "Directional Accuracy [%]": "higher",
    "Always-Up Accuracy [%]": None,
    "Up Precision": "higher",
    "Up Recall": "higher",
    "Up F1": "higher",
}

# Where a heatmap's colours turn from bad to good: what doing nothing scores (no gain, a coin flip, the
# no-change forecast's ratio of 1), or NAIVE_VALUE: the no-change forecast's own value for the same series and
# horizon (errors in the target's units). Metrics without an entry are shaded from the worst cell to the best.
NAIVE_VALUE = "naive"
NEUTRAL: dict[str, float | str] = {
    "Return [%]": 0.0, "Return Before Costs [%]": 0.0, "Return (Ann.) [%]": 0.0, "CAGR [%]": 0.0,
    "Sharpe Ratio": 0.0, "Sortino Ratio": 0.0, "Calmar Ratio": 0.0, "Alpha [%]": 0.0,
    "Best Trade [%]": 0.0, "Worst Trade [%]": 0.0, "Avg. Trade [%]": 0.0, "Expectancy [%]": 0.0,
    "Profit Factor": 1.0, "Win Rate [%]": 50.0,
    "Theil's U": 1.0, "MASE": 1.0, "R²": 0.0, "Correlation": 0.0, "Directional Accuracy [%]": 50.0,
    "MAE": NAIVE_VALUE, "RMSE": NAIVE_VALUE, "MAPE [%]": NAIVE_VALUE,
}

# Metrics of single trades: a column with fewer trades than this is not ranked on them (Buy & Hold's one trade
# would otherwise "win" the win rate against a strategy's hundreds).
PER_TRADE = {"Win Rate [%]", "Best Trade [%]", "Worst Trade [%]", "Avg. Trade [%]", "Profit Factor", "Expectancy [%]"}
MIN_TRADES_TO_RANK = 10

# The leaderboard's metric columns, in order.
LEADERBOARD_METRICS = ("Return [%]", "Sharpe Ratio", "Max. Drawdown [%]", "Theil's U", "MASE",
                       "Directional Accuracy [%]", "# Trades")

# The Backtest tab's metrics table: sections of the metrics most people read first; the rest follow.
TABLE_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Trading", ("Return [%]", "Return Before Costs [%]", "Return (Ann.) [%]", "Sharpe Ratio", "Sortino Ratio",
                 "Max. Drawdown [%]", "Max. Drawdown Duration [days]", "Volatility (Ann.) [%]", "Alpha [%]", "Beta",
                 "Exposure Time [%]", "# Trades", "Win Rate [%]", "Profit Factor", "Equity Final [$]")),
    ("Forecast", ("Theil's U", "MASE", "Directional Accuracy [%]", "MAE", "RMSE", "MAPE [%]", "R²",
                  "Always-Up Accuracy [%]")),
)
KEY_COLUMNS = ("ticker", "model", "horizon", "Start", "End")


def better(metric: str) -> Better:
    return BETTER.get(metric)


def best_mask(values: np.ndarray, rule: Better, trades: np.ndarray | None = None) -> np.ndarray:
    """True where a value is the best of the finite values (ties all count); all False without a rule.

    With `trades` (each value's # Trades), a per-trade metric ranks only values backed by enough trades.
    """
    values = np.asarray(values, dtype=np.float64)
    if trades is not None:
        values = np.where(np.asarray(trades, dtype=np.float64) >= MIN_TRADES_TO_RANK, values, np.nan)
    finite = np.isfinite(values)
    if rule is None or not finite.any():
        return np.zeros(len(values), dtype=bool)
    target = values[finite].max() if rule == "higher" else values[finite].min()
    return finite & np.isclose(values, target, rtol=1e-12, atol=0.0)


def goodness(values: np.ndarray, rule: Better, neutral: float | np.ndarray | None = None) -> np.ndarray:
    """Each finite value's place between the worst (0) and the best (1) of them; NaN where undefined.

    Only for colouring a heatmap. With a rule and a `neutral` value (one, or one per value), the scale
    diverges from it: 0.5 is the neutral, better values lie above and worse below, scaled by the largest
    distance from it, so a loss never lands on the good side. Otherwise the values are ranked from the worst
    (0) to the best (1) of them; without a rule, 0 is the smallest value and 1 the largest.
    """
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    out = np.full(len(values), np.nan)
    if not finite.any():
        return out
    if rule is not None and neutral is not None:
        gain = (values - neutral) * (1.0 if rule == "higher" else -1.0)
        reach = np.abs(gain[finite]).max() or 1.0
        out[finite] = 0.5 + 0.5 * gain[finite] / reach
        return out
    low, high = values[finite].min(), values[finite].max()
    out[finite] = 0.5 if high == low else (values[finite] - low) / (high - low)
    return 1.0 - out if rule == "lower" else out


def neutral(metric: str, naive: np.ndarray) -> float | np.ndarray | None:
    """The value `metric` turns from bad to good at (NEUTRAL): a number, the no-change forecast's values
    `naive` (one per value coloured), or None when it has none (or the naive values are missing)."""
    centre = NEUTRAL.get(metric)
    if centre != NAIVE_VALUE:
        return centre
    naive = np.asarray(naive, dtype=np.float64)
    return naive if np.isfinite(naive).all() else None


def metric_order(columns) -> list[str]:
    """The metric columns of a metrics frame: the sectioned ones first, then the rest as they come."""
    present = [c for c in columns if c not in KEY_COLUMNS]
    listed = [m for _, section in TABLE_SECTIONS for m in section if m in present]
    return listed + [c for c in present if c not in listed]


def format_metric(metric: str, value) -> str:
    """A metric as it reads in a table: the precision fits the unit; a dash when undefined."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return "—"
    if metric.startswith("#") or "[bars]" in metric or "[days]" in metric:
        return f"{number:,.0f}"
    if "[$]" in metric:
        return f"{number:,.0f}"
    text = f"{number:,.2f}" if "[%]" in metric else f"{number:.3f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text  # no "-0.000"


def format_mean_std(metric: str, mean, std) -> str:
    """'12.3 ± 1.1' for a metric averaged over seeds."""
    text = format_metric(metric, mean)
    if text == "—" or std is None or not math.isfinite(float(std)):
        return text
    # One digit less than a single run shows: the spread over a few seeds does not carry more.
    digits = 1 if "[%]" in metric or metric.startswith("#") or "[" in metric else 2
    return f"{float(mean):,.{digits}f} ± {float(std):,.{digits}f}"

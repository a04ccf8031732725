"""How the result views show metrics: the leaderboard's columns, the Backtest tab's sections, heatmap shading.

Which way each metric is better, and how a number reads, are the engine's rules (engine.metric_rules).
"""
from __future__ import annotations

import math

import numpy as np

from engine.metric_rules import (  # noqa: F401 - the views read every rule from here
    BETTER,
    MEANING,
    MIN_TRADES_TO_RANK,
    NAIVE_VALUE,
    NEUTRAL,
    P_VALUES,
    PER_TRADE,
    SKILL_P_VALUES,
    Better,
    best_mask,
    better,
    explain,
    format_interval,
    format_metric,
    neutral,
    run_stats_line,
    tested,
)

# The Backtest tab's metrics table: sections of the metrics most people read first; the rest follow.
TABLE_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Trading", ("Return [%]", "Return Before Costs [%]", "Return (Ann.) [%]", "Sharpe Ratio", "Sortino Ratio",
                 "Max. Drawdown [%]", "Max. Drawdown Duration [days]", "Volatility (Ann.) [%]", "Alpha [%]", "Beta",
                 "Exposure Time [%]", "# Trades", "Win Rate [%]", "Profit Factor", "Equity Final [$]")),
    ("Forecast", ("Theil's U", "MASE", "Directional Accuracy [%]", "MAE", "RMSE", "MAPE [%]", "R²",
                  "Always-Up Accuracy [%]")),
    ("Skill vs naive", ("DM p vs naive", "DM p vs linear", "DM p vs naive (BH)", "Brier", "Brier (base rate)",
                        "DM p vs base rate", "Dir. p vs coin", "Dir. p vs always-up", "PSR", "MinTRL [bars]",
                        "Sharpe CI low", "Sharpe CI high", "Return CI low [%]", "Return CI high [%]")),
)
KEY_COLUMNS = ("ticker", "model", "horizon", "Start", "End")


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


def metric_order(columns) -> list[str]:
    """The metric columns of a metrics frame: the sectioned ones first, then the rest as they come."""
    present = [c for c in columns if c not in KEY_COLUMNS]
    listed = [m for _, section in TABLE_SECTIONS for m in section if m in present]
    return listed + [c for c in present if c not in listed]


def format_mean_std(metric: str, mean, std) -> str:
    """'12.3 ± 1.1' for a metric averaged over seeds."""
    text = format_metric(metric, mean)
    if text in ("—", "∞", "−∞") or std is None or not math.isfinite(float(std)):
        return text
    # One digit less than a single run shows: the spread over a few seeds does not carry more.
    digits = 1 if "[%]" in metric or metric.startswith("#") or "[" in metric else 2
    return f"{float(mean):,.{digits}f} ± {float(std):,.{digits}f}"

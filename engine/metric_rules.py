"""The rules every front end reads results by: which way each metric is better, which need enough trades to be
ranked, where a metric turns from bad to good, what each skill column tests, and how a number reads.

The CLI, the leaderboard and the heatmap share them; none of them changes a value the engine computed.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
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
    # Skill or luck: a p-value is the chance of a result this good from a model without the edge.
    "DM p vs naive": "lower",
    "DM p vs naive (two-sided)": None,  # small when the model differs from no change, better or worse
    "DM p vs naive (abs)": "lower",
    "DM p vs naive (BH)": "lower",
    "DM p vs linear": "lower",
    "DM p vs base rate": "lower",
    "Dir. p vs coin": "lower",
    "Dir. p vs always-up": "lower",
    "PT p": "lower",
    "Brier": "lower",
    "Brier (base rate)": None,
    "PSR": "higher",
    "MinTRL [bars]": "lower",
    "Sharpe CI low": "higher",  # the lower end: the Sharpe the data supports at worst
    "Sharpe CI high": None,
    "Sharpe CI": "higher",  # the leaderboard's interval column, ranked by its lower end
    "Return CI low [%]": "higher",
    "Return CI high [%]": None,
    "DSR": "higher",
}

# The p-value columns: they read "< 0.001" below that, and their mean over seeds is no p-value, so seed rows skip them.
P_VALUES = frozenset({"DM p vs naive", "DM p vs naive (two-sided)", "DM p vs naive (abs)", "DM p vs naive (BH)",
                      "DM p vs linear", "DM p vs base rate", "Dir. p vs coin", "Dir. p vs always-up", "PT p",
                      "SPA p vs naive", "SPA p vs buy & hold"})
# A model's skill p-value (a direction target has no naive forecast); runs stored before the tests lack both.
SKILL_P_VALUES = ("DM p vs naive", "DM p vs base rate")

# What the skill columns test, for the tooltips of their names.
MEANING = {
    "DM p vs naive": "one-sided Diebold–Mariano p-value (HLN-corrected) that the model's squared error is below "
                     "predicting no change",
    "DM p vs naive (BH)": "the DM p vs naive adjusted (Benjamini–Hochberg) for the many tests of the run: every "
                          "series, model and horizon",
    "DM p vs linear": "one-sided DM p-value that the model's squared error is below the linear baseline's",
    "DM p vs base rate": "one-sided DM p-value that the model's Brier score is below predicting the up-share",
    "Brier": "mean squared error of the predicted up-probabilities",
    "Brier (base rate)": "the Brier score of always predicting the sample's up-share",
    "Dir. p vs coin": "p-value that the directional hit rate beats a coin flip (non-overlapping forecasts for h > 1)",
    "Dir. p vs always-up": "p-value that the directional hits beat always predicting up (McNemar)",
    "PSR": "Probabilistic Sharpe Ratio: the probability that the true Sharpe is above 0, from skew and kurtosis",
    "MinTRL [bars]": "minimum track record length: bars needed for 95 % confidence that the Sharpe is above 0 "
                     "(∞ when the Sharpe is not above 0: no record is long enough)",
    "Sharpe CI low": "lower end of the 95 % stationary-bootstrap interval of the Sharpe ratio",
    "Sharpe CI high": "upper end of the 95 % stationary-bootstrap interval of the Sharpe ratio",
    "Return CI low [%]": "lower end of the 95 % stationary-bootstrap interval of the total return",
    "Return CI high [%]": "upper end of the 95 % stationary-bootstrap interval of the total return",
    "Sharpe CI": "95 % stationary-bootstrap interval of the Sharpe ratio, sorted by its lower end",
    "DSR": "Deflated Sharpe Ratio of the best trial at this series and horizon: the probability that its true "
           "Sharpe is above 0 once the number of trials is allowed for",
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
    "PSR": 0.5, "Sharpe CI low": 0.0, "Sharpe CI high": 0.0, "Return CI low [%]": 0.0, "Return CI high [%]": 0.0,
}

# Metrics of single trades: a column with fewer trades than this is not ranked on them (Buy & Hold's one trade
# would otherwise "win" the win rate against a strategy's hundreds).
PER_TRADE = {"Win Rate [%]", "Best Trade [%]", "Worst Trade [%]", "Avg. Trade [%]", "Profit Factor", "Expectancy [%]"}
MIN_TRADES_TO_RANK = 10


def better(metric: str) -> Better:
    return BETTER.get(metric)


def explain(metric: str) -> str:
    """A metric's tooltip: what it tests (MEANING, for the skill columns) and which way is better."""
    rule = better(metric)
    way = f"{rule} is better" if rule else "neither higher nor lower is better"
    return f"{metric}: {MEANING[metric]}; {way}" if metric in MEANING else f"{metric}: {way}"


def tested(metrics: pd.DataFrame) -> bool:
    """Whether a run's metrics carry the skill tests (runs stored before them do not)."""
    return any(name in metrics.columns for name in SKILL_P_VALUES)


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


def neutral(metric: str, naive: np.ndarray) -> float | np.ndarray | None:
    """The value `metric` turns from bad to good at (NEUTRAL): a number, the no-change forecast's values
    `naive` (one per value coloured), or None when it has none (or the naive values are missing)."""
    centre = NEUTRAL.get(metric)
    if centre != NAIVE_VALUE:
        return centre
    naive = np.asarray(naive, dtype=np.float64)
    return naive if np.isfinite(naive).all() else None


def format_metric(metric: str, value) -> str:
    """A metric as it reads in a table: the precision fits the unit, a p-value below 0.001 reads '< 0.001';
    a dash when undefined, ∞ when endless."""
    if value is None:
        return "—"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isinf(number):
        return "∞" if number > 0 else "−∞"  # e.g. the track record a Sharpe of 0 or below would need
    if not math.isfinite(number):
        return "—"
    if metric in P_VALUES:
        return "< 0.001" if number < 0.001 else f"{number:.3f}"
    if metric.startswith("#") or "[bars]" in metric or "[days]" in metric:
        return f"{number:,.0f}"
    if "[$]" in metric:
        return f"{number:,.0f}"
    text = f"{number:,.2f}" if "[%]" in metric else f"{number:.3f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text  # no "-0.000"


def format_interval(low, high) -> str:
    """'−0.21 … 0.90' (true minus signs, two decimals); a dash unless both ends are finite."""
    ends = np.array([low, high], dtype=np.float64)
    if not np.isfinite(ends).all():
        return "—"
    return f"{ends[0]:.2f} … {ends[1]:.2f}".replace("-", "−")


def run_stats_line(row: Mapping) -> str:
    """A run_stats row in words: 'Best of 3 trials (2.4 effective): linear (baseline), Sharpe 0.412, Deflated
    Sharpe 0.350; SPA p vs naive 0.840, vs buy & hold 0.840' (an SPA p-value the run lacks is left out)."""
    text = (f"Best of {int(row['trials'])} trials ({float(row['effective trials']):.1f} effective): "
            f"{row['best model']}, Sharpe {format_metric('Sharpe Ratio', row['Sharpe Ratio of best'])}, "
            f"Deflated Sharpe {format_metric('DSR', row['DSR'])}")
    spa = [f"{against} {format_metric(name, row[name])}"
           for against, name in (("vs naive", "SPA p vs naive"), ("vs buy & hold", "SPA p vs buy & hold"))
           if format_metric(name, row[name]) != "—"]
    return text + ("; SPA p " + ", ".join(spa) if spa else "")

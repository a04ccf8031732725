"""Skill or luck, per result and per run: the significance columns of metrics.csv and the rows of run_stats.csv.

Each cell (ticker × model × horizon) is tested against predicting no change and against the linear baseline
on the same decision dates; its returns get a Probabilistic Sharpe Ratio and bootstrap intervals. Across the
cells of a run, DM p-values are adjusted for multiple testing, and each ticker × horizon gets the Deflated
Sharpe Ratio of its best model and Hansen's SPA test of all models. docs/METRICS.md gives every formula.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from engine.baseline import BUY_AND_HOLD, NAIVE
from engine.features import no_change_forecast
from engine.sharpe_stats import (
    benjamini_hochberg,
    bootstrap_intervals,
    deflated_sharpe_ratio,
    effective_number_of_trials,
    minimum_track_record_length,
    probabilistic_sharpe_ratio,
    spa_test,
)
from engine.significance import (
    SIGNIFICANCE_LEVEL,
    brier_vs_base_rate,
    diebold_mariano,
    direction_vs_always_up,
    direction_vs_coin,
    pesaran_timmermann,
    verdict,
)

RUN_STATS_COLUMNS = ["ticker", "horizon", "best model", "Sharpe Ratio of best", "trials", "effective trials",
                     "DSR", "SPA p vs naive", "SPA p vs buy & hold"]


def forecast_skill(group: pd.DataFrame, target: str, horizon: int, linear: pd.DataFrame | None) -> dict[str, float]:
    """The cell's forecast tests; `group` and `linear` are prediction rows indexed by decision date."""
    actual, predicted = group["actual"].to_numpy(), group["predicted"].to_numpy()
    if target == "direction":
        return _direction_skill(actual, predicted, horizon)
    naive = no_change_forecast(target, group["reference_close"].to_numpy(), 1).ravel()
    model_errors, naive_errors = actual - predicted, actual - naive
    squared = diebold_mariano(model_errors, naive_errors, horizon)
    actual_up, predicted_up = actual > naive, predicted > naive
    hits = actual_up == predicted_up
    return {
        "DM p vs naive": squared.p_value,
        "DM p vs naive (two-sided)": squared.p_two_sided,
        "DM p vs naive (abs)": diebold_mariano(model_errors, naive_errors, horizon, loss="absolute").p_value,
        "DM p vs linear": _dm_against(group, linear, horizon),
        "Dir. p vs coin": direction_vs_coin(hits, horizon).p_value,
        "Dir. p vs always-up": direction_vs_always_up(hits, actual_up, horizon).p_value,
        "PT p": pesaran_timmermann(actual_up, predicted_up, horizon=horizon).p_value,
    }


def _direction_skill(actual_up: np.ndarray, probability_up: np.ndarray, horizon: int) -> dict[str, float]:
    """For up/down targets there is no no-change forecast: directional tests and the Brier score take its place."""
    up, called_up = actual_up > 0.5, probability_up > 0.5
    hits = up == called_up
    brier = brier_vs_base_rate(up, probability_up, horizon=horizon)
    return {
        "Dir. p vs coin": direction_vs_coin(hits, horizon).p_value,
        "Dir. p vs always-up": direction_vs_always_up(hits, up, horizon).p_value,
        "PT p": pesaran_timmermann(up, called_up, horizon=horizon).p_value,
        "Brier": brier.brier,
        "Brier (base rate)": brier.base_rate_brier,
        "DM p vs base rate": brier.dm.p_value,
    }


def _dm_against(group: pd.DataFrame, linear: pd.DataFrame | None, horizon: int) -> float:
    """One-sided DM p that the model's squared error is below the linear baseline's, on their common dates."""
    if linear is None:
        return np.nan
    both = group[["actual", "predicted"]].join(linear[["predicted"]], how="inner", suffixes=("", "_linear"))
    return diebold_mariano(both["actual"] - both["predicted"], both["actual"] - both["predicted_linear"],
                           horizon).p_value


def sharpe_skill(returns: pd.Series, *, periods_per_year: float, risk_free_per_period: float, repetitions: int,
                 seed: int) -> dict[str, float]:
    """PSR and MinTRL of the excess returns, and stationary-bootstrap intervals of the Sharpe and the return."""
    excess = returns.to_numpy() - risk_free_per_period
    intervals = bootstrap_intervals(returns.to_numpy(), periods_per_year, risk_free_per_period,
                                    repetitions=repetitions, seed=seed)
    return {
        "PSR": probabilistic_sharpe_ratio(excess),
        "MinTRL [bars]": minimum_track_record_length(excess),
        "Sharpe CI low": intervals.sharpe_low,
        "Sharpe CI high": intervals.sharpe_high,
        "Return CI low [%]": intervals.return_low * 100,
        "Return CI high [%]": intervals.return_high * 100,
    }


def adjust_for_multiple_testing(metrics: pd.DataFrame) -> pd.DataFrame:
    """Add `DM p vs naive (BH)`: Benjamini–Hochberg over every cell of the run that has a DM p-value."""
    if "DM p vs naive" not in metrics:
        return metrics
    return metrics.assign(**{"DM p vs naive (BH)": benjamini_hochberg(metrics["DM p vs naive"].to_numpy())})


def verdicts(metrics: pd.DataFrame) -> list[dict]:
    """A plain-language line per tested cell: does the model beat no change, and what its Sharpe CI is."""
    records = []
    for row in metrics[~metrics["model"].isin((BUY_AND_HOLD, NAIVE))].to_dict("records"):
        keys = {"ticker": row["ticker"], "model": row["model"], "horizon": int(row["horizon"])}
        ci = (row.get("Sharpe CI low"), row.get("Sharpe CI high"))
        ci = ci if all(isinstance(v, float) and np.isfinite(v) for v in ci) else None
        if "DM p vs naive" in row and np.isfinite(row["DM p vs naive"]) or "DM p vs base rate" not in row:
            text = verdict(row["model"], row.get("DM p vs naive", np.nan), ci)
        else:
            text = verdict(row["model"], row["DM p vs base rate"], ci, reference="predicting the base rate",
                           loss="Brier score")
        records.append({**keys, "text": text, "significant": bool(_p_of(row) < SIGNIFICANCE_LEVEL)})
    return records


def _p_of(row: Mapping) -> float:
    p = row.get("DM p vs naive", np.nan)
    return p if np.isfinite(p) else row.get("DM p vs base rate", np.nan)


def run_stats(predictions: pd.DataFrame, equity: pd.DataFrame, metrics: pd.DataFrame, *, target: str,
              repetitions: int, seed: int) -> pd.DataFrame:
    """One row per ticker × horizon: the best model's Deflated Sharpe over the trials, and SPA p-values.

    The trials are the models of the run, the linear baseline included (several seeds of one model are
    several trials: name them apart). Tables as BacktestResult holds them; `equity` gives each model's
    per-period strategy returns and, in `asset_return`, Buy & Hold's on the same bars.
    """
    rows = []
    models = metrics[~metrics["model"].isin((BUY_AND_HOLD, NAIVE))]
    for (ticker, horizon), cells in models.groupby(["ticker", "horizon"], sort=False):
        names = list(cells["model"])
        cell = equity[(equity["ticker"] == ticker) & (equity["horizon"] == horizon)]
        frame = cell.pivot_table(index="date", columns="model", values="strategy_return")[names]
        per_period_sharpe = frame.mean() / frame.std(ddof=1)
        best = str(per_period_sharpe.idxmax()) if per_period_sharpe.notna().any() else names[0]
        effective = effective_number_of_trials(frame.to_numpy()) if len(names) > 1 else 1.0
        deflated = deflated_sharpe_ratio(frame[best].dropna().to_numpy(), per_period_sharpe.to_numpy(), effective)
        common = frame.dropna()
        benchmark = cell.drop_duplicates("date").set_index("date")["asset_return"].loc[common.index]
        rows.append({
            "ticker": ticker, "horizon": horizon, "best model": best,
            "Sharpe Ratio of best": float(cells.set_index("model").loc[best, "Sharpe Ratio"]),
            "trials": len(names), "effective trials": deflated.n_trials, "DSR": deflated.dsr,
            "SPA p vs naive": _spa_vs_naive(predictions, ticker, horizon, names, target, repetitions, seed),
            "SPA p vs buy & hold": spa_test(-benchmark.to_numpy(), -common.to_numpy(), repetitions=repetitions,
                                            seed=seed).consistent,
        })
    return pd.DataFrame(rows, columns=RUN_STATS_COLUMNS)


def _spa_vs_naive(predictions: pd.DataFrame, ticker: str, horizon: int, names: list[str], target: str,
                  repetitions: int, seed: int) -> float:
    """SPA of every model's squared forecast error against the no-change forecast's, on their common dates."""
    if target == "direction":
        return np.nan
    cell = predictions[(predictions["ticker"] == ticker) & (predictions["horizon"] == horizon)]
    wide = cell.pivot_table(index="date", columns="model", values="predicted")[names].dropna()
    first = cell.drop_duplicates("date").set_index("date").loc[wide.index]
    naive = no_change_forecast(target, first["reference_close"].to_numpy(), 1).ravel()
    actual = first["actual"].to_numpy()
    losses = (actual[:, None] - wide.to_numpy()) ** 2
    return spa_test((actual - naive) ** 2, losses, repetitions=repetitions, seed=seed).consistent


def run_stats_over_seeds(results: Mapping[int, object], *, target: str, repetitions: int) -> pd.DataFrame:
    """run_stats with every (model, seed) of several runs that differ only in their seed as a trial of its own."""
    def renamed(table: str) -> pd.DataFrame:
        return pd.concat([_with_seed(getattr(result, table), seed) for seed, result in results.items()],
                         ignore_index=True)

    metrics = renamed("metrics")
    metrics = metrics[~metrics["model"].str.startswith((BUY_AND_HOLD, NAIVE))]
    return run_stats(renamed("predictions"), renamed("equity"), metrics, target=target, repetitions=repetitions,
                     seed=min(results))


def _with_seed(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    return frame.assign(model=frame["model"] + f" (seed {seed})")

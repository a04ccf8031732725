"""The leaderboard: every run's models and baselines in one table, and seed groups averaged.

One row per run × ticker × model × horizon, baselines included. Runs whose configs differ only in the
training seed also get a row of mean ± std per ticker, model and horizon (seed_summary) and the Deflated
Sharpe of the best of all their models and seeds (engine.skill.run_stats_over_seeds), so a lucky seed is
told apart from a better model. Qt-free: the Compare tab shows the frame as it is.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from engine.baseline import BASELINES, BUY_AND_HOLD, NAIVE
from engine.metric_rules import P_VALUES, best_mask, better, run_stats_line, tested
from engine.skill import RUN_STATS_COLUMNS, run_stats_over_seeds

if TYPE_CHECKING:
    from engine.results import BacktestResult
    from engine.runs import RunConfig

# The metric columns, in order. "Sharpe CI" shows the interval of INTERVALS in one cell and sorts by its lower
# end; "DSR" is the run-level Deflated Sharpe of the best trial (the result's run_stats).
LEADERBOARD_METRICS = ("Return [%]", "Sharpe Ratio", "Sharpe CI", "DM p vs naive", "DSR", "Max. Drawdown [%]",
                       "Theil's U", "MASE", "Directional Accuracy [%]", "# Trades")
INTERVALS = {"Sharpe CI": ("Sharpe CI low", "Sharpe CI high")}
TEXT_COLUMNS = ("Run", "Ticker", "Model")
COLUMNS = ("Run", "Ticker", "Model", "Horizon", *LEADERBOARD_METRICS)
UPPER = " upper"  # an interval column holds its lower end under its name, its upper end under name + UPPER
RUN_LEVEL = "DSR"  # from the run's run_stats, not its metrics
_FROM_METRICS = tuple(m for m in LEADERBOARD_METRICS if m not in INTERVALS and m != RUN_LEVEL)
# What seed rows average: a mean of p-values is no p-value, nor are the means of an interval's ends an interval.
_AVERAGED = tuple(m for m in _FROM_METRICS if m not in P_VALUES)
# kind: "model", "baseline" or "seeds"; key: the run a row opens; members: the runs it stands for.
FRAME_COLUMNS = [*COLUMNS, *(name + UPPER for name in INTERVALS), *(f"{m} std" for m in LEADERBOARD_METRICS),
                 "DSR details", "seed", "kind", "key", "members", "details"]


@dataclass(frozen=True)
class BoardRun:
    """A run on the leaderboard: from this session (key = the window's label) or the store (key "#12")."""

    key: str
    config: RunConfig
    result: BacktestResult
    store_id: int | None = None
    name: str = ""
    created: str = ""
    fingerprint: str = ""
    notice: str | None = None  # what a run stored by an older version lacks (StoredRun.notice)

    @classmethod
    def from_stored(cls, stored) -> BoardRun:
        """A run read from the store (an engine.store.StoredRun; not imported here, as the store needs torch)."""
        return cls(f"#{stored.id}", stored.config, stored.result, stored.id, stored.name, stored.created,
                   stored.data_fingerprint, stored.notice)

    @property
    def seed(self) -> int:
        return int(self.config.training.seed)

    @property
    def group(self) -> str:
        """The config as JSON without the seed: runs with equal groups differ only in their seed."""
        config = self.config.to_dict()
        config["training"].pop("seed", None)
        return json.dumps(config, sort_keys=True)

    @property
    def title(self) -> str:
        """'#12 · SP500 · gru, mlp · seed 0'."""
        tickers = "+".join(self.config.data.tickers) or "CSV"
        return f"{self.key} · {tickers} · {', '.join(m.arch for m in self.config.models)} · seed {self.seed}"

    @property
    def details(self) -> str:
        """Its settings, folds, storage and warnings in a line (and the older-version notice on the next)."""
        config, result = self.config, self.result
        parts = [(f"window {config.windows.window}, horizons {', '.join(map(str, config.windows.horizons))}, "
                  f"target {config.windows.target}"),
                 f"{len(result.folds)} folds, {config.training.epochs} epochs, seed {self.seed}"]
        if self.created:
            parts.append(f"stored {self.created.replace('T', ' ')[:16]}")
        if self.fingerprint:
            parts.append(f"data {self.fingerprint}")
        if result.warnings:
            parts.append(f"{len(result.warnings)} warning{'s' if len(result.warnings) > 1 else ''}")
        text = " · ".join(parts)
        if self.name:
            text = f"{self.name} — {text}"
        return f"{text}\n{self.notice}" if self.notice else text


def seed_summary(metrics: list[pd.DataFrame]) -> pd.DataFrame:
    """Mean and standard deviation of every numeric metric over runs that differ only in their seed."""
    stacked = pd.concat(metrics, ignore_index=True)
    numeric = stacked.select_dtypes("number").columns.drop("horizon", errors="ignore")
    grouped = stacked.groupby(["ticker", "model", "horizon"], sort=False)[list(numeric)]
    summary = grouped.agg(["mean", "std"])
    summary.columns = [f"{name} {stat}" for name, stat in summary.columns]
    return summary.assign(runs=grouped.size()).reset_index()


class Leaderboard:
    """The runs on the board, the stored runs that could not be read, and the table they make."""

    def __init__(self) -> None:
        self._runs: dict[str, BoardRun] = {}
        self._rows: dict[str, list[dict]] = {}  # a run's key → its rows of the frame, made once
        self._damaged: dict[int, str] = {}  # stored run id → why it could not be read
        self._seed_stats: dict[tuple[str, ...], pd.DataFrame] = {}  # a seed group's run keys → its run_stats

    @property
    def runs(self) -> list[BoardRun]:
        return list(self._runs.values())

    @property
    def damaged(self) -> dict[int, str]:
        return dict(self._damaged)

    def get(self, key: str | None) -> BoardRun | None:
        return self._runs.get(key) if key is not None else None

    def add(self, run: BoardRun) -> None:
        """Add a run, or replace the one with its key."""
        self._forget_seed_stats(run.key)
        self._runs[run.key] = run
        self._rows[run.key] = _run_rows(run)

    def add_damaged(self, damaged: Mapping[int, str]) -> None:
        self._damaged.update(damaged)

    def remove(self, key: str) -> None:
        self._runs.pop(key, None)
        self._rows.pop(key, None)
        self._forget_seed_stats(key)
        if key.startswith("#") and key[1:].isdigit():
            self._damaged.pop(int(key[1:]), None)

    def _forget_seed_stats(self, key: str) -> None:
        self._seed_stats = {keys: stats for keys, stats in self._seed_stats.items() if key not in keys}

    def frame(self) -> pd.DataFrame:
        """FRAME_COLUMNS: a row per run × ticker × model × horizon, then the seed groups' mean ± std rows."""
        rows = [row for key in self._runs for row in self._rows[key]]
        for runs in _seed_groups(self._runs.values()):
            rows += _seed_rows(runs, self._over_seeds(runs))
        return pd.DataFrame(rows, columns=FRAME_COLUMNS)

    def _over_seeds(self, runs: list[BoardRun]) -> pd.DataFrame:
        """The run-level figures with every model and seed of `runs` a trial (one run per seed), cached."""
        key = tuple(run.key for run in runs)
        if key not in self._seed_stats:
            by_seed: dict[int, BacktestResult] = {}
            for run in runs:
                by_seed.setdefault(run.seed, run.result)
            first = runs[0].config
            self._seed_stats[key] = (
                run_stats_over_seeds(by_seed, target=first.windows.target,
                                     repetitions=first.trading.bootstrap_repetitions)
                if all(tested(run.result.metrics) for run in runs) else pd.DataFrame(columns=RUN_STATS_COLUMNS))
        return self._seed_stats[key]


def best_rows(frame: pd.DataFrame, rows: Sequence[int]) -> dict[str, set[int]]:
    """Each metric column's rows (of `rows`, those shown) holding its best value; ties all count."""
    rows = list(rows)
    best = {}
    for metric in LEADERBOARD_METRICS:
        values = frame[metric].to_numpy(dtype=np.float64)[rows] if rows else np.empty(0)
        best[metric] = {rows[i] for i in np.flatnonzero(best_mask(values, better(metric)))}
    return best


def _run_rows(run: BoardRun) -> list[dict]:
    rows = []
    for record in run.result.metrics.to_dict("records"):
        ticker, model, horizon = record["ticker"], record["model"], int(record["horizon"])
        trial = model not in (BUY_AND_HOLD, NAIVE)  # the run-level figures are over the run's models
        rows.append({"Run": run.key, "seed": run.seed, "Ticker": ticker, "Model": model, "Horizon": horizon,
                     **{m: record.get(m, np.nan) for m in _FROM_METRICS},
                     **{name + UPPER: record.get(high, np.nan) for name, (_, high) in INTERVALS.items()},
                     **{name: record.get(low, np.nan) for name, (low, _) in INTERVALS.items()},
                     **(_deflated(run.result.run_stats, ticker, horizon, "this run's models") if trial else {}),
                     "kind": "baseline" if model in BASELINES else "model", "key": run.key, "members": (run.key,),
                     "details": run.details})
    return rows


def _seed_groups(runs: Iterable[BoardRun]) -> list[list[BoardRun]]:
    """The groups of two or more runs with metrics that differ only in the seed."""
    groups: dict[str, list[BoardRun]] = {}
    for run in runs:
        if not run.result.metrics.empty:  # a run cancelled before its first fold has nothing to average
            groups.setdefault(run.group, []).append(run)
    return [group for group in groups.values() if len({run.seed for run in group}) > 1]


def _seed_rows(runs: list[BoardRun], stats: pd.DataFrame) -> list[dict]:
    """Mean ± std rows of one seed group; Buy & Hold and Naive are left out, as they do not depend on the seed."""
    summary = seed_summary([run.result.metrics for run in runs])
    label = "mean: " + ", ".join(run.key for run in runs)
    seeds = ", ".join(str(run.seed) for run in runs)
    rows = []
    for record in summary[~summary["model"].isin((BUY_AND_HOLD, NAIVE))].to_dict("records"):
        ticker, horizon = record["ticker"], int(record["horizon"])
        rows.append({
            "Run": label, "seed": np.nan, "Ticker": ticker, "Model": record["model"], "Horizon": horizon,
            **{m: record.get(f"{m} mean", np.nan) for m in _AVERAGED},
            **{f"{m} std": record.get(f"{m} std", np.nan) for m in _AVERAGED},
            **_deflated(stats, ticker, horizon, "every model and seed of these runs"),
            "kind": "seeds", "key": runs[0].key, "members": tuple(run.key for run in runs),
            "details": f"Mean and standard deviation over {record['runs']} runs with seeds {seeds}, "
                       "otherwise identical settings (p-values and intervals are not averaged)",
        })
    return rows


def _deflated(stats: pd.DataFrame, ticker: str, horizon: int, trials: str) -> dict:
    """A row's DSR cell, from the run-level figures of its ticker and horizon (none if it has none)."""
    row = stats[(stats["ticker"] == ticker) & (stats["horizon"] == horizon)]
    if row.empty:
        return {}
    return {RUN_LEVEL: row["DSR"].iloc[0],
            "DSR details": f"Deflated Sharpe of the best of {trials} on {ticker} at the {horizon}-bar horizon. "
                           f"{run_stats_line(row.iloc[0])}"}

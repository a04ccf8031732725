"""Judging a backtest: trade its predictions, score them, and set them beside the baselines."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from engine.baseline import BUY_AND_HOLD, LINEAR_BASELINE, NAIVE
from engine.features import expected_return, no_change_forecast, predicted_price, target_to_price
from engine.files import write_all_atomically
from engine.folds import Fold
from engine.metrics import (
    classification_metrics,
    forecast_metrics,
    periods_per_year,
    trading_metrics,
)
from engine.skill import RUN_STATS_COLUMNS, adjust_for_multiple_testing, forecast_skill, run_stats, sharpe_skill, verdicts
from engine.trading import (
    IncrementalTrading,
    Simulation,
    TradingConfig,
    hold_for,
    return_before_costs,
    signals,
    simulate,
)

LAGGED_COPY_CORRELATION = 0.99  # predicted price vs last close
LAGGED_COPY_SKILL = 0.98  # Theil's U at or above this: hardly better than no change
PREDICTION_COLUMNS = ["date", "target_date", "realized_date", "ticker", "model", "horizon", "fold", "reference_close",
                      "actual", "predicted", "signal", "position", "strategy_return", "equity", "benchmark_equity"]


@dataclass(frozen=True)
class ResultWarning:
    """Something a result's numbers do not show by themselves, for one ticker × model × horizon."""

    ticker: str
    model: str
    horizon: int
    kind: str  # "lagged_copy" (a price target copying the last close) or "no_skill" (a return target no better
    #            than no change); "note" for a warning stored by an older version, whose cell is unknown
    text: str

    def is_for(self, ticker: str, model: str, horizon: int) -> bool:
        return (self.ticker, self.model, self.horizon) == (ticker, model, horizon)

    @classmethod
    def from_stored(cls, stored) -> ResultWarning:
        """A warning as the run store keeps it: a dict of the fields, or an older version's bare sentence."""
        return cls(**stored) if isinstance(stored, dict) else cls("", "", 0, "note", str(stored))


@dataclass(frozen=True)
class BacktestResult:
    predictions: pd.DataFrame  # PREDICTION_COLUMNS: one row per decision bar × ticker × model × horizon
    metrics: pd.DataFrame  # one row per ticker × model × horizon, baselines included
    equity: pd.DataFrame  # per period: ticker, model, horizon, position, strategy_return, equity, drawdown, ...
    trades: pd.DataFrame  # per trade: ticker, model, horizon, entry/exit time and price, return, bars
    folds: tuple[Fold, ...]
    warnings: tuple[ResultWarning, ...]
    conventions: str
    run_stats: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RUN_STATS_COLUMNS))

    @cached_property
    def verdicts(self) -> list[dict]:
        """A plain-language line per model cell (ticker, model, horizon, text, significant), from its metrics."""
        return verdicts(self.metrics) if len(self.metrics) else []


def evaluate(predictions: pd.DataFrame, folds: list[Fold], bars_by_ticker: Mapping[str, pd.DataFrame], *,
             target: str, trading: TradingConfig, seed: int = 0) -> BacktestResult:
    """Trade every (ticker, model, horizon) forecast, score it and test its skill beside the baselines' on the
    same dates; `seed` seeds the bootstraps."""
    if predictions.empty:  # cancelled before any fold finished
        return BacktestResult(pd.DataFrame(columns=PREDICTION_COLUMNS), pd.DataFrame(), pd.DataFrame(),
                              pd.DataFrame(), tuple(folds), (), _conventions(trading, bars_by_ticker))
    rows, metric_rows, equity_frames, trade_frames, warnings = [], [], [], [], []
    linear = {key: group.set_index("date").sort_index()
              for key, group in predictions[predictions["model"] == LINEAR_BASELINE].groupby(["ticker", "horizon"])}
    for (ticker, model, horizon), group in predictions.groupby(["ticker", "model", "horizon"], sort=False):
        bars = bars_by_ticker[ticker]
        group = group.set_index("date").sort_index()
        raw_signal, decisions = trading_decisions(group, target, int(horizon), trading)
        simulation = simulate(bars, decisions, trading)
        per_year = periods_per_year(bars.index)
        keys = {"ticker": ticker, "model": model, "horizon": horizon}
        rows.append(_trading_columns(group, raw_signal, simulation.periods, bars.index, keys))
        equity_frames.append(simulation.periods.rename_axis("date").reset_index().assign(**keys))
        trade_frames.append(simulation.trades.assign(**keys))
        scores = _forecast_scores(group, target)
        reference = None if model == LINEAR_BASELINE else linear.get((ticker, horizon))
        metric_rows.append({**keys, **scores, **trading_metrics(
            simulation, periods_per_year=per_year, risk_free_rate=trading.risk_free_rate,
            return_before_costs=return_before_costs(bars, decisions, trading)),
            **forecast_skill(group, target, int(horizon), reference),
            **_sharpe_skill(simulation, per_year, trading, seed)})
        if warning := _lagged_copy_warning(group, target, scores, keys):
            warnings.append(warning)
    baseline_rows, held = _baseline_rows(predictions, bars_by_ticker, target, trading, seed)
    metrics = adjust_for_multiple_testing(pd.DataFrame(metric_rows + baseline_rows))
    for keys, simulation in held:  # Buy & Hold's own curve and trade, on the dates the models traded
        equity_frames.append(simulation.periods.rename_axis("date").reset_index().assign(**keys))
        trade_frames.append(simulation.trades.assign(**keys))
    tables = {"predictions": pd.concat(rows, ignore_index=True)[PREDICTION_COLUMNS], "metrics": metrics,
              "equity": pd.concat(equity_frames, ignore_index=True),
              "trades": pd.concat(trade_frames, ignore_index=True)}
    return BacktestResult(**tables, folds=tuple(folds), warnings=tuple(warnings),
                          conventions=_conventions(trading, bars_by_ticker),
                          run_stats=run_stats(tables["predictions"], tables["equity"], metrics, target=target,
                                              repetitions=trading.bootstrap_repetitions, seed=seed))


def _sharpe_skill(simulation: Simulation, per_year: float, trading: TradingConfig, seed: int) -> dict[str, float]:
    return sharpe_skill(simulation.periods["strategy_return"], periods_per_year=per_year,
                        risk_free_per_period=(1 + trading.risk_free_rate) ** (1 / per_year) - 1,
                        repetitions=trading.bootstrap_repetitions, seed=seed)


def trading_decisions(forecasts: pd.DataFrame, target: str, horizon: int, trading: TradingConfig
                      ) -> tuple[pd.Series, pd.Series]:
    """The raw signal of each forecast and the direction wanted after the h-bar holding rule, by decision date."""
    raw_signal = signals(expected_return(forecasts, target), trading)
    return raw_signal, hold_for(raw_signal, horizon)


class LiveEquity:
    """The equity curve of one model and horizon while its folds arrive: each fold's forecasts are traded once,
    the h-bar holding rule keeping its phase across folds. Finishing gives exactly evaluate's simulation."""

    def __init__(self, bars: pd.DataFrame, target: str, horizon: int, trading: TradingConfig):
        self.target, self.horizon, self.config = target, horizon, trading
        self.trading = IncrementalTrading(bars, trading)
        self.signals: list[pd.Series] = []

    def add(self, forecasts: pd.DataFrame) -> pd.DataFrame:
        """Trade the next fold's forecasts (indexed by decision date); the periods so far, marked to market."""
        raw = signals(expected_return(forecasts, self.target), self.config)
        self.signals.append(raw)
        held = hold_for(pd.concat(self.signals), self.horizon).iloc[-len(raw):]
        return self.trading.add(held)

    def finish(self) -> Simulation:
        return self.trading.finish()


def _trading_columns(group, signal, periods, index, keys) -> pd.DataFrame:
    """Each decision row gets the period its position was held: realised two bars after the decision."""
    at = index.get_indexer(group.index) + 2
    realized = pd.DatetimeIndex(np.where(at < len(index), index[np.minimum(at, len(index) - 1)], pd.NaT))
    held = periods.reindex(realized)
    return group.reset_index().assign(
        realized_date=realized,
        signal=signal.to_numpy(),
        position=held["position"].to_numpy(),
        strategy_return=held["strategy_return"].to_numpy(),
        equity=held["equity"].to_numpy(),
        benchmark_equity=held["benchmark_equity"].to_numpy(),
    )


def _forecast_scores(group: pd.DataFrame, target: str) -> dict[str, float]:
    actual, predicted = group["actual"].to_numpy(), group["predicted"].to_numpy()
    if target == "direction":
        return classification_metrics(actual, predicted)
    reference = group["reference_close"].to_numpy()
    naive = no_change_forecast(target, reference, 1).ravel()
    return forecast_metrics(actual, predicted, naive, actual_price=target_to_price(target, actual, reference),
                            predicted_price=target_to_price(target, predicted, reference))


def _lagged_copy_warning(group: pd.DataFrame, target: str, scores: Mapping, keys: Mapping) -> ResultWarning | None:
    """The classic failure: a predicted price line that hugs the actual one only because it copies the last close."""
    if target == "direction":
        return None
    copies_last_close = np.corrcoef(predicted_price(group, target), group["reference_close"])[0, 1]
    skill = scores["Theil's U"]
    if copies_last_close < LAGGED_COPY_CORRELATION or skill < LAGGED_COPY_SKILL:
        return None
    cell = (keys["ticker"], keys["model"], int(keys["horizon"]))
    where = f"{keys['model']} on {keys['ticker']} (horizon {keys['horizon']})"
    if target == "close":
        return ResultWarning(*cell, "lagged_copy", (
            f"{where}: the predictions are little more than a lagged copy of the last price (correlation with the "
            f"last close {copies_last_close:.3f}, Theil's U {skill:.3f} — no better than predicting no change)."))
    # A predicted return becomes a price from the last close, so the correlation alone says nothing here.
    return ResultWarning(*cell, "no_skill", (
        f"{where}: no better than predicting no change (Theil's U {skill:.3f}); its predicted price line follows "
        "the actual one only because every forecast starts from the last close."))


def _baseline_rows(predictions: pd.DataFrame, bars_by_ticker, target: str, trading: TradingConfig, seed: int
                   ) -> tuple[list[dict], list[tuple[dict, Simulation]]]:
    """Buy-and-hold (trading) and the naive no-change forecast, on the dates the models were tested; and Buy &
    Hold's simulations with their keys (ticker, model, horizon)."""
    rows, held_by_keys = [], []
    first_model = predictions["model"].iloc[0] if len(predictions) else None
    reference = predictions[predictions["model"] == first_model]
    for (ticker, horizon), group in reference.groupby(["ticker", "horizon"], sort=False):
        bars = bars_by_ticker[ticker]
        group = group.set_index("date").sort_index()
        always_long = pd.Series(1.0, index=group.index)
        held = simulate(bars, always_long, TradingConfig(cost_bps=0, slippage_bps=0, execution=trading.execution,
                                                         initial_capital=trading.initial_capital))
        keys = {"ticker": ticker, "horizon": horizon}
        held_by_keys.append(({**keys, "model": BUY_AND_HOLD}, held))
        per_year = periods_per_year(bars.index)
        rows.append({**keys, "model": BUY_AND_HOLD,
                     **trading_metrics(held, periods_per_year=per_year, risk_free_rate=trading.risk_free_rate,
                                       return_before_costs=held.periods["equity"].iloc[-1] / held.initial_capital - 1),
                     **_sharpe_skill(held, per_year, trading, seed)})
        if target != "direction":
            naive = group.assign(predicted=no_change_forecast(target, group["reference_close"].to_numpy(), 1).ravel())
            rows.append({**keys, "model": NAIVE, **_forecast_scores(naive, target)})
    return rows, held_by_keys


def _conventions(trading: TradingConfig, bars_by_ticker: Mapping[str, pd.DataFrame]) -> str:
    """The rules every number of the run follows, in one paragraph (docs/METRICS.md has the formulas)."""
    calendars = ", ".join(f"{ticker} {periods_per_year(bars.index):.2f}" for ticker, bars in bars_by_ticker.items())
    execution = "the next bar's open" if trading.execution == "next_open" else "the close of the next bar"
    return (f"Signals formed at a bar's close trade at {execution}; h-bar forecasts are held h bars, non-overlapping. "
            f"Each position buys or shorts shares worth {trading.position_size:.0%} of equity at entry and holds them "
            f"until the signal changes; equity is marked at each execution price, starting from "
            f"{trading.initial_capital:,.0f}. Costs {trading.cost_bps:g} bps + slippage {trading.slippage_bps:g} bps "
            "per side on every change, including closing what is open at the end. Annual figures use bars a year "
            f"as measured on the data ({calendars}); risk-free rate {trading.risk_free_rate:.2%} a year, per bar "
            "(1 + rf)^(1/bars a year) − 1. Sharpe = mean excess return / its std (ddof 1) × √(bars a year); Sortino, "
            "alpha and beta as empyrical defines them; CAGR over the calendar days from the first execution to the "
            "last. Buy & Hold trades the same dates without costs.")


def export_csv(result: BacktestResult, directory: Path) -> list[Path]:
    """Write predictions, metrics, equity, trades, folds and run_stats CSV files, all or none of them."""
    tables = {"predictions": result.predictions, "metrics": result.metrics, "equity": result.equity,
              "trades": result.trades, "folds": pd.DataFrame([asdict(fold) for fold in result.folds]),
              "run_stats": result.run_stats}
    return write_all_atomically({Path(directory) / f"{name}.csv": lambda file, frame=frame: frame.to_csv(file, index=False)
                                 for name, frame in tables.items()})

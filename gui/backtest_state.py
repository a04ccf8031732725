"""What a backtest has reported so far and which part of it the Backtest tab shows: no Qt, so it is tested
without a display. The tab's widgets subscribe with connect(event, callback) and only draw.

Events and their callback arguments:
  "reset"      ()             a run was cleared or started: everything changed
  "lists"      ()             a series, model or horizon was first reported
  "selection"  ()             another series, model or horizon is shown
  "fold"       (fold)         a fold of the shown series and model arrived, with its predictions
  "equity"     (key, created) the equity curves of one (ticker, model, horizon) were refilled
  "result"     ()             the finished result arrived
  "status"     ()             the one-line status changed (a fold, an error)
  "forecast"   ()             the forecast after the last bar arrived (engine.forecast.Forecast)
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from types import MethodType
from typing import TYPE_CHECKING, Literal
from weakref import WeakMethod

import numpy as np
import pandas as pd

from engine.baseline import BUY_AND_HOLD, LINEAR_BASELINE, NAIVE, backtest_labels
from engine.features import predicted_price
from gui.timestamps import nearest, seconds

if TYPE_CHECKING:
    from engine.backtest import FoldDone
    from engine.folds import Fold
    from engine.forecast import Forecast
    from engine.pipeline import EquityProgress
    from engine.results import BacktestResult, ResultWarning
    from engine.runs import RunConfig

Key = tuple[str, str, int]  # ticker, model, horizon
Event = Literal["reset", "lists", "selection", "fold", "equity", "result", "status", "forecast"]
DAY = 86400.0


@dataclass(frozen=True)
class Curve:
    """One key's equity over time: x in UTC seconds; equity, the benchmark column's buy-and-hold equity and
    the drawdown in %."""

    x: np.ndarray
    equity: np.ndarray
    benchmark: np.ndarray
    drawdown: np.ndarray

    @classmethod
    def of(cls, periods: pd.DataFrame, dates) -> Curve:
        return cls(seconds(dates), *(periods[c].to_numpy(dtype=np.float64, copy=True)
                                     for c in ("equity", "benchmark_equity")),
                   periods["drawdown"].to_numpy(dtype=np.float64) * 100.0)

    def same_as(self, other: Curve | None) -> bool:
        """Whether other holds the very same values (NaN equal to NaN)."""
        return other is not None and _same_arrays((self.x, self.equity, self.benchmark, self.drawdown),
                                                  (other.x, other.equity, other.benchmark, other.drawdown))

    def at(self, x: float) -> tuple[float, float, float] | None:
        """(equity, benchmark, drawdown) at the sample nearest x; None a day or more off the curve."""
        if not len(self.x) or x < self.x[0] - DAY or x > self.x[-1] + DAY:
            return None
        i = nearest(self.x, x)
        return float(self.equity[i]), float(self.benchmark[i]), float(self.drawdown[i])


@dataclass(frozen=True)
class FoldCount:
    """How far the walk of one series and model got, for the progress table."""

    ticker: str
    model: str
    done: int
    total: int | None
    state: str  # "done", "stopped", "waiting" or "walking forward"


class BacktestState:
    """Feed it the run's events in order; read what to draw from its attributes and methods.

    `schedule(step)` runs the listeners connected as deferred: at once by default; the window hands them to its
    turns (gui.turns), so a panel's redraw after the finished result waits for the charts to be painted.
    """

    def __init__(self) -> None:
        self._listeners: dict[Event, list[tuple[Callable, bool]]] = defaultdict(list)
        self.schedule: Callable[[Callable[[], object]], None] = lambda step: step()
        self._reset()

    def connect(self, event: Event, callback: Callable, *, deferred: bool = False) -> None:
        """Call callback(*args) on each `event` (through schedule() if deferred). A method is held weakly: the
        state keeps no widget alive, and a widget holding its state makes no reference cycle for the garbage
        collector to break at a random time. A deferred callback draws what the state holds when it runs."""
        reference = WeakMethod(callback) if isinstance(callback, MethodType) else lambda: callback
        self._listeners[event].append((reference, deferred))

    def _emit(self, event: Event, *args) -> None:
        for entry in list(self._listeners[event]):
            reference, deferred = entry
            callback = reference()
            if callback is None:
                self._listeners[event].remove(entry)
            elif deferred:
                self.schedule(partial(_call_alive, reference, args))
            else:
                callback(*args)

    def _reset(self) -> None:
        self.target = "log_return"
        self.tickers: list[str] = []
        self.models: list[str] = []  # in run order: the colour of model i is theme.series[i]
        self.horizons: list[int] = []
        self.closes: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # ticker → (seconds, close)
        self._bars: Mapping[str, pd.DataFrame] | None = None  # what the closes were read from
        self.folds: list[Fold] = []
        self.fold_totals: dict[tuple[str, str], int] = {}
        self.predicted: dict[Key, tuple[np.ndarray, np.ndarray]] = {}  # target-date seconds, predicted price
        self.curves: dict[Key, Curve] = {}
        self.result: BacktestResult | None = None
        self._traded: dict[Key, int] = {}  # the result's traded bars per model curve (Buy & Hold left out)
        self.forecast: Forecast | None = None
        self.stopped: str | None = None  # why the walk stopped before its end (an error)
        self.started = False
        self.follow = True  # follow the model being walked, to the end of its walk, until the user picks one
        self.selection: Key = ("", "", 0)
        self._last_fold: FoldDone | None = None

    # --- what the run reports -------------------------------------------------------------------------
    def clear(self) -> None:
        """Forget the run: a new one is about to start."""
        self._reset()
        self._emit("reset")

    def start(self, config: RunConfig, bars_by_ticker: Mapping[str, pd.DataFrame] | None = None) -> None:
        """A backtest of `config` starts: its series, models and horizons, and the bars if known."""
        from engine.pipeline import model_labels  # the pipeline imports torch: only once a run starts

        self._reset()
        self.started = True
        self.target = config.windows.target
        self.models = backtest_labels(model_labels(config.models))
        self.horizons = list(config.windows.horizons)
        self.tickers = list(config.data.series_names)
        self._set_closes(bars_by_ticker or {})
        self._fix_selection()
        self._emit("reset")

    def set_bars(self, bars_by_ticker: Mapping[str, pd.DataFrame]) -> None:
        """The bars the run used: the price line (the very bars drawn already change nothing)."""
        if bars_by_ticker is self._bars:
            return
        self._set_closes(bars_by_ticker)
        self._fix_selection()
        self._emit("reset")

    def _set_closes(self, bars_by_ticker: Mapping[str, pd.DataFrame]) -> None:
        self._bars = bars_by_ticker
        self.closes = {ticker: (seconds(bars.index), bars["close"].to_numpy(dtype=np.float64))
                       for ticker, bars in bars_by_ticker.items()}
        self.tickers += [t for t in bars_by_ticker if t not in self.tickers]

    def add_fold(self, event: FoldDone) -> None:
        """A fold finished: its dates and its predictions."""
        fold = event.fold
        self.folds.append(fold)
        self.fold_totals[(fold.ticker, fold.model)] = event.folds
        self._last_fold = event
        self._note(fold.ticker, fold.model, None)
        self._add_predictions(event.predictions)
        shown = (fold.ticker, fold.model) == self.selection[:2]
        if self.follow and not shown and self._walked(*self.selection[:2]):
            self._select(fold.ticker, fold.model, None)  # the walk moved on
        elif shown:
            self._emit("fold", fold)
        self._emit("status")

    def add_equity(self, event: EquityProgress) -> None:
        """The equity of one model and horizon over the folds so far."""
        key = (event.ticker, event.model, int(event.horizon))
        self._note(*key)
        created = key not in self.curves
        self.curves[key] = Curve.of(event.periods, event.periods.index)
        if self.follow and key[:2] != self.selection[:2] and self._walked(*self.selection[:2]):
            self._select(key[0], key[1], None)
        self._emit("equity", key, created)

    def set_result(self, result: BacktestResult, *, target: str | None = None) -> None:
        """The finished backtest; the view shows the run's first model if it was following the walk."""
        self.result = result
        self.target = target or self.target
        first_model, self.follow = self.follow, False
        equity = result.equity if not result.equity.empty else pd.DataFrame(columns=["ticker", "model", "horizon"])
        for (ticker, model, horizon), frame in equity.groupby(["ticker", "model", "horizon"], sort=False):
            key = (str(ticker), str(model), int(horizon))
            self._note(*key)
            curve = Curve.of(frame, frame["date"])
            if not curve.same_as(self.curves.get(key)):  # the live curve is the final one: the charts keep it
                self.curves[key] = curve
            if model != BUY_AND_HOLD:
                self._traded[key] = len(frame)
        for fold in result.folds:
            self._note(fold.ticker, fold.model, None)
        self.folds = list(result.folds)
        streamed, self.predicted = self.predicted, {}
        self._add_predictions(result.predictions)
        for key, (x, y) in self.predicted.items():
            if key in streamed and _same_arrays((x, y), streamed[key]):
                self.predicted[key] = streamed[key]  # as streamed: the charts keep what they drew
        if first_model and self.models:
            self.selection = (self.selection[0], self.models[0], self.selection[2])
        self._fix_selection()
        self._emit("result")

    def set_forecast(self, forecast: Forecast | None) -> None:
        """The forecast after the last bar, of every model and horizon (None: there is none)."""
        self.forecast = forecast
        self._emit("forecast")

    def stop(self, message: str) -> None:
        """The walk stopped with an error: the folds it finished stay."""
        self.stopped = message
        self._emit("status")

    def _add_predictions(self, frame: pd.DataFrame) -> None:
        """Predictions as prices from their reference close, with the engine's helper; runs stored without the
        reference close, and direction targets, have none to draw."""
        if (self.target == "direction" or frame.empty or "reference_close" not in frame
                or frame["reference_close"].isna().all()):
            return
        prices = predicted_price(frame, self.target).to_numpy()
        for (ticker, model, horizon), rows in frame.groupby(["ticker", "model", "horizon"], sort=False):
            key = (str(ticker), str(model), int(horizon))
            x, y = seconds(rows["target_date"]), prices[frame.index.get_indexer(rows.index)]
            if key in self.predicted:
                x, y = np.concatenate([self.predicted[key][0], x]), np.concatenate([self.predicted[key][1], y])
            order = np.argsort(x, kind="stable")
            self.predicted[key] = (x[order], y[order])

    # --- the selection -------------------------------------------------------------------------------
    def select(self, ticker: str | None = None, model: str | None = None, horizon: int | None = None) -> None:
        """Show another series, model or horizon (None, or one the run lacks, keeps the current one); the
        view stops following the walk."""
        self.follow = False
        self._select(ticker, model, horizon)

    def _select(self, ticker: str | None, model: str | None, horizon: int | None) -> None:
        current = self.selection
        self.selection = (ticker if ticker in self.tickers else current[0],
                          model if model in self.models else current[1],
                          int(horizon) if horizon is not None and int(horizon) in self.horizons else current[2])
        self._emit("selection")

    def _fix_selection(self) -> None:
        """Keep the selection among what the run reported: the first of each list otherwise."""
        ticker, model, horizon = self.selection
        self.selection = (ticker if ticker in self.tickers else next(iter(self.tickers), ""),
                          model if model in self.models else next(iter(self.models), ""),
                          horizon if horizon in self.horizons else min(self.horizons, default=0))

    def _walked(self, ticker: str, model: str) -> bool:
        """Whether the walk of one series and model has sent all its folds: while walks run side by side, the
        view follows one to its end rather than jumping between them."""
        total = self.fold_totals.get((ticker, model))
        return total is not None and sum((f.ticker, f.model) == (ticker, model) for f in self.folds) >= total

    def _note(self, ticker: str, model: str, horizon: int | None) -> None:
        """Remember a series, model or horizon the engine reported, in the order first seen."""
        added = False
        for values, value in ((self.tickers, ticker), (self.models, model), (self.horizons, horizon)):
            if value is not None and value not in values and value not in (BUY_AND_HOLD, NAIVE):
                values.append(value)
                added = True
        if added:
            self._fix_selection()
            self._emit("lists")

    # --- what the views read --------------------------------------------------------------------------
    def model_index(self, model: str) -> int:
        """A model's place in the run, which picks its colour; past the end for one the run did not list."""
        return self.models.index(model) if model in self.models else len(self.models)

    def has_buy_and_hold(self, ticker: str, horizon: int) -> bool:
        """Whether Buy & Hold has its own equity rows here; runs stored before, and live runs, have only each
        model's benchmark column."""
        return (ticker, BUY_AND_HOLD, horizon) in self.curves

    def shown_folds(self) -> list[Fold]:
        ticker, model, _ = self.selection
        return [f for f in self.folds if (f.ticker, f.model) == (ticker, model)]

    def shown_trades(self) -> pd.DataFrame:
        trades = self.result.trades if self.result is not None else pd.DataFrame()
        if trades.empty:
            return trades
        ticker, model, horizon = self.selection
        return trades[(trades["ticker"] == ticker) & (trades["model"] == model) & (trades["horizon"] == horizon)]

    @property
    def warnings(self) -> tuple[ResultWarning, ...]:
        return self.result.warnings if self.result is not None else ()

    def shown_warnings(self) -> list[ResultWarning]:
        """The selection's own warnings."""
        return [w for w in self.warnings if w.is_for(*self.selection)]

    def shown_verdict(self) -> dict | None:
        """The engine's verdict line (ticker, model, horizon, text, significant) on the selection."""
        if self.result is None:
            return None
        return next((v for v in self.result.verdicts
                     if (v["ticker"], v["model"], v["horizon"]) == self.selection), None)

    def shown_run_stats(self) -> pd.Series | None:
        """The run's figures (Deflated Sharpe, SPA) at the shown series and horizon."""
        stats = self.result.run_stats if self.result is not None else pd.DataFrame()
        if stats.empty:
            return None
        ticker, _, horizon = self.selection
        rows = stats[(stats["ticker"] == ticker) & (stats["horizon"] == horizon)]
        return rows.iloc[0] if len(rows) else None

    def shown_forecast(self, model: str | None = None) -> pd.DataFrame:
        """The forecast rows (engine.forecast.FORECAST_COLUMNS and its `sentence`, by horizon) of the shown series
        and model, or of `model` on it (e.g. the linear baseline, read beside); no rows without a forecast."""
        if self.forecast is None:
            return pd.DataFrame()
        table, (ticker, shown, _) = self.forecast.table.assign(sentence=list(self.forecast.sentences)), self.selection
        rows = table[(table["ticker"] == ticker) & (table["model"] == (model or shown))]
        return rows.sort_values("horizon", kind="stable").reset_index(drop=True)

    def baseline_forecast(self) -> pd.DataFrame:
        """The linear baseline's forecast rows on the shown series, to read beside the model's."""
        return self.shown_forecast(LINEAR_BASELINE)

    def time_span(self, ticker: str) -> tuple[float, float] | None:
        """(first tested bar, last bar or forecast date) of a series in seconds; None before anything of it
        arrived."""
        xs = [curve.x for key, curve in self.curves.items() if key[0] == ticker and len(curve.x)]
        if ticker in self.closes and len(self.closes[ticker][0]):
            xs.append(self.closes[ticker][0])
        if self.forecast is not None:
            ahead = self.forecast.table.loc[self.forecast.table["ticker"] == ticker, "target_date"]
            if len(ahead):
                xs.append(np.sort(seconds(ahead)))
        if not xs:
            return None
        starts = seconds([f.test_start for f in self.folds if f.ticker == ticker])
        starts = starts[np.isfinite(starts)]
        first = float(starts.min()) if len(starts) else float(min(x[0] for x in xs))
        return first, float(max(x[-1] for x in xs))

    def progress(self) -> list[FoldCount]:
        """The folds done of every series and model, before the metrics exist."""
        done: dict[tuple[str, str], int] = defaultdict(int)
        for fold in self.folds:
            done[(fold.ticker, fold.model)] += 1
        counts = []
        for ticker in self.tickers:
            for model in self.models:
                total, count = self.fold_totals.get((ticker, model)), done[(ticker, model)]
                state = ("done" if total and count >= total else "stopped" if self.stopped else
                         "waiting" if not count else "walking forward")
                counts.append(FoldCount(ticker, model, count, total, state))
        return counts

    @property
    def status(self) -> str:
        """One line on where the run stands."""
        if self.stopped:
            return self.stopped
        if self.result is not None:
            models = len({model for _, model, _ in self._traded})
            bars = max(self._traded.values(), default=0)
            horizons = len(self.horizons)
            return (f"{len(self.result.folds)} folds · {models} model{'s' * (models != 1)} · {horizons} "
                    f"horizon{'s' * (horizons != 1)} · {bars:,} traded bars")
        if self._last_fold is not None:
            fold = self._last_fold.fold
            return f"Walk-forward: {fold.model} on {fold.ticker}, fold {fold.index + 1} of {self._last_fold.folds}"
        return "Walk-forward starting…" if self.started else "No backtest yet"


def _same_arrays(mine, theirs) -> bool:
    """Whether two sequences of arrays hold the very same values, pair by pair (NaN equal to NaN)."""
    return all(np.array_equal(a, b, equal_nan=True) for a, b in zip(mine, theirs, strict=True))


def _call_alive(reference: Callable, args: tuple) -> None:
    """A deferred listener, if its widget still exists."""
    callback = reference()
    if callback is not None:
        callback(*args)

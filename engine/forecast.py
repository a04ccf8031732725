"""Forecast ahead: what the last fold's model predicts from the latest window of bars, with its record beside it.

For every (ticker, model) the backtest kept a final state, the model is rebuilt from those weights and scalers and
predicts each horizon from the window ending on the last bar. Each forecast is dated by the trading calendar, gets
split-conformal intervals from the model's own walk-forward residuals of that horizon (engine.conformal), and carries
the backtest's track record: Theil's U, directional accuracy, the DM p-value against no change and the number of
out-of-sample forecasts they rest on.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import exchange_calendars as xc
import numpy as np
import pandas as pd
import torch

from engine.backtest import LinearBaselineFitter, NetworkFitter
from engine.baseline import LINEAR_BASELINE, LinearFit
from engine.conformal import conformal_bounds, walk_forward_coverage
from engine.data import QualityReport
from engine.data.quality import AUTO_CALENDAR, check_calendar
from engine.errors import WorkbenchError
from engine.features import feature_frame, target_to_price
from engine.pipeline import LoadedData, load_data, model_labels
from engine.results import BacktestResult
from engine.runs import RunConfig
from engine.significance import SIGNIFICANCE_LEVEL, verdict
from engine.train import predict
from engine.windows import Samples, SplitName, TickerScalers, window_series
from models.registry import build_model

LEVELS = (0.8, 0.95)
FORECAST_COLUMNS = ["ticker", "model", "horizon", "last_bar", "target_date", "predicted", "predicted_price",
                    "lower_80", "upper_80", "lower_95", "upper_95", "coverage_80", "coverage_95", "n_out_of_sample",
                    "theils_u", "directional_accuracy", "dm_p"]
_RELIABILITY_BINS = 10  # probability deciles: "when it said about p, the close rose this often"


@dataclass(frozen=True)
class Forecast:
    table: pd.DataFrame  # FORECAST_COLUMNS, one row per ticker × model × horizon
    sentences: tuple[str, ...]  # one plain sentence per row of the table, in its order


@dataclass(frozen=True)
class StoredBasis:
    """What a forecast from a stored run rests on: its settings, result and final models, its series loaded afresh."""

    config: RunConfig
    loaded: LoadedData
    result: BacktestResult
    models: dict[tuple[str, str], tuple[dict, dict]]
    notices: tuple[str, ...]  # what the user should know: an older run's gaps, the data's notes


def forecast_run(config: RunConfig, loaded: LoadedData, result: BacktestResult,
                 models: Mapping[tuple[str, str], tuple[dict, dict]], *, exchange: str | None = None,
                 refit: bool = False) -> Forecast:
    """The forecast after a backtest (run now or stored), its models first refitted on every bar if `refit`;
    `exchange` names the calendar that dates it (default: each series' own, see forecast_calendar)."""
    if refit:
        models = refit_on_all_bars(config, loaded.bars, result, models)
    calendars = {name: forecast_calendar(report, exchange) for name, report in loaded.reports.items()}
    return forecast_ahead(config, loaded.bars, result, models, calendars)


def load_stored_basis(run_id: int, *, store_path=None, tickers: tuple[str, ...] = (),
                      csv_files: tuple[str, ...] = (), end: str | None = None) -> StoredBasis:
    """Stored run `run_id`'s settings, result and final models, with its series (or `tickers`/`csv_files`)
    loaded afresh up to `end`; a WorkbenchError when they now end before the run's last bar."""
    from dataclasses import replace

    from engine.baseline import backtest_labels
    from engine.store import RunStore

    with RunStore(store_path) as store:
        stored = store.load(run_id)
        series = {"tickers": tuple(tickers), "csv_files": tuple(csv_files)} if tickers or csv_files else {}
        config = replace(stored.config, data=replace(stored.config.data, end=end, **series))
        labels = backtest_labels(model_labels(config.models))
        models = {(name, label): store.load_model_state(run_id, name, label)
                  for name in config.data.series_names for label in labels}
    loaded = load_data(config.data)
    last_bars = stored.result.predictions.groupby("ticker")["target_date"].max()
    for name, bars in loaded.bars.items():
        if name in last_bars and bars.index[-1] < last_bars[name]:
            raise WorkbenchError(f"{name} now ends on {bars.index[-1].date()}, before the last bar of run "
                                 f"{run_id} ({last_bars[name].date()}): load the series up to that date at "
                                 "least, or run a new backtest of it.")
    notices = ((stored.notice,) if stored.notice else ()) + tuple(loaded.notices)
    return StoredBasis(config, loaded, stored.result, models, notices)


def forecast_ahead(config: RunConfig, bars_by_ticker: Mapping[str, pd.DataFrame], result: BacktestResult,
                   models: Mapping[tuple[str, str], tuple[dict, dict]], calendars: Mapping[str, str | None]
                   ) -> Forecast:
    """The forecasts of every final model in `models` (ticker, label) → (state, scaler parameters).

    `calendars` names each ticker's exchange calendar (None: bars coarser or finer than a day, dated by their
    median step); `result` is the backtest whose residuals and metrics make the intervals and the record.
    """
    rows, sentences = [], []
    for (ticker, label), (state, scalers) in models.items():
        bars = bars_by_ticker[ticker]
        outputs = _predict_latest(config, label, bars, state, TickerScalers.from_dict(scalers))
        dates = target_dates(bars.index, config.windows.horizons, calendars.get(ticker))
        for column, horizon in enumerate(config.windows.horizons):
            past = _cell(result.predictions, ticker, label, horizon)
            row = {"ticker": ticker, "model": label, "horizon": horizon, "last_bar": bars.index[-1],
                   "target_date": dates[column], **_point_and_intervals(config, outputs[column], past,
                                                                         float(bars["close"].iloc[-1])),
                   **_track_record(result.metrics, ticker, label, horizon, past)}
            rows.append(row)
            sentences.append(_sentence(config, row, past))
    return Forecast(pd.DataFrame(rows, columns=FORECAST_COLUMNS), tuple(sentences))


def refit_on_all_bars(config: RunConfig, bars_by_ticker: Mapping[str, pd.DataFrame], result: BacktestResult,
                      models: Mapping[tuple[str, str], tuple[dict, dict]]) -> dict[tuple[str, str], tuple[dict, dict]]:
    """Each final model fitted once more, as a fold after the last would be: on every bar up to the last one
    (warm-started from the last fold's weights if the run warm-starts), with fresh scalers."""
    refitted = {}
    for (ticker, label), (state, _) in models.items():
        samples, scalers = refit_samples(ticker, bars_by_ticker[ticker], config)
        fit = (LinearBaselineFitter(config.classification) if label == LINEAR_BASELINE else NetworkFitter(
            dict(zip(model_labels(config.models), config.models))[label], config.training, config.walk_forward,
            config.classification))
        fold = sum(f.ticker == ticker and f.model == label for f in result.folds)  # the walk-forward's next fold
        fitted = fit(fold, samples, state, on_event=lambda event: None, should_stop=lambda: False)
        refitted[(ticker, label)] = (fitted.state, scalers.to_dict())
    return refitted


def refit_samples(ticker: str, bars: pd.DataFrame, config: RunConfig
                  ) -> tuple[dict[SplitName, Samples], TickerScalers]:
    """The training and early-stopping samples of a fold whose test stretch would start after the last bar: every
    label lies on or before the last bar (those reaching past it are purged); the test split is empty."""
    walk = config.walk_forward
    span = bars.iloc[max(0, len(bars) - walk.initial_train):] if walk.scheme == "rolling" else bars
    val_start = len(span) - round(walk.early_stop_fraction * len(span))
    return window_series(ticker, span, config.windows, val_start, len(span))


def forecast_calendar(report: QualityReport, exchange: str | None) -> str | None:
    """The calendar that dates a series' forecasts: `exchange` if given, else the one its quality report checked
    (chosen, or inferred from the bars: XNYS for stocks); None for bars that are not daily."""
    if report.interval != "1d":
        return None
    chosen = check_calendar(exchange) if exchange else AUTO_CALENDAR
    return (report.calendar or "XNYS") if chosen == AUTO_CALENDAR else chosen


def target_dates(index: pd.DatetimeIndex, horizons: tuple[int, ...], calendar: str | None) -> list[pd.Timestamp]:
    """The date of the h-th bar after the last one: the calendar's h-th next session for daily bars, else h median
    steps on (no calendar describes those bars)."""
    last = index[-1]
    if calendar is None:
        step = (index[1:] - index[:-1]).median()
        return [last + h * step for h in horizons]
    try:
        day = last.normalize()
        span = pd.Timedelta(days=2 * max(horizons) + 14)  # holds max(horizons) sessions of any exchange
        sessions = xc.get_calendar(calendar, start=day - pd.Timedelta(days=7), end=day + span).sessions
    except (ValueError, xc.errors.CalendarError) as error:
        raise WorkbenchError(f"The {calendar} calendar cannot date forecasts after {last.date()} ({error}): give "
                             "another with --exchange.") from error
    ahead = sessions[sessions > last.normalize()]
    if len(ahead) < max(horizons):
        raise WorkbenchError(f"The {calendar} calendar ends on {sessions[-1].date()}, before the date of a forecast "
                             f"{max(horizons)} sessions after {last.date()}: use shorter horizons, or update "
                             "exchange_calendars.")
    return [ahead[h - 1] for h in horizons]


def _predict_latest(config: RunConfig, label: str, bars: pd.DataFrame, state: Mapping, scalers: TickerScalers
                    ) -> np.ndarray:
    """The final model's outputs (horizons,) from the window ending on the last bar, in target units or P(up)."""
    windows = config.windows
    features = feature_frame(bars, windows.features, volatility_window=windows.volatility_window).to_numpy()
    latest = features[-windows.window:]
    if len(latest) < windows.window or not np.isfinite(latest).all():
        raise WorkbenchError(f"The series ending {bars.index[-1].date()} has too few bars ({len(bars)}) for a window "
                             f"of {windows.window} after the features' warm-up: load a longer series.")
    if scalers.features is not None:
        latest = scalers.features.transform(latest)
    x = latest.astype(np.float32)[None]  # (1, window, features)
    if label == LINEAR_BASELINE:
        fit = LinearFit(*(state[name].numpy() for name in ("coef", "intercept", "penalty")), config.classification)
        outputs = fit.predict(x)
    else:
        model_config = dict(zip(model_labels(config.models), config.models))[label]
        network = build_model(model_config, windows.window, x.shape[2], len(windows.horizons))
        network.load_state_dict({name: torch.as_tensor(tensor) for name, tensor in state.items()})
        outputs = predict(network, x, classification=config.classification)
    if scalers.target is not None:
        outputs = scalers.target.inverse_transform(outputs)
    return outputs[0]


def _cell(predictions: pd.DataFrame, ticker: str, label: str, horizon: int) -> pd.DataFrame:
    """The walk-forward's prediction rows of one model and horizon whose actual value is known."""
    rows = predictions[(predictions["ticker"] == ticker) & (predictions["model"] == label)
                       & (predictions["horizon"] == horizon)]
    return rows[np.isfinite(rows["actual"]) & np.isfinite(rows["predicted"])]


def _point_and_intervals(config: RunConfig, predicted: float, past: pd.DataFrame, last_close: float) -> dict:
    """The forecast, and for regression targets its price and conformal bounds in prices with their coverage."""
    row = {"predicted": float(predicted)}
    if config.classification:  # a probability of a rise: no price, no interval
        return row
    target, close = config.windows.target, np.array([last_close])
    row["predicted_price"] = float(target_to_price(target, np.array([predicted]), close)[0])
    residuals = (past["actual"] - past["predicted"]).to_numpy()
    for level in LEVELS:
        percent = round(level * 100)
        lower, upper = conformal_bounds(residuals, level)
        # target_to_price rises with its value, so the bounds map to price bounds; ±inf stays unbounded
        row[f"lower_{percent}"], row[f"upper_{percent}"] = (
            float(target_to_price(target, np.array([predicted + bound]), close)[0]) if math.isfinite(bound)
            else bound for bound in (lower, upper))
        row[f"coverage_{percent}"] = walk_forward_coverage(past["date"].to_numpy(), past["target_date"].to_numpy(),
                                                           past["actual"].to_numpy(), past["predicted"].to_numpy(),
                                                           level).share
    return row


def _track_record(metrics: pd.DataFrame, ticker: str, label: str, horizon: int, past: pd.DataFrame) -> dict:
    """The backtest's own scores of this model and horizon."""
    row = metrics[(metrics["ticker"] == ticker) & (metrics["model"] == label) & (metrics["horizon"] == horizon)]
    value = (lambda name: float(row[name].iloc[0]) if len(row) and name in row else math.nan)
    return {"n_out_of_sample": len(past), "theils_u": value("Theil's U"),
            "directional_accuracy": value("Directional Accuracy [%]"), "dm_p": value("DM p vs naive")}


def _sentence(config: RunConfig, row: Mapping, past: pd.DataFrame) -> str:
    """What the record says about trusting this forecast, in one plain sentence."""
    where = f"{row['model']} on {row['ticker']}, horizon {row['horizon']}: over {row['n_out_of_sample']:,} " \
            "out-of-sample forecasts"
    if config.classification:
        return f"{where} {_calibration(row['predicted'], past)}"
    record = verdict("this model", row["dm_p"])
    trust = ("its interval is the range to plan with" if row["dm_p"] < SIGNIFICANCE_LEVEL
             else "treat this forecast as a guess")
    return f"{where}, {record}: {trust}"


def _calibration(probability: float, past: pd.DataFrame) -> str:
    """Brier score and reliability of the direction probabilities: how often a rise followed forecasts like this."""
    said, rose = past["predicted"].to_numpy(), past["actual"].to_numpy() > 0.5
    brier = float(np.mean((said - rose) ** 2)) if len(said) else math.nan
    base = float(np.mean((rose.mean() - rose) ** 2)) if len(said) else math.nan
    low = math.floor(probability * _RELIABILITY_BINS) / _RELIABILITY_BINS
    alike = (said >= low) & (said < low + 1 / _RELIABILITY_BINS)
    reliability = (f"after its {int(alike.sum())} forecasts of {low:.0%}–{low + 0.1:.0%} the close rose "
                   f"{rose[alike].mean():.0%} of the time" if alike.any() else f"no earlier forecast was {low:.0%}–{low + 0.1:.0%}")
    better = "better" if brier < base else "no better"
    return (f"the Brier score was {brier:.3f} ({better} than the base rate's {base:.3f}); {reliability}: "
            f"P(up) = {probability:.0%} " + ("is a calibrated estimate" if brier < base else "is a guess"))

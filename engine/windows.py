"""Windowed datasets: (samples, timesteps, features) arrays, chronological splits, scalers.

A sample ending at bar t holds the feature rows t-window+1 .. t and the targets of bars
t+h for each horizon h. Samples are assigned to train / validation / test by the bars
their targets fall on; a sample whose horizons straddle a boundary is purged, so no
validation or test target is ever seen in training. Scalers are fitted on training
bars only, one pair per ticker.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from engine.config import DictConfig
from engine.errors import WorkbenchError
from engine.features import FEATURES, TARGETS, TargetKind, feature_frame, no_change_forecast, target_frame

if TYPE_CHECKING:
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

ScalerKind = Literal["standard", "minmax", "none"]
SplitName = Literal["train", "val", "test"]
MIN_TRAIN_SAMPLES = 32


@dataclass(frozen=True)
class WindowConfig(DictConfig):
    """How bars become samples. Invalid values raise WorkbenchError on construction."""

    section: ClassVar[str] = "window setting(s)"

    features: tuple[str, ...] = ("log_return", "log_volume", "hl_range", "volatility")
    target: TargetKind = "log_return"
    horizons: tuple[int, ...] = (1,)  # predict bar t+h for each h
    window: int = 30  # input bars per sample
    val_fraction: float = 0.15  # of the bars, taken after the training bars
    test_fraction: float = 0.15  # of the bars, the most recent ones
    val_start: str | None = None  # ISO date; with test_start, splits by date instead of fraction
    test_start: str | None = None
    scaler: ScalerKind = "standard"
    volatility_window: int = 20  # bars in the rolling volatility feature

    def __post_init__(self) -> None:
        object.__setattr__(self, "features", tuple(self.features))
        object.__setattr__(self, "horizons", tuple(int(h) for h in self.horizons))
        _check(bool(self.features), "No features selected: pick at least one, e.g. log_return.")
        unknown = [name for name in self.features if name not in FEATURES]
        _check(not unknown, f"Unknown feature(s) {unknown}: choose from {list(FEATURES)}.")
        _check(self.target in TARGETS, f"Unknown target {self.target!r}: choose from {list(TARGETS)}.")
        _check(bool(self.horizons), "No horizon given: predict at least one bar ahead, e.g. horizons 1.")
        _check(min(self.horizons) >= 1, f"Horizons must be 1 or more bars ahead, got {list(self.horizons)}: use e.g. 1 (the next bar) or 1, 5, 20.")
        _check(len(set(self.horizons)) == len(self.horizons), f"Horizons repeat: {list(self.horizons)}: list each horizon once.")
        _check(self.window >= 1, f"Window must be at least 1 bar, got {self.window}: use e.g. 30 bars of history per sample.")
        _check(self.volatility_window >= 2, f"Volatility window must be at least 2 bars, got {self.volatility_window}: use e.g. 20.")
        _check(self.scaler in ("standard", "minmax", "none"), f"Unknown scaler {self.scaler!r}: standard, minmax or none.")
        by_date = self.val_start is not None or self.test_start is not None
        if by_date:
            _check(self.val_start is not None and self.test_start is not None,
                   "Splitting by date needs both a validation start and a test start date.")
            _check(pd.Timestamp(self.val_start) < pd.Timestamp(self.test_start),
                   f"Validation start {self.val_start} must come before test start {self.test_start}.")
        else:
            fractions_ok = 0 <= self.val_fraction < 1 and 0 <= self.test_fraction < 1
            _check(fractions_ok and self.val_fraction + self.test_fraction <= 0.8,
                   f"Validation ({self.val_fraction}) and test ({self.test_fraction}) fractions must each be in "
                   "[0, 1) and leave at least 20% of the bars for training.")

    @property
    def warmup(self) -> int:
        """Leading bars whose features are still NaN."""
        if "volatility" in self.features:
            return self.volatility_window
        return 1 if {"return", "log_return"} & set(self.features) else 0

    @property
    def first_end(self) -> int:
        """The bar the first sample ends on: after the warm-up, one full window."""
        return self.warmup + self.window - 1


@dataclass(frozen=True)
class Samples:
    """One split's samples; row i of every array describes sample i."""

    x: np.ndarray  # (n, window, features) float32, scaled
    y: np.ndarray  # (n, horizons) float64, scaled: what models fit (train.py makes float32 tensors of it)
    naive: np.ndarray  # (n, horizons) float64: the no-change forecast, scaled like y (NaN for a direction target)
    actual: np.ndarray  # (n, horizons) float64: the targets as target_frame gives them, unscaled and exact
    input_end: np.ndarray  # (n,) datetime64: the last input bar
    target_time: np.ndarray  # (n, horizons) datetime64: the bar each target describes
    ticker: np.ndarray  # (n,) str
    reference_close: np.ndarray  # (n,) float64: close of the last input bar

    def __len__(self) -> int:
        return len(self.x)


@dataclass(frozen=True)
class TickerScalers:
    """Scalers fitted on one ticker's training bars (None when scaling is off)."""

    features: StandardScaler | MinMaxScaler | None
    target: StandardScaler | MinMaxScaler | None

    def to_dict(self) -> dict:
        """The fitted parameters as plain lists, for JSON (never pickled)."""
        return {role: None if scaler is None else {"kind": type(scaler).__name__, **{
                    name: getattr(scaler, name).tolist() for name in _SCALER_PARAMETERS[type(scaler).__name__]}}
                for role, scaler in (("features", self.features), ("target", self.target))}

    @classmethod
    def from_dict(cls, data: Mapping) -> TickerScalers:
        """The scalers to_dict described, fitted as they were."""
        return cls(_scaler_from_dict(data["features"]), _scaler_from_dict(data["target"]))


@dataclass(frozen=True)
class WindowedData:
    train: Samples
    val: Samples
    test: Samples
    config: WindowConfig
    scalers: dict[str, TickerScalers] = field(repr=False)

    def unscale_targets(self, y: np.ndarray, tickers: np.ndarray) -> np.ndarray:
        """Scaled targets (n, horizons) back to target units, per ticker."""
        out = np.asarray(y, dtype=np.float64).copy()
        for name, scalers in self.scalers.items():
            rows = tickers == name
            if scalers.target is not None and rows.any():
                out[rows] = scalers.target.inverse_transform(out[rows])
        return out


def build_windows(bars_by_ticker: Mapping[str, pd.DataFrame], config: WindowConfig) -> WindowedData:
    """Window every ticker with its own scalers and pool the samples split by split."""
    if not bars_by_ticker:
        raise WorkbenchError("No data to window: load at least one ticker or CSV file.")
    parts: dict[str, list[Samples]] = {"train": [], "val": [], "test": []}
    scalers: dict[str, TickerScalers] = {}
    for ticker, bars in bars_by_ticker.items():
        val_start, test_start = split_points(bars.index, config, ticker)
        ticker_parts, scalers[ticker] = window_series(ticker, bars, config, val_start, test_start)
        for name, samples in ticker_parts.items():
            parts[name].append(samples)
    pooled = {name: _concat(samples) for name, samples in parts.items()}
    return WindowedData(**pooled, config=config, scalers=scalers)


def split_points(index: pd.DatetimeIndex, config: WindowConfig, source: str) -> tuple[int, int]:
    """Bar positions where validation and test periods start."""
    n = len(index)
    if config.val_start is not None:
        val_start = int(index.searchsorted(pd.Timestamp(config.val_start)))
        test_start = int(index.searchsorted(pd.Timestamp(config.test_start)))
        if not 0 < val_start < test_start < n:
            raise WorkbenchError(
                f"{source}: the split dates {config.val_start} / {config.test_start} do not fall inside its data "
                f"({index[0].date()} to {index[-1].date()}): pick dates inside that range, or split by fraction."
            )
        return val_start, test_start
    test_start = n - round(n * config.test_fraction)
    val_start = test_start - round(n * config.val_fraction)
    return val_start, test_start


def sample_segments(n_bars: int, first_end: int, horizons: tuple[int, ...], val_start: int, test_start: int
                    ) -> dict[SplitName, np.ndarray]:
    """End bars of the samples in each split: all of a sample's targets lie inside its split."""
    ends = np.arange(first_end, n_bars)
    first_target, last_target = ends + min(horizons), ends + max(horizons)
    return {
        "train": ends[last_target < val_start],
        "val": ends[(first_target >= val_start) & (last_target < test_start)],
        "test": ends[(first_target >= test_start) & (last_target < n_bars)],
    }


def window_series(ticker: str, bars: pd.DataFrame, config: WindowConfig, val_start: int, test_start: int,
                  *, fold: tuple[int, int] | None = None) -> tuple[dict[SplitName, Samples], TickerScalers]:
    """One series' samples split at bar positions val_start and test_start, and its fitted scalers.

    `fold` (index, count) says which walk-forward fold these bars are, for the message if they are too few.
    """
    features = feature_frame(bars, config.features, volatility_window=config.volatility_window).to_numpy()
    actual = target_frame(bars, config.target, config.horizons).to_numpy()
    segments = split_segments(ticker, bars.index, config, val_start, test_start, fold=fold)

    feature_scaler = _make_scaler(config.scaler)
    if feature_scaler is not None:
        feature_scaler.fit(features[config.warmup:val_start])
        features = feature_scaler.transform(features)
    target_scaler = None if config.target == "direction" else _make_scaler(config.scaler)
    targets = actual
    close = bars["close"].to_numpy()
    naive = (np.full(actual.shape, np.nan) if config.target == "direction" else
             no_change_forecast(config.target, close, len(config.horizons)))
    if target_scaler is not None:
        target_scaler.fit(actual[segments["train"]])
        targets, naive = target_scaler.transform(actual), target_scaler.transform(naive)

    # windows[e - window + 1] holds bars e-window+1 .. e: shape (n_windows, features, window)
    windows = sliding_window_view(features.astype(np.float32), config.window, axis=0)
    times = bars.index.to_numpy()
    horizon_offsets = np.asarray(config.horizons)
    parts = {
        name: Samples(
            x=np.ascontiguousarray(windows[ends - config.window + 1].transpose(0, 2, 1)),
            y=targets[ends],
            naive=naive[ends],
            actual=actual[ends],
            input_end=times[ends],
            target_time=times[ends[:, None] + horizon_offsets[None, :]],
            ticker=np.full(len(ends), ticker, dtype=object),
            reference_close=close[ends],
        )
        for name, ends in segments.items()
    }
    return parts, TickerScalers(feature_scaler, target_scaler)


def split_segments(ticker: str, index: pd.DatetimeIndex, config: WindowConfig, val_start: int, test_start: int,
                   *, fold: tuple[int, int] | None = None) -> dict[SplitName, np.ndarray]:
    """sample_segments of the bars dated `index`, once they leave enough training samples and at least one in
    each split that has bars; `fold` (index, count) names the walk-forward fold those bars are, if they are."""
    segments = sample_segments(len(index), config.first_end, config.horizons, val_start, test_start)
    wanted = {"val": val_start < test_start, "test": test_start < len(index)}
    if len(segments["train"]) < MIN_TRAIN_SAMPLES or any(wanted[name] and not len(segments[name]) for name in wanted):
        where = f"{ticker} has {len(index)} rows" if fold is None else (
            f"Walk-forward fold {fold[0] + 1} of {fold[1]} on {ticker} "
            f"(bars {index[0].date()} to {index[-1].date()}, {len(index)} rows)")
        raise WorkbenchError(
            f"{where}: too few for a window of {config.window} bars, horizon "
            f"{max(config.horizons)}, {config.warmup} warm-up bars and this split, which leave "
            f"{len(segments['train'])} training / {len(segments['val'])} validation / {len(segments['test'])} test "
            f"samples (at least {MIN_TRAIN_SAMPLES} training samples and one of each other split are needed). "
            "Use a shorter window or horizon, a longer date range, or a shorter bar interval."
        )
    return segments


_SCALER_PARAMETERS = {"StandardScaler": ("mean_", "scale_", "var_"),  # by class name, as to_dict records it
                      "MinMaxScaler": ("min_", "scale_", "data_min_", "data_max_")}


def _scaler_from_dict(data: Mapping | None) -> StandardScaler | MinMaxScaler | None:
    if data is None:
        return None
    scaler = _make_scaler({"StandardScaler": "standard", "MinMaxScaler": "minmax"}[data["kind"]])
    for name in _SCALER_PARAMETERS[data["kind"]]:
        setattr(scaler, name, np.asarray(data[name], dtype=np.float64))
    scaler.n_features_in_ = len(data[_SCALER_PARAMETERS[data["kind"]][0]])
    return scaler


def _make_scaler(kind: ScalerKind) -> StandardScaler | MinMaxScaler | None:
    # scikit-learn loads here, on first use: importing it takes over a second, and the forms that
    # only read WindowConfig should not wait for it.
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    return {"standard": StandardScaler, "minmax": MinMaxScaler}.get(kind, lambda: None)()


def _concat(parts: list[Samples]) -> Samples:
    return Samples(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Samples)))


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise WorkbenchError(message)

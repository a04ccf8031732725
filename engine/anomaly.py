"""Anomaly detection on one series: the LSTM autoencoder beside a robust z-score and an IsolationForest.

Leak-free by construction: the scaler, the autoencoder (fitted by engine.train, the input window as its own
target), its threshold and the IsolationForest are fitted on the first `train_fraction` of the bars only. The
score of bar t is the reconstruction error of the last bar of the window that ends at t, so it reads bars ≤ t.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from engine.anomaly_config import AnomalyConfig, AnomalyRunConfig
from engine.anomaly_result import FLAG_COLUMNS, SUMMARY_COLUMNS, AnomalyResult
from engine.data.synthetic import generate_series, parse_spec
from engine.detectors import (
    isolation_forest_flags,
    last_bar_features,
    mad_threshold,
    quantile_threshold,
    rolling_robust_z,
    score_detection,
)
from engine.errors import WorkbenchError
from engine.features import feature_frame
from engine.train import TrainEvent, predict, train_model

FEATURES = ("log_return",)  # what the windows hold, scaled on the training bars
_WARMUP = 1  # the first bar has no log return
MIN_TRAIN_WINDOWS = 32


def detect_anomalies(
    bars: pd.DataFrame,
    config: AnomalyRunConfig,
    *,
    series: str = "",
    injected: np.ndarray | None = None,
    on_event: Callable[[TrainEvent], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> AnomalyResult:
    """Train on the first bars, score every bar with all three detectors; `injected` (bar positions) is the
    ground truth of a synthetic series, None for real data."""
    detection, n = config.detection, len(bars)
    prepared = anomaly_windows(bars, detection, series)
    windows, ends, n_train, features = prepared.windows, prepared.ends, prepared.n_train, prepared.features
    trained = fit_autoencoder(windows[:n_train], config, on_event, should_stop)
    last_error, window_error = reconstruction_errors(trained.model, windows)
    threshold = autoencoder_threshold(last_error[:n_train], detection)

    described = last_bar_features(windows)
    forest_score, forest_flag = isolation_forest_flags(described[:n_train], described,
                                                       contamination=detection.contamination, seed=config.training.seed)
    zscore = rolling_robust_z(features[:, 0], detection.window)
    table = pd.DataFrame({"date": bars.index, **{c: bars[c].to_numpy() for c in ("open", "high", "low", "close")},
                          "train": (np.arange(n) < prepared.train_end).astype(int),
                          "score": _at(ends, last_error, n), "window_score": _at(ends, window_error, n),
                          "threshold": threshold})
    table["flagged"] = (table["score"] > threshold).astype(int)
    table["zscore"] = zscore
    table["zscore_flagged"] = (np.abs(zscore) > detection.zscore_threshold).astype(int)
    table["iforest_score"] = _at(ends, forest_score, n)
    table["iforest_flagged"] = np.nan_to_num(_at(ends, forest_flag.astype(float), n)).astype(int)
    table["injected"] = np.nan if injected is None else np.isin(np.arange(n), injected).astype(float)
    summary = pd.DataFrame([{"detector": name, **vars(score_detection(table[column].to_numpy(), injected,
                                                                       detection.tolerance))}
                            for name, column in FLAG_COLUMNS.items()], columns=SUMMARY_COLUMNS)
    history = pd.DataFrame([(r.epoch, r.train_loss, r.val_loss) for r in trained.history],
                           columns=["epoch", "train_loss", "val_loss"])
    return AnomalyResult(series, table, summary, history, threshold, trained.outcome.message)


@dataclass(frozen=True)
class AnomalyWindows:
    """A series' windows, scaled on its training bars."""

    features: np.ndarray  # (n, F) unscaled, NaN on the warm-up bar
    windows: np.ndarray  # (m, T, F) float32: windows[j] ends on bar ends[j]
    ends: np.ndarray  # (m,) the last bar of each window
    n_train: int  # the first n_train windows lie inside the training bars
    train_end: int  # the first bar after the training bars


def anomaly_windows(bars: pd.DataFrame, detection: AnomalyConfig, series: str = "") -> AnomalyWindows:
    """Every full window of the bars' features, scaled by a scaler fitted on the training bars only."""
    from sklearn.preprocessing import StandardScaler

    n, window = len(bars), detection.window
    train_end = round(n * detection.train_fraction)
    ends = np.arange(_WARMUP + window - 1, n)  # the last bar of every full window
    n_train = int(np.sum(ends < train_end))
    if n_train < MIN_TRAIN_WINDOWS:
        raise WorkbenchError(
            f"{series or 'The series'} has {n} bars: with a window of {window} and a training share of "
            f"{detection.train_fraction:g}, only {max(n_train, 0)} training windows fit ({MIN_TRAIN_WINDOWS} are "
            "needed). Use a shorter window, a larger training share or a longer series.")
    features = feature_frame(bars, FEATURES).to_numpy()  # (n, F), NaN on the warm-up bar
    scaled = StandardScaler().fit(features[_WARMUP:train_end]).transform(features).astype(np.float32)
    windows = np.ascontiguousarray(
        sliding_window_view(scaled, window, axis=0).transpose(0, 2, 1)[ends - window + 1])  # (m, T, F)
    return AnomalyWindows(features, windows, ends, n_train, train_end)


def reconstruction_errors(model, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per window: the RMS error of its rebuilt last bar (the score of the bar it ends on) and of the whole."""
    rebuilt = predict(model, windows).reshape(windows.shape)
    last = np.sqrt(np.mean((windows[:, -1] - rebuilt[:, -1]) ** 2, axis=1))
    whole = np.sqrt(np.mean((windows - rebuilt) ** 2, axis=(1, 2)))
    return last, whole


def autoencoder_threshold(train_errors: np.ndarray, detection: AnomalyConfig) -> float:
    """The threshold rule of the settings applied to the training windows' errors."""
    if detection.threshold_rule == "quantile":
        return quantile_threshold(train_errors, detection.quantile)
    return mad_threshold(train_errors, detection.mad_k)


def fit_autoencoder(train_windows: np.ndarray, config: AnomalyRunConfig, on_event=None, should_stop=None):
    """The autoencoder trained to rebuild its windows, the latest share held out for early stopping."""
    held_out = int(len(train_windows) * config.detection.early_stop_fraction)
    fit, val = train_windows[:len(train_windows) - held_out], train_windows[len(train_windows) - held_out:]
    trained = train_model(config.model, fit, fit.reshape(len(fit), -1), val if held_out else None,
                          val.reshape(len(val), -1) if held_out else None, config.training,
                          on_event=on_event, should_stop=should_stop)
    if not trained.outcome.trained:
        raise WorkbenchError(f"The autoencoder was not trained: {trained.outcome.message}")
    return trained


def _at(ends: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """values placed on the bars `ends`, NaN on the warm-up bars before them."""
    out = np.full(n, np.nan)
    out[ends] = values
    return out


@dataclass(frozen=True)
class AnomalySeries:
    """The bars an anomaly run reads, and their ground truth when they were generated."""

    name: str
    bars: pd.DataFrame
    injected: np.ndarray | None  # bar positions of the injected anomalies; None for real data


def load_anomaly_series(config: AnomalyRunConfig) -> AnomalySeries:
    """The one series of the run's data settings: a ticker, a CSV file or the synthetic series."""
    from engine.pipeline import load_data

    data = config.data
    names = data.series_names
    if len(names) != 1:
        raise WorkbenchError(f"Anomaly detection reads one series, got {len(names)} ({', '.join(names)}): choose "
                             "one ticker, one CSV file or the synthetic series.")
    loaded = load_data(data)
    bars = loaded.bars[names[0]]
    if data.synthetic is None:
        return AnomalySeries(names[0], bars, None)
    truth = generate_series(parse_spec(data.synthetic)).injected_dates
    return AnomalySeries(names[0], bars, np.flatnonzero(bars.index.isin(truth)))


def run_anomalies(config: AnomalyRunConfig, *, on_event: Callable[[TrainEvent], None] | None = None,
                  should_stop: Callable[[], bool] | None = None) -> AnomalyResult:
    """Load the run's series and detect its anomalies."""
    series = load_anomaly_series(config)
    return detect_anomalies(series.bars, config, series=series.name, injected=series.injected, on_event=on_event,
                            should_stop=should_stop)


@dataclass(frozen=True)
class StoredAnomalyRun:
    """An anomaly run and where it was stored: its id, or the reason it was not."""

    result: AnomalyResult
    run_id: int | None
    not_stored: WorkbenchError | None = None


def anomalies_and_store(config: AnomalyRunConfig, *, store: bool = True, store_path: Path | None = None,
                        on_event: Callable[[TrainEvent], None] | None = None,
                        should_stop: Callable[[], bool] | None = None) -> StoredAnomalyRun:
    """Run the detection, then save it in the run store (opened and closed here, on the calling thread); a store
    that cannot be written costs no result, and a cancelled run is not stored."""
    from engine.store import RunStore, data_fingerprint

    result = run_anomalies(config, on_event=on_event, should_stop=should_stop)
    if should_stop is not None and should_stop():
        return StoredAnomalyRun(result, None, WorkbenchError("The anomaly run was cancelled, so it was not stored."))
    if not store:
        return StoredAnomalyRun(result, None)
    bars = result.bars.set_index("date")[["open", "high", "low", "close"]]
    try:
        with RunStore(store_path) as runs:
            return StoredAnomalyRun(result, runs.save_anomalies(config, result,
                                                                fingerprint=data_fingerprint({result.series: bars})))
    except WorkbenchError as error:
        return StoredAnomalyRun(result, None, error)


def write_flagged_csv(result: AnomalyResult, path: Path) -> Path:
    """The bars any detector flagged (AnomalyResult.flagged_table) as one CSV file, written atomically."""
    from engine.files import write_atomically

    return write_atomically(Path(path), lambda file: result.flagged_table().to_csv(file, index=False,
                                                                                   date_format="%Y-%m-%d"))


def write_anomaly_files(result: AnomalyResult, out: Path) -> list[Path]:
    """anomalies.csv and summary.csv in `out`, written all or nothing."""
    from engine.files import write_all_atomically

    return write_all_atomically({
        Path(out) / "anomalies.csv": lambda file: result.anomalies_csv().to_csv(file, index=False,
                                                                               date_format="%Y-%m-%d"),
        Path(out) / "summary.csv": lambda file: result.summary.to_csv(file, index=False),
    })

"""Walk-forward replay: retrain on the past, predict the next stretch, as a trader would have.

Fold k predicts from the closes of the bars in its test stretch. Its model, scalers and
early-stopping split use only bars before the stretch starts (labels whose horizon
reaches into it are purged), so every prediction uses data available at its time.
The same fold samples feed any FoldFitter: a network trained by gradient descent, or
the linear baseline fitted in closed form.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
import pandas as pd
import torch

from engine.baseline import fit_linear_baseline
from engine.diagnosis import Diagnosis, naive_losses
from engine.fit_config import TrainConfig, WalkForwardConfig
from engine.folds import Fold, fold_spans
from engine.train import TrainEvent, predict, train_model
from engine.windows import Samples, SplitName, WindowConfig, window_series
from models import ModelConfig


@dataclass(frozen=True)
class FoldDone:
    """Event: a fold has been trained and has predicted; `predictions` holds its rows."""

    fold: Fold
    folds: int  # how many folds this ticker and model will have
    predictions: pd.DataFrame


@dataclass(frozen=True)
class FoldTraining:
    """Event: progress of the training inside a fold."""

    ticker: str
    model: str
    fold: int
    folds: int
    event: TrainEvent


BacktestEvent = FoldDone | FoldTraining


@dataclass(frozen=True)
class WalkForward:
    predictions: pd.DataFrame  # one row per decision bar and horizon
    folds: list[Fold]
    final_state: dict | None  # the last fold's fitted tensors (a state_dict), None if no fold finished
    final_scalers: dict | None  # the last fold's scaler parameters (TickerScalers.to_dict)


@dataclass(frozen=True)
class FittedFold:
    """What a fitter made of one fold: its test outputs and what rebuilds the fitted model."""

    outputs: np.ndarray  # (n_test, horizons): scaled targets, or up-move probabilities
    state: dict[str, torch.Tensor]  # a network's state_dict, or the linear baseline's coefficients
    epochs_run: int  # 0 for the closed-form baseline
    best_epoch: int
    warm_started: bool
    diagnosis: Diagnosis | None = None  # a network's verdict on its loss curves; None for the closed-form baseline


class FoldFitter(Protocol):
    """Fits one fold's training samples and predicts its test samples; None once cancelled."""

    def __call__(self, fold: int, samples: Mapping[SplitName, Samples], previous: dict | None, *,
                 on_event: Callable[[TrainEvent], None], should_stop: Callable[[], bool]) -> FittedFold | None: ...


@dataclass(frozen=True)
class NetworkFitter:
    """Trains a network per fold (seed + fold), warm-started from the previous fold's weights if configured."""

    model_config: ModelConfig
    training: TrainConfig
    walk: WalkForwardConfig
    classification: bool

    def __call__(self, fold, samples, previous, *, on_event, should_stop) -> FittedFold | None:
        warm = self.walk.warm_start and previous is not None
        training = replace(self.training, seed=self.training.seed + fold)
        if warm:
            training = replace(training, epochs=min(self.walk.warm_epochs, training.epochs),
                               patience=self.walk.warm_patience)
        train, val = samples["train"], samples["val"]
        trained = train_model(self.model_config, train.x, train.y, val.x, val.y, training,
                              classification=self.classification, initial_state=previous if warm else None,
                              naive=naive_losses(train, val, classification=self.classification),
                              should_stop=should_stop, on_event=on_event)
        if trained.outcome.reason == "cancelled":
            return None
        outputs = predict(trained.model, samples["test"].x, classification=self.classification)
        return FittedFold(outputs, trained.model.state_dict(), trained.outcome.epochs_run, trained.outcome.best_epoch,
                          warm, trained.outcome.diagnosis)


@dataclass(frozen=True)
class LinearBaselineFitter:
    """The closed-form linear baseline of engine.baseline: no epochs, no warm start, no training events."""

    classification: bool

    def __call__(self, fold, samples, previous, *, on_event, should_stop) -> FittedFold:
        fit = fit_linear_baseline(samples["train"], samples["val"], classification=self.classification)
        state = {name: torch.from_numpy(values) for name, values in fit.parameters().items()}
        return FittedFold(fit.predict(samples["test"].x), state, epochs_run=0, best_epoch=0, warm_started=False)


def walk_forward(
    ticker: str,
    bars: pd.DataFrame,
    label: str,
    fit: FoldFitter,
    windows: WindowConfig,
    config: WalkForwardConfig,
    *,
    on_event: Callable[[BacktestEvent], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> WalkForward:
    """Predictions of one model over one series: a row per decision bar and horizon, the folds, the last model."""
    emit = on_event or (lambda event: None)
    stop = should_stop or (lambda: False)
    spans = fold_spans(len(bars), config, windows.horizons)
    frames, folds, state, final_scalers = [], [], None, None
    for k, fold_span in enumerate(spans):
        if stop():
            break
        span = bars.iloc[fold_span.low:fold_span.high]
        samples, scalers = window_series(ticker, span, windows, fold_span.val_start, fold_span.test_start,
                                         fold=(k, len(spans)))
        fitted = fit(k, samples, state, should_stop=stop,
                     on_event=lambda event, k=k: emit(FoldTraining(ticker, label, k, len(spans), event)))
        if fitted is None:
            break
        state, final_scalers = fitted.state, scalers.to_dict()
        test = samples["test"]
        outputs = fitted.outputs if scalers.target is None else scalers.target.inverse_transform(fitted.outputs)
        predictions = _prediction_rows(ticker, label, k, test, outputs, windows)
        fold = Fold(
            ticker, label, k,
            train_start=span.index[0], train_end=pd.Timestamp(samples["train"].target_time.max()),
            val_start=_first(samples["val"].target_time), val_end=_last(samples["val"].target_time),
            scaler_fit_start=span.index[windows.warmup], scaler_fit_end=span.index[fold_span.val_start - 1],
            test_start=pd.Timestamp(test.input_end.min()), test_end=pd.Timestamp(test.input_end.max()),
            epochs_run=fitted.epochs_run, best_epoch=fitted.best_epoch, warm_started=fitted.warm_started,
            verdict=fitted.diagnosis.verdict if fitted.diagnosis else "",
            diagnosis=fitted.diagnosis.text if fitted.diagnosis else "",
        )
        frames.append(predictions)
        folds.append(fold)
        emit(FoldDone(fold, len(spans), predictions))
    columns = ["date", "target_date", "ticker", "model", "horizon", "fold", "reference_close", "actual", "predicted"]
    predictions = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return WalkForward(predictions, folds, state, final_scalers)


def _prediction_rows(ticker, label, fold, test: Samples, predicted, windows: WindowConfig) -> pd.DataFrame:
    n, horizons = len(test), windows.horizons
    return pd.DataFrame({
        "date": np.tile(test.input_end, len(horizons)),
        "target_date": test.target_time.T.ravel(),
        "ticker": ticker,
        "model": label,
        "horizon": np.repeat(horizons, n),
        "fold": fold,
        "reference_close": np.tile(test.reference_close, len(horizons)),
        "actual": test.actual.T.ravel(),
        "predicted": predicted.T.ravel(),
    })


def _first(times: np.ndarray) -> pd.Timestamp | None:
    return pd.Timestamp(times.min()) if len(times) else None


def _last(times: np.ndarray) -> pd.Timestamp | None:
    return pd.Timestamp(times.max()) if len(times) else None

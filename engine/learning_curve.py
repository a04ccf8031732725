"""The learning curve: one model trained on the most recent 25, 50, 75 and 100 % of the training windows, its final
training and validation error at each size beside naive's, and what the picture says (bias or variance).

The reading's rules are checked in order (no signal → high variance → high bias → fine), with the thresholds
below; docs/METRICS.md states them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.diagnosis import LEARNED, NAIVE_BAND, naive_loss
from engine.errors import WorkbenchError
from engine.fit_config import TrainConfig
from engine.train import TrainEvent, predict, train_model
from engine.windows import MIN_TRAIN_SAMPLES, Samples, WindowedData
from models import ModelConfig

FRACTIONS = (0.25, 0.5, 0.75, 1.0)
CURVE_GAP = 0.10  # at full size, validation error / naive's minus training error / naive's: high variance
STILL_FALLING = 0.02  # validation error at full size this share below its value at the smallest size: still falling


@dataclass(frozen=True)
class CurvePoint:
    fraction: float
    windows: int  # training windows used
    train_loss: float  # final model's error on those windows (eval mode, no dropout), in the training loss's units
    val_loss: float  # its error on every validation window
    naive_train: float  # the naive forecast's loss on the same training windows


@dataclass(frozen=True)
class LearningCurve:
    model: str
    points: tuple[CurvePoint, ...]
    naive_val: float
    reading: str  # the bias/variance picture in words, naming the numbers it rests on

    def to_frame(self) -> pd.DataFrame:
        """One row per size: model, fraction, windows, train_loss, val_loss, naive_train, naive_val."""
        return pd.DataFrame([{"model": self.model, "fraction": p.fraction, "windows": p.windows,
                              "train_loss": p.train_loss, "val_loss": p.val_loss, "naive_train": p.naive_train,
                              "naive_val": self.naive_val} for p in self.points])


def learning_curve(label: str, model_config: ModelConfig, data: WindowedData, training: TrainConfig, *,
                   classification: bool, on_event: Callable[[float, TrainEvent], None] | None = None,
                   should_stop: Callable[[], bool] | None = None) -> LearningCurve | None:
    """Train model_config on the most recent share of data.train for each of FRACTIONS; None once cancelled."""
    check_sizes(data, training)
    naive_val = naive_loss(data.val, classification=classification)
    recent_first = np.argsort(data.train.input_end, kind="stable")[::-1]
    points = []
    for fraction in FRACTIONS:
        if should_stop is not None and should_stop():
            return None
        subset = _take(data.train, np.sort(recent_first[:int(round(fraction * len(data.train)))]))
        trained = train_model(model_config, subset.x, subset.y, data.val.x, data.val.y, training,
                              classification=classification, should_stop=should_stop,
                              on_event=None if on_event is None else (lambda event, f=fraction: on_event(f, event)))
        if trained.outcome.reason == "cancelled":
            return None
        points.append(CurvePoint(fraction, len(subset), _loss(trained, subset, classification),
                                 _loss(trained, data.val, classification),
                                 naive_loss(subset, classification=classification)))
    return LearningCurve(label, tuple(points), naive_val, read_curve(points, naive_val))


def read_curve(points: list[CurvePoint] | tuple[CurvePoint, ...], naive_val: float) -> str:
    """The bias/variance reading of a learning curve, first rule that holds."""
    small, full = points[0], points[-1]
    v_full, t_full = full.val_loss / naive_val, full.train_loss / full.naive_train
    gap = v_full - t_full  # each error as a share of naive's on its own windows
    sizes = f"{small.windows} to {full.windows} windows"
    if all(abs(p.val_loss / naive_val - 1) <= NAIVE_BAND for p in points) and abs(t_full - 1) <= NAIVE_BAND:
        return (f"No signal: from {sizes} the validation error stays within {NAIVE_BAND:.0%} of naive's "
                f"({_range(points, naive_val)}) and the training error ends at {t_full:.0%} of it. More data or "
                "a bigger model will not help here.")
    if gap >= CURVE_GAP or (t_full <= 1 - LEARNED and v_full >= 1 - NAIVE_BAND):
        falling = (small.val_loss - full.val_loss) / naive_val >= STILL_FALLING
        trend = (f"still falls from {small.val_loss:.4g} to {full.val_loss:.4g}, so more data would likely help"
                 if falling else f"has stopped falling ({small.val_loss:.4g} → {full.val_loss:.4g}), so more data "
                 "alone will not close it: regularise or shrink the model")
        return (f"High variance (over-fitting): at {full.windows} windows the training error is {t_full:.0%} of "
                f"naive's but the validation error {v_full:.0%} of it ({full.train_loss:.4g} vs "
                f"{full.val_loss:.4g}); the validation error {trend}.")
    if t_full > 1 - LEARNED:
        return (f"High bias (under-fitting): at {full.windows} windows even the training error is {t_full:.0%} of "
                f"naive's and the two curves lie close ({full.train_loss:.4g} vs {full.val_loss:.4g}): more data "
                "will not help; more capacity, epochs or a higher learning rate might.")
    return (f"A good fit: at {full.windows} windows training and validation error lie close ({full.train_loss:.4g} "
            f"vs {full.val_loss:.4g}) and validation is {v_full:.0%} of naive's; more data adds little.")


def check_sizes(data: WindowedData, training: TrainConfig) -> None:
    """Refuse, before any training, windows too few for the smallest size or without validation windows."""
    smallest = int(round(FRACTIONS[0] * len(data.train)))
    needed = max(MIN_TRAIN_SAMPLES, training.batch_size)
    if smallest < needed:
        raise WorkbenchError(
            f"The learning curve trains on the most recent {FRACTIONS[0]:.0%} of the {len(data.train)} training "
            f"windows first, {smallest} windows, and needs at least {needed} (the larger of {MIN_TRAIN_SAMPLES} and "
            f"the batch size): use a longer date range, a shorter window or a smaller batch size.")
    if len(data.val) == 0:
        raise WorkbenchError("The learning curve compares training with validation error and there are no "
                             "validation windows: set a validation fraction above 0.")


def _take(samples: Samples, rows: np.ndarray) -> Samples:
    return Samples(**{name: getattr(samples, name)[rows] for name in samples.__dataclass_fields__})


def _loss(trained, samples: Samples, classification: bool) -> float:
    predicted = predict(trained.model, samples.x, classification=classification)
    if classification:
        p = np.clip(predicted, 1e-7, 1 - 1e-7)
        return float(-np.mean(samples.y * np.log(p) + (1 - samples.y) * np.log(1 - p)))
    return float(np.mean((predicted - samples.y) ** 2))


def _range(points, naive_val: float) -> str:
    ratios = [p.val_loss / naive_val for p in points]
    return f"{min(ratios):.0%} to {max(ratios):.0%}"

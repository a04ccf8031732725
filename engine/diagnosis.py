"""The diagnosis of a fit: a verdict from its loss curves, judged against the naive forecast's loss on the same
windows, in the same scaled target units as the training loss.

The verdicts never overlap: they are checked in the order no signal → over-fitting → under-fitting → a good fit,
and the first that holds is the one. Each names the epochs and numbers it rests on. docs/METRICS.md states the
rules; the thresholds are the constants below. Pure Python and numpy: no torch, no Qt.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np

from engine.windows import Samples

Verdict = Literal["no_signal", "over_fitting", "under_fitting", "good_fit"]

NAIVE_BAND = 0.05  # a loss within ±5 % of naive's sits "at naive's level"
LEARNED = 0.10  # a training loss at least 10 % below naive's has learned something on its own windows
VAL_RISE = 0.05  # validation loss ending 5 % or more above its best, while training loss fell: over-fitting
GAP_GROWTH = 0.10  # the relative validation − training gap (relative_gap) grown by 0.10 or more since epoch 1
COIN_FLIP_BCE = math.log(2.0)  # a direction target's naive loss: the cross-entropy of always saying 50 %

TITLES: dict[Verdict, str] = {"no_signal": "no signal to learn", "over_fitting": "over-fitting",
                              "under_fitting": "under-fitting", "good_fit": "a good fit"}
ADVICE: dict[Verdict, str] = {
    "no_signal": "Neither loss beats repeating the last value: there is no signal here this model can learn, the "
                 "usual case on daily returns. A bigger model will not find one; other features, a longer horizon "
                 "or another series might.",
    "over_fitting": "Try more dropout, L2 (weight decay), early stopping with a smaller patience, a smaller model, "
                    "or more data.",
    "under_fitting": "Try more capacity (wider or more layers), more epochs, a higher learning rate, or less "
                     "regularisation (dropout, L1, L2).",
    "good_fit": "It beats the naive forecast on windows it did not train on; check the test split and a backtest "
                "before trusting it.",
}


@dataclass(frozen=True)
class NaiveLoss:
    """The naive forecast's loss on the training and validation windows, in the training loss's units."""

    train: float
    val: float | None  # None without validation windows


@dataclass(frozen=True)
class Diagnosis:
    verdict: Verdict
    reason: str  # the epochs and numbers the verdict rests on
    naive_train: float
    naive_val: float | None

    @property
    def title(self) -> str:
        return TITLES[self.verdict]

    @property
    def advice(self) -> str:
        return ADVICE[self.verdict]

    @property
    def text(self) -> str:
        """'over-fitting: validation loss rose from ... Try more dropout, ...'."""
        return f"{self.title}: {self.reason} {self.advice}"

    def to_dict(self) -> dict:
        return {**asdict(self), "title": self.title, "advice": self.advice}


def naive_loss(samples: Samples, *, classification: bool) -> float | None:
    """The no-change forecast's mean squared error on these windows' scaled targets (ln 2 for a direction
    target: always 50 %); None without windows."""
    if len(samples) == 0:
        return None
    if classification:
        return COIN_FLIP_BCE
    return float(np.mean((samples.naive - samples.y) ** 2))


def naive_losses(train: Samples, val: Samples, *, classification: bool) -> NaiveLoss:
    return NaiveLoss(naive_loss(train, classification=classification), naive_loss(val, classification=classification))


def diagnose(train: Sequence[float], val: Sequence[float] | None, naive: NaiveLoss) -> Diagnosis | None:
    """The verdict on the per-epoch losses of one fit (val None without validation windows); None without epochs."""
    if not train or not naive.train > 0:
        return None
    if val is None or naive.val is None or not naive.val > 0:
        return _judge_training_only(list(train), naive)
    train, val = list(train), list(val)
    n, best = len(train), int(np.argmin(val))
    t_end, v_best = train[-1] / naive.train, val[best] / naive.val
    found = _no_signal(train, val, naive) or _over_fitting(train, val, naive) or _under_fitting(train, naive)
    if found:
        verdict, reason = found
    else:
        verdict, reason = "good_fit", (
            f"the best validation loss, at epoch {best + 1}, is {_pct(v_best)} of naive's ({_num(val[best])} vs "
            f"{_num(naive.val)}), and the training loss ends at {_pct(t_end)} of naive's after {_epochs(n)}.")
    return Diagnosis(verdict, reason, naive.train, naive.val)


def _no_signal(train: list[float], val: list[float], naive: NaiveLoss) -> tuple[Verdict, str] | None:
    best = int(np.argmin(val))
    t_end, v_best = train[-1] / naive.train, val[best] / naive.val
    if abs(t_end - 1) <= NAIVE_BAND and abs(v_best - 1) <= NAIVE_BAND:
        return "no_signal", (
            f"after {_epochs(len(train))} the training loss is {_pct(t_end)} of naive's ({_num(train[-1])} vs "
            f"{_num(naive.train)}) and the best validation loss, at epoch {best + 1}, {_pct(v_best)} of naive's "
            f"({_num(val[best])} vs {_num(naive.val)}): both within {NAIVE_BAND:.0%} of it.")
    return None


def _over_fitting(train: list[float], val: list[float], naive: NaiveLoss) -> tuple[Verdict, str] | None:
    """Only a model whose training loss ends LEARNED below naive's has fitted anything to over-fit."""
    n, best = len(train), int(np.argmin(val))
    t_end, v_best = train[-1] / naive.train, val[best] / naive.val
    if t_end > 1 - LEARNED:
        return None
    if val[-1] >= val[best] * (1 + VAL_RISE) and train[-1] < train[best]:
        return "over_fitting", (
            f"validation loss rose from {_num(val[best])} at epoch {best + 1} to {_num(val[-1])} at epoch {n} "
            f"(+{val[-1] / val[best] - 1:.0%}) while training loss fell from {_num(train[best])} to {_num(train[-1])}.")
    first_gap, last_gap = relative_gap(train[0], val[0], naive), relative_gap(train[-1], val[-1], naive)
    if last_gap - first_gap >= GAP_GROWTH:
        return "over_fitting", (
            f"the gap between validation and training loss, each as a share of naive's on its own windows, grew "
            f"from {_pct(first_gap)} at epoch 1 to {_pct(last_gap)} at epoch {n} (validation {_num(val[-1])} vs "
            f"naive {_num(naive.val)}, training {_num(train[-1])} vs naive {_num(naive.train)}).")
    if v_best >= 1 - NAIVE_BAND:
        return "over_fitting", (
            f"training loss fell to {_pct(t_end)} of naive's ({_num(train[-1])} vs {_num(naive.train)}) by epoch "
            f"{n}, but the best validation loss, at epoch {best + 1}, is {_pct(v_best)} of naive's ({_num(val[best])} "
            f"vs {_num(naive.val)}): what it learned does not carry over to new windows.")
    return None


def relative_gap(train: float, val: float, naive: NaiveLoss) -> float:
    """Validation minus training loss, each divided by naive's loss on its own windows: the splits' losses differ
    in level when their volatility does, and this gap does not."""
    return val / naive.val - train / naive.train


def _under_fitting(train: list[float], naive: NaiveLoss) -> tuple[Verdict, str] | None:
    t_end = train[-1] / naive.train
    if t_end > 1 - LEARNED:
        return "under_fitting", (
            f"after {_epochs(len(train))} the training loss is still {_pct(t_end)} of naive's ({_num(train[-1])} vs "
            f"{_num(naive.train)}), not {LEARNED:.0%} below it: the model has not learned even its training windows.")
    return None


def _judge_training_only(train: list[float], naive: NaiveLoss) -> Diagnosis:
    t_end, n = train[-1] / naive.train, len(train)
    if abs(t_end - 1) <= NAIVE_BAND:
        verdict, reason = "no_signal", (
            f"after {_epochs(n)} the training loss is {_pct(t_end)} of naive's ({_num(train[-1])} vs "
            f"{_num(naive.train)}), within {NAIVE_BAND:.0%} of it (there are no validation windows).")
    elif found := _under_fitting(train, naive):
        verdict, reason = found
    else:
        verdict, reason = "good_fit", (
            f"the training loss ends at {_pct(t_end)} of naive's ({_num(train[-1])} vs {_num(naive.train)}) after "
            f"{_epochs(n)}; without validation windows over-fitting cannot be judged.")
    return Diagnosis(verdict, reason, naive.train, naive.val)


def _pct(ratio: float) -> str:
    return f"{ratio:.0%}"


def _num(value: float) -> str:
    return f"{value:.4g}"


def _epochs(n: int) -> str:
    return f"{n} epoch{'s' * (n != 1)}"

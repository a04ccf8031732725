"""The words of the engine's progress events, so the command line and the GUI log say the same thing.

Pure string functions of the events; the caller adds who the line is about (a model label, a run).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from engine.diagnosis import TITLES

if TYPE_CHECKING:  # the events live in torch modules; reading them needs no torch
    from engine.backtest import FoldDone
    from engine.diagnosis import Diagnosis
    from engine.train import EpochReport, TrainingEnded


def fold_line(event: FoldDone) -> str:
    """'lstm on SP500: fold 2/5 trained to 2019-12-31, predicted 2020-01-02 to 2020-06-30 (12 epochs, warm start)
    · no signal to learn' (the fold's verdict, for a network)."""
    fold = event.fold
    verdict = f" · {TITLES[fold.verdict]}" if fold.verdict else ""
    return (f"{fold.model} on {fold.ticker}: fold {fold.index + 1}/{event.folds} trained to "
            f"{fold.train_end:%Y-%m-%d}, predicted {fold.test_start:%Y-%m-%d} to {fold.test_end:%Y-%m-%d} "
            f"({fold.fitting}){verdict}")


def diagnosis_line(diagnosis: Diagnosis) -> str:
    """'diagnosis: no signal to learn: after 12 epochs the training loss is 99% of naive's ... A bigger model ...'."""
    return f"diagnosis: {diagnosis.text}"


def epoch_line(event: EpochReport) -> str:
    """'epoch   3/20  train 0.01234  val 0.02345  lr 1.0e-03  4.2s  eta 57s *' (* = best epoch so far)."""
    val = "" if event.val_loss is None else f"  val {event.val_loss:.5f}"
    best = " *" if event.best_epoch == event.epoch else ""
    cut = "  (learning rate cut)" if event.lr_reduced else ""
    return (f"epoch {event.epoch:>3}/{event.epochs}  train {event.train_loss:.5f}{val}  lr {event.learning_rate:.1e}  "
            f"{event.elapsed_s:.1f}s  eta {event.eta_s:.0f}s{best}{cut}")


def ended_line(event: TrainingEnded) -> str:
    """How a fit ended and where it ran: 'stopped early at epoch 12 ... (device cpu)'."""
    return f"{event.message} (device {event.device}{', CUDA graph' if event.captured else ''})"


def search_line(event) -> str | None:
    """A search event in words (engine.experiments.study), or None for the events not worth a line."""
    from engine.experiments.study import HoldoutScored, SearchNotice, SearchProgress, SearchStarted, TrialFinished

    if isinstance(event, SearchStarted):
        budget = "until the timeout" if event.trials is None else f"{event.trials} trial{'s' * (event.trials != 1)}"
        kept = f", {event.kept} kept and {event.retried} retried from before" if event.kept or event.retried else ""
        return (f"search {event.name}: {budget} on {event.workers} worker{'s' * (event.workers != 1)}{kept}; "
                f"hold-out from {event.cut:%Y-%m-%d} on, unseen by every trial; study in {event.storage}")
    if isinstance(event, TrialFinished):
        value = "" if event.value is None else f" {event.value:.4g}"
        why = f": {event.message}" if event.message else ""
        return f"trial {event.number} {event.state.lower()}{value} ({event.duration_s:.1f}s){why}"
    if isinstance(event, SearchProgress):
        total = "" if event.total is None else f"/{event.total}"
        best = "" if event.best_number is None else f", best trial {event.best_number} ({event.best_value:.4g})"
        eta = "" if event.eta_s is None else f", eta {_duration(event.eta_s)}"
        return f"  {event.done}{total} done in {_duration(event.elapsed_s)}{eta}{best}"
    if isinstance(event, HoldoutScored):
        return (f"hold-out: configuration {event.rank} (trial {event.number}) search {event.search_value:.4g}, "
                f"hold-out {event.holdout_value:.4g}")
    if isinstance(event, SearchNotice):
        return f"note: {event.text}"
    return None


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"

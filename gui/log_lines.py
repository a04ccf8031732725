"""What the GUI log and the status line say about a run: Qt-free words for its events and its ends.

The engine's own events are worded by engine.event_lines, as the command line prints them;
these functions add the run they belong to.
"""
from __future__ import annotations

from engine.estimate import BacktestProgress, TimeEstimate
from engine.event_lines import diagnosis_line, ended_line, epoch_line, fold_line
from gui.events import BacktestOutcome, BacktestRequest, ModelEvaluated, RunResult, WindowsReady
from gui.format import count, duration, number


def run_started(number: int, submitted, labels: list[str]) -> str:
    """The run's models, series and settings; `labels`: every model it fits, baselines included."""
    config = submitted.config if isinstance(submitted, BacktestRequest) else submitted
    series = ", ".join(config.data.series_names)
    if not isinstance(submitted, BacktestRequest):
        return (f"Run {number} started: {', '.join(labels)} on {series}, {config.training.epochs} epochs, "
                f"window {config.windows.window}, target {config.windows.target}")
    wf = config.walk_forward
    retrain = f"retrain every {wf.retrain_every} bars" if wf.retrain_every else "trained once"
    return (f"Run {number} started (Train & Backtest): {', '.join(labels)} on {series}, walk-forward "
            f"from {wf.initial_train} bars, {retrain} ({wf.scheme}), {config.training.epochs} epochs"
            + (f", warm retrains {wf.warm_epochs} epochs" if wf.warm_start else ""))


def anomaly_run_started(number: int, config) -> str:
    detection = config.detection
    return (f"Run {number} started (anomalies): {config.model.arch} on {', '.join(config.data.series_names)}, "
            f"window {detection.window}, trained on the first {detection.train_fraction:.0%} of the bars, "
            f"{config.training.epochs} epochs")


def anomaly_run_finished(number: int, outcome) -> str:
    stored = f", stored as anomaly run #{outcome.run_id}" if outcome.run_id is not None else ""
    flagged = int(outcome.result.bars["flagged"].sum())
    return f"Run {number} finished: the autoencoder flagged {flagged} bars of {outcome.result.series}{stored}"


def fold_done(run: int, event) -> str:
    return f"Run {run}: {fold_line(event)}"


def epoch(run: int, label: str, event) -> str:
    return f"Run {run}: [{label}] {epoch_line(event)}"


def training_ended(run: int, label: str, event) -> str:
    diagnosis = "" if event.diagnosis is None else f" {diagnosis_line(event.diagnosis)}"
    return f"Run {run}: [{label}] {ended_line(event)}{diagnosis}"


def windows_ready(run: int, event: WindowsReady) -> str:
    return f"Run {run}: {event.train} training / {event.val} validation / {event.test} test windows"


def estimate(run: int, event: TimeEstimate) -> str:
    what = "training time" if event.scope == "training" else "time for the whole walk-forward"
    return f"Run {run}: estimated {what} about {duration(event.total_s)} (timed {event.steps_timed} steps per model)"


def estimate_asked(event: TimeEstimate) -> str:
    """An estimate asked for before any run (Run ▸ Estimate training time)."""
    parts = ", ".join(f"{label} {duration(s)}" for label, s in event.per_model_s.items())
    return (f"Estimated training time: about {duration(event.total_s)} ({parts}); "
            f"from {event.steps_timed} timed steps per model, before any early stopping")


def evaluated(run: int, event: ModelEvaluated) -> str | None:
    """The test-split scores; None for an untrained model (its TrainingEnded line said why)."""
    if not event.metrics:
        return None
    shown = ", ".join(f"{name} {number(value)}" for name, value in event.metrics.items())
    return f"Run {run}: {event.label} on the test split: {shown}"


def overall_left(progress: BacktestProgress | None) -> str:
    """' · fold 3 of 12 done, about 4 min 10 s left overall' for the status line; '' before the first fold."""
    if progress is None:
        return ""
    return (f" · {progress.folds_done} of {progress.folds_total} folds done, about "
            f"{duration(progress.remaining_s)} left overall")


def training_finished(number: int, result: RunResult) -> str:
    if result.cancelled:
        return f"Run {number} was cancelled; models that finished an epoch kept their best weights."
    if result.metrics:
        return f"Run {number} finished: {len(result.trained)} model(s) trained and evaluated on the test split."
    return (f"Run {number} finished: {len(result.trained)} model(s) trained; not evaluated, as the test "
            "split is empty (raise the Test share to score them on unseen bars).")


def backtest_finished(number: int, outcome: BacktestOutcome) -> str:
    result = outcome.result
    if outcome.cancelled:
        return (f"Run {number} (backtest) was cancelled: the folds that finished are on the Backtest tab; "
                "being partial, it is neither stored nor ranked in Compare.")
    stored = f"; Compare lists it as stored run #{outcome.run_id}" if outcome.run_id is not None else ""
    models, series = len({fold.model for fold in result.folds}), len({fold.ticker for fold in result.folds})
    return (f"Run {number} finished: {count(models, 'model')} walked forward over {series} series"
            f" ({count(len(result.folds), 'fold')}){stored}.")

"""The Search tab's long jobs, as plain functions `task(..., emit, should_stop)` like gui/tasks.py.

A search passes on the driver's events unchanged, adds the fANOVA importances every few completed trials, and
turns the worker's stop flag into driver.cancel(). The engine is imported inside the functions (torch).
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

from gui.events import Emit, Importances, Notice, SearchFinished, SearchRequest, ShouldStop, Stage

IMPORTANCE_EVERY = 3  # completed trials between two fANOVA importance computations (each takes ~0.1-1 s)
_STOP_POLL_S = 0.1  # how often the stop flag is looked at while the driver runs


def search_run(request: SearchRequest, emit: Emit, should_stop: ShouldStop) -> SearchFinished:
    """Load the bars, run the search on its executor, recompute the importances every IMPORTANCE_EVERY completed
    trials and once at the end; a stop request cancels every trial within a batch and keeps those finished."""
    from engine.experiments.importance import param_importances
    from engine.experiments.study import SearchDriver, TrialFinished
    from engine.pipeline import load_data

    experiment = request.experiment
    emit(Stage("Loading data"))
    loaded = load_data(experiment.base.data)
    for notice in loaded.notices:
        emit(Notice(notice))
    latest: list[Importances] = []

    def importances() -> None:
        trials = driver.live_trials()
        values = param_importances(experiment, trials)
        if values:
            latest[:] = [Importances(values, int((trials["state"] == "COMPLETE").sum()))]
            emit(latest[0])

    completed = [0]

    def on_event(event) -> None:
        emit(event)
        if isinstance(event, TrialFinished) and event.state == "COMPLETE":
            completed[0] += 1
            if completed[0] % IMPORTANCE_EVERY == 0:
                importances()

    driver = SearchDriver(experiment, loaded.bars, name=request.name, storage=request.storage,
                          execution=request.execution, on_event=on_event,
                          store_path=None if request.store_path is None else Path(request.store_path))
    emit(Stage("Searching"))
    with _cancel_when(should_stop, driver.cancel):
        outcome = driver.run()
    importances()
    return SearchFinished(request, outcome, latest[0] if latest else None)


def estimate_search_run(experiment, workers: int, emit: Emit, should_stop: ShouldStop):
    """engine.experiments.estimate.estimate_search on the experiment's own bars."""
    from engine.experiments.estimate import estimate_search
    from engine.pipeline import load_data

    emit(Stage("Loading data"))
    bars = load_data(experiment.base.data).bars
    emit(Stage("Timing a few training steps"))
    return estimate_search(experiment, bars, workers=workers, should_stop=should_stop)


@contextmanager
def _cancel_when(should_stop: ShouldStop, cancel):
    """While the block runs, a watcher thread calls `cancel()` once `should_stop()` says so (the driver polls no
    flag of ours; its cancel() may be called from any thread)."""
    done = threading.Event()

    def watch() -> None:
        while not done.wait(_STOP_POLL_S):
            if should_stop():
                cancel()
                return

    thread = threading.Thread(target=watch, name="search-cancel", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()

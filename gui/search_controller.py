"""The Search tab's wiring: its Start goes into the run queue as a SearchRequest, the RunController hands the
search runs' start, events and end to this one, which passes them to the tab; the estimate runs as a helper job,
and a Ray that is missing or unreachable is shown with a way back to the local workers."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from engine.event_lines import search_line
from gui.events import SearchFinished, SearchRequest
from gui.run_queue import RunQueue
from gui.search_tasks import estimate_search_run
from gui.views.search_view import SearchView
from gui.worker import Failure


class SearchController(QObject):
    def __init__(self, runs: RunQueue, view: SearchView, *, window: QWidget, tabs, log: Callable[..., None],
                 show_failure: Callable[[str, Failure], None], start_job: Callable, store_path: Callable,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.runs, self.view, self.window, self.tabs = runs, view, window, tabs
        self.log, self._show_failure, self._start_job, self._store_path = log, show_failure, start_job, store_path
        self._request: SearchRequest | None = None  # the running search's
        self._current: int | None = None  # its run number
        view.sigStartRequested.connect(self.submit)
        view.sigCancelRequested.connect(self.cancel)
        view.sigEstimateRequested.connect(self.estimate)

    @Slot(object, object, str)
    def submit(self, experiment, execution, name: str) -> int:
        """Queue a search; it starts now unless a run is going."""
        store = self._store_path()
        request = SearchRequest(experiment, execution, name or f"search-{datetime.now():%Y%m%d-%H%M%S-%f}",
                                None if store is None else str(store))
        queued = self.runs.running
        number = self.runs.submit(request)
        if queued:
            self.log(f"Run {number} (search {request.name}) queued: it starts when the current run ends")
        return number

    @Slot()
    def cancel(self) -> None:
        if self._current is not None and self.runs.current == self._current and self.runs.cancel_current():
            self.log(f"Run {self._current}: cancelling the search; every trial stops within a batch")

    @Slot(object, int)
    def estimate(self, experiment, workers: int) -> None:
        from engine.experiments.executors import default_workers

        self._start_job(partial(estimate_search_run, experiment, workers or default_workers()), "search-estimate",
                        self.view.show_estimate, partial(self._show_failure, "Could not estimate the search"))

    def started(self, number: int, submitted: SearchRequest) -> None:
        self._current, self._request = number, submitted
        self.view.start_run(number, submitted)
        self.tabs.setCurrentWidget(self.view)
        self.log(f"Run {number}: search {submitted.name} over {submitted.experiment.space or 'the architectures'}")

    def event(self, number: int, event) -> None:
        self.view.on_event(event)
        if (line := search_line(event)) is not None:
            self.log(f"Run {number}: {line}")

    def finished(self, number: int, finished: SearchFinished) -> None:
        self._current = self._request = None
        self.view.finish(finished)
        outcome = finished.outcome
        for warning in outcome.warnings:
            self.log(f"Run {number}: {warning}", "warning")
        self.log(f"Run {number}: search {outcome.name} {'cancelled' if outcome.cancelled else 'finished'}: "
                 f"{len(outcome.trials)} trials in {outcome.storage}")

    def failed(self, number: int, failure: Failure) -> None:
        request, self._current, self._request = self._request, None, None
        self.view.stop_run(f"Run {number}: the search stopped with an error: {failure.message}")
        if request.execution.kind == "ray" and failure.expected:
            self._offer_local(request, failure)
        else:
            self._show_failure(f"Search {request.name} could not finish", failure)

    def _offer_local(self, request: SearchRequest, failure: Failure) -> None:
        """Ray is missing or its head unreachable: say so, and offer the same search on local workers."""
        self.log(f"Search {request.name}: {failure.message}", "error")
        answer = QMessageBox.question(self.window, "Ray is not available",
                                      f"{failure.message}\n\nUse local workers for this search instead?")
        if answer == QMessageBox.StandardButton.Yes:
            self.view.settings.set_value("executor", "local")
            self.view.start()

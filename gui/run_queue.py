"""Training runs waiting their turn: one runs at a time on its own worker thread, the rest queue."""
from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from engine.experiments.executors import WarmPool
from gui.worker import Failure, Job, Task


def _run_task(request, pool: WarmPool | None = None) -> Task:
    """A BacktestRequest trains and walks forward (on `pool`'s worker processes when it asks for workers); an
    AnomalyRequest detects anomalies; a SearchRequest searches; a RunConfig trains and scores on the test split."""
    from gui.events import AnomalyRequest, BacktestRequest, SearchRequest
    from gui.search_tasks import search_run
    from gui.tasks import anomaly_run, backtest_run, train_run

    if isinstance(request, SearchRequest):
        return partial(search_run, request)
    if isinstance(request, BacktestRequest):
        return partial(backtest_run, request, pool=pool)
    if isinstance(request, AnomalyRequest):
        return partial(anomaly_run, request)
    return partial(train_run, request)


START_AFTER_MS = 50  # a run's thread starts this long after sigStarted, once the window has drawn the start
WALK_NICE = 10  # the backtests' worker processes run this far below the window's CPU priority, so it stays fluid
DELIVERY_BUDGET_S = 0.008  # the most time one turn of the event loop spends passing on a run's events


class RunQueue(QObject):
    """Submit runs (RunConfigs to train, BacktestRequests to train & backtest, SearchRequests); they run in order.

    Signals carry the run number first, then what was submitted or what its task returned. A run's events
    are passed on in order, a few milliseconds' worth per turn of the event loop: a burst of them (the
    linear baseline's folds arrive dozens a second) never keeps the window from repainting and responding.
    """

    sigChanged = Signal()  # a run started, ended or was queued: the waiting count may have changed
    sigStarted = Signal(int, object)  # run number, what was submitted (RunConfig or BacktestRequest)
    sigEvent = Signal(int, object)  # run number, a gui.events event
    sigFinished = Signal(int, object)  # run number, RunResult or BacktestOutcome
    sigFailed = Signal(int, object)  # run number, Failure
    sigIdle = Signal()  # nothing running and nothing waiting

    def __init__(self, make_task: Callable[[object], Task] | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = WarmPool(nice=WALK_NICE)  # the backtests' worker processes, kept between runs; ended by shutdown()
        self._make_task = make_task or partial(_run_task, pool=self.pool)
        self._waiting: deque[tuple[int, object]] = deque()
        self._job: Job | None = None
        self._current = 0
        self._numbers = 0
        self._closing = False
        self._outbox: deque[Callable[[], None]] = deque()  # what the running job reported, not yet passed on
        self._delivery = QTimer(self)
        self._delivery.setInterval(0)
        self._delivery.timeout.connect(self._deliver)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @property
    def running(self) -> bool:
        return self._job is not None

    @property
    def current(self) -> int:
        """The number of the run in progress (0 when idle)."""
        return self._current if self._job is not None else 0

    def submit(self, config) -> int:
        """Queue a run; it starts now if nothing else is running. Returns its number."""
        self._numbers += 1
        self._waiting.append((self._numbers, config))
        if self._job is None:
            self._start_next()
        self.sigChanged.emit()
        return self._numbers

    def cancel_current(self) -> bool:
        """Stop the running run at its next batch; queued runs then start. False if nothing runs."""
        if self._job is None:
            return False
        self._job.cancel()
        return True

    def clear_waiting(self) -> int:
        """Drop every queued run that has not started; returns how many."""
        dropped = len(self._waiting)
        self._waiting.clear()
        self.sigChanged.emit()
        return dropped

    def shutdown(self, timeout_ms: int = 60_000) -> bool:
        """Drop the queue, stop the running run and wait for its thread to end (for closing the app)."""
        self._closing = True
        self._waiting.clear()
        if self._job is not None and not self._job.running:
            self._job = None  # its thread never started: nothing to stop
        stopped = True
        if self._job is not None:
            self._job.cancel()
            stopped = self._job.wait(timeout_ms)
        if stopped:
            self.pool.close()  # only once no task can be using it
        return stopped

    def _start_next(self) -> None:
        if not self._waiting:
            self.sigIdle.emit()
            return
        number, config = self._waiting.popleft()
        self._current = number
        job = Job(self._make_task(config), name=f"run-{number}", parent=self)
        job.sigEvent.connect(self._on_event)
        job.sigDone.connect(self._on_done)
        job.sigFailed.connect(self._on_failed)
        job.sigFinished.connect(self._on_finished)
        self._job = job
        self.sigStarted.emit(number, config)
        QTimer.singleShot(START_AFTER_MS, self, partial(self._launch, job))  # never once the queue is gone

    def _launch(self, job: Job) -> None:
        """Start the run's thread, once the window has drawn what sigStarted changed (unless it is closing): a
        thread that loads data and times training steps in this process slows that drawing down."""
        if self._job is job and not self._closing:
            job.start()

    @Slot(object)
    def _on_event(self, event: object) -> None:
        self._post(partial(self.sigEvent.emit, self._current, event))

    @Slot(object)
    def _on_done(self, result: object) -> None:
        self._post(partial(self.sigFinished.emit, self._current, result))

    @Slot(object)
    def _on_failed(self, failure: Failure) -> None:
        self._post(partial(self.sigFailed.emit, self._current, failure))

    @Slot()
    def _on_finished(self) -> None:
        self._post(self._end_job)

    def _post(self, deliver: Callable[[], None]) -> None:
        self._outbox.append(deliver)
        if not self._delivery.isActive():
            self._delivery.start()

    @Slot()
    def _deliver(self) -> None:
        """Pass on what the job reported, in order, until the budget of this turn is spent."""
        started = time.perf_counter()
        while self._outbox and time.perf_counter() - started < DELIVERY_BUDGET_S:
            self._outbox.popleft()()
        if not self._outbox:
            self._delivery.stop()

    def _end_job(self) -> None:
        job, self._job = self._job, None
        if job is not None:
            job.deleteLater()
        self._start_next()
        self.sigChanged.emit()

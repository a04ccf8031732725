"""Run one GUI-free task on a worker moved to a QThread; its reports arrive as signals on the GUI thread.

A task is a plain function `task(emit, should_stop) -> result`: it calls `emit(event)` to
report progress and polls `should_stop()` to end early (Orange's `run(..., state)` pattern).
Nothing it touches is a widget, so it can be tested without Qt.
"""
from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from engine.errors import WorkbenchError
from gui.events import Emit, ShouldStop

Task = Callable[[Emit, ShouldStop], object]


@dataclass(frozen=True)
class Failure:
    """Why a task ended without a result."""

    message: str  # for the user: what went wrong and what to do
    expected: bool  # a WorkbenchError, whose message already says what to do
    details: str = ""  # the traceback of an unexpected error, for the log only


class _Worker(QObject):
    sigEvent = Signal(object)
    sigDone = Signal(object)
    sigFailed = Signal(object)
    finished = Signal()

    def __init__(self, task: Task, stop: threading.Event):
        super().__init__()
        self._task, self._stop = task, stop

    @Slot()
    def run(self) -> None:
        try:
            result = self._task(self.sigEvent.emit, self._stop.is_set)
        except WorkbenchError as error:
            self.sigFailed.emit(Failure(str(error), expected=True))
        except Exception as error:  # noqa: BLE001 - an unexpected error must not take the app down
            message = (f"Something unexpected went wrong: {type(error).__name__}: {error}\n\n"
                       "The app is still running; the details are in the Log tab.")
            self.sigFailed.emit(Failure(message, expected=False, details=traceback.format_exc()))
        else:
            self.sigDone.emit(result)
        finally:
            # Be deleted on the GUI thread: destroying a QObject whose slots are Python methods takes
            # the GIL inside Qt's connection locks, which can deadlock against the GUI thread.
            self.moveToThread(QCoreApplication.instance().thread())
            self.finished.emit()


class Job(QObject):
    """One task on its own thread. Keep the Job referenced until sigFinished; then it is spent."""

    sigEvent = Signal(object)  # each emit(event) of the task, in order
    sigDone = Signal(object)  # the task's return value
    sigFailed = Signal(object)  # a Failure
    sigFinished = Signal()  # last of all, once the thread has ended

    def __init__(self, task: Task, name: str = "worker", parent: QObject | None = None):
        super().__init__(parent)
        self._stop = threading.Event()
        self._running = False
        self._thread = QThread()
        self._thread.setObjectName(name)
        self._worker = _Worker(task, self._stop)
        self._worker.moveToThread(self._thread)
        # The standard wiring (superqt new_worker_qthread): the thread runs the worker once, then both go.
        self._thread.started.connect(self._worker.run)
        self._worker.finished.connect(self._thread.quit)
        self._worker.finished.connect(self._worker.deleteLater)
        self._thread.finished.connect(self._on_thread_finished)
        self._thread.finished.connect(self._thread.deleteLater)
        # Signal to signal: queued to this GUI-thread object, so every receiver runs on the GUI thread.
        self._worker.sigEvent.connect(self.sigEvent)
        self._worker.sigDone.connect(self.sigDone)
        self._worker.sigFailed.connect(self.sigFailed)

    def start(self) -> None:
        self._running = True
        self._thread.start()

    def cancel(self) -> None:
        """Ask the task to stop at its next check; returns at once."""
        self._stop.set()

    @property
    def cancelled(self) -> bool:
        return self._stop.is_set()

    @property
    def running(self) -> bool:
        return self._running

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the thread has ended (used on shutdown, after cancel()); True if it has."""
        if not self._running:
            return True
        # worker.finished → thread.quit is queued to this (blocked) thread, so ask the loop to quit
        # directly: a quit before the thread's exec() makes exec() return at once.
        self._thread.quit()
        done = self._thread.wait() if timeout_ms < 0 else self._thread.wait(timeout_ms)
        return bool(done)

    @Slot()
    def _on_thread_finished(self) -> None:
        self._running = False
        self.sigFinished.emit()


class JobSet(QObject):
    """The helper jobs of a window (engine load, previews, CSV checks, estimates), kept until each ends."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._jobs: set[Job] = set()

    @property
    def names(self) -> tuple[str, ...]:
        """The names of the jobs still running."""
        return tuple(sorted(job.objectName() for job in self._jobs))

    def start(self, task: Task, name: str, done, failed) -> Job:
        """Start `task`; `done(result)` or `failed(Failure)` runs on the GUI thread."""
        job = Job(task, name=name, parent=self)
        job.setObjectName(name)
        job.sigDone.connect(done)
        job.sigFailed.connect(failed)
        job.sigFinished.connect(lambda: self._finished(job))
        self._jobs.add(job)
        job.start()
        return job

    def stop_all(self) -> None:
        """Cancel every job and wait for its thread (for closing the window)."""
        for job in list(self._jobs):
            job.cancel()
            job.wait()

    def _finished(self, job: Job) -> None:
        self._jobs.discard(job)
        job.deleteLater()

"""Job and RunQueue with fake tasks: signals on the GUI thread, errors as Failures, cancel, queue order."""
from __future__ import annotations

import threading
import time

from PySide6.QtCore import QThread

from engine.errors import WorkbenchError
from gui.run_queue import RunQueue
from gui.worker import Failure, Job


def test_job_reports_events_and_result_on_the_gui_thread(qtbot):
    seen = []

    def task(emit, should_stop):
        for i in range(3):
            emit(i)
        return "done"

    job = Job(task)
    job.sigEvent.connect(lambda e: seen.append((e, QThread.currentThread())))
    with qtbot.waitSignal(job.sigFinished, timeout=10_000), qtbot.waitSignal(job.sigDone, timeout=10_000) as done:
        job.start()
    assert done.args == ["done"]
    assert [e for e, _ in seen] == [0, 1, 2]
    assert all(thread is QThread.currentThread() for _, thread in seen)
    assert not job.running


def test_expected_and_unexpected_errors_become_failures(qtbot):
    for error, expected in ((WorkbenchError("Bad input: fix it."), True), (ZeroDivisionError("oops"), False)):
        def task(emit, should_stop, error=error):
            raise error

        job = Job(task)
        with qtbot.waitSignal(job.sigFailed, timeout=10_000) as failed:
            job.start()
        failure: Failure = failed.args[0]
        assert failure.expected is expected
        if expected:
            assert failure.message == "Bad input: fix it." and not failure.details
        else:
            assert "ZeroDivisionError: oops" in failure.message and "Traceback" in failure.details
        qtbot.waitUntil(lambda job=job: not job.running)


def test_cancel_and_wait_end_the_thread(qtbot):
    started = threading.Event()

    def task(emit, should_stop):
        started.set()
        while not should_stop():
            time.sleep(0.005)
        return "stopped"

    job = Job(task)
    job.start()
    assert started.wait(10)
    job.cancel()
    assert job.wait(10_000)
    qtbot.waitUntil(lambda: not job.running)


def _blocking_task(config):
    def task(emit, should_stop):
        emit(("started", config))
        while not should_stop() and config != "quick":
            time.sleep(0.005)
        return config
    return task


def test_run_queue_runs_in_order_one_at_a_time(qtbot):
    queue = RunQueue(make_task=_blocking_task)
    finished = []
    queue.sigFinished.connect(lambda number, result: finished.append((number, result)))
    assert queue.submit("slow") == 1
    assert queue.running and queue.waiting == 0
    assert queue.submit("quick") == 2
    assert queue.waiting == 1
    with qtbot.waitSignal(queue.sigIdle, timeout=10_000):
        queue.cancel_current()
    assert finished == [(1, "slow"), (2, "quick")]
    assert not queue.running and queue.waiting == 0


def test_run_queue_shutdown_drops_the_queue_and_waits(qtbot):
    queue = RunQueue(make_task=_blocking_task)
    queue.submit("slow")
    queue.submit("slow again")
    assert queue.shutdown(10_000)
    assert queue.waiting == 0
    qtbot.waitUntil(lambda: not queue.running)


def test_a_runs_thread_starts_once_the_window_has_had_a_turn_to_draw_its_start(qtbot):
    from gui.run_queue import START_AFTER_MS

    queue, started, first_event = RunQueue(make_task=_blocking_task), [], []
    queue.sigStarted.connect(lambda number, config: started.append(time.perf_counter()))
    queue.sigEvent.connect(lambda number, event: first_event.append(time.perf_counter()))
    queue.submit("quick")
    assert queue.running and started  # the window hears of the run at once
    qtbot.waitUntil(lambda: bool(first_event) and not queue.running)
    assert first_event[0] - started[0] >= 0.9 * START_AFTER_MS / 1000

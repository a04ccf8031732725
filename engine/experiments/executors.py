"""Where jobs run: a pool of local worker processes (this module) or Ray tasks (engine.experiments.ray_executor),
behind one interface the search driver and the parallel backtest use.

A job is `fn(shared, payload, context)`: `fn` a module-level function, `shared` the data every job reads (put
once: a file for the local pool, Ray's object store for Ray), `context` its way back to the driver (`emit`
an event, `should_stop` when the driver stopped this job or cancelled them all). The executor reports what
happened as `Emitted`, `Finished` and `Failed`; jobs never touch the driver's storage.
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import shutil
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import connection
from pathlib import Path
from typing import Any, Protocol

from engine.errors import WorkbenchError

Job = Callable[[Any, Any, "JobContext"], Any]


@dataclass(frozen=True)
class JobContext:
    emit: Callable[[Any], None]
    should_stop: Callable[[], bool]


@dataclass(frozen=True)
class Emitted:
    key: int
    item: Any


@dataclass(frozen=True)
class Finished:
    key: int
    value: Any  # the job's return value


@dataclass(frozen=True)
class Failed:
    key: int
    message: str  # a WorkbenchError's message, or what went wrong in words
    expected: bool  # a WorkbenchError (the user can fix it), not a crash


ExecutorEvent = Emitted | Finished | Failed


class Executor(Protocol):
    workers: int

    def free(self) -> int:
        """How many more jobs can start now."""

    def submit(self, key: int, fn: Job, payload: Any) -> None: ...

    def share(self, shared: Any) -> None:
        """Replace the shared data of the jobs submitted from now on, and forget an earlier cancel (the workers
        stay up, so a caller can keep one executor warm for several searches)."""

    def poll(self, timeout_s: float) -> list[ExecutorEvent]:
        """What happened since the last poll, waiting up to timeout_s for the first event."""

    def stop(self, key: int) -> None:
        """Ask one job to stop at its next check (a pruned trial)."""

    def cancel(self) -> None:
        """Ask every running job to stop at its next check."""

    def close(self) -> None: ...


def default_workers() -> int:
    return os.cpu_count() or 1


def one_thread() -> None:
    """One thread for torch and for the BLAS and OpenMP pools numpy and scipy use, in a worker: several processes
    each spinning a thread per core on the same few cores slow every one of them down."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    threadpool_limits(1)


def failure_message(error: BaseException) -> Failed:
    """A job's exception as the executor reports it: a WorkbenchError's own words, else the type and the text."""
    if isinstance(error, WorkbenchError):
        return Failed(-1, str(error), True)
    return Failed(-1, f"{type(error).__name__}: {error}", False)


class LocalExecutor:
    """`workers` spawned processes, one thread each; `shared` is pickled to a file once, read once by each
    (and again after share()).

    A worker that dies mid-job (killed, out of memory) fails that job and is replaced; the others go on. Nothing
    the workers share holds a lock (each has its own pipe back, the stop and cancel flags are bare shared
    integers), so a worker killed at any instant cannot leave the others waiting on it.

    `nice` lowers the workers' CPU priority (POSIX; ignored where os.nice does not exist): a window sharing the
    cores with them then gets the CPU it needs to draw, and the workers lose nothing when it needs none.
    """

    def __init__(self, shared: Any, *, workers: int | None = None, nice: int = 0):
        self.workers = workers or default_workers()
        self.nice = nice
        if self.workers < 1:
            raise WorkbenchError(f"--workers must be 1 or more, got {self.workers}.")
        self._context = multiprocessing.get_context("spawn")
        self._cancel = self._context.Value("b", 0, lock=False)
        self._folder = Path(tempfile.mkdtemp(prefix="workbench-shared-"))
        self._shared = self._folder / "shared-0.pickle"
        self.share(shared)
        self._slots = [self._start() for _ in range(self.workers)]

    def _start(self) -> _Slot:
        tasks = self._context.Queue()
        stop = self._context.Value("q", -1, lock=False)
        reader, writer = self._context.Pipe(duplex=False)
        process = self._context.Process(target=_work, args=(tasks, writer, stop, self._cancel, self.nice),
                                        daemon=True)
        process.start()
        writer.close()  # the worker holds the only writing end: its death reads as the end of the pipe
        return _Slot(process, tasks, stop, reader)

    def free(self) -> int:
        return sum(slot.key is None for slot in self._slots)

    def submit(self, key: int, fn: Job, payload: Any) -> None:
        slot = next(slot for slot in self._slots if slot.key is None)
        slot.key = key
        slot.tasks.put((key, fn, payload, str(self._shared)))

    def share(self, shared: Any) -> None:
        self._shared = self._folder / f"shared-{int(self._shared.stem.split('-')[1]) + 1}.pickle"
        with open(self._shared, "wb") as file:
            pickle.dump(shared, file, protocol=pickle.HIGHEST_PROTOCOL)
        self._cancel.value = 0

    def stop(self, key: int) -> None:
        for slot in self._slots:
            if slot.key == key:
                slot.stop.value = key

    def cancel(self) -> None:
        self._cancel.value = 1

    def poll(self, timeout_s: float) -> list[ExecutorEvent]:
        events: list[ExecutorEvent] = []
        ready = set(connection.wait([slot.reader for slot in self._slots], timeout=timeout_s))
        for i, slot in enumerate(self._slots):
            broken = slot.reader in ready and not self._drain(slot, events)
            if not broken and slot.process.is_alive():
                continue
            self._drain(slot, events)  # anything it sent before it died comes first
            if slot.key is not None and not any(isinstance(e, (Finished, Failed)) and e.key == slot.key
                                                for e in events):
                slot.process.join(timeout=1)
                events.append(Failed(slot.key, f"the worker process running it exited with code "
                                               f"{slot.process.exitcode} (killed, or out of memory); the other "
                                               "workers go on", False))
            self._retire(slot)
            self._slots[i] = self._start()
        for event in events:
            if isinstance(event, (Finished, Failed)):
                self._release(event.key)
        return events

    @staticmethod
    def _drain(slot: _Slot, events: list) -> bool:
        """Read what the worker sent; False once its pipe has ended (the worker is gone) or is garbled."""
        try:
            while slot.reader.poll():
                events.append(_event(slot.reader.recv()))
        except (EOFError, OSError, pickle.UnpicklingError):
            return False
        return True

    def _release(self, key: int) -> None:
        for slot in self._slots:
            if slot.key == key:
                slot.key = None

    def kill_worker_of(self, key: int) -> None:
        """Kill the process running job `key` at once, as a crash would (for the fault tests)."""
        next(slot for slot in self._slots if slot.key == key).process.kill()

    def close(self) -> None:
        self._cancel.value = 1
        for slot in self._slots:
            slot.tasks.put(None)
        for slot in self._slots:
            slot.process.join(timeout=5)
            self._retire(slot)
        shutil.rmtree(self._folder, ignore_errors=True)

    @staticmethod
    def _retire(slot: _Slot) -> None:
        if slot.process.is_alive():
            slot.process.kill()
        slot.process.join()
        slot.reader.close()
        slot.tasks.close()

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


@dataclass
class _Slot:
    process: Any
    tasks: Any
    stop: Any  # shared int: the key of the job the driver stopped
    reader: Any  # the worker's pipe back: emitted items, results and failures
    key: int | None = None  # the job it runs


def _event(message: tuple) -> ExecutorEvent:
    kind, key, body = message
    if kind == "emit":
        return Emitted(key, pickle.loads(body))
    if kind == "done":
        return Finished(key, pickle.loads(body))
    return Failed(key, *body)


def _work(tasks, results, stop, cancel, nice: int) -> None:
    """A worker process: one thread (one_thread), `nice` steps below the driver's priority; jobs until None, the
    shared data read when a job names a new file. It ends by itself once the driver has gone (killed), at its next
    check."""
    one_thread()
    if nice and hasattr(os, "nice"):
        os.nice(nice)
    parent = multiprocessing.parent_process()
    shared, shared_path = None, None
    while (task := _next_task(tasks, parent)) is not None:
        key, fn, payload, path = task
        stop.value = -1
        context = JobContext(emit=lambda item, key=key: results.send(("emit", key, pickle.dumps(item))),
                             should_stop=lambda key=key: (cancel.value or stop.value == key
                                                          or not parent.is_alive()))
        try:
            if path != shared_path:
                with open(path, "rb") as file:
                    shared, shared_path = pickle.load(file), path
            results.send(("done", key, pickle.dumps(fn(shared, payload, context))))
        except Exception as error:  # a job's failure is reported, never the end of the worker
            failed = failure_message(error)
            detail = failed.message if failed.expected else failed.message + "\n" + traceback.format_exc(limit=3)
            results.send(("failed", key, (detail, failed.expected)))


class WarmPool:
    """Local worker processes kept between runs, so each Train & Backtest does not start them again (each imports
    torch and the engine: seconds). get(workers) opens them at first use, or anew for another count; close() ends
    them. Used from one thread at a time. `nice`: the workers' lowered priority (LocalExecutor)."""

    def __init__(self, *, nice: int = 0) -> None:
        self.nice = nice
        self._executor: LocalExecutor | None = None

    def get(self, workers: int) -> LocalExecutor:
        if self._executor is not None and self._executor.workers != workers:
            self.close()
        if self._executor is None:
            self._executor = LocalExecutor(None, workers=workers, nice=self.nice)
        return self._executor

    def close(self) -> None:
        if self._executor is not None:
            self._executor.close()
            self._executor = None


@dataclass(frozen=True)
class Execution:
    """Where a search or a parallel backtest runs its jobs."""

    kind: str = "local"  # "local": worker processes here; "ray": Ray tasks
    workers: int | None = None  # None: one per core (local) or per CPU of the cluster's share asked for (Ray)
    ray_address: str | None = None  # None or "local": start Ray here; else join the cluster at host:port
    num_cpus: float = 1  # Ray only: CPUs per task
    num_gpus: float = 0  # Ray only: GPU share per task, e.g. 0.25 packs four on one GPU

    def open(self, shared: Any) -> Executor:
        """An executor holding `shared` for its jobs."""
        workers = self.workers or default_workers()
        if self.kind == "local":
            return LocalExecutor(shared, workers=workers)
        if self.kind == "ray":
            from engine.experiments.ray_executor import RayExecutor, connect

            connect(self.ray_address, cpus=workers)
            return RayExecutor(shared, workers=workers, num_cpus=self.num_cpus, num_gpus=self.num_gpus)
        raise WorkbenchError(f"Unknown executor {self.kind!r}: choose local or ray.")


def run_jobs(executor: Executor, fn: Job, payloads: dict[int, Any], *,
             on_emitted: Callable[[int, Any], None] | None = None,
             should_stop: Callable[[], bool] | None = None) -> dict[int, Finished | Failed]:
    """Run every payload as a job, at most executor.free() at a time; once should_stop says so, the running jobs
    are stopped and the others never start (they have no outcome)."""
    waiting, outcomes, running, cancelled = list(payloads.items()), {}, set(), False
    while waiting or running:
        if not cancelled and should_stop is not None and should_stop():
            waiting, cancelled = [], True
            executor.cancel()
        while waiting and executor.free() > 0:
            key, payload = waiting.pop(0)
            executor.submit(key, fn, payload)
            running.add(key)
        for event in executor.poll(0.1):
            if isinstance(event, Emitted):
                if on_emitted is not None:
                    on_emitted(event.key, event.item)
            else:
                outcomes[event.key] = event
                running.discard(event.key)
    return outcomes


def _next_task(tasks, parent) -> tuple | None:
    while True:
        try:
            return tasks.get(timeout=1.0)
        except queue.Empty:
            if not parent.is_alive():
                return None

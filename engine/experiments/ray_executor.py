"""The Ray executor: the same jobs as the local pool, as Ray tasks on a cluster (or one Ray started here).

The shared data goes into Ray's object store once; each task gets its reference. Events and stop requests
pass through one small actor that the driver drains. `num_gpus` may be a fraction, so that several small
models share one GPU (Ray does not cap their memory: size the models to fit).
"""
from __future__ import annotations

import socket
import time
from typing import Any
from urllib.parse import urlsplit

from engine.errors import WorkbenchError
from engine.experiments.executors import (Emitted, ExecutorEvent, Failed, Finished, Job, JobContext, failure_message,
                                          one_thread)

INSTALL_HINT = "pip install 'stock-workbench[cluster]' (or pip install ray==2.60.0)"
_STOP_CHECK_S = 0.25  # how often a task asks the actor whether it was stopped


def _ray():
    try:
        import ray
    except ImportError:
        raise WorkbenchError(f"The Ray executor needs Ray, which is not installed: {INSTALL_HINT}, or use "
                             "--executor local.") from None
    return ray


def connect(address: str | None, *, cpus: int | None = None, timeout_s: float = 5.0) -> None:
    """Join the Ray cluster at `address` ("host:port" or "ray://host:port"), or start one here for None/"local".

    An address nobody answers at is a WorkbenchError within timeout_s, not Ray's long wait.
    """
    ray = _ray()
    if address in (None, "", "local"):
        if not ray.is_initialized():  # a Ray this process already joined or started serves as the local one
            ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False, configure_logging=False)
        return
    host, port = _host_port(address)
    try:
        socket.create_connection((host, port), timeout=timeout_s).close()
    except OSError as error:
        raise WorkbenchError(f"Cannot reach the Ray head at {address} ({error.strerror or error}): start it with "
                             "'ray start --head' on that machine and check the address and port, or run the "
                             "search here with --executor local.") from None
    if ray.is_initialized():
        if ray.get_runtime_context().gcs_address == f"{host}:{port}":
            return
        ray.shutdown()  # joined to another cluster: leave it for the one asked for
    try:
        ray.init(address=address, log_to_driver=False, configure_logging=False)
    except (ConnectionError, RuntimeError) as error:
        raise WorkbenchError(f"Could not join the Ray cluster at {address} ({error}): check that the head runs the "
                             "same Ray and Python versions, or use --executor local.") from None


def _host_port(address: str) -> tuple[str, int]:
    parts = urlsplit(address if "://" in address else f"ray://{address}")
    if not parts.hostname or parts.port is None:
        raise WorkbenchError(f"Cannot read the Ray address {address!r}: write host:port, e.g. 10.0.0.5:6379 or "
                             "ray://10.0.0.5:10001, or 'local' to start Ray on this machine.")
    return parts.hostname, parts.port


class RayExecutor:
    """Jobs as Ray tasks with num_cpus and num_gpus each; at most `workers` at a time."""

    def __init__(self, shared: Any, *, workers: int, num_cpus: float = 1, num_gpus: float = 0):
        ray = _ray()
        if not ray.is_initialized():
            connect(None, cpus=workers)
        self.workers = workers
        self._ray = ray
        self._shared = ray.put(shared)
        self._mailbox = ray.remote(num_cpus=0)(_Mailbox).remote()
        self._task = ray.remote(_run_task).options(num_cpus=num_cpus, num_gpus=num_gpus, max_retries=0)
        self._running: dict[Any, int] = {}  # object ref → key

    def free(self) -> int:
        return self.workers - len(self._running)

    def submit(self, key: int, fn: Job, payload: Any) -> None:
        self._running[self._task.remote(fn, self._shared, payload, key, self._mailbox)] = key

    def share(self, shared: Any) -> None:
        self._shared = self._ray.put(shared)
        self._ray.get(self._mailbox.clear.remote())

    def stop(self, key: int) -> None:
        self._mailbox.stop.remote(key)

    def cancel(self) -> None:
        self._mailbox.stop_all.remote()

    def poll(self, timeout_s: float) -> list[ExecutorEvent]:
        ray = self._ray
        done, _ = ray.wait(list(self._running), num_returns=1, timeout=timeout_s) if self._running else ([], [])
        if self._running and done:
            done, _ = ray.wait(list(self._running), num_returns=len(self._running), timeout=0)
        elif not self._running:
            time.sleep(timeout_s)
        events: list[ExecutorEvent] = [Emitted(key, item) for key, item in ray.get(self._mailbox.drain.remote())]
        for ref in done:
            key = self._running.pop(ref)
            try:
                events.append(Finished(key, ray.get(ref)))
            except ray.exceptions.RayTaskError as error:
                cause = error.cause if isinstance(error.cause, BaseException) else error
                failed = failure_message(cause)
                events.append(Failed(key, failed.message, failed.expected))
            except ray.exceptions.RayError as error:  # the worker died, the node was lost
                events.append(Failed(key, f"the Ray worker running it was lost ({type(error).__name__}); the other "
                                          "tasks go on", False))
        return events

    def close(self) -> None:
        self.cancel()
        for ref in list(self._running):
            self._ray.cancel(ref, force=True)
        self._running.clear()
        self._ray.kill(self._mailbox)


class _Mailbox:
    """The actor between tasks and driver: events one way, stop requests the other."""

    def __init__(self):
        self._events: list[tuple[int, Any]] = []
        self._stopped: set[int] = set()
        self._all = False

    def put(self, key: int, item: Any) -> None:
        self._events.append((key, item))

    def drain(self) -> list[tuple[int, Any]]:
        events, self._events = self._events, []
        return events

    def stop(self, key: int) -> None:
        self._stopped.add(key)

    def stop_all(self) -> None:
        self._all = True

    def clear(self) -> None:
        self._stopped, self._all = set(), False

    def stopped(self, key: int) -> bool:
        return self._all or key in self._stopped


def _run_task(fn: Job, shared: Any, payload: Any, key: int, mailbox) -> Any:
    """A Ray task: one thread, events to the mailbox, stop checks at most every _STOP_CHECK_S."""
    import ray

    one_thread()
    checked = {"at": 0.0, "stopped": False}

    def should_stop() -> bool:
        now = time.monotonic()
        if not checked["stopped"] and now - checked["at"] >= _STOP_CHECK_S:
            checked["at"], checked["stopped"] = now, ray.get(mailbox.stopped.remote(key))
        return checked["stopped"]

    return fn(shared, payload, JobContext(emit=lambda item: mailbox.put.remote(key, item), should_stop=should_stop))

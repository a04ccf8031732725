"""A backtest's (series, model) walks on an executor's workers at once, with the sequential run's results.

Each walk is one job; its fold and training events come back to the caller's on_event as they happen (with the
live equity of engine.pipeline), so live charts keep working. Every walk is the same function of the same
inputs as in engine.pipeline.run_backtest, so the results are identical.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import closing
from dataclasses import dataclass, replace

import pandas as pd

from engine.backtest import WalkForward, walk_forward
from engine.errors import WorkbenchError
from engine.experiments.executors import Execution, Executor, Failed, JobContext, run_jobs
from engine.runs import RunConfig


@dataclass(frozen=True)
class WalkJob:
    config: RunConfig
    ticker: str
    label: str


def run_walk(bars_by_ticker: Mapping[str, pd.DataFrame], job: WalkJob, context: JobContext) -> WalkForward:
    """One (series, model) walk on a worker; its events go back to the driver."""
    from engine.pipeline import walk_fitter

    config = job.config
    return walk_forward(job.ticker, bars_by_ticker[job.ticker], job.label, walk_fitter(config, job.label),
                        config.windows, config.walk_forward, on_event=context.emit, should_stop=context.should_stop)


def walk_in_parallel(config: RunConfig, bars_by_ticker: Mapping[str, pd.DataFrame], walks: list[tuple[str, str]],
                     execution: Execution | None, *, live: Callable[[str], Callable | None],
                     should_stop: Callable[[], bool] | None = None,
                     executor: Executor | None = None) -> list[WalkForward]:
    """The walks in their order, each as far as it got; those a cancel kept from starting (the last ones) are left
    out. A failed walk is a WorkbenchError. `executor`, a warm one lent by the caller (kept open), runs them instead
    of workers opened from `execution` for this call."""
    relays = {i: live(ticker) for i, (ticker, _) in enumerate(walks)}

    def relay(key: int, event) -> None:
        if relays[key] is not None:
            relays[key](event)

    jobs = {i: WalkJob(config, ticker, label) for i, (ticker, label) in enumerate(walks)}
    if executor is not None:
        executor.share(dict(bars_by_ticker))
        outcomes = run_jobs(executor, run_walk, jobs, on_emitted=relay, should_stop=should_stop)
    else:
        workers = min(execution.workers or len(jobs), len(jobs))
        with closing(replace(execution, workers=workers).open(dict(bars_by_ticker))) as opened:
            outcomes = run_jobs(opened, run_walk, jobs, on_emitted=relay, should_stop=should_stop)
    for key, outcome in sorted(outcomes.items()):
        if isinstance(outcome, Failed):
            ticker, label = walks[key]
            raise WorkbenchError(f"The walk of {label} on {ticker} failed: {outcome.message}")
    return [outcomes[key].value for key in sorted(outcomes)]


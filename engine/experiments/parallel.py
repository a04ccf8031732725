"""A backtest's (series, model) walks on an executor's workers at once, with the sequential run's results.

Each walk is one job; its fold and training events, and the live equity the worker trades after each fold
(engine.pipeline.with_live_equity), come back to the caller's on_event as they happen, so live charts keep working
while the caller's process only relays them. Every walk is the same function of the same
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
    live: bool  # whether to send the events at all, with the live equity after each fold


def run_walk(bars_by_ticker: Mapping[str, pd.DataFrame], job: WalkJob, context: JobContext) -> WalkForward:
    """One (series, model) walk on a worker; its events go back to the driver."""
    from engine.pipeline import walk_fitter, with_live_equity

    config, bars = job.config, bars_by_ticker[job.ticker]
    live = with_live_equity(context.emit, bars, config) if job.live else None
    return walk_forward(job.ticker, bars, job.label, walk_fitter(config, job.label), config.windows,
                        config.walk_forward, on_event=live, should_stop=context.should_stop)


def walk_in_parallel(config: RunConfig, bars_by_ticker: Mapping[str, pd.DataFrame], walks: list[tuple[str, str]],
                     execution: Execution | None, *, on_event: Callable | None = None,
                     should_stop: Callable[[], bool] | None = None,
                     executor: Executor | None = None) -> list[WalkForward]:
    """The walks in their order, each as far as it got; those a cancel kept from starting (the last ones) are left
    out. A failed walk is a WorkbenchError. `executor`, a warm one lent by the caller (kept open), runs them instead
    of workers opened from `execution` for this call."""
    jobs = {i: WalkJob(config, ticker, label, on_event is not None) for i, (ticker, label) in enumerate(walks)}
    relay = None if on_event is None else (lambda key, event: on_event(event))
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


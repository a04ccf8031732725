"""The search driver: it owns the Optuna study and its storage, asks for trials, runs them on an executor, feeds
their running objective to the pruner, tells their outcome, and finally walks the best over the hold-out.

Only the driver writes to the storage (Optuna's ask/tell), so one SQLite file serves a Ray cluster too.
Outcomes are told one at a time in the order the trials were asked, and with TPE trial k is asked right after
trial k - 2 · workers is told (then it waits for a worker): every ask sees the same history, so one --seed gives
one sequence of trials however the workers' timings fall (unless a pruning decision, taken on what has been told
by then, differs), and a slow trial does not leave the other workers idle. The random and grid samplers ignore
the history, so they get a new trial whenever a worker is free.
Qt-free: the CLI calls run() on its thread, the GUI on a worker thread, and either may call cancel().
"""
from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from contextlib import closing, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
from optuna.trial import TrialState

from engine.errors import WorkbenchError
from engine.experiments.executors import Emitted, Execution, Executor, Failed, Finished, default_workers, run_jobs
from engine.experiments.experiment import Experiment
from engine.experiments.holdout import HoldoutJob, holdout_cut, overfit_warning, run_holdout, search_bars
from engine.experiments.objective import Objective
from engine.experiments.trial import RunningObjective, SharedBars, TrialJob, TrialResult, run_trial
from engine.runs import RunConfig
from engine.sharpe_stats import deflated_sharpe_ratio

_COUNTED = ("COMPLETE", "PRUNED", "FAIL")  # states that use up the trial budget (an interrupted FAIL does not)
_INTERRUPTED = "interrupted: the search stopped before this trial finished (it is retried on resume)"
_LOOKAHEAD = 2  # with TPE, trials asked ahead of the told ones, in workers' worth (see _Scheduler)


# Events, for the CLI's progress lines and the GUI's Search tab.
@dataclass(frozen=True)
class SearchStarted:
    name: str
    storage: str
    cut: pd.Timestamp  # first hold-out date
    trials: int | None  # trials still to run (None: until the timeout)
    kept: int  # finished trials of an earlier session, kept
    retried: int  # interrupted trials of an earlier session, run again
    workers: int


@dataclass(frozen=True)
class TrialStarted:
    number: int
    params: dict


@dataclass(frozen=True)
class TrialProgress:
    number: int
    step: int  # folds done
    value: float  # running objective
    pruned: bool  # the pruner stopped it at this step


@dataclass(frozen=True)
class TrialFinished:
    number: int
    state: str  # COMPLETE, PRUNED or FAIL
    value: float | None
    duration_s: float
    message: str  # why it failed; "" otherwise


@dataclass(frozen=True)
class SearchProgress:
    done: int  # trials told this session
    total: int | None
    elapsed_s: float
    eta_s: float | None  # None until a trial has finished, or without a trial budget or timeout
    best_number: int | None
    best_value: float | None


@dataclass(frozen=True)
class HoldoutScored:
    rank: int
    number: int
    search_value: float
    holdout_value: float


@dataclass(frozen=True)
class SearchNotice:
    text: str  # something the user should know that stops nothing (the run store could not be written, ...)


SearchEvent = (SearchStarted | TrialStarted | TrialProgress | TrialFinished | SearchProgress | HoldoutScored
               | SearchNotice)


@dataclass(frozen=True)
class SearchOutcome:
    name: str
    storage: str
    objective: Objective
    cut: pd.Timestamp
    trials: pd.DataFrame  # trials_frame
    holdout: pd.DataFrame  # rank, parameters, search_value, holdout_value, hold-out metrics; empty when cancelled
    best_config: RunConfig | None
    deflated: pd.DataFrame  # per series: the best trial's per-period Sharpe and Deflated Sharpe over the trials
    warnings: tuple[str, ...] = ()
    cancelled: bool = False


def default_storage() -> str:
    """A SQLite study file next to the run store (optuna-dashboard opens it by this URL)."""
    from engine.store import default_store_path

    return f"sqlite:///{default_store_path().with_name('studies.sqlite')}"


def open_storage(url: str, *, timeout_s: float = 10.0):
    """Optuna's RDB storage at a SQLAlchemy URL; a locked, unreadable or unreachable one is a WorkbenchError."""
    kwargs = {"connect_args": {"timeout": timeout_s}} if url.startswith("sqlite") else {}
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        return optuna.storages.RDBStorage(url, engine_kwargs=kwargs)
    except Exception as error:  # SQLAlchemy's, the driver's and Optuna's own errors alike
        raise storage_error(url, error) from None


def storage_error(url: str, error: BaseException) -> WorkbenchError:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    if "locked" in text:
        return WorkbenchError(f"The study storage {url} is locked by another program (another search writing to "
                              "it?): wait until it finishes, or give this search its own --storage.")
    return WorkbenchError(f"Cannot use the study storage {url} ({text}): check the URL (sqlite:///path/studies.sqlite "
                          "or postgresql://user:password@host/database) and that it holds Optuna studies, or choose "
                          "another --storage.")


def stored_experiment(name: str, storage: str | None = None) -> tuple[Experiment, dict]:
    """The experiment of a stored study and its user attributes (e.g. "out"), for `search resume`."""
    url = storage or default_storage()
    try:
        study = optuna.load_study(study_name=name, storage=open_storage(url))
    except KeyError:
        raise WorkbenchError(f"There is no study {name!r} in {url}: check the name (optuna-dashboard {url} lists "
                             "them) and --storage.") from None
    if "experiment" not in study.user_attrs:
        raise WorkbenchError(f"The study {name!r} in {url} was not created by 'main.py search': it cannot be resumed "
                             "here.")
    return Experiment.from_dict(study.user_attrs["experiment"]), dict(study.user_attrs)


class SearchDriver:
    """Runs an experiment: `run()` returns a SearchOutcome; `cancel()` (any thread) stops every worker within a
    batch and keeps what finished. `on_event` receives the SearchEvents, on the thread that called run()."""

    def __init__(self, experiment: Experiment, bars_by_ticker: Mapping[str, pd.DataFrame], *, name: str,
                 storage: str | None = None, execution: Execution = Execution(), resume: bool = False,
                 store_trials: bool = True, store_path: Path | None = None,
                 on_event: Callable[[SearchEvent], None] | None = None, storage_timeout_s: float = 10.0,
                 user_attrs: Mapping | None = None, executor: Executor | None = None):
        self.experiment = experiment
        self.name = name
        self.storage = storage or default_storage()
        self._bars = dict(bars_by_ticker)
        self._execution = execution
        self._resume = resume
        self._store_trials = store_trials
        self._store_path = store_path
        self._on_event = on_event or (lambda event: None)
        self._live: dict[int, dict] = {}  # this session's trials as the events told them, for live_trials()
        self._lock = threading.Lock()
        self._storage_timeout_s = storage_timeout_s
        self._user_attrs = dict(user_attrs or {})
        self._cancelled = False
        self._pool = executor  # a warm executor lent by the caller (kept open), else one opened per run
        self._executor: Executor | None = None
        self._study = None

    @property
    def executor(self) -> Executor | None:
        """The executor while trials run (the fault tests kill its workers), else None."""
        return self._executor

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        """Stop every running trial at its next batch; no new trial starts and the hold-out is skipped."""
        self._cancelled = True
        if self._executor is not None:
            self._executor.cancel()

    def run(self) -> SearchOutcome:
        from engine.store import data_fingerprint

        experiment, objective = self.experiment, self.experiment.objective_of
        cut = holdout_cut(self._bars, experiment.holdout)
        search = search_bars(self._bars, cut, experiment.base)
        shared = SharedBars(search, data_fingerprint(search))
        try:
            self._study = study = self._open_study(objective)
            kept, retried = self._retry_interrupted(study) if self._resume else (0, 0)
            to_run = self._to_run(study)
            self._emit(SearchStarted(self.name, self.storage, cut, to_run, kept, retried,
                                     self._execution.workers or default_workers()))
            with self._opened(shared) as executor:
                self._executor = executor
                if not self._cancelled and (to_run is None or to_run > 0):
                    _Scheduler(self, study, executor, shared, to_run).run()
                trials = self.trials_frame()
                if self._cancelled:
                    return SearchOutcome(self.name, self.storage, objective, cut, trials, pd.DataFrame(), None,
                                         pd.DataFrame(), (), cancelled=True)
                executor.share(SharedBars(self._bars, data_fingerprint(self._bars)))  # every trial is told by now
                holdout, warnings = self._holdout(study, objective, cut, executor)
        except WorkbenchError:
            raise
        except Exception as error:
            if type(error).__module__.startswith("sqlalchemy"):
                raise storage_error(self.storage, error) from None
            raise
        finally:
            self._executor = None
        best = self._ranked(study)[:1]
        return SearchOutcome(self.name, self.storage, objective, cut, trials, holdout,
                             experiment.config_of(best[0].params) if best else None, _deflated(study, best),
                             tuple(warnings), cancelled=self._cancelled)

    def live_trials(self) -> pd.DataFrame:
        """This session's trials so far, safe to call from any thread while run() works: number, state (RUNNING,
        then COMPLETE, PRUNED or FAIL), the parameters, step (folds done), value (the running objective, then the
        final one), duration_s, message."""
        names = list(self.experiment.search_space.names)
        with self._lock:
            rows = [dict(row) for row in self._live.values()]
        return pd.DataFrame(rows, columns=["number", "state", *names, "step", "value", "duration_s", "message"])

    def _emit(self, event: SearchEvent) -> None:
        with self._lock:
            if isinstance(event, TrialStarted):
                self._live[event.number] = {"number": event.number, "state": "RUNNING", **event.params, "step": 0,
                                            "value": math.nan, "duration_s": math.nan, "message": ""}
            elif isinstance(event, TrialProgress):
                self._live[event.number].update(step=event.step, value=event.value)
            elif isinstance(event, TrialFinished):
                row = self._live.setdefault(event.number, {"number": event.number, "step": 0})  # never started
                row.update(state=event.state, duration_s=event.duration_s, message=event.message,
                           value=math.nan if event.value is None else event.value)
        self._on_event(event)

    def _opened(self, shared: SharedBars):
        """The executor of this run holding `shared`: the lent one (left open) or a new one (closed after)."""
        if self._pool is None:
            return closing(self._execution.open(shared))
        self._pool.share(shared)
        return nullcontext(self._pool)

    def trials_frame(self) -> pd.DataFrame:
        """One row per trial: number, state, one column per parameter, value, duration_s, started, message."""
        names = list(self.experiment.search_space.names)
        rows = []
        for trial in self._study.get_trials(deepcopy=False) if self._study is not None else []:
            if trial.state.name == "WAITING":
                continue
            elapsed = (trial.datetime_complete - trial.datetime_start).total_seconds() if (
                trial.datetime_complete and trial.datetime_start) else math.nan
            rows.append({"number": trial.number, "state": trial.state.name,
                         **{name: trial.params.get(name) for name in names},
                         "value": trial.value if trial.value is not None else math.nan,
                         "duration_s": trial.user_attrs.get("duration_s", elapsed),
                         "started": trial.datetime_start.isoformat(timespec="seconds") if trial.datetime_start else "",
                         "message": trial.user_attrs.get("message", "")})
        return pd.DataFrame(rows, columns=["number", "state", *names, "value", "duration_s", "started", "message"])

    def _open_study(self, objective: Objective):
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        storage = open_storage(self.storage, timeout_s=self._storage_timeout_s)
        existing = set(optuna.study.get_all_study_names(storage))
        if self._resume and self.name not in existing:
            raise WorkbenchError(f"There is no study {self.name!r} in {self.storage} to resume: check the name and "
                                 "--storage.")
        if not self._resume and self.name in existing:
            raise WorkbenchError(f"A study named {self.name!r} already exists in {self.storage}: continue it with "
                                 f"'main.py search resume {self.name}', or choose another --name.")
        offset = len(storage.get_all_trials(storage.get_study_id_from_name(self.name))) if self._resume else 0
        study = optuna.create_study(storage=storage, study_name=self.name, direction=objective.direction,
                                    sampler=self._sampler(self.experiment.seed + offset),
                                    pruner=self._pruner(), load_if_exists=self._resume)
        if not self._resume:
            study.set_user_attr("experiment", self.experiment.to_dict())
            for key, value in self._user_attrs.items():
                study.set_user_attr(key, value)
        return study

    def _sampler(self, seed: int):
        samplers = optuna.samplers
        if self.experiment.sampler == "grid":
            return _GridSampler(self.experiment.search_space.grid(), seed=seed)
        return samplers.RandomSampler(seed=seed) if self.experiment.sampler == "random" else \
            samplers.TPESampler(seed=seed)

    def _pruner(self):
        pruners = optuna.pruners
        return {"median": lambda: pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1),
                "halving": pruners.SuccessiveHalvingPruner, "none": pruners.NopPruner}[self.experiment.pruner]()

    def _retry_interrupted(self, study) -> tuple[int, int]:
        """Mark the trials an earlier session left running as failed, and queue every interrupted one again (a
        resumed study has no other driver: one driver owns a study at a time). Returns (kept, retried)."""
        retried = 0
        for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            _set(study, trial, "message", _INTERRUPTED)
            _set(study, trial, "interrupted", True)
            study.tell(trial.number, state=TrialState.FAIL)
        trials = study.get_trials(deepcopy=False)
        queued = {t.user_attrs.get("retry_of") for t in trials}
        for trial in trials:
            if trial.state == TrialState.FAIL and trial.user_attrs.get("interrupted") and trial.number not in queued:
                study.enqueue_trial(trial.params, user_attrs={"retry_of": trial.number})
                retried += 1
        return _counted(study), retried

    def _to_run(self, study) -> int | None:
        target = self.experiment.trials
        if self.experiment.sampler == "grid":
            target = min(target or math.inf, self.experiment.search_space.grid_size())
        return None if target is None else max(0, int(target) - _counted(study))

    def _ranked(self, study) -> list:
        objective = self.experiment.objective_of
        complete = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
                    if t.value is not None and math.isfinite(t.value)]
        return sorted(complete, key=lambda t: -t.value if objective.direction == "maximize" else t.value)

    def _holdout(self, study, objective: Objective, cut: pd.Timestamp,
                 executor: Executor) -> tuple[pd.DataFrame, list[str]]:
        """Walk the top-k configurations over every bar once and score them from the cut on."""
        experiment = self.experiment
        best = self._ranked(study)[:experiment.top_k]
        if not best:
            return pd.DataFrame(), ["No trial completed, so there is no configuration to test on the hold-out."]
        jobs = {rank: HoldoutJob(rank, trial.number, experiment.config_of(trial.params), experiment.seeds_per_trial,
                                 objective, cut) for rank, trial in enumerate(best, start=1)}
        outcomes = run_jobs(executor, run_holdout, jobs, should_stop=lambda: self._cancelled)
        rows, warnings = [], []
        for rank, trial in enumerate(best, start=1):
            outcome = outcomes.get(rank)
            score = outcome.value if isinstance(outcome, Finished) else None
            if isinstance(outcome, Failed):
                warnings.append(f"Configuration {rank} (trial {trial.number}) failed on the hold-out: "
                                f"{outcome.message}")
            holdout_value = score.value if score is not None else math.nan
            self._emit(HoldoutScored(rank, trial.number, trial.value, holdout_value))
            if text := overfit_warning(objective, rank, trial.value, holdout_value):
                warnings.append(text)
            rows.append({"rank": rank, "number": trial.number, **trial.params, "search_value": trial.value,
                         "holdout_value": holdout_value, **(score.metrics if score is not None else {})})
        return pd.DataFrame(rows), warnings


class _Scheduler:
    """The ask/run/tell loop of one session of a study."""

    def __init__(self, driver: SearchDriver, study, executor: Executor, shared: SharedBars, to_run: int | None):
        self.driver, self.study, self.executor, self.shared = driver, study, executor, shared
        self.to_run = to_run
        self.experiment = driver.experiment
        self.workers = min(driver._execution.workers or executor.workers, executor.workers)  # trials at a time
        # TPE reads the history: trial k is asked right after trial k - LOOKAHEAD · workers is told and waits for a
        # worker, so every ask sees the same history however long the trials take. Random and grid do not read it.
        self.lookahead = None if self.experiment.sampler in ("random", "grid") else _LOOKAHEAD * self.workers
        self.distributions = self.experiment.search_space.distributions()
        timeout = self.experiment.timeout_min
        self.started = time.monotonic()
        self.deadline = None if timeout is None else self.started + timeout * 60
        self.asked = 0
        self.told = 0
        self.order: deque[int] = deque()  # numbers asked and not yet told, in ask order
        self.waiting: deque[tuple[int, TrialJob]] = deque()  # asked, not yet given to a worker
        self.running: set[int] = set()  # given to a worker, no outcome yet
        self.trials: dict[int, object] = {}  # number → optuna Trial
        self.submitted: dict[int, float] = {}  # number → when a worker got it
        self.outcomes: dict[int, tuple] = {}  # number → (state, value, message, result), waiting for its turn
        self.pruned: set[int] = set()
        self.store_broken = False

    def run(self) -> None:
        """Ask whenever allowed, start what waits on a free worker, tell one outcome at a time (so each ask sees a
        fixed history), else wait for the workers."""
        try:
            while True:
                if self._may_ask():
                    self._ask()
                elif self.waiting and len(self.running) < self.workers:
                    self._submit(*self.waiting.popleft())
                elif self.order and self.order[0] in self.outcomes:
                    self._tell(self.order.popleft())
                elif not self.order:
                    return
                else:
                    for event in self.executor.poll(0.2):
                        self._handle(event)
        finally:
            self._tell_untold()

    def _may_ask(self) -> bool:
        if self.lookahead is None:
            room = not self.waiting and len(self.running) < self.workers
        else:
            room = len(self.order) < self.lookahead
        return (room and not self.driver.cancelled and (self.to_run is None or self.asked < self.to_run)
                and (self.deadline is None or time.monotonic() < self.deadline))

    def _ask(self) -> None:
        trial = self.study.ask(self.distributions)
        self.asked += 1
        self.order.append(trial.number)
        self.trials[trial.number] = trial
        try:
            config = self.experiment.config_of(trial.params)
        except WorkbenchError as error:
            self.outcomes[trial.number] = ("FAIL", None, f"the configuration was refused: {error}", None)
            return
        self.waiting.append((trial.number, TrialJob(trial.number, config, self.experiment.seeds_per_trial,
                                                    self.experiment.objective_of, self.shared.fingerprint,
                                                    keep_tables=self.experiment.keep_tables)))

    def _submit(self, number: int, job: TrialJob) -> None:
        self.running.add(number)
        self.submitted[number] = time.monotonic()
        self.driver._emit(TrialStarted(number, dict(self.trials[number].params)))
        self.executor.submit(number, run_trial, job)

    def _handle(self, event) -> None:
        number = event.key
        if not isinstance(event, Emitted):
            self.running.discard(number)
        if isinstance(event, Emitted) and isinstance(event.item, RunningObjective):
            self._report(number, event.item)
        elif isinstance(event, Finished):
            result: TrialResult | None = event.value
            if result is None:  # stopped: by the pruner, or cancelled
                self.outcomes[number] = ("PRUNED", None, "", None) if number in self.pruned else (
                    "FAIL", None, _INTERRUPTED, None)
            elif not math.isfinite(result.value):
                self.outcomes[number] = ("FAIL", None, f"{self.experiment.objective_of.metric} is undefined for "
                                                       "every series (e.g. no trades)", result)
            else:
                self.outcomes[number] = ("COMPLETE", result.value, "", result)
        elif isinstance(event, Failed):
            self.outcomes[number] = ("FAIL", None, event.message, None)

    def _report(self, number: int, running: RunningObjective) -> None:
        trial = self.trials[number]
        pruned = False
        if math.isfinite(running.value) and number not in self.pruned:
            trial.report(running.value, running.step)
            if trial.should_prune():
                self.pruned.add(number)
                self.executor.stop(number)
                pruned = True
        self.driver._emit(TrialProgress(number, running.step, running.value, pruned))

    def _tell_untold(self) -> None:
        """On the way out (cancelled, interrupted, an error): what finished is told, the rest marked interrupted."""
        while self.order:
            number = self.order.popleft()
            self.outcomes.setdefault(number, ("FAIL", None, _INTERRUPTED, None))
            self._tell(number)

    def _tell(self, number: int) -> None:
        state, value, message, result = self.outcomes.pop(number)
        trial = self.trials.pop(number)
        duration = time.monotonic() - self.submitted.pop(number, time.monotonic())
        trial.set_user_attr("duration_s", round(duration, 3))
        if message:
            trial.set_user_attr("message", message)
            trial.set_user_attr("interrupted", message == _INTERRUPTED)
        if state == "COMPLETE":
            trial.set_user_attr("returns", result.returns)
            self.study.tell(trial, value)
            self._store(number, self.experiment.config_of(trial.params), result)
        else:
            self.study.tell(trial, state=TrialState[state])
        self.told += 1
        self.driver._emit(TrialFinished(number, state, value, duration, message))
        self.driver._emit(self._progress())

    def _progress(self) -> SearchProgress:
        elapsed = time.monotonic() - self.started
        eta = None
        if self.to_run is not None and self.told:
            eta = elapsed / self.told * (self.to_run - self.told)
        if self.deadline is not None:
            left = max(0.0, self.deadline - time.monotonic())
            eta = left if eta is None else min(eta, left)
        best = self.driver._ranked(self.study)[:1]
        return SearchProgress(self.told, self.to_run, elapsed, eta, best[0].number if best else None,
                              best[0].value if best else None)

    def _store(self, number: int, config: RunConfig, result: TrialResult) -> None:
        """Each seed's result in the run store (light unless keep_tables), so Compare lists the trial."""
        from engine.store import RunStore

        if not self.driver._store_trials or self.store_broken:
            return
        try:
            with RunStore(self.driver._store_path) as store:
                for seed, seeded in result.results:
                    store.save(replace(config, training=replace(config.training, seed=seed)), seeded,
                               fingerprint=result.fingerprint, name=f"search {self.driver.name} · trial {number}")
        except WorkbenchError as error:
            self.store_broken = True
            self.driver._emit(SearchNotice(f"Trials are no longer stored in the run store ({error}); the study "
                                           "keeps every trial."))


class _GridSampler(optuna.samplers.GridSampler):
    """Optuna's grid, without its study.stop() once every point is visited: that works only inside study.optimize,
    and the driver stops after the grid's size in trials by itself."""

    def after_trial(self, study, trial, state, values) -> None:
        pass


def _deflated(study, best: list) -> pd.DataFrame:
    """Per series: the best trial's per-period Sharpe and its Deflated Sharpe, N = the trials tried (complete and
    pruned), the spread of Sharpe ratios from the complete ones."""
    columns = ["ticker", "trial", "Sharpe (per period)", "trials", "expected max Sharpe", "DSR"]
    if not best:
        return pd.DataFrame(columns=columns)
    tried = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED)))
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    rows = []
    for ticker, returns in best[0].user_attrs.get("returns", {}).items():
        sharpes = [_per_period_sharpe(t.user_attrs.get("returns", {}).get(ticker, [])) for t in complete]
        deflated = deflated_sharpe_ratio(np.asarray(returns), sharpes, tried)
        rows.append({"ticker": ticker, "trial": best[0].number, "Sharpe (per period)": _per_period_sharpe(returns),
                     "trials": tried, "expected max Sharpe": deflated.expected_max_sharpe, "DSR": deflated.dsr})
    return pd.DataFrame(rows, columns=columns)


def _per_period_sharpe(returns) -> float:
    returns = np.asarray(returns, dtype=np.float64)
    returns = returns[np.isfinite(returns)]
    if len(returns) < 2 or np.ptp(returns) == 0:
        return math.nan
    return float(returns.mean() / returns.std(ddof=1))


def _counted(study) -> int:
    return sum(1 for t in study.get_trials(deepcopy=False) if t.state.name in _COUNTED
               and not t.user_attrs.get("interrupted"))


def _set(study, trial, key: str, value) -> None:
    """A user attribute on a trial another session created (Optuna's public API sets them only on its own)."""
    study._storage.set_trial_user_attr(trial._trial_id, key, value)

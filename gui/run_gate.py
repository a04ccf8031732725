"""What stops Train and Train & Backtest, worked out without Qt from the panels, the loaded series and the engine.

Order: wrong values first, then series that could not load, then series too short for these settings
(or, for Train, of different bar intervals), then the engine still loading or broken.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engine.errors import WorkbenchError
from gui.events import PreviewRequest, PreviewResult

LOADING = "Loading the training engine (PyTorch)…"  # the problem that only waiting solves


@dataclass(frozen=True)
class Gate:
    """The problems of the current settings: `problems` stop both kinds of run, `train`/`backtest` one each."""

    problems: tuple[str, ...]
    train: tuple[str, ...]  # problems + what stops Train only
    backtest: tuple[str, ...]  # problems + what stops Train & Backtest only

    def reason(self) -> tuple[str, bool] | None:
        """The line under the buttons, and whether it only asks to wait; None when nothing stops a run."""
        if self.problems:
            more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
            return self.problems[0] + more, self.problems == (LOADING,)
        if self.train or self.backtest:
            return "\n".join([*(f"Train: {p}" for p in self.train),
                              *(f"Train & Backtest: {p}" for p in self.backtest)]), False
        return None

    def train_tip(self, running: bool) -> str:
        if self.train:
            return "Train is off until these are fixed:\n• " + "\n• ".join(self.train)
        return "Queue this run after the current one (Ctrl+R)" if running else "Train the ticked models (Ctrl+R)"

    def backtest_tip(self, running: bool) -> str:
        if self.backtest:
            return "Train & Backtest is off until these are fixed:\n• " + "\n• ".join(self.backtest)
        return ("Queue this backtest after the current run (Ctrl+B)" if running else
                "Walk the ticked models forward and trade their forecasts (Ctrl+B)")


def current_preview(preview: PreviewResult | None, request: PreviewRequest) -> PreviewResult | None:
    """The loaded series, if they are the ones the Data panel now lists (else a newer preview is loading)."""
    return preview if preview is not None and preview.request == request else None


def check(panel_errors: list[str], preview: PreviewResult | None, build_config: Callable[[], object],
          engine_problem: str | None) -> Gate:
    """`preview`: the current one (current_preview) or None; `build_config`: the panels' RunConfig, raising
    WorkbenchError or ValueError on a wrong value; `engine_problem`: None once the engine has loaded."""
    from engine.pooling import interval_problem
    from engine.preflight import size_problem

    problems = [*panel_errors, *_load_failures(preview)]
    train_only: list[str] = []
    backtest_only: list[str] = []
    if not problems:
        try:
            config = build_config()
        except (WorkbenchError, ValueError) as error:
            problems.append(str(error))
        else:
            dates = {series.name: series.frame.index for series in preview.series} if preview else {}
            train_only = [p for p in (interval_problem(dates), size_problem(config, dates, walk_forward=False)) if p]
            backtest_only = [p for p in (size_problem(config, dates, walk_forward=True),) if p]
    if engine_problem:
        problems.append(engine_problem)
    return Gate(tuple(problems), (*problems, *train_only), (*problems, *backtest_only))


def _load_failures(preview: PreviewResult | None) -> list[str]:
    """The ticked series that the Data tab could not load: a run would fail on them too."""
    return [f"{name} could not be loaded (the Data panel says why): untick or remove it, or fix the source."
            for name, _ in (preview.failures if preview else ())]

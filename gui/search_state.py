"""What a search has reported so far, kept Qt-free for the Search tab to draw: its trials as they start, run and
finish, the best value after each told trial, the importances, the overall progress and, at the end, the outcome.

Every number here is the engine's (the driver's events and SearchOutcome); this only files them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class TrialRow:
    number: int
    params: dict
    state: str = "RUNNING"
    value: float = math.nan  # the running objective while it runs, then the final one
    step: int = 0  # folds done
    duration_s: float = math.nan
    message: str = ""


@dataclass
class SearchState:
    names: tuple[str, ...] = ()  # the searched parameters, in the space's order
    trials: dict[int, TrialRow] = field(default_factory=dict)
    best: list[tuple[int, float]] = field(default_factory=list)  # (last told trial, best value so far)
    progress: object | None = None  # the last SearchProgress
    started: object | None = None  # SearchStarted
    importances: object | None = None  # gui.events.Importances
    holdout: list = field(default_factory=list)  # HoldoutScored, as they come
    outcome: object | None = None  # SearchOutcome, once it ended
    notices: list[str] = field(default_factory=list)
    version: int = 0  # bumped by every change, so a view redraws only what changed since it last looked

    def apply(self, event) -> None:
        """File one event of the search task (engine.experiments.study's events, gui.events.Importances)."""
        handler = getattr(self, f"_on_{type(event).__name__}", None)
        if handler is not None:
            handler(event)
            self.version += 1

    def finish(self, outcome) -> None:
        """The final word: the stored trials (states and values as told) replace the live ones."""
        self.outcome = outcome
        for row in outcome.trials.to_dict("records"):
            trial = self.trials.setdefault(row["number"], TrialRow(row["number"], {}))
            trial.params = {name: row[name] for name in self.names}
            trial.state, trial.value, trial.duration_s = row["state"], row["value"], row["duration_s"]
            trial.message = row["message"]
        self.version += 1

    def finished(self) -> list[TrialRow]:
        return [t for t in self.ordered() if t.state == "COMPLETE" and math.isfinite(t.value)]

    def ordered(self) -> list[TrialRow]:
        return [self.trials[n] for n in sorted(self.trials)]

    def _on_SearchStarted(self, event) -> None:
        self.started = event

    def _on_TrialStarted(self, event) -> None:
        self.trials[event.number] = TrialRow(event.number, dict(event.params))

    def _on_TrialProgress(self, event) -> None:
        row = self.trials[event.number]
        row.step, row.value = event.step, event.value
        if event.pruned:
            row.state = "PRUNING"

    def _on_TrialFinished(self, event) -> None:
        row = self.trials[event.number]
        row.state, row.duration_s, row.message = event.state, event.duration_s, event.message
        row.value = math.nan if event.value is None else event.value

    def _on_SearchProgress(self, event) -> None:
        self.progress = event
        told = max((t.number for t in self.trials.values() if t.state in ("COMPLETE", "PRUNED", "FAIL")),
                   default=None)
        if told is not None and event.best_value is not None:
            self.best.append((told, event.best_value))

    def _on_Importances(self, event) -> None:
        self.importances = event

    def _on_HoldoutScored(self, event) -> None:
        self.holdout.append(event)

    def _on_SearchNotice(self, event) -> None:
        self.notices.append(event.text)

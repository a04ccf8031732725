"""The Search tab's settings beside the space: objective, budget, seeds, hold-out, top-k, sampler, pruner and
where the trials run. The choices (objectives, samplers, pruners) and every check are the engine's: experiment()
builds the engine's Experiment exactly as `main.py search` does, so its message is the one shown."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from engine.experiments.experiment import PRUNERS, SAMPLERS, Experiment
from engine.experiments.objective import OBJECTIVES, objective_for
from engine.runs import RunConfig
from gui.panels.forms import Form, combo, double_spin, read, spin, write

_DEFAULTS = Experiment.__dataclass_fields__
_DIRECTION = {"maximize": "higher is better", "minimize": "lower is better"}
_EXECUTORS = {"local": "Local worker processes", "ray": "Ray cluster"}


class SearchSettings(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.form = form = Form(label_width=110)
        form.add("objective", "Objective", combo(sorted(OBJECTIVES), _DEFAULTS["objective"].default,
                                                 labels={k: f"{OBJECTIVES[k]} ({k})" for k in OBJECTIVES}),
                 "The leaderboard metric the search optimises, averaged over the series and seeds of a trial at "
                 "the run's first horizon, in the direction the metric rules call better.")
        self.direction = QLabel()
        self.direction.setProperty("role", "muted")
        form.layout_.addRow("", self.direction)
        form.add("trials", "Trials", spin(0, 100_000, 20, special="no limit"),
                 "How many trials to run; 'no limit' runs until the wall-time budget. A grid runs each point once.")
        form.add("timeout_min", "Wall time (min)", double_spin(0, 100_000, 0, step=5, decimals=1),
                 "Stop asking for trials after this many minutes (0: no limit); the running ones finish.")
        form.add("seeds_per_trial", "Seeds per trial", spin(1, 100, _DEFAULTS["seeds_per_trial"].default),
                 "Training seeds each trial is averaged over: more seeds, fewer lucky draws, more time.")
        form.add("holdout", "Hold-out share", double_spin(0.01, 0.95, _DEFAULTS["holdout"].default),
                 "Share of the most recent dates no trial sees; the best configurations are scored on it at the end.")
        form.add("top_k", "Top-k on hold-out", spin(1, 100, _DEFAULTS["top_k"].default),
                 "How many of the best configurations walk over the hold-out.")
        form.add("sampler", "Sampler", combo(SAMPLERS, _DEFAULTS["sampler"].default),
                 "tpe learns from the trials so far; random samples blindly; grid visits every point (each range "
                 "needs a step).")
        form.add("pruner", "Pruner", combo(PRUNERS, _DEFAULTS["pruner"].default),
                 "Stop a bad trial early on its running objective after each fold.")
        form.add("seed", "Sampler seed", spin(0, 2**31 - 1, _DEFAULTS["seed"].default),
                 "One seed gives one sequence of trials (the training seed is the Run panel's).")
        form.add("executor", "Run trials on", combo(_EXECUTORS, "local", labels=_EXECUTORS),
                 "Worker processes on this machine, or tasks on a Ray cluster.")
        form.add("workers", "Workers", spin(0, 512, 0, special="one per core"),
                 "Trials at a time.")
        form.add("ray_address", "Ray address", QLineEdit(),
                 "The Ray head to join, host:port or ray://host:port; empty or 'local' starts Ray here.")
        form.add("name", "Study name", QLineEdit(), "The study's name in the study storage; empty: search-DATE-TIME.")
        form.fields["ray_address"].setPlaceholderText("local")
        form.fields["name"].setPlaceholderText("search-DATE-TIME")
        form.sigChanged.connect(self._follow)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(form)
        self._follow()

    def experiment(self, base: RunConfig, space: str) -> Experiment:
        """The engine's Experiment of `base` (its models' architectures are the arch choices) and `space`."""
        values = {name: read(widget) for name, widget in self.form.fields.items()}
        return Experiment(base, space, tuple(m.arch for m in base.models), values["objective"], None,
                          values["trials"] or None, values["timeout_min"] or None, values["seeds_per_trial"],
                          values["holdout"], values["top_k"], values["sampler"], values["pruner"], values["seed"])

    def execution(self):
        from engine.experiments.executors import Execution

        fields = self.form.fields
        ray = read(fields["executor"]) == "ray"
        return Execution(read(fields["executor"]), read(fields["workers"]) or None,
                         (read(fields["ray_address"]).strip() or None) if ray else None)

    def name(self) -> str:
        return read(self.form.fields["name"]).strip()

    def set_value(self, name: str, value) -> None:
        write(self.form.fields[name], value)

    def _follow(self) -> None:
        """Show the objective's direction; the Ray address only for Ray."""
        self.direction.setText(_DIRECTION[objective_for(read(self.form.fields["objective"])).direction])
        self.form.fields["ray_address"].setEnabled(read(self.form.fields["executor"]) == "ray")

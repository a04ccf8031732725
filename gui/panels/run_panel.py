"""The Run panel: what to predict, how the bars become windows and splits, and how the models train.

Every value is checked by building the engine's own WindowConfig / TrainConfig, so the panel
shows exactly the engine's message under the field that causes it.
"""
from __future__ import annotations

from dataclasses import fields
from typing import get_args

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.device import DeviceChoice
from engine.errors import WorkbenchError
from engine.features import FEATURES, TARGETS
from engine.train import OptimizerName, TrainConfig
from engine.windows import ScalerKind, WindowConfig
from gui.panels.forms import (
    Form,
    combo,
    double_spin,
    parse_float,
    parse_ints,
    read,
    spin,
    write,
)
from models import HELP

_WINDOW_FIELDS = {f.name for f in fields(WindowConfig)}
_TRAIN_FIELDS = {f.name for f in fields(TrainConfig)}

# Help for the settings models.HELP does not cover yet.
_MORE_HELP = {
    "target": "What the models predict at each horizon. " + " ".join(f"'{k}': {v}" for k, v in TARGETS.items()),
    "features": "The columns each bar contributes to a window. " + " ".join(f"'{k}': {v}" for k, v in FEATURES.items()),
    "val_fraction": ("Share of the bars, right after the training bars, used to pick the best epoch and to stop "
                     "early. The models never train on them."),
    "test_fraction": ("Share of the most recent bars held back until the end, to measure each model on data it "
                      "never saw. Validation and test together may take at most 80% of the bars."),
    "scaler": ("How inputs and targets are rescaled before training, fitted on each series' training bars only: "
               "'standard' to mean 0 and spread 1, 'minmax' to the range 0..1, 'none' keeps raw values (prices in "
               "the thousands make training slow and unstable)."),
    "seed": "Starting point of the random numbers (initial weights, batch order). The same seed and settings "
            "train the same model again.",
    "device": "Where training runs. 'auto' picks a CUDA GPU, then an Apple GPU, then the CPU.",
    "lr_patience": "Epochs without validation improvement before the learning rate is cut by the factor below. "
                   "0 turns the cuts off.",
    "lr_factor": "What each learning-rate cut multiplies the learning rate by: 0.5 halves it.",
}


class FeaturePicker(QToolButton):
    """A drop-down of checkable features; the button says how many are on."""

    sigChanged = Signal()

    def __init__(self, selected: tuple[str, ...], parent: QWidget | None = None):
        super().__init__(parent)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        self._actions: dict[str, QAction] = {}
        for name, description in FEATURES.items():
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(name in selected)
            action.setToolTip(description)
            action.toggled.connect(self._changed)
            self._actions[name] = action
        self.setMenu(menu)
        self._changed()

    def value(self) -> tuple[str, ...]:
        return tuple(name for name, action in self._actions.items() if action.isChecked())

    def set_value(self, names) -> None:
        for name, action in self._actions.items():
            action.blockSignals(True)
            action.setChecked(name in names)
            action.blockSignals(False)
        self._changed()

    def _changed(self) -> None:
        chosen = self.value()
        self.setText(f"{len(chosen)} of {len(self._actions)} selected")
        self.sigChanged.emit()


class RunPanel(QWidget):
    sigChanged = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        w, t = WindowConfig(), TrainConfig()
        self.prediction = Form()
        self.prediction.add("target", "Target", combo(TARGETS, w.target, TARGETS), _help("target"))
        self.prediction.add("horizons", "Horizons (bars)", QLineEdit(", ".join(map(str, w.horizons))), _help("horizons"))
        self.prediction.add("window", "Window (bars)", spin(0, 100_000, w.window), _help("window"))
        self.prediction.add("features", "Features", FeaturePicker(w.features), _help("features"))
        self.split = Form()
        self.split.add("val_fraction", "Validation share", double_spin(0, 0.95, w.val_fraction), _help("val_fraction"))
        self.split.add("test_fraction", "Test share", double_spin(0, 0.95, w.test_fraction), _help("test_fraction"))
        self.split.add("scaler", "Scaler", combo(get_args(ScalerKind), w.scaler), _help("scaler"))
        self.training = Form()
        self.training.add("optimizer", "Optimizer", combo(get_args(OptimizerName), t.optimizer), _help("optimizer"))
        self.training.add("learning_rate", "Learning rate", QLineEdit(f"{t.learning_rate:g}"), _help("learning_rate"))
        self.training.add("batch_size", "Batch size", spin(0, 1_000_000, t.batch_size), _help("batch_size"))
        self.training.add("epochs", "Epochs", spin(0, 100_000, t.epochs), _help("epochs"))
        self.training.add("patience", "Patience (epochs)", spin(0, 10_000, t.patience, special="off"), _help("patience"))
        self.training.add("seed", "Seed", spin(0, 2**31 - 1, t.seed), _help("seed"))
        self.training.add("device", "Device", combo(get_args(DeviceChoice), t.device), _help("device"))
        self.advanced = Form()
        self.advanced.add("momentum", "Momentum", double_spin(0, 0.999, t.momentum, decimals=3), _help("momentum"))
        self.advanced.add("lr_patience", "LR cut patience", spin(0, 10_000, t.lr_patience, special="off"),
                          _help("lr_patience"))
        self.advanced.add("lr_factor", "LR cut factor", double_spin(0, 1, t.lr_factor), _help("lr_factor"))
        self.advanced.add("grad_clip", "Gradient clip", double_spin(0, 1000, t.grad_clip, step=0.1), _help("grad_clip"))
        self.advanced.add("l1", "L1 penalty", QLineEdit(f"{t.l1:g}"), _help("l1"))
        self.advanced.add("l2", "L2 (weight decay)", QLineEdit(f"{t.l2:g}"), _help("l2"))
        self.show_advanced = QToolButton()
        self.show_advanced.setText("Advanced training settings")
        self.show_advanced.setCheckable(True)
        self.show_advanced.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.show_advanced.setArrowType(Qt.ArrowType.RightArrow)
        self.show_advanced.setAutoRaise(True)
        self.show_advanced.toggled.connect(self._toggle_advanced)
        self.advanced.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        for title, form in (("Prediction", self.prediction), ("Splits and scaling", self.split),
                            ("Training", self.training)):
            heading = QLabel(title)
            heading.setProperty("role", "heading")
            layout.addWidget(heading)
            layout.addWidget(form)
            form.sigChanged.connect(self.sigChanged.emit)
            layout.addSpacing(4)
        layout.addWidget(self.show_advanced)
        layout.addWidget(self.advanced)
        self.advanced.sigChanged.connect(self.sigChanged.emit)

    @property
    def forms(self) -> tuple[Form, ...]:
        return self.prediction, self.split, self.training, self.advanced

    def field(self, name: str) -> QWidget:
        for form in self.forms:
            if name in form.fields:
                return form.fields[name]
        raise KeyError(name)

    def set_value(self, name: str, value) -> None:
        write(self.field(name), value)

    def window_config(self) -> WindowConfig:
        return WindowConfig(**{k: v for k, v in self._values().items() if k in _WINDOW_FIELDS})

    def train_config(self) -> TrainConfig:
        return TrainConfig(**{k: v for k, v in self._values().items() if k in _TRAIN_FIELDS})

    def errors(self) -> list[str]:
        """Each field checked alone, then the whole window and training configs; shown under the fields."""
        problems: dict[str, str] = {}
        values: dict[str, object] = {}
        for form in self.forms:
            for name, widget in form.fields.items():
                try:
                    values[name] = self._parse(name, widget)
                    (WindowConfig if name in _WINDOW_FIELDS else TrainConfig)(**{name: values[name]})
                except (ValueError, WorkbenchError) as error:
                    problems[name] = str(error)
        if not problems:
            for config_class, names, blame in ((WindowConfig, _WINDOW_FIELDS, "test_fraction"),
                                               (TrainConfig, _TRAIN_FIELDS, "epochs")):
                try:
                    config_class(**{k: v for k, v in values.items() if k in names})
                except WorkbenchError as error:
                    problems[blame] = str(error)
        for form in self.forms:
            for name in form.fields:
                form.set_error(name, problems.get(name))
        if any(name in self.advanced.fields for name in problems):
            self.show_advanced.setChecked(True)
        return list(problems.values())

    def state(self) -> dict:
        return {name: read(widget) for form in self.forms for name, widget in form.fields.items()} | \
            {"show_advanced": self.show_advanced.isChecked()}

    def restore(self, state: dict) -> None:
        for name, value in state.items():
            if name == "show_advanced":
                self.show_advanced.setChecked(bool(value))
                continue
            try:
                self.set_value(name, value)
            except (KeyError, TypeError, ValueError):
                pass  # a setting from an older version: keep the default

    def _values(self) -> dict:
        return {name: self._parse(name, widget) for form in self.forms for name, widget in form.fields.items()}

    def _parse(self, name: str, widget: QWidget):
        value = read(widget)
        if name == "horizons":
            return parse_ints(value, "Horizons", "1 or 1, 5, 20")
        if name in ("learning_rate", "l1", "l2"):
            return parse_float(value, self._label(name), "0.001" if name == "learning_rate" else "0 or 1e-5")
        return value

    def _label(self, name: str) -> str:
        for form in self.forms:
            if name in form.labels:
                return form.labels[name].text()
        return name

    def _toggle_advanced(self, on: bool) -> None:
        self.advanced.setVisible(on)
        self.show_advanced.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)


def _help(name: str) -> str:
    return HELP.get(name) or _MORE_HELP.get(name, "")

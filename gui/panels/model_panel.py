"""The Model panel: a card per architecture in models.ARCHITECTURES, its form generated from ModelConfig.

Fields, defaults, ranges (LIMITS), choices (CHOICES) and help (HELP) all come from the
models package; nothing about an architecture is typed in here except which fields it reads.
"""
from __future__ import annotations

from dataclasses import fields
from typing import Literal, get_origin, get_type_hints

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QCheckBox, QFrame, QLabel, QLineEdit, QVBoxLayout, QWidget

from engine.errors import WorkbenchError
from gui.panels.forms import (
    Form,
    combo,
    double_spin,
    parse_ints,
    read,
    set_help,
    spin,
    write,
)
from models import ARCHITECTURES, CHOICES, HELP, LIMITS, ModelConfig

# Which ModelConfig fields each architecture reads (from the model files). An architecture not
# listed here shows every field, so a new model works before this table learns about it.
_DENSE = ("hidden_layers", "activation", "leaky_slope", "dropout", "norm", "init")
_RECURRENT = ("hidden_size", "num_layers", "bidirectional")
_CONV = ("channels", "kernel_size", "dilated", "pooling")
FIELDS_BY_ARCH: dict[str, tuple[str, ...]] = {
    "linear": ("init",),
    "mlp": _DENSE,
    "rnn": _RECURRENT + _DENSE,
    "lstm": _RECURRENT + _DENSE,
    "gru": _RECURRENT + _DENSE,
    "cnn": _CONV + _DENSE,
}
_NAMES = {"linear": "Linear", "mlp": "MLP", "rnn": "RNN", "lstm": "LSTM", "gru": "GRU", "cnn": "CNN (TCN)"}
_LABELS = {"hidden_size": "Hidden units", "num_layers": "Recurrent layers", "hidden_layers": "Dense layers",
           "init": "Weight init", "norm": "Normalisation", "channels": "Conv channels", "leaky_slope": "Leaky slope"}
_EXAMPLES = {"hidden_layers": "64, 32", "channels": "32, 32"}
_HINTS = get_type_hints(ModelConfig)
_DEFAULTS = ModelConfig()


def arch_name(arch: str) -> str:
    return _NAMES.get(arch, arch.upper())


class ArchCard(QFrame):
    """One architecture: a checkbox that unfolds its hyperparameter form."""

    sigChanged = Signal()

    def __init__(self, arch: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("archCard")
        self.arch = arch
        self.enabled = QCheckBox(arch_name(arch))
        font = self.enabled.font()
        font.setBold(True)
        self.enabled.setFont(font)
        set_help(self.enabled, "Architecture", HELP.get("arch", ""))
        self.summary = QLabel(ARCHITECTURES[arch])
        self.summary.setProperty("role", "muted")
        self.summary.setWordWrap(True)
        self.form = Form()
        names = FIELDS_BY_ARCH.get(arch, tuple(f.name for f in fields(ModelConfig) if f.name != "arch"))
        for name in names:
            self.form.add(name, _LABELS.get(name, name.replace("_", " ").capitalize()), _field_widget(name),
                          HELP.get(name))
        self.form.setVisible(False)
        self.enabled.toggled.connect(self.form.setVisible)
        self.enabled.toggled.connect(lambda _: self.sigChanged.emit())
        self.form.sigChanged.connect(self.sigChanged.emit)
        if "activation" in self.form.fields and "leaky_slope" in self.form.fields:
            self.form.fields["activation"].currentIndexChanged.connect(self._activation_changed)
            self._activation_changed()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(4)
        layout.addWidget(self.enabled)
        layout.addWidget(self.summary)
        layout.addSpacing(2)
        layout.addWidget(self.form)

    @property
    def checked(self) -> bool:
        return self.enabled.isChecked()

    def values(self) -> dict:
        """The form's values as ModelConfig keyword arguments; ValueError when one cannot be parsed."""
        values = {}
        for name, widget in self.form.fields.items():
            value = read(widget)
            if isinstance(widget, QLineEdit):
                value = parse_ints(value, name, _EXAMPLES.get(name, "64, 32"))
            values[name] = value
        return values

    def validate(self) -> list[str]:
        """Check every field as the engine would and show each problem under its field."""
        problems: dict[str, str] = {}
        values = {}
        for name, widget in self.form.fields.items():
            try:
                value = read(widget)
                values[name] = parse_ints(value, name, _EXAMPLES.get(name, "64, 32")) \
                    if isinstance(widget, QLineEdit) else value
                ModelConfig(arch=self.arch, **{name: values[name]})
            except (ValueError, WorkbenchError) as error:
                problems[name] = str(error)
        if not problems:
            try:
                ModelConfig(arch=self.arch, **values)
            except WorkbenchError as error:
                name = str(error).split(" ", 1)[0]
                problems[name if name in self.form.fields else next(iter(self.form.fields), "")] = str(error)
        for name in self.form.fields:
            self.form.set_error(name, problems.get(name) if self.checked else None)
        return [f"{arch_name(self.arch)}: {message}" for message in problems.values()] if self.checked else []

    def config(self) -> ModelConfig:
        return ModelConfig(arch=self.arch, **self.values())

    def state(self) -> dict:
        return {"checked": self.checked,
                "values": {name: read(widget) for name, widget in self.form.fields.items()}}

    def restore(self, state: dict) -> None:
        for name, value in state.get("values", {}).items():
            if name in self.form.fields:
                try:
                    write(self.form.fields[name], value)
                except (TypeError, ValueError):
                    pass  # a value from an older version of the form: keep the default
        self.enabled.setChecked(bool(state.get("checked", False)))

    @Slot()
    def _activation_changed(self) -> None:
        leaky = self.form.fields["activation"].currentData() == "leaky_relu"
        self.form.fields["leaky_slope"].setEnabled(leaky)


class ModelPanel(QWidget):
    sigChanged = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        hint = QLabel("Tick one or more architectures; each trains on the same windows, so their test "
                      "metrics compare fairly. Start with the linear baseline.")
        hint.setProperty("role", "muted")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(hint)
        self.cards: dict[str, ArchCard] = {}
        for arch in ARCHITECTURES:
            card = ArchCard(arch)
            card.sigChanged.connect(self.sigChanged.emit)
            self.cards[arch] = card
            layout.addWidget(card)
        self.cards.get("lstm", next(iter(self.cards.values()))).enabled.setChecked(True)

    def set_checked(self, arch: str, checked: bool = True) -> None:
        self.cards[arch].enabled.setChecked(checked)

    def checked(self) -> list[str]:
        return [arch for arch, card in self.cards.items() if card.checked]

    def errors(self) -> list[str]:
        problems = [message for card in self.cards.values() for message in card.validate()]
        if not self.checked():
            problems.insert(0, "Tick at least one architecture in the Model panel (e.g. LSTM).")
        return problems

    def configs(self) -> tuple[ModelConfig, ...]:
        return tuple(card.config() for card in self.cards.values() if card.checked)

    def state(self) -> dict:
        return {arch: card.state() for arch, card in self.cards.items()}

    def restore(self, state: dict) -> None:
        for arch, card_state in state.items():
            if arch in self.cards and isinstance(card_state, dict):
                self.cards[arch].restore(card_state)


def _field_widget(name: str) -> QWidget:
    hint, default = _HINTS[name], getattr(_DEFAULTS, name)
    if get_origin(hint) is Literal:
        return combo(CHOICES[name], default)
    if hint is bool:
        return QCheckBox()
    if get_origin(hint) is tuple:
        edit = QLineEdit(", ".join(str(v) for v in default))
        edit.setPlaceholderText(f"e.g. {_EXAMPLES.get(name, '64, 32')}")
        return edit
    lowest, highest = LIMITS.get(name, (0, 10**6))
    if hint is int:
        return spin(lowest, highest, default)
    return double_spin(lowest, highest, default, step=0.05 if highest <= 1 else 0.1, decimals=3)

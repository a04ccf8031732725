"""The Model panel: a card per architecture of the models catalog, its form generated from the architecture's config.

Titles, summaries, fields, labels, defaults, ranges, choices and help all come from models.ARCHITECTURES; nothing
about any architecture is typed in here, so a new one appears without an edit.
"""
from __future__ import annotations

from typing import get_origin

from PySide6.QtCore import Signal
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
from models import ARCHITECTURES, DEFAULT_ARCH, HELP, Architecture, ModelConfig, Setting


class ArchCard(QFrame):
    """One architecture: a checkbox that unfolds its hyperparameter form."""

    sigChanged = Signal()

    def __init__(self, architecture: Architecture, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("archCard")
        self.arch, self.title, self._config = architecture.name, architecture.title, architecture.config
        self._settings = architecture.config.settings()
        self.enabled = QCheckBox(architecture.title)
        font = self.enabled.font()
        font.setBold(True)
        self.enabled.setFont(font)
        set_help(self.enabled, "Architecture", HELP.get("arch", ""))
        self.summary = QLabel(architecture.summary)
        self.summary.setProperty("role", "muted")
        self.summary.setWordWrap(True)
        self.form = Form()
        for spec in self._settings.values():
            self.form.add(spec.name, spec.label, _field_widget(spec), spec.help)
        self.form.setVisible(False)
        self.enabled.toggled.connect(self.form.setVisible)
        self.enabled.toggled.connect(lambda _: self.sigChanged.emit())
        self.form.sigChanged.connect(self.sigChanged.emit)
        for spec in self._settings.values():
            if spec.active_when:
                self._follow(spec.name, *spec.active_when)
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
        """The form's values as the config's keyword arguments; ValueError when one cannot be parsed."""
        return {name: self._value(name) for name in self.form.fields}

    def validate(self) -> list[str]:
        """Check every field as the engine would and show each problem under its field."""
        problems: dict[str, str] = {}
        values = {}
        for name in self.form.fields:
            try:
                values[name] = self._value(name)
                self._config(**{name: values[name]})
            except (ValueError, WorkbenchError) as error:
                problems[name] = str(error)
        if not problems:
            try:
                self._config(**values)
            except WorkbenchError as error:
                name = str(error).split(" ", 1)[0]
                problems[name if name in self.form.fields else next(iter(self.form.fields), "")] = str(error)
        for name in self.form.fields:
            self.form.set_error(name, problems.get(name) if self.checked else None)
        return [f"{self.title}: {message}" for message in problems.values()] if self.checked else []

    def config(self) -> ModelConfig:
        return self._config(**self.values())

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

    def _value(self, name: str):
        widget = self.form.fields[name]
        value = read(widget)
        return parse_ints(value, name, _example(self._settings[name])) if isinstance(widget, QLineEdit) else value

    def _follow(self, name: str, other: str, value) -> None:
        """Grey out field name unless field other holds value (leaky_slope acts with leaky_relu only)."""
        def update(*_) -> None:
            self.form.fields[name].setEnabled(read(self.form.fields[other]) == value)

        self.form.sigChanged.connect(update)
        update()


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
        for arch, architecture in ARCHITECTURES.items():
            card = ArchCard(architecture)
            card.sigChanged.connect(self.sigChanged.emit)
            self.cards[arch] = card
            layout.addWidget(card)
        self.cards.get(DEFAULT_ARCH, next(iter(self.cards.values()))).enabled.setChecked(True)

    def set_checked(self, arch: str, checked: bool = True) -> None:
        self.cards[arch].enabled.setChecked(checked)

    def checked(self) -> list[str]:
        return [arch for arch, card in self.cards.items() if card.checked]

    def errors(self) -> list[str]:
        problems = [message for card in self.cards.values() for message in card.validate()]
        if not self.checked():
            example = ARCHITECTURES[DEFAULT_ARCH].title
            problems.insert(0, f"Tick at least one architecture in the Model panel (e.g. {example}).")
        return problems

    def configs(self) -> tuple[ModelConfig, ...]:
        return tuple(card.config() for card in self.cards.values() if card.checked)

    def state(self) -> dict:
        return {arch: card.state() for arch, card in self.cards.items()}

    def restore(self, state: dict) -> None:
        for arch, card_state in state.items():
            if arch in self.cards and isinstance(card_state, dict):
                self.cards[arch].restore(card_state)


def _field_widget(spec: Setting) -> QWidget:
    if spec.choices:
        return combo(spec.choices, spec.default)
    if spec.hint is bool:
        box = QCheckBox()
        box.setChecked(spec.default)
        return box
    if get_origin(spec.hint) is tuple:
        edit = QLineEdit(_example(spec))
        edit.setPlaceholderText(f"e.g. {_example(spec)}")
        return edit
    lowest, highest = spec.limits or (0, 10**6)
    if spec.hint is int:
        return spin(lowest, highest, spec.default)
    return double_spin(lowest, highest, spec.default, step=0.05 if highest <= 1 else 0.1, decimals=3)


def _example(spec: Setting) -> str:
    """A tuple field's default as the form writes it, e.g. "64, 32"."""
    return ", ".join(str(v) for v in spec.default)

"""A form generated from a Settings class (models.config): one field per setting(), with its label, limits,
choices and help; values are checked by building the config, and each problem shows under its field.

The Model panel's cards, the Synthetic series dialog and the Anomalies tab's settings all build from it, so a
field added to a config appears in its form without an edit here.
"""
from __future__ import annotations

from typing import Any, get_origin

from PySide6.QtWidgets import QCheckBox, QLineEdit, QWidget

from engine.errors import WorkbenchError
from gui.panels.forms import Form, combo, double_spin, parse_ints, read, spin, write
from models import Setting, Settings
from models.config import check_setting


class SettingsForm(Form):
    def __init__(self, config: type[Settings], parent: QWidget | None = None, label_width: int = 118):
        super().__init__(parent, label_width)
        self.config_class, self.settings = config, config.settings()
        for spec in self.settings.values():
            self.add(spec.name, spec.label, setting_widget(spec), spec.help)
        for spec in self.settings.values():
            if spec.active_when:
                self._follow(spec.name, *spec.active_when)

    def values(self) -> dict[str, Any]:
        """The form's values as the config's keyword arguments; ValueError when one cannot be parsed."""
        return {name: self._value(name) for name in self.fields}

    def problems(self, *, shown: bool = True) -> dict[str, str]:
        """Each field's problem as the engine words it: its own type and limits first, then the rules between
        fields (named after the first field the message mentions); shown under the fields when `shown`."""
        problems: dict[str, str] = {}
        values = {}
        for name in self.fields:
            try:
                values[name] = self._value(name)
                check_setting(self.settings[name], values[name])
            except (ValueError, WorkbenchError) as error:
                problems[name] = str(error)
        if not problems:
            try:
                self.config_class(**values)
            except WorkbenchError as error:
                words = set(str(error).replace(",", " ").split())
                problems[next((name for name in self.fields if name in words), next(iter(self.fields)))] = str(error)
        for name in self.fields:
            self.set_error(name, problems.get(name) if shown else None)
        return problems

    def config(self) -> Settings:
        return self.config_class(**self.values())

    def set_values(self, values: dict[str, Any]) -> None:
        """Write values into their fields; one the form cannot hold (an older version's) keeps its value."""
        for name, value in values.items():
            if name in self.fields:
                try:
                    write(self.fields[name], tuple_text(value) if isinstance(value, tuple) else value)
                except (TypeError, ValueError):
                    pass

    def state(self) -> dict[str, Any]:
        return {name: read(widget) for name, widget in self.fields.items()}

    def _value(self, name: str):
        widget = self.fields[name]
        value = read(widget)
        if not isinstance(widget, QLineEdit):
            return value
        if get_origin(self.settings[name].hint) is tuple:
            return parse_ints(value, name, tuple_text(self.settings[name].default) or "1, 2")
        return value.strip()

    def _follow(self, name: str, other: str, value) -> None:
        """Grey out field name unless field other holds value (leaky_slope acts with leaky_relu only)."""
        def update(*_) -> None:
            self.fields[name].setEnabled(read(self.fields[other]) == value)

        self.sigChanged.connect(update)
        update()


def setting_widget(spec: Setting) -> QWidget:
    """The field that edits a setting: a combo for choices, a check box, a spin box, or a line for text and tuples."""
    if spec.choices:
        return combo(spec.choices, spec.default)
    if spec.hint is bool:
        box = QCheckBox()
        box.setChecked(spec.default)
        return box
    if get_origin(spec.hint) is tuple or spec.hint is str:
        text = tuple_text(spec.default) if get_origin(spec.hint) is tuple else spec.default
        edit = QLineEdit(text)
        edit.setPlaceholderText(f"e.g. {text or '300, 900'}")
        return edit
    lowest, highest = spec.limits or (0, 10**6)
    if spec.hint is int:
        return spin(lowest, highest, spec.default)
    return double_spin(lowest, highest, spec.default, step=0.05 if highest <= 1 else 0.1,
                       decimals=4 if 0 < lowest < 0.001 else 3)


def tuple_text(values: tuple) -> str:
    """A tuple field's value as the form writes it, e.g. "64, 32"."""
    return ", ".join(str(v) for v in values)

"""The Search tab's space: one row per field the engine lets a search vary (engine.experiments.space_form), each
with a tick, a range (low, high, log scale, step) or its choices, pre-filled from the window's run settings.

Each ticked row becomes one --space entry through the engine's entry_text, and parse_space checks it, so a bad
row shows the engine's own message naming the field.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QLineEdit, QWidget

from engine.errors import WorkbenchError
from engine.experiments.space import parse_space
from engine.experiments.space_form import SearchableField, choices_text, entry_text, searchable_fields, space_text
from engine.runs import RunConfig
from gui.theme import set_style_property

_COLUMNS = ("Field", "Low", "High", "Log", "Step")


class _Row:
    """The widgets of one field."""

    def __init__(self, field: SearchableField):
        self.field = field
        self.tick = QCheckBox(field.name)
        self.tick.setToolTip(f"Vary {field.name} ({field.section}) in the search")
        if field.kind == "choice":
            self.choices = QLineEdit()
            self.choices.setToolTip("The values to try, separated by |")
            self.editors = (self.choices,)
        else:
            self.low, self.high, self.step = QLineEdit(), QLineEdit(), QLineEdit()
            self.step.setToolTip("Step between the values tried (needed by the grid sampler); empty: continuous")
            for editor, width in ((self.low, 84), (self.high, 84), (self.step, 56)):
                editor.setMaximumWidth(width)
            self.log = QCheckBox()
            self.log.setToolTip("Sample on a log scale (the low bound must be above 0)")
            self.editors = (self.low, self.high, self.log, self.step)
        self.prefill(field)

    def prefill(self, field: SearchableField) -> None:
        """The base run's value: all choices with the current one first, or a range around it."""
        self.field = field
        if field.kind == "choice":
            first = (field.value,) + tuple(c for c in field.choices if c != field.value)
            self.choices.setText(choices_text(first))
            return
        low, high = _around(field.value, field.kind == "int")
        self.low.setText(str(low))
        self.high.setText(str(high))

    def entry(self) -> str:
        if self.field.kind == "choice":
            return entry_text(self.field.name, choices=self.choices.text())
        return entry_text(self.field.name, low=self.low.text(), high=self.high.text(), log=self.log.isChecked(),
                          step=self.step.text())

    def set_invalid(self, invalid: bool) -> None:
        for editor in self.editors:
            set_style_property(editor, "invalid", invalid)


class SearchSpaceForm(QWidget):
    """The rows of the space; sigChanged on every tick and edit."""

    sigChanged = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.rows: dict[str, _Row] = {}
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(6)
        self._grid.setVerticalSpacing(3)
        for column, title in enumerate(_COLUMNS):
            label = QLabel(title)
            label.setProperty("role", "muted")
            self._grid.addWidget(label, 0, column)
        self._grid.setColumnStretch(1, 1)
        self._grid.setColumnStretch(2, 1)
        self._grid.setColumnStretch(4, 1)

    def set_base(self, base: RunConfig) -> None:
        """Rows for the fields of `base` (its architectures' model fields, its series); the rows not ticked take
        base's values, the ticked ones keep what the user typed."""
        fields = {f.name: f for f in searchable_fields(base)}
        changed = list(fields) != list(self.rows)
        for name in [n for n in self.rows if n not in fields]:
            self._remove(name)
        for name, field in fields.items():
            row = self.rows.get(name)
            if row is None:
                row = self.rows[name] = _Row(field)
                self._connect(row)
            elif not row.tick.isChecked():
                row.prefill(field)
        if changed:
            self.rows = {name: self.rows[name] for name in fields}
            self._layout_rows()

    def ticked(self) -> list[str]:
        return [name for name, row in self.rows.items() if row.tick.isChecked()]

    def tick(self, name: str, *, low=None, high=None, log: bool = False, step=None, choices=None) -> None:
        """Tick a field and set its range or choices (for tests and scripts)."""
        row = self.rows[name]
        row.tick.setChecked(True)
        if choices is not None:
            row.choices.setText(choices_text(choices))
            return
        for editor, value in ((row.low, low), (row.high, high), (row.step, step)):
            if value is not None:
                editor.setText(str(value))
        row.log.setChecked(log)

    def space_text(self) -> str:
        """The --space text of the ticked rows."""
        return space_text(self.rows[name].entry() for name in self.ticked())

    def errors(self) -> dict[str, str]:
        """The engine's message for each ticked row it cannot read; those rows are marked."""
        problems = {}
        for name, row in self.rows.items():
            message = None
            if row.tick.isChecked():
                try:
                    parse_space(row.entry())
                except WorkbenchError as error:
                    message = problems[name] = str(error)
            row.set_invalid(bool(message))
        return problems

    def _layout_rows(self) -> None:
        """Every row in the grid, in the engine's order (fields come and go with the ticked architectures)."""
        for row in self.rows.values():
            for widget in (row.tick, *row.editors):
                self._grid.removeWidget(widget)
        for index, row in enumerate(self.rows.values(), start=1):
            self._grid.addWidget(row.tick, index, 0)
            if row.field.kind == "choice":
                self._grid.addWidget(row.choices, index, 1, 1, 4)
            else:
                for column, editor in enumerate(row.editors, start=1):
                    self._grid.addWidget(editor, index, column)

    def _connect(self, row: _Row) -> None:
        for widget in (row.tick, *row.editors):
            signal = widget.toggled if isinstance(widget, QCheckBox) else widget.textChanged
            signal.connect(lambda *_: self.sigChanged.emit())
        for editor in row.editors:
            editor.setEnabled(False)
            row.tick.toggled.connect(editor.setEnabled)

    def _remove(self, name: str) -> None:
        row = self.rows.pop(name)
        for widget in (row.tick, *row.editors):
            self._grid.removeWidget(widget)
            widget.hide()
            widget.deleteLater()


def _around(value, whole: bool) -> tuple:
    """A starting range for a number: half to twice the base value (0 to 1 for zero)."""
    value = float(value)
    if value == 0:
        low, high = 0.0, 1.0
    else:
        low, high = sorted((value / 2, value * 2))
    if whole:
        return int(low), max(int(high), int(low) + 1)
    return float(f"{low:.6g}"), float(f"{high:.6g}")

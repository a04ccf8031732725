"""Form building blocks: fields with inline errors, plain-language help on focus and hover."""
from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui.theme import set_style_property

_NO_HELP = "Click into a setting to read what it does, what too low and too high look like, and a good start."


def set_help(widget: QWidget, title: str, text: str) -> None:
    """Give a field its help: a wrapped tooltip, and the paragraph the help box shows on focus."""
    widget.setProperty("helpTitle", title)
    widget.setProperty("helpText", text)
    widget.setToolTip(f"<p><b>{html.escape(title)}</b></p><p>{html.escape(text)}</p>")


class HelpBox(QFrame):
    """Shows the help paragraph of whichever field has the keyboard focus."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("helpBox")
        self.title = QLabel("Help")
        self.title.setProperty("role", "heading")
        self.body = QLabel(_NO_HELP)
        self.body.setWordWrap(True)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.setMinimumHeight(96)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.body, 1)
        QApplication.instance().focusChanged.connect(self._focus_changed)

    def show_help(self, title: str, text: str) -> None:
        self.title.setText(title)
        self.body.setText(text)

    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        widget = new
        while widget is not None:
            text = widget.property("helpText")
            if text:
                self.show_help(widget.property("helpTitle") or "Help", text)
                return
            widget = widget.parentWidget()


class Form(QWidget):
    """Label | field rows, each with an error line under it that shows only while the value is wrong."""

    sigChanged = Signal()

    def __init__(self, parent: QWidget | None = None, label_width: int = 118):
        super().__init__(parent)
        self.layout_ = QFormLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setHorizontalSpacing(10)
        self.layout_.setVerticalSpacing(6)
        self.layout_.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.layout_.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._label_width = label_width
        self.fields: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self.errors: dict[str, QLabel] = {}

    def add(self, name: str, label: str, widget: QWidget, help_text: str | None = None) -> QWidget:
        caption = QLabel(label)
        caption.setMinimumWidth(self._label_width)
        caption.setBuddy(widget)
        error = QLabel()
        error.setProperty("role", "error")
        error.setWordWrap(True)
        error.hide()
        self.layout_.addRow(caption, widget)
        self.layout_.addRow(error)
        self.fields[name], self.labels[name], self.errors[name] = widget, caption, error
        if help_text:
            set_help(widget, label, help_text)
            caption.setToolTip(widget.toolTip())
        _on_change(widget, lambda *_: self.sigChanged.emit())
        return widget

    def set_error(self, name: str, message: str | None) -> None:
        error, widget = self.errors[name], self.fields[name]
        error.setText(message or "")
        error.setVisible(bool(message))
        set_style_property(widget, "invalid", bool(message))


def _on_change(widget: QWidget, callback) -> None:
    if isinstance(widget, QCheckBox):
        widget.toggled.connect(callback)
    elif isinstance(widget, QComboBox):
        widget.currentIndexChanged.connect(callback)
    elif isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        widget.valueChanged.connect(callback)
    elif isinstance(widget, QLineEdit):
        widget.textChanged.connect(callback)
    elif hasattr(widget, "sigChanged"):
        widget.sigChanged.connect(callback)


class _WheelWhenFocused(QObject):
    """Lets a field take the mouse wheel only once clicked into; otherwise the wheel scrolls the panel."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Wheel or watched.hasFocus():
            return False
        area = watched.parentWidget()
        while area is not None and not isinstance(area, QAbstractScrollArea):
            area = area.parentWidget()
        if area is not None:
            QApplication.sendEvent(area.viewport(), event)
        return True


def wheel_when_focused(widget: QWidget) -> QWidget:
    """Keep scrolling a long form from changing the spin or combo box that passes under the pointer."""
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel alone no longer focuses it
    widget.installEventFilter(_WheelWhenFocused(widget))
    return widget


def spin(lowest: int, highest: int, value: int, *, special: str | None = None) -> QSpinBox:
    box = wheel_when_focused(QSpinBox())
    box.setRange(int(lowest), int(highest))
    box.setValue(int(value))
    box.setAccelerated(True)
    box.setKeyboardTracking(True)  # validate as typed
    box.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.UpDownArrows)
    if special:
        box.setSpecialValueText(special)
    return box


def double_spin(lowest: float, highest: float, value: float, *, step: float = 0.05, decimals: int = 2) -> QDoubleSpinBox:
    box = wheel_when_focused(QDoubleSpinBox())
    box.setRange(lowest, highest)
    box.setDecimals(decimals)
    box.setSingleStep(step)
    box.setValue(value)
    return box


def combo(choices, value: str, tooltips: dict[str, str] | None = None,
          labels: dict[str, str] | None = None) -> QComboBox:
    """A combo box whose data are the engine's values; `labels` gives friendlier text to show."""
    box = wheel_when_focused(QComboBox())
    for choice in choices:
        box.addItem((labels or {}).get(choice, str(choice)), choice)
        if tooltips and choice in tooltips:
            box.setItemData(box.count() - 1, tooltips[choice], Qt.ItemDataRole.ToolTipRole)
    box.setCurrentIndex(max(0, box.findData(value)))
    return box


def read(widget: QWidget):
    """The value a field holds as typed: text for line edits (parsed by the panel)."""
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QComboBox):
        return widget.currentData()
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        return widget.value()
    if isinstance(widget, QLineEdit):
        return widget.text()
    return widget.value()


def write(widget: QWidget, value) -> None:
    if isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif isinstance(widget, QComboBox):
        index = widget.findData(value)
        if index >= 0:
            widget.setCurrentIndex(index)
    elif isinstance(widget, QSpinBox):
        widget.setValue(int(value))
    elif isinstance(widget, QDoubleSpinBox):
        widget.setValue(float(value))
    elif isinstance(widget, QLineEdit):
        widget.setText(str(value))
    else:
        widget.set_value(value)


def parse_ints(text: str, name: str, example: str) -> tuple[int, ...]:
    """'64, 32' → (64, 32); a readable ValueError otherwise."""
    parts = [part.strip() for part in text.replace(";", ",").replace(" ", ",").split(",") if part.strip()]
    try:
        return tuple(int(part) for part in parts)
    except ValueError:
        raise ValueError(f"{name}: write whole numbers separated by commas, e.g. {example}.") from None


def parse_float(text: str, name: str, example: str) -> float:
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        raise ValueError(f"{name}: write a number, e.g. {example}.") from None

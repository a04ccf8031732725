"""Scrolling a long form with the mouse wheel scrolls it; it never changes the field under the pointer."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QScrollArea

from gui.panels.run_panel import RunPanel


def _wheel_down(widget) -> None:
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, -120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_wheel_scrolls_the_panel_past_fields_until_one_is_clicked_into(qtbot):
    panel = RunPanel()
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(panel)
    scroll.resize(400, 250)
    qtbot.addWidget(scroll)
    scroll.show()
    qtbot.waitExposed(scroll)
    optimizer, epochs = panel.training.fields["optimizer"], panel.training.fields["epochs"]
    chosen, count = optimizer.currentIndex(), epochs.value()

    for field in (optimizer, epochs):
        before = scroll.verticalScrollBar().value()
        _wheel_down(field)
        assert scroll.verticalScrollBar().value() > before  # the panel scrolled instead
    assert (optimizer.currentIndex(), epochs.value()) == (chosen, count)

    epochs.setFocus()
    qtbot.waitUntil(epochs.hasFocus)
    _wheel_down(epochs)
    assert epochs.value() == count - 1  # clicked into, the field takes the wheel

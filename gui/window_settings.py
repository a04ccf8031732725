"""What the window remembers between launches (QSettings) and how big it opens.

Keys: window/geometry, window/splitter, window/tab, view/theme, view/log_scale and panels/{data,model,run}
(each panel's state as JSON).
"""
from __future__ import annotations

import json

from PySide6.QtCore import QByteArray, QRect, QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow

from gui.theme import DARK, THEMES, Theme

PREFERRED_SIZE = (1440, 900)  # on a screen with room for it


def saved_theme(settings: QSettings) -> Theme:
    return THEMES.get(str(settings.value("view/theme", "dark")), DARK)


def fit_to_screen(window: QMainWindow) -> None:
    """Keep the window inside its screen's available area (taskbar and menu bar left out), moving it there."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    room: QRect = screen.availableGeometry()
    window.resize(window.size().boundedTo(room.size()))
    x = min(max(window.x(), room.left()), room.left() + room.width() - window.width())
    y = min(max(window.y(), room.top()), room.top() + room.height() - window.height())
    window.move(x, y)


def restore(window, settings: QSettings) -> None:
    """The geometry (fitted to this screen), the splitter, the panels' values, the tab and the loss axis."""
    geometry = settings.value("window/geometry")
    if isinstance(geometry, QByteArray):
        window.restoreGeometry(geometry)
    fit_to_screen(window)
    splitter = settings.value("window/splitter")
    if isinstance(splitter, QByteArray):
        window.splitter.restoreState(splitter)
    state = _json(settings.value("panels/data"))
    if isinstance(state, dict):
        window.data_panel.restore(state)
    else:
        window.data_panel.add_ticker("SP500")
    for panel, key in ((window.model_panel, "panels/model"), (window.run_panel, "panels/run")):
        state = _json(settings.value(key))
        if isinstance(state, dict):
            panel.restore(state)
    tab = settings.value("window/tab")
    if tab is not None and str(tab).isdigit() and int(tab) < window.tabs.count():
        window.tabs.setCurrentIndex(int(tab))
    window.training_view.set_log_scale(str(settings.value("view/log_scale", "false")).lower() == "true")


def save(window, settings: QSettings) -> None:
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/splitter", window.splitter.saveState())
    settings.setValue("window/tab", window.tabs.currentIndex())
    settings.setValue("view/theme", window.theme.name)
    settings.setValue("view/log_scale", window.training_view.log_scale.isChecked())
    settings.setValue("panels/data", json.dumps(window.data_panel.state()))
    settings.setValue("panels/model", json.dumps(window.model_panel.state()))
    settings.setValue("panels/run", json.dumps(window.run_panel.state()))
    settings.sync()


def _json(value) -> object:
    try:
        return json.loads(value) if isinstance(value, str) else None
    except json.JSONDecodeError:
        return None

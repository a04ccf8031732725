"""The Log tab: a timestamped line for everything that happened, errors included."""
from __future__ import annotations

import html
from datetime import datetime
from typing import Literal

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.theme import Theme

Level = Literal["info", "warning", "error"]
_MAX_LINES = 20_000
# Readable on the dark and the light background alike, so a theme change need not re-render the log;
# plain lines take the palette's text colour.
_COLOURS = {"stamp": "#8a919c", "warning": "#d08a1a", "error": "#e0484d"}


class LogView(QWidget):
    title = "Log"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setMaximumBlockCount(_MAX_LINES)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        clear = QPushButton("Clear")
        clear.clicked.connect(self.clear)
        hint = QLabel("Everything the app did this session, newest last.")
        hint.setProperty("role", "muted")
        top = QHBoxLayout()
        top.addWidget(hint, 1)
        top.addWidget(clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.text, 1)

    def add(self, text: str, level: Level = "info") -> None:
        self.text.appendHtml(_html(datetime.now().strftime("%H:%M:%S"), level, text))

    def clear(self) -> None:
        self.text.clear()

    def lines(self) -> list[str]:
        """The log as plain text lines (for tests and saving)."""
        return self.text.toPlainText().splitlines()

    def export_widget(self) -> None:
        return None  # no chart on this tab

    def apply_theme(self, theme: Theme) -> None:
        pass  # the log's colours suit both themes


def _html(stamp: str, level: Level, text: str) -> str:
    prefix = {"info": "", "warning": "warning: ", "error": "ERROR: "}[level]
    body = html.escape(prefix + text).replace("\n", "<br>")
    style = "white-space:pre-wrap" + (f"; color:{_COLOURS[level]}" if level in _COLOURS else "")
    return f"<span style='color:{_COLOURS['stamp']}'>[{stamp}]</span> <span style='{style}'>{body}</span>"

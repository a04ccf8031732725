"""The Help menu's dialogs: the keyboard shortcuts and the about box."""
from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox, QWidget


def shortcuts_table(actions: list[QAction]) -> str:
    """Each action with a shortcut and its keys, as HTML; '&&' reads '&', a mnemonic's lone '&' is dropped."""
    rows = [(_without_mnemonic(a.text()), a.shortcut().toString(QKeySequence.SequenceFormat.NativeText))
            for a in actions if not a.shortcut().isEmpty()]
    return "<table>" + "".join(f"<tr><td style='padding-right:18px'>{text.replace('&', '&amp;')}</td>"
                               f"<td><b>{keys}</b></td></tr>" for text, keys in rows) + "</table>"


def show_shortcuts(parent: QWidget) -> None:
    QMessageBox.information(parent, "Keyboard shortcuts", shortcuts_table(parent.actions()))


def show_about(parent: QWidget) -> None:
    QMessageBox.about(parent, "About Stock Workbench",
                      "<b>Stock Workbench</b><p>Learn deep learning on market data: load series, train "
                      "several architectures on the same windows, and compare them on a test split they "
                      "never saw.</p><p>Predictions are not investment advice.</p>")


def _without_mnemonic(text: str) -> str:
    return "&".join(part.replace("&", "") for part in text.split("&&"))

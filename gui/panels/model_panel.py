"""The Model panel: a card per architecture of the models catalog, its form generated from the architecture's config.

Titles, summaries, fields, labels, defaults, ranges, choices and help all come from models.ARCHITECTURES; nothing
about any architecture is typed in here, so a new one appears without an edit.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFrame, QLabel, QVBoxLayout, QWidget

from gui.panels.forms import set_help
from gui.panels.settings_form import SettingsForm
from models import ARCHITECTURES, DEFAULT_ARCH, HELP, Architecture, ModelConfig


class ArchCard(QFrame):
    """One architecture: a checkbox that unfolds its hyperparameter form."""

    sigChanged = Signal()

    def __init__(self, architecture: Architecture, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("archCard")
        self.arch, self.title, self._config = architecture.name, architecture.title, architecture.config
        self.enabled = QCheckBox(architecture.title)
        font = self.enabled.font()
        font.setBold(True)
        self.enabled.setFont(font)
        set_help(self.enabled, "Architecture", HELP.get("arch", ""))
        self.summary = QLabel(architecture.summary)
        self.summary.setProperty("role", "muted")
        self.summary.setWordWrap(True)
        self.form = SettingsForm(architecture.config)
        self.form.setVisible(False)
        self.enabled.toggled.connect(self.form.setVisible)
        self.enabled.toggled.connect(lambda _: self.sigChanged.emit())
        self.form.sigChanged.connect(self.sigChanged.emit)
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
        return self.form.values()

    def validate(self) -> list[str]:
        """Check every field as the engine would and show each problem under its field."""
        problems = self.form.problems(shown=self.checked)
        return [f"{self.title}: {message}" for message in problems.values()] if self.checked else []

    def config(self) -> ModelConfig:
        return self.form.config()

    def state(self) -> dict:
        return {"checked": self.checked, "values": self.form.state()}

    def restore(self, state: dict) -> None:
        self.form.set_values(state.get("values", {}))
        self.enabled.setChecked(bool(state.get("checked", False)))


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

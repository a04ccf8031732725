"""The "Synthetic series…" dialog: the generator's components as form fields, each with its help."""
from __future__ import annotations

from dataclasses import asdict

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QScrollArea, QVBoxLayout, QWidget

from engine.data.synthetic import SyntheticConfig, parse_spec, spec_text, synthetic_config
from gui.panels.forms import HelpBox, read
from gui.panels.settings_form import SettingsForm


class SyntheticDialog(QDialog):
    """Edits a generator spec; `spec()` is the accepted one, in the engine's shortest form."""

    def __init__(self, spec: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Synthetic series")
        intro = QLabel("A generated price series with spikes and drops injected at known bars: detectors are scored "
                       "against them on the Anomalies tab, and it serves Train and Backtest like any ticker. "
                       "The rules are in docs/ANOMALIES.md.")
        intro.setWordWrap(True)
        intro.setProperty("role", "muted")
        self.form = SettingsForm(SyntheticConfig)
        if spec:
            self.form.set_values(asdict(parse_spec(spec)))
        self._preset = read(self.form.fields["preset"])
        self.form.fields["preset"].currentIndexChanged.connect(self._preset_changed)
        self.form.sigChanged.connect(lambda: self.form.problems())
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        self.help_box = HelpBox()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Use this series")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.help_box)
        layout.addWidget(self.buttons)
        self.resize(520, 640)

    def spec(self) -> str:
        """The spec the form describes; a WorkbenchError or ValueError while a field is wrong."""
        return spec_text(self.form.config())

    def accept(self) -> None:
        if not self.form.problems():
            super().accept()

    def _preset_changed(self, *_) -> None:
        """A new preset fills in its own components; the fields it does not set keep what was typed."""
        preset = read(self.form.fields["preset"])
        old, new = synthetic_config(self._preset), synthetic_config(preset)
        self.form.set_values({name: value for name, value in asdict(new).items() if value != getattr(old, name)})
        self._preset = preset

"""The Training tab's progress rows: a bar and a status line per model, and the time each has left."""
from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar

class ProgressRow:
    """One model's progress bar and status line on the Training tab, with the time it has left."""

    def __init__(self, grid: QGridLayout, row: int, label: str):
        self.label = label
        self.name = QLabel(label)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.bar.setFormat("%p%")
        self.status = QLabel("waiting")
        self.status.setProperty("role", "muted")
        self.status.setMinimumWidth(320)
        grid.addWidget(self.name, row, 0)
        grid.addWidget(self.bar, row, 1)
        grid.addWidget(self.status, row, 2)
        self.estimate_s: float | None = None
        self.restart()

    def restart(self) -> None:
        """Forget the timing of the fit that ended: the next one (a new walk-forward fold) starts from zero."""
        self.started: float | None = None
        self.last_report = None
        self.report_time = 0.0
        self.ended = None

    def remove(self) -> None:
        for widget in (self.name, self.bar, self.status):
            widget.setParent(None)
            widget.deleteLater()

    def remaining_s(self, now: float) -> float | None:
        if self.ended is not None:
            return 0.0
        if self.last_report is not None:
            return max(0.0, self.last_report.eta_s - (now - self.report_time))
        if self.estimate_s is None:
            return None
        return self.estimate_s if self.started is None else max(0.0, self.estimate_s - (now - self.started))

"""The buttons under the side panels that start and stop runs, and the line that says what stops them."""
from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui.run_gate import Gate
from gui.theme import set_style_property


class RunButtons(QWidget):
    """Train, Train & Backtest, Estimate time and Cancel; the window connects their clicks."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.train = QPushButton("Train")
        self.train.setObjectName("primary")
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop the running run after its current batch (Esc)")
        self.cancel.setEnabled(False)
        self.estimate = QPushButton("Estimate time")
        self.estimate.setToolTip("Time a few real training steps of each ticked model (Ctrl+Shift+R)")
        self.backtest = QPushButton("Train && Backtest")
        # Two rows, so "Queue run" and "Train & Backtest" never squeeze each other in the narrow panel.
        helpers, starts = QHBoxLayout(), QHBoxLayout()
        helpers.addWidget(self.estimate)
        helpers.addStretch(1)
        helpers.addWidget(self.cancel)
        starts.addWidget(self.backtest, 1)
        starts.addWidget(self.train, 1)
        # As wide as its longer wording from the start: "Queue run" would otherwise lay the whole panel out anew
        # as a run starts (a few dozen milliseconds with every model card).
        self.train.setMinimumWidth(self.train.fontMetrics().horizontalAdvance("Queue run") + 40)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 8)
        layout.addWidget(self.reason)
        layout.addLayout(helpers)
        layout.addLayout(starts)
        self.show_gate(Gate((), (), ()), running=False, estimating=False)

    def show_gate(self, gate: Gate, *, running: bool, estimating: bool) -> None:
        """Enable what the gate lets through, word Train as 'Queue run' while a run goes, say what stops a run."""
        train_ok = not gate.train
        self.train.setEnabled(train_ok)
        self.train.setText("Queue run" if train_ok and running else "Train")
        self.train.setToolTip(gate.train_tip(running))
        self.backtest.setEnabled(not gate.backtest)
        self.backtest.setToolTip(gate.backtest_tip(running))
        self.estimate.setEnabled(train_ok and not estimating)
        self.cancel.setEnabled(running)
        reason = gate.reason()
        if reason is None:
            self.reason.hide()
            return
        text, loading = reason
        set_style_property(self.reason, "role", "muted" if loading else "error")
        self.reason.setText(text)
        self.reason.show()

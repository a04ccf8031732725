"""Large redraws one per turn of the event loop, a pause apart, so the window paints and takes input between them."""
from __future__ import annotations

from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Slot

PAUSE_MS = 20  # between two steps: a paint and a few probe ticks fit in it


class Turns(QObject):
    """add(step, ...) queues steps; each runs PAUSE_MS after the one before, the first at once if none is waiting.
    flush() runs those waiting at once."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._steps: deque[Callable[[], object]] = deque()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PAUSE_MS)
        self._timer.timeout.connect(self._next)

    @property
    def pending(self) -> bool:
        return bool(self._steps)

    def add(self, *steps: Callable[[], object], later: bool = False) -> None:
        """Queue steps; with `later`, even the first waits a pause (the caller's own drawing is painted first)."""
        idle = not self._steps and not self._timer.isActive()
        self._steps.extend(steps)
        if idle and later:
            self._timer.start()
        elif idle:
            self._next()

    def flush(self) -> None:
        """Run every waiting step now, in order: what comes next must find them done."""
        self._timer.stop()
        while self._steps:
            self._steps.popleft()()

    @Slot()
    def _next(self) -> None:
        if not self._steps:
            return
        step = self._steps.popleft()
        if self._steps:
            self._timer.start()  # first, so a step that fails leaves the next ones their turn
        step()

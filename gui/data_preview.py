"""Keeps the Data tab showing the series the Data panel lists: reloads them on a worker once typing settles."""
from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from gui.events import PreviewResult
from gui.tasks import load_preview
from gui.worker import Job, JobSet

_DELAY_MS = 250  # wait for typing to settle before reloading


class DataPreview(QObject):
    """Loads the panel's series for the Data tab; a newer request replaces a loading one."""

    sigLoaded = Signal()  # `result` changed: what stops a run may have changed too

    def __init__(self, data_panel, data_view, jobs: JobSet, *, log: Callable[..., None],
                 show_error: Callable[[str, str], None], show_failure: Callable, parent: QObject | None = None):
        super().__init__(parent)
        self._panel, self._view, self._jobs = data_panel, data_view, jobs
        self._log, self._show_error, self._show_failure = log, show_error, show_failure
        self.result: PreviewResult | None = None  # the series on the Data tab, as last loaded
        self._job: Job | None = None
        self._reported: set[tuple[str, str]] = set()  # load failures already shown in a message box
        self._stopped = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(_DELAY_MS)
        self._timer.timeout.connect(self._load)

    @property
    def loading(self) -> bool:
        return self._job is not None

    def schedule(self) -> None:
        """Reload once typing has settled."""
        self._timer.start()

    def stop(self) -> None:
        """No more loads (the window closes): a timer that fires later starts no thread."""
        self._stopped = True
        self._timer.stop()

    @Slot()
    def _load(self) -> None:
        if self._stopped or self._panel.dates_problem():
            return  # reversed dates are said under the fields, not by a failed load's dialog
        request = self._panel.preview_request()
        if self._job is not None:
            self._job.cancel()  # its result is ignored
        if not request.tickers and not request.csv_files and request.synthetic is None:
            self._show(PreviewResult(request, (), ()))
            return
        self._panel.show_preview(None, loading=True)
        job = self._job = self._jobs.start(partial(load_preview, request), "preview", self._show,
                                           partial(self._show_failure, "Could not load the data"))
        job.sigFinished.connect(lambda: self._finished(job))

    def _finished(self, job: Job) -> None:
        if job is self._job:
            self._job = None

    @Slot(object)
    def _show(self, result: PreviewResult) -> None:
        if result.request != self._panel.preview_request():
            return  # the list changed while it loaded; a newer preview is on its way
        self.result = result
        self.sigLoaded.emit()
        self._panel.show_preview(result)
        self._view.set_series(result.series, current=self._panel.current_series())
        for series in result.series:
            if series.notice:
                self._log(f"{series.name}: {series.notice}", "warning")
        if result.series:
            self._log("Loaded " + ", ".join(f"{s.name} ({s.rows:,} bars, {s.source})" for s in result.series))
        new = [failure for failure in result.failures if failure not in self._reported]
        self._reported.update(new)
        for name, message in new:
            self._show_error(f"Could not load {name}", message)

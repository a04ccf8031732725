"""The File menu's writes and reads: save and load a trained model, export a chart PNG or a backtest's CSV files.

Each action asks for a path unless given one, remembers its folder in the settings, and says what it did.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QStatusBar, QTabWidget, QWidget

from engine.errors import WorkbenchError


class FileActions:
    """`trained()`: label → (TrainedModel, RunConfig); `shown()`: the (label, BacktestResult) on the Backtest tab."""

    def __init__(self, parent: QWidget, settings: QSettings, *, tabs: QTabWidget, status_bar: QStatusBar,
                 trained: Callable[[], dict], shown: Callable[[], tuple | None], log: Callable[..., None],
                 show_error: Callable[[str, str], None]):
        self._parent, self._settings, self._tabs, self._status = parent, settings, tabs, status_bar
        self._trained, self._shown, self._log, self._show_error = trained, shown, log, show_error

    def save_model(self, directory: str | None = None, label: str | None = None) -> Path | None:
        """Write a trained model (weights + what rebuilds it + its run config) to a folder."""
        models = self._trained()
        if not models:
            QMessageBox.information(self._parent, "Save model", "No trained model yet: train one first (Ctrl+R).")
            return None
        if label is None:
            labels = list(models)[::-1]
            if len(labels) == 1:
                label = labels[0]
            else:
                label, ok = QInputDialog.getItem(self._parent, "Save model", "Which model?", labels, 0, False)
                if not ok:
                    return None
        trained, config = models[label]
        if not directory:
            suggested = self._folder("paths/models") / label.replace(" · ", "-")
            directory, _ = QFileDialog.getSaveFileName(self._parent, "Save model to a new folder", str(suggested))
        if not directory:
            return None
        from engine.checkpoints import save_model

        try:
            saved = save_model(Path(directory), trained.model, trained.model_config, input_shape=trained.input_shape,
                               n_outputs=trained.n_outputs, classification=trained.classification,
                               extra={"run_config": config.to_dict(), "label": label})
        except WorkbenchError as error:
            self._show_error("Could not save the model", str(error))
            return None
        self._settings.setValue("paths/models", str(Path(directory).parent))
        self._say(f"Saved {label} to {saved}")
        return saved

    def load_model(self, directory: str | None = None):
        """Open a saved model folder and describe it in the log; returns the engine's SavedModel."""
        if not directory:
            directory = QFileDialog.getExistingDirectory(self._parent, "Open a saved model folder",
                                                         str(self._folder("paths/models")))
        if not directory:
            return None
        from engine.checkpoints import load_model

        try:
            saved = load_model(Path(directory))
        except WorkbenchError as error:
            self._show_error("Could not load the model", str(error))
            return None
        timesteps, features = saved.input_shape
        kind = "up/down classifier" if saved.classification else "regression"
        self._log(f"Loaded {saved.model_config.arch} from {directory}: windows of {timesteps} bars × {features} "
                  f"features → {saved.n_outputs} output(s), {kind}")
        self._status.showMessage(f"Loaded {saved.model_config.arch} model from {directory}", 6000)
        return saved

    def export_chart(self, path: str | None = None) -> Path | None:
        """Save the current tab's chart as a PNG."""
        view = self._tabs.currentWidget()
        widget = view.export_widget() if hasattr(view, "export_widget") else None
        if widget is None:
            QMessageBox.information(self._parent, "Export chart", f"The {view.title} tab has no chart: switch to a "
                                    "tab with a chart (Data, Training, Backtest, Compare) and export again.")
            return None
        if not path:
            start = self._folder("paths/export") / f"{view.title.lower()}.png"
            path, _ = QFileDialog.getSaveFileName(self._parent, "Export chart as PNG", str(start), "PNG image (*.png)")
        if not path:
            return None
        target = Path(path) if str(path).lower().endswith(".png") else Path(f"{path}.png")
        if not widget.grab().save(str(target), "PNG"):
            self._show_error("Could not export the chart", f"Could not write {target}: check that the folder "
                                                          "exists and that you may write there.")
            return None
        self._settings.setValue("paths/export", str(target.parent))
        self._log(f"Exported the {view.title} chart to {target}")
        return target

    def export_backtest_csv(self, directory: str | None = None, *, result=None, label: str | None = None
                            ) -> list[Path] | None:
        """Write a backtest's CSV files (predictions, metrics, equity, trades, folds) into a folder.

        Without `result`, the backtest on the Backtest tab. Returns the written paths.
        """
        if result is None:
            shown = self._shown()
            if shown is None:
                QMessageBox.information(self._parent, "Export backtest CSV", "No backtest to export yet: run one "
                                        "with Train & Backtest (Ctrl+B) or open one from the Compare tab.")
                return None
            label, result = shown
        if not directory:
            directory = QFileDialog.getExistingDirectory(self._parent, f"Export {label or 'the backtest'} as CSV "
                                                         "files into a folder", str(self._folder("paths/export")))
        if not directory:
            return None
        from engine.results import export_csv

        try:
            paths = export_csv(result, Path(directory))
        except WorkbenchError as error:
            self._show_error("Could not export the backtest", str(error))
            return None
        self._settings.setValue("paths/export", str(directory))
        names = ", ".join(path.name for path in paths)
        self._log(f"Exported {label or 'the backtest'} to {directory}: {names}")
        self._status.showMessage(f"Exported {len(paths)} CSV files to {directory}", 6000)
        return paths

    def export_flagged_csv(self, result, label: str, path: str | None = None) -> Path | None:
        """Write an anomaly run's flagged bars (engine.anomaly.write_flagged_csv) to a CSV file."""
        if result is None:
            QMessageBox.information(self._parent, "Export flagged bars", "No anomaly run to export yet: run one "
                                    "with Detect anomalies on the Anomalies tab, or open a stored one.")
            return None
        if not path:
            start = self._folder("paths/export") / "flagged.csv"
            path, _ = QFileDialog.getSaveFileName(self._parent, f"Export the flagged bars of {label}", str(start),
                                                  "CSV file (*.csv)")
        if not path:
            return None
        from engine.anomaly import write_flagged_csv

        try:
            target = write_flagged_csv(result, Path(path))
        except WorkbenchError as error:
            self._show_error("Could not export the flagged bars", str(error))
            return None
        self._settings.setValue("paths/export", str(target.parent))
        self._say(f"Exported the flagged bars of {label} to {target}")
        return target

    def _folder(self, key: str) -> Path:
        return Path(str(self._settings.value(key, str(Path.home()))))

    def _say(self, text: str) -> None:
        self._log(text)
        self._status.showMessage(text, 6000)

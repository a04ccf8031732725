"""Screenshots of every tab, in both themes, after a real short training run and a real short
Train & Backtest on the SP500 sample (the run store is a throw-away file too).

    python scripts/screenshots.py [folder] [WIDTHxHEIGHT ...]      (default: shots/ at 1500x940)

With several sizes, the finished run's tabs are grabbed at each, named e.g. 1366x768-dark-backtest.png.

Runs offscreen with throw-away settings, so it touches neither the screen nor your settings.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QDate, QEventLoop, QSettings, QTimer

from gui.app import close_for_good, create_application

_SIZE = (1500, 940)


def wait_until(app, condition, timeout_s: float, what: str) -> None:
    """Run the event loop until condition() holds; fail loudly after timeout_s."""
    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        QTimer.singleShot(20, loop.quit)
        loop.exec()


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else "shots")
    out.mkdir(parents=True, exist_ok=True)
    sizes = [tuple(int(n) for n in text.split("x")) for text in argv[2:]] or [_SIZE]
    app = create_application([])
    from gui.main_window import MainWindow

    settings = QSettings(str(Path(tempfile.mkdtemp()) / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings)
    window.store_path = Path(tempfile.mkdtemp()) / "runs.sqlite"  # set before the engine opens the store
    window.resize(*sizes[0])
    window.show()
    wait_until(app, lambda: window.engine_ready, 120, "the engine to load")
    panel = window.data_panel
    panel.use_start.setChecked(True)
    panel.start.setDate(QDate(2015, 1, 1))
    wait_until(app, lambda: window.data_view.shown == "SP500" and window.preview is not None
               and window.preview.request.start == "2015-01-01", 60, "the SP500 preview")
    window.model_panel.set_checked("linear")
    window.model_panel.set_checked("lstm")
    window.model_panel.cards["lstm"].form.fields["hidden_size"].setValue(32)
    window.run_panel.set_value("epochs", 30)
    window.run_panel.set_value("patience", 0)
    window.run_panel.set_value("lr_patience", 3)
    window.run_panel.set_value("window", 20)
    wait_until(app, lambda: not window.problems, 10, "valid settings")
    window.run_panel.field("learning_rate").setFocus()  # the help box shows this field's help

    window.tabs.setCurrentWidget(window.data_view)
    _grab_all(app, window, out, "before-run")
    _grab_run_panel(app, window, out)
    window.train()
    wait_until(app, lambda: window.training_view.curve_points("lstm")[0] >= 3, 600, "the LSTM's first epochs")
    for _ in range(5):
        app.processEvents()
    window.grab().save(str(out / "during-run-training.png"), "PNG")
    wait_until(app, lambda: not window.runs.running and window.training_view.results.rowCount() >= 2, 600,
               "the training run")
    wait_until(app, lambda: len(window.training_view.diagnoses.verdicts()) >= 2, 10, "each fit's verdict")
    window.training_view.set_log_scale(True)
    _backtest(app, window, out)
    _anomalies(app, window)
    _search(app, window)
    for width, height in sizes:
        window.resize(width, height)
        for theme in ("dark", "light"):
            window.set_theme(theme)
            _show_skill(app, window)
            _grab_all(app, window, out, theme if len(sizes) == 1 else f"{width}x{height}-{theme}")
    close_for_good(window)
    print("\n".join(str(path) for path in sorted(out.glob("*.png"))))
    return 0


def _anomalies(app, window) -> None:
    """An anomaly run on the same series, so the Anomalies tab shows candles, flags, errors and tables."""
    window.anomaly_view.epochs.setValue(10)
    window.detect_anomalies()
    wait_until(app, lambda: not window.runs.running and window.anomaly_view.result is not None, 600,
               "the anomaly run")


def _backtest(app, window, out: Path) -> None:
    """A short walk-forward (LSTM + linear, 2 years to start, retrain every half year), grabbed mid-way and at the end."""
    window.run_panel.set_value("epochs", 5)
    window.run_panel.set_value("initial_train", 500)
    window.run_panel.set_value("retrain_every", 126)
    window.run_panel.set_value("warm_epochs", 2)
    window.model_panel.cards["lstm"].form.fields["hidden_size"].setValue(16)
    wait_until(app, lambda: not window.problems, 10, "valid backtest settings")
    scroll = window.run_panel.parentWidget()
    while scroll is not None and not hasattr(scroll, "ensureWidgetVisible"):
        scroll = scroll.parentWidget()
    scroll.ensureWidgetVisible(window.run_panel.field("execution"), 0, 40)
    window.run_panel.field("initial_train").setFocus()  # the help box explains the walk-forward
    for _ in range(5):
        app.processEvents()
    window.grab().save(str(out / "before-backtest-run-panel.png"), "PNG")
    scroll.verticalScrollBar().setValue(0)
    window.backtest()
    wait_until(app, lambda: len(window.backtest_view.folds) >= 2, 600, "the first folds")
    for _ in range(5):
        app.processEvents()
    window.grab().save(str(out / "during-run-backtest.png"), "PNG")
    wait_until(app, lambda: not window.runs.running, 600, "the backtest")
    window.compare_view.select_rows([0, 1])


def _show_skill(app, window) -> None:
    """The Backtest tab's metrics from their "Skill vs naive" section on; Compare's heatmap greys p > 0.05."""
    from PySide6.QtWidgets import QAbstractItemView

    for _ in range(5):
        app.processEvents()
    table = window.backtest_view.metrics_table
    heading = next((table.item(r, 0) for r in range(table.rowCount())
                    if table.item(r, 0) is not None and table.item(r, 0).text() == "Skill vs naive"), None)
    if heading is not None:
        table.scrollToItem(heading, QAbstractItemView.ScrollHint.PositionAtTop)
    window.compare_view.grey_box.setChecked(True)


def _grab_run_panel(app, window, out: Path) -> None:
    """The Run panel in view, with one bad value so the inline error and the disabled Train show."""
    scroll = window.run_panel.parentWidget()
    while scroll is not None and not hasattr(scroll, "ensureWidgetVisible"):
        scroll = scroll.parentWidget()
    rate = window.run_panel.field("learning_rate")
    rate.setText("0")
    scroll.ensureWidgetVisible(window.run_panel.field("device"), 0, 40)
    rate.setFocus()
    window.tabs.setCurrentWidget(window.data_view)
    for _ in range(5):
        app.processEvents()
    window.grab().save(str(out / "before-run-run-panel-invalid.png"), "PNG")
    rate.setText("0.001")
    scroll.verticalScrollBar().setValue(0)
    window.tabs.setCurrentWidget(window.data_view)


def _search(app, window) -> None:
    """A three-trial search over the dropout on one worker, so the Search tab shows trials, charts and a hold-out."""
    view = window.search_view
    view.space.tick("dropout", low=0, high=0.5)
    for name, value in (("trials", 3), ("workers", 1), ("top_k", 2)):
        view.settings.set_value(name, value)
    view.start()
    wait_until(app, lambda: not window.runs.running and view.holdout.rowCount() > 0, 900, "the search")


def _grab_all(app, window, out: Path, prefix: str) -> None:
    for view in window.views:
        window.tabs.setCurrentWidget(view)
        for _ in range(5):
            app.processEvents()
        window.grab().save(str(out / f"{prefix}-{view.title.lower()}.png"), "PNG")


if __name__ == "__main__":
    sys.exit(main(sys.argv))

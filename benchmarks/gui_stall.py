"""How long the GUI thread stalls while a model trains and the charts update.

A QTimer probe ticks every 5 ms on the GUI thread and records the gaps between ticks. The
reference is the same probe on the same window while nothing runs, measured in this run;
then the probe runs through a real run (LSTM + MLP on the SP500 sample): its preparation
(loading and windowing the data, timing a few steps) and its training, whose events stream
into the Training tab's live charts; then a Train & Backtest of three models, whose folds stream
into the Training and Backtest tabs. Prints the maxima, their ratios to idle, and the start-up
time to a visible window. Targets: the longest stall while training or backtesting under 50 ms,
start-up under 2 s. The window's run store is a fresh one holding STORED_RUNS runs, as a workbench in use has, so
the Compare tab has a leaderboard of some size to keep up to date.

    python benchmarks/gui_stall.py
    GUI_STALL_WORKERS=0 python benchmarks/gui_stall.py      (the walks on the window's worker thread)
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np
from PySide6.QtCore import QDate, QElapsedTimer, QEventLoop, QSettings, QTimer

from gui.app import close_for_good, create_application

PROBE_MS = 5
IDLE_S = 3.0
TRAIN_S = 20.0  # the run is cancelled after this long if it has not finished
BACKTEST_S = 90.0
TARGET_MS = 50.0
# Walks at a time in the Train & Backtest: the app's default (one per core) unless GUI_STALL_WORKERS says
# otherwise, e.g. 0 to walk them on the window's own worker thread.
WORKERS = int(os.environ["GUI_STALL_WORKERS"]) if "GUI_STALL_WORKERS" in os.environ else None
STORED_RUNS = 30
_STARTUP = """
import os, sys, time, tempfile
started = time.perf_counter()
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from gui.app import close_for_good, create_application
app = create_application([])
from PySide6.QtCore import QSettings
from gui.main_window import MainWindow
window = MainWindow(QSettings(os.path.join(tempfile.mkdtemp(), "s.ini"), QSettings.Format.IniFormat))
window.show()
app.processEvents()
print(time.perf_counter() - started)
close_for_good(window)
"""


class Probe:
    """Records the gaps between ticks of a 5 ms timer on the GUI thread."""

    def __init__(self):
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(self._tick)
        self.gaps: list[float] = []
        self.ends: list[float] = []  # seconds since start() of each tick
        self._last = 0

    def start(self) -> None:
        self.gaps.clear()
        self.ends.clear()
        self.clock.start()
        self._last = self.clock.nsecsElapsed()
        self.timer.start()

    def stop(self) -> np.ndarray:
        self.timer.stop()
        return np.asarray(self.gaps)

    def now(self) -> float:
        return self.clock.nsecsElapsed() / 1e9

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed()
        self.gaps.append((now - self._last) / 1e6)
        self.ends.append(now / 1e9)
        self._last = now


def spin(condition, timeout_s: float) -> None:
    loop, deadline = QEventLoop(), time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        QTimer.singleShot(10, loop.quit)
        loop.exec()


def startup_seconds() -> float:
    out = subprocess.run([sys.executable, "-c", _STARTUP], cwd=REPO, capture_output=True, text=True, timeout=120,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def seeded_store(folder: Path) -> Path:
    """A run store holding STORED_RUNS copies of a small backtest (an MLP and the linear baseline on SP500)."""
    from engine.fit_config import TrainConfig, WalkForwardConfig
    from engine.pipeline import backtest_and_store, load_data
    from engine.runs import DataConfig, RunConfig
    from engine.store import RunStore, data_fingerprint
    from engine.windows import WindowConfig
    from models import model_config_for

    path = folder / "runs.sqlite"
    config = RunConfig(DataConfig(start="2014-01-01"), WindowConfig(window=10, horizons=(1, 5)),
                       (model_config_for("mlp", hidden_layers=(8,)),), TrainConfig(epochs=1, patience=0, device="cpu"),
                       walk_forward=WalkForwardConfig(initial_train=400, retrain_every=126))
    bars = load_data(config.data).bars
    stored = backtest_and_store(config, bars, store_path=path)
    with RunStore(path) as store:
        for _ in range(STORED_RUNS - 1):
            store.save(config, stored.run.result, fingerprint=data_fingerprint(bars))
    return path


def main() -> int:
    startup = startup_seconds()
    folder = Path(tempfile.mkdtemp())
    store_path = seeded_store(folder)
    app = create_application([])
    from gui.main_window import MainWindow

    window = MainWindow(QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat))
    window.store_path = store_path  # read once the engine has loaded
    window.resize(1440, 900)
    window.show()
    spin(lambda: window.engine_ready, 120)
    spin(lambda: len(window.compare_view.run_keys) >= STORED_RUNS, 60)
    window.data_panel.use_start.setChecked(True)
    window.data_panel.start.setDate(QDate(2015, 1, 1))
    spin(lambda: window.preview is not None and window.preview.request.start == "2015-01-01", 60)
    for arch, card in window.model_panel.cards.items():
        card.enabled.setChecked(arch in ("mlp", "lstm"))
    window.model_panel.cards["lstm"].form.fields["hidden_size"].setValue(32)
    for name, value in (("window", 20), ("epochs", 200), ("patience", 0), ("batch_size", 32)):
        window.run_panel.set_value(name, value)
    window.tabs.setCurrentWidget(window.training_view)
    spin(lambda: False, 0.5)
    app.processEvents()

    probe = Probe()
    probe.start()
    spin(lambda: False, IDLE_S)
    idle = probe.stop()

    from gui.events import Stage

    events = {"n": 0, "training_from": None}
    delivered: list[tuple[float, str]] = []  # (seconds since the probe started, event type) as the window gets them

    def count(number, event):
        events["n"] += 1
        delivered.append((probe.now(), type(event).__name__))
        if isinstance(event, Stage) and event.text == "Training":
            events["training_from"] = probe.now()

    window.runs.sigEvent.connect(count)
    window.runs.sigFinished.connect(lambda number, result: delivered.append((probe.now(), "the finished run")))
    probe.start()
    window.train()
    spin(lambda: not window.runs.running, TRAIN_S)
    gaps = probe.stop()
    ends = np.asarray(probe.ends)
    split = int(np.searchsorted(ends, events["training_from"] or ends[-1]))
    preparing, busy = gaps[:split + 1], gaps[split + 1:]
    trained_s = float(ends[-1] - ends[split])
    window.cancel()
    spin(lambda: not window.runs.running, 60)
    points = sum(window.training_view.curve_points(label)[0] for label in ("mlp", "lstm"))

    # A Train & Backtest of three models (and the linear baseline) walking 10 quarterly folds: each fold
    # adds curves to the Training tab and equity, predictions and a fold to the Backtest tab.
    window.model_panel.cards["cnn"].enabled.setChecked(True)
    for name, value in (("epochs", 5), ("initial_train", 400), ("retrain_every", 63)):
        window.run_panel.set_value(name, value)
    if WORKERS is not None:
        window.run_panel.set_value("workers", WORKERS)
    spin(lambda: False, 0.5)  # the side panel laid out for the CNN's card, as it is long before a user's next click
    delivered.clear()
    probe.start()
    window.backtest()
    spin(lambda: not window.runs.running, BACKTEST_S)
    spin(lambda: False, 1.0)  # the finished result is drawn after the run ends
    walked = probe.stop()
    walked_ends = np.asarray(probe.ends)
    folds = len(window.backtest_view.folds)
    window.cancel()
    spin(lambda: not window.runs.running, 60)
    walks = window.run_panel.workers() or "in this process"
    runs_shown = len(window.compare_view.run_keys)
    close_for_good(window)

    idle_max, busy_max = float(idle.max()), float(busy.max())
    print(f"start-up to a visible window: {startup:.2f} s (target < 2 s)")
    print(f"probe every {PROBE_MS} ms on the GUI thread; {runs_shown} runs on the Compare tab")
    print(f"idle (reference):  max gap {idle_max:6.1f} ms   p99 {np.percentile(idle, 99):5.1f} ms   "
          f"({len(idle)} ticks over {IDLE_S:.0f} s)")
    print(f"run preparation:   max gap {preparing.max():6.1f} ms   (loading and windowing the data, timing a few "
          f"steps: {ends[split]:.1f} s)")
    print(f"while training:    max gap {busy_max:6.1f} ms   p99 {np.percentile(busy, 99):5.1f} ms   "
          f"({len(busy)} ticks over {trained_s:.1f} s, {events['n']} run events, {points} loss points drawn)")
    print(f"ratio training / idle max gap: {busy_max / idle_max:.2f}")
    print(f"walks at a time: {walks}")
    print(f"while backtesting: max gap {walked.max():6.1f} ms   p99 {np.percentile(walked, 99):5.1f} ms   "
          f"({len(walked)} ticks over {len(walked) * PROBE_MS / 1000:.1f} s or more, {folds} folds drawn)")
    print(f"ratio backtesting / idle max gap: {walked.max() / idle_max:.2f}")
    for i in np.argsort(walked)[::-1][:5]:
        began = walked_ends[i] - walked[i] / 1000
        before = [(at, name) for at, name in delivered if at <= began + 0.001]
        last = f"{before[-1][1]} ({1000 * (began - before[-1][0]):.0f} ms before)" if before else "the start"
        print(f"  a {walked[i]:5.1f} ms stall {began:5.2f} s in, after {last}")
    worst = max(busy_max, float(walked.max()))
    verdict = "OK" if worst < TARGET_MS else "ABOVE TARGET"
    print(f"longest stall while training or backtesting: {worst:.1f} ms — target < {TARGET_MS:.0f} ms: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

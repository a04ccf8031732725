"""GUI fixtures: a main window on throw-away settings, dialogs that record instead of blocking."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QDate, QEvent, QSettings
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QMessageBox

ENGINE_TIMEOUT_MS = 120_000  # the first window of the session imports torch
RUN_TIMEOUT_MS = 180_000


@dataclass
class Dialogs:
    """Every message box the app opened, as (kind, title, text)."""

    shown: list[tuple[str, str, str]] = field(default_factory=list)

    def of(self, kind: str) -> list[tuple[str, str, str]]:
        return [d for d in self.shown if d[0] == kind]


@pytest.fixture(scope="session", autouse=True)
def _delete_windows_before_exit(qapp):
    """pytest-qt deletes each test's widgets later (deleteLater); the last test's would go at interpreter
    shutdown, when their charts can crash the process. Delete them while Python still runs."""
    yield
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture(autouse=True)
def dialogs(monkeypatch) -> Dialogs:
    """Message boxes return at once and are recorded; file dialogs must be patched by the test that needs one."""
    record = Dialogs()

    def box(kind):
        def show(parent, title, text, *args, **kwargs):
            record.shown.append((kind, title, text))
            return QMessageBox.StandardButton.Ok
        return staticmethod(show)

    for kind in ("warning", "critical", "information", "question", "about"):
        monkeypatch.setattr(QMessageBox, kind, box(kind))

    def no_dialog(*args, **kwargs):
        raise AssertionError("a test opened a file dialog it did not patch")

    for name in ("getOpenFileName", "getSaveFileName", "getExistingDirectory"):
        monkeypatch.setattr(QFileDialog, name, staticmethod(no_dialog))
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(no_dialog))
    return record


@pytest.fixture
def settings_path(tmp_path) -> str:
    return str(tmp_path / "settings.ini")


@pytest.fixture
def make_window(qtbot, settings_path):
    """Open a MainWindow on the given settings file and wait until Train could be used."""
    from gui.main_window import MainWindow

    def make(path: str | None = None, *, since_2015: bool = True, size: tuple[int, int] | None = (1400, 900)):
        window = MainWindow(QSettings(path or settings_path, QSettings.Format.IniFormat))
        qtbot.addWidget(window)
        if size is not None:
            window.resize(*size)
        window.show()
        qtbot.waitUntil(lambda: window.engine_ready, timeout=ENGINE_TIMEOUT_MS)
        if since_2015:
            window.data_panel.use_start.setChecked(True)
            window.data_panel.start.setDate(QDate(2015, 1, 1))
            qtbot.waitUntil(lambda: _preview_since(window, "2015-01-01"), timeout=60_000)
        return window

    return make


@pytest.fixture
def window(make_window):
    return make_window()


def _preview_since(window, start: str) -> bool:
    preview = window.preview
    return preview is not None and preview.request.start == start and window.data_view.shown is not None


def tiny_run(window, archs=("linear", "mlp"), *, epochs: int = 2, batch_size: int = 64) -> None:
    """Small, fast settings: short windows and small networks."""
    panel = window.model_panel
    for arch, card in panel.cards.items():
        card.enabled.setChecked(arch in archs)
    for arch in archs:
        fields = panel.cards[arch].form.fields
        if "hidden_layers" in fields:
            fields["hidden_layers"].setText("16")
        if "hidden_size" in fields:
            fields["hidden_size"].setValue(8)
            fields["num_layers"].setValue(1)
        if "channels" in fields:
            fields["channels"].setText("8")
    run = window.run_panel
    run.set_value("window", 10)
    run.set_value("epochs", epochs)
    run.set_value("batch_size", batch_size)
    run.set_value("patience", 0)
    run.set_value("device", "cpu")


@pytest.fixture
def tiny():
    """tiny(window, archs, epochs=..., batch_size=...) sets small, fast run settings."""
    return tiny_run


@pytest.fixture
def import_mine(qtbot, tmp_path):
    """import_mine(window, bars) writes mine.csv (a random walk of daily bars from 2016-01-04), imports it
    through the window and waits until the Data tab shows it; returns its path."""
    def run(window, bars: int = 300) -> Path:
        path = tmp_path / "mine.csv"
        close = 100 * np.exp(np.cumsum(np.random.default_rng(0).normal(0, 0.01, bars)))
        pd.DataFrame({"Date": pd.bdate_range("2016-01-04", periods=bars).strftime("%Y-%m-%d"), "Open": close,
                      "High": close * 1.01, "Low": close * 0.99, "Close": close, "Volume": 1000}
                     ).to_csv(path, index=False)
        window.import_csv(str(path))
        qtbot.waitUntil(lambda: window.data_view.shown == "MINE", timeout=30_000)
        return path

    return run


# --- a real tiny walk-forward backtest, and the views it is drawn in ------------------------------------------
def _tiny_config(seed: int = 0):
    """GRU + MLP, 3 epochs, 6 folds, horizons 1 and 5 on SP500 from 2014: seconds on a CPU."""
    from engine.fit_config import TrainConfig, WalkForwardConfig
    from engine.runs import DataConfig, RunConfig
    from engine.trading import TradingConfig
    from engine.windows import WindowConfig
    from models import model_config_for

    return RunConfig(
        data=DataConfig(start="2014-01-01"),
        windows=WindowConfig(window=10, horizons=(1, 5)),
        models=(model_config_for("gru", hidden_size=8, num_layers=1), model_config_for("mlp", hidden_layers=(16,))),
        training=TrainConfig(epochs=3, device="cpu", seed=seed),
        walk_forward=WalkForwardConfig(initial_train=500, retrain_every=126, warm_epochs=2),
        trading=TradingConfig(bootstrap_repetitions=100),  # the skill intervals and SPA, quickly
    )


class TinyBacktest:
    """A backtest of `config` run in memory: its bars, the events it reported and its result."""

    def __init__(self, config):
        from engine.pipeline import load_data, run_backtest

        self.config = config
        self.bars = load_data(self.config.data).bars
        self.events: list = []
        self.run = run_backtest(self.config, self.bars, on_event=self.events.append)
        self.result = self.run.result


@pytest.fixture(scope="session")
def tiny_config():
    """tiny_config(seed) is the tiny backtest's RunConfig."""
    return _tiny_config


@pytest.fixture(scope="session")
def walk():
    """walk(config) runs a TinyBacktest of config."""
    return TinyBacktest


@pytest.fixture(scope="module")
def backtest() -> TinyBacktest:
    return TinyBacktest(_tiny_config(0))


@pytest.fixture(scope="module")
def backtest_seed_1() -> TinyBacktest:
    return TinyBacktest(_tiny_config(1))


def _shown(qtbot, view):
    qtbot.addWidget(view)
    view.resize(1300, 850)
    view.show()
    return view


@pytest.fixture
def backtest_view(qtbot):
    from gui.views.backtest_view import BacktestView

    return _shown(qtbot, BacktestView())


@pytest.fixture
def compare_view(qtbot):
    from gui.views.compare_view import CompareView

    return _shown(qtbot, CompareView())

"""Fixtures for the fault and bad-input suite: a small slice of real bars, a tiny run, and no real Yahoo."""
from pathlib import Path

import pandas as pd
import pytest

from engine.data import read_ohlcv_csv
from engine.fit_config import TrainConfig, WalkForwardConfig
from engine.runs import RunConfig
from engine.windows import WindowConfig
from models import model_config_for

GOOG_FILE = "GOOG_daily_2004_2013.csv"

# Three folds of a one-hidden-layer MLP and of the linear baseline: about a second on a CPU.
TINY_RUN = RunConfig(windows=WindowConfig(window=8, horizons=(1, 2), features=("log_return",)),
                     models=(model_config_for("mlp", hidden_layers=(8,)),),
                     training=TrainConfig(epochs=2, batch_size=16, patience=0, device="cpu", seed=3),
                     walk_forward=WalkForwardConfig(initial_train=150, retrain_every=80))


@pytest.fixture(scope="session")
def tiny_run() -> RunConfig:
    return TINY_RUN


@pytest.fixture(autouse=True)
def no_yahoo(monkeypatch: pytest.MonkeyPatch) -> None:
    """yfinance talks through curl_cffi, below the socket guard of tests/conftest.py: refuse it here too."""

    def refuse(symbol: str) -> None:
        raise AssertionError(f"a test tried to reach Yahoo for {symbol}")

    monkeypatch.setattr("yfinance.Ticker", refuse)


@pytest.fixture(scope="session")
def goog(real_data: Path) -> pd.DataFrame:
    """The first 330 daily GOOG bars (2004-08-19 on), as a canonical OHLCV frame."""
    return read_ohlcv_csv(real_data / GOOG_FILE)[0].iloc[:330]


@pytest.fixture
def goog_csv(real_data: Path, tmp_path: Path) -> Path:
    """The same 330 bars as a CSV file the user could import (header + 330 rows of the real file)."""
    lines = (real_data / GOOG_FILE).read_text().splitlines()[:331]
    path = tmp_path / "goog.csv"
    path.write_text("\n".join(lines) + "\n")
    return path

"""The sample series bundled in resources/data (see resources/data/SOURCES.md)."""

from pathlib import Path

import pandas as pd

from engine.data.csv_import import read_ohlcv_csv
from engine.data.quality import QualityReport
from engine.errors import WorkbenchError

SAMPLE_TICKERS: tuple[str, ...] = ("SP500",)  # daily bars; only SP500's licence lets us ship it
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "resources" / "data"


def load_sample(name: str, *, adjusted: bool = True) -> tuple[pd.DataFrame, QualityReport]:
    """A bundled sample as a canonical frame and its quality report."""
    ticker = name.strip().upper()
    if ticker not in SAMPLE_TICKERS:
        raise WorkbenchError(f"There is no sample called {name!r}: the samples are {', '.join(SAMPLE_TICKERS)}.")
    return read_ohlcv_csv(SAMPLE_DIR / f"{ticker}.csv", adjusted=adjusted)

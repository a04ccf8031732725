"""The sample series bundled in resources/data (see resources/data/SOURCES.md)."""

from functools import cache
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
    frame, report = _read_sample(ticker, adjusted)
    return frame.copy(), report  # the caller's own: what it changes is not in the next one


@cache
def _read_sample(ticker: str, adjusted: bool) -> tuple[pd.DataFrame, QualityReport]:
    """Parsed and validated once per process: each run and preview read it again (some 40 ms, and in the
    window's process a run's thread then held the GIL the window needed to paint)."""
    return read_ohlcv_csv(SAMPLE_DIR / f"{ticker}.csv", adjusted=adjusted)

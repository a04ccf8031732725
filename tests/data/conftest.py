"""Fixtures for engine.data tests: the real files in tests/fixtures/data (see tests/conftest.py), a fake Yahoo."""

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from engine.data import DownloadError, MarketCache, read_ohlcv_csv
from engine.data.frame import empty_ohlcv

FILES = {
    "GOOG": "GOOG_daily_2004_2013.csv",
    "SP500": "SP500_daily_1999_2018.csv",
    "EURUSD": "EURUSD_hourly_2017_2018.csv",
    "BTCUSD": "BTCUSD_monthly_2012_2024.csv",
}


@pytest.fixture(autouse=True)
def no_network_no_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reaches Yahoo or writes to the user's data folder, even by accident.

    yfinance talks through curl_cffi, below the socket guard of tests/conftest.py, and
    platformdirs ignores the XDG variables outside Linux: so both are patched here.
    """

    def refuse(symbol: str) -> None:
        raise AssertionError(f"a test tried to reach Yahoo for {symbol}")

    monkeypatch.setattr("yfinance.Ticker", refuse)
    monkeypatch.setattr("platformdirs.user_data_dir", lambda app: str(tmp_path / "user-data" / app))


@pytest.fixture(scope="session")
def real_csv(real_data: Path) -> Callable[[str], Path]:
    """Path of a real data file by short name: GOOG, SP500, EURUSD or BTCUSD."""
    return lambda name: real_data / FILES[name]


@pytest.fixture(scope="session")
def goog(real_csv: Callable[[str], Path]) -> pd.DataFrame:
    return read_ohlcv_csv(real_csv("GOOG"))[0]


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[MarketCache]:
    with MarketCache(tmp_path / "cache.sqlite") as market_cache:
        yield market_cache


class FakeYahoo:
    """A downloader serving slices of real frames; records every request; can be offline."""

    def __init__(self, frames: dict[str, pd.DataFrame]) -> None:
        self.frames = frames
        self.calls: list[tuple[str, date | None, date | None, str, bool]] = []
        self.offline = False

    def __call__(self, ticker: str, start: date | None, end: date | None, interval: str, adjusted: bool) -> pd.DataFrame:
        self.calls.append((ticker, start, end, interval, adjusted))
        if self.offline:
            raise DownloadError("no connection to Yahoo: DNSError")
        frame = self.frames.get(ticker, empty_ohlcv())
        if start is not None:
            frame = frame[frame.index >= pd.Timestamp(start)]
        if end is not None:
            frame = frame[frame.index < pd.Timestamp(end + timedelta(days=1))]
        return frame

    def spans(self) -> list[tuple[date | None, date | None]]:
        return [(start, end) for _, start, end, _, _ in self.calls]


@pytest.fixture
def yahoo(goog: pd.DataFrame) -> FakeYahoo:
    return FakeYahoo({"GOOG": goog})

"""The Yahoo adapter against a stand-in for yfinance.Ticker: no test touches the network."""

from datetime import date, timedelta

import pandas as pd
import pytest
from yfinance.exceptions import YFRateLimitError, YFTzMissingError

from engine.data import OHLCV_COLUMNS, DownloadError, download_yahoo
from engine.data.yahoo import check_interval, download_with_retry, earliest_start
from engine.errors import WorkbenchError


class FakeTicker:
    """Answers history() like yfinance: Title-case columns, an exchange-tz index; records the call."""

    calls: list[dict] = []
    answer: pd.DataFrame | Exception

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol

    def history(self, **options) -> pd.DataFrame:
        FakeTicker.calls.append({"symbol": self.symbol, **options})
        if isinstance(FakeTicker.answer, Exception):
            raise FakeTicker.answer
        return FakeTicker.answer


@pytest.fixture
def fake_yf(monkeypatch):
    FakeTicker.calls = []
    FakeTicker.answer = pd.DataFrame(
        {"Open": [1.0, 2.0], "High": [2.0, 3.0], "Low": [0.5, 1.5], "Close": [1.5, 2.5], "Volume": [10, 20]},
        index=pd.DatetimeIndex(["2024-01-02", "2024-01-03"], name="Date").tz_localize("America/New_York"),
    )
    monkeypatch.setattr("yfinance.Ticker", FakeTicker)
    return FakeTicker


def test_history_becomes_a_canonical_frame(fake_yf):
    frame = download_yahoo("AAPL", date(2024, 1, 1), date(2024, 1, 3), "1d", True)

    assert list(frame.columns) == list(OHLCV_COLUMNS)
    assert list(frame.index) == list(pd.to_datetime(["2024-01-02", "2024-01-03"]))  # wall-clock, tz-naive
    assert frame.index.name == "date" and frame.iloc[0].tolist() == [1.0, 2.0, 0.5, 1.5, 10.0]
    assert fake_yf.calls == [
        {
            "symbol": "AAPL",
            "interval": "1d",
            "auto_adjust": True,
            "actions": False,
            "start": date(2024, 1, 1),
            "end": date(2024, 1, 4),  # yfinance's end is exclusive
        }
    ]


def test_open_start_asks_for_all_history(fake_yf):
    download_yahoo("AAPL", None, None, "1d", False)

    assert fake_yf.calls[0]["period"] == "max" and fake_yf.calls[0]["auto_adjust"] is False
    assert "start" not in fake_yf.calls[0] and "end" not in fake_yf.calls[0]


def test_intraday_start_is_moved_to_what_yahoo_keeps(fake_yf):
    download_yahoo("AAPL", date(2000, 1, 1), None, "1m", True)

    assert fake_yf.calls[0]["start"] == date.today() - timedelta(days=6)


def test_unknown_ticker_is_an_empty_frame(fake_yf):
    fake_yf.answer = YFTzMissingError("XYZQ")

    frame = download_yahoo("XYZQ", None, None, "1d", True)

    assert frame.empty and list(frame.columns) == list(OHLCV_COLUMNS)


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (ConnectionError("Could not resolve host"), "no connection to Yahoo: ConnectionError"),
        (YFRateLimitError(), "Yahoo is limiting requests, try again in a few minutes"),
        (ValueError("Expecting value: line 1 column 1"), "Yahoo request failed: Expecting value: line 1 column 1"),
    ],
)
def test_failures_become_download_errors(fake_yf, error, message):
    fake_yf.answer = error

    with pytest.raises(DownloadError) as raised:
        download_yahoo("AAPL", None, None, "1d", True)

    assert str(raised.value) == message


class Flaky:
    """Fails `failures` times, then returns a marker."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self, *args) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise DownloadError("no connection to Yahoo: DNSError")
        return "bars"


def test_retry_backs_off_exponentially_then_succeeds():
    delays: list[float] = []
    download = Flaky(failures=2)

    result = download_with_retry("AAPL", None, None, "1d", True, sleep=delays.append, download=download)

    assert result == "bars" and download.calls == 3
    assert delays == [1.0, 2.0]


def test_retry_gives_up_after_three_attempts():
    delays: list[float] = []
    download = Flaky(failures=5)

    with pytest.raises(DownloadError, match="no connection"):
        download_with_retry("AAPL", None, None, "1d", True, sleep=delays.append, download=download, first_delay=0.5)

    assert download.calls == 3 and delays == [0.5, 1.0]


def test_first_success_does_not_wait():
    delays: list[float] = []

    download_with_retry("AAPL", None, None, "1d", True, sleep=delays.append, download=Flaky(failures=0))

    assert delays == []


@pytest.mark.parametrize(("interval", "days"), [("1m", 7), ("5m", 60), ("15m", 60), ("30m", 60), ("1h", 730), ("1d", None)])
def test_intraday_limits(interval, days):
    today = date(2026, 11, 24)
    expected = None if days is None else today - timedelta(days=days - 1)

    assert earliest_start(interval, today) == expected


def test_interval_names():
    assert check_interval(" 1D ") == "1d"
    assert check_interval("60m") == "1h"
    with pytest.raises(WorkbenchError, match=r"Interval '2h' is not one Yahoo offers: use one of 1m, 2m, 5m"):
        check_interval("2h")

"""Market data through the whole stack (load_ticker → download_with_retry → download_yahoo → a stand-in for
yfinance): the network down, Yahoo raising or sending nothing, and bad rows, each one clear message, nothing lost.

The per-layer cases (CSV import, validation, ticker names, the cache) are in tests/data; see docs/RELIABILITY.md.
"""
from functools import partial

import numpy as np
import pandas as pd
import pytest

from engine.data import MarketCache, load_ticker
from engine.data.yahoo import download_with_retry
from engine.errors import WorkbenchError


class StandInTicker:
    """Answers yfinance.Ticker(symbol).history(**options) from a script: a frame to return or an error to raise."""

    script: list = []
    calls: list[dict] = []

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol

    def history(self, **options) -> pd.DataFrame:
        StandInTicker.calls.append({"symbol": self.symbol, **options})
        answer = StandInTicker.script.pop(0) if len(StandInTicker.script) > 1 else StandInTicker.script[0]
        if isinstance(answer, BaseException):
            raise answer
        return answer


def yahoo_style(bars: pd.DataFrame) -> pd.DataFrame:
    """A canonical frame as yfinance returns it: Title-case columns and an exchange-time-zone index."""
    frame = bars.rename(columns=str.title)[["Open", "High", "Low", "Close", "Volume"]]
    return frame.set_axis(bars.index.tz_localize("America/New_York").rename("Date"))


@pytest.fixture
def yahoo(monkeypatch):
    StandInTicker.script, StandInTicker.calls = [], []
    monkeypatch.setattr("yfinance.Ticker", StandInTicker)
    return StandInTicker


@pytest.fixture
def cache(tmp_path):
    with MarketCache(tmp_path / "cache.sqlite") as market_cache:
        yield market_cache


@pytest.fixture
def waits():
    return []


@pytest.fixture
def downloader(waits):
    """The real retrying downloader, with its waits recorded instead of slept."""
    return partial(download_with_retry, sleep=waits.append)


def test_network_down_with_nothing_cached_is_one_clear_error_after_three_tries(yahoo, cache, downloader, waits):
    yahoo.script = [ConnectionError("Failed to resolve 'query2.finance.yahoo.com'")]

    with pytest.raises(WorkbenchError) as error:
        load_ticker("AAPL", cache=cache, downloader=downloader)

    assert str(error.value) == ("Could not download AAPL (no connection to Yahoo: ConnectionError). "
                                "Check your internet connection, or import the data as a CSV file.")
    assert len(yahoo.calls) == 3 and waits == [1.0, 2.0]
    assert cache.coverage("AAPL", "1d", True) is None


def test_yahoo_raising_an_unexpected_error_falls_back_to_the_cached_bars(yahoo, cache, downloader, goog):
    yahoo.script = [yahoo_style(goog)]
    first = load_ticker("GOOG", cache=cache, downloader=downloader)
    yahoo.script = [KeyError("chart")]  # yfinance failing to parse an answer it did not expect

    again = load_ticker("GOOG", cache=cache, downloader=downloader)

    assert again.source == "cache"
    assert again.notice == "offline — using cached GOOG up to 2005-12-07 (Yahoo request failed: 'chart')"
    pd.testing.assert_frame_equal(again.frame, first.frame)
    pd.testing.assert_frame_equal(again.frame, goog, check_freq=False)


def test_yahoo_returning_an_empty_frame_is_an_unknown_ticker_and_caches_nothing(yahoo, cache, downloader):
    yahoo.script = [pd.DataFrame()]

    with pytest.raises(WorkbenchError) as error:
        load_ticker("xyzq", cache=cache, downloader=downloader)

    assert str(error.value) == ("Unknown ticker 'XYZQ': Yahoo returned no data. Check the symbol "
                                "(e.g. AAPL, ^GSPC, EURUSD=X) or import a CSV.")
    assert len(yahoo.calls) == 1  # an empty answer is not retried
    assert cache.coverage("XYZQ", "1d", True) is None


def test_yahoo_sending_nan_and_inf_rows_drops_them_and_says_how_many(yahoo, cache, downloader, goog):
    sent = goog.copy()
    sent.iloc[10, sent.columns.get_loc("close")] = np.nan
    sent.iloc[20, sent.columns.get_loc("high")] = np.inf
    yahoo.script = [yahoo_style(sent)]

    loaded = load_ticker("GOOG", cache=cache, downloader=downloader)

    assert len(loaded.frame) == len(goog) - 2
    assert goog.index[10] not in loaded.frame.index and goog.index[20] not in loaded.frame.index
    assert np.isfinite(loaded.frame.to_numpy()).all()
    assert "Rows with missing or infinite values dropped: 2" in loaded.report.summary_lines()

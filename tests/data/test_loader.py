from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from engine.data import (
    SAMPLE_TICKERS,
    load_sample,
    load_ticker,
    load_tickers,
    read_ohlcv_csv,
)
from engine.errors import WorkbenchError


def test_first_load_downloads_and_fills_the_cache(cache, yahoo, goog):
    loaded = load_ticker("GOOG", start=date(2005, 1, 3), end=date(2006, 12, 29), cache=cache, downloader=yahoo)

    assert loaded.source == "download" and loaded.notice is None and loaded.ticker == "GOOG"
    assert yahoo.calls == [("GOOG", date(2005, 1, 3), date(2006, 12, 29), "1d", True)]
    pd.testing.assert_frame_equal(loaded.frame, goog.loc["2005-01-03":"2006-12-29"])
    assert cache.coverage("GOOG", "1d", True) == (pd.Timestamp("2005-01-03"), pd.Timestamp("2006-12-29"))
    assert loaded.report.source == "GOOG" and loaded.report.rows == len(loaded.frame)


def test_second_load_asks_only_for_the_missing_dates(cache, yahoo, goog):
    load_ticker("GOOG", start=date(2005, 1, 3), end=date(2006, 12, 29), cache=cache, downloader=yahoo)

    later = load_ticker("GOOG", start=date(2005, 1, 3), end=date(2008, 12, 31), cache=cache, downloader=yahoo)
    earlier = load_ticker("GOOG", start=date(2004, 9, 1), end=date(2008, 12, 31), cache=cache, downloader=yahoo)
    again = load_ticker("GOOG", start=date(2004, 9, 1), end=date(2008, 12, 31), cache=cache, downloader=yahoo)

    assert yahoo.spans()[1:] == [
        (date(2006, 12, 29), date(2008, 12, 31)),  # from the last cached day: its bar may have been partial
        (date(2004, 9, 1), date(2005, 1, 2)),  # up to the day before the first cached bar
    ]
    assert (later.source, earlier.source, again.source) == ("download", "download", "cache")
    pd.testing.assert_frame_equal(again.frame, goog.loc["2004-09-01":"2008-12-31"])


def test_range_inside_the_cache_makes_no_request(cache, yahoo, goog):
    load_ticker("GOOG", start=date(2005, 1, 3), end=date(2006, 12, 29), cache=cache, downloader=yahoo)

    loaded = load_ticker("GOOG", start=date(2005, 6, 1), end=date(2005, 6, 30), cache=cache, downloader=yahoo)

    assert len(yahoo.calls) == 1 and loaded.source == "cache"
    pd.testing.assert_frame_equal(loaded.frame, goog.loc["2005-06-01":"2005-06-30"])


def test_whole_history_is_asked_for_once(cache, yahoo):
    load_ticker("GOOG", end=date(2006, 12, 29), cache=cache, downloader=yahoo)
    loaded = load_ticker("GOOG", end=date(2006, 12, 29), cache=cache, downloader=yahoo)

    assert yahoo.spans() == [(None, date(2006, 12, 29))]
    assert loaded.frame.index[0] == pd.Timestamp("2004-08-19")


def test_whole_history_after_a_later_start_asks_for_the_older_bars(cache, yahoo):
    load_ticker("GOOG", start=date(2006, 1, 3), end=date(2006, 12, 29), cache=cache, downloader=yahoo)

    loaded = load_ticker("GOOG", end=date(2006, 12, 29), cache=cache, downloader=yahoo)

    assert yahoo.spans()[1:] == [(None, date(2006, 1, 2))]
    assert loaded.frame.index[0] == pd.Timestamp("2004-08-19")


def test_open_end_refreshes_from_the_last_cached_day(cache, yahoo, goog):
    partial = goog.copy()
    partial.iloc[-1, 3] = 1.0  # the last bar as seen mid-session
    yahoo.frames["GOOG"] = partial
    load_ticker("GOOG", cache=cache, downloader=yahoo)
    yahoo.frames["GOOG"] = goog

    loaded = load_ticker("GOOG", cache=cache, downloader=yahoo)

    assert yahoo.spans() == [(None, None), (date(2013, 3, 1), None)]
    assert loaded.frame["close"].iloc[-1] == goog["close"].iloc[-1]


def test_new_bars_are_written_in_one_transaction(cache, yahoo, monkeypatch):
    load_ticker("GOOG", start=date(2006, 1, 3), end=date(2006, 12, 29), cache=cache, downloader=yahoo)
    writes = []
    write = cache.write
    monkeypatch.setattr(cache, "write", lambda *args, **kw: writes.append(args) or write(*args, **kw))

    load_ticker("GOOG", start=date(2005, 1, 3), end=date(2007, 12, 31), cache=cache, downloader=yahoo)

    assert len(yahoo.calls) == 3 and len(writes) == 1
    assert writes[0][3].index[0] == pd.Timestamp("2005-01-03") and writes[0][3].index[-1] == pd.Timestamp("2007-12-31")


def test_offline_uses_the_cache_with_a_notice(cache, yahoo, goog):
    load_ticker("GOOG", cache=cache, downloader=yahoo)
    yahoo.offline = True

    loaded = load_ticker("GOOG", cache=cache, downloader=yahoo)

    assert loaded.source == "cache"
    assert loaded.notice == "offline — using cached GOOG up to 2013-03-01 (no connection to Yahoo: DNSError)"
    pd.testing.assert_frame_equal(loaded.frame, goog)


def test_offline_with_nothing_cached(cache, yahoo):
    yahoo.offline = True

    with pytest.raises(WorkbenchError) as error:
        load_ticker("AAPL", cache=cache, downloader=yahoo)

    assert str(error.value) == (
        "Could not download AAPL (no connection to Yahoo: DNSError). "
        "Check your internet connection, or import the data as a CSV file."
    )


def test_unknown_ticker(cache, yahoo):
    with pytest.raises(WorkbenchError) as error:
        load_ticker("xyzq", cache=cache, downloader=yahoo)

    assert str(error.value) == (
        "Unknown ticker 'XYZQ': Yahoo returned no data. Check the symbol (e.g. AAPL, ^GSPC, EURUSD=X) or import a CSV."
    )


def test_unknown_ticker_with_dates(cache, yahoo):
    with pytest.raises(WorkbenchError, match=r"Unknown ticker 'XYZQ': Yahoo returned no data from 2020-01-01 to today\. .* and the dates, or import a CSV\."):
        load_ticker("XYZQ", start=date(2020, 1, 1), cache=cache, downloader=yahoo)


def test_dates_without_bars(cache, yahoo):
    load_ticker("GOOG", cache=cache, downloader=yahoo)

    with pytest.raises(WorkbenchError) as error:
        load_ticker("GOOG", start=date(2004, 1, 1), end=date(2004, 6, 30), cache=cache, downloader=yahoo)

    assert str(error.value) == (
        "GOOG has no 1d bars from 2004-01-01 to 2004-06-30 (bars exist from 2004-08-19 to 2013-03-01). "
        "Choose a wider date range."
    )


def test_start_after_end(cache, yahoo):
    with pytest.raises(WorkbenchError, match="The start date 2010-01-01 is after the end date 2009-01-01: swap them."):
        load_ticker("GOOG", start=date(2010, 1, 1), end=date(2009, 1, 1), cache=cache, downloader=yahoo)


@pytest.mark.parametrize("ticker", ["../x", "a/b", "..\\win", "A" * 21, "", "   ", "AAPL;DROP", "a b"])
def test_tickers_with_path_or_odd_characters_are_refused(cache, yahoo, ticker):
    with pytest.raises(WorkbenchError) as error:
        load_ticker(ticker, cache=cache, downloader=yahoo)

    assert str(error.value) == (
        f"Ticker {ticker.strip()!r} is not valid: use 1 to 20 of the characters A-Z, 0-9 and . ^ = - "
        "(e.g. AAPL, ^GSPC, EURUSD=X, BRK-B)."
    )

    assert yahoo.calls == []


def test_very_long_ticker_is_shortened_in_the_message(cache, yahoo):
    with pytest.raises(WorkbenchError, match=r"Ticker 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\.\.\.' is not valid"):
        load_ticker("x" * 5000, cache=cache, downloader=yahoo)


@pytest.mark.parametrize(("ticker", "symbol"), [("^GSPC", "^GSPC"), ("eurusd=x", "EURUSD=X"), ("BRK-B", "BRK-B"), (" brk.b ", "BRK.B")])
def test_valid_symbols_are_passed_on_upper_case(cache, yahoo, goog, ticker, symbol):
    yahoo.frames[symbol] = goog

    loaded = load_ticker(ticker, cache=cache, downloader=yahoo)

    assert loaded.ticker == symbol and yahoo.calls[0][0] == symbol


def test_adjusted_and_raw_are_separate_series(cache, yahoo):
    load_ticker("GOOG", cache=cache, downloader=yahoo, adjusted=False)
    load_ticker("GOOG", cache=cache, downloader=yahoo, adjusted=True)

    assert [call[4] for call in yahoo.calls] == [False, True]
    assert yahoo.spans() == [(None, None), (None, None)]


@pytest.mark.parametrize(("policy", "rows", "dropped", "filled"), [("drop", 2147, 1, 0), ("ffill", 2148, 0, 1)])
def test_nan_policy_applies_to_downloaded_bars(cache, yahoo, goog, policy, rows, dropped, filled):
    holes = goog.copy()
    holes.loc["2008-01-02", "close"] = np.nan
    yahoo.frames["GOOG"] = holes

    loaded = load_ticker("GOOG", cache=cache, downloader=yahoo, nan_policy=policy)

    assert len(loaded.frame) == rows
    assert (loaded.report.nan_rows_dropped, loaded.report.nan_rows_filled) == (dropped, filled)


def test_intraday_request_is_clipped_to_what_yahoo_keeps(cache, yahoo, real_csv):
    eurusd, _ = read_ohlcv_csv(real_csv("EURUSD"))
    today = pd.Timestamp(date.today())
    yahoo.frames["EURUSD=X"] = eurusd.set_axis(eurusd.index + (today - eurusd.index[-1].normalize()))
    limit = date.today() - timedelta(days=729)

    loaded = load_ticker("EURUSD=X", start=limit - timedelta(days=300), interval="60m", cache=cache, downloader=yahoo)

    assert yahoo.spans() == [(limit, None)]
    assert loaded.notice == f"Yahoo keeps 1h bars for the last 730 days only (none before {limit})"
    assert loaded.report.interval == "1h"


def test_intraday_request_entirely_too_old(cache, yahoo):
    with pytest.raises(WorkbenchError, match=r"No 1m bars for GOOG: Yahoo keeps 1m bars for the last 7 days only \(none before .*\)\. Choose a later start or a daily interval\."):
        load_ticker("GOOG", start=date(2010, 1, 1), end=date(2010, 2, 1), interval="1m", cache=cache, downloader=yahoo)

    assert yahoo.calls == []


def test_sample_ticker_loads_from_resources(tmp_path):
    def no_network(*args):
        raise AssertionError("a sample must not be downloaded")

    loaded = load_ticker("sp500", downloader=no_network)

    assert "SP500" in SAMPLE_TICKERS and loaded.source == "sample" and loaded.notice is None
    pd.testing.assert_frame_equal(loaded.frame, load_sample("SP500")[0])
    assert not (tmp_path / "user-data").exists()  # no cache opened for a sample


def test_sample_ticker_date_range():
    loaded = load_ticker("SP500", start=date(2005, 1, 1), end=date(2005, 12, 31))

    assert loaded.report.rows == len(loaded.frame) == 252
    assert loaded.report.start == pd.Timestamp("2005-01-03") and loaded.report.end == pd.Timestamp("2005-12-30")


def test_sample_ticker_outside_its_dates():
    with pytest.raises(WorkbenchError, match=r"The SP500 sample has no bars from 2020-01-01 to its end: it covers 1999-01-04 to 2018-12-31"):
        load_ticker("SP500", start=date(2020, 1, 1))


def test_sample_ticker_has_daily_bars_only():
    with pytest.raises(WorkbenchError, match="The SP500 sample has daily bars only: choose the 1d interval."):
        load_ticker("SP500", interval="1h")


def test_load_tickers_without_a_cache_opens_the_default_one(tmp_path, yahoo):
    loaded = load_tickers(["GOOG"], end=date(2006, 12, 29), downloader=yahoo)

    assert loaded[0].source == "download"
    assert (tmp_path / "user-data" / "stock-workbench" / "market_cache.sqlite").exists()


def test_load_tickers_shares_one_cache(cache, yahoo):
    loaded = load_tickers(["goog", "SP500"], end=date(2006, 12, 29), cache=cache, downloader=yahoo)

    assert [(series.ticker, series.source) for series in loaded] == [("GOOG", "download"), ("SP500", "sample")]
    assert loaded[1].frame.index[-1] == pd.Timestamp("2006-12-29")

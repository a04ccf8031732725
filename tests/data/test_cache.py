import itertools
import sqlite3
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine.data import OHLCV_COLUMNS, MarketCache, read_ohlcv_csv
from engine.data.cache import SCHEMA_VERSION, default_cache_path
from engine.data.frame import make_ohlcv
from engine.errors import WorkbenchError


def test_write_then_read_returns_the_frame(cache, goog):
    cache.write("GOOG", "1d", True, goog)

    pd.testing.assert_frame_equal(cache.read("GOOG", "1d", True), goog)


def test_series_are_kept_apart_by_ticker_interval_and_adjustment(cache, goog):
    cache.write("GOOG", "1d", True, goog)

    assert cache.read("GOOG", "1d", False).empty
    assert cache.read("GOOG", "1h", True).empty
    assert cache.read("GOOGL", "1d", True).empty
    assert list(cache.read("GOOG", "1d", True).columns) == list(OHLCV_COLUMNS)


def test_read_a_date_range_includes_both_days(cache, goog):
    cache.write("GOOG", "1d", True, goog)

    frame = cache.read("GOOG", "1d", True, start=date(2010, 1, 4), end=date(2010, 1, 8))

    assert list(frame.index) == list(pd.bdate_range("2010-01-04", "2010-01-08"))


def test_write_replaces_bars_with_the_same_timestamp(cache, goog):
    cache.write("GOOG", "1d", True, goog.iloc[:10])
    cache.write("GOOG", "1d", True, goog.iloc[5:15] * 2)

    frame = cache.read("GOOG", "1d", True)

    assert len(frame) == 15
    pd.testing.assert_frame_equal(frame.iloc[5:], goog.iloc[5:15] * 2)


def test_coverage(cache, goog):
    assert cache.coverage("GOOG", "1d", True) is None

    cache.write("GOOG", "1d", True, goog)

    assert cache.coverage("GOOG", "1d", True) == (pd.Timestamp("2004-08-19"), pd.Timestamp("2013-03-01"))


def test_intraday_times_survive(cache, real_csv):
    eurusd, _ = read_ohlcv_csv(real_csv("EURUSD"))
    cache.write("EURUSD=X", "1h", False, eurusd)

    pd.testing.assert_frame_equal(cache.read("EURUSD=X", "1h", False), eurusd)


def test_missing_values_come_back_as_nan(cache, goog):
    holes = goog.iloc[:3].copy()
    holes.iloc[1, 2] = np.nan
    cache.write("GOOG", "1d", True, holes)

    pd.testing.assert_frame_equal(cache.read("GOOG", "1d", True), holes)


def test_file_uses_wal_and_records_its_schema_version(cache):
    with sqlite3.connect(cache.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
        bars_sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'bars'").fetchone()[0]
    assert "PRIMARY KEY (ticker, interval, adjusted, ts)" in bars_sql and "WITHOUT ROWID" in bars_sql


def test_reopening_keeps_the_bars(tmp_path, goog):
    with MarketCache(tmp_path / "c.sqlite") as first:
        first.write("GOOG", "1d", True, goog)
    with MarketCache(tmp_path / "c.sqlite") as second:
        assert len(second.read("GOOG", "1d", True)) == len(goog)


def test_default_path_is_in_the_user_data_folder(tmp_path):
    with MarketCache() as cache:  # conftest points the user data folder into tmp_path
        assert cache.path == default_cache_path() == tmp_path / "user-data" / "stock-workbench" / "market_cache.sqlite"
        assert cache.path.exists()


@pytest.mark.parametrize(
    "content",
    [b"this is not a database" * 100, b"SQLite format 3\x00" + b"\xff" * 4000],
    ids=["text", "bad-pages"],
)
def test_damaged_file_is_reported_and_left_untouched(tmp_path, content):
    path = tmp_path / "cache.sqlite"
    path.write_bytes(content)

    with pytest.raises(WorkbenchError) as error:
        MarketCache(path)

    assert "The market-data cache file is damaged" in str(error.value)
    assert str(path) in str(error.value)
    assert "Delete it: it is only a cache" in str(error.value)
    assert path.read_bytes() == content


def test_unusable_path_says_what_to_check(tmp_path):
    with pytest.raises(WorkbenchError) as error:
        MarketCache(tmp_path)  # a folder, not a file

    assert str(error.value) == (
        f"Could not use the market-data cache {tmp_path} (unable to open database file). Close other copies of "
        "the workbench and check that the folder is writable and the disk is not full."
    )


def test_other_sqlite_database_is_not_used(tmp_path):
    path = tmp_path / "notes.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    before = path.read_bytes()

    with pytest.raises(WorkbenchError, match="is an SQLite file but not a market-data cache"):
        MarketCache(path)

    assert path.read_bytes() == before


def test_newer_schema_version_is_refused(tmp_path):
    path = tmp_path / "cache.sqlite"
    MarketCache(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE schema_version SET version = 99")

    with pytest.raises(WorkbenchError, match=r"has format version 99, this workbench uses 1\. Delete the file"):
        MarketCache(path)


bar_values = arrays(
    np.float64, st.tuples(st.integers(0, 30), st.just(5)), elements=st.floats(allow_nan=True, allow_infinity=False)
)


_series_names = itertools.count()


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=bar_values, first=st.datetimes(min_value=pd.Timestamp("1900-01-01"), max_value=pd.Timestamp("2200-01-01")))
def test_round_trip_property(cache, values, first):
    ticker = f"X{next(_series_names)}"  # one cache file for all examples, a fresh series each
    frame = make_ohlcv(pd.date_range(pd.Timestamp(first).floor("s"), periods=len(values), freq="37min"), values)

    cache.write(ticker, "37m", False, frame)

    pd.testing.assert_frame_equal(cache.read(ticker, "37m", False), frame, check_freq=False)

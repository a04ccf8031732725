import pandas as pd
import pytest

from engine.data import SAMPLE_TICKERS, load_sample, read_ohlcv_csv
from engine.data.samples import SAMPLE_DIR
from engine.errors import WorkbenchError


def test_bundled_sp500_is_the_shared_file_unchanged(real_csv):
    assert (SAMPLE_DIR / "SP500.csv").read_bytes() == real_csv("SP500").read_bytes()


def test_sources_notice_travels_with_the_sample():
    notice = (SAMPLE_DIR / "SOURCES.md").read_text()

    assert "SP500.csv" in notice and "arch 8.0.0" in notice and "NCSA" in notice


def test_every_sample_ticker_loads():
    for ticker in SAMPLE_TICKERS:
        frame, report = load_sample(ticker)
        assert len(frame) == report.rows > 0


def test_sample_matches_the_shared_file(real_csv):
    frame, report = load_sample("sp500", adjusted=False)

    pd.testing.assert_frame_equal(frame, read_ohlcv_csv(real_csv("SP500"), adjusted=False)[0])
    assert report.rows == 5031 and report.interval == "1d"


def test_unknown_sample():
    with pytest.raises(WorkbenchError, match="There is no sample called 'GOOG': the samples are SP500."):
        load_sample("GOOG")


def test_a_sample_is_read_once_and_each_caller_gets_its_own_frame():
    first, report = load_sample("SP500")
    first.iloc[0, 0] = -1.0  # a caller that changes its bars
    again, same_report = load_sample("SP500")
    assert again.iloc[0, 0] != -1.0 and same_report is report
    pd.testing.assert_frame_equal(again, read_ohlcv_csv(SAMPLE_DIR / "SP500.csv")[0])

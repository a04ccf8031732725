import numpy as np
import pandas as pd
import pytest

from engine.data import read_ohlcv_csv
from engine.data.frame import empty_ohlcv
from engine.data.quality import build_report, infer_interval

PRICES = ["open", "high", "low", "close"]


def test_removed_days_are_reported_missing(goog):
    report = build_report(goog.drop(pd.to_datetime(["2005-03-01", "2005-03-02"])), "GOOG")

    assert report.missing_sessions == 2
    assert report.missing_examples == tuple(pd.to_datetime(["2005-03-01", "2005-03-02"]))


@pytest.mark.parametrize("ratio", [1 / 2, 1 / 3, 1 / 4, 2.0, 10.0])
def test_synthetic_split_is_detected(goog, ratio):
    unadjusted = goog.copy()
    unadjusted.loc["2010-01-04":, PRICES] *= ratio

    report = build_report(unadjusted, "GOOG")

    assert [day for day, _ in report.suspected_splits] == [pd.Timestamp("2010-01-04")]
    assert report.suspected_splits[0][1] == pytest.approx(ratio, rel=0.06)
    assert pd.Timestamp("2010-01-04") not in report.outliers
    assert "Possible unadjusted stock splits: 2010-01-04" in "\n".join(report.summary_lines())


def test_bad_tick_that_recovers_is_an_outlier_not_a_split(goog):
    glitch = goog.copy()
    glitch.loc["2010-01-05", PRICES] /= 2

    report = build_report(glitch, "GOOG")

    assert report.suspected_splits == ()
    assert {pd.Timestamp("2010-01-05"), pd.Timestamp("2010-01-06")} <= set(report.outliers)


def test_goog_outliers_use_a_robust_z_score(goog):
    assert build_report(goog, "GOOG").outliers == (pd.Timestamp("2008-04-18"),)  # +20% on earnings


@pytest.mark.parametrize(
    ("freq", "name"),
    [
        ("1min", "1m"),
        ("5min", "5m"),
        ("15min", "15m"),
        ("30min", "30m"),
        ("h", "1h"),
        ("90min", "90m"),
        ("B", "1d"),
        ("W-FRI", "1wk"),
        ("ME", "1mo"),
        ("MS", "1mo"),
        ("QE", "3mo"),
        ("4h", "240m"),
    ],
)
def test_interval_inference(freq, name):
    assert infer_interval(pd.date_range("2020-01-01", periods=50, freq=freq)) == name


@pytest.mark.parametrize(("file", "name"), [("GOOG", "1d"), ("EURUSD", "1h"), ("BTCUSD", "1mo")])
def test_interval_inference_on_real_files(real_csv, file, name):
    assert read_ohlcv_csv(real_csv(file))[1].interval == name


def test_interval_of_one_bar_is_unknown():
    assert infer_interval(pd.DatetimeIndex(["2020-01-01"])) == "unknown"


def test_summary_lines_for_goog(goog):
    lines = build_report(goog, "GOOG", nan_rows_dropped=2, warnings=("a caller's warning",)).summary_lines()

    assert lines == [
        "GOOG: 2148 bars (1d) from 2004-08-19 to 2013-03-01",
        "Missing trading sessions (XNYS calendar, inferred from the bars): 0",
        "Rows with missing or infinite values dropped: 2",
        "Unusually large moves (robust z > 10): 1, e.g. 2008-04-18. Check that they are real.",
        "a caller's warning",
    ]


def test_report_of_no_bars():
    report = build_report(empty_ohlcv(), "X")

    assert report.rows == 0 and report.start is None and report.interval == "unknown"
    assert report.summary_lines() == ["X: no bars"]


def test_zero_volume_and_inconsistent_bars_are_warned(goog):
    odd = goog.copy()
    odd.loc["2006-01-03":"2006-01-04", "volume"] = 0
    odd.loc["2006-02-01", "high"] = odd.loc["2006-02-01", "open"] - 1

    warnings = build_report(odd, "GOOG").warnings

    assert "2 of 2148 bars have zero volume (first 2006-01-03)." in warnings
    assert any(w.startswith("1 bars have a high below their open/close or a low above it (first 2006-02-01)") for w in warnings)
    assert build_report(odd.assign(volume=0.0), "GOOG").warnings[-1].startswith("Volume is 0 on every bar")


def test_flat_prices_have_no_outliers():
    flat = pd.DataFrame(
        np.ones((30, 5)), columns=["open", "high", "low", "close", "volume"], index=pd.date_range("2020-01-01", periods=30)
    )

    assert build_report(flat, "FLAT").outliers == ()

"""Missing sessions against real exchange calendars: inferred or chosen, closures not flagged, gaps flagged by date."""
import numpy as np
import pandas as pd
import pytest

from engine.data import read_ohlcv_csv
from engine.data.quality import _sessions, build_report, check_calendar, with_calendar
from engine.errors import WorkbenchError
from engine.pipeline import load_data
from engine.runs import DataConfig

CLOSURES = {
    "SP500": ["2001-09-11", "2001-09-12", "2001-09-13", "2001-09-14", "2004-06-11"],  # 9/11; Reagan's funeral
    "GOOG": ["2012-10-29", "2012-10-30"],  # hurricane Sandy
}
CALENDAR_REPEATS = pd.DateOffset(years=28)  # 1901-2099: dates 28 years apart fall on the same weekday


@pytest.mark.parametrize("file", ["SP500", "GOOG"])
def test_real_exchange_closures_are_not_missing_sessions(real_csv, file):
    frame, report = read_ohlcv_csv(real_csv(file))

    assert (report.calendar, report.calendar_inferred) == ("XNYS", True)
    assert report.sessions_checked == (frame.index[0], frame.index[-1])
    assert report.missing_sessions == 0
    assert not frame.index.isin(pd.to_datetime(CLOSURES[file])).any()  # the closures really have no bar


def test_a_deleted_session_is_flagged_by_date(goog):
    report = build_report(goog.drop(pd.Timestamp("2012-10-31")), "GOOG")

    assert report.missing_sessions == 1
    assert report.missing_examples == (pd.Timestamp("2012-10-31"),)
    assert "Missing trading sessions (XNYS calendar, inferred from the bars): 1, e.g. 2012-10-31" in report.summary_lines()


def test_forex_hours_infer_the_24_5_calendar(real_csv):
    frame, report = read_ohlcv_csv(real_csv("EURUSD"))

    assert (report.calendar, report.missing_sessions) == ("24/5", 0)
    gap = build_report(frame.drop(frame.loc["2017-07-04"].index), "EURUSD")  # a NYSE holiday, a forex session
    assert gap.missing_examples == (pd.Timestamp("2017-07-04"),)


def test_daily_forex_trading_through_nyse_holidays_infers_24_5(real_csv):
    hourly, _ = read_ohlcv_csv(real_csv("EURUSD"))
    daily = hourly.resample("D").agg({"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"})
    daily = daily.dropna()[lambda bars: bars.index.day_of_week < 5]

    assert build_report(daily, "EURUSD").calendar == "24/5"


def test_weekend_bars_infer_the_24_7_calendar(goog):
    every_day = goog.iloc[:400].set_axis(pd.date_range("2014-01-01", periods=400, freq="D", unit="us"))

    report = build_report(every_day.drop(pd.Timestamp("2014-03-08")), "BTC")

    assert (report.calendar, report.missing_examples) == ("24/7", (pd.Timestamp("2014-03-08"),))


def test_monthly_bars_skip_the_session_check_and_say_so(real_csv):
    _, report = read_ohlcv_csv(real_csv("BTCUSD"))

    assert (report.calendar, report.sessions_checked, report.missing_sessions) == (None, None, 0)
    assert "Missing trading sessions not checked: 1mo bars each span several sessions." in report.summary_lines()


def test_a_chosen_calendar_is_used(goog):
    report = build_report(goog, "GOOG", calendar="xlon")

    assert (report.calendar, report.calendar_inferred) == ("XLON", False)
    assert build_report(goog.loc["2012-07"], "GOOG", calendar="XLON").missing_examples == (pd.Timestamp("2012-07-04"),)
    assert report.summary_lines()[1].startswith("Missing trading sessions (XLON calendar): ")


def test_load_data_passes_the_chosen_calendar_to_every_report(real_csv):
    september_2001 = DataConfig(tickers=("SP500",), start="2001-09-01", end="2001-09-30", calendar="24/5")
    goog = DataConfig(tickers=(), csv_files=(str(real_csv("GOOG")),), calendar="24/5")

    reports = {**load_data(september_2001).reports, **load_data(goog).reports}

    assert {name: report.calendar for name, report in reports.items()} == {"SP500": "24/5", "GOOG_DAILY_2004_2013": "24/5"}
    assert reports["SP500"].missing_examples == tuple(pd.to_datetime(CLOSURES["SP500"][:4]))


def test_with_calendar_keeps_the_other_findings(goog):
    report = build_report(goog, "GOOG", nan_rows_dropped=2, warnings=("a caller's warning",))

    rechecked = with_calendar(report, goog, "XLON")

    assert rechecked.calendar == "XLON" and rechecked.missing_sessions > 0
    assert (rechecked.nan_rows_dropped, rechecked.outliers, rechecked.warnings) == (2, report.outliers, report.warnings)


def test_only_the_dates_a_calendar_covers_are_checked(real_csv):
    frame, _ = read_ohlcv_csv(real_csv("SP500"))
    early = frame.set_axis(frame.index - CALENDAR_REPEATS)  # 1971-1990; XSES records holidays from 1986 only

    report = build_report(early, "SP500", calendar="XSES")

    assert report.sessions_checked[0] == pd.Timestamp("1986-01-02")
    assert report.sessions_checked[1] == pd.Timestamp("1990-12-31")
    assert ", checked 1986-01-02 to 1990-12-31, the dates it covers): " in report.summary_lines()[1]


def test_dates_after_a_calendar_ends_are_not_checked(goog):
    late = goog.set_axis(goog.index + CALENDAR_REPEATS)  # 2032-2041; XSES ends in 2026

    report = build_report(late, "GOOG", calendar="XSES")

    assert (report.calendar, report.sessions_checked, report.missing_sessions) == ("XSES", None, 0)
    assert "Missing trading sessions not checked: the XSES calendar covers none of these dates." in report.summary_lines()


@pytest.mark.parametrize(("name", "expected"), [("auto", "auto"), ("xnys", "XNYS"), (" 24/7 ", "24/7"), ("NYSE", "NYSE")])
def test_calendar_names_are_matched_ignoring_case(name, expected):
    assert check_calendar(name) == expected
    assert DataConfig(calendar=name).calendar == expected


@pytest.mark.parametrize("build", [lambda name: DataConfig(calendar=name), lambda name: build_report(_bars(), "T", calendar=name)])
def test_an_unknown_calendar_says_how_to_find_the_names(build):
    with pytest.raises(WorkbenchError) as error:
        build("XNYZ")

    message = str(error.value)
    assert message.startswith("Unknown exchange calendar 'XNYZ' (did you mean ")
    assert "XNYS" in message and "use auto, or an exchange_calendars name such as XNYS" in message
    assert "print(exchange_calendars.get_calendar_names())" in message


def test_a_calendar_that_cannot_be_built_is_a_clear_error(monkeypatch):
    def broken(name):
        raise NotImplementedError("implemented by subclasses")

    monkeypatch.setattr("exchange_calendars.get_calendar", broken)
    _sessions.cache_clear()
    try:
        with pytest.raises(WorkbenchError, match=r"^The XBSE exchange calendar could not be built \(NotImplementedError\): "
                                                 "choose another calendar, or auto.$"):
            build_report(_bars(), "T", calendar="XBSE")
    finally:
        _sessions.cache_clear()


def _bars() -> pd.DataFrame:
    index = pd.bdate_range("2020-01-06", periods=30, unit="us")
    return pd.DataFrame(np.ones((30, 5)), index=index, columns=["open", "high", "low", "close", "volume"])

"""Forecast dates follow the trading calendar; which calendar a series gets."""
import pandas as pd
import pytest

from engine.data import read_ohlcv_csv
from engine.forecast import forecast_calendar, target_dates

FRIDAY = pd.DatetimeIndex(["2018-01-04", "2018-01-05"])


@pytest.mark.parametrize("calendar, next_day", [("XNYS", "2018-01-08"), ("24/7", "2018-01-06"),
                                                 ("24/5", "2018-01-08")])
def test_a_forecast_from_a_fridays_bar_is_dated_by_the_calendar(calendar, next_day):
    assert target_dates(FRIDAY, (1,), calendar) == [pd.Timestamp(next_day)]


def test_exchange_holidays_are_skipped():
    new_years_eve = pd.DatetimeIndex(["2018-12-28", "2018-12-31"])
    assert target_dates(new_years_eve, (1, 5), "XNYS") == [pd.Timestamp("2019-01-02"), pd.Timestamp("2019-01-08")]


def test_bars_that_are_not_daily_are_dated_by_their_step():
    weeks = pd.DatetimeIndex(["2024-01-01", "2024-01-08", "2024-01-15"])
    assert target_dates(weeks, (2,), None) == [pd.Timestamp("2024-01-29")]


def test_the_calendar_is_inferred_for_csv_files_or_given(real_data):
    goog = read_ohlcv_csv(real_data / "GOOG_daily_2004_2013.csv")[1]
    bitcoin_months = read_ohlcv_csv(real_data / "BTCUSD_monthly_2012_2024.csv")[1]
    assert forecast_calendar(goog, None) == "XNYS"
    assert forecast_calendar(goog, "xlon") == "XLON"
    assert forecast_calendar(bitcoin_months, "24/7") is None  # monthly bars: no calendar of sessions dates them


@pytest.mark.parametrize("scheme", ["expanding", "rolling"])
def test_the_refit_uses_every_label_up_to_the_last_bar_and_none_past_it(real_data, scheme):
    from engine.fit_config import WalkForwardConfig
    from engine.forecast import refit_samples
    from engine.runs import RunConfig
    from engine.windows import WindowConfig

    bars = read_ohlcv_csv(real_data / "GOOG_daily_2004_2013.csv")[0].iloc[:400]
    config = RunConfig(windows=WindowConfig(horizons=(1, 5), window=10),
                       walk_forward=WalkForwardConfig(initial_train=300, scheme=scheme))
    samples, _ = refit_samples("GOOG", bars, config)
    last = bars.index[-1].to_datetime64()
    assert len(samples["test"]) == 0
    assert samples["val"].target_time.max() == last  # the latest label that exists is used ...
    assert samples["val"].input_end.max() == bars.index[-6].to_datetime64()  # ... and none reaching past it
    assert samples["train"].target_time.max() < samples["val"].target_time.min()
    first = bars.index[100 if scheme == "rolling" else 0].to_datetime64()
    assert samples["train"].input_end.min() > first

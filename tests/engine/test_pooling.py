"""Train pools the ticked series into one model only when they share a bar interval."""
import pytest

from engine.data import read_ohlcv_csv
from engine.errors import WorkbenchError
from engine.pooling import interval_problem, pooled_windows
from engine.windows import WindowConfig

MIXED = ("SP500 is daily (1d) and EURUSD is hourly (1h): one model can only pool series of one bar interval; "
         "untick one of them or train them in separate runs.")


@pytest.fixture(scope="module")
def bars(real_data) -> dict:
    files = {"SP500": "SP500_daily_1999_2018.csv", "GOOG": "GOOG_daily_2004_2013.csv",
             "EURUSD": "EURUSD_hourly_2017_2018.csv", "BTCUSD": "BTCUSD_monthly_2012_2024.csv"}
    return {name: read_ohlcv_csv(real_data / file)[0] for name, file in files.items()}


def test_daily_and_hourly_series_are_refused_with_their_intervals_named(bars):
    pair = {name: bars[name] for name in ("SP500", "EURUSD")}
    assert interval_problem({name: frame.index for name, frame in pair.items()}) == MIXED
    with pytest.raises(WorkbenchError) as refused:
        pooled_windows(pair, WindowConfig(window=10))
    assert str(refused.value) == MIXED


def test_three_intervals_name_every_group(bars):
    problem = interval_problem({name: frame.index for name, frame in bars.items()})
    assert problem.startswith("SP500 and GOOG are daily (1d), EURUSD is hourly (1h) and BTCUSD is monthly (1mo): ")
    assert problem.endswith("untick the series of every interval but one or train them in separate runs.")


def test_series_of_one_interval_pool_as_before(bars):
    pair = {name: bars[name] for name in ("SP500", "GOOG")}
    assert interval_problem({name: frame.index for name, frame in pair.items()}) is None
    assert interval_problem({"EURUSD": bars["EURUSD"].index}) is None
    assert len(pooled_windows(pair, WindowConfig(window=10)).train) > 0

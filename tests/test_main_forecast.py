"""main.py forecast: the forecast after the last bar, from a fresh backtest or a stored run, and its faults."""
import sqlite3

import pandas as pd
import pytest

from engine.forecast import FORECAST_COLUMNS
from engine.store import default_store_path
from main import main

FAST = ["--arch", "lstm", "--epochs", "1", "--window", "10", "--hidden-size", "4", "--layers", "1",
        "--initial-train", "300", "--retrain-every", "0", "--horizons", "1,5"]
SP500 = ["--ticker", "SP500", "--start", "2016-06-01"]


def _forecast(out, *args) -> pd.DataFrame:
    assert main(["forecast", *args, "--out", str(out)]) == 0
    return pd.read_csv(out / "forecast.csv")


def test_a_forecast_writes_its_table_the_backtest_and_one_sentence_per_row(tmp_path, capsys):
    table = _forecast(tmp_path, *SP500, *FAST)
    printed = capsys.readouterr().out
    assert list(table.columns) == FORECAST_COLUMNS
    assert list(table["model"]) == ["lstm", "lstm", "linear (baseline)", "linear (baseline)"]
    assert (table["last_bar"] == "2018-12-31").all() and list(table["target_date"][:2]) == ["2019-01-02",
                                                                                              "2019-01-08"]
    assert ((table["lower_80"] < table["predicted_price"]) & (table["predicted_price"] < table["upper_80"])).all()
    assert ((table["lower_95"] <= table["lower_80"]) & (table["upper_80"] <= table["upper_95"])).all()
    assert (table["n_out_of_sample"] > 100).all() and table["dm_p"].between(0, 1).all()
    assert printed.count("record: ") == 4 and "out-of-sample forecasts" in printed and "stored as run 1" in printed
    assert (tmp_path / "predictions.csv").is_file() and (tmp_path / "metrics.csv").is_file()


def test_a_forecast_with_end_ignores_every_bar_after_it(tmp_path, real_data):
    header, *rows = (real_data / "GOOG_daily_2004_2013.csv").read_text().splitlines(keepends=True)
    short = tmp_path / "short" / "GOOG_daily_2004_2013.csv"
    short.parent.mkdir()
    short.write_text(header + "".join(row for row in rows if row[:10] <= "2012-06-29"))
    dates = ["--start", "2010-06-01", "--end", "2012-06-29", "--no-store", *FAST]
    with_later_bars = _forecast(tmp_path / "full", "--csv", str(real_data / "GOOG_daily_2004_2013.csv"), *dates)
    without = _forecast(tmp_path / "cut", "--csv", str(short), *dates)
    pd.testing.assert_frame_equal(with_later_bars, without)
    assert with_later_bars["target_date"][0] == "2012-07-02"  # Friday's bar: the next NYSE session is Monday


def test_from_run_gives_the_forecast_of_the_run_that_saved_the_model(tmp_path):
    made = _forecast(tmp_path / "made", *SP500, *FAST)
    again = _forecast(tmp_path / "again", "--from-run", "1")
    pd.testing.assert_frame_equal(made, again)
    assert not (tmp_path / "again" / "predictions.csv").exists()  # no new backtest


def test_a_direction_forecast_is_a_probability_with_its_calibration_and_no_interval(tmp_path, capsys):
    table = _forecast(tmp_path, *SP500, *FAST, "--target", "direction", "--no-store")
    assert table["predicted"].between(0, 1).all()
    interval = ["predicted_price", "lower_80", "upper_80", "lower_95", "upper_95", "coverage_80", "coverage_95"]
    assert table[interval].isna().all().all()
    assert "Brier score" in capsys.readouterr().out


def test_a_damaged_stored_model_is_a_clear_error(tmp_path, capsys):
    _forecast(tmp_path / "made", *SP500, *FAST)
    with sqlite3.connect(default_store_path()) as connection:
        connection.execute("UPDATE models SET state = substr(state, 1, 200) WHERE model = 'lstm'")  # cut short
    connection.close()
    assert main(["forecast", "--from-run", "1", "--out", str(tmp_path / "again")]) == 2
    assert "The saved model 'lstm' of run 1 is damaged" in capsys.readouterr().err


def test_a_series_that_ends_before_the_stored_run_is_a_clear_error(tmp_path, capsys):
    _forecast(tmp_path / "made", *SP500, *FAST)
    assert main(["forecast", "--from-run", "1", "--end", "2018-06-01", "--out", str(tmp_path / "again")]) == 2
    assert ("SP500 now ends on 2018-06-01, before the last bar of run 1 (2018-12-31)"
            in capsys.readouterr().err)


def test_a_ticker_that_cannot_be_loaded_is_a_clear_error(tmp_path, capsys, monkeypatch):
    def offline(symbol):
        raise ConnectionError("no connection to Yahoo")

    monkeypatch.setattr("yfinance.Ticker", offline)
    assert main(["forecast", "--ticker", "ZZZZ", *FAST, "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: Could not download ZZZZ") and not (tmp_path / "forecast.csv").exists()


@pytest.mark.parametrize("flag", ["--ticker", "--csv"])
def test_forecast_accepts_the_issue_interface(flag):
    from main import _parser

    args = _parser().parse_args(["forecast", flag, "X", "--arch", "lstm", "--horizons", "1,5,20", "--from-run", "3",
                                 "--out", "d"])
    assert args.from_run == 3 and args.horizons == "1,5,20"


def test_refit_forecasts_from_a_model_fitted_on_every_bar(tmp_path, capsys):
    plain = _forecast(tmp_path / "plain", *SP500, *FAST)
    refitted = _forecast(tmp_path / "refit", "--from-run", "1", "--refit")
    assert "refitting each final model" in capsys.readouterr().out
    assert (refitted["predicted"] != plain["predicted"]).all()  # new weights and scalers
    same = ["ticker", "model", "horizon", "last_bar", "target_date", "coverage_80", "n_out_of_sample", "dm_p"]
    pd.testing.assert_frame_equal(refitted[same], plain[same])  # the record is still the walk-forward's


def test_from_run_with_a_series_the_run_has_no_model_for_is_a_clear_error(tmp_path, capsys, real_data):
    _forecast(tmp_path / "made", *SP500, *FAST)
    csv = str(real_data / "GOOG_daily_2004_2013.csv")
    assert main(["forecast", "--from-run", "1", "--csv", csv, "--out", str(tmp_path / "again")]) == 2
    assert "Run 1 has no saved model 'lstm' for GOOG_DAILY_2004_2013." in capsys.readouterr().err

"""Train pools the ticked series into one model: series of different bar intervals turn it off, saying why."""
from __future__ import annotations

import shutil


def test_daily_and_hourly_series_ticked_together_turn_train_off_and_name_the_intervals(window, qtbot, real_data,
                                                                                      tmp_path):
    hourly = tmp_path / "eurusd.csv"
    shutil.copy(real_data / "EURUSD_hourly_2017_2018.csv", hourly)
    window.import_csv(str(hourly))
    qtbot.waitUntil(lambda: window.data_view.shown == "EURUSD", timeout=30_000)
    qtbot.waitUntil(lambda: not window.train_button.isEnabled(), timeout=30_000)
    mixed = ("SP500 is daily (1d) and EURUSD is hourly (1h): one model can only pool series of one bar "
             "interval; untick one of them or train them in separate runs.")
    assert window.train_problems == [mixed] and not window.estimate_button.isEnabled()
    assert not any("bar interval" in problem for problem in window.backtest_problems)  # each series walks alone
    assert window.reason.text().startswith(f"Train: {mixed}")
    assert "one bar interval" in window.train_button.toolTip()

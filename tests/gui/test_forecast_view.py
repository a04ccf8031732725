"""The forecast after the last bar in the GUI: the fan on the Backtest tab's price chart, the table beside it, and
Compare's Forecast button for a stored run, all drawn from engine.forecast's table."""
from __future__ import annotations

import sqlite3
from dataclasses import replace

import numpy as np
import pandas as pd

from engine.baseline import LINEAR_BASELINE
from engine.errors import WorkbenchError
from engine.forecast import FORECAST_COLUMNS, Forecast
from engine.runs import RunConfig
from gui.backtest_state import BacktestState
from gui.timestamps import seconds
from models.catalog import model_config_for

RUN_TIMEOUT_MS = 180_000


def _forecast(models=("mlp", LINEAR_BASELINE), horizons=(1, 5), *, direction: bool = False) -> Forecast:
    """A hand-made forecast of SP500 after 2018-12-31: model m, horizon h predicts 100 + 10·m + h."""
    rows = []
    for m, model in enumerate(models):
        for h in horizons:
            price = 100.0 + 10 * m + h
            rows.append({"ticker": "SP500", "model": model, "horizon": h, "last_bar": pd.Timestamp("2018-12-31"),
                         "target_date": pd.Timestamp("2018-12-31") + pd.offsets.BDay(h),
                         "predicted": 0.6 if direction else 0.01 * h,
                         "predicted_price": np.nan if direction else price,
                         **{f"{side}_{level}": (np.nan if direction else price + sign * level / 10)
                            for level in (80, 95) for side, sign in (("lower", -1), ("upper", 1))},
                         "coverage_80": np.nan if direction else 0.79, "coverage_95": np.nan if direction else 0.94,
                         "n_out_of_sample": 500, "theils_u": 1.01, "directional_accuracy": 51.0, "dm_p": 0.4})
    table = pd.DataFrame(rows, columns=FORECAST_COLUMNS)
    return Forecast(table, tuple(f"{r.model}, horizon {r.horizon}: treat this forecast as a guess"
                                 for r in table.itertuples()))


def _config(target: str = "log_return") -> RunConfig:
    config = RunConfig(models=(model_config_for("mlp"),))
    return replace(config, windows=replace(config.windows, horizons=(1, 5), target=target))


def test_the_state_gives_the_shown_models_forecast_its_baselines_beside_and_reaches_its_last_date():
    state = BacktestState()
    state.start(_config())
    state.set_forecast(_forecast())
    state.select(model="mlp")
    rows = state.shown_forecast()
    assert list(rows["horizon"]) == [1, 5] and list(rows["predicted_price"]) == [101.0, 105.0]
    assert list(rows["sentence"]) == ["mlp, horizon 1: treat this forecast as a guess",
                                      "mlp, horizon 5: treat this forecast as a guess"]
    assert list(state.baseline_forecast()["predicted_price"]) == [111.0, 115.0]
    closes = pd.DataFrame({"close": [1.0, 2.0]}, index=pd.to_datetime(["2018-12-28", "2018-12-31"]))
    state.set_bars({"SP500": closes})
    assert state.time_span("SP500")[1] == seconds([pd.Timestamp("2018-12-31") + pd.offsets.BDay(5)])[0]
    state.set_forecast(None)
    assert state.shown_forecast().empty


def test_the_fan_and_table_show_the_engines_numbers_and_a_direction_forecast_shows_a_probability(backtest_view):
    view = backtest_view
    view.start_run(_config())
    closes = pd.DataFrame({"close": [90.0, 95.0]}, index=pd.to_datetime(["2018-12-28", "2018-12-31"]))
    view.set_bars({"SP500": closes})
    view.show_forecast(_forecast())
    view.select(model="mlp")
    fan, panel = view.charts.forecast_fan, view.forecast
    assert view.side.currentWidget() is panel
    assert list(fan.points.yData) == [101.0, 105.0]
    assert list(fan.line.yData) == [95.0, 101.0, 105.0]  # from the last close through the forecasts
    assert fan.bands[95].isVisible() and fan.bands[80].isVisible()
    table = panel.table
    headers = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    assert [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())] == ["1 bar", "5 bars"]
    cell = {name: [table.item(r, c).text() for c in range(table.columnCount())] for r, name in enumerate(headers)}
    assert cell["Price"] == ["101.0", "105.0"] and cell["Baseline"] == ["111.0", "115.0"]
    assert cell["80 % interval"] == ["93.00 – 109.0", "97.00 – 113.0"]
    assert cell["Covered"] == ["79% · 94%", "79% · 94%"] and cell["Forecasts"] == ["500", "500"]
    assert "treat this forecast as a guess" in panel.sentence.text()
    first, last = view.charts.price_plot.getViewBox().viewRange()[0]
    assert last >= seconds([pd.Timestamp("2019-01-07")])[0]  # the time axis reaches the 5-bar forecast

    view.start_run(_config("direction"))
    view.show_forecast(_forecast(direction=True))
    headers = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    assert "P(up)" in headers and not any("interval" in name for name in headers)
    assert table.item(headers.index("P(up)"), 0).text() == "60%"
    assert not fan.shown  # a probability is no price to draw


def _store_file(tmp_path):
    """The run store under the XDG_DATA_HOME that tests/conftest.py points at tmp_path."""
    return tmp_path / "xdg-data" / "stock-workbench" / "runs.sqlite"


def test_a_backtest_forecasts_and_compare_forecasts_again_from_the_stored_run(window, qtbot, tiny, tmp_path, dialogs):
    tiny(window, archs=("linear",), epochs=1)
    window.run_panel.set_value("initial_train", 400)
    window.run_panel.set_value("retrain_every", 200)
    with qtbot.waitSignal(window.runs.sigFinished, timeout=RUN_TIMEOUT_MS) as finished:
        window.backtest()
    outcome = finished.args[1]
    made = outcome.forecast.table
    assert outcome.run_id == 1 and set(made["model"]) == {"linear", LINEAR_BASELINE}
    view = window.backtest_view
    qtbot.waitUntil(lambda: view.state.forecast is not None)  # drawn a turn after the result
    assert view.side.currentWidget() is view.forecast and view.charts.forecast_fan.shown
    shown = made[made["model"] == view.selection()[1]].sort_values("horizon")
    assert np.allclose(view.charts.forecast_fan.points.yData, shown["predicted_price"])

    compare = window.compare_view
    qtbot.waitUntil(lambda: compare.run_keys == ["#1"])
    compare.set_current_run("#1")
    assert compare.forecast_button.isEnabled()
    final_models, refit_first = compare.forecast_button.menu().actions()
    view.show_forecast(None)
    final_models.trigger()
    qtbot.waitUntil(lambda: view.state.forecast is not None, timeout=RUN_TIMEOUT_MS)
    assert window.tabs.currentWidget() is view
    again = view.state.forecast.table
    pd.testing.assert_frame_equal(again, made)  # the stored final models give the run's own forecast

    refit_first.trigger()  # each model fitted once more, on every bar up to the last: other weights, same dates
    qtbot.waitUntil(lambda: view.state.forecast.table is not again, timeout=RUN_TIMEOUT_MS)
    refitted = view.state.forecast.table
    assert (refitted["target_date"] == made["target_date"]).all()
    assert not np.allclose(refitted["predicted"], made["predicted"])
    again = refitted

    # A damaged saved model: a dialog says so, and the forecast on show stays.
    with sqlite3.connect(_store_file(tmp_path)) as connection:
        connection.execute("UPDATE models SET state = substr(state, 1, 200) WHERE model = 'linear'")
    connection.close()
    final_models.trigger()
    qtbot.waitUntil(lambda: any("could not forecast" in title for _, title, _ in dialogs.of("critical")
                                + dialogs.of("warning")), timeout=RUN_TIMEOUT_MS)
    text = next(text for _, title, text in dialogs.of("critical") + dialogs.of("warning")
                if "could not forecast" in title)
    assert "The saved model 'linear' of run 1 is damaged" in text
    assert view.state.forecast.table is again


def test_a_forecast_that_cannot_be_made_costs_the_backtest_nothing(monkeypatch, tmp_path):
    import engine.forecast
    from gui.events import BacktestRequest
    from gui.tasks import backtest_run

    def no_calendar(*args, **kwargs):
        raise WorkbenchError("The XNYS calendar ends on 2018-12-31, before the date of a forecast 5 sessions after "
                             "2018-12-31: use shorter horizons, or update exchange_calendars.")

    monkeypatch.setattr(engine.forecast, "forecast_run", no_calendar)
    config = replace(_config(), models=(model_config_for("linear"),), data=replace(_config().data, start="2016-01-01"),
                     training=replace(_config().training, epochs=1, device="cpu"),
                     walk_forward=replace(_config().walk_forward, initial_train=400, retrain_every=0))
    outcome = backtest_run(BacktestRequest(config, str(tmp_path / "runs.sqlite")), lambda event: None, lambda: False)
    assert outcome.run_id == 1 and not outcome.result.predictions.empty
    assert outcome.forecast is None and outcome.no_forecast.startswith("No forecast: The XNYS calendar ends on")

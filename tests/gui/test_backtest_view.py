"""The Backtest tab on a real tiny walk-forward backtest of the bundled SP500 sample.

The backtests (GRU + MLP, 3 epochs, 6 folds, horizons 1 and 5) run once per module, in memory, in a few
seconds on a CPU.
"""
from __future__ import annotations

import html
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gui.theme import LIGHT


@pytest.fixture(scope="module")
def two_series(tmp_path_factory, tiny_config, walk):
    """MLP on SP500 from 2010 and on RECENT, a CSV of its 2015–2018 bars: two series of different spans."""
    sp500 = pd.read_csv(Path(__file__).resolve().parents[2] / "resources" / "data" / "SP500.csv")
    csv = tmp_path_factory.mktemp("csv") / "recent.csv"
    sp500[pd.to_datetime(sp500["Date"]) >= "2015-01-01"].to_csv(csv, index=False)
    config = tiny_config(0)
    return walk(replace(config, data=replace(config.data, start="2010-01-01", csv_files=(str(csv),)),
                        windows=replace(config.windows, horizons=(1,)), models=config.models[1:]))


def _replay(view, bt, *, upto: int | None = None) -> None:
    view.start_run(bt.config, bt.bars)
    _replay_from(view, bt, 0, upto)


# --- the tab ---------------------------------------------------------------------------------------
def test_result_curves_match_the_result_tables(backtest_view, backtest):
    view, result = backtest_view, backtest.result
    _replay(view, backtest)
    view.show_result(result)
    for (ticker, model, horizon), rows in result.equity.groupby(["ticker", "model", "horizon"]):
        trace = view.equity_trace(ticker, model, horizon)
        assert len(trace.equity.xData) == len(trace.benchmark.xData) == len(trace.drawdown.xData) == len(rows)
        np.testing.assert_allclose(trace.equity.yData, rows["equity"].to_numpy())
        np.testing.assert_allclose(trace.drawdown.yData, rows["drawdown"].to_numpy() * 100)
    assert len(view.charts.price_curve.xData) == len(backtest.bars["SP500"])
    # The selection (first model, 1-bar) shows its predictions as prices, one per decision bar and horizon.
    ticker, model, horizon = view.selection()
    assert (ticker, model, horizon) == ("SP500", "gru", 1)
    predictions = result.predictions[(result.predictions["model"] == model)]
    for h in (1, 5):
        assert len(view.charts.prediction_curves[h].xData) == int((predictions["horizon"] == h).sum())
    trades = result.trades[(result.trades["model"] == model) & (result.trades["horizon"] == horizon)]
    assert not view.trades_box.isChecked() and view.charts.exit_markers.xData is None  # off: hundreds hide the price
    view.trades_box.setChecked(True)
    drawn = len(view.charts.long_markers.xData) + len(view.charts.short_markers.xData)
    assert drawn == len(trades) == len(view.charts.exit_markers.xData)
    # The metrics table: the model beside its baselines, the conventions under it.
    headers = [view.metrics_table.horizontalHeaderItem(c).text() for c in range(view.metrics_table.columnCount())]
    assert headers == ["Metric", "gru", "Baseline", "Buy &\nHold", "Naive"]
    assert view.metrics.conventions.text() == result.conventions


def test_predicted_prices_come_from_the_engine_helper(backtest_view, backtest):
    from engine.features import predicted_price

    view = backtest_view
    _replay(view, backtest)
    view.show_result(backtest.result)
    rows = backtest.result.predictions
    rows = rows[(rows["model"] == "gru") & (rows["horizon"] == 5)].sort_values("target_date")
    close = backtest.bars["SP500"]["close"]
    expected = predicted_price(rows.assign(reference_close=close.reindex(rows["date"]).to_numpy()),
                               backtest.config.windows.target)
    np.testing.assert_allclose(view.charts.prediction_curves[5].yData, expected.to_numpy())


def test_warnings_are_shown_in_a_banner(backtest_view, backtest):
    view, result = backtest_view, backtest.result
    assert result.warnings, "the tiny models should trip the lagged-copy warning"
    _replay(view, backtest)
    view.show_result(result)
    assert view.warning_banner.isVisible()
    assert f"{len(result.warnings)} warning" in view.warning_banner.label.text()
    view.warning_banner.more.setChecked(True)
    for warning in result.warnings:
        assert html.escape(warning.text) in view.warning_banner.label.text()


def test_live_progress_grows_the_same_curve_objects(backtest_view, backtest):
    from engine.pipeline import EquityProgress

    view = backtest_view
    progress = [i for i, e in enumerate(backtest.events) if isinstance(e, EquityProgress)
                and (e.model, e.horizon) == ("gru", 1)]
    _replay(view, backtest, upto=progress[0] + 1)
    trace = view.equity_trace("SP500", "gru", 1)
    curve, first = trace.equity, len(trace.equity.xData)
    assert first > 0
    _replay_from(view, backtest, progress[0] + 1, progress[2] + 1)
    assert view.equity_trace("SP500", "gru", 1).equity is curve
    assert len(curve.xData) > first
    assert len(view.timeline.rows()["test"]) == 3  # three gru folds so far
    grown = len(curve.xData)
    _replay_from(view, backtest, progress[2] + 1, None)
    view.show_result(backtest.result)
    assert view.equity_trace("SP500", "gru", 1).equity is curve
    assert len(curve.xData) >= grown


def test_a_burst_of_folds_is_drawn_once_and_whole(backtest_view, backtest, monkeypatch):
    """Folds and equity arriving together are drawn in one go, and the draw holds all of them (live, before the
    result: the streamed state is what is drawn)."""
    from engine.backtest import FoldDone
    from engine.pipeline import EquityProgress
    from gui.views.backtest_charts import BacktestCharts

    view = backtest_view
    draws = []
    real = BacktestCharts._draw_streamed
    monkeypatch.setattr(BacktestCharts, "_draw_streamed", lambda self: draws.append(1) or real(self))
    streamed = [e for e in backtest.events if isinstance(e, (FoldDone, EquityProgress))]
    _replay(view, backtest)
    assert len(streamed) >= 10 and len(draws) == 2  # the first at once, the rest together once it is due
    for key, curve in view.state.curves.items():
        trace = view.charts.equity_trace(key)
        np.testing.assert_array_equal(trace.equity.yData, curve.equity)
    ticker, model, _ = view.state.selection
    for horizon, curve in view.charts.prediction_curves.items():
        np.testing.assert_array_equal(curve.yData, view.state.predicted[(ticker, model, horizon)][1])


def test_the_words_above_the_charts_keep_their_room_while_a_walk_runs(backtest_view, backtest, qtbot):
    """The banner and the verdict have nothing to say until a walk ends: their room stays, with a line saying what
    comes there, so the charts keep their size through the walk; it is freed when the walk stops."""
    view, result = backtest_view, backtest.result

    def settled():
        qtbot.wait(30)  # the layout's turn
        return view.notes.height(), view.charts.height()

    _replay(view, backtest)
    view.show_result(result)
    notes, charts = settled()
    assert view.warning_banner.isVisible() and view.verdict.isVisible() and not view.notes.waiting.isVisible()
    view.start_run(backtest.config, backtest.bars)
    assert settled() == (notes, charts)
    assert view.notes.waiting.isVisible() and not view.warning_banner.isVisible() and not view.verdict.isVisible()
    assert "come here when the walk ends" in view.notes.waiting.text()
    _replay_from(view, backtest, 0, len(backtest.events) // 2)
    assert settled() == (notes, charts)
    view.show_result(result)
    assert settled() == (notes, charts) and not view.notes.waiting.isVisible()
    view.start_run(backtest.config, backtest.bars)
    view.stop_run("The walk stopped: out of memory.")
    assert not view.notes.waiting.isVisible() and view.notes.minimumHeight() == 0  # nothing more will come
    view.clear()
    assert settled()[0] < notes  # no run shown: the charts take the room
    waiting = []
    view.state.schedule = waiting.append  # the window's turns, held: the banner and the verdict wait
    view.show_run(backtest.config, result, backtest.bars)  # a stored run opened: never a walk
    assert not view.notes.waiting.isVisible() and waiting
    for step in waiting:
        step()
    assert view.notes.minimumHeight() == 0 and view.verdict.isVisible()


def _replay_from(view, bt, start, stop):
    from engine.backtest import FoldDone
    from engine.pipeline import EquityProgress

    for event in bt.events[start:stop]:
        if isinstance(event, FoldDone):
            view.show_fold(event)
        elif isinstance(event, EquityProgress):
            view.show_progress(event)
    _drawn(view)


def _drawn(view) -> None:
    """What the charts hold back while a walk streams in, drawn: it is due STREAM_MS after their last draw."""
    from PySide6.QtTest import QTest

    for _ in range(200):
        if not view.charts.drawing_pending:
            return
        QTest.qWait(10)
    raise AssertionError("the charts never drew the streamed folds")


def test_fold_timeline_has_a_row_per_fold(backtest_view, backtest):
    view = backtest_view
    _replay(view, backtest)
    view.show_result(backtest.result)
    folds = [f for f in backtest.result.folds if f.model == "gru"]
    assert view.timeline.row_count == len(folds) == 6
    rows = view.timeline.rows()
    assert len(rows["train"]) == len(rows["val"]) == len(rows["test"]) == len(folds)
    # Hovering the middle of fold 2's test bar names its dates.
    from gui.views.fold_timeline import seconds

    fold = folds[1]
    middle = seconds([fold.test_start])[0] / 2 + seconds([fold.test_end])[0] / 2
    text = view.timeline.describe(middle, 1.0)
    assert "Fold 2" in text and "Test" in text
    assert fold.test_start.strftime("%Y-%m-%d") in text and fold.test_end.strftime("%Y-%m-%d") in text
    assert view.timeline.describe(middle, 20.0) == ""


def test_selecting_another_model_and_horizon(backtest_view, backtest):
    view = backtest_view
    _replay(view, backtest)
    view.show_result(backtest.result)
    view.select(model="mlp", horizon=5)
    assert view.selection() == ("SP500", "mlp", 5)
    selected = view.equity_trace("SP500", "mlp", 5)
    assert selected.equity.isVisible() and selected.drawdown.isVisible()
    assert not view.equity_trace("SP500", "gru", 5).drawdown.isVisible()
    assert not view.equity_trace("SP500", "mlp", 1).equity.isVisible()
    assert view.metrics_table.horizontalHeaderItem(1).text() == "mlp"


def test_fifty_thousand_points_are_drawn_downsampled_and_clipped(backtest_view, qtbot):
    from engine.pipeline import EquityProgress

    view = backtest_view
    n = 50_000
    dates = pd.date_range("1990-01-01", periods=n, freq="h")
    rng = np.random.default_rng(0)
    equity = 10_000 * np.cumprod(1 + rng.normal(0, 0.001, n))
    periods = pd.DataFrame({"equity": equity, "benchmark_equity": equity[::-1],
                            "drawdown": equity / np.maximum.accumulate(equity) - 1}, index=dates)
    view.show_progress(EquityProgress("X", "lstm", 1, periods))
    trace = view.equity_trace("X", "lstm", 1)
    assert len(trace.equity.xData) == n
    for plot in (view.charts.price_plot, view.charts.equity_plot, view.charts.drawdown_plot):
        assert plot.clipToViewMode()
        assert plot.downsampleMode()[1:] == (True, "peak")  # auto downsampling, peak method
    for item in (trace.equity, trace.benchmark, trace.drawdown):
        assert item.opts["clipToView"] and item.opts["autoDownsample"] and item.opts["downsampleMethod"] == "peak"
    view.grab()  # draws once, downsampled


def test_clear_forgets_the_run(backtest_view, backtest):
    view = backtest_view
    date_axes = [view.charts.drawdown_plot.getAxis("bottom"), view.timeline.plot.getAxis("bottom")]
    assert not any(axis.has_data() for axis in date_axes)  # blank before the first run
    _replay(view, backtest)
    assert all(axis.has_data() for axis in date_axes)
    view.show_result(backtest.result)
    view.clear()
    assert view.equity_trace("SP500", "gru", 1) is None
    assert view.timeline.row_count == 0
    assert not view.warning_banner.isVisible()
    assert view.charts.equity_plot.listDataItems() == []
    assert not any(axis.has_data() for axis in date_axes)


def test_time_axis_follows_the_selected_series(backtest_view, two_series):
    """Regression: the axis was fitted once, to the earliest test of all series, squeezing a later one to the right."""
    from gui.views.fold_timeline import seconds

    view, bt = backtest_view, two_series
    _replay(view, bt)
    view.show_result(bt.result)
    for ticker in ("RECENT", "SP500", "RECENT"):
        view.select(ticker)
        folds = [f for f in bt.result.folds if f.ticker == ticker]
        first, last = seconds([min(f.test_start for f in folds), bt.bars[ticker].index[-1]])
        low, high = view.charts.price_plot.viewRange()[0]
        assert low < first < low + 0.05 * (high - low) and last < high < last + 0.05 * (high - low)
        start = seconds([min(f.train_start for f in folds)])[0]
        low, high = view.timeline.plot.viewRange()[0]
        assert low < start < low + 0.05 * (high - low)
    shown = view.charts.price_plot.viewRange()[0]
    view.select(model="linear (baseline)")  # another model of the same series keeps the view
    assert view.charts.price_plot.viewRange()[0] == pytest.approx(shown)


def test_a_small_window_keeps_every_label_whole(backtest_view, backtest, qtbot):
    """The tab area of a 1100×700 window: nothing overlaps, no legend entry nor the run summary is cut."""
    view, timeline = backtest_view, backtest_view.timeline
    view.resize(745, 610)
    _replay(view, backtest)
    view.show_result(backtest.result)
    view.trades_box.setChecked(True)

    def laid_out():
        assert timeline.legend.geometry().bottom() < timeline.plot_widget.geometry().top()
        assert timeline.plot_widget.geometry().bottom() < timeline.readout.geometry().top()
        assert timeline.readout.geometry().bottom() < timeline.height()
        for legend, plot in ((view.charts.price_legend, view.charts.price_plot), (view.charts.equity_legend, view.charts.equity_plot)):
            assert legend.width() <= plot.getViewBox().width()
        assert view.status.heightForWidth(view.status.width()) <= view.status.height()

    qtbot.waitUntil(laid_out)


def test_light_theme(backtest_view, backtest):
    _replay(backtest_view, backtest)
    backtest_view.show_result(backtest.result)
    backtest_view.apply_theme(LIGHT)
    assert backtest_view.charts.chart.backgroundBrush().color().name() == LIGHT.plot_bg




# --- Skill or luck --------------------------------------------------------------------------------------
SKILL_ROWS = ["DM p vs naive", "DM p vs linear", "DM p vs naive (BH)", "Dir. p vs coin", "Dir. p vs always-up", "PSR",
              "MinTRL [bars]", "Sharpe CI low", "Sharpe CI high", "Return CI low [%]", "Return CI high [%]"]


def _table_rows(view) -> list[str]:
    table = view.metrics_table
    return [table.item(r, 0).text() for r in range(table.rowCount())]


def _verdict(result, ticker: str, model: str, horizon: int) -> dict:
    return next(v for v in result.verdicts if (v["ticker"], v["model"], v["horizon"]) == (ticker, model, horizon))


def test_the_metrics_table_has_a_skill_section_and_the_verdict_sits_under_the_warnings(backtest_view, backtest):
    import html

    from gui.views.metric_rules import format_metric, run_stats_line

    view, result = backtest_view, backtest.result
    _replay(view, backtest)
    assert not view.verdict.isVisible()  # nothing to judge before the result
    view.show_result(result)
    rows = _table_rows(view)
    start = rows.index("Skill vs naive")
    assert rows[start + 1:start + 1 + len(SKILL_ROWS)] == SKILL_ROWS
    gru = result.metrics[(result.metrics["model"] == "gru") & (result.metrics["horizon"] == 1)].iloc[0]
    for offset, metric in enumerate(SKILL_ROWS, start=1):
        assert view.metrics_table.item(start + offset, 1).text() == format_metric(metric, gru[metric])
    assert "lower is better" in view.metrics_table.item(start + 1, 0).toolTip()

    assert view.verdict.isVisible() and view.warning_banner.isVisible()
    assert view.verdict.geometry().top() >= view.warning_banner.geometry().bottom()
    assert view.verdict.geometry().bottom() <= view.splitter.geometry().top()
    stats = result.run_stats[result.run_stats["horizon"] == 1].iloc[0]
    assert html.escape(_verdict(result, "SP500", "gru", 1)["text"]) in view.verdict.text()
    assert html.escape(run_stats_line(stats)) in view.verdict.text()
    assert "Best of 3 trials" in view.verdict.text() and "Deflated Sharpe" in view.verdict.text()
    view.select(model="mlp", horizon=5)
    assert html.escape(_verdict(result, "SP500", "mlp", 5)["text"]) in view.verdict.text()
    assert "5-bar" in view.verdict.text()


def test_the_long_conventions_are_folded_away_until_asked_for(backtest_view, backtest, qtbot):
    import html

    view, result, table = backtest_view, backtest.result, backtest_view.metrics_table
    view.resize(1366 - 430, 768 - 120)  # the tab area of a 1366×768 window
    _replay(view, backtest)
    view.show_result(result)
    assert view.metrics.conventions_button.isVisible() and not view.metrics.conventions.isVisible()
    assert html.escape(result.conventions) in view.metrics.conventions_button.toolTip()  # rich text, so it wraps
    row = table.verticalHeader().defaultSectionSize()
    qtbot.waitUntil(lambda: table.height() > 10 * row)
    view.metrics.conventions_button.setChecked(True)
    assert view.metrics.conventions.isVisible() and view.metrics.conventions.text() == result.conventions
    # The paragraph takes the table's room, not the charts'.
    qtbot.waitUntil(lambda: view.metrics.conventions.height() > 5 * row and table.height() < 10 * row)
    assert view.charts.chart.height() > 250
    view.metrics.conventions_button.setChecked(False)
    assert not view.metrics.conventions.isVisible()
    qtbot.waitUntil(lambda: table.height() > 10 * row)



# --- the equity chart -----------------------------------------------------------------------------------
def test_buy_and_hold_is_drawn_from_its_own_rows_in_its_theme_colour(backtest_view, backtest):
    from engine.baseline import BUY_AND_HOLD

    view, result = backtest_view, backtest.result
    _replay(view, backtest)
    view.show_result(result)
    view.apply_theme(LIGHT)
    rows = result.equity[(result.equity["model"] == BUY_AND_HOLD) & (result.equity["horizon"] == 1)]
    hold = view.equity_trace("SP500", BUY_AND_HOLD, 1)
    assert hold.equity.isVisible() and len(hold.equity.xData) == len(rows)  # the whole span the models traded
    np.testing.assert_allclose(hold.equity.yData, rows["equity"].to_numpy())
    assert hold.equity.opts["pen"].color().name() == LIGHT.buy_and_hold
    assert not view.equity_trace("SP500", "gru", 1).benchmark.isVisible()  # drawn once, from its own rows
    assert [label.text for _, label in view.charts.equity_legend.items].count("Buy & Hold") == 1


def test_runs_stored_before_buy_and_hold_had_rows_draw_it_from_the_benchmark_column(backtest_view, backtest):
    from engine.baseline import BUY_AND_HOLD

    view, result = backtest_view, backtest.result
    old = replace(result, equity=result.equity[result.equity["model"] != BUY_AND_HOLD],
                  predictions=result.predictions.drop(columns="reference_close"))
    view.show_run(backtest.config, old, backtest.bars)
    assert view.equity_trace("SP500", BUY_AND_HOLD, 1) is None
    assert view.equity_trace("SP500", "gru", 1).benchmark.isVisible()
    assert not view.charts.prediction_curves[1].isVisible()  # no reference close: no predicted price


def test_the_equity_axis_fits_the_curves_and_the_legends_sit_above_them(backtest_view, backtest, qtbot):
    view, charts = backtest_view, backtest_view.charts
    _replay(view, backtest)
    view.show_result(backtest.result)
    models = backtest.result.equity["model"].unique()
    shown = [view.equity_trace("SP500", m, 1).equity.yData for m in models]
    low, high = min(y.min() for y in shown), max(y.max() for y in shown)

    def fitted():
        bottom, top = charts.equity_plot.viewRange()[1]
        assert 0 < bottom <= low and high <= top < high + 0.2 * (high - low)
        for legend, plot in ((charts.price_legend, charts.price_plot), (charts.equity_legend, charts.equity_plot)):
            assert legend.sceneBoundingRect().bottom() <= plot.getViewBox().sceneBoundingRect().top()

    qtbot.waitUntil(fitted)

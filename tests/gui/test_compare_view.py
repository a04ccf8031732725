"""The Compare tab on a real tiny walk-forward backtest of the bundled SP500 sample: the leaderboard, the equity
overlay and the heatmap.

The backtests (GRU + MLP, 3 epochs, 6 folds, horizons 1 and 5; seeds 0 and 1) run once per module,
in memory, in a few seconds on a CPU.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMessageBox

from engine.leaderboard import COLUMNS
from gui.theme import LIGHT
from gui.views.leaderboard_model import SORT_ROLE

MODEL = COLUMNS.index("Model")


def _verdict(result, ticker: str, model: str, horizon: int) -> dict:
    return next(v for v in result.verdicts if (v["ticker"], v["model"], v["horizon"]) == (ticker, model, horizon))


# --- The leaderboard ----------------------------------------------------------------------------------------
def _column(view, name: str) -> list[float]:
    column = COLUMNS.index(name)
    return [view.proxy.index(r, column).data(SORT_ROLE) for r in range(view.proxy.rowCount())]


def test_leaderboard_has_a_row_per_run_ticker_model_horizon(compare_view, backtest):
    view = compare_view
    view.add_run("run 1", backtest.config, backtest.result)
    assert view.model.rowCount() == len(backtest.result.metrics)
    kinds = dict(zip(view.model.frame["Model"], view.model.frame["kind"]))
    assert kinds["Buy & Hold"] == kinds["Naive (no change)"] == kinds["linear (baseline)"] == "baseline"
    assert kinds["gru"] == "model"
    # Baseline rows look different: italic and muted.
    row = view.model.frame.index[view.model.frame["Model"] == "Buy & Hold"][0]
    assert view.model.index(row, MODEL).data(Qt.ItemDataRole.FontRole).italic()


def test_a_sort_keeps_the_selected_rows_and_the_best_marks_on_their_rows(compare_view, backtest):
    view = compare_view
    view.add_run("run 1", backtest.config, backtest.result)
    frame = view.model.frame
    picked = [int(frame.index[frame["Model"] == model][0]) for model in ("gru", "Buy & Hold")]
    view.select_rows([view.proxy.mapFromSource(view.model.index(row, 0)).row() for row in picked])
    chosen = {(view.model.row_cells(row)["Model"], view.model.row_cells(row)["Horizon"]) for row in picked}
    for name, order in (("# Trades", Qt.SortOrder.AscendingOrder), ("Model", Qt.SortOrder.DescendingOrder)):
        view.table.sortByColumn(COLUMNS.index(name), order)
        selected = {(view.model.row_cells(row)["Model"], view.model.row_cells(row)["Horizon"])
                    for row in {view.proxy.mapToSource(i).row() for i in view.table.selectionModel().selectedRows()}}
        assert selected == chosen
        best = view.model.frame["Sharpe Ratio"].astype(float).idxmax()
        assert view.model.is_best(int(best), "Sharpe Ratio")
    models = [view.proxy.index(r, MODEL).data() for r in range(view.proxy.rowCount())]
    assert models == sorted(models, key=str.lower, reverse=True)


def test_leaderboard_sorts_numerically_and_highlights_the_best(compare_view, backtest, qtbot):
    view = compare_view
    view.add_run("run 1", backtest.config, backtest.result)
    header = view.table.horizontalHeader()
    column = COLUMNS.index("# Trades")
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
    trades = _column(view, "# Trades")
    numbers = [t for t in trades if not np.isnan(t)]
    assert numbers == sorted(numbers) or numbers == sorted(numbers, reverse=True)
    assert len(set(numbers)) > 2 and np.isnan(trades[-1])  # Naive rows have no trades: last either way
    text = [view.proxy.index(r, column).data() for r in range(len(numbers))]
    assert sorted(text) != sorted(text, key=float)  # so a string sort would have shown another order
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
    again = [t for t in _column(view, "# Trades") if not np.isnan(t)]
    assert again == numbers[::-1] and np.isnan(_column(view, "# Trades")[-1])

    view.table.sortByColumn(COLUMNS.index("Sharpe Ratio"), Qt.SortOrder.DescendingOrder)
    sharpe = _column(view, "Sharpe Ratio")
    finite = [s for s in sharpe if not np.isnan(s)]
    assert finite == sorted(finite, reverse=True)
    top = view.proxy.mapToSource(view.proxy.index(0, 0)).row()
    assert view.model.is_best(top, "Sharpe Ratio")
    assert view.model.frame.at[top, "Sharpe Ratio"] == backtest.result.metrics["Sharpe Ratio"].max()
    # Lower is better for Theil's U: the best is the minimum.
    metrics = backtest.result.metrics
    best = [r for r in range(view.model.rowCount()) if view.model.is_best(r, "Theil's U")]
    assert {view.model.frame.at[r, "Theil's U"] for r in best} == {metrics["Theil's U"].min()}
    assert view.model.index(best[0], COLUMNS.index("Theil's U")).data(Qt.ItemDataRole.FontRole).bold()


def test_filter_and_baseline_toggle(compare_view, backtest):
    view = compare_view
    view.add_run("run 1", backtest.config, backtest.result)
    view.baselines_box.setChecked(False)
    shown = {view.proxy.index(r, MODEL).data() for r in range(view.proxy.rowCount())}
    assert shown == {"gru", "mlp"}
    view.filter.setText("mlp")
    assert {view.proxy.index(r, MODEL).data() for r in range(view.proxy.rowCount())} == {"mlp"}


def test_seed_summary_rows_for_runs_that_differ_only_in_the_seed(compare_view, backtest, backtest_seed_1):
    from engine.leaderboard import seed_summary

    view = compare_view
    view.add_run("run 1", backtest.config, backtest.result)
    assert not (view.model.frame["kind"] == "seeds").any()
    view.add_run("run 2", backtest_seed_1.config, backtest_seed_1.result)
    seeds = view.model.frame[view.model.frame["kind"] == "seeds"]
    assert set(seeds["Model"]) == {"gru", "mlp", "linear (baseline)"}  # Buy & Hold and Naive ignore the seed
    expected = seed_summary([backtest.result.metrics, backtest_seed_1.result.metrics])
    row = seeds[(seeds["Model"] == "gru") & (seeds["Horizon"] == 1)].index[0]
    want = expected[(expected["model"] == "gru") & (expected["horizon"] == 1)].iloc[0]
    assert view.model.frame.at[row, "Sharpe Ratio"] == pytest.approx(want["Sharpe Ratio mean"])
    assert view.model.frame.at[row, "Sharpe Ratio std"] == pytest.approx(want["Sharpe Ratio std"])
    assert "±" in view.model.index(row, COLUMNS.index("Sharpe Ratio")).data()
    assert view.model.frame.at[row, "Run"] == "mean: run 1, run 2"
    # Another setting than the seed: no summary with it.
    other = replace(backtest.config, windows=replace(backtest.config.windows, window=20))
    view.add_run("run 3", other, backtest.result)
    assert set(view.model.frame.loc[view.model.frame["kind"] == "seeds", "Run"]) == {"mean: run 1, run 2"}


def test_selecting_rows_overlays_equity_and_drawdown(compare_view, backtest):
    view = compare_view
    view.add_run("run 1", backtest.config, backtest.result)
    view.filter.setText("gru")
    view.baselines_box.setChecked(False)
    view.select_rows([0, 1])
    overlaid = view.overlay.overlaid()
    assert len(overlaid) == 2
    assert view.overlay.drawdown_plot.getViewBox().linkedView(0) is view.overlay.equity_plot.getViewBox()
    for name, curve in overlaid:
        horizon = int(name.split(" · ")[-1].split("-")[0])
        rows = backtest.result.equity
        assert len(curve.xData) == int(((rows["model"] == "gru") & (rows["horizon"] == horizon)).sum())
    view.select_rows([0])
    assert len(view.overlay.overlaid()) == 1
    assert sum(item.isVisible() for item in view.overlay.equity_plot.listDataItems()) == 1
    view.add_run("run 2", backtest.config, backtest.result)  # a run arriving keeps the selection
    assert [name for name, _ in view.overlay.overlaid()] == [overlaid[0][0]]


def test_heatmap_is_horizons_by_models(compare_view, backtest):
    view = compare_view
    view.add_run("run 1", backtest.config, backtest.result)
    metrics = backtest.result.metrics
    assert view.heatmap_shape() == (metrics["horizon"].nunique(), metrics["model"].nunique())  # 2 × 5
    view.metric_box.setCurrentText("Theil's U")
    gru = [view.heatmap.horizontalHeaderItem(c).text() for c in range(view.heatmap.columnCount())].index("gru")
    expected = metrics[(metrics["model"] == "gru") & (metrics["horizon"] == 1)]["Theil's U"].iloc[0]
    assert view.heatmap.item(0, gru).text() == f"{expected:.3f}"


def _cell_side(view, row: int, column: int) -> str:
    """Which way a heatmap cell's colour leans from the table colour: towards 'good' (green) or 'bad' (red)."""
    theme = view.heatmap.theme
    rgb = lambda colour: np.array(QColor(colour).getRgb()[:3], dtype=float)
    shift = rgb(view.heatmap.item(row, column).background().color()) - rgb(theme.base)
    if not shift.any():
        return "neutral"
    good, bad = shift @ (rgb(theme.success) - rgb(theme.base)), shift @ (rgb(theme.error) - rgb(theme.base))
    return "good" if good > bad else "bad"


def test_heatmap_colours_diverge_from_zero_for_trading_and_from_the_naive_for_forecasts(compare_view, backtest):
    view = compare_view
    metrics = backtest.result.metrics.copy()
    models = [m for m in dict.fromkeys(metrics["model"]) if m not in ("Buy & Hold", "Naive (no change)")]
    sharpe = dict(zip(models, (-0.05, -1.5, 0.3)))  # gru's loss is the best of the losses
    for model, value in sharpe.items():
        metrics.loc[metrics["model"] == model, "Sharpe Ratio"] = value
    metrics.loc[metrics["model"] == models[0], "Theil's U"] = 0.9  # beats the no-change forecast
    metrics.loc[metrics["model"] == models[1], "Theil's U"] = 1.2
    view.add_run("run 1", backtest.config, replace(backtest.result, metrics=metrics))
    columns = [view.heatmap.horizontalHeaderItem(c).toolTip() for c in range(view.heatmap.columnCount())]

    view.metric_box.setCurrentText("Sharpe Ratio")
    for model, value in sharpe.items():
        assert _cell_side(view, 0, columns.index(model)) == ("bad" if value < 0 else "good"), model
    assert "green is better than 0, red worse (higher is better)" in view.heat_hint.text()

    view.metric_box.setCurrentText("Theil's U")
    assert [_cell_side(view, 0, columns.index(m)) for m in (*models[:2], "Naive (no change)")] == \
        ["good", "bad", "neutral"]
    assert "green is better than 1, red worse (lower is better)" in view.heat_hint.text()

    view.metric_box.setCurrentText("MAE")  # errors in the target's units: the naive's own value is the mark
    naive = metrics.loc[(metrics["model"] == "Naive (no change)") & (metrics["horizon"] == 1), "MAE"].iloc[0]
    for model in models:
        mae = metrics.loc[(metrics["model"] == model) & (metrics["horizon"] == 1), "MAE"].iloc[0]
        assert _cell_side(view, 0, columns.index(model)) == ("good" if mae < naive else "bad"), model
    assert "green beats the naive forecast" in view.heat_hint.text()


def test_double_clicking_a_leaderboard_row_opens_that_model_on_the_backtest_tab(window, backtest, qtbot):
    compare, shown = window.compare_view, window.backtest_view
    compare.add_run("run 1", backtest.config, backtest.result)
    window.tabs.setCurrentWidget(compare)
    horizon = COLUMNS.index("Horizon")
    row = next(r for r in range(compare.proxy.rowCount())
               if (compare.proxy.index(r, MODEL).data(), compare.proxy.index(r, horizon).data()) == ("mlp", "5"))
    index = compare.proxy.index(row, MODEL)
    compare.table.scrollTo(index)
    centre = compare.table.visualRect(index).center()
    qtbot.mouseClick(compare.table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(compare.table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert window.tabs.currentWidget() is shown
    assert shown.selection() == ("SP500", "mlp", 5)  # not the run's first model (gru) at its first horizon
    qtbot.waitUntil(lambda: shown.price_curve.xData is not None and len(shown.price_curve.xData) > 0,
                    timeout=30_000)
    assert shown.selection() == ("SP500", "mlp", 5)  # still, once the prices have loaded


def test_rerun_and_export_emit_the_run(compare_view, backtest, qtbot):
    view = compare_view
    view.add_run("run 1", backtest.config, backtest.result)
    with qtbot.waitSignal(view.sigRerunRequested) as rerun:
        qtbot.mouseClick(view.rerun_button, Qt.MouseButton.LeftButton)
    assert rerun.args == [backtest.config]
    with qtbot.waitSignal(view.sigExportRequested) as export:
        qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    assert export.args[0] == "run 1" and export.args[1] is backtest.result


def test_delete_asks_first_and_removes_the_run_from_the_store(compare_view, backtest, backtest_seed_1, tmp_path,
                                                              monkeypatch, qtbot):
    from engine.store import RunStore

    view = compare_view
    with RunStore(tmp_path / "runs.sqlite") as store:
        first = store.save(backtest.config, backtest.result, fingerprint="f")
        second = store.save(backtest_seed_1.config, backtest_seed_1.result, fingerprint="f")
        contents = store.load_all()
        assert view.show_stored(contents.runs, contents.damaged, store=store) == 2
        assert set(view.run_keys) == {f"#{first}", f"#{second}"}
        assert (view.model.frame["kind"] == "seeds").any()  # the stored pair differs only in the seed
        view.set_current_run(f"#{first}")
        asked = []

        def answer(reply):
            def question(parent, title, text, *args, **kwargs):
                asked.append(text)
                return reply
            return staticmethod(question)

        monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
        qtbot.mouseClick(view.delete_button, Qt.MouseButton.LeftButton)
        assert len(asked) == 1 and f"#{first}" in asked[0]
        assert len(store.list_runs()) == 2 and f"#{first}" in view.run_keys

        monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
        with qtbot.waitSignal(view.sigRunDeleted) as deleted:
            qtbot.mouseClick(view.delete_button, Qt.MouseButton.LeftButton)
        assert deleted.args == [f"#{first}"]
        assert list(store.list_runs()["id"]) == [second]
        assert view.run_keys == [f"#{second}"]
        assert set(view.model.frame["Run"]) == {f"#{second}"}
        assert not (view.model.frame["kind"] == "seeds").any()


def test_compare_light_theme(compare_view, backtest):
    compare_view.add_run("run 1", backtest.config, backtest.result)
    compare_view.select_rows([0])
    compare_view.apply_theme(LIGHT)
    assert compare_view.overlay.backgroundBrush().color().name() == LIGHT.plot_bg



# --- Skill or luck --------------------------------------------------------------------------------------
def test_leaderboard_p_value_and_sharpe_interval_sort_numerically(compare_view, backtest):
    from gui.views.metric_rules import format_interval

    view = compare_view
    view.add_run("run 1", backtest.config, backtest.result)
    p_column, ci_column = COLUMNS.index("DM p vs naive"), COLUMNS.index("Sharpe CI")
    assert view.model.headerData(p_column, Qt.Orientation.Horizontal) == "DM p\nvs naive"
    for column in (p_column, ci_column):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            view.table.sortByColumn(column, order)
            values = [view.proxy.index(r, column).data(SORT_ROLE) for r in range(view.proxy.rowCount())]
            finite = [v for v in values if not np.isnan(v)]
            assert finite == sorted(finite, reverse=order == Qt.SortOrder.DescendingOrder)
            assert all(np.isnan(v) for v in values[len(finite):])  # Buy & Hold and Naive have no DM p: last
    metrics = backtest.result.metrics
    row = view.model.frame.index[(view.model.frame["Model"] == "gru") & (view.model.frame["Horizon"] == 5)][0]
    gru = metrics[(metrics["model"] == "gru") & (metrics["horizon"] == 5)].iloc[0]
    assert view.model.index(row, ci_column).data() == format_interval(gru["Sharpe CI low"], gru["Sharpe CI high"])
    assert view.model.index(row, ci_column).data(SORT_ROLE) == gru["Sharpe CI low"]  # sorted by its lower end
    assert view.model.frame.at[row, "DM p vs naive"] == gru["DM p vs naive"]


def test_the_heatmap_greys_cells_without_evidence_of_skill(compare_view, backtest):
    from engine.significance import SIGNIFICANCE_LEVEL

    view = compare_view
    metrics = backtest.result.metrics.copy()
    skilled = (metrics["model"] == "gru") & (metrics["horizon"] == 1)
    metrics.loc[skilled, "DM p vs naive"] = SIGNIFICANCE_LEVEL / 10  # the engine's verdict: gru beats no change
    result = replace(backtest.result, metrics=metrics)
    view.add_run("run 1", backtest.config, result)
    view.metric_box.setCurrentText("Sharpe Ratio")
    columns = [view.heatmap.horizontalHeaderItem(c).toolTip() for c in range(view.heatmap.columnCount())]
    cells = {m: view.heatmap.item(0, columns.index(m)) for m in ("gru", "mlp", "Buy & Hold")}
    before = {m: cell.background().color().name() for m, cell in cells.items()}
    assert view.grey_box.isEnabled() and not view.grey_box.isChecked()
    assert view.grey_box.text() == f"Grey out p > {SIGNIFICANCE_LEVEL:g}"

    view.grey_box.setChecked(True)
    after = {m: view.heatmap.item(0, columns.index(m)).background().color().name() for m in cells}
    assert after["gru"] == before["gru"] and after["Buy & Hold"] == before["Buy & Hold"]  # no p-value: kept
    assert after["mlp"] != before["mlp"]
    assert view.heatmap.item(0, columns.index("mlp")).foreground().color().name() == view.heatmap.theme.muted
    assert "grey: no evidence of skill" in view.heat_hint.text()
    assert _verdict(result, "SP500", "mlp", 1)["text"] in view.heatmap.item(0, columns.index("mlp")).toolTip()

    view.grey_box.setChecked(False)
    assert view.heatmap.item(0, columns.index("mlp")).background().color().name() == before["mlp"]


def test_seed_rows_show_the_deflated_sharpe_with_every_model_and_seed_a_trial(compare_view, backtest,
                                                                              backtest_seed_1):
    from engine.skill import run_stats_over_seeds
    from gui.views.metric_rules import format_metric

    view = compare_view
    view.add_run("run 1", backtest.config, backtest.result)
    view.add_run("run 2", backtest_seed_1.config, backtest_seed_1.result)
    expected = run_stats_over_seeds({0: backtest.result, 1: backtest_seed_1.result}, target="log_return",
                                    repetitions=backtest.config.trading.bootstrap_repetitions)
    frame, dsr = view.model.frame, COLUMNS.index("DSR")
    for horizon in (1, 5):
        want = expected[expected["horizon"] == horizon].iloc[0]
        assert want["trials"] == 6  # gru, mlp and the linear baseline, twice
        rows = frame.index[(frame["kind"] == "seeds") & (frame["Horizon"] == horizon)]
        assert len(rows) == 3
        for row in rows:
            assert frame.at[row, "DSR"] == pytest.approx(want["DSR"])
            assert view.model.index(row, dsr).data() == format_metric("DSR", want["DSR"])
            tooltip = view.model.index(row, dsr).data(Qt.ItemDataRole.ToolTipRole)
            assert "Best of 6 trials" in tooltip and want["best model"] in tooltip
            # A mean of p-values is no p-value, nor is a mean of interval ends an interval.
            assert view.model.index(row, COLUMNS.index("DM p vs naive")).data() == "—"
            assert view.model.index(row, COLUMNS.index("Sharpe CI")).data() == "—"
    # A single run's rows carry that run's own figure; the baselines that are no trial carry none.
    stats = backtest.result.run_stats
    mine = frame[(frame["Run"] == "run 1") & (frame["Horizon"] == 1)].set_index("Model")["DSR"]
    assert mine["gru"] == pytest.approx(stats.loc[stats["horizon"] == 1, "DSR"].iloc[0])
    assert np.isnan(mine["Buy & Hold"]) and np.isnan(mine["Naive (no change)"])


def _overlay_buy_and_hold(view) -> list:
    view.filter.setText("Buy")
    view.select_rows([0])
    return view.overlay.overlaid()


def test_buy_and_hold_draws_its_own_equity_and_drawdown_in_its_own_colour(compare_view, backtest):
    from gui.theme import buy_and_hold_pen

    view = compare_view
    view.add_run("run 1", backtest.config, backtest.result)
    [(name, curve)] = _overlay_buy_and_hold(view)
    rows = backtest.result.equity
    held = rows[(rows["model"] == "Buy & Hold") & (rows["horizon"] == int(name.split(" · ")[-1].split("-")[0]))]
    np.testing.assert_allclose(curve.yData, held["equity"].to_numpy())
    drawdowns = [item for item in view.overlay.drawdown_plot.listDataItems() if item.isVisible()]
    assert len(drawdowns) == 1
    np.testing.assert_allclose(drawdowns[0].yData, held["drawdown"].to_numpy() * 100)
    assert curve.opts["pen"].color().name() == buy_and_hold_pen(view.heatmap.theme).color().name()
    view.apply_theme(LIGHT)
    assert curve.opts["pen"].color().name() == buy_and_hold_pen(LIGHT).color().name()


def test_a_run_stored_before_buy_and_hold_had_its_own_rows_draws_the_benchmark_column(compare_view, backtest):
    view, result = compare_view, backtest.result
    old = replace(result, equity=result.equity[result.equity["model"] != "Buy & Hold"])
    view.add_run("run 1", backtest.config, old)
    [(name, curve)] = _overlay_buy_and_hold(view)
    horizon = int(name.split(" · ")[-1].split("-")[0])
    gru = old.equity[(old.equity["model"] == "gru") & (old.equity["horizon"] == horizon)]
    np.testing.assert_allclose(curve.yData, gru["benchmark_equity"].to_numpy())
    assert not any(item.isVisible() for item in view.overlay.drawdown_plot.listDataItems())  # none stored


def test_undefined_values_sort_last_in_either_order_even_after_infinities(qtbot):
    from engine.leaderboard import FRAME_COLUMNS
    from gui.views.leaderboard_model import LeaderboardModel

    model = LeaderboardModel()
    values = [1.0, np.nan, np.inf, -np.inf, 0.5]  # undefined first: ties would keep it before the infinities
    model.set_frame(pd.DataFrame({name: values if name == "Sharpe Ratio" else ["x"] * len(values)
                                  for name in FRAME_COLUMNS}))
    column = COLUMNS.index("Sharpe Ratio")

    def shown() -> list[float]:
        return [model.raw(row, column) for row in range(model.rowCount())]

    model.sort(column, Qt.SortOrder.AscendingOrder)
    assert shown()[:4] == [-np.inf, 0.5, 1.0, np.inf] and np.isnan(shown()[4])
    model.sort(column, Qt.SortOrder.DescendingOrder)
    assert shown()[:4] == [np.inf, 1.0, 0.5, -np.inf] and np.isnan(shown()[4])

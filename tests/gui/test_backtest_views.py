"""The Backtest and Compare tabs on a real tiny walk-forward backtest of the bundled SP500 sample.

The backtests (GRU + MLP, 3 epochs, 6 folds, horizons 1 and 5; seeds 0 and 1) run once per module,
in memory, in a few seconds on a CPU.
"""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from gui.views.compare_view import COLUMNS

MODEL = COLUMNS.index("Model")


def test_a_run_cancelled_before_its_first_fold(backtest_view, compare_view, backtest):
    from engine.results import evaluate

    empty = evaluate(pd.DataFrame(), [], backtest.bars, target="log_return", trading=backtest.config.trading)
    backtest_view.start_run(backtest.config, backtest.bars)
    backtest_view.show_result(empty)
    assert backtest_view.metrics_table.isHidden() and not backtest_view.warning_banner.isVisible()
    compare_view.add_run("run 1", backtest.config, empty)
    compare_view.add_run("run 2", replace(backtest.config, training=replace(backtest.config.training, seed=1)), empty)
    assert compare_view.model.rowCount() == 0 and compare_view.heatmap_shape() == (0, 0)


# --- Skill or luck --------------------------------------------------------------------------------------
SKILL_ROWS = ["DM p vs naive", "DM p vs linear", "DM p vs naive (BH)", "Dir. p vs coin", "Dir. p vs always-up", "PSR",
              "MinTRL [bars]", "Sharpe CI low", "Sharpe CI high", "Return CI low [%]", "Return CI high [%]"]


def _table_rows(view) -> list[str]:
    table = view.metrics_table
    return [table.item(r, 0).text() for r in range(table.rowCount())]


def _store_as_before_the_skill_tests(store, path, bt) -> int:
    """Store a run as versions before the significance tests did: no skill columns and no run_stats table."""
    import sqlite3

    from gui.views.metric_rules import MEANING, P_VALUES

    metrics = bt.result.metrics
    old = replace(bt.result, metrics=metrics.drop(columns=[c for c in metrics if c in P_VALUES or c in MEANING]))
    run_id = store.save(bt.config, old, fingerprint="f")
    with sqlite3.connect(path) as connection:
        connection.execute("DELETE FROM tables WHERE run_id = ? AND name = 'run_stats'", (run_id,))
    connection.close()
    return run_id


def test_runs_stored_before_the_skill_tests_open_without_them(compare_view, backtest_view, backtest,
                                                               backtest_seed_1, tmp_path):
    from engine.store import RunStore

    path = tmp_path / "runs.sqlite"
    with RunStore(path) as store:
        ids = [_store_as_before_the_skill_tests(store, path, bt) for bt in (backtest, backtest_seed_1)]
    with RunStore(path) as store:
        assert compare_view.load_store(store) == 2
        old = store.load(ids[0])
    assert "DM p vs naive" not in old.result.metrics and old.result.run_stats.empty
    frame = compare_view.model.frame
    assert (frame["kind"] == "seeds").any() and frame["DSR"].isna().all()
    shown = {compare_view.proxy.index(r, COLUMNS.index(c)).data() for r in range(compare_view.proxy.rowCount())
             for c in ("DM p vs naive", "Sharpe CI", "DSR")}
    assert shown == {"—"}
    assert not compare_view.grey_box.isEnabled()

    backtest_view.show_run(old.config, old.result, backtest.bars)
    assert "Skill vs naive" not in _table_rows(backtest_view) and not backtest_view.verdict.isVisible()
    assert backtest_view.metrics_table.rowCount() > 0

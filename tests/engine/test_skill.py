"""Skill or luck in every backtest result: the significance columns, the verdicts and run_stats, end to end."""
import numpy as np
import pandas as pd
import pytest
from scipy.stats import false_discovery_control

from engine.baseline import BUY_AND_HOLD, LINEAR_BASELINE, NAIVE
from engine.results import evaluate, export_csv
from engine.skill import RUN_STATS_COLUMNS, run_stats_over_seeds
from engine.trading import TradingConfig

SKILL_COLUMNS = ["DM p vs naive", "DM p vs naive (two-sided)", "DM p vs naive (abs)", "DM p vs linear", "PSR",
                 "MinTRL [bars]", "Sharpe CI low", "Sharpe CI high", "Return CI low [%]", "Return CI high [%]",
                 "Dir. p vs coin", "Dir. p vs always-up", "DM p vs naive (BH)"]
TRADING = TradingConfig(cost_bps=0, slippage_bps=0, bootstrap_repetitions=200)


def _predictable(n: int = 1200, phi: float = 0.3, seed: int = 0):
    """Bars whose next log return is phi × today's plus noise, and prediction rows for three forecasters."""
    rng = np.random.default_rng(seed)
    returns = np.zeros(n)
    for t in range(1, n):
        returns[t] = phi * returns[t - 1] + rng.normal(0, 0.01)
    close = 100 * np.exp(np.cumsum(returns))
    index = pd.bdate_range("2015-01-01", periods=n)
    bars = pd.DataFrame({"open": close, "high": close, "low": close, "close": close, "volume": 1.0}, index=index)
    decisions = np.arange(200, n - 1)
    actual = returns[decisions + 1]
    rows = []
    for model, predicted in (("oracle", phi * returns[decisions]),
                             ("noise", rng.normal(0, 0.01, len(decisions))),
                             (LINEAR_BASELINE, 0.5 * phi * returns[decisions])):
        rows.append(pd.DataFrame({"date": index[decisions], "target_date": index[decisions + 1], "ticker": "AR",
                                  "model": model, "horizon": 1, "fold": 0, "reference_close": close[decisions],
                                  "actual": actual, "predicted": predicted}))
    return bars, pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="module")
def result():
    bars, predictions = _predictable()
    return evaluate(predictions, [], {"AR": bars}, target="log_return", trading=TRADING, seed=3)


def _row(result, model):
    return result.metrics.set_index("model").loc[model]


def test_every_result_carries_the_named_significance_columns(result):
    assert set(SKILL_COLUMNS) <= set(result.metrics.columns)


def test_a_model_with_a_real_edge_gets_a_small_p_value_and_says_so(result):
    oracle = _row(result, "oracle")
    assert oracle["DM p vs naive"] < 0.01 and oracle["DM p vs linear"] < 0.05
    assert oracle["Dir. p vs coin"] < 0.01 and oracle["PSR"] > 0.95 and oracle["Sharpe CI low"] > 0
    line = next(v for v in result.verdicts if v["model"] == "oracle")
    assert line["significant"] and line["text"].startswith("oracle beats predicting no change on squared error")


def test_a_forecast_without_an_edge_is_not_called_skilful(result):
    noise = _row(result, "noise")
    assert noise["DM p vs naive"] > 0.05  # pure noise adds squared error: no evidence it beats no change
    line = next(v for v in result.verdicts if v["model"] == "noise")
    assert not line["significant"]


def test_the_baseline_is_not_tested_against_itself_and_the_baselines_get_no_verdict(result):
    assert np.isnan(_row(result, LINEAR_BASELINE)["DM p vs linear"])
    assert {v["model"] for v in result.verdicts} == {"oracle", "noise", LINEAR_BASELINE}
    assert np.isfinite(_row(result, BUY_AND_HOLD)["PSR"]) and np.isnan(_row(result, NAIVE)["PSR"])


def test_the_multiple_testing_column_is_benjamini_hochberg_over_the_run(result):
    tested = result.metrics["DM p vs naive"].notna()
    expected = false_discovery_control(result.metrics.loc[tested, "DM p vs naive"].to_numpy())
    np.testing.assert_allclose(result.metrics.loc[tested, "DM p vs naive (BH)"], expected, rtol=1e-12)


def test_run_stats_deflate_the_best_of_the_trials_and_test_them_all(result):
    stats = result.run_stats
    assert list(stats.columns) == RUN_STATS_COLUMNS and len(stats) == 1
    row = stats.iloc[0]
    assert row["best model"] == "oracle" and row["trials"] == 3 and 1 <= row["effective trials"] <= 3
    assert 0 <= row["DSR"] <= 1 and row["SPA p vs naive"] < 0.05


def test_the_bootstraps_are_seeded(result):
    bars, predictions = _predictable()
    again = evaluate(predictions, [], {"AR": bars}, target="log_return", trading=TRADING, seed=3)
    other = evaluate(predictions, [], {"AR": bars}, target="log_return", trading=TRADING, seed=4)
    pd.testing.assert_frame_equal(result.metrics, again.metrics)
    assert not np.allclose(result.metrics["Sharpe CI low"].dropna(), other.metrics["Sharpe CI low"].dropna())


def test_the_direction_target_is_tested_against_a_coin_and_the_base_rate():
    bars, predictions = _predictable()
    predictions = predictions.assign(actual=(predictions["actual"] > 0).astype(float),
                                     predicted=1 / (1 + np.exp(-200 * predictions["predicted"])))
    metrics = evaluate(predictions, [], {"AR": bars}, target="direction", trading=TRADING).metrics.set_index("model")
    assert metrics.loc["oracle", "Dir. p vs coin"] < 0.01 and metrics.loc["oracle", "DM p vs base rate"] < 0.05
    assert metrics.loc["oracle", "Brier"] < metrics.loc["oracle", "Brier (base rate)"]
    assert "DM p vs naive" not in metrics.columns


def test_run_stats_over_seeds_count_each_model_and_seed_as_a_trial(result):
    stats = run_stats_over_seeds({0: result, 1: result}, target="log_return", repetitions=100)
    assert stats.iloc[0]["trials"] == 6 and stats.iloc[0]["best model"].startswith("oracle (seed")
    assert stats.iloc[0]["effective trials"] < 6  # identical copies are not independent trials


def test_run_stats_are_exported(result, tmp_path):
    export_csv(result, tmp_path)
    exported = pd.read_csv(tmp_path / "run_stats.csv")
    assert list(exported.columns) == RUN_STATS_COLUMNS and exported["best model"].iloc[0] == "oracle"


def test_buy_and_hold_has_its_own_equity_rows_over_the_dates_the_models_traded(result):
    equity = result.equity.set_index(["model", "date"])
    held, oracle = equity.loc[BUY_AND_HOLD], equity.loc["oracle"]
    np.testing.assert_allclose(held["equity"], oracle["benchmark_equity"], rtol=1e-12)
    assert list(held.index) == list(oracle.index) and (result.trades["model"] == BUY_AND_HOLD).sum() == 1

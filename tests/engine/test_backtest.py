"""Walk-forward replay: no look-ahead for any architecture or retrain schedule, folds, baselines."""
import numpy as np
import pandas as pd
import pytest

from engine.backtest import LinearBaselineFitter, NetworkFitter, walk_forward
from engine.errors import WorkbenchError
from engine.fit_config import TrainConfig, WalkForwardConfig
from engine.folds import fold_starts
from engine.baseline import LINEAR_BASELINE
from engine.pipeline import run_backtest
from engine.runs import RunConfig
from engine.train import predict, train_model
from engine.windows import WindowConfig, window_series
from models import ARCHITECTURES, ModelConfig, fields_of, model_config_for

WINDOWS = WindowConfig(window=8, horizons=(1, 3), features=("log_return", "hl_range"))
TRAINING = TrainConfig(epochs=2, batch_size=32, device="cpu", patience=0)
TINY = dict(hidden_size=8, num_layers=1, hidden_layers=(8,), channels=(8,), dropout=0.0)


@pytest.fixture(scope="module")
def bars(real_data) -> pd.DataFrame:
    frame = pd.read_csv(real_data / "GOOG_daily_2004_2013.csv", index_col=0, parse_dates=True)
    frame.columns = [c.lower() for c in frame.columns]
    return frame.iloc[:420].astype(float)


def tiny(arch: str) -> ModelConfig:
    """The architecture with TINY's sizes, those of its fields it has."""
    return model_config_for(arch, **fields_of(arch, TINY))


def _network(model: ModelConfig, schedule: WalkForwardConfig, training: TrainConfig = TRAINING) -> NetworkFitter:
    return NetworkFitter(model, training, schedule, classification=False)


def _noise_after(bars: pd.DataFrame, cut: int) -> pd.DataFrame:
    noisy = bars.copy()
    rng = np.random.default_rng(cut)
    tail = len(bars) - cut - 1
    close = bars["close"].iloc[cut] * np.exp(np.cumsum(rng.normal(0, 0.05, tail)))
    spread = rng.uniform(0.001, 0.05, tail)
    noisy.iloc[cut + 1:] = np.column_stack([close * (1 + spread / 2), close * (1 + spread), close * (1 - spread),
                                            close, rng.uniform(1e5, 1e8, tail)])
    return noisy


@pytest.mark.parametrize("arch", [*ARCHITECTURES, LINEAR_BASELINE])
@pytest.mark.parametrize("schedule", [
    WalkForwardConfig(initial_train=200, retrain_every=60, warm_start=True, warm_epochs=1),
    WalkForwardConfig(initial_train=200, retrain_every=0),
    WalkForwardConfig(initial_train=200, retrain_every=45, scheme="rolling", warm_start=False),
], ids=["warm-expanding", "train-once", "cold-rolling"])
def test_noise_after_t_changes_no_prediction_dated_up_to_t(bars, arch, schedule):
    cut = 300
    fit = (LinearBaselineFitter(classification=False) if arch == LINEAR_BASELINE
           else _network(tiny(arch), schedule))
    clean = walk_forward("GOOG", bars, arch, fit, WINDOWS, schedule)
    noisy = walk_forward("GOOG", _noise_after(bars, cut), arch, fit, WINDOWS, schedule)
    clean, noisy = clean.predictions, noisy.predictions
    cutoff = bars.index[cut]
    before_clean, before_noisy = clean[clean["date"] <= cutoff], noisy[noisy["date"] <= cutoff]
    assert len(before_clean) > 50
    pd.testing.assert_series_equal(before_clean["predicted"], before_noisy["predicted"])
    after = clean["date"] > cutoff
    assert not np.allclose(clean.loc[after, "predicted"], noisy.loc[after, "predicted"])


def test_noise_in_the_tested_bars_changes_neither_the_baselines_alpha_nor_its_coefficients(bars):
    once = WalkForwardConfig(initial_train=300, retrain_every=0)
    fit = LinearBaselineFitter(classification=False)
    clean = walk_forward("GOOG", bars, LINEAR_BASELINE, fit, WINDOWS, once)
    noisy = walk_forward("GOOG", _noise_after(bars, 299), LINEAR_BASELINE, fit, WINDOWS, once)
    assert set(clean.final_state) == {"coef", "intercept", "penalty"}
    for name, values in clean.final_state.items():
        np.testing.assert_array_equal(values.numpy(), noisy.final_state[name].numpy(), err_msg=name)
    assert not np.allclose(clean.predictions["predicted"], noisy.predictions["predicted"])


def test_actuals_are_the_closes_themselves_so_an_unchanged_close_is_no_move(bars):
    prices = bars * 20  # closes near 7200, where float32 steps are about 0.0005
    unchanged = 350
    prices.iloc[unchanged + 1, prices.columns.get_loc("close")] = prices["close"].iloc[unchanged]
    windows = WindowConfig(window=8, target="close", features=("log_return", "hl_range"))
    schedule = WalkForwardConfig(initial_train=200, retrain_every=70)
    walked = walk_forward("GOOG", prices, LINEAR_BASELINE, LinearBaselineFitter(classification=False), windows,
                          schedule).predictions
    np.testing.assert_array_equal(walked["actual"], prices["close"].loc[walked["target_date"]].to_numpy())
    flat = walked[walked["date"] == prices.index[unchanged]]
    assert len(flat) == 1 and (flat["actual"] - flat["reference_close"]).iloc[0] == 0


def test_folds_tile_the_test_period_and_train_only_on_the_past(bars):
    schedule = WalkForwardConfig(initial_train=200, retrain_every=50)
    walked = walk_forward("GOOG", bars, "mlp", _network(tiny("mlp"), schedule), WINDOWS, schedule)
    predictions, folds = walked.predictions, walked.folds
    assert [f.index for f in folds] == list(range(len(fold_starts(len(bars), schedule, WINDOWS.horizons))))
    for fold, following in zip(folds, folds[1:]):
        assert fold.test_end < following.test_start
        first_target = predictions[(predictions["fold"] == fold.index)]["target_date"].min()
        assert fold.train_end < first_target and fold.val_end < first_target and fold.scaler_fit_end < first_target
    assert not predictions.duplicated(["horizon", "date"]).any()  # each decision bar predicted once per horizon


def test_retraining_every_0_bars_equals_a_single_training(bars):
    model = tiny("gru")
    schedule = WalkForwardConfig(initial_train=200, retrain_every=0)
    walked = walk_forward("GOOG", bars, "gru", _network(model, schedule), WINDOWS, schedule)
    predictions, folds = walked.predictions, walked.folds
    assert len(folds) == 1
    val_start = 200 - round(0.15 * 200)
    samples, scalers = window_series("GOOG", bars, WINDOWS, val_start, 200)
    trained = train_model(model, samples["train"].x, samples["train"].y, samples["val"].x, samples["val"].y,
                          TRAINING)
    expected = scalers.target.inverse_transform(predict(trained.model, samples["test"].x))
    np.testing.assert_allclose(predictions["predicted"].to_numpy(), expected.T.ravel(), rtol=1e-6)


def test_warm_start_carries_weights_across_folds(bars):
    schedule = WalkForwardConfig(initial_train=200, retrain_every=60, warm_epochs=1)
    lstm = _network(tiny("lstm"), schedule)
    folds = walk_forward("GOOG", bars, "lstm", lstm, WINDOWS, schedule).folds
    assert [f.warm_started for f in folds] == [False] + [True] * (len(folds) - 1)
    assert all(f.epochs_run == 1 for f in folds[1:])


def test_a_backtest_puts_every_model_beside_the_baselines(bars):
    config = RunConfig(windows=WINDOWS, models=(tiny("gru"),), training=TRAINING,
                       walk_forward=WalkForwardConfig(initial_train=200, retrain_every=100))
    result = run_backtest(config, {"GOOG": bars}).result
    assert set(result.metrics["model"]) == {"gru", LINEAR_BASELINE, "Buy & Hold", "Naive (no change)"}
    assert set(result.predictions["horizon"]) == {1, 3}
    naive = result.metrics[result.metrics["model"] == "Naive (no change)"]
    assert (naive["Theil's U"] == 1).all()
    gru = result.metrics[(result.metrics["model"] == "gru") & (result.metrics["horizon"] == 1)].iloc[0]
    hold = result.metrics[(result.metrics["model"] == "Buy & Hold") & (result.metrics["horizon"] == 1)].iloc[0]
    assert gru["Start"] == hold["Start"] and gru["End"] == hold["End"]
    assert gru["Buy & Hold Return [%]"] == pytest.approx(hold["Return [%]"])
    assert "next bar's open" in result.conventions
    assert result.predictions["realized_date"].dropna().gt(result.predictions["date"]).all()


def test_a_lagged_copy_of_the_last_price_is_called_out(bars):
    config = RunConfig(windows=WindowConfig(window=8, target="close", features=("close",)),
                       models=(model_config_for("mlp"),), training=TrainConfig(epochs=30, device="cpu", patience=0),
                       walk_forward=WalkForwardConfig(initial_train=200, retrain_every=0))
    result = run_backtest(config, {"GOOG": bars}).result
    copies = [w for w in result.warnings if w.kind == "lagged_copy"]
    assert copies and all("lagged copy of the last price" in w.text for w in copies)
    assert any(w.is_for("GOOG", "mlp", 1) for w in copies)  # a record of its cell, not a sentence to parse


def test_too_long_an_initial_span_is_refused(bars):
    with pytest.raises(WorkbenchError, match="leaves nothing to test"):
        schedule = WalkForwardConfig(initial_train=len(bars))
        walk_forward("GOOG", bars, "mlp", _network(model_config_for("mlp"), schedule), WINDOWS, schedule)


def test_progress_events_grow_the_equity_curve_fold_by_fold(bars):
    from engine.backtest import FoldDone, FoldTraining
    from engine.pipeline import EquityProgress

    config = RunConfig(windows=WINDOWS, models=(model_config_for("linear"),), training=TRAINING,
                       walk_forward=WalkForwardConfig(initial_train=200, retrain_every=70))
    events = []
    result = run_backtest(config, {"GOOG": bars}, on_event=events.append).result
    folds = [e for e in events if isinstance(e, FoldDone) and e.fold.model == "linear"]
    curves = [e for e in events if isinstance(e, EquityProgress) and e.horizon == 1 and e.model == "linear"]
    assert len(folds) == len(curves) == 4 and any(isinstance(e, FoldTraining) for e in events)
    lengths = [len(c.periods) for c in curves]
    assert lengths == sorted(lengths) and lengths[0] < lengths[-1]
    final = result.equity.query("model == 'linear' and horizon == 1")["equity"].to_numpy()
    np.testing.assert_allclose(curves[-1].periods["equity"].to_numpy(), final)


def test_a_return_forecast_no_better_than_no_change_is_called_out_without_the_lagged_copy_argument():
    from engine.results import _lagged_copy_warning

    rng = np.random.default_rng(0)
    group = pd.DataFrame({"reference_close": 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 250))),
                          "predicted": rng.normal(0, 1e-4, 250)})
    keys = {"model": "lstm", "ticker": "SP500", "horizon": 1}
    warning = _lagged_copy_warning(group, "log_return", {"Theil's U": 1.004}, keys)
    assert warning.kind == "no_skill" and warning.is_for("SP500", "lstm", 1)
    assert warning.text.startswith("lstm on SP500 (horizon 1): no better than predicting no change (Theil's U 1.004)")
    assert "lagged copy" not in warning.text
    assert _lagged_copy_warning(group, "log_return", {"Theil's U": 0.9}, keys) is None  # real skill: no warning

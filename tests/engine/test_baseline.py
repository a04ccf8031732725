"""The linear baseline: fitted in closed form on each fold's own samples, whatever the training settings."""
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from engine.backtest import LinearBaselineFitter, walk_forward
from engine.baseline import LINEAR_BASELINE, RIDGE_ALPHAS, LinearFit, fit_linear_baseline
from engine.fit_config import TrainConfig, WalkForwardConfig
from engine.folds import fold_spans
from engine.pipeline import run_backtest
from engine.runs import RunConfig
from engine.windows import WindowConfig, window_series
from models import model_config_for

WINDOWS = WindowConfig(window=8, horizons=(1, 3), features=("log_return", "hl_range"))
DIRECTION = replace(WINDOWS, target="direction")
SCHEDULE = WalkForwardConfig(initial_train=200, retrain_every=70)
RIDGE = LinearBaselineFitter(classification=False)


@pytest.fixture(scope="module")
def bars(real_data) -> pd.DataFrame:
    frame = pd.read_csv(real_data / "GOOG_daily_2004_2013.csv", index_col=0, parse_dates=True)
    frame.columns = [c.lower() for c in frame.columns]
    return frame.iloc[:420].astype(float)


def _baseline_rows(config: RunConfig, bars: pd.DataFrame) -> pd.DataFrame:
    predictions = run_backtest(config, {"GOOG": bars}).result.predictions
    return predictions[predictions["model"] == LINEAR_BASELINE].reset_index(drop=True)


def test_the_baseline_is_the_same_whatever_the_training_settings(bars):
    def config(training: TrainConfig) -> RunConfig:
        return RunConfig(windows=WINDOWS, models=(model_config_for("linear"),), training=training,
                         walk_forward=SCHEDULE)

    one = _baseline_rows(config(TrainConfig(epochs=1, device="cpu")), bars)
    other = _baseline_rows(config(TrainConfig(epochs=3, optimizer="sgd", learning_rate=0.1, patience=1, seed=7,
                                              device="cpu")), bars)
    assert len(one) > 100
    pd.testing.assert_frame_equal(one, other)


def test_picking_the_linear_architecture_still_runs_the_fitted_baseline_beside_it(bars):
    config = RunConfig(windows=WINDOWS, models=(model_config_for("linear"),),
                       training=TrainConfig(epochs=1, device="cpu"), walk_forward=SCHEDULE)
    run = run_backtest(config, {"GOOG": bars})
    both = ("linear", LINEAR_BASELINE)
    assert set(both) <= set(run.result.metrics["model"])
    epochs = {model: {f.epochs_run for f in run.result.folds if f.model == model} for model in both}
    assert epochs == {"linear": {1}, LINEAR_BASELINE: {0}}  # 0: fitted in closed form, not trained
    predictions = run.result.predictions
    assert not np.allclose(*(predictions.loc[predictions["model"] == model, "predicted"] for model in both))


def _fold_samples(bars: pd.DataFrame, windows: WindowConfig, schedule: WalkForwardConfig, k: int):
    """Fold k's samples and scalers, built as the walk builds them."""
    span = fold_spans(len(bars), schedule, windows.horizons)[k]
    return window_series("GOOG", bars.iloc[span.low:span.high], windows, span.val_start, span.test_start)


def _ridge_by_hand(x, y, alpha):
    """Ridge with an unpenalised intercept, in numpy: centre, then solve the normal equations."""
    x = x.reshape(len(x), -1).astype(np.float64)
    x_mean, y_mean = x.mean(axis=0), y.mean()
    centred = x - x_mean
    w = np.linalg.solve(centred.T @ centred + alpha * np.eye(x.shape[1]), centred.T @ (y - y_mean))
    return lambda new: new.reshape(len(new), -1).astype(np.float64) @ w + (y_mean - x_mean @ w)


def test_each_fold_equals_a_ridge_fitted_by_hand_with_the_alpha_best_on_its_validation_split(bars):
    predictions = walk_forward("GOOG", bars, LINEAR_BASELINE, RIDGE, WINDOWS, SCHEDULE).predictions
    folds = len(fold_spans(len(bars), SCHEDULE, WINDOWS.horizons))
    for k in range(folds):
        samples, scalers = _fold_samples(bars, WINDOWS, SCHEDULE, k)
        train, val, test = samples["train"], samples["val"], samples["test"]
        expected = []
        for h in range(len(WINDOWS.horizons)):
            fits = {alpha: _ridge_by_hand(train.x, train.y[:, h], alpha) for alpha in RIDGE_ALPHAS}
            alpha = min(fits, key=lambda a: np.mean((fits[a](val.x) - val.y[:, h]) ** 2))
            expected.append(fits[alpha](test.x))
        expected = scalers.target.inverse_transform(np.column_stack(expected))
        fold = predictions[predictions["fold"] == k]
        np.testing.assert_allclose(fold["predicted"].to_numpy(), expected.T.ravel(), rtol=1e-9, atol=1e-12)
    assert folds == 4


@pytest.mark.parametrize("alpha", [RIDGE_ALPHAS[0], RIDGE_ALPHAS[3], RIDGE_ALPHAS[-1]])
def test_the_alpha_kept_is_the_one_that_predicts_the_validation_split_best(bars, alpha):
    samples, _ = window_series("GOOG", bars, WINDOWS, 300, 360)
    train, val = samples["train"], samples["val"]
    perfect = np.column_stack([_ridge_by_hand(train.x, train.y[:, h], alpha)(val.x) for h in range(2)])
    fit = fit_linear_baseline(train, replace(val, y=perfect), classification=False)
    assert list(fit.penalty) == [alpha, alpha]


def test_without_early_stopping_samples_the_documented_default_alpha_is_used(bars):
    no_val = WalkForwardConfig(initial_train=200, retrain_every=70, early_stop_fraction=0.0)
    walked = walk_forward("GOOG", bars, LINEAR_BASELINE, RIDGE, WINDOWS, no_val)
    assert walked.final_state["penalty"].tolist() == [1.0, 1.0]


def test_the_direction_target_gives_the_probability_of_a_logistic_regression(bars):
    once = WalkForwardConfig(initial_train=300, retrain_every=0)
    walked = walk_forward("GOOG", bars, LINEAR_BASELINE, LinearBaselineFitter(classification=True), DIRECTION, once)
    probability = walked.predictions["predicted"].to_numpy()
    assert ((probability > 0) & (probability < 1)).all() and probability.std() > 0
    assert set(walked.predictions["actual"]) == {0.0, 1.0}
    samples, _ = _fold_samples(bars, DIRECTION, once, 0)
    flat = [samples[name].x.reshape(len(samples[name]), -1).astype(np.float64) for name in ("train", "test")]
    for h, c in enumerate(walked.final_state["penalty"].tolist()):
        model = LogisticRegression(C=c, max_iter=1000).fit(flat[0], samples["train"].y[:, h])
        np.testing.assert_allclose(probability[h * len(flat[1]):(h + 1) * len(flat[1])],
                                   model.predict_proba(flat[1])[:, 1], rtol=1e-12)


def test_the_saved_coefficients_rebuild_the_fit(bars):
    walked = walk_forward("GOOG", bars, LINEAR_BASELINE, RIDGE, WINDOWS, SCHEDULE)
    fit = LinearFit(**{name: values.numpy() for name, values in walked.final_state.items()}, classification=False)
    samples, scalers = _fold_samples(bars, WINDOWS, SCHEDULE, -1)
    last = walked.predictions[walked.predictions["fold"] == walked.folds[-1].index]
    rebuilt = scalers.target.inverse_transform(fit.predict(samples["test"].x))
    np.testing.assert_array_equal(last["predicted"].to_numpy(), rebuilt.T.ravel())


def test_a_horizon_whose_every_training_bar_rose_forecasts_the_training_rate(bars):
    samples, _ = window_series("GOOG", bars, DIRECTION, 300, 360)
    train = samples["train"]
    all_up = replace(train, y=np.column_stack([np.ones(len(train)), train.y[:, 1]]))
    fit = fit_linear_baseline(all_up, samples["val"], classification=True)
    probability = fit.predict(samples["test"].x)
    np.testing.assert_allclose(probability[:, 0], (len(train) + 1) / (len(train) + 2))
    assert np.isnan(fit.penalty[0]) and not np.isnan(fit.penalty[1]) and probability[:, 1].std() > 0

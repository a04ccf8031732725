"""The diagnosis of a fit: each verdict on constructed curves, the order that keeps them apart, and the naive loss
in the training loss's own units."""
import json
import math

import numpy as np
import pandas as pd
import pytest

from engine.diagnosis import (
    COIN_FLIP_BCE,
    GAP_GROWTH,
    LEARNED,
    NAIVE_BAND,
    VAL_RISE,
    NaiveLoss,
    diagnose,
    naive_loss,
)
from engine.fit_config import TrainConfig, WalkForwardConfig
from engine.runs import RunConfig
from engine.windows import WindowConfig, build_windows
from models import model_config_for

NAIVE = NaiveLoss(train=1.0, val=2.0)


def test_both_losses_at_naive_s_level_is_no_signal_and_checked_first():
    # The training loss also stays near naive (under-fitting's rule), yet the verdict is "no signal".
    found = diagnose([1.02, 1.0, 0.99], [2.04, 2.02, 1.98], NAIVE)
    assert found.verdict == "no_signal"
    assert found.reason == ("after 3 epochs the training loss is 99% of naive's (0.99 vs 1) and the best validation "
                            "loss, at epoch 3, 99% of naive's (1.98 vs 2): both within 5% of it.")
    assert "usual case on daily returns" in found.text


def test_validation_rising_while_training_falls_is_over_fitting():
    found = diagnose([0.9, 0.7, 0.5, 0.4], [1.6, 1.5, 1.6, 1.7], NAIVE)
    assert found.verdict == "over_fitting"
    assert found.reason.startswith("validation loss rose from 1.5 at epoch 2 to 1.7 at epoch 4 (+13%) while "
                                   "training loss fell from 0.7 to 0.4")
    assert "dropout" in found.advice and "more data" in found.advice


def test_a_growing_gap_is_over_fitting_even_when_validation_does_not_rise():
    # Validation ends at its best, but relative to naive's (1 on training, 2 on validation windows) the gap grew
    # from 0.85 - 0.8 = 5 % to 0.8 - 0.4 = 40 %.
    found = diagnose([0.8, 0.6, 0.4], [1.7, 1.65, 1.6], NAIVE)
    assert found.verdict == "over_fitting" and "grew from 5% at epoch 1 to 40% at epoch 3" in found.reason


def test_the_gap_is_judged_relative_to_each_split_s_naive_loss():
    # A calmer validation period: validation losses sit far below training ones in raw units, but relative to
    # naive's they are level with them, and stay so: no over-fitting.
    calm = NaiveLoss(train=1.0, val=0.25)
    found = diagnose([0.85, 0.8, 0.75], [0.2125, 0.2, 0.1875], calm)
    assert found.verdict == "good_fit"


def test_learning_the_training_windows_only_is_over_fitting():
    found = diagnose([0.95, 0.85], [2.1, 2.0], NAIVE)  # gap shrinks, validation flat at naive
    assert found.verdict == "over_fitting" and "does not carry over" in found.reason


def test_training_loss_near_naive_is_under_fitting():
    found = diagnose([1.3, 1.1, 0.95], [1.5, 1.4, 1.35], NAIVE)
    assert found.verdict == "under_fitting"
    assert found.reason == ("after 3 epochs the training loss is still 95% of naive's (0.95 vs 1), not 10% below it: "
                            "the model has not learned even its training windows.")
    assert "learning rate" in found.advice and "capacity" in found.advice


def test_both_losses_well_below_naive_is_a_good_fit():
    found = diagnose([0.6, 0.4, 0.35], [1.2, 0.8, 0.78], NAIVE)
    assert found.verdict == "good_fit"
    assert found.reason.startswith("the best validation loss, at epoch 3, is 39% of naive's (0.78 vs 2)")


@pytest.mark.parametrize("train, verdict", [([1.0, 1.01], "no_signal"), ([1.2, 0.93], "under_fitting"),
                                            ([0.9, 0.5], "good_fit")])
def test_without_validation_windows_only_the_training_loss_is_judged(train, verdict):
    found = diagnose(train, None, NaiveLoss(1.0, None))
    assert found.verdict == verdict and found.naive_val is None


def test_the_thresholds_sit_on_their_boundaries():
    inside, outside = 1 + NAIVE_BAND - 1e-9, 1 + NAIVE_BAND + 1e-6
    assert diagnose([inside], [2 * inside], NAIVE).verdict == "no_signal"
    assert diagnose([outside], [2 * inside], NAIVE).verdict != "no_signal"
    assert diagnose([1 - LEARNED - 1e-6], [1.0], NAIVE).verdict == "good_fit"
    assert diagnose([1 - LEARNED + 1e-6], [1.0], NAIVE).verdict == "under_fitting"
    rise = diagnose([0.5, 0.4], [1.0, 1.0 * (1 + VAL_RISE)], NAIVE)
    assert rise.verdict == "over_fitting" and "rose" in rise.reason
    gap = GAP_GROWTH * NAIVE.val
    assert diagnose([0.5, 0.5], [1.0, 1.0 + gap * 0.99], NAIVE).verdict == "good_fit"


def test_no_epochs_no_diagnosis():
    assert diagnose([], [], NAIVE) is None


def test_a_diagnosis_is_plain_json():
    found = diagnose([0.6, 0.4], [1.2, 1.0], NAIVE)
    assert json.loads(json.dumps(found.to_dict()))["title"] == "a good fit"


# --- the naive loss, apples to apples ---


def _bars(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0.0005, 0.01, n)))
    index = pd.bdate_range("2020-01-01", periods=n)
    return pd.DataFrame({"open": close, "high": close * 1.01, "low": close * 0.99, "close": close,
                         "volume": rng.uniform(1e6, 2e6, n)}, index=index)


@pytest.mark.parametrize("target", ["log_return", "return", "close"])
def test_the_naive_loss_is_the_no_change_forecast_s_mse_in_scaled_target_units(target):
    bars = _bars()
    data = build_windows({"X": bars}, WindowConfig(window=10, target=target, horizons=(1, 3), features=("close",)))
    scaler = data.scalers["X"].target
    train = data.train
    no_change = np.zeros_like(train.actual) if target != "close" else np.repeat(train.reference_close[:, None], 2, 1)
    expected = np.mean((scaler.transform(no_change) - scaler.transform(train.actual)) ** 2)
    assert naive_loss(train, classification=False) == pytest.approx(expected, rel=1e-12)
    if target != "close":  # predicting 0 change in scaled units: (0 - mean) / scale
        np.testing.assert_allclose(train.naive, np.broadcast_to(-scaler.mean_ / scaler.scale_, train.naive.shape))


def test_a_direction_target_s_naive_loss_is_the_coin_flip_s_cross_entropy():
    data = build_windows({"X": _bars()}, WindowConfig(window=10, target="direction", features=("log_return",)))
    assert naive_loss(data.train, classification=True) == COIN_FLIP_BCE == pytest.approx(math.log(2))
    assert np.isnan(data.train.naive).all()


# --- every fit carries its diagnosis ---


def test_train_and_every_backtest_fold_carry_the_diagnosis(tmp_path):
    from engine.pipeline import run_backtest, train_models
    from engine.store import RunStore

    bars = {"X": _bars(400)}
    windows = WindowConfig(window=8, features=("log_return",))
    config = RunConfig(windows=windows, models=(model_config_for("nlinear"),),
                       training=TrainConfig(epochs=3, batch_size=32, device="cpu", patience=0),
                       walk_forward=WalkForwardConfig(initial_train=250, retrain_every=60))
    trained = train_models(config, build_windows(bars, windows))["nlinear"]
    diagnosis = trained.outcome.diagnosis
    assert diagnosis is not None and diagnosis.reason and diagnosis.naive_train > 0
    assert diagnose([r.train_loss for r in trained.history], [r.val_loss for r in trained.history],
                    NaiveLoss(diagnosis.naive_train, diagnosis.naive_val)) == diagnosis

    result = run_backtest(config, bars).result
    networks = [fold for fold in result.folds if fold.model == "nlinear"]
    baseline = [fold for fold in result.folds if fold.model != "nlinear"]
    assert networks and all(fold.verdict and fold.diagnosis.startswith(("no signal", "over", "under", "a good"))
                            for fold in networks)
    assert all(fold.verdict == "" for fold in baseline)  # fitted in closed form: no curves to judge
    with RunStore(tmp_path / "runs.sqlite") as store:
        stored = store.load(store.save(config, result, fingerprint="x"))
    assert stored.result.folds == result.folds


def test_a_run_stored_before_the_diagnosis_reads_with_no_verdicts(tmp_path):
    import sqlite3

    from engine.pipeline import run_backtest
    from engine.store import RunStore

    config = RunConfig(windows=WindowConfig(window=8, features=("log_return",)), models=(model_config_for("nlinear"),),
                       training=TrainConfig(epochs=1, device="cpu"),
                       walk_forward=WalkForwardConfig(initial_train=250, retrain_every=0))
    result = run_backtest(config, {"X": _bars(400)}).result
    path = tmp_path / "runs.sqlite"
    with RunStore(path) as store:
        run_id = store.save(config, result, fingerprint="x")
    with sqlite3.connect(path) as connection:  # as an older version wrote it: folds without the two fields
        (folds,), = connection.execute("SELECT folds FROM runs WHERE id = ?", (run_id,)).fetchall()
        old = [{k: v for k, v in fold.items() if k not in ("verdict", "diagnosis")} for fold in json.loads(folds)]
        connection.execute("UPDATE runs SET folds = ? WHERE id = ?", (json.dumps(old), run_id))
    with RunStore(path) as store:
        stored = store.load(run_id)
    assert [fold.verdict for fold in stored.result.folds] == ["", ""]
    assert [fold.epochs_run for fold in stored.result.folds] == [fold.epochs_run for fold in result.folds]

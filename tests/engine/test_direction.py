"""The up/down target end to end: train and score, walk forward, trade the probabilities, judge them."""
import numpy as np
import pytest

from engine.baseline import BUY_AND_HOLD, LINEAR_BASELINE, NAIVE
from engine.fit_config import TrainConfig, WalkForwardConfig
from engine.pipeline import load_data, run_backtest, train_and_score
from engine.pooling import pooled_windows
from engine.runs import DataConfig, RunConfig
from engine.trading import TradingConfig
from engine.windows import WindowConfig
from models import model_config_for

CONFIG = RunConfig(data=DataConfig(start="2015-01-01"),
                   windows=WindowConfig(window=10, horizons=(1, 5), target="direction"),
                   models=(model_config_for("mlp", hidden_layers=(8,)),),
                   training=TrainConfig(epochs=2, device="cpu", patience=0),
                   walk_forward=WalkForwardConfig(initial_train=400, retrain_every=200),
                   trading=TradingConfig(bootstrap_repetitions=50))


@pytest.fixture(scope="module")
def bars():
    return load_data(CONFIG.data).bars


def test_train_scores_up_down_calls_against_always_up(bars):
    scored = train_and_score(CONFIG, pooled_windows(bars, CONFIG.windows))
    scores = scored.scores["mlp"]
    assert 0 <= scores["Directional Accuracy [%]"] <= 100 and 0 <= scores["Always-Up Accuracy [%]"] <= 100
    assert "Theil's U" not in scores  # no no-change forecast for a direction


@pytest.fixture(scope="module")
def result(bars):
    return run_backtest(CONFIG, bars).result


def test_the_walk_forward_predicts_probabilities_of_an_up_move(result):
    predictions = result.predictions
    assert set(predictions["model"]) == {"mlp", LINEAR_BASELINE}
    assert predictions["predicted"].between(0, 1).all() and set(predictions["actual"]) <= {0.0, 1.0}


def test_a_probability_above_one_half_is_a_long_and_below_a_short(result):
    predictions = result.predictions.dropna(subset=["signal"])
    expected = np.sign(predictions["predicted"] - 0.5)
    np.testing.assert_array_equal(predictions["signal"], expected)


def test_direction_metrics_sit_beside_buy_and_hold_without_a_naive_row(result):
    metrics = result.metrics.set_index(["model", "horizon"])
    assert NAIVE not in metrics.index.get_level_values("model")
    mlp = metrics.loc[("mlp", 1)]
    assert {"Directional Accuracy [%]", "Always-Up Accuracy [%]", "Sharpe Ratio", "Brier", "DM p vs base rate",
            "Dir. p vs coin"} <= set(mlp.dropna().index)
    assert np.isfinite(metrics.loc[(BUY_AND_HOLD, 1), "Sharpe Ratio"])
    up_share = result.predictions.query("model == 'mlp' and horizon == 1")["actual"].mean()
    assert mlp["Always-Up Accuracy [%]"] == pytest.approx(up_share * 100)
    assert len(result.verdicts) == 4 and all("base rate" in v["text"] for v in result.verdicts)

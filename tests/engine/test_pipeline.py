"""The Train stages: the test split is scored against the exact targets, not their float32 round trip."""
import numpy as np
import pandas as pd

from engine.fit_config import TrainConfig
from engine.pipeline import evaluate_on_test, train_models
from engine.runs import RunConfig
from engine.windows import WindowConfig, build_windows
from models import ModelConfig


def test_a_flat_close_scores_the_naive_forecast_as_exact(real_data):
    bars = pd.read_csv(real_data / "GOOG_daily_2004_2013.csv", index_col=0, parse_dates=True).iloc[:400]
    bars.columns = [c.lower() for c in bars.columns]
    bars = bars.astype(float)
    bars.iloc[300:, :4] = 7200.8701  # no bar moves in the validation and test stretches
    config = RunConfig(windows=WindowConfig(window=8, target="close", features=("log_return", "hl_range")),
                       models=(ModelConfig(arch="linear"),), training=TrainConfig(epochs=1, device="cpu"))
    data = build_windows({"GOOG": bars}, config.windows)
    trained = train_models(config, data)["linear"]
    scores = evaluate_on_test(trained, data, config)
    assert np.isnan(scores["MASE"]) and np.isnan(scores["Theil's U"])  # the naive error is exactly 0

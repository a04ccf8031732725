"""The size check before a run says exactly what the run itself would stop on, and nothing when it would not."""
from __future__ import annotations

import pandas as pd
import pytest

from engine.backtest import NetworkFitter, walk_forward
from engine.errors import WorkbenchError
from engine.fit_config import TrainConfig, WalkForwardConfig
from engine.preflight import size_problem
from engine.runs import RunConfig
from engine.windows import WindowConfig, build_windows
from models import model_config_for


@pytest.fixture(scope="module")
def bars(real_data) -> dict[str, pd.DataFrame]:
    frame = pd.read_csv(real_data / "GOOG_daily_2004_2013.csv", index_col=0, parse_dates=True)
    frame.columns = [c.lower() for c in frame.columns]
    frame = frame.astype(float)
    return {"LONG": frame.iloc[:600], "SHORT": frame.iloc[:260]}


def _config(window=10, horizons=(1,), batch_size=32, val=0.15, test=0.15, **walk) -> RunConfig:
    return RunConfig(windows=WindowConfig(window=window, horizons=horizons, val_fraction=val, test_fraction=test),
                     models=(model_config_for("linear"),),
                     training=TrainConfig(epochs=1, batch_size=batch_size, patience=0, device="cpu"),
                     walk_forward=WalkForwardConfig(**walk))


def _what_training_stops_on(config: RunConfig, bars: dict[str, pd.DataFrame]) -> str | None:
    """The run's own checks: window every series, then fit a batch of the pooled training samples."""
    try:
        data = build_windows(bars, config.windows)
        config.training.require_batch_fits(len(data.train))
    except WorkbenchError as error:
        return str(error)
    return None


@pytest.mark.parametrize("settings", [
    {}, {"window": 200}, {"window": 230}, {"horizons": (1, 120)}, {"batch_size": 330}, {"batch_size": 5000},
    {"val": 0.0, "test": 0.0}, {"val": 0.4, "test": 0.4, "window": 150},
], ids=str)
def test_a_training_run_is_refused_up_front_exactly_when_windowing_would_fail(bars, settings):
    config = _config(**settings)
    dates = {ticker: frame.index for ticker, frame in bars.items()}
    assert size_problem(config, dates, walk_forward=False) == _what_training_stops_on(config, bars)


def test_nothing_is_refused_before_any_series_has_loaded():
    assert size_problem(_config(batch_size=5000), {}, walk_forward=False) is None
    assert size_problem(_config(initial_train=10_000), {}, walk_forward=True) is None


@pytest.mark.parametrize("settings, expected", [
    ({"initial_train": 200, "retrain_every": 100}, None),
    ({"initial_train": 600, "retrain_every": 100}, "LONG: The initial training span (600 bars) leaves nothing"),
    ({"initial_train": 120, "retrain_every": 60, "batch_size": 100}, "Walk-forward fold 1 of 8 on LONG: Batch size 100"),
    ({"initial_train": 120, "retrain_every": 60, "window": 90}, "Walk-forward fold 1 of 8 on LONG (bars 2004-08-19 to"),
], ids=str)
def test_a_backtest_is_refused_up_front_with_the_message_the_walk_would_stop_on(bars, settings, expected):
    config = _config(**settings)
    long = {"LONG": bars["LONG"]}
    problem = size_problem(config, {"LONG": bars["LONG"].index}, walk_forward=True)
    try:
        network = NetworkFitter(config.models[0], config.training, config.walk_forward, classification=False)
        walk_forward("LONG", long["LONG"], "linear", network, config.windows, config.walk_forward)
        stopped = None
    except WorkbenchError as error:
        stopped = str(error)
    if expected is None:
        assert problem is None and stopped is None
    else:
        assert problem is not None and problem.startswith(expected)
        assert stopped is not None and problem.endswith(stopped)  # the same message, with where it happens

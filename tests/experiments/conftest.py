"""Experiment fixtures: a tiny base run on real bars, a search of a few one-epoch trials, and one local Ray."""
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from engine.data import read_ohlcv_csv
from engine.experiments.executors import Execution, LocalExecutor
from engine.experiments.experiment import Experiment
from engine.experiments.study import SearchDriver
from engine.fit_config import TrainConfig, WalkForwardConfig
from engine.runs import DataConfig, RunConfig
from engine.trading import TradingConfig
from engine.windows import WindowConfig
from models import model_config_for

# Three search folds of a one-epoch MLP on GOOG's first 420 bars, the last 20 % of them held out.
BASE = RunConfig(data=DataConfig(tickers=("GOOG",)),
                 windows=WindowConfig(window=8, horizons=(1,), features=("log_return",)),
                 models=(model_config_for("mlp", hidden_layers=(8,)),),
                 training=TrainConfig(epochs=1, batch_size=32, patience=0, device="cpu", seed=1),
                 walk_forward=WalkForwardConfig(initial_train=150, retrain_every=60),
                 trading=TradingConfig(bootstrap_repetitions=10))


@pytest.fixture(scope="session")
def goog_420(real_data: Path) -> dict[str, pd.DataFrame]:
    return {"GOOG": read_ohlcv_csv(real_data / "GOOG_daily_2004_2013.csv")[0].iloc[:420]}


@pytest.fixture(scope="session")
def pool():
    """Two warm worker processes lent to every search of the session (spawning them costs seconds)."""
    with LocalExecutor(None, workers=2) as executor:
        yield executor


@pytest.fixture
def search(goog_420, tmp_path, pool):
    """search(space=..., trials=..., workers=..., **experiment and driver options) → (driver, outcome); the trials
    run on the session's pool unless an execution is given."""

    def run(space="dropout=0..0.5,learning_rate=1e-3..1e-2:log", *, trials=3, workers=1, bars=None, name="s",
            on_event=None, execution=None, storage=None, resume=False, run=True, **options):
        base = options.pop("base", BASE)
        experiment_options = {k: options.pop(k) for k in list(options) if k in Experiment.__dataclass_fields__}
        experiment = Experiment(base, space, trials=trials, **experiment_options)
        driver = SearchDriver(experiment, bars or goog_420, name=name,
                              storage=storage or f"sqlite:///{tmp_path / 'studies.sqlite'}",
                              execution=execution or Execution(workers=workers), resume=resume,
                              store_path=tmp_path / "runs.sqlite", on_event=on_event,
                              executor=None if execution else pool, **options)
        return driver, driver.run() if run else None

    return run


@pytest.fixture(scope="session")
def local_ray():
    """One Ray on this machine for the whole session, started only by the tests that ask for it."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False,
             _node_ip_address="127.0.0.1")
    yield ray
    ray.shutdown()


def with_base(**sections) -> RunConfig:
    """BASE with some sections replaced, e.g. with_base(training=...)."""
    return replace(BASE, **sections)

"""Runs stored by an older version of the app open in Compare, with what they lack said, never as damaged."""
import pandas as pd
import pytest

from engine.fit_config import TrainConfig, WalkForwardConfig
from engine.pipeline import run_backtest
from engine.runs import RunConfig
from engine.store import RunStore
from engine.windows import WindowConfig
from models import model_config_for

CONFIG = RunConfig(windows=WindowConfig(window=8, horizons=(1,), features=("log_return",)),
                   models=(model_config_for("mlp", hidden_layers=(8,)),),
                   training=TrainConfig(epochs=1, device="cpu", patience=0),
                   walk_forward=WalkForwardConfig(initial_train=150, retrain_every=0))


@pytest.fixture(scope="module")
def result(real_data):
    frame = pd.read_csv(real_data / "GOOG_daily_2004_2013.csv", index_col=0, parse_dates=True)
    frame.columns = [c.lower() for c in frame.columns]
    return run_backtest(CONFIG, {"GOOG": frame.iloc[:260].astype(float)}).result


def test_a_version_1_run_opens_in_compare_with_a_rerun_notice(qtbot, tmp_path, result, store_as_version_1):
    from gui.views.compare_view import CompareView

    view = CompareView()
    qtbot.addWidget(view)
    path = tmp_path / "runs.sqlite"
    with RunStore(path) as store:
        run_id = store.save(CONFIG, result, fingerprint="f")
    store_as_version_1(path, run_id)
    with RunStore(path) as store:
        assert view.load_store(store) == 1
        view.set_current_run(f"#{run_id}")
        details = view.run_details.text()
    assert "damaged" not in details
    assert "older version" in details and "Re-run" in details
    assert view.rerun_button.isEnabled()

"""The Train stages: the test split is scored against the exact targets, not their float32 round trip."""
import numpy as np
import pandas as pd
import pytest

from engine.fit_config import TrainConfig
from engine.pipeline import evaluate_on_test, train_models
from engine.runs import RunConfig
from engine.windows import WindowConfig, build_windows
from models import model_config_for


def test_a_flat_close_scores_the_naive_forecast_as_exact(real_data):
    bars = pd.read_csv(real_data / "GOOG_daily_2004_2013.csv", index_col=0, parse_dates=True).iloc[:400]
    bars.columns = [c.lower() for c in bars.columns]
    bars = bars.astype(float)
    bars.iloc[300:, :4] = 7200.8701  # no bar moves in the validation and test stretches
    config = RunConfig(windows=WindowConfig(window=8, target="close", features=("log_return", "hl_range")),
                       models=(model_config_for("linear"),), training=TrainConfig(epochs=1, device="cpu"))
    data = build_windows({"GOOG": bars}, config.windows)
    trained = train_models(config, data)["linear"]
    scores = evaluate_on_test(trained, data, config)
    assert np.isnan(scores["MASE"]) and np.isnan(scores["Theil's U"])  # the naive error is exactly 0


@pytest.mark.parametrize("horizons", [(1, 3), (2, 5)])
def test_the_live_equity_chained_over_the_folds_ends_as_a_full_re_trade(horizons):
    """Each fold's forecasts are traded once; the h-bar holding keeps its phase across folds (50 is no multiple)."""
    from engine.backtest import FoldDone
    from engine.fit_config import TrainConfig, WalkForwardConfig
    from engine.pipeline import EquityProgress, load_data, run_backtest
    from engine.runs import DataConfig, RunConfig
    from engine.windows import WindowConfig

    config = RunConfig(data=DataConfig(start="2016-01-01"), windows=WindowConfig(window=5, horizons=horizons),
                       models=(model_config_for("mlp", hidden_layers=(4,)),),
                       training=TrainConfig(epochs=1, device="cpu", patience=0),
                       walk_forward=WalkForwardConfig(initial_train=300, retrain_every=50))
    events = []
    run = run_backtest(config, load_data(config.data).bars, on_event=events.append)
    progress = [e for e in events if isinstance(e, EquityProgress)]
    folds = sum(isinstance(e, FoldDone) for e in events)
    assert len(progress) == folds * len(horizons)  # one curve per horizon after every fold
    equity = run.result.equity
    for model in ("mlp", "linear (baseline)"):
        for horizon in horizons:
            last = [e for e in progress if e.model == model and e.horizon == horizon][-1].periods
            full = equity[(equity["model"] == model) & (equity["horizon"] == horizon)].set_index("date")
            pd.testing.assert_frame_equal(last, full[last.columns], check_freq=False, check_names=False)


def test_a_backtest_is_estimated_before_it_starts_and_reports_its_progress_fold_by_fold():
    from engine.estimate import BacktestProgress, estimate_backtest
    from engine.fit_config import TrainConfig, WalkForwardConfig
    from engine.pipeline import load_data, run_backtest
    from engine.runs import DataConfig, RunConfig
    from engine.windows import WindowConfig

    config = RunConfig(data=DataConfig(start="2016-01-01"), windows=WindowConfig(window=5, horizons=(1,)),
                       models=(model_config_for("mlp", hidden_layers=(4,)), model_config_for("gru", hidden_size=4,
                                                                                       num_layers=1)),
                       training=TrainConfig(epochs=2, device="cpu", patience=0),
                       walk_forward=WalkForwardConfig(initial_train=300, retrain_every=150, warm_epochs=1))
    bars = load_data(config.data).bars
    estimate = estimate_backtest(config, bars, lambda: False)
    assert estimate.scope == "backtest" and set(estimate.per_model_s) == {"mlp", "gru"} and estimate.total_s > 0
    events = []
    run_backtest(config, bars, on_event=events.append)
    progress = [e for e in events if isinstance(e, BacktestProgress)]
    assert [p.folds_done for p in progress] == list(range(1, len(progress) + 1))
    assert all(p.folds_total == len(progress) for p in progress)  # 3 models (the baseline too) × their folds
    assert progress[-1].remaining_s == 0 and all(p.elapsed_s > 0 for p in progress)


def test_a_csv_file_without_bars_in_the_chosen_dates_is_refused_by_the_run_and_the_preview_alike(real_data):
    from engine.errors import WorkbenchError
    from engine.pipeline import load_data
    from engine.runs import DataConfig
    from gui.events import PreviewRequest
    from gui.tasks import load_preview

    path = str(real_data / "GOOG_daily_2004_2013.csv")
    with pytest.raises(WorkbenchError, match="has no bars from 2020-01-01 to its end: it covers 2004-08-19") as run:
        load_data(DataConfig(tickers=(), csv_files=(path,), start="2020-01-01"))
    preview = load_preview(PreviewRequest((), (path,), "2020-01-01", None, "1d", "auto"), print, lambda: False)
    assert preview.failures == (("GOOG_DAILY_2004_2013", str(run.value)),)
    kept = load_preview(PreviewRequest((), (path,), "2010-01-01", "2010-12-31", "1d", "auto"), print, lambda: False)
    clipped = load_data(DataConfig(tickers=(), csv_files=(path,), start="2010-01-01", end="2010-12-31"))
    pd.testing.assert_frame_equal(kept.series[0].frame, clipped.bars["GOOG_DAILY_2004_2013"])

"""Anomaly detection end to end: the autoencoder finds injected spikes, nothing reads the future, runs are kept."""
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from engine.anomaly import detect_anomalies, run_anomalies, write_anomaly_files
from engine.anomaly_config import ANOMALY_TRAINING, AnomalyConfig, AnomalyRunConfig
from engine.anomaly_result import ANOMALIES_CSV_COLUMNS
from engine.data.synthetic import generate_series, parse_spec
from engine.errors import WorkbenchError
from engine.runs import DataConfig
from engine.store import RunStore
from models.lstm_autoencoder_config import LSTMAutoencoderConfig

SPEC = "n=2000,spikes=8,drops=4,noise=0.1,trend=0.005,seed=3,preset=seed"
SMALL = LSTMAutoencoderConfig(hidden_size=16, latent_size=8)
FAST = replace(ANOMALY_TRAINING, epochs=10, device="cpu")


def _config(spec: str = SPEC, **detection) -> AnomalyRunConfig:
    return AnomalyRunConfig(DataConfig(tickers=(), synthetic=spec), AnomalyConfig(**detection), SMALL, FAST)


@pytest.fixture(scope="module")
def seeded_result():
    """The seeded 2,000-bar series with 8 spikes (4 followed by drops), default detection settings."""
    return run_anomalies(_config())


def test_the_autoencoder_finds_the_injected_spikes(seeded_result):
    summary = seeded_result.summary.set_index("detector")
    autoencoder = summary.loc["lstm_autoencoder"]
    assert autoencoder["recall"] >= 6 / 8 and autoencoder["precision"] >= 0.5
    assert set(summary.index) == {"lstm_autoencoder", "zscore", "iforest"}
    assert (summary["flagged"] > 0).all() and summary[["precision", "recall", "f1"]].notna().all().all()
    # The baselines are no straw men: each finds most spikes at its own default setting.
    assert summary.loc["zscore", "recall"] >= 6 / 8 and summary.loc["iforest", "precision"] >= 0.8
    assert summary.loc["iforest", "recall"] >= 0.5
    print("\n" + seeded_result.summary.to_string())  # the baselines' figures, for docs/ANOMALIES.md


def test_the_score_is_the_error_of_the_last_bar_and_the_threshold_a_training_quantile(seeded_result):
    bars = seeded_result.bars
    training = bars[(bars["train"] == 1)].dropna(subset=["score"])
    assert seeded_result.threshold == pytest.approx(np.quantile(training["score"], 0.99))
    assert (bars["flagged"] == (bars["score"] > seeded_result.threshold)).all()
    assert bars["score"].iloc[:30].isna().all() and bars["score"].iloc[30:].notna().all()  # 1 + window − 1 warm-up
    assert bars["train"].sum() == 1000


def test_anomalies_csv_has_one_row_per_bar_and_the_ground_truth(seeded_result, tmp_path):
    written = write_anomaly_files(seeded_result, tmp_path)
    table = pd.read_csv(written[0], keep_default_na=False)
    assert list(table.columns) == ANOMALIES_CSV_COLUMNS and len(table) == 2000
    assert (table["score"].iloc[:30] == "").all() and (table["flagged"].iloc[:30] == 0).all()
    injected = np.flatnonzero(table["injected"].to_numpy() == 1)
    np.testing.assert_array_equal(injected, generate_series(parse_spec(SPEC)).injected)
    summary = pd.read_csv(written[1])
    assert list(summary.columns) == ["detector", "flagged", "precision", "recall", "f1"]


def test_changing_bars_after_t_changes_no_score_or_flag_dated_up_to_t():
    config = _config("n=400,spikes=4,drops=2,seed=1", window=20)
    config = replace(config, training=replace(FAST, epochs=3))
    bars = generate_series(parse_spec(config.data.synthetic)).bars
    cut = 300  # after the training bars (the first 200)
    changed = bars.copy()
    rng = np.random.default_rng(9)
    changed.iloc[cut + 1:] *= rng.uniform(0.5, 1.5, size=(len(bars) - cut - 1, 1))
    first, second = detect_anomalies(bars, config), detect_anomalies(changed, config)
    columns = ["score", "window_score", "threshold", "flagged", "zscore", "zscore_flagged", "iforest_score",
               "iforest_flagged"]
    pd.testing.assert_frame_equal(first.bars[columns].iloc[:cut + 1], second.bars[columns].iloc[:cut + 1])
    assert not first.bars["score"].iloc[cut + 21:].equals(second.bars["score"].iloc[cut + 21:])


def test_real_data_has_no_ground_truth_and_lists_flagged_dates(goog_bars):
    config = AnomalyRunConfig(DataConfig(), AnomalyConfig(window=10), SMALL, replace(FAST, epochs=2))
    result = detect_anomalies(goog_bars["GOOG"], config, series="GOOG")
    assert not result.has_truth and result.summary[["precision", "recall", "f1"]].isna().all().all()
    table = result.anomalies_csv()
    assert table["injected"].isna().all()
    flagged = result.flagged_table()
    assert len(flagged) and set(flagged["date"]) <= set(result.bars["date"])


@pytest.mark.parametrize("change, message", [
    (dict(spec="n=100", window=90), "only 0 training windows fit"),
    (dict(spec=SPEC, train_fraction=0.01), "train_fraction must be between 0.05 and 0.95"),
    (dict(spec=SPEC, quantile=1.0), "quantile must be between"),
    (dict(spec=SPEC, threshold_rule="max"), "threshold_rule must be one of quantile, mad"),
])
def test_bad_settings_are_a_clear_error(change, message):
    with pytest.raises(WorkbenchError, match=message):
        spec = change.pop("spec")
        run_anomalies(_config(spec, **change))


def test_one_series_only():
    config = replace(_config(), data=DataConfig(tickers=("SP500",), synthetic=SPEC))
    with pytest.raises(WorkbenchError, match="reads one series, got 2"):
        run_anomalies(config)


def test_an_anomaly_run_is_stored_and_reopened_whole(seeded_result, tmp_path):
    config = _config()
    with RunStore(tmp_path / "runs.sqlite") as store:
        run_id = store.save_anomalies(config, seeded_result, fingerprint="abc")
        assert store.list_anomaly_runs()["id"].tolist() == [run_id] and store.list_runs().empty
        stored = store.load_anomalies(run_id)
        store.delete_anomalies(run_id)
        with pytest.raises(WorkbenchError, match="no stored anomaly run"):
            store.load_anomalies(run_id)
    assert stored.config == config
    reopened = stored.result
    pd.testing.assert_frame_equal(reopened.bars, seeded_result.bars, check_dtype=False)
    pd.testing.assert_frame_equal(reopened.summary, seeded_result.summary, check_dtype=False)
    assert reopened.threshold == seeded_result.threshold and reopened.message == seeded_result.message
    pd.testing.assert_frame_equal(reopened.flagged_table(), seeded_result.flagged_table(), check_dtype=False)

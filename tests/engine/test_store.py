"""The run store: whole runs round-trip, damage and locks are reported, kill -9 loses no finished run."""
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.baseline import LINEAR_BASELINE
from engine.errors import WorkbenchError
from engine.fit_config import TrainConfig, WalkForwardConfig
from engine.pipeline import run_backtest
from engine.runs import RunConfig
from engine.store import RunStore, data_fingerprint
from engine.train import predict
from engine.windows import WindowConfig
from models import model_config_for
from models.registry import build_model

REPO = Path(__file__).resolve().parents[2]
CONFIG = RunConfig(windows=WindowConfig(window=8, horizons=(1, 2), features=("log_return",)),
                   models=(model_config_for("mlp", hidden_layers=(8,)),),
                   training=TrainConfig(epochs=2, device="cpu", patience=0),
                   walk_forward=WalkForwardConfig(initial_train=150, retrain_every=80))


@pytest.fixture(scope="module")
def run(goog_bars):
    return run_backtest(CONFIG, goog_bars)


def test_a_stored_run_comes_back_whole(tmp_path, goog_bars, run):
    with RunStore(tmp_path / "runs.sqlite") as store:
        run_id = store.save(CONFIG, run.result, fingerprint=data_fingerprint(goog_bars), models=run.models)
        stored = store.load(run_id)
    assert stored.config == CONFIG and stored.data_fingerprint == data_fingerprint(goog_bars)
    pd.testing.assert_frame_equal(stored.result.predictions, run.result.predictions, check_dtype=False)
    pd.testing.assert_frame_equal(stored.result.metrics, run.result.metrics, check_dtype=False)
    assert stored.result.folds == run.result.folds and stored.result.conventions == run.result.conventions


def test_a_stored_model_predicts_as_the_trained_one(tmp_path, goog_bars, run):
    with RunStore(tmp_path / "runs.sqlite") as store:
        run_id = store.save(CONFIG, run.result, fingerprint="x", models=run.models)
        state, scalers = store.load_model_state(run_id, "GOOG", "mlp")
    model = build_model(CONFIG.models[0], 8, 1, 2)
    model.load_state_dict(state)
    original = build_model(CONFIG.models[0], 8, 1, 2)
    original.load_state_dict(run.models[("GOOG", "mlp")][0])
    x = np.random.default_rng(0).normal(size=(4, 8, 1)).astype(np.float32)
    np.testing.assert_array_equal(predict(model, x), predict(original, x))
    assert scalers["features"]["kind"] == "StandardScaler" and len(scalers["target"]["mean_"]) == 2


def test_the_linear_baselines_coefficients_are_stored_as_plain_tensors(tmp_path, run):
    with RunStore(tmp_path / "runs.sqlite") as store:
        run_id = store.save(CONFIG, run.result, fingerprint="x", models=run.models)
        state, _ = store.load_model_state(run_id, "GOOG", LINEAR_BASELINE)
    original = run.models[("GOOG", LINEAR_BASELINE)][0]
    assert set(state) == {"coef", "intercept", "penalty"} and state["coef"].shape == (2, 8)
    for name, values in state.items():
        np.testing.assert_array_equal(values.numpy(), original[name].numpy())  # test_baseline rebuilds the fit


def test_listing_and_deleting_runs(tmp_path, run):
    with RunStore(tmp_path / "runs.sqlite") as store:
        first = store.save(CONFIG, run.result, fingerprint="a")
        second = store.save(CONFIG, run.result, fingerprint="b", name="second try")
        listed = store.list_runs()
        assert list(listed["id"]) == [second, first] and listed["name"].iloc[0] == "second try"
        store.delete(first)
        assert list(store.list_runs()["id"]) == [second]
        with pytest.raises(WorkbenchError, match=f"no stored run {first}"):
            store.load(first)


def test_a_damaged_store_is_reported_and_left_alone(tmp_path):
    path = tmp_path / "runs.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(WorkbenchError, match="is damaged .* Move the file aside"):
        RunStore(path)
    assert path.read_bytes() == b"this is not a database" * 100


def test_a_locked_store_is_reported(tmp_path, run):
    path = tmp_path / "runs.sqlite"
    RunStore(path).close()
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(WorkbenchError, match="locked by another program"):
            with RunStore(path, timeout_s=0.1) as store:
                store.save(CONFIG, run.result, fingerprint="x")
    finally:
        holder.rollback()
        holder.close()


def test_load_all_reads_every_run_and_names_the_damaged_ones(tmp_path, run):
    path = tmp_path / "runs.sqlite"
    with RunStore(path) as store:
        first, damaged, last = (store.save(CONFIG, run.result, fingerprint="x") for _ in range(3))
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE tables SET csv_gz = ? WHERE run_id = ? AND name = 'metrics'", (b"junk", damaged))
    connection.close()
    with RunStore(path) as store:
        contents = store.load_all()
    assert [stored.id for stored in contents.runs] == [first, last]  # oldest first
    assert list(contents.damaged) == [damaged] and "damaged" in contents.damaged[damaged]


KILLED_WRITER = textwrap.dedent("""
    import pickle, sys, time, sqlite3
    from engine.store import RunStore
    config, result = pickle.load(open(sys.argv[2], "rb"))
    store = RunStore(sys.argv[1])
    for _ in range(2):
        store.save(config, result, fingerprint="done")
    real_executemany = sqlite3.Connection.executemany
    connection = store._connection
    class Slow:  # stalls inside the third run's transaction, after its first rows
        def __getattr__(self, name):
            return getattr(connection, name)
        def __enter__(self):
            return connection.__enter__()
        def __exit__(self, *info):
            return connection.__exit__(*info)
        def executemany(self, *args):
            real_executemany(connection, *args)
            print("inside-transaction", flush=True)
            time.sleep(60)
    store._connection = Slow()
    store.save(config, result, fingerprint="killed")
""")


def test_kill_9_during_a_save_keeps_every_finished_run(tmp_path, run):
    import pickle

    path, payload = tmp_path / "runs.sqlite", tmp_path / "payload.pickle"
    payload.write_bytes(pickle.dumps((CONFIG, run.result)))
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path), str(payload)], cwd=REPO,
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert writer.stdout.readline().strip() == "inside-transaction"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    with RunStore(path) as store:
        listed = store.list_runs()
        assert list(listed["data_fingerprint"]) == ["done", "done"]
        for run_id in listed["id"]:
            assert len(store.load(run_id).result.predictions) == len(run.result.predictions)


def test_a_run_stored_by_version_1_loads_migrated_with_a_notice_offering_a_rerun(tmp_path, run, store_as_version_1):
    path = tmp_path / "runs.sqlite"
    with RunStore(path) as store:
        run_id = store.save(CONFIG, run.result, fingerprint="a")
    store_as_version_1(path, run_id)
    with RunStore(path) as store:
        stored = store.load(run_id)
    assert stored.config == CONFIG  # the renamed field arrives under its new name
    assert "older version" in stored.notice and f"runs rerun {run_id}" in stored.notice
    pd.testing.assert_frame_equal(stored.result.metrics, run.result.metrics, check_dtype=False)


def test_a_current_run_has_no_notice(tmp_path, run):
    with RunStore(tmp_path / "runs.sqlite") as store:
        assert store.load(store.save(CONFIG, run.result, fingerprint="a")).notice is None


def test_deleting_a_run_that_is_not_there_says_so(tmp_path):
    with RunStore(tmp_path / "runs.sqlite") as store, pytest.raises(WorkbenchError, match="no stored run 99"):
        store.delete(99)


def test_warnings_come_back_as_records_and_an_older_version_s_sentences_as_notes(tmp_path, run):
    from engine.results import ResultWarning

    path = tmp_path / "runs.sqlite"
    with RunStore(path) as store:
        run_id = store.save(CONFIG, run.result, fingerprint="a")
        assert store.load(run_id).result.warnings == run.result.warnings
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE runs SET warnings = ? WHERE id = ?", ('["mlp on GOOG (horizon 1): old text"]', run_id))
    connection.close()
    with RunStore(path) as store:
        assert store.load(run_id).result.warnings == (ResultWarning("", "", 0, "note", "mlp on GOOG (horizon 1): old text"),)


def test_a_run_stored_by_version_2_loads_with_its_architectures_own_fields_and_no_notice(tmp_path, run,
                                                                                          store_as_version_2):
    path = tmp_path / "runs.sqlite"
    with RunStore(path) as store:
        run_id = store.save(CONFIG, run.result, fingerprint="a")
    store_as_version_2(path, run_id)
    with RunStore(path) as store:
        stored = store.load(run_id)
    assert stored.config == CONFIG  # the flat model dict keeps only the MLP's fields
    assert stored.notice is None  # version 2 already had the current trading conventions
    pd.testing.assert_frame_equal(stored.result.metrics, run.result.metrics, check_dtype=False)

"""The run store when its file is damaged, or the process dies: detected, reported, every finished run kept.

A file that is not a database, a locked store and kill -9 inside a save are tested in tests/engine/test_store.py.
"""
import io
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import torch

from engine.errors import WorkbenchError
from engine.pipeline import run_backtest
from engine.store import RunStore, default_store_path
from main import main

REPO = Path(__file__).resolve().parents[2]
PAGE = 4096


@pytest.fixture(scope="module")
def run(goog, tiny_run):
    return run_backtest(tiny_run, {"GOOG": goog})


@pytest.fixture
def store_path(tmp_path, run, tiny_run):
    """A store holding two finished runs, ids 1 and 2, with their models."""
    path = tmp_path / "runs.sqlite"
    with RunStore(path) as store:
        for fingerprint in ("first", "second"):
            store.save(tiny_run, run.result, fingerprint=fingerprint, models=run.models)
    return path


def update(path, sql, *parameters):
    """Change the file behind the app's back, as a disk error or another program would."""
    connection = sqlite3.connect(path)
    with connection:
        connection.execute(sql, parameters)
    connection.close()


def test_a_store_with_damaged_pages_is_reported_and_left_alone(store_path):
    data = bytearray(store_path.read_bytes())
    data[2 * PAGE:3 * PAGE] = b"\xab" * PAGE  # the third page overwritten, as a failing disk would
    store_path.write_bytes(bytes(data))

    with pytest.raises(WorkbenchError, match=r"The run store .*runs\.sqlite is damaged \(database disk image is "
                                             r"malformed\)\. Move the file aside to start a new store"):
        with RunStore(store_path) as store:
            store.list_runs()

    assert store_path.read_bytes() == bytes(data)


BACKTEST = ["backtest", "--arch", "mlp", "--window", "8", "--features", "log_return", "--horizons", "1,2",
            "--epochs", "2", "--batch-size", "16", "--initial-train", "150", "--retrain-every", "80"]


def test_a_damaged_store_does_not_cost_the_backtest_its_exported_results(goog_csv, tmp_path, capsys):
    store = default_store_path()
    store.parent.mkdir(parents=True)
    store.write_bytes(b"not a database " * 500)

    code = main([*BACKTEST, "--csv", str(goog_csv), "--out", str(tmp_path / "out")])

    error = capsys.readouterr().err
    assert code == 2 and error.startswith(f"error: The run store {store} is damaged") and error.count("\n") == 1
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [
        "equity.csv", "folds.csv", "metrics.csv", "predictions.csv", "run_stats.csv", "trades.csv"]
    assert store.read_bytes() == b"not a database " * 500
    assert main([*BACKTEST, "--csv", str(goog_csv), "--out", str(tmp_path / "again"), "--no-store"]) == 0


KILLED_CLI = textwrap.dedent("""
    import sys, time
    import engine.store, engine.train
    from main import main
    saved = []
    real_save, real_step = engine.store.RunStore.save, engine.train._TrainStep.__call__
    def save(self, *args, **kwargs):
        saved.append(real_save(self, *args, **kwargs))
        return saved[-1]
    def step(self, index):
        if saved:  # the second seed's run is training: hold it there to be killed
            print("training-the-next-run", flush=True)
            time.sleep(120)
        return real_step(self, index)
    engine.store.RunStore.save, engine.train._TrainStep.__call__ = save, step
    sys.exit(main(sys.argv[1:]))
""")


def test_kill_9_in_the_middle_of_a_cli_run_keeps_every_finished_run(goog_csv, tmp_path):
    out = tmp_path / "out"
    runner = subprocess.Popen([sys.executable, "-c", KILLED_CLI, *BACKTEST, "--csv", str(goog_csv), "--seeds", "3",
                               "--out", str(out)], cwd=REPO, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    printed = []
    try:
        for line in runner.stdout:
            printed.append(line)
            if line.startswith("training-the-next-run"):
                break
        runner.send_signal(signal.SIGKILL)
    finally:
        runner.kill()
        runner.wait(timeout=30)
        runner.stdout.close()
    assert runner.returncode == -signal.SIGKILL, "".join(printed)
    assert any(line.startswith("stored as run 1 in ") for line in printed)

    with RunStore(default_store_path()) as store:
        listed = store.list_runs()
        assert list(listed["id"]) == [1] and list(listed["seed"]) == [0]
        stored = store.load(1)
    exported = pd.read_csv(out / "seed-0" / "predictions.csv")
    assert len(stored.result.predictions) == len(exported) > 0
    pd.testing.assert_series_equal(stored.result.predictions["predicted"], exported["predicted"])
    assert not (out / "seed-1").exists() or not any(out.glob("seed-1/*.csv"))
    assert not any(path.name.endswith(".tmp") for path in out.rglob("*"))


def test_a_damaged_run_does_not_stop_the_other_runs_from_loading(store_path, run):
    update(store_path, "UPDATE tables SET csv_gz = x'1f8b0800deadbeef' WHERE run_id = 2 AND name = 'predictions'")

    with RunStore(store_path) as store:
        assert list(store.list_runs()["id"]) == [2, 1]
        first = store.load(1)
    pd.testing.assert_frame_equal(first.result.predictions, run.result.predictions, check_dtype=False)


def test_a_damaged_run_is_reported_as_damaged(store_path):
    update(store_path, "UPDATE tables SET csv_gz = x'1f8b0800deadbeef' WHERE run_id = 2 AND name = 'predictions'")
    with RunStore(store_path) as store:
        with pytest.raises(WorkbenchError, match=r"[Rr]un 2 .*damaged"):
            store.load(2)


def test_a_run_with_a_damaged_config_does_not_hide_the_other_runs(store_path):
    update(store_path, "UPDATE runs SET config = '{\"data\": {\"tick' WHERE id = 2")
    with RunStore(store_path) as store:
        assert 1 in set(store.list_runs()["id"])
        with pytest.raises(WorkbenchError, match="damaged"):
            store.load(2)


class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _plant_payload(store_path, marker):
    buffer = io.BytesIO()
    torch.save({"weight": _Payload(str(marker))}, buffer)
    update(store_path, "UPDATE models SET state = ? WHERE run_id = 2", buffer.getvalue())


def test_a_stored_model_carrying_a_pickle_payload_is_not_run(store_path, tmp_path):
    marker = tmp_path / "payload-ran"
    _plant_payload(store_path, marker)
    with RunStore(store_path) as store:
        with pytest.raises((WorkbenchError, pickle.UnpicklingError)):
            store.load_model_state(2, "GOOG", "mlp")
        state, _ = store.load_model_state(1, "GOOG", "mlp")
    assert not marker.exists() and state


def test_a_stored_model_carrying_a_pickle_payload_is_refused_with_a_message(store_path, tmp_path):
    _plant_payload(store_path, tmp_path / "payload-ran")
    with RunStore(store_path) as store:
        with pytest.raises(WorkbenchError, match="refused"):
            store.load_model_state(2, "GOOG", "mlp")

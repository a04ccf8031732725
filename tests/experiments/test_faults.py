"""Faults of a search: each a clear message naming what is wrong and what to do, and nothing lost."""
import socket
import sqlite3

import pytest

from engine.errors import WorkbenchError
from engine.experiments.ray_executor import connect
from engine.experiments.study import TrialProgress


def test_a_worker_killed_mid_trial_fails_that_trial_and_the_study_goes_on(search):
    killed = []

    def kill_first(event):
        if isinstance(event, TrialProgress) and not killed:
            killed.append(event.number)
            driver.executor.kill_worker_of(event.number)

    driver, _ = search(trials=3, workers=2, top_k=1, pruner="none", on_event=kill_first, run=False)
    outcome = driver.run()
    states = dict(zip(outcome.trials["number"], outcome.trials["state"]))
    assert states.pop(killed[0]) == "FAIL" and set(states.values()) == {"COMPLETE"}
    message = outcome.trials.set_index("number").loc[killed[0], "message"]
    assert "worker process running it exited with code -9" in message and "the other workers go on" in message
    assert len(outcome.holdout) == 1


def test_a_trial_raising_a_workbench_error_is_recorded_failed_with_its_message(search):
    _, outcome = search("batch_size=32|5000", trials=2, workers=2, sampler="grid", top_k=1, pruner="none")
    failed = outcome.trials[outcome.trials["batch_size"] == 5000].iloc[0]
    assert failed["state"] == "FAIL" and "Batch size 5000 is larger than the" in failed["message"]
    assert outcome.trials[outcome.trials["batch_size"] == 32]["state"].tolist() == ["COMPLETE"]


def test_an_unreadable_storage_says_so(search, tmp_path):
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is no database" * 100)
    with pytest.raises(WorkbenchError, match="Cannot use the study storage sqlite:///.*garbage.sqlite .*choose "
                                             "another --storage"):
        search(storage=f"sqlite:///{garbage}")


def test_a_locked_storage_says_so(search, tmp_path):
    path = tmp_path / "locked.sqlite"
    search(storage=f"sqlite:///{path}", trials=1, top_k=1, pruner="none")  # a real study file
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(WorkbenchError, match="is locked by another program .*its own --storage"):
            search(storage=f"sqlite:///{path}", name="second", storage_timeout_s=0.2)
    finally:
        holder.rollback()
        holder.close()


def test_cancel_stops_every_worker_and_resume_retries_the_interrupted_trials(search):
    def cancel_on_first_fold(event):
        if isinstance(event, TrialProgress):
            driver.cancel()

    driver, _ = search(trials=3, workers=2, pruner="none", top_k=1, on_event=cancel_on_first_fold, run=False)
    outcome = driver.run()
    assert outcome.cancelled and outcome.holdout.empty and outcome.best_config is None
    # The two running and the one asked ahead for the next free worker; nothing asked after the cancel.
    assert set(outcome.trials["state"]) == {"FAIL"} and len(outcome.trials) == 3
    assert outcome.trials["message"].str.contains("interrupted").all()
    _, resumed = search(trials=3, workers=2, pruner="none", top_k=1, resume=True)
    states = resumed.trials["state"].tolist()
    assert states == ["FAIL"] * 3 + ["COMPLETE"] * 3  # the three run again, with their parameters
    params = ["dropout", "learning_rate"]
    assert resumed.trials.iloc[3:][params].values.tolist() == outcome.trials[params].values.tolist()
    assert len(resumed.holdout) == 1


def test_an_unreachable_ray_head_says_so_and_offers_the_local_executor():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free once the probe closes: nobody listens there
    with pytest.raises(WorkbenchError, match=f"Cannot reach the Ray head at 127.0.0.1:{port} .*--executor local"):
        connect(f"127.0.0.1:{port}", timeout_s=1)
    with pytest.raises(WorkbenchError, match="Cannot read the Ray address 'nohost'"):
        connect("nohost")

"""Test-wide set-up: headless Qt, no network, no user files touched."""
import json
import os
import socket
import sqlite3
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tiny test models run fastest on one thread, and a second busy process cannot stall them.
os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO_ROOT = Path(__file__).resolve().parents[1]
REAL_DATA = Path(__file__).resolve().parent / "fixtures" / "data"  # real OHLCV files, see its SOURCES.md


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Any attempt to reach a non-loopback address fails loudly."""
    real_connect = socket.socket.connect

    def guarded_connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost") and not host.startswith("/"):
            raise RuntimeError(f"test tried to reach the network: {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path, monkeypatch):
    """platformdirs resolves under tmp_path, so no test writes to the real user data dir."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The folder of real OHLCV files bundled with the tests."""
    return REAL_DATA


# What run configs up to version 2 (and model files saved by them) held for a model: one flat dict with every
# family's fields, these its defaults.
FLAT_MODEL_DEFAULTS = {"arch": "lstm", "hidden_size": 64, "num_layers": 2, "bidirectional": False, "dropout": 0.1,
                       "hidden_layers": [64, 32], "activation": "relu", "leaky_slope": 0.01, "init": "xavier",
                       "norm": "none", "channels": [32, 32], "kernel_size": 3, "dilated": True, "pooling": "none"}


def _flat(model: dict) -> dict:
    return {**FLAT_MODEL_DEFAULTS, **json.loads(json.dumps(model))}  # JSON's lists for tuples, as stored


@pytest.fixture
def flat_model_dict():
    """A model config's to_dict() as version 2 wrote it: flat, with every family's fields."""
    return _flat


def _rewrite_stored_config(path: Path, run_id: int, change) -> None:
    with sqlite3.connect(path) as connection:
        config = json.loads(connection.execute("SELECT config FROM runs WHERE id = ?", (run_id,)).fetchone()[0])
        change(config)
        connection.execute("UPDATE runs SET config = ? WHERE id = ?", (json.dumps(config), run_id))
    connection.close()


def _as_version_2(config: dict) -> None:
    config["version"] = 2
    config["models"] = [_flat(model) for model in config["models"]]


def _as_version_1(config: dict) -> None:
    _as_version_2(config)
    config["version"] = 1
    config["walk_forward"]["val_fraction"] = config["walk_forward"].pop("early_stop_fraction")


@pytest.fixture
def store_as_version_2():
    """Rewrite a stored run's config as version 2 wrote it: each model a flat dict with every family's fields."""
    return lambda path, run_id: _rewrite_stored_config(path, run_id, _as_version_2)


@pytest.fixture
def store_as_version_1():
    """Rewrite a stored run's config as version 1 wrote it: flat models, and the early-stopping share was
    walk_forward.val_fraction."""
    return lambda path, run_id: _rewrite_stored_config(path, run_id, _as_version_1)

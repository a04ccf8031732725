"""Model files: round trip, and refusal of damaged or code-carrying files."""
import hashlib
import json

import numpy as np
import pytest
import torch

from engine.checkpoints import DESCRIPTION_FILE, WEIGHTS_FILE, load_model, save_model
from engine.errors import WorkbenchError
from engine.train import predict
from models import model_config_for
from models.registry import build_model


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(0)
    config = model_config_for("gru", hidden_size=8, num_layers=1, hidden_layers=(8,))
    model = build_model(config, 10, 3, 2)
    save_model(tmp_path / "m", model, config, input_shape=(10, 3), n_outputs=2, classification=False,
               extra={"ticker": "SP500"})
    return tmp_path / "m", model


def test_a_saved_model_predicts_exactly_as_before(saved):
    directory, model = saved
    loaded = load_model(directory)
    x = np.random.default_rng(0).normal(size=(5, 10, 3)).astype(np.float32)
    np.testing.assert_array_equal(predict(loaded.model, x), predict(model, x))
    assert loaded.extra == {"ticker": "SP500"} and loaded.input_shape == (10, 3)


class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_model_file_carrying_a_pickle_payload_is_refused_not_run(saved, tmp_path):
    directory, _ = saved
    marker = tmp_path / "payload-ran"
    with open(directory / WEIGHTS_FILE, "wb") as file:
        torch.save({"weight": _Payload(str(marker))}, file)
    description = json.loads((directory / DESCRIPTION_FILE).read_text())  # a forger fixes the checksum too
    description["weights_sha256"] = hashlib.sha256((directory / WEIGHTS_FILE).read_bytes()).hexdigest()
    (directory / DESCRIPTION_FILE).write_text(json.dumps(description))
    with pytest.raises(WorkbenchError, match="refused: it holds objects other than plain weights"):
        load_model(directory)
    assert not marker.exists()


def test_a_corrupted_model_file_is_reported(saved):
    directory, _ = saved
    (directory / WEIGHTS_FILE).write_bytes(b"\x00garbage" * 10)
    with pytest.raises(WorkbenchError, match="is damaged"):
        load_model(directory)


def test_a_damaged_description_is_reported(saved):
    directory, _ = saved
    (directory / DESCRIPTION_FILE).write_text("{not json")
    with pytest.raises(WorkbenchError, match="damaged or not a model description"):
        load_model(directory)


def test_weights_that_do_not_fit_the_description_are_reported(saved):
    directory, _ = saved
    description = json.loads((directory / DESCRIPTION_FILE).read_text())
    description["model_config"]["hidden_size"] = 16
    (directory / DESCRIPTION_FILE).write_text(json.dumps(description))
    with pytest.raises(WorkbenchError, match="does not match its description"):
        load_model(directory)


def test_a_missing_folder_is_reported(tmp_path):
    with pytest.raises(WorkbenchError, match="is missing"):
        load_model(tmp_path / "nothing")


def test_a_model_saved_with_the_flat_config_of_version_2_loads(saved, flat_model_dict):
    directory, _ = saved
    description = json.loads((directory / DESCRIPTION_FILE).read_text())
    description["model_config"] = flat_model_dict(description["model_config"])
    (directory / DESCRIPTION_FILE).write_text(json.dumps(description))
    loaded = load_model(directory)
    assert loaded.model_config == model_config_for("gru", hidden_size=8, num_layers=1, hidden_layers=(8,))

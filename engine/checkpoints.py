"""Saving and loading trained models: a state_dict file plus a JSON description that rebuilds it.

Loading uses torch.load(weights_only=True) only, so a model file can never run code.
"""
from __future__ import annotations

import hashlib
import io
import json
import pickle
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from engine.errors import WorkbenchError
from engine.files import write_all_atomically
from engine.runs import drop_other_families
from models import ModelConfig, model_config_from_dict
from models.registry import build_model

WEIGHTS_FILE = "model.pt"
DESCRIPTION_FILE = "model.json"


@dataclass(frozen=True)
class SavedModel:
    model: nn.Module  # in eval mode, on the CPU
    model_config: ModelConfig
    input_shape: tuple[int, int]  # (timesteps, features)
    n_outputs: int
    classification: bool
    extra: dict  # whatever the caller stored beside it (run config, scalers' parameters, ...)


def save_model(directory: Path, model: nn.Module, model_config: ModelConfig, *, input_shape: tuple[int, int],
               n_outputs: int, classification: bool, extra: Mapping | None = None) -> Path:
    """Write model.pt and model.json into directory (each atomically) and return the directory."""
    directory = Path(directory)
    state = {name: tensor.detach().cpu() for name, tensor in model.state_dict().items()}
    buffer = io.BytesIO()
    torch.save(state, buffer)
    weights = buffer.getvalue()
    description = {"model_config": model_config.to_dict(), "input_shape": list(input_shape),
                   "n_outputs": n_outputs, "classification": classification, "extra": dict(extra or {}),
                   "weights_sha256": hashlib.sha256(weights).hexdigest()}
    write_all_atomically({directory / WEIGHTS_FILE: lambda file: file.write(weights),
                          directory / DESCRIPTION_FILE: lambda file: file.write(json.dumps(description, indent=2).encode())},
                         mode="wb")
    return directory


def load_model(directory: Path) -> SavedModel:
    """Rebuild a saved model; a damaged, foreign or code-carrying file is refused with a clear message."""
    directory = Path(directory)
    weights, description_path = directory / WEIGHTS_FILE, directory / DESCRIPTION_FILE
    for path in (weights, description_path):
        if not path.is_file():
            raise WorkbenchError(f"{path} is missing: choose a folder saved by Stock Workbench "
                                 f"(it holds {WEIGHTS_FILE} and {DESCRIPTION_FILE}).")
    try:
        description = json.loads(description_path.read_text(encoding="utf-8"))
        model_config = model_config_from_dict(drop_other_families(description["model_config"]))
        timesteps, features = description["input_shape"]
        n_outputs, classification = int(description["n_outputs"]), bool(description["classification"])
        checksum = description["weights_sha256"]
    except (ValueError, KeyError, TypeError) as error:
        raise WorkbenchError(f"{description_path} is damaged or not a model description ({error}): "
                             "save the model again.") from error
    if hashlib.sha256(weights.read_bytes()).hexdigest() != checksum:
        raise WorkbenchError(f"{weights} is damaged: its contents differ from what was saved (checksum mismatch). "
                             "Save or train the model again.")
    try:
        state = torch.load(weights, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        if "Unsupported global" not in str(error):  # anything else is a damaged file, not a foreign object
            raise WorkbenchError(f"{weights} is damaged and cannot be read: save or train the model again.") \
                from error
        raise WorkbenchError(f"{weights} was refused: it holds objects other than plain weights, which could run "
                             "code when opened. Only open model files you saved yourself.") from error
    except (RuntimeError, EOFError, OSError) as error:
        raise WorkbenchError(f"{weights} is damaged and cannot be read ({error}): save or train the model again.") \
            from error
    model = build_model(model_config, timesteps, features, n_outputs)
    try:
        model.load_state_dict(state)
    except (RuntimeError, TypeError, AttributeError) as error:
        raise WorkbenchError(f"{weights} does not match its description in {DESCRIPTION_FILE}: "
                             "save the model again.") from error
    return SavedModel(model.eval(), model_config, (timesteps, features), n_outputs, classification,
                      description.get("extra", {}))

"""The name → network registries (forecasters, detectors) and build_model, read off models.catalog: each entry's
config names its network ("module:Class"), imported here with torch.
"""

from __future__ import annotations

from importlib import import_module

from torch import nn

from models.catalog import ARCHITECTURES, DETECTORS as DETECTOR_CONFIGS, Architecture
from models.config import ModelConfig
from models.errors import WorkbenchError
from models.layers import init_weights


def _network(entry: Architecture) -> type[nn.Module]:
    module, _, name = entry.config.network.partition(":")
    network = getattr(import_module(module), name)
    if not (isinstance(network, type) and issubclass(network, nn.Module)):
        raise TypeError(f"{entry.config.__name__}.network names {entry.config.network}, which is no torch module")
    return network


MODELS: dict[str, type[nn.Module]] = {name: _network(entry) for name, entry in ARCHITECTURES.items()}
DETECTORS: dict[str, type[nn.Module]] = {name: _network(entry) for name, entry in DETECTOR_CONFIGS.items()}


def build_model(config: ModelConfig, n_timesteps: int, n_features: int, n_outputs: int) -> nn.Module:
    """A freshly initialised model mapping (batch, n_timesteps, n_features) → (batch, n_outputs).

    Outputs are raw: regression values, or logits when the trainer classifies up/down moves. A window too short
    for the architecture (ModelConfig.check_window) is a WorkbenchError.
    Seed torch beforehand for reproducible weights.
    """
    sizes = {"n_timesteps": n_timesteps, "n_features": n_features, "n_outputs": n_outputs}
    for name, size in sizes.items():
        if size < 1:
            raise WorkbenchError(
                f"{name} must be at least 1, got {size}: check the window length, "
                "feature columns and horizons"
            )
    config.check_window(n_timesteps)
    model = (MODELS | DETECTORS)[config.arch](config, n_timesteps, n_features, n_outputs)
    init_weights(model, config)
    return model

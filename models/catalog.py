"""The catalog: every architecture's name, title, one-line summary and config, simplest first, without torch;
and apart from them the anomaly detectors (DETECTORS).

The Model panel builds a card per entry and main.py its --arch choices; models.registry imports each entry's
network (its config's `network`). A new architecture is its network file (torch), its config file (no torch: the
fields, title, summary and network's name) and one line in ARCHITECTURES here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from models.attention_lstm_config import AttentionLSTMConfig
from models.cnn_config import CNNConfig
from models.cnn_lstm_config import CNNLSTMConfig
from models.config import ModelConfig
from models.dlinear_config import DLinearConfig
from models.errors import WorkbenchError
from models.linear_config import LinearConfig
from models.lstm_autoencoder_config import LSTMAutoencoderConfig
from models.mlp_config import MLPConfig
from models.nlinear_config import NLinearConfig
from models.patchtst_config import PatchTSTConfig
from models.recurrent_config import GRUConfig, LSTMConfig, RNNConfig


@dataclass(frozen=True)
class Architecture:
    """A catalog entry: the config class says it all (fields, limits, help, title, summary, network)."""

    config: type[ModelConfig]

    @property
    def name(self) -> str:
        """The key of the catalog, the registry and stored runs."""
        return self.config.arch

    @property
    def title(self) -> str:
        return self.config.title

    @property
    def summary(self) -> str:
        return self.config.summary


def _entries(*configs: type[ModelConfig]) -> dict[str, Architecture]:
    return {config.arch: Architecture(config) for config in configs}


# The registry of forecasters, simplest first: one line per architecture.
ARCHITECTURES: dict[str, Architecture] = _entries(
    LinearConfig,
    NLinearConfig,
    DLinearConfig,
    MLPConfig,
    RNNConfig,
    LSTMConfig,
    GRUConfig,
    CNNConfig,
    AttentionLSTMConfig,
    CNNLSTMConfig,
    PatchTSTConfig,
)

DEFAULT_ARCH = "lstm"

# Anomaly detectors: networks that rebuild their input rather than forecast, so no --arch choice, no Model card.
DETECTORS: dict[str, Architecture] = _entries(LSTMAutoencoderConfig)


def architecture(name: str) -> Architecture:
    """The catalog entry of name; a WorkbenchError listing the known ones otherwise."""
    if name not in ARCHITECTURES:
        raise WorkbenchError(f"arch must be one of {', '.join(ARCHITECTURES)}, got {name!r}: pick one of those")
    return ARCHITECTURES[name]


def model_config_for(arch: str, **fields: Any) -> ModelConfig:
    """The config of architecture arch, e.g. model_config_for("lstm", hidden_size=8); fields it lacks are refused."""
    return architecture(arch).config.with_fields(fields)


def detector_config_from_dict(data: Mapping[str, Any]) -> ModelConfig:
    """A detector's config from its to_dict() output; an unknown detector names the known ones."""
    fields = dict(data)
    name = fields.pop("arch", "")
    if name not in DETECTORS:
        raise WorkbenchError(f"detector must be one of {', '.join(DETECTORS)}, got {name!r}: pick one of those")
    return DETECTORS[name].config.with_fields(fields)


def fields_of(arch: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of values that arch has a field for, e.g. options shared by several families; the rest dropped."""
    known = architecture(arch).config.settings()
    return {name: value for name, value in values.items() if name in known}


def model_config_from_dict(data: Mapping[str, Any]) -> ModelConfig:
    """Rebuild from ModelConfig.to_dict() output (e.g. parsed JSON); missing fields keep their defaults."""
    fields = dict(data)
    arch = fields.pop("arch", DEFAULT_ARCH)
    # JSON has no tuples, so the tuple fields come back as lists.
    return model_config_for(arch, **{name: tuple(v) if isinstance(v, list) else v for name, v in fields.items()})

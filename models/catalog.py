"""The catalog: every architecture's name, title, one-line summary and config, simplest first, without torch;
and apart from them the anomaly detectors (DETECTORS).

The Model panel builds a card per entry and main.py its --arch choices; models.registry maps the same names to
the networks. A new architecture is its network file, its config file and one line here and in the registry.
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
    config: type[ModelConfig]  # its fields, defaults, limits and help
    title: str  # the heading of its card
    summary: str  # one plain line under the heading

    @property
    def name(self) -> str:
        """The key of the catalog, the registry and stored runs."""
        return self.config.arch


ARCHITECTURES: dict[str, Architecture] = {entry.name: entry for entry in (
    Architecture(LinearConfig, "Linear", "One weighted sum of the whole window, trained like the other networks."),
    Architecture(NLinearConfig, "NLinear", "The window relative to its last bar, then one weighted sum (LTSF)."),
    Architecture(DLinearConfig, "DLinear", "A moving-average trend and the rest, one weighted sum each (LTSF)."),
    Architecture(MLPConfig, "MLP", "Dense layers on the flattened window; ignores the order of time."),
    Architecture(RNNConfig, "RNN", "Reads the window bar by bar with a simple memory that fades quickly."),
    Architecture(LSTMConfig, "LSTM", "Reads bar by bar with a gated memory that keeps information longest."),
    Architecture(GRUConfig, "GRU", "Gated memory like the LSTM's, with fewer weights to learn."),
    Architecture(CNNConfig, "CNN (TCN)", "Small causal filters slide along time to spot local patterns (TCN-style)."),
    Architecture(AttentionLSTMConfig, "Attention LSTM",
                 "An LSTM whose states are averaged with learned weights per bar; shows where it looked."),
    Architecture(CNNLSTMConfig, "CNN-LSTM", "A conv branch and an LSTM branch read the window; dense layers join them."),
    Architecture(PatchTSTConfig, "PatchTST",
                 "A Transformer reads each column as patches of bars, attending across patches."),
)}

DEFAULT_ARCH = "lstm"

# Anomaly detectors: networks that rebuild their input rather than forecast, so no --arch choice, no Model card.
DETECTORS: dict[str, Architecture] = {entry.name: entry for entry in (
    Architecture(LSTMAutoencoderConfig, "LSTM autoencoder",
                 "Squeezes each window into a few numbers and rebuilds it; bars rebuilt badly are unusual."),
)}


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

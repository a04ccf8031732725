"""The name → network registries (forecasters, detectors) and build_model; models.catalog lists the same names
without torch.

A new architecture is its network file, its config file with one line in models.catalog, and one line here.
"""

from __future__ import annotations

from torch import nn

from models.attention_lstm import AttentionLSTM
from models.cnn import CNN
from models.cnn_lstm import CNNLSTM
from models.config import ModelConfig
from models.dlinear import DLinear
from models.errors import WorkbenchError
from models.layers import init_weights
from models.linear import LinearBaseline
from models.lstm_autoencoder import LSTMAutoencoder
from models.mlp import MLP
from models.nlinear import NLinear
from models.patchtst import PatchTST
from models.recurrent import GRU, LSTM, RNN

MODELS: dict[str, type[nn.Module]] = {
    "linear": LinearBaseline,
    "nlinear": NLinear,
    "dlinear": DLinear,
    "mlp": MLP,
    "rnn": RNN,
    "lstm": LSTM,
    "gru": GRU,
    "cnn": CNN,
    "attention_lstm": AttentionLSTM,
    "cnn_lstm": CNNLSTM,
    "patchtst": PatchTST,
}
DETECTORS: dict[str, type[nn.Module]] = {"lstm_autoencoder": LSTMAutoencoder}  # models.catalog.DETECTORS' networks

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

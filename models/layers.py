"""Pieces the models share: activations, norms, the dense stack, the recurrent and causal-conv encoders, weight init."""

from __future__ import annotations

from itertools import pairwise

import torch
from torch import Tensor, nn

from models.cnn_config import CNNConfig, Pooling
from models.config import DenseConfig, ModelConfig, Norm
from models.recurrent_config import RecurrentConfig

_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "elu": nn.ELU,
    "selu": nn.SELU,
}

# torch.nn.init has no gain for ELU (ReLU's is the usual stand-in); SELU wants LeCun's
# scaling, which is Kaiming with the linear gain.
_GAIN_NAMES = {"elu": "relu", "selu": "linear"}


def activation(config: DenseConfig) -> nn.Module:
    """A fresh module for config.activation."""
    if config.activation == "leaky_relu":
        return nn.LeakyReLU(config.leaky_slope)
    return _ACTIVATIONS[config.activation]()


def norm(kind: Norm, width: int, *, channels_first: bool = False) -> nn.Module:
    """Normalisation over `width` features of (B, width), or channels of (B, width, T).

    BatchNorm needs batches of 2 or more while training; in eval mode it uses its
    running statistics, so single samples are fine.
    """
    if kind == "batch":
        return nn.BatchNorm1d(width)  # accepts (B, C) and (B, C, T) alike
    if kind == "layer":
        return _ChannelLayerNorm(width) if channels_first else nn.LayerNorm(width)
    return nn.Identity()


class _ChannelLayerNorm(nn.LayerNorm):
    """LayerNorm over the channels of each time step, so no step sees another's statistics."""

    def forward(self, x: Tensor) -> Tensor:
        # x: (B, C, T)
        return super().forward(x.transpose(1, 2)).transpose(1, 2)  # norm over C, (B, C, T)


def dense_stack(in_features: int, n_outputs: int, config: DenseConfig) -> nn.Sequential:
    """Linear → norm → activation → dropout for each of config.hidden_layers, then Linear."""
    layers: list[nn.Module] = []
    for width in config.hidden_layers:
        layers += [
            nn.Linear(in_features, width),
            norm(config.norm, width),
            activation(config),
            nn.Dropout(config.dropout),
        ]
        in_features = width
    layers.append(nn.Linear(in_features, n_outputs))
    return nn.Sequential(*layers)


def recurrent_layer(cell: str, n_features: int, config: RecurrentConfig) -> nn.RNNBase:
    """Stacked (bi)directional torch.nn `cell` ("RNN", "LSTM" or "GRU") layers, batch first."""
    return getattr(nn, cell)(
        input_size=n_features,
        hidden_size=config.hidden_size,
        num_layers=config.num_layers,
        bidirectional=config.bidirectional,
        batch_first=True,
        # torch drops out only between layers, and warns when there is just one
        dropout=config.dropout if config.num_layers > 1 else 0.0,
    )


def final_states(out: Tensor, hidden_size: int) -> Tensor:
    """Each direction's output once it has read the whole window: forward's at the last step, backward's at the
    first (an empty slice when unidirectional)."""
    # out: (B, T, D*H), D = 2 when bidirectional
    return torch.cat([out[:, -1, :hidden_size], out[:, 0, hidden_size:]], dim=1)  # (B, D*H)


def causal_conv_stack(n_features: int, config: CNNConfig) -> nn.Sequential:
    """One causal conv block per config.channels entry, dilated 1, 2, 4 ... when config.dilated.

    Maps (B, F, T) → (B, C, T), C = config.channels[-1].
    """
    widths = (n_features, *config.channels)
    return nn.Sequential(*(CausalBlock(c_in, c_out, 2**i if config.dilated else 1, config)
                           for i, (c_in, c_out) in enumerate(pairwise(widths))))


class CausalBlock(nn.Module):
    """Causal conv → norm → activation → dropout, added to a skip path (1×1 conv if widths differ)."""

    def __init__(self, c_in: int, c_out: int, dilation: int, config: CNNConfig):
        super().__init__()
        # Left padding only, so step t never sees a step after t.
        self.pad = nn.ConstantPad1d(((config.kernel_size - 1) * dilation, 0), 0.0)
        self.conv = nn.Conv1d(c_in, c_out, config.kernel_size, dilation=dilation)
        self.norm = norm(config.norm, c_out, channels_first=True)
        self.act = activation(config)
        self.drop = nn.Dropout(config.dropout)
        self.skip = nn.Conv1d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        # x: (B, C_in, T)
        y = self.drop(self.act(self.norm(self.conv(self.pad(x)))))  # (B, C_out, T)
        return y + self.skip(x)  # (B, C_out, T)


class _LastStep(nn.Module):
    """The final time step, which causal convs have fed from as far back as they reach."""

    def forward(self, x: Tensor) -> Tensor:
        # x: (B, C, T)
        return x[:, :, -1:]  # (B, C, 1)


def time_pool(kind: Pooling) -> nn.Module:
    """Summarise (B, C, T) over time as (B, C, 1)."""
    if kind == "max":
        return nn.AdaptiveMaxPool1d(1)
    if kind == "avg":
        return nn.AdaptiveAvgPool1d(1)
    return _LastStep()


def init_weights(model: nn.Module, config: ModelConfig) -> None:
    """Apply config.init to Linear, Conv1d and recurrent weights; zero their biases."""
    if config.init == "default":
        return
    # With no activation to follow (the linear network), Kaiming's own default gain: ReLU's.
    act, slope = (config.activation, config.leaky_slope) if isinstance(config, DenseConfig) else ("relu", 0.0)
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Conv1d)):
            gain_name = _GAIN_NAMES.get(act, act)
        elif isinstance(module, nn.RNNBase):
            gain_name = "tanh"  # the cells' own tanh/sigmoid follow these matrices
        else:
            continue
        for name, param in module.named_parameters(recurse=False):
            if name.startswith("weight"):
                _init_matrix(param, config.init, gain_name, slope)
            else:
                nn.init.zeros_(param)


def _init_matrix(weight: Tensor, scheme: str, gain_name: str, slope: float) -> None:
    if scheme == "xavier":
        nn.init.xavier_uniform_(weight)
    elif scheme == "he":
        nn.init.kaiming_normal_(weight, a=slope, nonlinearity=gain_name)
    else:  # lecun: normal with std 1/sqrt(fan_in); a row holds one unit's inputs
        nn.init.normal_(weight, std=weight[0].numel() ** -0.5)

"""Pieces every model shares: activations, norms, the dense stack and weight init."""

from __future__ import annotations

from torch import Tensor, nn

from models.config import DenseConfig, ModelConfig, Norm

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

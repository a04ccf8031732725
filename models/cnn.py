"""CNN: causal, optionally dilated 1-D convolutions over time in residual (TCN-style) blocks."""

from __future__ import annotations

from itertools import pairwise

from torch import Tensor, nn

from models.cnn_config import CNNConfig, Pooling
from models.layers import activation, dense_stack, norm


class CNN(nn.Module):
    """One causal conv block per config.channels entry, pooled over time, then a dense head."""

    def __init__(self, config: CNNConfig, n_timesteps: int, n_features: int, n_outputs: int):
        super().__init__()
        widths = (n_features, *config.channels)
        self.blocks = nn.Sequential(
            *(
                _CausalBlock(c_in, c_out, 2**i if config.dilated else 1, config)
                for i, (c_in, c_out) in enumerate(pairwise(widths))
            )
        )
        self.pool = _pool(config.pooling)
        self.head = dense_stack(config.channels[-1], n_outputs, config)

    def forward(self, x: Tensor) -> Tensor:
        # x: (B, T, F)
        h = self.blocks(x.transpose(1, 2))  # (B, F, T) → (B, C, T)
        return self.head(self.pool(h).flatten(1))  # (B, C, 1) → (B, C) → (B, n_outputs)


class _CausalBlock(nn.Module):
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


def _pool(kind: Pooling) -> nn.Module:
    """Summarise (B, C, T) over time as (B, C, 1)."""
    if kind == "max":
        return nn.AdaptiveMaxPool1d(1)
    if kind == "avg":
        return nn.AdaptiveAvgPool1d(1)
    return _LastStep()

"""CNN: causal, optionally dilated 1-D convolutions over time in residual (TCN-style) blocks."""

from __future__ import annotations

from torch import Tensor, nn

from models.cnn_config import CNNConfig
from models.layers import causal_conv_stack, dense_stack, time_pool


class CNN(nn.Module):
    """One causal conv block per config.channels entry, pooled over time, then a dense head."""

    def __init__(self, config: CNNConfig, n_timesteps: int, n_features: int, n_outputs: int):
        super().__init__()
        self.blocks = causal_conv_stack(n_features, config)
        self.pool = time_pool(config.pooling)
        self.head = dense_stack(config.channels[-1], n_outputs, config)

    def forward(self, x: Tensor) -> Tensor:
        # x: (B, T, F)
        h = self.blocks(x.transpose(1, 2))  # (B, F, T) → (B, C, T)
        return self.head(self.pool(h).flatten(1))  # (B, C, 1) → (B, C) → (B, n_outputs)

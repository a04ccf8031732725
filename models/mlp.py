"""MLP: the flattened window through a dense stack."""

from __future__ import annotations

from torch import Tensor, nn

from models.mlp_config import MLPConfig
from models.layers import dense_stack


class MLP(nn.Module):
    """Flattens (B, T, F) and applies config.hidden_layers; ignores time order."""

    def __init__(self, config: MLPConfig, n_timesteps: int, n_features: int, n_outputs: int):
        super().__init__()
        self.body = dense_stack(n_timesteps * n_features, n_outputs, config)

    def forward(self, x: Tensor) -> Tensor:
        # x: (B, T, F)
        return self.body(x.flatten(1))  # (B, T*F) → (B, n_outputs)

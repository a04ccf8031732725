"""Linear baseline: one weighted sum of the whole window per output."""

from __future__ import annotations

from torch import Tensor, nn

from models.linear_config import LinearConfig


class LinearBaseline(nn.Module):
    """A single nn.Linear on the flattened window; the bar every other model must beat."""

    def __init__(self, config: LinearConfig, n_timesteps: int, n_features: int, n_outputs: int):
        super().__init__()
        self.proj = nn.Linear(n_timesteps * n_features, n_outputs)

    def forward(self, x: Tensor) -> Tensor:
        # x: (B, T, F)
        return self.proj(x.flatten(1))  # (B, T*F) → (B, n_outputs)

"""NLinear, an LTSF-Linear baseline: the window relative to its last bar through one linear layer.

The paper adds each channel's last value back to that channel's forecast; here the outputs are horizons of one
target that need not be an input column, so the last values join the layer's input instead.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from models.nlinear_config import NLinearConfig


class NLinear(nn.Module):
    """Each column minus its last value in the window, then one linear layer (which also reads the last values)."""

    def __init__(self, config: NLinearConfig, n_timesteps: int, n_features: int, n_outputs: int):
        super().__init__()
        self.proj = nn.Linear((n_timesteps + 1) * n_features, n_outputs)

    def forward(self, x: Tensor) -> Tensor:
        # x: (B, T, F)
        last = x[:, -1:]  # (B, 1, F)
        return self.proj(torch.cat([x - last, last], dim=1).flatten(1))  # (B, (T+1)*F) → (B, n_outputs)

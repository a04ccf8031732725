"""DLinear, an LTSF-Linear baseline: a moving-average trend and the seasonal rest, each through a linear layer.

The paper's heads map each channel's window to that channel's future; here the outputs are horizons of one
target that need not be an input column, so every channel's parts feed every output.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from models.dlinear_config import DLinearConfig


class DLinear(nn.Module):
    """Each column split into a moving-average trend and the seasonal rest, one linear layer on each, summed."""

    def __init__(self, config: DLinearConfig, n_timesteps: int, n_features: int, n_outputs: int):
        super().__init__()
        kernel = config.moving_average
        self.pad_front, self.pad_back = (kernel - 1) // 2, kernel - 1 - (kernel - 1) // 2
        self.average = nn.AvgPool1d(kernel, stride=1)
        self.trend = nn.Linear(n_timesteps * n_features, n_outputs)
        self.seasonal = nn.Linear(n_timesteps * n_features, n_outputs)

    def forward(self, x: Tensor) -> Tensor:
        # x: (B, T, F); the edges repeat the first and last bar, as in the paper, so the average keeps length T
        padded = torch.cat([x[:, :1].expand(-1, self.pad_front, -1), x,
                            x[:, -1:].expand(-1, self.pad_back, -1)], dim=1)  # (B, T + k - 1, F)
        trend = self.average(padded.transpose(1, 2)).transpose(1, 2)  # (B, T, F)
        seasonal = x - trend  # (B, T, F)
        return self.trend(trend.flatten(1)) + self.seasonal(seasonal.flatten(1))  # (B, n_outputs)

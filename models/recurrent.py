"""RNN, LSTM and GRU: one module, the torch layer picked by name."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from models.layers import dense_stack
from models.recurrent_config import RecurrentConfig


class _Recurrent(nn.Module):
    """Stacked (bi)directional recurrent layers, then a dense head on the final outputs."""

    cell: str  # the torch.nn layer to stack: "RNN", "LSTM" or "GRU"

    def __init__(self, config: RecurrentConfig, n_timesteps: int, n_features: int, n_outputs: int):
        super().__init__()
        self.hidden_size = config.hidden_size
        self.rnn = getattr(nn, self.cell)(
            input_size=n_features,
            hidden_size=config.hidden_size,
            num_layers=config.num_layers,
            bidirectional=config.bidirectional,
            batch_first=True,
            # torch drops out only between layers, and warns when there is just one
            dropout=config.dropout if config.num_layers > 1 else 0.0,
        )
        directions = 2 if config.bidirectional else 1
        self.head = dense_stack(directions * config.hidden_size, n_outputs, config)

    def forward(self, x: Tensor) -> Tensor:
        # x: (B, T, F)
        out, _ = self.rnn(x)  # (B, T, D*H), D = 2 when bidirectional
        h = self.hidden_size
        # Each direction's output once it has read the whole window: forward's at the
        # last step, backward's at the first (an empty slice when unidirectional).
        final = torch.cat([out[:, -1, :h], out[:, 0, h:]], dim=1)  # (B, D*H)
        return self.head(final)  # (B, n_outputs)


class RNN(_Recurrent):
    """Elman RNN: simplest memory, forgets quickly."""

    cell = "RNN"


class LSTM(_Recurrent):
    """Long short-term memory: gated, remembers longest."""

    cell = "LSTM"


class GRU(_Recurrent):
    """Gated recurrent unit: LSTM-like memory with fewer weights."""

    cell = "GRU"

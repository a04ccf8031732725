"""RNN, LSTM and GRU: one module, the torch layer picked by name."""

from __future__ import annotations

from torch import Tensor, nn

from models.layers import dense_stack, final_states, recurrent_layer
from models.recurrent_config import RecurrentConfig


class _Recurrent(nn.Module):
    """Stacked (bi)directional recurrent layers, then a dense head on the final outputs."""

    cell: str  # the torch.nn layer to stack: "RNN", "LSTM" or "GRU"

    def __init__(self, config: RecurrentConfig, n_timesteps: int, n_features: int, n_outputs: int):
        super().__init__()
        self.hidden_size = config.hidden_size
        self.rnn = recurrent_layer(self.cell, n_features, config)
        directions = 2 if config.bidirectional else 1
        self.head = dense_stack(directions * config.hidden_size, n_outputs, config)

    def forward(self, x: Tensor) -> Tensor:
        # x: (B, T, F)
        out, _ = self.rnn(x)  # (B, T, D*H), D = 2 when bidirectional
        return self.head(final_states(out, self.hidden_size))  # (B, D*H) → (B, n_outputs)


class RNN(_Recurrent):
    """Elman RNN: simplest memory, forgets quickly."""

    cell = "RNN"


class LSTM(_Recurrent):
    """Long short-term memory: gated, remembers longest."""

    cell = "LSTM"


class GRU(_Recurrent):
    """Gated recurrent unit: LSTM-like memory with fewer weights."""

    cell = "GRU"

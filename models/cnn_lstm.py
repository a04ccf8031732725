"""The CNN-LSTM: two branches read the same window, causal convolutions and an LSTM; their summaries are joined
and passed to the dense head (the two-branch model of the Keras Functional API)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from models.cnn_lstm_config import CNNLSTMConfig
from models.layers import causal_conv_stack, dense_stack, final_states, recurrent_layer, time_pool


class CNNLSTM(nn.Module):
    def __init__(self, config: CNNLSTMConfig, n_timesteps: int, n_features: int, n_outputs: int):
        super().__init__()
        self.hidden_size = config.hidden_size
        self.blocks = causal_conv_stack(n_features, config)
        self.pool = time_pool(config.pooling)
        self.rnn = recurrent_layer("LSTM", n_features, config)
        directions = 2 if config.bidirectional else 1
        self.head = dense_stack(config.channels[-1] + directions * config.hidden_size, n_outputs, config)

    def forward(self, x: Tensor) -> Tensor:
        # x: (B, T, F)
        conv = self.pool(self.blocks(x.transpose(1, 2))).flatten(1)  # (B, F, T) → (B, C, T) → (B, C)
        out, _ = self.rnn(x)  # (B, T, D*H)
        joined = torch.cat([conv, final_states(out, self.hidden_size)], dim=1)  # (B, C + D*H)
        return self.head(joined)  # (B, n_outputs)

"""The attention LSTM: an LSTM (uni- or bidirectional) whose states over the window are averaged with additive
(Bahdanau-style) attention weights before the dense head; the weights show which bars the prediction leaned on."""

from __future__ import annotations

from torch import Tensor, nn

from models.attention_lstm_config import AttentionLSTMConfig
from models.layers import dense_stack, recurrent_layer


class AttentionLSTM(nn.Module):
    def __init__(self, config: AttentionLSTMConfig, n_timesteps: int, n_features: int, n_outputs: int):
        super().__init__()
        width = (2 if config.bidirectional else 1) * config.hidden_size
        self.rnn = recurrent_layer("LSTM", n_features, config)
        self.score = nn.Sequential(nn.Linear(width, config.attention_size), nn.Tanh(),
                                   nn.Linear(config.attention_size, 1, bias=False))
        self.head = dense_stack(width, n_outputs, config)

    def forward(self, x: Tensor) -> Tensor:
        # x: (B, T, F)
        states, weights = self._attend(x)  # (B, T, D*H), (B, T)
        context = (weights.unsqueeze(2) * states).sum(dim=1)  # (B, D*H)
        return self.head(context)  # (B, n_outputs)

    def attention(self, x: Tensor) -> Tensor:
        """(B, T): the weight each bar's state gets in the average the head reads; each row sums to 1."""
        return self._attend(x)[1]

    def _attend(self, x: Tensor) -> tuple[Tensor, Tensor]:
        states, _ = self.rnn(x)  # (B, T, D*H)
        weights = self.score(states).squeeze(2).softmax(dim=1)  # (B, T)
        return states, weights

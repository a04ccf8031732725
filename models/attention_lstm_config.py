"""AttentionLSTMConfig: the LSTM's recurrent and dense fields, and the width of its attention scores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from models.config import setting
from models.recurrent_config import RecurrentConfig


@dataclass(frozen=True)
class AttentionLSTMConfig(RecurrentConfig):
    arch: ClassVar[str] = "attention_lstm"
    title: ClassVar[str] = "Attention LSTM"
    summary: ClassVar[str] = "An LSTM whose states are averaged with learned weights per bar; shows where it looked."
    network: ClassVar[str] = "models.attention_lstm:AttentionLSTM"

    attention_size: int = setting(
        32, limits=(1, 4096), advice="choose a positive width, e.g. 32", help=(
            "Width of the small layer that scores each bar's LSTM state for additive attention "
            "(attention_lstm): score = v·tanh(W·state). The scores, turned into weights that sum to 1, "
            "average the states into what the dense head reads, and the heatmap shows them. Wider scores "
            "can tell more kinds of bar apart; 16 to 64 is plenty."
        ))

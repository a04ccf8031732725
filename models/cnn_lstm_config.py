"""CNNLSTMConfig: the conv branch takes the CNN's fields, the LSTM branch the recurrent ones, and the dense head
reads both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from models.cnn_config import CNNConfig
from models.recurrent_config import RecurrentConfig


@dataclass(frozen=True)
class CNNLSTMConfig(RecurrentConfig, CNNConfig):
    arch: ClassVar[str] = "cnn_lstm"
    title: ClassVar[str] = "CNN-LSTM"
    summary: ClassVar[str] = "A conv branch and an LSTM branch read the window; dense layers join them."
    network: ClassVar[str] = "models.cnn_lstm:CNNLSTM"

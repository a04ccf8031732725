"""RecurrentConfig: the recurrent layers of RNN, LSTM and GRU, before the shared dense head."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from models.config import DenseConfig, setting


@dataclass(frozen=True)
class RecurrentConfig(DenseConfig):
    hidden_size: int = setting(
        64, label="Hidden units", limits=(1, 4096), advice="choose a positive number of units, e.g. 64", help=(
            "Number of memory units in each recurrent layer (RNN, LSTM, GRU and LSTM kin). More units can hold "
            "more about the past and model richer patterns, but train slower and overfit small data "
            "sets more easily. Too few and the model cannot remember enough to be useful. 32 to 128 "
            "is typical for daily bars."
        ))
    num_layers: int = setting(
        2, label="Recurrent layers", limits=(1, 16), advice="stack one to a few layers, e.g. 2", help=(
            "How many recurrent layers are stacked, each reading the sequence the one below "
            "produces (RNN, LSTM, GRU and LSTM kin). One or two is usually enough. Deeper stacks can combine "
            "patterns into higher-level ones, but need more data, train slower and can become "
            "unstable; a single layer may miss patterns built out of other patterns."
        ))
    bidirectional: bool = setting(False, help=(
        "Also read the window from newest to oldest and combine both readings (RNN, LSTM, GRU and LSTM kin). "
        "It only uses bars inside the window, so it does not peek at the future, but it doubles "
        "the recurrent cost and often helps little for forecasting. Leave it off unless you want "
        "to compare."
    ))


@dataclass(frozen=True)
class RNNConfig(RecurrentConfig):
    arch: ClassVar[str] = "rnn"
    title: ClassVar[str] = "RNN"
    summary: ClassVar[str] = "Reads the window bar by bar with a simple memory that fades quickly."
    network: ClassVar[str] = "models.recurrent:RNN"


@dataclass(frozen=True)
class LSTMConfig(RecurrentConfig):
    arch: ClassVar[str] = "lstm"
    title: ClassVar[str] = "LSTM"
    summary: ClassVar[str] = "Reads bar by bar with a gated memory that keeps information longest."
    network: ClassVar[str] = "models.recurrent:LSTM"


@dataclass(frozen=True)
class GRUConfig(RecurrentConfig):
    arch: ClassVar[str] = "gru"
    title: ClassVar[str] = "GRU"
    summary: ClassVar[str] = "Gated memory like the LSTM's, with fewer weights to learn."
    network: ClassVar[str] = "models.recurrent:GRU"

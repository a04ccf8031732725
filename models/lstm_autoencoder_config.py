"""LSTMAutoencoderConfig: the anomaly detector's encoder and decoder, without torch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from models.config import ModelConfig, setting


@dataclass(frozen=True)
class LSTMAutoencoderConfig(ModelConfig):
    """An encoder LSTM squeezes a window into a latent vector; a decoder LSTM rebuilds the window from it."""

    arch: ClassVar[str] = "lstm_autoencoder"
    title: ClassVar[str] = "LSTM autoencoder"
    summary: ClassVar[str] = "Squeezes each window into a few numbers and rebuilds it; bars rebuilt badly are unusual."
    network: ClassVar[str] = "models.lstm_autoencoder:LSTMAutoencoder"

    hidden_size: int = setting(
        32, label="Hidden units", limits=(1, 1024), advice="choose a positive number of units, e.g. 32", help=(
            "Memory units in each encoder and decoder LSTM layer. More units rebuild richer windows, but an "
            "autoencoder that is too large learns to copy everything, unusual bars included, and then flags "
            "nothing. 16 to 64 suits daily bars."
        ))
    latent_size: int = setting(
        8, label="Latent size", limits=(1, 256), advice="keep it well below window × features, e.g. 8", help=(
            "Length of the vector a whole window is squeezed into. This bottleneck is what makes the detector "
            "work: a small latent can hold only the usual shape of a window, so bars that do not fit it are "
            "rebuilt badly and score high. Too large and the network copies noise and spikes alike; too small "
            "and even ordinary windows rebuild poorly. 4 to 16 for a 30-bar window."
        ))
    num_layers: int = setting(
        1, label="Recurrent layers", limits=(1, 8), advice="one or two layers, e.g. 1", help=(
            "Stacked LSTM layers in the encoder and, as many, in the decoder. One is usually enough to rebuild "
            "windows of returns; more layers train slower and need more data."
        ))
    dropout: float = setting(
        0.0, limits=(0.0, 0.9), advice="use 0 for none or a small fraction such as 0.1", help=(
            "Fraction of units switched off at random between stacked LSTM layers while training (it has no "
            "effect with one layer). A little dropout keeps the network from memorising the training windows; "
            "turned off when scoring."
        ))

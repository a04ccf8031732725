"""CNNConfig: the causal conv blocks of the CNN, before the shared dense head."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from models.config import DenseConfig, setting

Pooling = Literal["none", "max", "avg"]


@dataclass(frozen=True)
class CNNConfig(DenseConfig):
    arch: ClassVar[str] = "cnn"
    title: ClassVar[str] = "CNN (TCN)"
    summary: ClassVar[str] = "Small causal filters slide along time to spot local patterns (TCN-style)."
    network: ClassVar[str] = "models.cnn:CNN"

    channels: tuple[int, ...] = setting(
        (32, 32), label="Conv channels", limits=(1, 4096), lengths=(1, 8),
        advice="give each conv block a positive channel count, e.g. (32, 32)", help=(
            "Number of filters in each convolution block (CNN, CNN-LSTM); one block per entry, so (32, 32) is "
            "two blocks. More filters detect more kinds of pattern, and more blocks see further back "
            "in time. Too many overfit and slow training; too few miss patterns."
        ))
    kernel_size: int = setting(
        3, limits=(1, 64), advice="use a small width such as 3 or 5", help=(
            "How many consecutive time steps each convolution filter spans (CNN, CNN-LSTM). Larger kernels "
            "see longer patterns per block but add weights; 1 looks at single steps and cannot find "
            "patterns across time on its own. 3 or 5 is typical."
        ))
    dilated: bool = setting(True, help=(
        "Space each block's filter taps further apart: 1, 2, 4, 8 ... steps, as in a TCN (CNN, CNN-LSTM). "
        "A few blocks then cover a long window cheaply. Turned off, every block looks at "
        "neighbouring steps only, so the model sees just the last few bars unless you add many "
        "blocks."
    ))
    pooling: Pooling = setting("none", help=(
        "How the CNN (or CNN-LSTM) summarises its features over time before the dense head. 'none' uses the "
        "last time step, which has seen as far back as the blocks reach; 'max' keeps the "
        "strongest response anywhere in the window; 'avg' averages over the window. Pooling "
        "helps when a pattern matters but its exact timing inside the window does not."
    ))

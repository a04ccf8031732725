"""NLinearConfig: NLinear (LTSF-Linear, Zeng et al., 2023) has no settings of its own, only the weight init every
config shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from models.config import ModelConfig


@dataclass(frozen=True)
class NLinearConfig(ModelConfig):
    arch: ClassVar[str] = "nlinear"
    title: ClassVar[str] = "NLinear"
    summary: ClassVar[str] = "The window relative to its last bar, then one weighted sum (LTSF)."
    network: ClassVar[str] = "models.nlinear:NLinear"

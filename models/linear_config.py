"""LinearConfig: the linear network has no settings of its own, only the weight init every config shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from models.config import ModelConfig


@dataclass(frozen=True)
class LinearConfig(ModelConfig):
    arch: ClassVar[str] = "linear"
    title: ClassVar[str] = "Linear"
    summary: ClassVar[str] = "One weighted sum of the whole window, trained like the other networks."
    network: ClassVar[str] = "models.linear:LinearBaseline"

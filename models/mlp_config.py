"""MLPConfig: the MLP is the dense stack alone, so its fields are the shared dense ones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from models.config import DenseConfig


@dataclass(frozen=True)
class MLPConfig(DenseConfig):
    arch: ClassVar[str] = "mlp"
    title: ClassVar[str] = "MLP"
    summary: ClassVar[str] = "Dense layers on the flattened window; ignores the order of time."
    network: ClassVar[str] = "models.mlp:MLP"

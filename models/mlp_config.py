"""MLPConfig: the MLP is the dense stack alone, so its fields are the shared dense ones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from models.config import DenseConfig


@dataclass(frozen=True)
class MLPConfig(DenseConfig):
    arch: ClassVar[str] = "mlp"

"""Forecasting networks: one file per family, a name → class registry and build_model."""

from models.config import CHOICES, LIMITS, ModelConfig
from models.help import HELP
from models.registry import ARCHITECTURES, MODELS, build_model

__all__ = ["ARCHITECTURES", "CHOICES", "HELP", "LIMITS", "MODELS", "ModelConfig", "build_model"]

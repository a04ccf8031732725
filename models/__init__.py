"""Forecasting networks: one file per family, a name → class registry and build_model.

The package itself exports only the torch-free part (configs, choices, help), so forms and the
command line can describe models before torch loads; the networks are in models.registry.
"""

from models.config import CHOICES, LIMITS, ModelConfig
from models.help import ARCHITECTURES, HELP

__all__ = ["ARCHITECTURES", "CHOICES", "HELP", "LIMITS", "ModelConfig"]

"""Forecasting networks (and the anomaly detector): one file per family, the torch-free catalog of their configs, a registry and build_model.

The package itself exports only the torch-free part (the catalog, configs and help), so forms and the command
line can describe models before torch loads; the networks are in models.registry.
"""

from models.catalog import (
    ARCHITECTURES,
    DEFAULT_ARCH,
    DETECTORS,
    Architecture,
    architecture,
    detector_config_from_dict,
    fields_of,
    model_config_for,
    model_config_from_dict,
)
from models.config import ModelConfig, Setting, Settings
from models.help import HELP

__all__ = ["ARCHITECTURES", "DEFAULT_ARCH", "DETECTORS", "HELP", "Architecture", "ModelConfig", "Setting",
           "Settings", "architecture", "detector_config_from_dict", "fields_of", "model_config_for",
           "model_config_from_dict"]

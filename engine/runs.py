"""RunConfig: one frozen, JSON-serialisable description of a run, end to end."""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import PureWindowsPath
from typing import ClassVar, Literal

from engine.config import DictConfig, config_from_json
from engine.data.quality import AUTO_CALENDAR, check_calendar
from engine.data.synthetic import SYNTHETIC_NAME, parse_spec, spec_text
from engine.errors import WorkbenchError
from engine.fit_config import TrainConfig, WalkForwardConfig
from engine.trading import TradingConfig
from engine.windows import WindowConfig
from models import ARCHITECTURES, DEFAULT_ARCH, ModelConfig, model_config_for, model_config_from_dict

RUN_CONFIG_VERSION = 3
# What changed in each version, so older stored runs still load: version -> (section, old name, new name).
_RENAMED_IN = {2: [("walk_forward", "val_fraction", "early_stop_fraction")]}
# Up to version 2 every model held the fields of every family; since 3 each architecture has a config of its own.
_FLAT_MODEL_FIELDS = frozenset({"hidden_size", "num_layers", "bidirectional", "dropout", "hidden_layers",
                                "activation", "leaky_slope", "init", "norm", "channels", "kernel_size", "dilated",
                                "pooling"})
_OWN_MODEL_CONFIGS_IN = 3


def csv_series_name(path: str) -> str:
    """The series a CSV file becomes: its file name without the extension, upper-cased (Windows paths too)."""
    return PureWindowsPath(path).stem.upper()  # PureWindowsPath splits on both / and \\


@dataclass(frozen=True)
class DataConfig(DictConfig):
    """Which bars a run uses: bundled/cached/downloaded tickers, the user's CSV files and a synthetic series."""

    section: ClassVar[str] = "data setting(s)"

    tickers: tuple[str, ...] = ("SP500",)
    csv_files: tuple[str, ...] = ()  # paths; each file is one series named after its file
    start: str | None = None  # ISO date, inclusive; None = as far back as the data goes
    end: str | None = None  # ISO date, inclusive; None = up to the latest bar
    interval: str = "1d"  # Yahoo interval: 1d, 1wk, 1mo, 1h, ...
    adjusted: bool = True  # split/dividend-adjusted prices
    nan_policy: Literal["drop", "ffill"] = "drop"  # what to do with incomplete bars
    calendar: str = AUTO_CALENDAR  # exchange calendar of the missing-sessions check: auto, XNYS, XLON, 24/5, ...
    synthetic: str | None = None  # a generator spec (engine.data.synthetic), stored in its shortest form

    def __post_init__(self) -> None:
        object.__setattr__(self, "tickers", tuple(self.tickers))
        object.__setattr__(self, "csv_files", tuple(str(path) for path in self.csv_files))
        if self.synthetic is not None:
            object.__setattr__(self, "synthetic", spec_text(parse_spec(self.synthetic)))
        if not self.tickers and not self.csv_files and self.synthetic is None:
            raise WorkbenchError("No data chosen: pick at least one ticker (e.g. SP500), import a CSV file or "
                                 "generate a synthetic series.")
        for name in ("start", "end"):
            if (value := getattr(self, name)) is not None and not _is_iso_date(value):
                raise WorkbenchError(f"Cannot read the {name} date {value!r}: write it as YYYY-MM-DD, e.g. 2015-01-31.")
        if self.nan_policy not in ("drop", "ffill"):
            raise WorkbenchError(f"Unknown missing-value policy {self.nan_policy!r}: choose drop or ffill.")
        object.__setattr__(self, "calendar", check_calendar(self.calendar))  # its message lists how to find the names

    @property
    def series_names(self) -> tuple[str, ...]:
        """The name of every series the run uses, in order: the tickers, one per CSV file, then the synthetic one."""
        return (*self.tickers, *(csv_series_name(path) for path in self.csv_files),
                *((SYNTHETIC_NAME,) if self.synthetic is not None else ()))


@dataclass(frozen=True)
class RunConfig:
    data: DataConfig = field(default_factory=DataConfig)
    windows: WindowConfig = field(default_factory=WindowConfig)
    models: tuple[ModelConfig, ...] = (model_config_for(DEFAULT_ARCH),)
    training: TrainConfig = field(default_factory=TrainConfig)
    walk_forward: WalkForwardConfig = field(default_factory=WalkForwardConfig)
    trading: TradingConfig = field(default_factory=TradingConfig)

    def __post_init__(self) -> None:
        object.__setattr__(self, "models", tuple(self.models))
        if not self.models:
            raise WorkbenchError("No architecture selected: tick at least one model (e.g. LSTM).")
        for model in self.models:
            model.check_window(self.windows.window)

    @property
    def classification(self) -> bool:
        """Up/down targets train with BCE on logits; the others are regressions trained with MSE."""
        return self.windows.target == "direction"

    def to_dict(self) -> dict:
        return {"version": RUN_CONFIG_VERSION, "data": self.data.to_dict(), "windows": self.windows.to_dict(),
                "models": [m.to_dict() for m in self.models], "training": self.training.to_dict(),
                "walk_forward": self.walk_forward.to_dict(), "trading": self.trading.to_dict()}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: Mapping) -> RunConfig:
        data = migrate(data)
        try:
            models = tuple(model_config_from_dict(m) for m in data["models"])
        except ValueError as error:
            raise WorkbenchError(f"Model settings: {error}") from error
        return cls(DataConfig.from_dict(data["data"]), WindowConfig.from_dict(data["windows"]), models,
                   TrainConfig.from_dict(data["training"]), WalkForwardConfig.from_dict(data["walk_forward"]),
                   TradingConfig.from_dict(data["trading"]))

    @classmethod
    def from_json(cls, text: str) -> RunConfig:
        return config_from_json(text, cls.from_dict, "The run configuration is damaged ({error}): re-create the run.")


def migrate(data: Mapping) -> dict:
    """A run configuration of any earlier version, brought to the current one (renamed fields follow, and the
    flat model configs of versions 1 and 2 keep only the fields of their architecture)."""
    version = data.get("version")
    if not isinstance(version, int) or not 1 <= version <= RUN_CONFIG_VERSION:
        raise WorkbenchError(f"This run configuration has version {version!r}; this app reads versions 1 to "
                             f"{RUN_CONFIG_VERSION}. Re-create the run from its settings.")
    data = {name: dict(part) if isinstance(part, Mapping) else part for name, part in data.items()}
    for step in range(version + 1, RUN_CONFIG_VERSION + 1):
        for section, old, new in _RENAMED_IN.get(step, []):
            if old in data.get(section, {}):
                data[section][new] = data[section].pop(old)
    if version < _OWN_MODEL_CONFIGS_IN and isinstance(data.get("models"), list):
        data["models"] = [drop_other_families(model) for model in data["models"]]
    data["version"] = RUN_CONFIG_VERSION
    return data


def drop_other_families(model: Mapping) -> dict:
    """A flat model config, as run configs up to version 2 and model files stored it, cut to its architecture's
    fields; a current one comes back unchanged, an unknown architecture too (loading it names the known ones)."""
    arch = ARCHITECTURES.get(model.get("arch", DEFAULT_ARCH))
    own = arch.config.settings() if arch else _FLAT_MODEL_FIELDS
    return {name: value for name, value in model.items() if name in own or name not in _FLAT_MODEL_FIELDS}


def _is_iso_date(text: object) -> bool:
    try:
        date.fromisoformat(text)
    except (TypeError, ValueError):
        return False
    return True

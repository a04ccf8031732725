"""What an anomaly run does, without torch: the detection settings and the whole run's description.

AnomalyConfig's fields carry their help (setting()), so the GUI's form and the command line read one declaration;
AnomalyRunConfig (data, detection, the autoencoder, training) is stored with each run and rebuilds it.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from engine.config import config_from_json
from engine.errors import WorkbenchError
from engine.fit_config import TrainConfig
from engine.runs import DataConfig
from models import DETECTORS, ModelConfig, detector_config_from_dict
from models.config import Settings, setting

ThresholdRule = Literal["quantile", "mad"]
ANOMALY_CONFIG_VERSION = 1
DETECTOR = "lstm_autoencoder"
ANOMALY_TRAINING = TrainConfig(epochs=30, batch_size=32, patience=5, lr_patience=3)


@dataclass(frozen=True)
class AnomalyConfig(Settings):
    """How bars are windowed, which bars train, and when each detector flags a bar."""

    window: int = setting(30, label="Window", limits=(2, 1000), advice="use e.g. 30 bars", help=(
        "Bars the autoencoder reads at once, and the past bars the robust z-score compares each return with. "
        "The score of bar t is how badly the window ending at t rebuilds its last bar. Longer windows see "
        "more context but need more training bars; 20 to 60 suits daily bars."
    ))
    train_fraction: float = setting(0.5, label="Training share", limits=(0.05, 0.95),
                                    advice="use a share between 0.05 and 0.95, e.g. 0.5", help=(
        "The first share of the bars the detectors learn from: the autoencoder, its scaler, its threshold and "
        "the IsolationForest are fitted on them only. Every bar is scored, so flags after this share come from "
        "bars the detectors never saw."
    ))
    threshold_rule: ThresholdRule = setting("quantile", label="Threshold rule", help=(
        "How the autoencoder's threshold is set from its errors on the training windows: 'quantile' takes the "
        "chosen quantile of them; 'mad' takes their median plus k times their median absolute deviation, "
        "which a few extreme training bars barely move."
    ))
    quantile: float = setting(0.99, limits=(0.5, 0.99999), active_when=("threshold_rule", "quantile"),
                              advice="use e.g. 0.99", help=(
        "The share of training errors below the threshold: 0.99 lets about 1% of ordinary bars through as "
        "flags. Higher flags fewer bars and misses small anomalies; lower flags more ordinary ones."
    ))
    mad_k: float = setting(6.0, label="MAD multiple k", limits=(0.1, 100.0), active_when=("threshold_rule", "mad"),
                           advice="use e.g. 6", help=(
        "With the 'mad' rule the threshold is median + k·MAD of the training errors. For errors of normal "
        "data k = 6 lands about three standard deviations out; larger k flags fewer bars."
    ))
    zscore_threshold: float = setting(4.0, label="z-score threshold", limits=(0.5, 100.0), advice="use e.g. 4",
                                      help=(
        "The robust z-score baseline flags bar t when |z| exceeds this, z being the log return of bar t "
        "against the median and MAD of the window's past returns (bar t excluded). Market returns have fat "
        "tails, so 4 flags only rare moves; 3 flags many more."
    ))
    contamination: float = setting(0.01, label="Contamination", limits=(0.0001, 0.5),
                                   advice="use a small share such as 0.01", help=(
        "The share of training windows the IsolationForest baseline treats as outliers; it sets the forest's "
        "cut, which then applies to every window. 0.01 flags about 1% of ordinary windows."
    ))
    tolerance: int = setting(2, limits=(0, 100), advice="use e.g. 2 bars", help=(
        "On a synthetic series, a flag counts as finding an injected anomaly when it lies within this many "
        "bars of it. 0 demands the exact bar; 2 forgives the detector flagging the bar after a spike."
    ))
    early_stop_fraction: float = setting(0.15, label="Early-stopping share", limits=(0.0, 0.45),
                                         advice="use e.g. 0.15, or 0 for none", help=(
        "The latest share of the training windows held out to stop the autoencoder's training early and keep "
        "its best epoch; they still count for the threshold. 0 trains every epoch on all of them."
    ))


@dataclass(frozen=True)
class AnomalyRunConfig:
    """One anomaly run end to end: which bars, how they are scored, the autoencoder and how it trains."""

    data: DataConfig = field(default_factory=DataConfig)
    detection: AnomalyConfig = field(default_factory=AnomalyConfig)
    model: ModelConfig = field(default_factory=DETECTORS[DETECTOR].config)
    training: TrainConfig = ANOMALY_TRAINING

    def to_dict(self) -> dict:
        return {"version": ANOMALY_CONFIG_VERSION, "data": self.data.to_dict(), "detection": self.detection.to_dict(),
                "model": self.model.to_dict(), "training": self.training.to_dict()}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: Mapping) -> AnomalyRunConfig:
        if data.get("version") != ANOMALY_CONFIG_VERSION:
            raise WorkbenchError(f"This anomaly run has version {data.get('version')!r}; this app reads version "
                                 f"{ANOMALY_CONFIG_VERSION}. Run it again from its settings.")
        return cls(DataConfig.from_dict(data["data"]), AnomalyConfig(**data["detection"]),
                   detector_config_from_dict(data["model"]), TrainConfig.from_dict(data["training"]))

    @classmethod
    def from_json(cls, text: str) -> AnomalyRunConfig:
        return config_from_json(text, cls.from_dict, "The anomaly run's configuration is damaged ({error}): run it "
                                "again.")

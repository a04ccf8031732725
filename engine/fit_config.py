"""How models are fitted: one fit (TrainConfig) and the refits of a walk-forward replay (WalkForwardConfig).

These sections of the run configuration live apart from the code that uses them, which imports
torch: the GUI's forms and the command line's --help build from them before torch has loaded.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, Literal

from engine.config import DictConfig, require

DeviceChoice = Literal["auto", "cuda", "mps", "cpu"]
OptimizerName = Literal["sgd", "adam", "adamw", "rmsprop"]


@dataclass(frozen=True)
class TrainConfig(DictConfig):
    """How a model is fitted. Invalid values raise WorkbenchError on construction."""

    section: ClassVar[str] = "training setting(s)"

    optimizer: OptimizerName = "adam"
    learning_rate: float = 1e-3
    momentum: float = 0.9  # SGD and RMSprop only
    batch_size: int = 64
    epochs: int = 50
    patience: int = 10  # epochs without validation improvement before stopping; 0 = never stop early
    lr_patience: int = 5  # epochs without improvement before the learning rate is cut; 0 = never
    lr_factor: float = 0.5  # the cut multiplies the learning rate by this
    grad_clip: float = 1.0  # maximum gradient norm; 0 = no clipping
    l1: float = 0.0  # L1 penalty on weights, added to the loss
    l2: float = 0.0  # L2 penalty, as the optimiser's weight decay
    seed: int = 0
    device: DeviceChoice = "auto"
    cuda_graphs: bool = True  # capture the train step on CUDA (falls back to eager if capture fails)

    def __post_init__(self) -> None:
        require([
            (self.optimizer in ("sgd", "adam", "adamw", "rmsprop"),
             f"Unknown optimizer {self.optimizer!r}: choose sgd, adam, adamw or rmsprop."),
            (math.isfinite(self.learning_rate) and self.learning_rate > 0,
             f"Learning rate must be above 0, got {self.learning_rate}: try 0.001."),
            (self.batch_size >= 1, f"Batch size must be at least 1, got {self.batch_size}: try 64."),
            (self.epochs >= 1, f"Epochs must be at least 1, got {self.epochs}: try 50."),
            (self.patience >= 0 and self.lr_patience >= 0, "Patience values must be 0 (off) or more epochs."),
            (0 < self.lr_factor < 1, f"Learning-rate factor must be between 0 and 1, got {self.lr_factor}."),
            (0 <= self.momentum < 1, f"Momentum must be in [0, 1), got {self.momentum}."),
            (self.grad_clip >= 0 and self.l1 >= 0 and self.l2 >= 0,
             "Gradient clipping, L1 and L2 must be 0 (off) or positive."),
            (self.device in ("auto", "cuda", "mps", "cpu"), f"Unknown device {self.device!r}: auto, cuda, mps or cpu."),
        ])

    def require_batch_fits(self, n_train: int) -> None:
        """Raise unless one batch fits in n_train training samples."""
        require([(n_train >= self.batch_size,
                  f"Batch size {self.batch_size} is larger than the {n_train} training samples: choose a batch size "
                  f"of {n_train} or less, or use more data.")])


@dataclass(frozen=True)
class WalkForwardConfig(DictConfig):
    section: ClassVar[str] = "walk-forward setting(s)"

    initial_train: int = 1260  # bars before the first prediction (1260 ≈ 5 years of daily bars)
    scheme: Literal["expanding", "rolling"] = "expanding"  # rolling keeps the last initial_train bars only
    retrain_every: int = 63  # bars between retrains (63 ≈ a quarter); 0 = train once
    warm_start: bool = True  # start each retrain from the previous fold's weights
    warm_epochs: int = 10  # epochs of a warm-started retrain
    warm_patience: int = 3  # early-stopping patience of a warm-started retrain; 0 = never stop early
    early_stop_fraction: float = 0.15  # the latest part of each fold's training span, for early stopping

    def __post_init__(self) -> None:
        require([
            (self.initial_train >= 2, f"The initial training span must be at least 2 bars, got {self.initial_train}."),
            (self.scheme in ("expanding", "rolling"), f"Unknown scheme {self.scheme!r}: expanding or rolling."),
            (self.retrain_every >= 0, f"Retrain every must be 0 (train once) or more bars, got {self.retrain_every}."),
            (self.warm_epochs >= 1, f"Warm-start epochs must be at least 1, got {self.warm_epochs}."),
            (self.warm_patience >= 0, f"Warm-start patience must be 0 (off) or more, got {self.warm_patience}."),
            (0 <= self.early_stop_fraction < 0.5,
             f"Early-stopping fraction must be in [0, 0.5), got {self.early_stop_fraction}."),
        ])

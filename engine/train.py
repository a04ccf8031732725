"""Training: fit a model on windowed samples, reporting progress as plain events.

The whole training set lives on the device for the fit; a batch is a device-side
index_select, never a host copy. On CUDA the train step (gather, forward, backward,
clip, optimiser) is captured once into a CUDA graph and replayed; the captured step
is the same function the eager path calls, so CPU tests exercise its logic.
"""
from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from torch import nn

from engine.device import resolve_device
from engine.diagnosis import Diagnosis, NaiveLoss, diagnose
from engine.errors import WorkbenchError
from engine.fit_config import TrainConfig
from models import ModelConfig
from models.registry import build_model

StopReason = Literal["completed", "early_stopping", "cancelled", "diverged"]
_GRAPH_WARMUP_STEPS = 3  # eager steps on a side stream before capture, as CUDA graphs require
_PROGRESS_INTERVAL_S = 0.1
_EVAL_CHUNK = 4096


@dataclass(frozen=True)
class BatchProgress:
    epoch: int  # 1-based
    epochs: int
    batch: int  # 1-based
    batches: int


@dataclass(frozen=True)
class EpochReport:
    epoch: int  # 1-based
    epochs: int
    train_loss: float
    val_loss: float | None  # None without a validation set
    learning_rate: float
    elapsed_s: float
    eta_s: float  # if every remaining epoch runs
    best_epoch: int
    lr_reduced: bool  # the learning rate was cut after this epoch


@dataclass(frozen=True)
class TrainingEnded:
    reason: StopReason
    epochs_run: int
    best_epoch: int  # the weights kept come from this epoch (0: the initial weights)
    best_loss: float
    device: str
    captured: bool  # the CUDA-graph step was used
    message: str
    trained: bool  # an epoch completed, or the weights came from a warm start: there is a model to score
    diagnosis: Diagnosis | None = None  # the verdict on the loss curves against naive's loss; None without either


TrainEvent = BatchProgress | EpochReport | TrainingEnded


@dataclass(frozen=True)
class TrainedModel:
    model: nn.Module  # in eval mode, holding the best weights, on `device`
    model_config: ModelConfig
    input_shape: tuple[int, int]  # (timesteps, features)
    n_outputs: int  # one per horizon
    classification: bool  # outputs are up-move logits, trained with BCE
    history: tuple[EpochReport, ...]
    outcome: TrainingEnded


def train_model(
    model_config: ModelConfig,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray | None,
    y_val: np.ndarray | None,
    config: TrainConfig,
    *,
    classification: bool = False,
    initial_state: Mapping[str, torch.Tensor] | None = None,
    naive: NaiveLoss | None = None,
    on_event: Callable[[TrainEvent], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainedModel:
    """Build the model from its config (seeded), optionally warm-start it, and fit it.

    With `naive` (engine.diagnosis.naive_losses of the same windows) the TrainingEnded event carries the
    diagnosis of the fit's loss curves.
    """
    config.require_batch_fits(len(x_train))
    torch.manual_seed(config.seed)
    timesteps, n_features = x_train.shape[1:]
    model = build_model(model_config, timesteps, n_features, y_train.shape[1])
    if initial_state is not None:
        model.load_state_dict(initial_state)
    device = resolve_device(config.device)
    with _gpu_memory_guard("training"):
        history, outcome = _fit(model.to(device), x_train, y_train, x_val, y_val, config, device,
                                classification, initial_state is not None, naive, on_event or (lambda event: None),
                                should_stop or (lambda: False))
    return TrainedModel(model.eval(), model_config, (timesteps, n_features), y_train.shape[1], classification,
                        history, outcome)


@torch.no_grad()
def predict(model: nn.Module, x: np.ndarray, *, classification: bool = False) -> np.ndarray:
    """Outputs (n, horizons) for samples x (n, timesteps, features): up-move probabilities for classification."""
    model.eval()
    parameter = next(model.parameters())
    with _gpu_memory_guard("predicting"):
        inputs = torch.as_tensor(x, dtype=torch.float32, device=parameter.device)
        outputs = torch.cat([model(chunk) for chunk in inputs.split(_EVAL_CHUNK)])
    if classification:
        outputs = torch.sigmoid(outputs)
    return outputs.cpu().numpy().astype(np.float64)


@contextmanager
def _gpu_memory_guard(activity: str) -> Iterator[None]:
    try:
        yield
    except torch.cuda.OutOfMemoryError as error:
        raise WorkbenchError(f"The GPU ran out of memory while {activity}: use a smaller batch size, window or "
                             "model, or choose device 'cpu' in the training settings.") from error


def _fit(model, x_train, y_train, x_val, y_val, config, device, classification, warm, naive, emit, should_stop):
    x = torch.as_tensor(x_train, dtype=torch.float32, device=device)  # (N, T, F), resident for the whole fit
    y = torch.as_tensor(y_train, dtype=torch.float32, device=device)  # (N, H)
    has_val = x_val is not None and len(x_val) > 0
    xv = torch.as_tensor(x_val, dtype=torch.float32, device=device) if has_val else None
    yv = torch.as_tensor(y_val, dtype=torch.float32, device=device) if has_val else None
    loss_fn = nn.BCEWithLogitsLoss() if classification else nn.MSELoss()
    use_graph = device.type == "cuda" and config.cuda_graphs
    optimizer = _make_optimizer(config, model.parameters(), capturable=use_graph)
    scheduler = (torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=config.lr_factor,
                                                            patience=config.lr_patience - 1)
                 if config.lr_patience else None)
    step = _TrainStep(model, optimizer, loss_fn, x, y, config)
    runner = _GraphRunner(step) if use_graph else step
    generator = torch.Generator().manual_seed(config.seed)
    batches = len(x) // config.batch_size  # static batch shape: the ragged tail of each shuffle is skipped

    # Warm-started weights compete as "epoch 0": a retrain that only makes them worse keeps them.
    initial_loss = _evaluate(model, xv, yv, loss_fn) if warm and has_val else math.inf
    best_loss, best_epoch, best_state = initial_loss, 0, _copy_state(model)
    history: list[EpochReport] = []
    started, last_progress, reason = time.perf_counter(), 0.0, "completed"
    for epoch in range(1, config.epochs + 1):
        model.train()
        order = torch.randperm(len(x), generator=generator).to(device)
        total = torch.zeros((), device=device)
        for batch in range(batches):
            if should_stop():
                reason = "cancelled"
                break
            total += runner(order[batch * config.batch_size:(batch + 1) * config.batch_size])
            now = time.perf_counter()
            if now - last_progress >= _PROGRESS_INTERVAL_S or batch + 1 == batches:
                emit(BatchProgress(epoch, config.epochs, batch + 1, batches))
                last_progress = now
        if reason == "cancelled":
            break
        train_loss = total.item() / batches
        val_loss = _evaluate(model, xv, yv, loss_fn) if has_val else None
        monitored = val_loss if has_val else train_loss
        if not math.isfinite(train_loss) or not math.isfinite(monitored):
            reason = "diverged"
            break
        if monitored < best_loss:
            best_loss, best_epoch, best_state = monitored, epoch, _copy_state(model)
        lr_before = optimizer.param_groups[0]["lr"]
        if scheduler is not None:
            scheduler.step(monitored)
        learning_rate = float(optimizer.param_groups[0]["lr"])
        if learning_rate != lr_before and use_graph:
            runner.invalidate()  # the captured optimiser step baked in the old learning rate
        elapsed = time.perf_counter() - started
        report = EpochReport(epoch, config.epochs, train_loss, val_loss, learning_rate, elapsed,
                             elapsed / epoch * (config.epochs - epoch), best_epoch, learning_rate != lr_before)
        history.append(report)
        emit(report)
        if config.patience and epoch - best_epoch >= config.patience and epoch < config.epochs:
            reason = "early_stopping"  # only when it ends the fit before its last epoch
            break

    model.load_state_dict(best_state)
    optimizer.zero_grad(set_to_none=True)  # the returned model holds no gradients (nor a CUDA graph's memory)
    trained = bool(history) or warm
    diagnosis = None if naive is None else diagnose([r.train_loss for r in history],
                                                    [r.val_loss for r in history] if has_val else None, naive)
    outcome = TrainingEnded(reason, len(history), best_epoch, best_loss, str(device), use_graph and runner.captured,
                            _outcome_message(reason, best_epoch, len(history), trained), trained, diagnosis)
    emit(outcome)
    return tuple(history), outcome


class _TrainStep:
    """One optimisation step on the samples at `index`; returns the loss as a device tensor (no sync)."""

    def __init__(self, model, optimizer, loss_fn, x, y, config: TrainConfig):
        self.model, self.optimizer, self.loss_fn, self.x, self.y = model, optimizer, loss_fn, x, y
        self.l1, self.grad_clip = config.l1, config.grad_clip
        self.parameters = [p for p in model.parameters() if p.requires_grad]

    def __call__(self, index: torch.Tensor) -> torch.Tensor:
        inputs, targets = self.x.index_select(0, index), self.y.index_select(0, index)  # (B, T, F), (B, H)
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(inputs), targets)
        if self.l1:
            loss = loss + self.l1 * sum(p.abs().sum() for p in self.parameters if p.dim() > 1)
        loss.backward()
        if self.grad_clip:
            nn.utils.clip_grad_norm_(self.parameters, self.grad_clip, foreach=True)
        self.optimizer.step()
        return loss.detach()


class _GraphRunner:
    """Replays a CUDA graph of the train step; captures on first use and falls back to eager if capture fails.

    `cuda` is the torch.cuda module; the tests pass a CPU stand-in to drive this bookkeeping without a GPU.
    """

    def __init__(self, step: _TrainStep, cuda=torch.cuda):
        self.step, self.cuda = step, cuda
        self.stream = cuda.Stream()  # warm-up and capture share one side stream, as make_graphed_callables does
        self.graph: torch.cuda.CUDAGraph | None = None
        self.static_index: torch.Tensor | None = None
        self.static_loss: torch.Tensor | None = None
        self.eager_steps = 0
        self.failed = False
        self.captured = False

    def __call__(self, index: torch.Tensor) -> torch.Tensor:
        if self.failed or self.eager_steps < _GRAPH_WARMUP_STEPS:
            return self._eager(index)
        if self.graph is None and not self._capture(index):
            return self._eager(index)
        self.static_index.copy_(index)
        self.graph.replay()
        return self.static_loss  # overwritten by the next replay, which the stream orders after its readers

    def invalidate(self) -> None:
        self.graph = None

    def _eager(self, index: torch.Tensor) -> torch.Tensor:
        # Warm-up runs on the capture stream, as capture requires; afterwards (fallback) on the current one.
        if self.failed:
            return self.step(index)
        self.stream.wait_stream(self.cuda.current_stream())
        with self.cuda.stream(self.stream):
            loss = self.step(index)
        self.cuda.current_stream().wait_stream(self.stream)
        self.eager_steps += 1
        return loss

    def _capture(self, index: torch.Tensor) -> bool:
        self.static_index = index.clone()
        graph, caller = self.cuda.CUDAGraph(), self.cuda.current_stream()
        try:
            with self.cuda.graph(graph, stream=self.stream):
                static_loss = self.step(self.static_index)
        except Exception:  # not capturable here (an unsupported op, a host sync...): train eagerly from now on
            self.cuda.set_stream(caller)  # torch.cuda.graph leaves its stream current when ending the capture fails
            self.step.optimizer.zero_grad(set_to_none=True)  # these gradients live in the abandoned graph's memory
            self.failed, self.captured = True, False
            return False
        self.graph, self.static_loss, self.captured = graph, static_loss, True
        return True


def _make_optimizer(config: TrainConfig, parameters, *, capturable: bool) -> torch.optim.Optimizer:
    common = dict(lr=config.learning_rate, weight_decay=config.l2)
    if config.optimizer == "sgd":
        return torch.optim.SGD(parameters, momentum=config.momentum, **common)
    if config.optimizer == "rmsprop":
        return torch.optim.RMSprop(parameters, momentum=config.momentum, capturable=capturable, **common)
    optimizer_class = torch.optim.Adam if config.optimizer == "adam" else torch.optim.AdamW
    return optimizer_class(parameters, capturable=capturable, **common)


@torch.no_grad()
def _evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn) -> float:
    model.eval()
    total = sum(loss_fn(model(xb), yb) * len(xb) for xb, yb in zip(x.split(_EVAL_CHUNK), y.split(_EVAL_CHUNK)))
    return float(total) / len(x)


def _copy_state(model: nn.Module) -> dict[str, torch.Tensor]:
    return copy.deepcopy(model.state_dict())


def _outcome_message(reason: StopReason, best_epoch: int, epochs_run: int, trained: bool) -> str:
    remedy = "Lower the learning rate, turn on gradient clipping, or scale the data."
    if not trained:
        return {"cancelled": "Not trained: cancelled before its first epoch.",
                "diverged": f"Not trained: the loss became NaN or infinite in its first epoch. {remedy}"}[reason]
    epochs = f"{epochs_run} epoch{'s' * (epochs_run != 1)}"
    kept = (f"the weights of epoch {best_epoch}" if best_epoch else
            "the weights it started from, as no epoch improved on them")
    return {
        "completed": f"Trained {epochs}; kept {kept}.",
        "early_stopping": f"Stopped early after {epochs}; kept {kept}.",
        "cancelled": f"Cancelled after {epochs_run} full epoch{'s' * (epochs_run != 1)}; kept {kept}.",
        "diverged": f"The loss became NaN or infinite in epoch {epochs_run + 1}; kept {kept}. {remedy}",
    }[reason]

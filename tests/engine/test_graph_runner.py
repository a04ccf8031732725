"""The CUDA-graph runner's bookkeeping, driven on the CPU through a stand-in for torch.cuda.

The stand-in keeps what matters about a real capture: capturing runs nothing (the model and
optimiser come back as they were), the learning rate is baked into the graph, replay runs the
recorded step on the static index, and a failed capture leaves the capture stream current.
It checks the runner's logic (warm-up, one step per batch, recapture, fallback), not CUDA: the
real capture is checked by test_captured_cuda_step_matches_eager on a GPU.
"""
from __future__ import annotations

import copy
from contextlib import contextmanager

import pytest
import torch
from torch import nn

from engine.train import (
    _GRAPH_WARMUP_STEPS,
    TrainConfig,
    _GraphRunner,
    _make_optimizer,
    _TrainStep,
)
from models import model_config_for
from models.registry import build_model

STEPS, BATCH, LR_CUT_AT = 12, 32, 7


class _Stream:
    def wait_stream(self, other: _Stream) -> None:
        pass


class _Graph:
    def __init__(self, cuda: _FakeCuda):
        self.cuda, self.learning_rates = cuda, []

    def replay(self) -> None:
        runner, groups = self.cuda.runner, self.cuda.runner.step.optimizer.param_groups
        live = [group["lr"] for group in groups]
        for group, lr in zip(groups, self.learning_rates):
            group["lr"] = lr
        try:
            runner.static_loss.copy_(runner.step(runner.static_index))
        finally:
            for group, lr in zip(groups, live):
                group["lr"] = lr
        self.cuda.replays += 1


class _FakeCuda:
    """Stream, current_stream, set_stream, stream, CUDAGraph and graph, as _GraphRunner uses them."""

    def __init__(self, fail_capture: bool = False):
        self.fail_capture, self.captures, self.replays = fail_capture, 0, 0
        self.current = self.default = _Stream()
        self.runner: _GraphRunner | None = None

    Stream = _Stream

    def current_stream(self) -> _Stream:
        return self.current

    def set_stream(self, stream: _Stream) -> None:
        self.current = stream

    @contextmanager
    def stream(self, stream: _Stream):
        caller, self.current = self.current, stream
        try:
            yield
        finally:
            self.current = caller

    def CUDAGraph(self) -> _Graph:  # named as in torch.cuda
        return _Graph(self)

    @contextmanager
    def graph(self, graph: _Graph, stream: _Stream):
        step = self.runner.step
        before = copy.deepcopy(step.model.state_dict()), copy.deepcopy(step.optimizer.state_dict())
        graph.learning_rates = [group["lr"] for group in step.optimizer.param_groups]
        caller, self.current = self.current, stream
        yield
        step.model.load_state_dict(before[0])  # a capture records the work; it does not run it
        step.optimizer.load_state_dict(before[1])
        if self.fail_capture:
            raise RuntimeError("CUDA error: operation not permitted when stream is capturing")  # stream stays
        self.current = caller
        self.captures += 1


def _fit_steps(optimizer_name: str, cuda: _FakeCuda | None, *, invalidate: bool = True) -> list[float]:
    """STEPS batches of a small LSTM, cutting the learning rate at LR_CUT_AT as the plateau scheduler would."""
    torch.manual_seed(0)
    x, y = torch.randn(256, 12, 3), torch.randn(256, 2)
    model = build_model(model_config_for("lstm", hidden_size=8, dropout=0.0, hidden_layers=(8,)), 12, 3, 2)
    config = TrainConfig(optimizer=optimizer_name, l1=1e-4, l2=1e-4, device="cpu")
    optimizer = _make_optimizer(config, model.parameters(), capturable=False)  # capturable needs a real GPU
    step = _TrainStep(model, optimizer, nn.MSELoss(), x, y, config)
    runner = step
    if cuda is not None:
        runner = cuda.runner = _GraphRunner(step, cuda=cuda)
    order = torch.randperm(256, generator=torch.Generator().manual_seed(0))
    losses = []
    for batch in range(STEPS):
        if batch == LR_CUT_AT:
            for group in optimizer.param_groups:
                group["lr"] *= 0.1
            if cuda is not None and invalidate:
                runner.invalidate()
        losses.append(float(runner(order[(batch % 8) * BATCH:(batch % 8 + 1) * BATCH])))
    return losses


@pytest.mark.parametrize("optimizer_name", ["sgd", "adam", "adamw", "rmsprop"])
def test_replayed_steps_give_the_eager_losses_and_a_learning_rate_cut_recaptures(optimizer_name):
    eager = _fit_steps(optimizer_name, None)
    cuda = _FakeCuda()
    replayed = _fit_steps(optimizer_name, cuda)
    assert replayed == pytest.approx(eager, rel=1e-6, abs=1e-9)
    assert cuda.runner.captured and not cuda.runner.failed
    assert cuda.captures == 2  # after the warm-up, and again after the cut
    assert cuda.replays == STEPS - _GRAPH_WARMUP_STEPS  # every other batch is exactly one replay
    assert cuda.current is cuda.default


def test_the_stand_in_bakes_the_learning_rate_so_a_graph_left_stale_would_be_caught():
    eager, stale = _fit_steps("adam", None), _fit_steps("adam", _FakeCuda(), invalidate=False)
    assert stale[:LR_CUT_AT + 1] == pytest.approx(eager[:LR_CUT_AT + 1], rel=1e-6)
    assert stale[LR_CUT_AT + 1:] != pytest.approx(eager[LR_CUT_AT + 1:], rel=1e-6)


def test_a_failed_capture_trains_eagerly_on_the_callers_stream():
    eager = _fit_steps("adam", None)
    cuda = _FakeCuda(fail_capture=True)
    fallback = _fit_steps("adam", cuda)
    assert fallback == pytest.approx(eager, rel=1e-6, abs=1e-9)
    assert cuda.runner.failed and not cuda.runner.captured and cuda.replays == 0
    assert cuda.current is cuda.default

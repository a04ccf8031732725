"""Training that goes wrong: the GPU running out of memory, the loss turning NaN, a cancel mid-epoch.

Divergence on an overflowing loss, cancel within one batch and bad settings are tested in tests/engine/test_train.py.
"""
import copy
import math

import numpy as np
import pytest
import torch
from torch import nn

import engine.train
from engine.backtest import FoldDone
from engine.errors import WorkbenchError
from engine.fit_config import TrainConfig
from engine.pipeline import run_backtest
from engine.results import export_csv
from engine.train import EpochReport, _TrainStep, predict, train_model
from models import model_config_for

MLP = model_config_for("mlp", hidden_layers=(8,), dropout=0.0)
OOM = "CUDA out of memory. Tried to allocate 20.00 GiB (GPU 0; 7.79 GiB total capacity)"


def windows(n: int = 300, seed: int = 0):
    """(x, y) train and validation arrays: y is the mean of the last three of ten noisy values."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 10, 1)).astype(np.float32)
    y = (x[:, -3:, 0].mean(axis=1, keepdims=True) + rng.normal(0, 0.1, (n, 1))).astype(np.float32)
    split = int(0.8 * n)
    return x[:split], y[:split], x[split:], y[split:]


@pytest.mark.parametrize("where", ["train_step", "validation"])
def test_cuda_out_of_memory_says_what_to_do_and_the_cpu_still_trains(where, monkeypatch):
    def out_of_memory(*args, **kwargs):
        raise torch.cuda.OutOfMemoryError(OOM)

    if where == "train_step":
        monkeypatch.setattr(_TrainStep, "__call__", out_of_memory)
    else:
        monkeypatch.setattr(engine.train, "_evaluate", out_of_memory)
    x_train, y_train, x_val, y_val = windows()
    config = TrainConfig(epochs=2, batch_size=16, device="cpu")

    with pytest.raises(WorkbenchError) as error:
        train_model(MLP, x_train, y_train, x_val, y_val, config)

    message = str(error.value)
    assert message.startswith("The GPU ran out of memory while training")
    assert "smaller batch size, window or model" in message and "choose device 'cpu'" in message
    assert isinstance(error.value.__cause__, torch.cuda.OutOfMemoryError)
    monkeypatch.undo()  # the offered way out: the same fit on the CPU
    assert train_model(MLP, x_train, y_train, x_val, y_val, config).outcome.reason == "completed"


class _OutOfMemoryModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        raise torch.cuda.OutOfMemoryError(OOM)


def test_cuda_out_of_memory_while_predicting_says_what_to_do():
    with pytest.raises(WorkbenchError, match="ran out of memory.*choose device 'cpu'"):
        predict(_OutOfMemoryModel(), np.zeros((8, 10, 1), dtype=np.float32))


def test_a_loss_turning_nan_stops_and_keeps_the_best_weights_seen(monkeypatch):
    x_train, y_train, x_val, y_val = windows()
    batches = len(x_train) // 16
    poisoned_from = 3 * batches + 5  # the sixth step of epoch 4 blows the weights up
    steps, fitted = [], {}
    real_step = _TrainStep.__call__

    def step(self, index):
        fitted["model"] = self.model
        steps.append(1)
        if len(steps) > poisoned_from:
            with torch.no_grad():
                for parameter in self.parameters:
                    parameter.fill_(math.nan)
            return torch.tensor(math.nan)
        return real_step(self, index)

    monkeypatch.setattr(_TrainStep, "__call__", step)
    snapshots = {}

    def on_event(event):
        if isinstance(event, EpochReport):
            snapshots[event.epoch] = copy.deepcopy(fitted["model"].state_dict())

    config = TrainConfig(epochs=20, batch_size=16, patience=0, lr_patience=0, device="cpu")
    trained = train_model(MLP, x_train, y_train, x_val, y_val, config, on_event=on_event)

    outcome = trained.outcome
    assert outcome.reason == "diverged" and outcome.epochs_run == 3 and 1 <= outcome.best_epoch <= 3
    assert outcome.message == (f"The loss became NaN or infinite in epoch 4; kept the weights of epoch "
                               f"{outcome.best_epoch}. Lower the learning rate, turn on gradient clipping, "
                               "or scale the data.")
    for name, tensor in trained.model.state_dict().items():
        assert torch.equal(tensor, snapshots[outcome.best_epoch][name]), name
    assert np.isfinite(predict(trained.model, x_val)).all()


def test_cancel_mid_epoch_of_a_backtest_keeps_the_finished_folds(goog, tiny_run, tmp_path):
    done, polls = [], []

    def on_event(event):
        if isinstance(event, FoldDone):
            done.append(event.fold)

    def should_stop():  # the user cancels on the third batch after the first fold finished
        if done:
            polls.append(1)
        return len(polls) >= 3

    run = run_backtest(tiny_run, {"GOOG": goog}, on_event=on_event, should_stop=should_stop)

    result = run.result
    assert len(done) == 1 and result.folds == tuple(done)
    assert set(result.predictions["fold"]) == {0} and set(result.predictions["model"]) == {"mlp"}
    assert len(result.predictions) == 2 * 80  # fold 0's 80 decision bars × 2 horizons
    assert list(run.models) == [("GOOG", "mlp")]  # fold 0's weights, the last that finished
    assert {"mlp", "Buy & Hold"} <= set(result.metrics["model"])
    written = export_csv(result, tmp_path)
    assert [path.name for path in written] == ["predictions.csv", "metrics.csv", "equity.csv", "trades.csv",
                                               "folds.csv", "run_stats.csv"]


def test_cancel_before_the_first_fold_gives_an_empty_result(goog, tiny_run):
    run = run_backtest(tiny_run, {"GOOG": goog}, should_stop=lambda: True)
    assert run.result.predictions.empty and run.result.folds == () and run.models == {}

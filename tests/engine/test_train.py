"""The trainer: learns real signal, early stopping, determinism, cancel, divergence, events."""
import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from engine.errors import WorkbenchError
from engine.train import (
    BatchProgress,
    EpochReport,
    TrainConfig,
    TrainingEnded,
    _TrainStep,
    predict,
    train_model,
)
from models import ARCHITECTURES, ModelConfig, fields_of, model_config_for

WINDOW = 20


def synthetic_windows(n: int = 900, seed: int = 0):
    """Sine + trend + noise; x is the last WINDOW values, y the change to the next value."""
    rng = np.random.default_rng(seed)
    t = np.arange(n + WINDOW + 1)
    series = np.sin(2 * np.pi * t / 25) + 0.001 * t + rng.normal(0, 0.05, len(t))
    ends = np.arange(WINDOW - 1, n + WINDOW - 1)
    x = np.stack([series[e - WINDOW + 1:e + 1] for e in ends])[:, :, None]
    y = (series[ends + 1] - series[ends])[:, None]
    x = (x - x[: int(0.8 * n)].mean()) / x[: int(0.8 * n)].std()
    split = int(0.8 * n)
    return (x[:split].astype(np.float32), y[:split].astype(np.float32),
            x[split:].astype(np.float32), y[split:].astype(np.float32))


SMALL = dict(hidden_size=32, num_layers=1, hidden_layers=(32,), channels=(16, 16), dropout=0.0)


def small(arch: str) -> ModelConfig:
    """The architecture with SMALL's sizes, those of its fields it has."""
    return model_config_for(arch, **fields_of(arch, SMALL))

FAST = TrainConfig(epochs=40, batch_size=32, learning_rate=3e-3, patience=10, device="cpu")


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_every_architecture_beats_the_naive_last_value_predictor(arch):
    x_train, y_train, x_val, y_val = synthetic_windows()
    trained = train_model(small(arch), x_train, y_train, x_val, y_val, FAST)
    model_mse = np.mean((predict(trained.model, x_val) - y_val) ** 2)
    naive_mse = np.mean(y_val ** 2)  # "no change" from the last value
    assert model_mse < 0.5 * naive_mse, f"{arch}: {model_mse:.4f} vs naive {naive_mse:.4f}"


def test_early_stopping_restores_the_best_epoch():
    x_train, y_train, x_val, y_val = synthetic_windows(400)
    config = TrainConfig(epochs=60, batch_size=16, learning_rate=0.05, patience=3, lr_patience=0, device="cpu")
    trained = train_model(small("mlp"), x_train, y_train, x_val, y_val, config)
    outcome, history = trained.outcome, trained.history
    assert outcome.reason == "early_stopping"
    assert outcome.epochs_run == outcome.best_epoch + 3
    best = history[outcome.best_epoch - 1]
    assert best.val_loss == min(report.val_loss for report in history)
    kept_loss = np.mean((predict(trained.model, x_val) - y_val) ** 2)
    assert kept_loss == pytest.approx(best.val_loss, rel=1e-5)
    assert kept_loss < history[-1].val_loss


def test_same_seed_gives_identical_weights_on_cpu():
    x_train, y_train, x_val, y_val = synthetic_windows(300)
    config = TrainConfig(epochs=3, batch_size=16, device="cpu", seed=7)
    model_config = small("lstm")
    first, second = (train_model(model_config, x_train, y_train, x_val, y_val, config) for _ in range(2))
    for a, b in zip(first.model.state_dict().values(), second.model.state_dict().values()):
        assert torch.equal(a, b)
    other = train_model(model_config, x_train, y_train, x_val, y_val, TrainConfig(epochs=3, batch_size=16,
                                                                                     device="cpu", seed=8))
    assert not torch.equal(next(iter(first.model.parameters())), next(iter(other.model.parameters())))


def test_cancel_stops_within_one_batch(monkeypatch):
    x_train, y_train, x_val, y_val = synthetic_windows(300)
    steps = []
    real_step = _TrainStep.__call__
    monkeypatch.setattr(_TrainStep, "__call__", lambda self, index: steps.append(1) or real_step(self, index))
    asked = []

    def should_stop() -> bool:
        asked.append(1)
        return len(asked) > 5  # the sixth check says stop

    config = TrainConfig(epochs=50, batch_size=16, device="cpu")
    trained = train_model(small("gru"), x_train, y_train, x_val, y_val, config,
                          should_stop=should_stop)
    assert len(steps) == 5
    assert trained.outcome.reason == "cancelled"


def test_a_diverging_loss_stops_and_keeps_the_last_good_weights():
    x_train, y_train, x_val, y_val = synthetic_windows(300)
    y_train = y_train * 1e20  # a loss that overflows to inf
    config = TrainConfig(optimizer="sgd", epochs=20, learning_rate=10.0, grad_clip=0, batch_size=16, device="cpu")
    trained = train_model(small("mlp"), x_train, y_train, x_val, y_val, config)
    assert trained.outcome.reason == "diverged"
    assert "Lower the learning rate" in trained.outcome.message
    assert all(torch.isfinite(p).all() for p in trained.model.parameters())


def test_events_describe_the_fit_in_order():
    x_train, y_train, x_val, y_val = synthetic_windows(300)
    events = []
    config = TrainConfig(epochs=4, batch_size=16, patience=0, device="cpu")
    train_model(small("cnn"), x_train, y_train, x_val, y_val, config, on_event=events.append)
    epochs = [e for e in events if isinstance(e, EpochReport)]
    assert [e.epoch for e in epochs] == [1, 2, 3, 4]
    assert all(e.val_loss is not None and math.isfinite(e.train_loss) for e in epochs)
    assert epochs[-1].eta_s == 0 and epochs[0].eta_s > 0
    assert any(isinstance(e, BatchProgress) and e.batch == e.batches == 15 for e in events)
    assert isinstance(events[-1], TrainingEnded) and events[-1].reason == "completed"
    assert events[-1].device == "cpu" and not events[-1].captured


def test_learning_rate_is_cut_on_plateau():
    x_train, y_train, x_val, y_val = synthetic_windows(300)
    config = TrainConfig(epochs=30, batch_size=16, learning_rate=0.05, lr_patience=1, lr_factor=0.5, patience=0,
                         device="cpu")
    trained = train_model(small("mlp"), x_train, y_train, x_val, y_val, config)
    cuts = [i for i, report in enumerate(trained.history) if report.lr_reduced]
    assert cuts, "a noisy high learning rate should plateau at least once in 30 epochs"
    for i in cuts:
        previous = trained.history[i - 1].learning_rate if i else config.learning_rate
        assert trained.history[i].learning_rate == pytest.approx(previous * 0.5)


def test_warm_start_begins_from_the_given_weights():
    x_train, y_train, x_val, y_val = synthetic_windows(300)
    model_config = small("gru")
    first = train_model(model_config, x_train, y_train, x_val, y_val, TrainConfig(epochs=15, device="cpu"))
    resumed = train_model(model_config, x_train, y_train, x_val, y_val, TrainConfig(epochs=1, device="cpu", seed=3),
                          initial_state=first.model.state_dict())
    assert resumed.history[0].val_loss < 2 * first.history[-1].val_loss


def test_batch_larger_than_training_set_is_refused():
    x_train, y_train, x_val, y_val = synthetic_windows(50)
    with pytest.raises(WorkbenchError, match="Batch size 64 is larger than the 40 training samples"):
        train_model(model_config_for("mlp"), x_train, y_train, x_val, y_val, TrainConfig(device="cpu"))


@pytest.mark.parametrize("settings, message", [
    (dict(learning_rate=0), "Learning rate must be above 0"),
    (dict(learning_rate=-1e-3), "Learning rate must be above 0"),
    (dict(epochs=0), "Epochs must be at least 1"),
    (dict(batch_size=0), "Batch size must be at least 1"),
    (dict(optimizer="lbfgs"), "Unknown optimizer"),
])
def test_bad_training_settings_are_refused(settings, message):
    with pytest.raises(WorkbenchError, match=message):
        TrainConfig(**settings)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_captured_cuda_step_matches_eager():
    x_train, y_train, x_val, y_val = synthetic_windows(600)
    model_config = small("lstm")
    runs = {graphs: train_model(model_config, x_train, y_train, x_val, y_val,
                                TrainConfig(epochs=5, device="cuda", cuda_graphs=graphs, lr_patience=0))
            for graphs in (False, True)}
    assert runs[True].outcome.captured
    for eager, captured in zip(runs[False].history, runs[True].history):
        assert captured.train_loss == pytest.approx(eager.train_loss, rel=1e-3)
        assert captured.val_loss == pytest.approx(eager.val_loss, rel=1e-3)


def test_a_warm_start_that_only_gets_worse_keeps_the_weights_it_was_given():
    x_train, y_train, x_val, y_val = synthetic_windows(300)
    model_config = small("mlp")
    good = train_model(model_config, x_train, y_train, x_val, y_val, TrainConfig(epochs=20, device="cpu"))
    wrecked = train_model(model_config, x_train, y_train, x_val, y_val,
                          TrainConfig(optimizer="sgd", learning_rate=5.0, grad_clip=0, epochs=2, device="cpu"),
                          initial_state=good.model.state_dict())
    assert wrecked.outcome.best_epoch == 0
    for kept, given in zip(wrecked.model.state_dict().values(), good.model.state_dict().values()):
        assert torch.equal(kept, given)


@pytest.mark.parametrize("reason, best, run, expected", [
    ("completed", 1, 1, "Trained 1 epoch; kept the weights of epoch 1."),
    ("early_stopping", 0, 3, "Stopped early after 3 epochs; kept the weights it started from, as no epoch improved "
                             "on them."),
    ("cancelled", 2, 2, "Cancelled after 2 full epochs; kept the weights of epoch 2."),
])
def test_the_outcome_reads_well_for_one_epoch_and_for_warm_starts_that_kept_their_weights(reason, best, run, expected):
    from engine.train import _outcome_message

    assert _outcome_message(reason, best, run, True) == expected


def _validation_losses(monkeypatch, losses):
    """Make the trainer see these validation losses, one per evaluation."""
    seen = iter(losses)
    monkeypatch.setattr("engine.train._evaluate", lambda *args: next(seen))


@pytest.mark.parametrize("epochs, reason, message", [
    (3, "completed", "Trained 3 epochs; kept the weights of epoch 1."),
    (4, "early_stopping", "Stopped early after 3 epochs; kept the weights of epoch 1."),
])
def test_patience_running_out_on_the_last_epoch_reads_as_completed_not_stopped_early(monkeypatch, epochs, reason,
                                                                                     message):
    x_train, y_train, x_val, y_val = synthetic_windows(100)
    _validation_losses(monkeypatch, [1.0, 2.0, 2.0, 2.0])
    config = TrainConfig(epochs=epochs, patience=2, batch_size=16, lr_patience=0, device="cpu")
    outcome = train_model(model_config_for("linear"), x_train, y_train, x_val, y_val, config).outcome
    assert (outcome.reason, outcome.epochs_run, outcome.message) == (reason, 3, message)


def test_a_model_cancelled_before_its_first_epoch_is_not_trained():
    x_train, y_train, x_val, y_val = synthetic_windows(100)
    config = TrainConfig(epochs=5, batch_size=16, device="cpu")
    model_config = model_config_for("linear")
    cold = train_model(model_config, x_train, y_train, x_val, y_val, config, should_stop=lambda: True).outcome
    assert (cold.reason, cold.epochs_run, cold.trained) == ("cancelled", 0, False)
    assert cold.message == "Not trained: cancelled before its first epoch."
    given = train_model(model_config, x_train, y_train, x_val, y_val, replace(config, epochs=1))
    warm = train_model(model_config, x_train, y_train, x_val, y_val, config, should_stop=lambda: True,
                       initial_state=given.model.state_dict()).outcome
    assert warm.epochs_run == 0 and warm.trained  # it holds the weights it was given
    assert given.outcome.trained

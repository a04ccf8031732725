"""The LSTM autoencoder: a detector apart from the forecasters, trained by the forecasters' trainer."""
import numpy as np
import pytest
import torch

from engine.fit_config import TrainConfig
from engine.train import predict, train_model
from models import ARCHITECTURES, DETECTORS, detector_config_from_dict
from models.errors import WorkbenchError
from models.lstm_autoencoder_config import LSTMAutoencoderConfig
from models.registry import DETECTORS as NETWORKS
from models.registry import MODELS, build_model


def test_it_is_a_detector_and_no_forecasting_architecture():
    assert list(DETECTORS) == list(NETWORKS) == ["lstm_autoencoder"]
    assert "lstm_autoencoder" not in ARCHITECTURES and "lstm_autoencoder" not in MODELS


def test_it_rebuilds_the_whole_window():
    config = LSTMAutoencoderConfig(hidden_size=8, latent_size=3, num_layers=2, dropout=0.1)
    model = build_model(config, n_timesteps=12, n_features=2, n_outputs=24)
    out = model(torch.randn(5, 12, 2))
    assert out.shape == (5, 24) and torch.isfinite(out).all()
    with pytest.raises(WorkbenchError, match="needs 24 outputs"):
        build_model(config, 12, 2, 1)


def test_the_trainer_fits_it_to_rebuild_its_input():
    rng = np.random.default_rng(0)
    phase = rng.uniform(0, 2 * np.pi, size=(256, 1))
    x = np.sin(phase + np.linspace(0, 3, 16)[None, :])[:, :, None].astype(np.float32)  # (256, 16, 1) smooth waves
    y = x.reshape(len(x), -1)
    trained = train_model(LSTMAutoencoderConfig(hidden_size=16, latent_size=4), x, y, None, None,
                          TrainConfig(epochs=40, batch_size=32, learning_rate=0.01, device="cpu"))
    rebuilt = predict(trained.model, x)
    assert np.mean((rebuilt - y) ** 2) < 0.1 * np.mean(y ** 2)
    assert trained.history[-1].train_loss < trained.history[0].train_loss / 3


def test_its_config_round_trips_and_every_field_has_help():
    config = LSTMAutoencoderConfig(hidden_size=12, latent_size=4)
    assert detector_config_from_dict(config.to_dict()) == config
    with pytest.raises(WorkbenchError, match="detector must be one of lstm_autoencoder"):
        detector_config_from_dict({"arch": "lstm"})
    for spec in LSTMAutoencoderConfig.settings().values():
        assert len(spec.help) > 40 and spec.label and (spec.limits or spec.choices)

"""The learning curve (sizes, reading, too few windows) and the attention maps the Training tab draws."""
import numpy as np
import pytest

from engine.attention import attention_map
from engine.data.synthetic import generate_series, parse_spec
from engine.errors import WorkbenchError
from engine.fit_config import TrainConfig
from engine.learning_curve import CURVE_GAP, CurvePoint, learning_curve, read_curve
from engine.train import train_model
from engine.windows import WindowConfig, build_windows
from models import model_config_for

FAST = TrainConfig(epochs=4, batch_size=32, learning_rate=3e-3, patience=0, device="cpu")
WINDOWS = WindowConfig(window=12, features=("log_return",))


@pytest.fixture(scope="module")
def learnable():
    bars = generate_series(parse_spec("preset=learnable,n=700,seed=1")).bars
    return build_windows({"synthetic": bars}, WINDOWS)


def test_each_size_trains_on_the_most_recent_windows_and_the_reading_names_its_numbers(learnable):
    curve = learning_curve("nlinear", model_config_for("nlinear"), learnable, FAST, classification=False)
    n = len(learnable.train)
    assert [p.windows for p in curve.points] == [round(f * n) for f in (0.25, 0.5, 0.75, 1.0)]
    assert all(p.train_loss > 0 and p.val_loss > 0 and p.naive_train > 0 for p in curve.points)
    frame = curve.to_frame()
    assert list(frame.columns) == ["model", "fraction", "windows", "train_loss", "val_loss", "naive_train",
                                   "naive_val"] and len(frame) == 4
    assert f"{curve.points[-1].windows} windows" in curve.reading
    # The learnable series is learnable: the full-size model beats naive on validation.
    assert curve.points[-1].val_loss < 0.9 * curve.naive_val


def _point(fraction, train, val, naive_train=1.0, windows=100):
    return CurvePoint(fraction, int(windows * fraction), train, val, naive_train)


@pytest.mark.parametrize("points, start", [
    ([_point(0.25, 1.0, 1.02), _point(1.0, 0.99, 1.01)], "No signal"),
    ([_point(0.25, 0.2, 0.9), _point(1.0, 0.3, 0.7)], "High variance (over-fitting)"),
    ([_point(0.25, 0.95, 0.97), _point(1.0, 0.95, 0.96)], "High bias (under-fitting)"),
    ([_point(0.25, 0.4, 0.5), _point(1.0, 0.45, 0.5)], "A good fit"),
])
def test_the_reading_follows_its_rules_in_order(points, start):
    assert read_curve(points, naive_val=1.0).startswith(start)


def test_high_variance_says_whether_more_data_would_help():
    still = read_curve([_point(0.25, 0.2, 0.9), _point(1.0, 0.3, 0.3 + CURVE_GAP + 0.3)], 1.0)
    flat = read_curve([_point(0.25, 0.2, 0.6), _point(1.0, 0.3, 0.6)], 1.0)
    assert "more data would likely help" in still and "more data alone will not close it" in flat


def test_too_few_training_windows_is_refused_before_training(learnable):
    big_batch = TrainConfig(epochs=1, batch_size=256, device="cpu")
    with pytest.raises(WorkbenchError, match=r"most recent 25% of the \d+ training windows first, \d+ windows, and "
                                             r"needs at least 256 .*: use a longer date range"):
        learning_curve("mlp", model_config_for("mlp"), learnable, big_batch, classification=False)


@pytest.mark.parametrize("arch", ["attention_lstm", "patchtst"])
def test_the_attention_map_has_a_row_per_window_summing_to_one(learnable, arch):
    config = model_config_for(arch, hidden_size=8, num_layers=1) if arch == "attention_lstm" else \
        model_config_for(arch, d_model=8, n_heads=2, encoder_layers=1)
    data = learnable
    trained = train_model(config, data.train.x, data.train.y, data.val.x, data.val.y, FAST)
    found = attention_map(trained, data.test)
    assert found.weights.shape == (len(data.test), WINDOWS.window)
    np.testing.assert_allclose(found.weights.sum(axis=1), 1.0, rtol=1e-5)
    assert (found.input_end == data.test.input_end).all()


def test_a_model_without_attention_has_no_map(learnable):
    trained = train_model(model_config_for("nlinear"), learnable.train.x, learnable.train.y, None, None,
                          TrainConfig(epochs=1, device="cpu"))
    assert attention_map(trained, learnable.test) is None


def test_a_learning_curve_without_validation_windows_is_refused():
    bars = generate_series(parse_spec("preset=learnable,n=700,seed=1")).bars
    data = build_windows({"synthetic": bars}, WindowConfig(window=12, features=("log_return",), val_fraction=0.0))
    with pytest.raises(WorkbenchError, match="there are no validation windows: set a validation fraction above 0"):
        learning_curve("nlinear", model_config_for("nlinear"), data, FAST, classification=False)

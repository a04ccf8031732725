"""Windowed datasets: shapes, exact target alignment, chronological splits, no look-ahead."""
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import WorkbenchError
from engine.features import feature_frame, target_frame, target_to_price
from engine.windows import WindowConfig, build_windows, sample_segments, split_points


def read_bars(path) -> pd.DataFrame:
    frame = pd.read_csv(path, index_col=0, parse_dates=True)
    frame.columns = [c.lower() for c in frame.columns]
    frame.index.name = "date"
    return frame[["open", "high", "low", "close", "volume"]].astype(float)


@pytest.fixture(scope="module")
def goog(real_data) -> pd.DataFrame:
    return read_bars(real_data / "GOOG_daily_2004_2013.csv")


@pytest.fixture(scope="module")
def btc(real_data) -> pd.DataFrame:
    return read_bars(real_data / "BTCUSD_monthly_2012_2024.csv")


CONFIG = WindowConfig(window=20, horizons=(1, 5), target="log_return")


def test_shapes_and_split_sizes(goog):
    data = build_windows({"GOOG": goog}, CONFIG)
    for split in (data.train, data.val, data.test):
        assert split.x.shape[1:] == (20, len(CONFIG.features))
        assert split.y.shape[1:] == (2,)
        assert split.x.dtype == np.float32 and np.isfinite(split.x).all() and np.isfinite(split.y).all()
    total = len(data.train) + len(data.val) + len(data.test)
    assert abs(len(data.test) / total - 0.15) < 0.01
    assert abs(len(data.val) / total - 0.15) < 0.01


def test_each_target_is_exactly_h_bars_after_the_last_input_bar(goog):
    config = WindowConfig(window=10, horizons=(1, 3, 7), target="close", scaler="none", features=("close",))
    data = build_windows({"GOOG": goog}, config)
    position = {t: i for i, t in enumerate(goog.index.to_numpy())}
    for split in (data.train, data.val, data.test):
        ends = np.array([position[t] for t in split.input_end])
        for k, h in enumerate(config.horizons):
            assert (split.target_time[:, k] == goog.index.to_numpy()[ends + h]).all()
            np.testing.assert_allclose(split.y[:, k], goog["close"].to_numpy()[ends + h], rtol=1e-6)
        # The last input row is the bar itself, the first is window-1 bars earlier.
        np.testing.assert_allclose(split.x[:, -1, 0], goog["close"].to_numpy()[ends], rtol=1e-6)
        np.testing.assert_allclose(split.x[:, 0, 0], goog["close"].to_numpy()[ends - 9], rtol=1e-6)


def test_samples_keep_the_exact_unscaled_targets_beside_the_scaled_ones(goog):
    data = build_windows({"GOOG": goog * 20}, WindowConfig(window=10, target="close", features=("log_return",)))
    position = {t: i for i, t in enumerate(goog.index.to_numpy())}
    for split in (data.train, data.val, data.test):
        ends = np.array([position[t] for t in split.input_end])
        np.testing.assert_array_equal(split.actual[:, 0], 20 * goog["close"].to_numpy()[ends + 1])  # exact
        assert split.actual.dtype == split.y.dtype == np.float64 and split.y.std() < 10  # y is scaled


def test_no_validation_or_test_target_reaches_training(goog):
    data = build_windows({"GOOG": goog}, CONFIG)
    val_start, test_start = split_points(goog.index, CONFIG, "GOOG")
    assert data.train.target_time.max() < goog.index[val_start]
    assert data.val.target_time.min() >= goog.index[val_start]
    assert data.val.target_time.max() < goog.index[test_start]
    assert data.test.target_time.min() >= goog.index[test_start]


def test_scalers_are_fitted_on_training_bars_only(goog):
    data = build_windows({"GOOG": goog}, CONFIG)
    val_start, _ = split_points(goog.index, CONFIG, "GOOG")
    features = feature_frame(goog, CONFIG.features).to_numpy()[CONFIG.warmup:val_start]
    np.testing.assert_allclose(data.scalers["GOOG"].features.mean_, features.mean(axis=0))
    targets = target_frame(goog, CONFIG.target, CONFIG.horizons).to_numpy()
    train_rows = [goog.index.get_loc(t) for t in data.train.input_end]
    np.testing.assert_allclose(data.scalers["GOOG"].target.mean_, targets[train_rows].mean(axis=0))


def test_unscaled_targets_turn_back_into_the_real_prices(goog):
    data = build_windows({"GOOG": goog}, CONFIG)
    log_returns = data.unscale_targets(data.test.y, data.test.ticker)
    prices = target_to_price("log_return", log_returns, data.test.reference_close)
    expected = goog["close"].reindex(data.test.target_time.ravel()).to_numpy().reshape(prices.shape)
    np.testing.assert_allclose(prices, expected, rtol=1e-5)


def _perturbed_after(bars: pd.DataFrame, cut: int, seed: int) -> pd.DataFrame:
    noisy = bars.copy()
    rng = np.random.default_rng(seed)
    factor = rng.uniform(0.5, 2.0, size=(len(bars) - cut - 1, 1))
    noisy.iloc[cut + 1:] = noisy.iloc[cut + 1:].to_numpy() * factor
    return noisy


@settings(max_examples=15, deadline=None)
@given(position=st.floats(0.0, 1.0), seed=st.integers(0, 1000))
def test_changing_bars_after_t_changes_nothing_up_to_t(goog, position, seed):
    """Noise after a time T in the validation/test period leaves every sample with targets <= T and the scalers alone."""
    val_start, _ = split_points(goog.index, CONFIG, "GOOG")
    cut = val_start - 1 + int(position * (len(goog) - val_start - 1))
    before = build_windows({"GOOG": goog}, CONFIG)
    after = build_windows({"GOOG": _perturbed_after(goog, cut, seed)}, CONFIG)
    cutoff = goog.index[cut]
    for name in ("train", "val", "test"):
        old, new = getattr(before, name), getattr(after, name)
        kept_old = old.target_time.max(axis=1) <= cutoff
        kept_new = new.target_time.max(axis=1) <= cutoff
        assert (kept_old == kept_new).all()
        np.testing.assert_array_equal(old.x[kept_old], new.x[kept_new])
        np.testing.assert_array_equal(old.y[kept_old], new.y[kept_new])
    for attr in ("mean_", "scale_"):
        np.testing.assert_array_equal(getattr(before.scalers["GOOG"].features, attr),
                                      getattr(after.scalers["GOOG"].features, attr))
        np.testing.assert_array_equal(getattr(before.scalers["GOOG"].target, attr),
                                      getattr(after.scalers["GOOG"].target, attr))


@settings(max_examples=10, deadline=None)
@given(cut=st.integers(60, 2100), seed=st.integers(0, 1000))
def test_unscaled_features_never_look_ahead(goog, cut, seed):
    """Whatever T is, raw feature windows and targets dated <= T ignore every bar after T."""
    config = WindowConfig(window=15, horizons=(1, 4), scaler="none",
                          features=("open", "close", "return", "log_return", "log_volume", "hl_range", "volatility"))
    before = build_windows({"GOOG": goog}, config)
    after = build_windows({"GOOG": _perturbed_after(goog, cut, seed)}, config)
    cutoff = goog.index[cut]
    for name in ("train", "val", "test"):
        old, new = getattr(before, name), getattr(after, name)
        kept = old.target_time.max(axis=1) <= cutoff
        np.testing.assert_array_equal(old.x[kept], new.x[kept])
        np.testing.assert_array_equal(old.y[kept], new.y[kept])


@given(
    n_bars=st.integers(1, 400),
    first_end=st.integers(0, 60),
    horizons=st.lists(st.integers(1, 30), min_size=1, max_size=4, unique=True),
    val_frac=st.floats(0.0, 1.0),
    test_frac=st.floats(0.0, 1.0),
)
def test_segments_hold_exactly_the_samples_whose_targets_fit_in_one_split(n_bars, first_end, horizons, val_frac,
                                                                          test_frac):
    val_start = int(n_bars * min(val_frac, test_frac))
    test_start = int(n_bars * max(val_frac, test_frac))
    segments = sample_segments(n_bars, first_end, tuple(horizons), val_start, test_start)
    bounds = {"train": (0, val_start), "val": (val_start, test_start), "test": (test_start, n_bars)}
    assigned = set()
    for name, ends in segments.items():
        low, high = bounds[name]
        assert ((ends + min(horizons) >= low) & (ends + max(horizons) < high)).all()
        assert (np.diff(ends) > 0).all()
        assigned |= set(ends.tolist())
    assert sum(len(e) for e in segments.values()) == len(assigned)
    for end in set(range(first_end, n_bars)) - assigned:  # purged samples straddle a boundary or run off the end
        targets = [end + h for h in horizons]
        assert not any(low <= min(targets) and max(targets) < high for low, high in bounds.values())


def test_pooled_tickers_keep_their_own_scalers(goog, real_data):
    sp500 = pd.read_csv(real_data / "SP500_daily_1999_2018.csv", index_col=0)
    sp500.index = pd.to_datetime(sp500.index, format="%m/%d/%Y")
    sp500.columns = [c.lower() for c in sp500.columns]
    data = build_windows({"GOOG": goog, "SP500": sp500}, CONFIG)
    assert set(data.train.ticker) == {"GOOG", "SP500"}
    alone = build_windows({"SP500": sp500}, CONFIG)
    np.testing.assert_array_equal(data.test.x[data.test.ticker == "SP500"], alone.test.x)
    assert not np.allclose(data.scalers["GOOG"].features.mean_, data.scalers["SP500"].features.mean_)


def test_split_by_date(goog):
    config = WindowConfig(window=20, val_start="2010-01-01", test_start="2011-06-01")
    data = build_windows({"GOOG": goog}, config)
    assert data.train.target_time.max() < np.datetime64("2010-01-01")
    assert data.test.input_end.min() >= np.datetime64("2011-05-01")
    assert data.test.target_time.min() >= np.datetime64("2011-06-01")


def test_direction_target_is_unscaled_zero_or_one(goog):
    data = build_windows({"GOOG": goog}, WindowConfig(target="direction", horizons=(1,)))
    assert set(np.unique(data.train.y)) == {0.0, 1.0}
    assert data.scalers["GOOG"].target is None


def test_too_few_rows_says_what_to_do(btc):
    with pytest.raises(WorkbenchError, match=r"BTCUSD has 156 rows: too few .* shorter window"):
        build_windows({"BTCUSD": btc}, WindowConfig(window=100))


@pytest.mark.parametrize("settings, message", [
    (dict(window=0), "Window must be at least 1 bar"),
    (dict(horizons=(0,)), "Horizons must be 1 or more"),
    (dict(horizons=()), "No horizon given"),
    (dict(features=()), "No features selected"),
    (dict(features=("rsi",)), "Unknown feature"),
    (dict(val_fraction=0.5, test_fraction=0.5), "leave at least 20%"),
    (dict(val_start="2012-01-01", test_start="2011-01-01"), "must come before"),
])
def test_bad_window_settings_are_refused(settings, message):
    with pytest.raises(WorkbenchError, match=message):
        WindowConfig(**settings)


def test_config_round_trips_through_a_dict():
    config = WindowConfig(horizons=(1, 5, 20), val_start="2010-01-01", test_start="2011-01-01")
    assert WindowConfig.from_dict(config.to_dict()) == config
    with pytest.raises(WorkbenchError, match="Unknown window setting"):
        WindowConfig.from_dict({"windw": 5})


@pytest.mark.parametrize("kind", ["standard", "minmax"])
def test_scalers_rebuilt_from_their_dict_transform_as_the_fitted_ones(kind):
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    from engine.windows import TickerScalers

    make = {"standard": StandardScaler, "minmax": MinMaxScaler}[kind]
    rng = np.random.default_rng(0)
    fitted = TickerScalers(make().fit(rng.normal(size=(50, 3))), make().fit(rng.normal(size=(50, 2))))
    rebuilt = TickerScalers.from_dict(json.loads(json.dumps(fitted.to_dict())))
    probe = rng.normal(size=(4, 3))
    np.testing.assert_array_equal(rebuilt.features.transform(probe), fitted.features.transform(probe))
    np.testing.assert_array_equal(rebuilt.target.inverse_transform(probe[:, :2]),
                                  fitted.target.inverse_transform(probe[:, :2]))
    assert TickerScalers.from_dict({"features": None, "target": None}) == TickerScalers(None, None)

"""The synthetic series: the documented rules bar for bar, the spec, and its place among the data sources."""
import numpy as np
import pandas as pd
import pytest

from engine.data.synthetic import (
    SYNTHETIC_NAME,
    SyntheticConfig,
    generate_series,
    parse_spec,
    spec_text,
    synthetic_config,
)
from engine.errors import WorkbenchError
from engine.pipeline import load_data
from engine.runs import DataConfig, RunConfig

SPEC = "n=2000,spikes=8,drops=4,noise=0.1,trend=0.005,seed=3,preset=seed"


def test_the_bars_follow_the_documented_rules():
    config = synthetic_config(n=300, noise=0.0, positions=(40, 120, 250), drops=2, seed=5, base=50.0, scale=0.1)
    made = generate_series(config)
    rng = np.random.default_rng(5)  # the draws in the documented order: noise, spikes, drops, ranges, volume
    t, i = np.linspace(0, 10, 300), np.arange(300)
    series = 0.8 * np.sin(t) + 0.2 * np.sin(5 * t) + 0.0 * rng.standard_normal(300) + 0.005 * i
    series[[40, 120, 250]] += 0.5 + 1.5 * rng.random(3)
    dropped = np.sort(rng.choice([40, 120, 250], size=2, replace=False))
    series[dropped + 1] -= 0.3 + 1.2 * rng.random(2)

    np.testing.assert_allclose(made.series, series)
    np.testing.assert_array_equal(made.injected, [40, 120, 250])
    np.testing.assert_array_equal(made.dropped, dropped)
    bars = made.bars
    np.testing.assert_allclose(bars["close"], 50.0 * np.exp(0.1 * series))
    np.testing.assert_allclose(bars["open"].iloc[1:], bars["close"].iloc[:-1])
    assert bars["open"].iloc[0] == bars["close"].iloc[0]
    assert (bars["high"] >= bars[["open", "close"]].max(axis=1)).all()
    assert (bars["low"] <= bars[["open", "close"]].min(axis=1)).all()
    assert (bars["high"] <= bars[["open", "close"]].max(axis=1) * 1.004).all()
    assert (bars["volume"] > 0).all() and (bars["volume"] == bars["volume"].round()).all()
    assert list(bars.index) == list(pd.bdate_range("2000-01-03", periods=300))


def test_the_same_seed_gives_the_same_series_and_another_seed_another():
    first, again = generate_series(parse_spec(SPEC)), generate_series(parse_spec(SPEC))
    pd.testing.assert_frame_equal(first.bars, again.bars)
    other = generate_series(parse_spec(SPEC.replace("seed=3", "seed=4")))
    assert not np.array_equal(first.injected, other.injected)


def test_random_spikes_avoid_the_warm_up_and_the_last_bar():
    made = generate_series(parse_spec(SPEC))
    assert len(made.injected) == 8 and len(made.dropped) == 4
    assert made.injected.min() >= 50 and made.injected.max() <= 1998
    assert set(made.dropped) <= set(made.injected)


def test_a_spec_reads_back_from_its_shortest_text():
    config = parse_spec(SPEC + ",positions=300;900,drops=1")
    assert spec_text(config) == "preset=seed,drops=1,positions=300;900"
    assert parse_spec(spec_text(config)) == config
    learnable = parse_spec("preset=learnable,n=1500")
    assert (learnable.noise, learnable.spikes, learnable.n) == (0.03, 0, 1500)


@pytest.mark.parametrize("spec, message", [
    ("n=abc", "n must be a whole number, got 'abc'"),
    ("foo=1", "unknown key 'foo'"),
    ("n", "write key=value pairs"),
    ("n=10", "n must be between 50 and 200000"),
    ("preset=wild", "Unknown synthetic preset 'wild'"),
    ("spikes=2,drops=3", "3 drops need as many spikes"),
    ("n=100,positions=5;99", "between 1 and n−2 = 98"),
    ("noise=-1", "noise must be between 0.0 and 100.0"),
    ("start=yesterday", "Cannot read the start date"),
    ("n=60,spikes=59", "59 spikes do not fit in 60 bars"),
])
def test_a_bad_spec_is_a_clear_error(spec, message):
    with pytest.raises(WorkbenchError, match=message):
        parse_spec(spec)


def test_every_field_has_help_and_every_number_limits():
    for spec in SyntheticConfig.settings().values():
        assert len(spec.help) > 40 and spec.label
        assert spec.limits is not None or spec.hint in (str,) or spec.choices


def test_the_synthetic_series_is_a_data_source_for_every_run():
    data = DataConfig(tickers=(), synthetic=SPEC)
    loaded = load_data(data)
    assert list(loaded.bars) == [SYNTHETIC_NAME] == list(data.series_names)
    pd.testing.assert_frame_equal(loaded.bars[SYNTHETIC_NAME], generate_series(parse_spec(SPEC)).bars)
    assert loaded.reports[SYNTHETIC_NAME].rows == 2000
    config = RunConfig(data=DataConfig(tickers=(), synthetic=SPEC, start="2001-01-01"))
    assert RunConfig.from_json(config.to_json()) == config
    assert load_data(config.data).bars[SYNTHETIC_NAME].index[0] == pd.Timestamp("2001-01-01")


def test_the_learnable_preset_has_something_to_learn():
    """A least-squares fit on the last 10 returns, fitted on the first half, beats the no-change forecast on the
    second half by far; on the seed preset's noisy series it gains much less."""
    def skill(spec: str) -> float:
        returns = np.diff(np.log(generate_series(parse_spec(spec)).bars["close"].to_numpy()))
        lags = np.column_stack([returns[k:len(returns) - 10 + k] for k in range(10)])
        target, half = returns[10:], len(returns) // 2
        weights = np.linalg.lstsq(lags[:half], target[:half], rcond=None)[0]
        mse = np.mean((lags[half:] @ weights - target[half:]) ** 2)
        return mse / np.mean(target[half:] ** 2)  # vs predicting a zero return

    assert skill("preset=learnable") < 0.2
    assert skill("preset=seed,spikes=0,drops=0") > 0.5

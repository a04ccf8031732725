"""The synthetic series: a seeded artificial price series with known anomalies, a data source like a ticker.

The rules, in the order the random numbers are drawn (one numpy Generator seeded with `seed`):

    t = linspace(0, t_span, n),  i = 0 .. n-1
    series = sine·sin(t) + fast_sine·sin(5t) + noise·N(0,1) + trend·i
    positions: the given ones, or `spikes` bars drawn without replacement from [margin, n-2],
               margin = min(50, n // 20) bars, where the detectors are still warming up
    at each position p:               series[p]   += 0.5 + 1.5·U
    at `drops` of them (drawn next):  series[p+1] -= 0.3 + 1.2·U
    close  = base · exp(scale · series)
    open   = the previous close (the first bar opens at its close)
    high   = max(open, close) · (1 + 0.004·U),  low = min(open, close) · (1 − 0.004·U)
    volume = round(1e6 · exp(0.3·N(0,1)))
    dates: n business days (Monday to Friday) from `start`

N(0,1) is standard normal, U uniform on [0, 1), each draw a vector over the bars it applies to. The injected
positions (the spikes' bars p) are the ground truth a detector is scored against. The "seed" preset is the
study notes' series; "learnable" has fast cycles (the slow sine repeats about every 42 bars of 2,000) and little
noise, no anomalies: a network can beat the naive forecast on it because there is something to learn.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal, get_origin

import numpy as np
import pandas as pd

from engine.data.frame import make_ohlcv
from engine.errors import WorkbenchError
from models.config import Settings, setting

Preset = Literal["seed", "learnable"]
SYNTHETIC_NAME = "SYNTHETIC"  # the series name runs and tables give it
SPIKE, SPIKE_SPREAD = 0.5, 1.5  # series[p] += SPIKE + SPIKE_SPREAD·U
DROP, DROP_SPREAD = 0.3, 1.2  # series[p+1] -= DROP + DROP_SPREAD·U
_RANGE_MARGIN = 0.004  # high and low lie up to 0.4% outside open and close
_VOLUME, _VOLUME_SPREAD = 1e6, 0.3


@dataclass(frozen=True)
class SyntheticConfig(Settings):
    """The generator's components; build one from a spec with parse_spec or with synthetic_config(preset, ...)."""

    preset: Preset = setting("seed", help=(
        "Where the other fields start from. 'seed' is the study notes' series: two slow sines, noise, an "
        "upward trend and injected spikes, for anomaly detection. 'learnable' is fast cycles with little noise "
        "and no anomalies: a network should beat the naive forecast on it; if it cannot, the setup is at fault."
    ))
    n: int = setting(2000, label="Bars", limits=(50, 200_000), advice="use e.g. 2000", help=(
        "How many daily bars to generate. Detectors train on the first part, so give them a few hundred "
        "bars at least; 2,000 bars are about eight years of trading days."
    ))
    trend: float = setting(0.005, limits=(-1.0, 1.0), advice="use e.g. 0.005", help=(
        "Added per bar to the series (trend·i): a steady drift. 0.005 with the default scale 0.05 lifts the "
        "price about 6% a year. Negative values make it fall."
    ))
    sine: float = setting(0.8, label="Slow sine", limits=(0.0, 100.0), advice="use e.g. 0.8", help=(
        "Amplitude of sin(t), the slow cycle. With the default time span t goes from 0 to 10, so the cycle "
        "repeats about every 1,250 bars of 2,000."
    ))
    fast_sine: float = setting(0.2, label="Fast sine", limits=(0.0, 100.0), advice="use e.g. 0.2", help=(
        "Amplitude of sin(5t), a cycle five times faster than the slow one."
    ))
    t_span: float = setting(10.0, label="Time span", limits=(0.01, 1e6), advice="use e.g. 10", help=(
        "t runs from 0 to this value over the bars, so the slow sine repeats every 2π·(n−1)/span bars. "
        "10 gives slow waves; 300 over 2,000 bars gives a cycle of about 42 bars that a network can learn."
    ))
    noise: float = setting(0.1, label="Noise level", limits=(0.0, 100.0), advice="use e.g. 0.1", help=(
        "Standard deviation of the Gaussian noise added to each bar. 0.1 with the default scale gives daily "
        "moves of about 0.7%, like a stock index. More noise hides the spikes; 0 leaves a clean curve."
    ))
    spikes: int = setting(8, limits=(0, 10_000), advice="use e.g. 8, fewer than the bars", help=(
        "How many spikes to inject at random bars: each adds 0.5 + 1.5·U to the series (U uniform on [0, 1)), "
        "a jump of about 2.5% to 10% that then reverts. Ignored when positions are given."
    ))
    drops: int = setting(4, limits=(0, 10_000), advice="use at most as many drops as spikes", help=(
        "How many of the spikes are followed by a drop on the next bar: series[p+1] falls by 0.3 + 1.2·U, so "
        "the price dives below its usual level right after the spike."
    ))
    positions: tuple[int, ...] = setting((), label="Positions", limits=(1, 10**9), lengths=(0, 10_000),
                                         advice="give bar numbers between 1 and n−2, e.g. 300; 900", help=(
        "Bar numbers (0 is the first bar) to put the spikes at, instead of random ones; empty draws `spikes` "
        "random bars. In a spec write them separated by semicolons, e.g. positions=300;900;1500."
    ))
    seed: int = setting(3, limits=(0, 2**31 - 1), advice="use any whole number from 0 up", help=(
        "Seed of the random numbers: the same seed and fields give the same series, bar for bar."
    ))
    start: str = setting("2000-01-03", label="Start date", advice="write it as YYYY-MM-DD", help=(
        "Date of the first bar; the others follow on business days (Monday to Friday)."
    ))
    base: float = setting(100.0, label="Base price", limits=(1e-6, 1e9), advice="use e.g. 100", help=(
        "The price the series is scaled to: close = base · exp(scale · series)."
    ))
    scale: float = setting(0.05, limits=(1e-6, 10.0), advice="use e.g. 0.05", help=(
        "How strongly the series moves the price: close = base · exp(scale · series). 0.05 turns the noise "
        "level 0.1 into daily moves of about 0.7%."
    ))

    def __post_init__(self) -> None:
        super().__post_init__()
        try:
            pd.Timestamp(self.start)
        except ValueError:
            raise WorkbenchError(f"Cannot read the start date {self.start!r}: write it as YYYY-MM-DD.") from None
        if self.positions and max(self.positions) > self.n - 2:
            raise WorkbenchError(f"Spike positions must lie between 1 and n−2 = {self.n - 2}, got "
                                 f"{max(self.positions)}: use smaller bar numbers or more bars.")
        count = len(self.positions) or self.spikes
        if self.drops > count:
            raise WorkbenchError(f"{self.drops} drops need as many spikes, but there are {count}: use at most "
                                 f"{count} drops.")
        if not self.positions and self.spikes > self.n - 1 - _margin(self.n):
            raise WorkbenchError(f"{self.spikes} spikes do not fit in {self.n} bars: use fewer spikes or more bars.")


PRESETS: dict[str, dict[str, Any]] = {
    "seed": {},
    "learnable": {"t_span": 300.0, "noise": 0.03, "spikes": 0, "drops": 0},
}


@dataclass(frozen=True)
class SyntheticSeries:
    """Generated bars and their ground truth."""

    bars: pd.DataFrame  # the canonical OHLCV frame
    series: np.ndarray  # (n,) the series before it became prices
    injected: np.ndarray  # sorted bar positions of the spikes
    dropped: np.ndarray  # sorted positions p whose next bar p+1 got a drop

    @property
    def injected_dates(self) -> pd.DatetimeIndex:
        return self.bars.index[self.injected]


def synthetic_config(preset: str = "seed", **values: Any) -> SyntheticConfig:
    """The preset's fields with `values` on top; unknown fields or presets are a WorkbenchError naming the known."""
    if preset not in PRESETS:
        raise WorkbenchError(f"Unknown synthetic preset {preset!r}: choose one of {', '.join(PRESETS)}.")
    known = SyntheticConfig.settings()
    if unknown := [name for name in values if name not in known]:
        raise WorkbenchError(f"The synthetic series has no field {unknown[0]!r}: its fields are "
                             f"{', '.join(known)}.")
    return SyntheticConfig(**{**PRESETS[preset], **values, "preset": preset})


def parse_spec(text: str) -> SyntheticConfig:
    """A spec such as "n=2000,spikes=8,noise=0.1,seed=3,preset=seed": key=value pairs, the rest from the preset."""
    values: dict[str, Any] = {}
    settings = SyntheticConfig.settings()
    for part in filter(None, (piece.strip() for piece in str(text).split(","))):
        key, sep, raw = (piece.strip() for piece in part.partition("="))
        if not sep or not raw:
            raise WorkbenchError(f"Cannot read {part!r} in the synthetic spec {text!r}: write key=value pairs "
                                 "separated by commas, e.g. n=2000,spikes=8,seed=3.")
        if key not in settings:
            raise WorkbenchError(f"The synthetic spec has an unknown key {key!r}: the keys are "
                                 f"{', '.join(settings)}.")
        values[key] = _parse_value(settings[key].hint, key, raw)
    return synthetic_config(values.pop("preset", "seed"), **values)


def spec_text(config: SyntheticConfig) -> str:
    """The shortest spec parse_spec reads back as `config`: the preset and the fields that differ from it."""
    preset = synthetic_config(config.preset)
    parts = [f"preset={config.preset}"] + [
        f"{f.name}={_format_value(getattr(config, f.name))}" for f in fields(config)
        if f.name != "preset" and getattr(config, f.name) != getattr(preset, f.name)]
    return ",".join(parts)


def generate_series(config: SyntheticConfig) -> SyntheticSeries:
    """The bars the module docstring describes, with the spike positions as ground truth."""
    n, rng = config.n, np.random.default_rng(config.seed)
    t, i = np.linspace(0.0, config.t_span, n), np.arange(n)
    series = (config.sine * np.sin(t) + config.fast_sine * np.sin(5 * t) + config.noise * rng.standard_normal(n)
              + config.trend * i)
    if config.positions:
        positions = np.unique(np.asarray(config.positions, dtype=np.int64))
    else:
        positions = np.sort(rng.choice(np.arange(_margin(n), n - 1), size=config.spikes, replace=False))
    series[positions] += SPIKE + SPIKE_SPREAD * rng.random(len(positions))
    dropped = np.sort(rng.choice(positions, size=config.drops, replace=False)) if config.drops else positions[:0]
    series[dropped + 1] -= DROP + DROP_SPREAD * rng.random(len(dropped))

    close = config.base * np.exp(config.scale * series)
    open_ = np.concatenate([close[:1], close[:-1]])
    high = np.maximum(open_, close) * (1 + _RANGE_MARGIN * rng.random(n))
    low = np.minimum(open_, close) * (1 - _RANGE_MARGIN * rng.random(n))
    volume = np.round(_VOLUME * np.exp(_VOLUME_SPREAD * rng.standard_normal(n)))
    dates = pd.bdate_range(pd.Timestamp(config.start), periods=n)
    bars = make_ohlcv(dates, np.column_stack([open_, high, low, close, volume]))
    return SyntheticSeries(bars, series, positions, dropped)


def _margin(n: int) -> int:
    return min(50, n // 20)


def _parse_value(hint: Any, key: str, raw: str) -> Any:
    try:
        if get_origin(hint) is tuple:
            return tuple(int(v) for v in raw.replace(";", " ").split())
        if hint is int:
            return int(raw)
        if hint is float:
            return float(raw)
    except ValueError:
        kind = "whole numbers separated by semicolons" if get_origin(hint) is tuple else (
            "a whole number" if hint is int else "a number")
        raise WorkbenchError(f"The synthetic spec's {key} must be {kind}, got {raw!r}.") from None
    return raw


def _format_value(value: Any) -> str:
    return ";".join(map(str, value)) if isinstance(value, tuple) else str(value)

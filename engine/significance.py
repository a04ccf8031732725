"""Is a forecast better than a baseline, or lucky? Tests of one (ticker, model, horizon) group.

Every function takes 1-D arrays aligned by forecast, in time order. Pairs where either value is
not finite (NaN warm-up rows) are dropped. A test that does not apply to its input (too few
samples, no variation) returns NaN in its p-value rather than raising; only arrays of different
shapes raise a ValueError. docs/METRICS.md ("Skill or luck") gives every formula and reference.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

SIGNIFICANCE_LEVEL = 0.05
"""A p-value below this counts as evidence in the verdict line."""

_LOSSES = {"squared": np.square, "absolute": np.abs}

@dataclass(frozen=True)
class DieboldMariano:
    """DM test of H1 "the model's expected loss is lower than the reference's".

    `statistic` is the HLN-corrected DM statistic (negative when the model's loss is lower);
    `kernel` names the long-run variance estimate used: "rectangular" or the "bartlett" fallback.
    """
    statistic: float
    p_value: float
    p_two_sided: float
    n: int
    kernel: Literal["rectangular", "bartlett"] = "rectangular"


@dataclass(frozen=True)
class DirectionTest:
    """A one-sided exact binomial test of directional hits; `sample` says which forecasts it used."""
    p_value: float
    successes: int
    trials: int
    sample: str


@dataclass(frozen=True)
class PesaranTimmermann:
    """PT (1992) test of H1 "predicted and actual directions are positively dependent"."""
    statistic: float
    p_value: float
    n: int


@dataclass(frozen=True)
class BrierComparison:
    """Brier score of up-probabilities against the sample's own up-share as a constant forecast."""
    brier: float
    base_rate_brier: float
    base_rate: float
    dm: DieboldMariano


def _finite_pairs(first, second, names: tuple[str, str], every: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Every `every`-th pair of two equally long 1-D arrays, as floats, less pairs holding a NaN or inf."""
    first, second = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    if first.shape != second.shape or first.ndim != 1:
        raise ValueError(f"{names[0]} and {names[1]} must be 1-D arrays of the same length, "
                         f"got shapes {first.shape} and {second.shape}")
    first, second = first[::every], second[::every]
    keep = np.isfinite(first) & np.isfinite(second)
    return first[keep], second[keep]


def _autocovariances(d: np.ndarray, lags: int) -> np.ndarray:
    """γ_0 … γ_lags of d, each a sum over the overlapping pairs divided by n (as in DM 1995)."""
    centred = d - d.mean()
    return np.array([centred[k:] @ centred[:len(d) - k] for k in range(lags + 1)]) / len(d)


def diebold_mariano(errors_model, errors_reference, horizon: int, *,
                    loss: Literal["squared", "absolute"] = "squared") -> DieboldMariano:
    """Diebold–Mariano (1995) test with the Harvey–Leybourne–Newbold (1997) correction.

    d = L(e_model) − L(e_reference); its long-run variance uses the h − 1 autocovariances with equal
    weights. When that estimate is not positive (it can be, for strongly negatively autocorrelated
    d), the Bartlett (Newey–West) weights 1 − k/h are used instead, which never give a negative
    variance, and `kernel` says "bartlett". DM = mean(d) / sqrt(variance / n) is scaled by
    sqrt((n + 1 − 2h + h(h − 1)/n) / n) and compared with Student-t, n − 1 degrees of freedom.

    Identical losses (d all zero) give statistic 0, p_value 0.5 and p_two_sided 1: no evidence either
    way. NaN p-values: fewer than 2h + 1 finite pairs, or d constant but not zero (no variance to scale by).
    """
    model, reference = _finite_pairs(errors_model, errors_reference, ("errors_model", "errors_reference"))
    loss_of = _LOSSES[loss]
    d, n = loss_of(model) - loss_of(reference), len(model)
    if n < 2 * horizon + 1:
        return DieboldMariano(math.nan, math.nan, math.nan, n)
    if not d.any():
        return DieboldMariano(0.0, 0.5, 1.0, n)
    gamma = _autocovariances(d, horizon - 1)
    kernel: Literal["rectangular", "bartlett"] = "rectangular"
    long_run_variance = gamma[0] + 2 * gamma[1:].sum()
    if long_run_variance <= 0:
        kernel = "bartlett"
        long_run_variance = gamma[0] + 2 * (gamma[1:] @ (1 - np.arange(1, horizon) / horizon))
    if long_run_variance <= 0:
        return DieboldMariano(math.nan, math.nan, math.nan, n, kernel)
    hln = math.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n)
    statistic = float(d.mean() / math.sqrt(long_run_variance / n) * hln)
    return DieboldMariano(statistic, float(stats.t.cdf(statistic, n - 1)),
                          float(2 * stats.t.sf(abs(statistic), n - 1)), n, kernel)


def _binomial_greater(successes: int, trials: int, sample: str) -> DirectionTest:
    """P(X ≥ successes) for X ~ Binomial(trials, 1/2); NaN when there are no trials."""
    p_value = stats.binomtest(successes, trials, 0.5, alternative="greater").pvalue if trials else math.nan
    return DirectionTest(float(p_value), successes, trials, sample)


def _sample(horizon: int) -> str:
    return "every forecast" if horizon == 1 else "every h-th forecast (non-overlapping)"


def direction_vs_coin(hits, horizon: int) -> DirectionTest:
    """Exact binomial test that the hit rate of up/down calls exceeds one half.

    `hits` is 1 where the predicted direction was right, 0 where wrong, NaN where there was no call.
    h-bar forecasts made every bar overlap, so for h > 1 only every h-th forecast (from the first)
    is tested: those cover disjoint stretches. NaN p-value when no call is left.
    """
    hits = np.asarray(hits, dtype=float)[::horizon]
    hits = hits[np.isfinite(hits)]
    return _binomial_greater(int(hits.sum()), len(hits), _sample(horizon))


def direction_vs_always_up(model_hits, always_up_hits, horizon: int) -> DirectionTest:
    """McNemar's exact test that the model's calls are right more often than "always up".

    Only the discordant forecasts count: successes are those the model got right and always-up
    wrong, trials all where exactly one of them was right. As in `direction_vs_coin`, for h > 1 only
    every h-th forecast is used. With no discordant forecast the p-value is NaN (nothing to compare).
    """
    model, always_up = _finite_pairs(model_hits, always_up_hits, ("model_hits", "always_up_hits"), horizon)
    model_only, always_up_only = int(np.sum(model > always_up)), int(np.sum(always_up > model))
    return _binomial_greater(model_only, model_only + always_up_only, _sample(horizon))


def pesaran_timmermann(actual_up, predicted_up, *, horizon: int = 1) -> PesaranTimmermann:
    """Pesaran–Timmermann (1992) market-timing test, one-sided against the standard normal.

    PT = (P − P*) / sqrt(V(P) − V(P*)) with P the hit rate, P* = py·px + (1 − py)(1 − px) the hit
    rate expected if calls were independent of outcomes (py, px the shares of actual and predicted
    ups). For h > 1 only every h-th forecast is used. NaN when the predictions or the outcomes never
    vary (the test does not apply) or fewer than two forecasts remain.
    """
    actual, predicted = _finite_pairs(actual_up, predicted_up, ("actual_up", "predicted_up"), horizon)
    actual, predicted, n = actual > 0.5, predicted > 0.5, len(actual)
    if n < 2 or actual.all() or not actual.any() or predicted.all() or not predicted.any():
        return PesaranTimmermann(math.nan, math.nan, n)
    py, px = actual.mean(), predicted.mean()
    hit_rate = np.mean(actual == predicted)
    expected = py * px + (1 - py) * (1 - px)
    variance_expected = ((2 * py - 1) ** 2 * px * (1 - px) / n + (2 * px - 1) ** 2 * py * (1 - py) / n
                         + 4 * py * px * (1 - py) * (1 - px) / n ** 2)
    variance = expected * (1 - expected) / n - variance_expected
    if variance <= 0:
        return PesaranTimmermann(math.nan, math.nan, n)
    statistic = float((hit_rate - expected) / math.sqrt(variance))
    return PesaranTimmermann(statistic, float(stats.norm.sf(statistic)), n)


def brier_vs_base_rate(actual_up, probability_up, *, horizon: int = 1) -> BrierComparison:
    """Brier score of the up-probabilities and of the sample's own up-share used as a constant forecast.

    The base rate is the share of ups in these same test samples: the best constant forecast in
    hindsight, so beating it is a slightly harder bar than beating a rate learned from training data.
    `dm` is the Diebold–Mariano test of the squared probability errors against the base rate's.
    """
    actual, probability = _finite_pairs(actual_up, probability_up, ("actual_up", "probability_up"))
    actual = (actual > 0.5).astype(float)
    if not len(actual):
        return BrierComparison(math.nan, math.nan, math.nan, diebold_mariano(actual, actual, horizon))
    base_rate = float(actual.mean())
    errors, base_rate_errors = probability - actual, base_rate - actual
    return BrierComparison(float(np.mean(errors ** 2)), float(np.mean(base_rate_errors ** 2)), base_rate,
                           diebold_mariano(errors, base_rate_errors, horizon, loss="squared"))


def _format_p(p_value: float) -> str:
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.2g}"


def _format_number(value: float) -> str:
    return f"{round(value, 1) + 0.0:.1f}".replace("-", "−")  # + 0.0: no "−0.0"


def verdict(model: str, dm_p: float, sharpe_ci: tuple[float, float] | None = None, *,
            reference: str = "predicting no change", loss: str = "squared error",
            level: float = SIGNIFICANCE_LEVEL) -> str:
    """One plain sentence: does `model` beat `reference`, by a one-sided DM p-value below `level`?

    e.g. "no evidence that lstm beats predicting no change (DM p = 0.41)", "lstm beats predicting
    no change on squared error (DM p = 0.003); its Sharpe CI is −0.2 … 0.9", or, when the reverse
    one-sided test is below `level`, "lstm does worse than predicting no change on squared error (DM
    p = 0.002 that it is worse)". The Sharpe interval is appended when both its ends are finite.
    """
    if math.isnan(dm_p):
        sentence = f"too few forecasts to test whether {model} beats {reference}"
    elif dm_p < level:
        sentence = f"{model} beats {reference} on {loss} (DM {_format_p(dm_p)})"
    elif dm_p > 1 - level:
        sentence = f"{model} does worse than {reference} on {loss} (DM {_format_p(1 - dm_p)} that it is worse)"
    else:
        sentence = f"no evidence that {model} beats {reference} (DM {_format_p(dm_p)})"
    if sharpe_ci is not None and all(math.isfinite(end) for end in sharpe_ci):
        sentence += f"; its Sharpe CI is {_format_number(sharpe_ci[0])} … {_format_number(sharpe_ci[1])}"
    return sentence

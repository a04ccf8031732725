"""How sure is a Sharpe ratio, and how much of the best of many configurations is selection luck?

Returns are per period (one execution bar) and Sharpe ratios here are per period, not annualised,
unless a name says otherwise (`bootstrap_intervals` annualises as engine/metrics.py does).
Non-finite returns are dropped. Degenerate input (too few returns, no variation) gives NaN, never
an exception; only badly shaped arrays raise a ValueError. docs/METRICS.md ("Skill or luck")
gives every formula and reference.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from arch.bootstrap import SPA, StationaryBootstrap, optimal_block_length
from scipy import stats

MIN_BOOTSTRAP_SAMPLES = 20
"""Fewer returns or losses than this give NaN intervals and p-values: a block bootstrap needs several blocks."""


@dataclass(frozen=True)
class DeflatedSharpe:
    """The DSR of the best trial, the expected maximum Sharpe it was measured against, and the N used."""
    dsr: float
    expected_max_sharpe: float
    n_trials: float


@dataclass(frozen=True)
class BootstrapIntervals:
    """Percentile intervals of the annualised Sharpe and of the total return (a fraction, 0.1 = 10 %)."""
    sharpe_low: float
    sharpe_high: float
    return_low: float
    return_high: float
    block_length: float
    repetitions: int


@dataclass(frozen=True)
class SpaResult:
    """Hansen's SPA p-values of H0 "no model beats the benchmark"; `consistent` is the one to report."""
    consistent: float
    lower: float
    upper: float
    block_length: int


def _finite(values, name: str = "returns") -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if values.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {values.shape}")
    return values[np.isfinite(values)]


def _sharpe_moments(returns: np.ndarray) -> tuple[float, float, float]:
    """Per-period Sharpe mean/std (ddof 1), skewness γ3 and raw kurtosis γ4 (3 for a normal); NaN if flat."""
    if len(returns) < 3 or np.ptp(returns) == 0:
        return math.nan, math.nan, math.nan
    return (float(returns.mean() / returns.std(ddof=1)), float(stats.skew(returns)),
            float(stats.kurtosis(returns, fisher=False)))


def _sharpe_variance_factor(sharpe: float, skewness: float, kurtosis: float) -> float:
    """1 − γ3·SR + (γ4 − 1)/4·SR², n − 1 times the variance of the Sharpe estimate (Mertens 2002)."""
    return 1 - skewness * sharpe + (kurtosis - 1) / 4 * sharpe ** 2


def probabilistic_sharpe_ratio(returns, benchmark_sharpe: float = 0.0) -> float:
    """PSR (Bailey & López de Prado 2012): the probability that the true per-period Sharpe exceeds the benchmark.

    PSR = Φ((SR − SR*)·sqrt(n − 1) / sqrt(1 − γ3·SR + (γ4 − 1)/4·SR²)). NaN for fewer than 3 returns
    or returns that never vary.
    """
    returns = _finite(returns)
    sharpe, skewness, kurtosis = _sharpe_moments(returns)
    factor = _sharpe_variance_factor(sharpe, skewness, kurtosis)
    if not factor > 0:
        return math.nan
    return float(stats.norm.cdf((sharpe - benchmark_sharpe) * math.sqrt(len(returns) - 1) / math.sqrt(factor)))


def minimum_track_record_length(returns, benchmark_sharpe: float = 0.0, confidence: float = 0.95) -> float:
    """MinTRL (Bailey & López de Prado 2012): the bars needed for PSR to reach `confidence`.

    MinTRL = 1 + (1 − γ3·SR + (γ4 − 1)/4·SR²)·(Φ⁻¹(confidence) / (SR − SR*))², in bars. inf when
    SR ≤ SR* (no track record is long enough); NaN for fewer than 3 returns or returns that never vary.
    """
    sharpe, skewness, kurtosis = _sharpe_moments(_finite(returns))
    if math.isnan(sharpe):
        return math.nan
    if sharpe <= benchmark_sharpe:
        return math.inf
    factor = _sharpe_variance_factor(sharpe, skewness, kurtosis)
    return float(1 + factor * (stats.norm.ppf(confidence) / (sharpe - benchmark_sharpe)) ** 2)


def _expected_maximum_sharpe(sharpe_of_trials, n_trials: float) -> float:
    """The Sharpe the best of N skill-less trials is expected to reach (Bailey & López de Prado 2014).

    SR0 = sqrt(V[SR]) · ((1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e))), γ the Euler–Mascheroni
    constant, V[SR] the variance (ddof 1) of the trials' per-period Sharpe ratios. Never below 0:
    the approximation dips below 0 for N just above 1, where the true expected maximum is ≥ 0.
    0 for a single trial (nothing was selected); NaN when N > 1 but fewer than two trial Sharpe
    ratios are finite.
    """
    if n_trials <= 1:
        return 0.0
    sharpes = _finite(sharpe_of_trials, "sharpe_of_trials")
    if len(sharpes) < 2:
        return math.nan
    gamma = np.euler_gamma
    quantiles = (1 - gamma) * stats.norm.ppf(1 - 1 / n_trials) + gamma * stats.norm.ppf(1 - 1 / (n_trials * math.e))
    return max(0.0, float(np.std(sharpes, ddof=1) * quantiles))


def deflated_sharpe_ratio(returns_of_best, sharpe_of_trials, n_trials: float) -> DeflatedSharpe:
    """DSR (Bailey & López de Prado 2014): the PSR of the best trial against the expected maximum Sharpe of N trials.

    `sharpe_of_trials` are the per-period Sharpe ratios of every configuration tried (the best
    included); `n_trials` is N, e.g. `effective_number_of_trials` of their returns.
    """
    expected_max = _expected_maximum_sharpe(sharpe_of_trials, n_trials)
    dsr = probabilistic_sharpe_ratio(returns_of_best, expected_max) if math.isfinite(expected_max) else math.nan
    return DeflatedSharpe(dsr, expected_max, float(n_trials))


def effective_number_of_trials(return_matrix) -> float:
    """N_eff = ρ̄ + (1 − ρ̄)·N from the mean pairwise correlation ρ̄ of N trials' returns, clipped to [1, N].

    `return_matrix` is (periods, N), one column per trial; correlations use the rows where both trials
    have a finite return. Identical trials count once, uncorrelated ones N times. NaN when no pair of
    trials has a defined correlation (e.g. all flat); 1 for a single trial.
    """
    matrix = np.asarray(return_matrix, dtype=float)
    if matrix.ndim != 2:
        raise ValueError(f"return_matrix must be 2-D (periods, trials), got shape {matrix.shape}")
    n_trials = matrix.shape[1]
    if n_trials == 1:
        return 1.0
    correlation = pd.DataFrame(matrix).corr().to_numpy()
    pairwise = correlation[np.triu_indices(n_trials, k=1)]
    pairwise = pairwise[np.isfinite(pairwise)]
    if not len(pairwise):
        return math.nan
    mean_correlation = pairwise.mean()
    return float(np.clip(mean_correlation + (1 - mean_correlation) * n_trials, 1, n_trials))


def _politis_white_block(x: np.ndarray) -> float:
    """The stationary bootstrap's mean block length (Politis & White 2004), averaged over columns, at least 1."""
    return max(1.0, float(optimal_block_length(x)["stationary"].mean()))


def bootstrap_intervals(returns, periods_per_year: float, risk_free_per_period: float = 0.0, *,
                        repetitions: int = 1000, seed: int | np.random.Generator = 0,
                        level: float = 0.95) -> BootstrapIntervals:
    """Stationary-bootstrap percentile intervals of the annualised Sharpe and of the total return.

    Sharpe = mean(r − rf) / std(r − rf, ddof 1) · sqrt(periods_per_year), as engine/metrics.py and
    empyrical define it; total return = Π(1 + r) − 1. Resampling is arch's StationaryBootstrap with
    the mean block length from arch's optimal_block_length (Politis–White), seeded so that the same
    seed gives the same interval. NaN intervals for fewer than MIN_BOOTSTRAP_SAMPLES returns or
    returns that never vary.
    """
    returns = _finite(returns)
    if len(returns) < MIN_BOOTSTRAP_SAMPLES or np.ptp(returns) == 0:
        return BootstrapIntervals(math.nan, math.nan, math.nan, math.nan, math.nan, repetitions)

    def sharpe_and_total_return(sample: np.ndarray) -> np.ndarray:
        excess = sample - risk_free_per_period
        with np.errstate(invalid="ignore", divide="ignore"):
            sharpe = excess.mean() / excess.std(ddof=1) * math.sqrt(periods_per_year)
        return np.array([sharpe, np.prod(1 + sample) - 1])

    block_length = _politis_white_block(returns)
    bootstrap = StationaryBootstrap(block_length, returns, seed=seed)
    (sharpe_low, return_low), (sharpe_high, return_high) = bootstrap.conf_int(
        sharpe_and_total_return, reps=repetitions, method="percentile", size=level)
    return BootstrapIntervals(float(sharpe_low), float(sharpe_high), float(return_low), float(return_high),
                              block_length, repetitions)


def benjamini_hochberg(p_values) -> np.ndarray:
    """Benjamini–Hochberg (1995) adjusted p-values of the finite entries, in their order; NaN stays NaN."""
    p_values = np.asarray(p_values, dtype=float)
    adjusted = np.full(p_values.shape, np.nan)
    finite = np.isfinite(p_values)
    if finite.any():
        adjusted[finite] = stats.false_discovery_control(p_values[finite], method="bh")
    return adjusted


def spa_test(benchmark_losses, model_losses, *, repetitions: int = 1000,
             seed: int | np.random.Generator = 0) -> SpaResult:
    """Hansen's (2005) Superior Predictive Ability test of k models' losses against a benchmark's.

    `benchmark_losses` is (n,), `model_losses` (n,) for one model or (n, k); lower is better. Wraps
    arch.bootstrap.SPA (stationary bootstrap, studentised) with the Politis–White block length of
    the loss differentials, rounded up. Rows with a non-finite loss are dropped, and so are models
    whose loss differential never varies (copies of the benchmark: arch would divide 0 by 0). NaN
    p-values for fewer than MIN_BOOTSTRAP_SAMPLES rows or no model left.
    """
    benchmark, models = np.asarray(benchmark_losses, dtype=float), np.asarray(model_losses, dtype=float)
    models = models.reshape(-1, 1) if models.ndim == 1 else models
    if benchmark.ndim != 1 or models.ndim != 2 or len(models) != len(benchmark):
        raise ValueError(f"benchmark_losses must be (n,) and model_losses (n,) or (n, k), "
                         f"got shapes {benchmark.shape} and {np.shape(model_losses)}")
    keep = np.isfinite(benchmark) & np.isfinite(models).all(axis=1)
    benchmark, models = benchmark[keep], models[keep]
    untestable = SpaResult(math.nan, math.nan, math.nan, 0)
    if len(benchmark) < MIN_BOOTSTRAP_SAMPLES:
        return untestable
    models = models[:, np.ptp(benchmark[:, None] - models, axis=0) > 0]
    if not models.shape[1]:
        return untestable
    block_length = math.ceil(_politis_white_block(benchmark[:, None] - models))
    spa = SPA(benchmark, models, block_size=block_length, reps=repetitions, seed=seed)
    spa.compute()
    p_values = spa.pvalues
    return SpaResult(float(p_values["consistent"]), float(p_values["lower"]), float(p_values["upper"]),
                     block_length)

"""Skill or luck: golden values worked out by hand, a known answer, and calibration under the null."""
import math
from statistics import NormalDist, fmean, stdev

import empyrical
import numpy as np
import pytest
from scipy import stats

from engine.sharpe_stats import (
    benjamini_hochberg,
    bootstrap_intervals,
    deflated_sharpe_ratio,
    effective_number_of_trials,
    minimum_track_record_length,
    probabilistic_sharpe_ratio,
    spa_test,
)
from engine.significance import (
    brier_vs_base_rate,
    diebold_mariano,
    direction_vs_always_up,
    direction_vs_coin,
    pesaran_timmermann,
    verdict,
)

ERRORS_MODEL = [0.5, -1.0, 0.2, 0.8, -0.3, 0.1, 0.4]
ERRORS_REFERENCE = [1.0, -1.5, 0.4, 0.6, -0.9, 0.7, -0.8]
RETURNS = [0.010, -0.004, 0.007, 0.021, -0.013, 0.002, 0.009, -0.006, 0.015, 0.004]
EULER_GAMMA = 0.5772156649015329


def _dm_by_hand(d: list[float], horizon: int, bartlett: bool = False) -> tuple[float, float, float]:
    """The HLN statistic, one-sided and two-sided p of a loss differential, written out term by term."""
    n = len(d)
    mean = sum(d) / n
    gamma = [sum((d[t] - mean) * (d[t - k] - mean) for t in range(k, n)) / n for k in range(horizon)]
    weights = [1 - k / horizon if bartlett else 1.0 for k in range(horizon)]
    variance = gamma[0] + 2 * sum(weights[k] * gamma[k] for k in range(1, horizon))
    statistic = mean / math.sqrt(variance / n) * math.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n)
    return statistic, stats.t.cdf(statistic, n - 1), 2 * stats.t.sf(abs(statistic), n - 1)


def _moments_by_hand(returns: list[float]) -> tuple[float, float, float]:
    """Per-period Sharpe (std ddof 1), skewness and raw kurtosis (both with 1/n central moments)."""
    n, mean = len(returns), fmean(returns)
    central = [sum((r - mean) ** power for r in returns) / n for power in (2, 3, 4)]
    return mean / stdev(returns), central[1] / central[0] ** 1.5, central[2] / central[0] ** 2


def _psr_by_hand(returns: list[float], benchmark: float) -> float:
    sharpe, skew, kurtosis = _moments_by_hand(returns)
    return NormalDist().cdf((sharpe - benchmark) * math.sqrt(len(returns) - 1)
                            / math.sqrt(1 - skew * sharpe + (kurtosis - 1) / 4 * sharpe ** 2))


# Diebold–Mariano


@pytest.mark.parametrize("horizon, loss, expected_statistic", [
    (1, "squared", -2.7281357565497037),
    (2, "squared", -2.2680337043324945),
    (1, "absolute", -3.4238199941879466),
])
def test_diebold_mariano_matches_the_formula_worked_by_hand(horizon, loss, expected_statistic):
    loss_of = (lambda e: e * e) if loss == "squared" else abs
    d = [loss_of(m) - loss_of(r) for m, r in zip(ERRORS_MODEL, ERRORS_REFERENCE)]
    statistic, p_value, p_two_sided = _dm_by_hand(d, horizon)

    result = diebold_mariano(ERRORS_MODEL, ERRORS_REFERENCE, horizon, loss=loss)

    assert statistic == pytest.approx(expected_statistic, rel=1e-12)
    assert (result.statistic, result.p_value, result.p_two_sided) == pytest.approx(
        (statistic, p_value, p_two_sided), rel=1e-12)
    assert (result.n, result.kernel) == (7, "rectangular")


def test_diebold_mariano_falls_back_to_bartlett_when_the_variance_estimate_is_negative():
    d = [2.0, 0.1, 2.1, 0.0, 1.9, 0.2, 2.0, 0.1, 1.8, 0.3]  # alternating: γ0 + 2γ1 < 0

    result = diebold_mariano(np.sqrt(d), np.zeros(len(d)), 2)

    assert result.kernel == "bartlett"
    assert (result.statistic, result.p_value, result.p_two_sided) == pytest.approx(
        _dm_by_hand(d, 2, bartlett=True), rel=1e-12)


def test_a_forecast_with_a_real_edge_beats_no_change():
    """AR(1) with phi = 0.3: the forecast 0.3·y[t−1] has a known edge over the naive forecast 0."""
    rng = np.random.default_rng(7)
    shocks = rng.normal(size=1001)
    y = np.zeros(1001)
    for t in range(1, 1001):
        y[t] = 0.3 * y[t - 1] + shocks[t]
    actual, forecast = y[1:], 0.3 * y[:-1]

    assert diebold_mariano(actual - forecast, actual, 1).p_value < 0.01


def _random_walk_forecasts(seed: int, horizon: int, bars: int, series: int = 400):
    """h-bar changes of 400 random walks and two independent forecasts built the same way (so they overlap too)."""
    walks = np.cumsum(np.random.default_rng(seed).normal(size=(series, bars + horizon, 3)), axis=1)
    changes = walks[:, horizon:] - walks[:, :-horizon]  # (series, bars, 3)
    return changes[..., 0], 0.5 * changes[..., 1], 0.5 * changes[..., 2]


@pytest.mark.parametrize("horizon, bars", [(1, 250), (5, 500)])
def test_the_five_percent_tests_reject_about_five_percent_of_random_forecasts(horizon, bars):
    actual, forecast, other_forecast = _random_walk_forecasts(seed=5, horizon=horizon, bars=bars)
    hits = (np.sign(actual) == np.sign(forecast)).astype(float)

    dm = [diebold_mariano(a - f, a - g, horizon).p_value for a, f, g in zip(actual, forecast, other_forecast)]
    coin = [direction_vs_coin(h, horizon).p_value for h in hits]

    assert 0.02 <= np.mean(np.array(dm) < 0.05) <= 0.08
    assert 0.02 <= np.mean(np.array(coin) < 0.05) <= 0.08


def test_identical_errors_are_no_evidence_either_way():
    errors = np.linspace(-1, 1, 20)

    result = diebold_mariano(errors, errors, 1)

    assert (result.statistic, result.p_value, result.p_two_sided) == (0.0, 0.5, 1.0)


def test_diebold_mariano_drops_pairs_with_a_missing_error():
    with_gap = diebold_mariano([np.nan, *ERRORS_MODEL], [0.3, *ERRORS_REFERENCE], 1)

    assert with_gap == diebold_mariano(ERRORS_MODEL, ERRORS_REFERENCE, 1)


# Directional tests


def test_direction_vs_coin_is_the_exact_binomial_tail():
    hits = [1, 1, 0, 1, 1, 1, 0, 1, 0, 1]  # 7 of 10

    result = direction_vs_coin(hits, 1)

    assert result.p_value == pytest.approx((120 + 45 + 10 + 1) / 1024, rel=1e-12)
    assert (result.successes, result.trials, result.sample) == (7, 10, "every forecast")


def test_direction_tests_use_every_h_th_forecast_for_longer_horizons():
    hits = [1, 0, 1, 0, 1, 0, 0, 1, 1, 1, np.nan]  # every 3rd: 1, 0, 0, 1 (the NaN is skipped by the stride)

    result = direction_vs_coin(hits, 3)

    assert (result.successes, result.trials) == (2, 4)
    assert result.sample == "every h-th forecast (non-overlapping)"


def test_direction_vs_always_up_is_mcnemars_exact_test_on_the_discordant_forecasts():
    # 8 the model alone got right, 2 always-up alone got right, 5 both right, 3 both wrong
    model = [1] * 8 + [0] * 2 + [1] * 5 + [0] * 3
    always_up = [0] * 8 + [1] * 2 + [1] * 5 + [0] * 3

    result = direction_vs_always_up(model, always_up, 1)
    every_second = direction_vs_always_up(model, always_up, 2)

    assert result.p_value == pytest.approx((45 + 10 + 1) / 1024, rel=1e-12)
    assert (result.successes, result.trials) == (8, 10)
    assert (every_second.successes, every_second.trials) == (4, 5)


def test_pesaran_timmermann_matches_the_formula_worked_by_hand():
    actual = [1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0]
    predicted = [1, 0, 0, 1, 0, 1, 1, 1, 0, 1, 0, 0]
    n = len(actual)
    hit_rate = sum(a == p for a, p in zip(actual, predicted)) / n
    py, px = sum(actual) / n, sum(predicted) / n
    expected = py * px + (1 - py) * (1 - px)
    variance_expected = ((2 * py - 1) ** 2 * px * (1 - px) / n + (2 * px - 1) ** 2 * py * (1 - py) / n
                         + 4 * py * px * (1 - py) * (1 - px) / n ** 2)
    statistic = (hit_rate - expected) / math.sqrt(expected * (1 - expected) / n - variance_expected)

    result = pesaran_timmermann(actual, predicted)

    assert result.statistic == pytest.approx(statistic, rel=1e-12)
    assert result.p_value == pytest.approx(1 - NormalDist().cdf(statistic), rel=1e-12)


def test_brier_score_is_compared_with_the_samples_own_up_share():
    actual = np.array([1, 0, 1, 1, 0, 1, 0, 1, 1, 0])
    probability = np.array([0.7, 0.4, 0.6, 0.8, 0.3, 0.5, 0.45, 0.65, 0.7, 0.35])

    result = brier_vs_base_rate(actual, probability)

    assert result.base_rate == 0.6
    assert result.brier == pytest.approx(np.mean((probability - actual) ** 2), rel=1e-12)
    assert result.base_rate_brier == pytest.approx(0.6 * 0.4, rel=1e-12)
    assert result.dm == diebold_mariano(probability - actual, 0.6 - actual, 1)


# Sharpe statistics


def test_probabilistic_sharpe_ratio_matches_the_formula_worked_by_hand():
    assert probabilistic_sharpe_ratio(RETURNS) == pytest.approx(_psr_by_hand(RETURNS, 0.0), rel=1e-12)
    assert probabilistic_sharpe_ratio(RETURNS, 0.1) == pytest.approx(_psr_by_hand(RETURNS, 0.1), rel=1e-12)


def test_probabilistic_sharpe_ratio_uses_the_raw_kurtosis():
    """Normal returns have γ3 = 0, γ4 = 3: the denominator is 1 + SR²/2 (the excess kurtosis gives 1 − SR²/4)."""
    returns = np.random.default_rng(3).normal(0.5, 1.0, size=200_000)
    sharpe = returns.mean() / returns.std(ddof=1)
    benchmark = sharpe - 0.003  # close enough that PSR is far from 0 and 1 (about 0.90; 0.92 with the wrong kurtosis)
    expected = NormalDist().cdf(0.003 * math.sqrt(len(returns) - 1) / math.sqrt(1 + sharpe ** 2 / 2))

    assert probabilistic_sharpe_ratio(returns, benchmark) == pytest.approx(expected, abs=2e-3)


def test_minimum_track_record_length_matches_the_formula_worked_by_hand():
    sharpe, skew, kurtosis = _moments_by_hand(RETURNS)
    z = NormalDist().inv_cdf(0.95)

    assert minimum_track_record_length(RETURNS) == pytest.approx(
        1 + (1 - skew * sharpe + (kurtosis - 1) / 4 * sharpe ** 2) * (z / sharpe) ** 2, rel=1e-12)
    assert minimum_track_record_length(RETURNS, benchmark_sharpe=1.0) == math.inf


def test_deflated_sharpe_ratio_matches_the_formula_worked_by_hand():
    trials, n = [0.12, 0.35, 0.05, 0.28, 0.19, 0.41], 10.0
    expected_max = stdev(trials) * ((1 - EULER_GAMMA) * NormalDist().inv_cdf(1 - 1 / n)
                                    + EULER_GAMMA * NormalDist().inv_cdf(1 - 1 / (n * math.e)))

    result = deflated_sharpe_ratio(RETURNS, trials, n)

    assert result.expected_max_sharpe == pytest.approx(expected_max, rel=1e-12)
    assert result.dsr == pytest.approx(_psr_by_hand(RETURNS, expected_max), rel=1e-12)
    assert result.n_trials == n


def test_one_trial_is_not_deflated_and_the_expected_maximum_is_never_negative():
    assert deflated_sharpe_ratio(RETURNS, [0.3], 1).dsr == probabilistic_sharpe_ratio(RETURNS)
    assert deflated_sharpe_ratio(RETURNS, [0.1, 0.3], 1.2).expected_max_sharpe == 0.0


def test_psr_is_uniform_when_the_true_sharpe_is_zero():
    returns = np.random.default_rng(11).normal(size=(400, 250))

    psr = [probabilistic_sharpe_ratio(r) for r in returns]

    assert stats.kstest(psr, "uniform").pvalue > 0.01


def test_effective_number_of_trials_follows_the_average_correlation():
    rng = np.random.default_rng(2)
    common, own = rng.normal(size=(500, 1)), rng.normal(size=(500, 4))
    correlated = common + own * np.array([0.5, 1.0, 1.5, 2.0])
    pairwise = np.corrcoef(correlated.T)[np.triu_indices(4, k=1)]

    assert effective_number_of_trials(correlated) == pytest.approx(pairwise.mean() + (1 - pairwise.mean()) * 4)
    assert effective_number_of_trials(np.repeat(common, 5, axis=1)) == pytest.approx(1.0)
    assert effective_number_of_trials(np.c_[common, -common]) == 2.0  # ρ̄ = −1 is clipped to N


# Bootstrap intervals


@pytest.fixture(scope="module")
def positive_returns() -> np.ndarray:
    return np.random.default_rng(4).normal(0.002, 0.01, size=500)


def test_the_same_seed_gives_the_same_interval(positive_returns):
    first = bootstrap_intervals(positive_returns, 252, repetitions=200, seed=1)

    assert bootstrap_intervals(positive_returns, 252, repetitions=200, seed=1) == first
    assert bootstrap_intervals(positive_returns, 252, repetitions=200, seed=np.random.default_rng(1)) == first
    assert bootstrap_intervals(positive_returns, 252, repetitions=200, seed=2) != first


def test_the_intervals_contain_the_point_estimates_and_a_clear_edge_is_above_zero(positive_returns):
    rf = 0.0001
    result = bootstrap_intervals(positive_returns, 252, rf, repetitions=200, seed=0)

    assert result.sharpe_low < empyrical.sharpe_ratio(positive_returns, rf, annualization=252) < result.sharpe_high
    assert result.return_low < empyrical.cum_returns_final(positive_returns) < result.return_high
    assert result.sharpe_low > 0
    assert result.block_length >= 1 and result.repetitions == 200


# Multiple testing


def test_benjamini_hochberg_matches_scipy_and_keeps_nan():
    p_values = np.random.default_rng(5).uniform(size=30) ** 3
    with_gaps = np.insert(p_values, [0, 10, 30], np.nan)

    adjusted = benjamini_hochberg(with_gaps)

    assert np.isnan(adjusted[[0, 11, 32]]).all()
    np.testing.assert_allclose(adjusted[np.isfinite(with_gaps)], stats.false_discovery_control(p_values))


def test_spa_finds_a_clearly_better_model_and_not_an_equal_one():
    rng = np.random.default_rng(6)
    benchmark = rng.normal(size=500) ** 2
    better = benchmark - 0.3 + 0.1 * rng.normal(size=500)
    equal = rng.normal(size=(500, 3)) ** 2

    assert spa_test(benchmark, better, repetitions=200, seed=0).consistent < 0.01
    assert spa_test(benchmark, np.c_[equal, better], repetitions=200, seed=0).consistent < 0.01
    result = spa_test(benchmark, equal, repetitions=200, seed=0)
    assert result.consistent > 0.1
    assert result.lower <= result.consistent <= result.upper


# Verdict


def test_verdict_reads_as_one_plain_sentence():
    assert verdict("lstm", 0.41) == "no evidence that lstm beats predicting no change (DM p = 0.41)"
    assert (verdict("lstm", 0.003, (-0.2, 0.9))
            == "lstm beats predicting no change on squared error (DM p = 0.003); its Sharpe CI is −0.2 … 0.9")
    assert verdict("gru", 0.0001, reference="the linear baseline") == (
        "gru beats the linear baseline on squared error (DM p < 0.001)")
    assert verdict("mlp", math.nan, (math.nan, math.nan)) == (
        "too few forecasts to test whether mlp beats predicting no change")
    assert verdict("cnn", 0.54, (-0.04, 1.6)).endswith("its Sharpe CI is 0.0 … 1.6")
    assert verdict("mlp", 0.998) == (
        "mlp does worse than predicting no change on squared error (DM p = 0.002 that it is worse)")


# Degenerate input


@pytest.mark.parametrize("compute", [
    lambda: diebold_mariano([0.1, 0.2], [0.3, 0.1], 1).p_value,
    lambda: diebold_mariano([1.0] * 10, [0.0] * 10, 1).p_value,  # constant non-zero differential
    lambda: diebold_mariano([np.nan] * 10, [0.0] * 10, 2).p_two_sided,
    lambda: direction_vs_coin([], 1).p_value,
    lambda: direction_vs_always_up([1, 0, 1], [1, 0, 1], 1).p_value,
    lambda: pesaran_timmermann([1, 0, 1, 0], [1, 1, 1, 1]).p_value,
    lambda: brier_vs_base_rate([], []).brier,
    lambda: brier_vs_base_rate([1, 1, 1, 1, 1, 1], [0.9] * 6).dm.p_value,
    lambda: probabilistic_sharpe_ratio([0.01] * 30),
    lambda: minimum_track_record_length([0.01, 0.02]),
    lambda: deflated_sharpe_ratio(RETURNS, [0.3], 5).dsr,
    lambda: effective_number_of_trials(np.ones((50, 3))),
    lambda: bootstrap_intervals(RETURNS, 252, repetitions=10).sharpe_low,
    lambda: spa_test(np.ones(100), np.ones((100, 2)), repetitions=10).consistent,
    lambda: spa_test(np.ones(5), np.zeros(5), repetitions=10).consistent,
])
def test_degenerate_input_gives_nan(compute):
    assert math.isnan(compute())


@pytest.mark.parametrize("compute", [
    lambda: diebold_mariano([0.1, 0.2, 0.3], [0.1, 0.2], 1),
    lambda: direction_vs_always_up([1, 0, 1], [1, 0], 1),
    lambda: pesaran_timmermann([[1, 0]], [[1, 0]]),
    lambda: probabilistic_sharpe_ratio(np.ones((3, 3))),
    lambda: effective_number_of_trials(RETURNS),
    lambda: spa_test(np.ones(30), np.ones((29, 2))),
])
def test_mismatched_shapes_raise_a_clear_value_error(compute):
    with pytest.raises(ValueError, match="must be"):
        compute()

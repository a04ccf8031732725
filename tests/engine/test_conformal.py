"""Split-conformal intervals: the finite-sample ranks, nominal coverage on synthetic residuals, the leak-free rule."""
import math

import numpy as np
import pytest

from engine.conformal import conformal_bounds, walk_forward_coverage


def test_the_bounds_are_the_finite_sample_ranks():
    residuals = np.arange(1.0, 20.0)  # n = 19: for 80 %, ranks ⌊20·0.1⌋ = 2 and ⌈20·0.9⌉ = 18
    assert conformal_bounds(residuals[::-1], 0.8) == (2.0, 18.0)
    assert conformal_bounds(residuals, 0.9) == (1.0, 19.0)  # ranks 1 and 19


def test_too_few_residuals_leave_the_interval_unbounded():
    assert conformal_bounds(np.array([0.3, -0.1]), 0.95) == (-math.inf, math.inf)
    assert conformal_bounds(np.array([]), 0.8) == (-math.inf, math.inf)


@pytest.mark.parametrize("level", [0.8, 0.95])
def test_split_conformal_reaches_its_nominal_coverage_over_many_seeds(level):
    n, trials = 199, 4000  # with n = 199 the ranks are exact: coverage is (u − l) / (n + 1) = level
    hits = []
    for seed in range(trials):
        draws = np.random.default_rng(seed).standard_t(3, size=n + 1)  # fat tails: no normality assumed
        lower, upper = conformal_bounds(draws[:n], level)
        hits.append(lower <= draws[n] <= upper)
    error = 3 * math.sqrt(level * (1 - level) / trials)
    assert abs(np.mean(hits) - level) < error


@pytest.mark.parametrize("level", [0.8, 0.95])
def test_walk_forward_coverage_is_nominal_for_exchangeable_residuals(level):
    shares = []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        n = 300
        days = np.datetime64("2020-01-01") + np.arange(n)
        actual, predicted = rng.normal(size=n), rng.normal(scale=0.1, size=n)
        coverage = walk_forward_coverage(days, days + 1, actual, predicted, level)  # horizon 1: target = next day
        assert coverage.scored == n - 1  # the first decision knows no residual yet
        shares.append(coverage.share)
    # 40 × 299 predictions; the growing calibration sets keep each step's coverage ≥ level
    assert level - 0.01 < np.mean(shares) < level + 0.03


def test_a_residual_dated_after_the_decision_never_enters():
    day = np.datetime64("2020-01-01")
    targets_after = np.array([day, day + 1]), np.array([day + 5, day + 6])  # every target after every decision
    assert walk_forward_coverage(*targets_after, np.zeros(2), np.zeros(2), 0.8).scored == 0
    # 39 zero residuals, then X (decided on day 50, residual 50) and Y (decided on day 45, target day 55, residual
    # 100). Y's residual is dated after X's decision: had it entered, X's 95 % upper bound would be 100 (rank 40 of
    # 40) and X covered; leak-free it is 0 (rank 39 of 39) and X is missed.
    decision = np.concatenate([day + np.arange(39), [day + 50, day + 45]])
    target = np.concatenate([day + 1 + np.arange(39), [day + 60, day + 55]])
    actual = np.concatenate([np.zeros(39), [50.0, 100.0]])
    coverage = walk_forward_coverage(decision, target, actual, np.zeros(41), 0.95)
    assert coverage.scored == 40  # all but the first, which knows no residual
    assert coverage.share == 38 / 40  # the 38 zeros covered, X and Y missed

"""The detectors' rules against hand-computed answers and naive reference loops."""
import numpy as np
import pytest

from engine.detectors import (
    isolation_forest_flags,
    last_bar_features,
    mad_threshold,
    quantile_threshold,
    rolling_robust_z,
    score_detection,
)


def test_rolling_robust_z_matches_a_loop_over_the_past_window():
    values = np.random.default_rng(0).standard_t(3, size=300)
    z = rolling_robust_z(values, 20)
    for t in range(20, 300):
        past = values[t - 20:t]
        median = np.median(past)
        expected = (values[t] - median) / (1.4826 * np.median(np.abs(past - median)))
        assert z[t] == pytest.approx(expected, rel=1e-12)
    assert np.isnan(z[:20]).all()


def test_rolling_robust_z_reads_no_later_bar_and_leaves_a_flat_window_unscored():
    values = np.random.default_rng(1).normal(size=200)
    changed = values.copy()
    changed[121:] += 50.0
    np.testing.assert_array_equal(rolling_robust_z(values, 30)[:121], rolling_robust_z(changed, 30)[:121])
    flat = np.r_[np.zeros(10), 5.0]
    assert np.isnan(rolling_robust_z(flat, 10)[10])  # no spread to compare the jump with


def test_thresholds_by_hand():
    errors = np.array([1.0, 2.0, 3.0, 4.0, 100.0])
    assert quantile_threshold(errors, 0.5) == 3.0
    assert quantile_threshold(errors, 0.75) == 4.0
    assert mad_threshold(errors, 2.0) == 3.0 + 2.0 * 1.0  # median 3, |e − 3| = 2, 1, 0, 1, 97: MAD 1


def test_precision_recall_and_f1_within_the_tolerance():
    flags = np.zeros(100, dtype=bool)
    flags[[10, 12, 13, 50, 80]] = True  # 10 and 12 near 11; 13 is 2 from 11; 50 near nothing; 80 near 78
    result = score_detection(flags, np.array([11, 30, 78]), tolerance=2)
    assert result.flagged == 5
    assert result.recall == pytest.approx(2 / 3)
    assert result.precision == pytest.approx(4 / 5)
    assert result.f1 == pytest.approx(2 * 0.8 * (2 / 3) / (0.8 + 2 / 3))
    assert score_detection(flags, np.array([11, 30, 78]), tolerance=0).recall == 0.0


def test_without_flags_or_truth_the_undefined_scores_are_nan():
    nothing = score_detection(np.zeros(50, dtype=bool), np.array([5]), tolerance=2)
    assert (nothing.flagged, nothing.recall, nothing.f1) == (0, 0.0, 0.0) and np.isnan(nothing.precision)
    unknown = score_detection(np.ones(50, dtype=bool), None, tolerance=2)
    assert unknown.flagged == 50 and np.isnan([unknown.precision, unknown.recall, unknown.f1]).all()


def test_last_bar_features_are_the_last_bar_its_deviation_from_the_rest_and_the_rests_spread():
    windows = np.array([[[1.0], [3.0], [8.0]], [[2.0], [2.0], [5.0]]])  # (2 windows, 3 bars, 1 feature)
    features = last_bar_features(windows)
    # window 0: rest 1, 3 → mean 2, population std 1 → (8 − 2) / 1; window 1: rest has no spread → 0
    np.testing.assert_allclose(features, [[8.0, 6.0, 1.0], [5.0, 0.0, 0.0]])


def test_the_isolation_forest_learns_from_the_training_rows_only():
    rng = np.random.default_rng(2)
    train, later = rng.normal(size=(300, 4)), rng.normal(size=(50, 4))
    later[7] = 12.0
    scores, flags = isolation_forest_flags(train, later, contamination=0.01, seed=0)
    assert flags[7] and scores[7] == scores.max()
    moved = later.copy()
    moved[30:] += 100.0  # what later rows hold changes no other row's score
    again, _ = isolation_forest_flags(train, moved, contamination=0.01, seed=0)
    np.testing.assert_array_equal(scores[:30], again[:30])

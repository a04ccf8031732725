"""How results read on screen: which value a table marks as best (never a value), durations and counts."""
from __future__ import annotations

import numpy as np

from gui.views.metric_rules import MIN_TRADES_TO_RANK, best_mask


def test_the_best_follows_the_direction_of_the_metric_and_ignores_undefined_values():
    values = np.array([1.2, np.nan, 0.8, 0.8])
    assert best_mask(values, "lower").tolist() == [False, False, True, True]
    assert best_mask(values, "higher").tolist() == [True, False, False, False]
    assert not best_mask(values, None).any()


def test_a_per_trade_metric_is_not_won_by_a_single_lucky_trade():
    win_rate, trades = np.array([48.9, 100.0]), np.array([223, 1])  # a strategy, Buy & Hold's one trade
    assert best_mask(win_rate, "higher", trades).tolist() == [True, False]
    too_few = np.array([MIN_TRADES_TO_RANK - 1, 1])
    assert not best_mask(win_rate, "higher", too_few).any()


def test_durations_read_as_words_a_person_would_use():
    from gui.format import count, duration

    assert [duration(s) for s in (0.01, 0.4, 45, 185, 3720)] == ["under 0.1 s", "0.4 s", "45 s", "3 min 05 s",
                                                                 "1 h 02 min"]
    assert (count(1, "epoch"), count(3, "epoch")) == ("1 epoch", "3 epochs")


def test_p_values_intervals_and_endless_track_records_read_plainly():
    from gui.views.metric_rules import format_interval, format_mean_std, format_metric

    assert [format_metric("DM p vs naive", p) for p in (0.0004, 0.0031, 0.41, 1.0)] == \
        ["< 0.001", "0.003", "0.410", "1.000"]
    assert format_metric("MinTRL [bars]", float("inf")) == "∞"  # a Sharpe of 0 or below: no record is long enough
    assert format_metric("MinTRL [bars]", 1234.4) == "1,234" and format_metric("PSR", float("nan")) == "—"
    assert format_mean_std("MinTRL [bars]", float("inf"), 3.0) == "∞"
    assert format_interval(-0.214, 0.9) == "−0.21 … 0.90"
    assert format_interval(float("nan"), 0.9) == "—"

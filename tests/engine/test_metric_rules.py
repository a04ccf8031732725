"""The rules results are read by: which value is best (never a value changed), and how a number reads."""
import numpy as np

from engine.metric_rules import MIN_TRADES_TO_RANK, best_mask, format_interval, format_metric, run_stats_line


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


def test_p_values_intervals_and_endless_track_records_read_plainly():
    assert [format_metric("DM p vs naive", p) for p in (0.0004, 0.0031, 0.41, 1.0)] == \
        ["< 0.001", "0.003", "0.410", "1.000"]
    assert format_metric("MinTRL [bars]", float("inf")) == "∞"  # a Sharpe of 0 or below: no record is long enough
    assert format_metric("MinTRL [bars]", 1234.4) == "1,234" and format_metric("PSR", float("nan")) == "—"
    assert format_interval(-0.214, 0.9) == "−0.21 … 0.90"
    assert format_interval(float("nan"), 0.9) == "—"


def test_a_run_stats_row_reads_as_one_sentence():
    row = {"trials": 3, "effective trials": 2.44, "best model": "gru", "Sharpe Ratio of best": 0.4123, "DSR": 0.35,
           "SPA p vs naive": 0.84, "SPA p vs buy & hold": float("nan")}
    assert run_stats_line(row) == ("Best of 3 trials (2.4 effective): gru, Sharpe 0.412, Deflated Sharpe 0.350; "
                                   "SPA p vs naive 0.840")

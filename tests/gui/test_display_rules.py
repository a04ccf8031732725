"""How results read on screen: durations, counts and numbers averaged over seeds (engine rules: test_metric_rules)."""
from __future__ import annotations


def test_durations_read_as_words_a_person_would_use():
    from gui.format import count, duration

    assert [duration(s) for s in (0.01, 0.4, 45, 185, 3720)] == ["under 0.1 s", "0.4 s", "45 s", "3 min 05 s",
                                                                 "1 h 02 min"]
    assert (count(1, "epoch"), count(3, "epoch")) == ("1 epoch", "3 epochs")


def test_an_endless_track_record_averaged_over_seeds_stays_endless():
    from gui.views.metric_rules import format_mean_std

    assert format_mean_std("MinTRL [bars]", float("inf"), 3.0) == "∞"

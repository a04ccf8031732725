"""Turns: large redraws one per turn of the event loop, in order, the first at once."""
from __future__ import annotations

import time

from gui.turns import PAUSE_MS, Turns


def test_steps_run_in_order_a_pause_apart_and_a_failing_step_stops_none_after_it(qtbot):
    turns, ran = Turns(), []

    def fail():
        ran.append(("fail", time.perf_counter()))
        raise RuntimeError("a step that breaks")

    turns.add(lambda: ran.append(("a", time.perf_counter())), fail)
    assert [name for name, _ in ran] == ["a"] and turns.pending  # the first at once
    turns.add(lambda: ran.append(("b", time.perf_counter())))  # queued behind the others
    with qtbot.captureExceptions() as raised:
        qtbot.waitUntil(lambda: not turns.pending and len(ran) == 3)
    assert [name for name, _ in ran] == ["a", "fail", "b"] and len(raised) == 1
    gaps = [later - earlier for (_, earlier), (_, later) in zip(ran, ran[1:])]
    assert all(gap >= 0.9 * PAUSE_MS / 1000 for gap in gaps)


def test_later_waits_a_pause_even_for_the_first_step_and_flush_runs_the_waiting_ones_now(qtbot):
    turns, ran = Turns(), []
    turns.add(lambda: ran.append("a"), lambda: ran.append("b"), later=True)
    assert ran == [] and turns.pending  # the caller's own drawing is painted first
    qtbot.waitUntil(lambda: ran == ["a"])
    turns.flush()
    assert ran == ["a", "b"] and not turns.pending
    qtbot.wait(3 * PAUSE_MS)
    assert ran == ["a", "b"]  # nothing left to run twice

"""A bound on work that holds in any thread (optviz.util.signals.call_with_time_limit):
it stops work that runs too long, and nothing of it leaks out of the call."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from optviz.util.signals import Interruptible, TimeLimit, call_with_time_limit


def _busy(seconds: float) -> int:
    end, n = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        n += 1
    return n


def test_a_call_that_runs_too_long_is_stopped_in_any_thread():
    outcome = {}

    def work():
        try:
            call_with_time_limit(0.2, _busy, 30)
            outcome["done"] = True
        except TimeLimit:
            outcome["stopped"] = True

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(20)
    assert not thread.is_alive() and outcome == {"stopped": True}
    assert call_with_time_limit(5, _busy, 0.01) > 0  # in time: its result


def test_a_limit_caught_inside_the_call_is_raised_again():
    caught = []

    def stubborn():
        for _ in range(3):
            try:
                _busy(30)
            except TimeLimit:
                caught.append(1)  # code that swallows it does not escape the limit
        _busy(30)

    with pytest.raises(TimeLimit):
        call_with_time_limit(0.1, stubborn)
    assert len(caught) == 3


def test_nothing_leaks_out_of_calls_that_end_as_their_limit_comes():
    # calls ending at the very moment their limit fires, many times over, their
    # exceptions kept (as a test runner keeps them): a limit that landed after its call,
    # or a timer left aiming at this thread, would surface in the work below
    kept, stopped = [], 0
    for k in range(300):
        try:
            call_with_time_limit(0.001 * (k % 5), _busy, 0.001 * (k % 7))
        except TimeLimit:
            kept.append(sys.exc_info())
            stopped += 1
    _busy(1.0)  # twice the repeat interval: any stray limit would arrive here
    assert 0 < stopped < 300


def test_interrupting_reaches_only_calls_under_way():
    threads = Interruptible()
    inside, left = threading.Event(), threading.Event()
    caught = []

    def stay():
        try:
            threads.call(lambda: (inside.set(), _busy(30)))
        except TimeLimit:
            caught.append("inside")
        left.set()
        _busy(0.5)  # an interrupt aimed at it now would fail this thread

    thread = threading.Thread(target=stay)
    thread.start()
    assert inside.wait(10)
    assert threads.interrupt(TimeLimit) == 1
    assert left.wait(10)
    assert threads.interrupt(TimeLimit) == 0  # it left: nothing is aimed at it
    thread.join(20)
    assert not thread.is_alive() and caught == ["inside"]

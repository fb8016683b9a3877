"""Ctrl-C / SIGTERM: the first asks politely (the loop finishes its frame), the second stops at once."""

import os
import signal
import threading

import pytest

from pipeline.run.interrupts import StopRequest


def test_first_signal_is_a_request_with_the_shell_exit_code():
    with StopRequest() as stop:
        assert stop.requested is None
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.requested == signal.SIGTERM
        assert stop.exit_code == 143


def test_second_signal_interrupts_at_once():
    with StopRequest() as stop, pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.exit_code == 130
        os.kill(os.getpid(), signal.SIGINT)


def test_the_previous_handlers_come_back_afterwards():
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with StopRequest():
        assert signal.getsignal(signal.SIGINT) != before[0]
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_outside_the_main_thread_it_installs_nothing():
    before = signal.getsignal(signal.SIGINT)
    seen = []

    def worker():
        with StopRequest() as stop:
            seen.append((signal.getsignal(signal.SIGINT), stop.previous))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [(before, {})]

"""actviz.core.background: work on a thread, or in a forked child, waited for where it is needed."""

import os
import signal
import sys
import threading
import time

import numpy as np
import pytest

from actviz.core import background

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="in_child forks on Linux only")


@pytest.fixture
def single_threaded(monkeypatch):
    # pytest (or an earlier test's daemon thread) may have threads of its own; in_child looks
    # at the count to decide whether a fork is safe
    monkeypatch.setattr(threading, "active_count", lambda: 1)


def _pid_and_handler():
    return os.getpid(), signal.getsignal(signal.SIGINT)


@linux_only
def test_a_child_computes_in_another_process_and_its_result_comes_back(single_threaded):
    result = background.in_child([_pid_and_handler])[0]
    pid, handler = result()
    assert pid != os.getpid()
    assert handler == signal.SIG_IGN  # Ctrl-C is the parent's to decide
    assert result() == (pid, handler)  # asked again: the same answer, no second wait
    assert pid not in background._RUNNING
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped
    big = background.in_child([lambda: np.arange(1_000_000.0)])[0]()  # more than a pipe's buffer
    np.testing.assert_array_equal(big, np.arange(1_000_000.0))


@linux_only
def test_what_the_child_raises_is_raised_by_the_parent(single_threaded):
    def failing():
        raise ValueError("no fixed point")

    result = background.in_child([failing])[0]
    with pytest.raises(ValueError, match="no fixed point"):
        result()

    class Local(Exception):  # cannot be pickled: still reported, by name and message
        pass

    def unpicklable():
        raise Local("nowhere to go")

    with pytest.raises(RuntimeError, match="Local: nowhere to go"):
        background.in_child([unpicklable])[0]()


@linux_only
def test_a_child_that_dies_is_a_clear_error(single_threaded):
    def dying():
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(RuntimeError, match="the probe process ended without a result"):
        background.in_child([dying], "probe")[0]()


@linux_only
def test_the_child_flushes_nothing_of_the_parent(single_threaded, tmp_path):
    # data buffered in the parent at the fork must be written once, by the parent
    with open(tmp_path / "out.txt", "w") as fh:
        fh.write("once\n")
        background.in_child([lambda: fh.write("child\n")])[0]()
    assert (tmp_path / "out.txt").read_text() == "once\n"


def test_beside_other_threads_or_off_linux_the_work_runs_on_a_thread(monkeypatch):
    # a fork beside a running thread could inherit a lock it holds
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        pid, _ = background.in_child([_pid_and_handler])[0]()
        assert pid == os.getpid()
    finally:
        stop.set()
        other.join()
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(sys, "platform", "darwin")
    names = background.in_child([lambda: threading.current_thread().name], "probe")[0]()
    assert names == "probe"


@linux_only
def test_children_left_running_are_killed_at_exit(single_threaded):
    result = background.in_child([lambda: time.sleep(60)])[0]
    (pid,) = background._RUNNING
    os.kill(pid, 0)  # alive
    background._kill_running()
    assert not background._RUNNING
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(RuntimeError, match="ended without a result"):
        result()


def _wait_for(path, seconds=30.0):
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            return "gave up"
        time.sleep(0.01)
    return "released"


@linux_only
def test_a_sequence_hands_each_result_over_as_soon_as_it_is_ready(single_threaded, tmp_path):
    # the second computation waits for a file the parent makes only once it holds the first:
    # were the results sent together at the end, the child would give up waiting
    gate = tmp_path / "gate"

    def failing():
        raise KeyError("first")

    first, second, third = background.in_child(
        [lambda: os.getpid(), lambda: _wait_for(gate), failing], "probe")
    pid = first()
    assert pid != os.getpid() and pid in background._RUNNING
    gate.touch()
    assert second() == "released"
    with pytest.raises(KeyError, match="first"):
        third()
    assert pid not in background._RUNNING  # all delivered: reaped


def test_a_sequence_on_a_thread_gives_the_same(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "platform", "win32")
    gate = tmp_path / "gate"
    first, second = background.in_child([lambda: 1, lambda: _wait_for(gate)])
    assert first() == 1
    gate.touch()
    assert second() == "released"


@linux_only
def test_a_result_that_cannot_be_pickled_is_a_clear_error_and_the_next_still_comes(single_threaded):
    first, second = background.in_child([lambda: (lambda: None), lambda: 2])
    with pytest.raises(RuntimeError, match="cannot send its result"):
        first()
    assert second() == 2

"""Work started on a thread or in a child process of its own, waited for where its result is needed."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def in_background(compute: Callable[[], T], name: str = "actviz-background") -> Callable[[], T]:
    """Start ``compute()`` on a thread of its own; the returned function waits for its result
    (re-raising what it raised). The thread is a daemon: an interrupted command exits without
    waiting for it. Worth it where ``compute`` spends its time in numpy calls that release
    the GIL (large products, random draws)."""
    return _on_a_thread([compute], name)[0]


def _on_a_thread(computes: Sequence[Callable[[], Any]], name: str) -> list[Callable[[], Any]]:
    """``computes`` one after another on one daemon thread; a waiting function for each."""
    outcomes: list[tuple[bool, object]] = []
    ready = [threading.Event() for _ in computes]

    def run() -> None:
        for compute, done in zip(computes, ready, strict=True):
            try:
                outcomes.append((True, compute()))
            except BaseException as exc:  # handed to the waiting thread
                outcomes.append((False, exc))
            done.set()

    threading.Thread(target=run, name=name, daemon=True).start()

    def waiter(k: int) -> Callable[[], Any]:
        def result():
            ready[k].wait()
            ok, value = outcomes[k]
            if not ok:
                raise value  # type: ignore[misc]
            return value

        return result

    return [waiter(k) for k in range(len(computes))]


#: Children of :func:`in_child` not yet reaped: killed when this process exits (after a
#: Ctrl-C, say), so that none outlives the command that started it.
_RUNNING: set[int] = set()


def _kill_running() -> None:
    import signal

    for pid in list(_RUNNING):
        _RUNNING.discard(pid)
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def _can_fork() -> bool:
    # Linux only (macOS's system libraries are not fork-safe), and only a single-threaded
    # process: a child forked beside other threads may inherit a lock one of them held
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


def _send(fd: int, ok: bool, value: object) -> None:
    """One result, length first, through the pipe; what cannot be pickled goes as an error
    naming it."""
    import pickle

    try:
        payload = pickle.dumps((ok, value), pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        what = f"{type(value).__name__}: {value}" if not ok else f"cannot send its result: {exc}"
        payload = pickle.dumps((False, RuntimeError(what)))
    view = memoryview(len(payload).to_bytes(8, "little") + payload)
    while view:
        view = view[os.write(fd, view):]


def in_child(computes: Sequence[Callable[[], Any]], name: str = "actviz-background") -> list[Callable[[], Any]]:
    """Run ``computes`` one after another in one forked child process; a function for each
    waits for its result, pickled back through a pipe as soon as it is ready (re-raising what
    it raised). For pure-Python and numpy work that holds the GIL, which a thread could not
    run beside this process's own; later results go on being computed while the first are
    used.

    The child ignores Ctrl-C (the parent alone decides; SIGINT is held back across the fork
    so the child cannot be interrupted before it ignores it), is killed if this process exits
    without waiting for it, and leaves by ``os._exit``, flushing nothing of the parent's.
    Where a fork is not safe (not Linux, or other threads running), the computations run on
    a thread instead."""
    if not _can_fork():
        return _on_a_thread(computes, name)
    import pickle
    import signal

    read_end, write_end = os.pipe()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pid = os.fork()
    except OSError:  # no room for another process: the thread will do
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        os.close(read_end)
        os.close(write_end)
        return _on_a_thread(computes, name)
    if pid == 0:  # the child
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
            os.close(read_end)
            for compute in computes:
                try:
                    value = compute()
                except BaseException as exc:  # handed to the parent
                    _send(write_end, False, exc)
                else:
                    _send(write_end, True, value)
        finally:
            os._exit(0)
    signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    os.close(write_end)
    if not _RUNNING:
        import atexit

        atexit.unregister(_kill_running)
        atexit.register(_kill_running)
    _RUNNING.add(pid)
    inp = os.fdopen(read_end, "rb")
    received: list[tuple[bool, object]] = []
    lost = (False, RuntimeError(f"the {name} process ended without a result"))

    def reap() -> None:
        inp.close()
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:  # reaped already (killed at exit)
            pass
        _RUNNING.discard(pid)

    def receive(k: int) -> tuple[bool, object]:
        while len(received) <= k and not inp.closed:
            head = inp.read(8)
            body = inp.read(int.from_bytes(head, "little")) if len(head) == 8 else b""
            if not body:  # the child is gone without sending it
                reap()
                break
            received.append(pickle.loads(body))
            if len(received) == len(computes):  # everything is here: the child is done
                reap()
        return received[k] if k < len(received) else lost

    def waiter(k: int) -> Callable[[], Any]:
        def result():
            ok, value = receive(k)
            if not ok:
                raise value  # type: ignore[misc]
            return value

        return result

    return [waiter(k) for k in range(len(computes))]

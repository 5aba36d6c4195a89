"""What bounds the work on one expression: CPU-time deadlines, tree sizes, and the lock.

Hostile input is bounded without signals or timers, so that it works on any thread and nothing
is ever raised inside other code (a weakref callback, a library's half-done update): a deadline
is checked between the symbolic steps, and each step is handed only trees whose size bounds its
cost. A child process that could be killed would be as safe, but the compiled record cannot be
sent back (so the work would be done twice), and starting one and importing sympy there costs
about a second per expression, more than compiling an ordinary one takes.

The deadline of a whole build is :data:`actviz.expr.BUILD_SECONDS`, given by the entry point.
"""

from __future__ import annotations

import os
import threading
import time

#: Seconds of CPU time allowed for searching the kinks of an expression (what is found by then is kept).
KINK_SECONDS = 1.0
#: Most nodes in the tree of f, f' or f'' that is tidied and compiled.
MAX_TREE = 20_000
#: Most nodes in the tree of f' that is differentiated again: f'' can be larger by as many times
#: as a product in f' has factors (f' of a product of 50 sums has 7000 nodes, its f'' 170000).
MAX_DIFF_TREE = 2_500
#: Most nodes in a tree put over one denominator (the cost grows with the square of the fractions).
MAX_TOGETHER_TREE = 2_000
#: The derivative shown by `info` is simplified only when it has at most this many operations,
#: powers of at most SIMPLIFY_POWER and sin, cos of k*x only: sympy's simplify tries many
#: rewrites and its time does not follow the size (f' of (x+1)**1000/(x-1)**999 has 7 operations
#: and takes minutes).
SIMPLIFY_OPS = 40
SIMPLIFY_POWER = 8
#: Highest degree (a bound read off the tree) of a polynomial expanded to look for kinks.
MAX_KINK_DEGREE = 64


class OutOfTime(Exception):
    """The deadline passed; raised by :meth:`Deadline.check` only, between two steps."""


class TooCostly(Exception):
    """A tree too large to hand to the next sympy step; the message says which."""


class Deadline:
    """A budget of CPU time that the symbolic work checks between its own steps.

    It counts the CPU time of the thread doing the work, not the time on the clock: on a busy
    machine (or while other threads hold the interpreter) an ordinary expression is not refused
    for the time it spent waiting, so what is too costly does not depend on the load. It is
    checked on the thread that made it.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.thread_time() + seconds

    def check(self) -> None:
        if time.thread_time() > self.end:
            raise OutOfTime()


def tree_size(e) -> int:
    """Nodes of a sympy tree, a part shared in several places counted at each (as printing,
    ``count_ops`` and ``together`` see it); computed once per distinct part, without recursion."""
    sizes: dict[int, int] = {}
    todo = [(e, False)]
    while todo:
        node, ready = todo.pop()
        if id(node) in sizes:
            continue
        if ready:
            sizes[id(node)] = 1 + sum(sizes[id(a)] for a in node.args)
        else:
            todo.append((node, True))
            todo.extend((a, False) for a in node.args if id(a) not in sizes)
    return sizes[id(e)]


def require_size(e, limit: int, reason: str) -> None:
    """Refuse ``e`` if its tree has more than ``limit`` nodes; ``reason`` has ``{}`` for the limit."""
    if tree_size(e) > limit:
        raise TooCostly(reason.format(limit))


#: sympy is not documented as thread-safe, and the caches here are shared: one expression at a time.
_LOCK = threading.RLock()


def _new_lock() -> None:
    global _LOCK
    _LOCK = threading.RLock()


# a process forked while another thread held the lock would otherwise wait for it forever
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_lock)


def sympy_lock() -> threading.RLock:
    """The lock that the symbolic work holds (a new one in a forked child)."""
    return _LOCK

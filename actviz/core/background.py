"""Work started on a thread of its own, waited for where its result is needed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def in_background(compute: Callable[[], T], name: str = "actviz-background") -> Callable[[], T]:
    """Start ``compute()`` on a thread of its own; the returned function waits for its result
    (re-raising what it raised). The thread is a daemon: an interrupted command exits without
    waiting for it. Worth it where ``compute`` spends its time in numpy calls that release
    the GIL (large products, random draws)."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = compute()
        except BaseException as exc:  # handed to the waiting thread
            box["error"] = exc

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()

    def result() -> T:
        thread.join()
        if "error" in box:
            raise box["error"]  # type: ignore[misc]
        return box["value"]  # type: ignore[return-value]

    return result

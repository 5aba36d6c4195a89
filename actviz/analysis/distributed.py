"""An exhaustive audit's chunks on a Dask distributed cluster (the `dask` extra).

Where one machine is not enough (float32's 4.3e9 values for many activations, or a wider
format's sub-range), ``audit(..., scheduler="tcp://host:8786")`` sends the same chunks the
local threads would run (:func:`~.accuracy.run_chunks`), a few dozen to a task, as
:class:`~.accuracy.ChunkJob` calls, and folds what comes back in chunk order: the result is the local run's, bit for bit. Each
worker needs actviz (and numba, for the compiled path) installed, like the client.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import ActvizError

#: Chunks per Dask task: 16 chunks of 2^18 values, about 4e6 values (a second or so of work),
#: so that the scheduler's overhead per task stays small beside it.
CHUNKS_PER_TASK = 16
#: Seconds to wait for the scheduler to answer before giving up on the address.
CONNECT_TIMEOUT = 10


class SchedulerError(ActvizError):
    """The Dask scheduler could not be reached or used (exit 1)."""


def run_on_dask(address: str, job, pieces: list, fold: Callable, connect_timeout: float | None = None) -> None:
    """Run ``job`` on every piece on the cluster at ``address``, calling ``fold`` on each
    result in the pieces' order; ``connect_timeout`` defaults to :data:`CONNECT_TIMEOUT`, read
    at the call."""
    if connect_timeout is None:
        connect_timeout = CONNECT_TIMEOUT
    from .accuracy import MissingDependencyError

    try:
        from dask.distributed import Client
    except ImportError:
        raise MissingDependencyError(
            "--scheduler needs dask's distributed scheduler, which is not installed "
            "(pip install 'actviz[dask]')"
        ) from None
    try:
        client = Client(address, timeout=connect_timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SchedulerError(f"cannot reach the Dask scheduler at {address!r}: {detail}") from None
    futures = []
    try:
        check = getattr(job, "check_cluster", None)
        if check is not None:  # what the job needs of the workers, before any work
            check(client)
        batches = [pieces[i:i + CHUNKS_PER_TASK] for i in range(0, len(pieces), CHUNKS_PER_TASK)]
        [scattered] = client.scatter([job], broadcast=True)
        futures = client.map(_run_batch, [scattered] * len(batches), batches, pure=False)
        for future in futures:
            for result in future.result():
                fold(result)
    finally:
        for future in futures:
            future.cancel()
        client.close()


def _run_batch(job, pieces):
    """One task: the results of several chunks, in order."""
    return [job(piece) for piece in pieces]

"""The command line's own process: how many threads BLAS may use for small products.

This is set by `actviz signal`, in the process the user started for it and before numpy is
loaded, and never by the library: a program that imports actviz keeps its BLAS as it was.
"""

from __future__ import annotations

import os
import sys

#: The BLAS libraries numpy is built with read these when they load.
_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


def one_blas_thread() -> bool:
    """Have BLAS compute each product on one thread, unless the environment already says how
    many; True where this took effect (numpy not loaded yet).

    The Monte-Carlo network's products (64 inputs × 512 units by 512 × 512 weights, 80 of
    them) take about 1 ms each on one core. Spread over two threads they gain a little on an
    idle machine and lose much on a busy one, where each thread waits on the other: 0.07 s
    on one thread against 0.35 s on two beside another busy process (2 cores).
    """
    if "numpy" in sys.modules:
        return False
    for name in _VARIABLES:
        os.environ.setdefault(name, "1")
    return True

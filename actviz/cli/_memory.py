"""The command line's own process: how its allocator treats the memory of a long audit.

This is set by `actviz accuracy --exhaustive`, in the process the user started for it, and
never by the library: a program that imports actviz keeps its allocator as it was.
"""

from __future__ import annotations

#: glibc's mmap and trim thresholds for an exhaustive audit: its chunks' temporaries (2 MiB
#: each, 8 MiB for the errors of a chunk the compiled judge hands back to Part.of) are then
#: served from the heap and reused instead of mapped afresh each time.
MMAP_THRESHOLD = 16 << 20
TRIM_THRESHOLD = 64 << 20


def keep_freed_memory() -> bool:
    """Have glibc keep and reuse freed chunks instead of unmapping them; True where it did.

    By default every array above 128 KiB is a fresh mmap, unmapped when freed, and the page
    faults of an exhaustive float32 audit then cost about as much again as its arithmetic
    (float32 sigmoid on the benchmark's slice: 55 ns of CPU per value, 28 ns with this).
    Elsewhere than glibc nothing happens.
    """
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's malloc.h
    return bool(mallopt(m_mmap_threshold, MMAP_THRESHOLD)) and bool(mallopt(m_trim_threshold, TRIM_THRESHOLD))

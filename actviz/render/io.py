"""Atomic writes: a temporary file beside the target, then a rename.

An interrupted or failed run never leaves a half-written file, and never destroys the
file that was there before.
"""

from __future__ import annotations

import glob
import os
import sys
import tempfile
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import IO

from ..errors import OptionError, OutputError, UsageError

#: Formats by file suffix.
FIGURE_FORMATS = ("png", "svg", "pdf")
DATA_FORMATS = ("csv", "json", "md")


def format_for(path: str | os.PathLike | None, fmt: str | None, allowed: tuple[str, ...]) -> str | None:
    """The output format: ``fmt`` if given, else the suffix of ``path``; checked against ``allowed``."""
    if fmt:
        fmt = fmt.lower().lstrip(".")
        if fmt not in allowed:
            raise OptionError("format", f"unknown format {fmt!r}; choose one of {', '.join(allowed)}")
        suffix = Path(path).suffix.lower().lstrip(".") if path is not None and str(path) != "-" else ""
        suffix = "md" if suffix == "markdown" else suffix
        if suffix in allowed and suffix != fmt:
            # `--format svg -o x.png` would write an SVG named .png
            raise OptionError("format", f"{{format}} {fmt} does not match the suffix of {str(path)!r}; give one of them")
        return fmt
    if path is None or str(path) == "-":
        return None
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix == "markdown":
        suffix = "md"
    if not suffix:
        raise OptionError("format", f"cannot tell the format of {str(path)!r}: give it a suffix "
                          f"({', '.join('.' + a for a in allowed)}) or name one with {{format}}")
    if suffix not in allowed:
        raise UsageError(f"unknown output suffix '.{suffix}' for {str(path)!r}; use one of {', '.join('.' + a for a in allowed)}")
    return suffix


def check_writable(path: str | os.PathLike) -> Path:
    """Fail early (before any work) when ``path``'s directory is missing or not writable."""
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.exists():
        raise OutputError(f"cannot write {str(target)!r}: directory {str(parent)!r} does not exist")
    if not parent.is_dir():
        raise OutputError(f"cannot write {str(target)!r}: {str(parent)!r} is not a directory")
    if target.is_dir():
        raise OutputError(f"cannot write {str(target)!r}: it is a directory")
    if not os.access(parent, os.W_OK):
        raise OutputError(f"cannot write {str(target)!r}: directory {str(parent)!r} is not writable")
    return target


def atomic_write(path: str | os.PathLike, write: Callable[[IO], None], binary: bool = False) -> Path:
    """Call ``write(fileobj)`` on a temporary file beside ``path``, then rename it over ``path``.

    ``path == "-"`` writes to standard output instead.
    """
    if str(path) == "-":
        if binary:
            write(sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            write(sys.stdout)
            sys.stdout.flush()
        return Path("-")
    target = check_writable(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    except OSError as exc:  # e.g. a read-only or virtual file system such as /proc
        raise OutputError(f"cannot write {str(target)!r}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""})) as fh:
            write(fh)
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {str(target)!r}: {exc.strerror or exc}") from exc
        raise
    return target


def remove_temporaries(path: str | os.PathLike) -> list[Path]:
    """Remove the temporary files that :func:`atomic_write` calls for ``path`` left behind
    when the process making them was killed before it could clean up; returns them."""
    target = Path(path)
    removed = []
    # the names mkstemp gives in atomic_write: ".NAME.<random>.tmp"
    for tmp in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        try:
            tmp.unlink()
        except FileNotFoundError:
            continue
        removed.append(tmp)
    return removed


def write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write(path, lambda fh: fh.write(text))


_PLACED_BY_HAND: weakref.WeakSet = weakref.WeakSet()


def placed_by_hand(fig) -> None:
    """Mark ``fig`` as laid out by hand, with room for its labels: :func:`save_figure` then
    saves it as it stands. (No layout engine: matplotlib gives any engine, even one that does
    nothing, a full extra draw before it prints.)"""
    _PLACED_BY_HAND.add(fig)


def save_figure(fig, path: str | os.PathLike, fmt: str | None = None, dpi: float | None = None) -> Path:
    """Save a matplotlib figure atomically (format from ``fmt`` or the suffix)."""
    fmt = format_for(path, fmt, FIGURE_FORMATS)
    kwargs = {"format": fmt}
    engine = fig.get_layout_engine()
    if fig not in _PLACED_BY_HAND and type(engine).__name__ != "ConstrainedLayoutEngine":
        # constrained layout, or margins set by hand, already fit everything inside the
        # figure; "tight" would cost a second full draw to find the same box
        kwargs["bbox_inches"] = "tight"
    if dpi is not None:
        kwargs["dpi"] = dpi
    import logging

    import matplotlib as mpl

    def write(fh) -> None:
        # TrueType (42), not Type 3 fonts, in PDFs: IEEE/ACM submission checks reject Type 3.
        # fontTools, which subsets them, warns on stderr about the dates in matplotlib's own
        # Computer Modern files (cmsy10.ttf: "'created' timestamp seems very low"), metadata of
        # no use to anyone saving a figure: only its errors are let through.
        fonttools = logging.getLogger("fontTools")
        level = fonttools.level
        fonttools.setLevel(max(level, logging.ERROR))
        try:
            with mpl.rc_context({"pdf.fonttype": 42, "ps.fonttype": 42}):
                fig.savefig(fh, **kwargs)
        finally:
            fonttools.setLevel(level)

    return atomic_write(path, write, binary=True)

"""How accurate is an implementation? Errors in ULPs of f and f' against a reference.

The reference is mpmath (60 digits, through each record's ``mp_reference``) for float64.
For float16, bfloat16 and float32 it is actviz's own float64 result: it is within a few
float64 ULPs of the truth (the float64 audit says how many), which is 2^-29 of a float32
ULP, so it decides the correct rounding except in ties. actviz computes the narrow
dtypes in float64 and rounds once, so its own error there is at most 0.5 ULP — the
audit checks that — while the textbook formula of :mod:`.naive`, computed in the narrow
dtype itself, shows what rounding every step and overflowing early cost.

The ULP is the spacing of the audited dtype at the reference rounded to that dtype
(the smallest subnormal at 0), as in :func:`actviz.analysis.ulp.ulp_error`.

``exhaustive=True`` audits every finite value of the dtype (within ``range`` if given):
63488 float16 values at once; 4,278,190,080 float32 values in chunks of 2^18 bit patterns
spread over threads (numpy releases the GIL inside each operation, so threads use every
core without copying the activation into other processes). Beyond the arithmetic, such a
run spends its time in page faults: glibc hands the chunks' freed temporaries back to the
system and maps them afresh. The library leaves the process's allocator as it is (`actviz
accuracy --exhaustive` sets glibc's thresholds in its own process); a program that runs big
audits can have glibc keep that memory through its environment, e.g.
``GLIBC_TUNABLES=glibc.malloc.mmap_threshold=16777216:glibc.malloc.trim_threshold=67108864``
(float32 sigmoid on the benchmark's slice: 28 ns of CPU per value with, 55 ns without).

Each chunk is summarised where it is computed (:class:`Part`) and the parts are folded in
chunk order, so the result does not depend on what ran them: local threads, or a Dask
cluster (``scheduler=``, :mod:`.distributed`). With numba installed a float32 chunk is judged
in one compiled pass (:mod:`.judge`), to the same bits as the numpy judge here.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ..core.bound import BoundActivation
from ..core.options import check_audit_range, check_dtype, check_points, check_workers
from ..errors import ActvizError, OptionError, UsageError
from ..registry import get
from .counting import ErrorTotals
from .naive import Naive, evaluate_naive, naive_for

#: Default x interval: past ±709.78, where exp overflows in float64.
DEFAULT_RANGE = (-1000.0, 1000.0)
DEFAULT_POINTS = 1201
#: The numerics contract: forward, derivative, in ULPs of the mpmath value.
TOLERANCE = {"float64": (4.0, 8.0)}
#: Narrow dtypes: the float64 result rounded once is within half a ULP.
NARROW_TOLERANCE = (0.5, 0.5)
#: For a gate f = x·g (gelu, silu, mish), f' = g + x·g' is computed to a few ULPs of its
#: terms; where they cancel by more than this factor, (|g| + |x·g'|)/|f'| (a neighbourhood
#: of the zero of f', from the mpmath values), float64 f' is held to the tolerance in ULPs
#: of the terms' size: its relative error there grows without bound whatever is computed.
CANCELLATION = 16.0
#: Exhaustive runs keep per-point curves up to this many points, per-chunk maxima beyond.
CURVE_POINTS = 1 << 17
#: Bit patterns per exhaustive chunk: 16,320 chunks for float32. Large enough that the
#: Python between the compiled steps (about 0.1 ms a chunk, under the GIL) weighs little,
#: small enough that a chunk's arrays (some 12 MB) stay in the processor's cache: 2^16 took
#: 23 % longer over every float32 value, 2^19 7 % and 2^20 twice as long.
CHUNK = 1 << 18
#: An exhaustive float64 audit (mpmath per point) is allowed up to this many values.
MAX_EXHAUSTIVE_F64 = 100_000
#: Every this-many-th value of a chunk is also run through the public API (act(x) in the
#: narrow dtype) and must equal the rounded float64 result used for the whole chunk.
_VERIFY_STRIDE = 61


class MissingDependencyError(ActvizError):
    """An optional package the request needs is not installed (exit 1: the request is
    well-formed, this installation cannot run it)."""


def numpy_dtype(name: str) -> np.dtype:
    """The numpy dtype for a name in :data:`~actviz.core.options.DTYPES`; bfloat16 comes from ml_dtypes."""
    name = check_dtype(name)
    if name == "bfloat16":
        try:
            import ml_dtypes
        except ImportError:
            raise MissingDependencyError(
                "bfloat16 needs the ml_dtypes package, which is not installed (pip install ml_dtypes)"
            ) from None
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)


def _finfo(dt: np.dtype):
    if dt.kind == "f":
        return np.finfo(dt)
    import ml_dtypes

    return ml_dtypes.finfo(dt)


@dataclass(frozen=True)
class Part:
    """One chunk of one series, summarised: what :class:`UlpStats` and a binned
    :class:`Curve` keep of it. Small, so that chunks audited elsewhere (another thread, a
    Dask worker) send only this back, and folding the parts in chunk order gives the same
    result wherever they were computed."""

    count: int = 0
    total: float = 0.0
    max_ulp: float = 0.0
    at: float | None = None
    got: float | None = None
    expected: float | None = None
    nonfinite: int = 0
    overflow: int = 0
    nan: int = 0
    first_nonfinite: float | None = None
    # the chunk's worst point for a binned curve (its first non-finite one, if any)
    worst_x: float | None = None
    worst_err: float | None = None

    @classmethod
    def of(cls, x: np.ndarray, err: np.ndarray, got: np.ndarray, expected,
           all_finite: bool | None = None) -> tuple[Part, int]:
        """The summary of a chunk's errors, and the index of its worst point (``all_finite``:
        whether every error is finite, when the caller knows)."""
        fields: dict = {}
        idx = 0
        if all_finite:
            e, where = err, None
        elif (finite := np.isfinite(err)).all():
            e, where = err, None
        else:
            where = np.flatnonzero(finite)
            e = err[where]
        if e.size:
            k = int(np.argmax(e))
            idx = k if where is None else int(where[k])
            fields.update(max_ulp=float(e[k]), at=float(x[idx]), got=float(got[idx]),
                          expected=float(expected[idx]), total=float(np.sum(e, dtype=np.float64)),
                          count=int(e.size))
        if where is not None:
            bad = ~finite
            g = got[bad].astype(np.float64)
            first = int(np.argmax(bad))
            fields.update(nonfinite=int(bad.sum()), nan=int(np.isnan(g).sum()),
                          overflow=int(np.isinf(g).sum()), first_nonfinite=float(x[first]))
            idx = first
        if err.size:
            fields.update(worst_x=float(x[idx]), worst_err=float(err[idx]))
        return cls(**fields), idx


@dataclass
class UlpStats(ErrorTotals):
    """Errors of one series (ours or naive, f or f') over the audited points.

    ``max_ulp`` and ``mean_ulp`` are over the points where the result is finite or equals
    a non-finite reference; the others are counted in ``nonfinite`` (``overflow``: ±inf,
    ``nan``: NaN).
    """

    def add(self, x: np.ndarray, err: np.ndarray, got: np.ndarray, expected) -> int:
        """Fold in one chunk (``err`` holds ULPs, inf where ``got`` is wrongly non-finite) and
        return the index of the chunk's worst point (its first non-finite one, if any)."""
        part, worst = Part.of(x, err, got, expected)
        self.merge(part)
        return worst

    def merge(self, part: Part) -> None:
        """Fold in one chunk's :class:`Part` (what :meth:`add` folds in, summarised)."""
        self.fold(part)

    def as_dict(self) -> dict:
        return {
            "max_ulp": self.max_ulp,
            "mean_ulp": self.mean_ulp,
            "at": self.at,
            "got": self.got,
            "expected": self.expected,
            "nonfinite": self.nonfinite,
            "overflow": self.overflow,
            "nan": self.nan,
        }


@dataclass
class Curve:
    """ULP error against x for drawing: every point, or each chunk's worst when there are
    too many (``binned``). Non-finite results are inf."""

    x: dict[str, list] = field(default_factory=dict)
    err: dict[str, list] = field(default_factory=dict)
    binned: bool = False

    def add(self, key: str, x: np.ndarray, err: np.ndarray, worst: int) -> None:
        """Add a chunk's points, or only its ``worst`` when binned."""
        if err.size == 0:
            return
        if self.binned:
            # copies, not views: a view would keep the whole chunk's arrays alive
            self.x.setdefault(key, []).append(float(x[worst]))
            self.err.setdefault(key, []).append(float(err[worst]))
            return
        self.x.setdefault(key, []).append(np.asarray(x, dtype=np.float64))
        self.err.setdefault(key, []).append(np.asarray(err, dtype=np.float64))

    def add_part(self, key: str, part: Part) -> None:
        """Add a chunk's worst point from its summary (binned curves only)."""
        if part.worst_x is not None:
            self.x.setdefault(key, []).append(part.worst_x)
            self.err.setdefault(key, []).append(part.worst_err)

    def series(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        if key not in self.x:
            return np.empty(0), np.empty(0)
        if self.binned:
            return np.array(self.x[key], dtype=np.float64), np.array(self.err[key], dtype=np.float64)
        return np.concatenate(self.x[key]), np.concatenate(self.err[key])


@dataclass
class AuditResult:
    """One activation audited in one dtype."""

    spec: str
    dtype: str
    points: int
    exhaustive: bool
    range: tuple[float, float] | None
    reference: str
    forward: UlpStats
    derivative: UlpStats
    naive: Naive | None
    naive_forward: UlpStats | None
    naive_derivative: UlpStats | None
    tolerance: tuple[float, float]
    curve: Curve
    seconds: float
    workers: int = 1
    # a gate's f' in plain ULPs (``derivative`` holds it to its terms' size where they cancel)
    derivative_raw: UlpStats | None = None

    @property
    def passed(self) -> bool:
        """Whether actviz's own f and f' are within the tolerance everywhere audited."""
        return (
            self.forward.max_ulp <= self.tolerance[0]
            and self.derivative.max_ulp <= self.tolerance[1]
            and self.forward.nonfinite == 0
            and self.derivative.nonfinite == 0
        )

    def as_dict(self) -> dict:
        naive = None
        if self.naive is not None:
            naive = {
                "formula": self.naive.text,
                "derivative_formula": self.naive.derivative_text,
                "forward": self.naive_forward.as_dict(),
                "derivative": self.naive_derivative.as_dict(),
                "nonfinite": self.naive_forward.nonfinite + self.naive_derivative.nonfinite,
            }
        return {
            "spec": self.spec,
            "dtype": self.dtype,
            "points": self.points,
            "exhaustive": self.exhaustive,
            "range": list(self.range) if self.range else None,
            "reference": self.reference,
            "forward": self.forward.as_dict(),
            "derivative": self.derivative.as_dict(),
            "derivative_raw": None if self.derivative_raw is None else {
                **self.derivative_raw.as_dict(), "cancellation": CANCELLATION},
            "naive": naive,
            "tolerance": {"forward": self.tolerance[0], "derivative": self.tolerance[1]},
            "passed": self.passed,
            "seconds": self.seconds,
        }


# -- the x to audit -------------------------------------------------------------------------


def audit_grid(lo: float, hi: float, points: int, kinks: tuple[float, ...] = ()) -> np.ndarray:
    """``points`` x spaced evenly in asinh(x): even near 0 and geometric in the tails, so one
    grid covers [-1000, 1000] from the core to the overflow region; plus the kinks and a
    ladder of tiny magnitudes (down to the smallest subnormal) inside [lo, hi]."""
    points = check_points(points)
    lo_f = max(lo, -np.finfo(np.float64).max)
    hi_f = min(hi, np.finfo(np.float64).max)
    x = np.sinh(np.linspace(np.arcsinh(lo_f), np.arcsinh(hi_f), points))
    x[0], x[-1] = lo_f, hi_f
    tiny = np.array([5e-324, 1e-310, 1e-300, 1e-200, 1e-100, 1e-30, 1e-15, 1e-8])
    extra = np.concatenate([tiny, -tiny, [0.0], np.asarray(kinks, dtype=np.float64)])
    extra = extra[(extra >= lo) & (extra <= hi)]
    return np.unique(np.concatenate([x, extra]))


def _ordinal_bounds(lo: float, hi: float, dt: np.dtype) -> list[tuple[int, int]]:
    """Bit-pattern intervals [a, b) holding every finite value of ``dt`` in [lo, hi]."""
    fi = _finfo(dt)
    bits = dt.itemsize * 8
    sign = 1 << (bits - 1)
    utype = np.dtype(f"uint{bits}")
    big = float(fi.max)

    def pattern(v: float) -> int:
        return int(np.array(v, dtype=dt).view(utype))

    def down(v: float) -> float:  # largest dtype value <= v (v >= 0)
        r = float(np.array(v, dtype=dt).astype(np.float64))
        return r if r <= v else float(np.nextafter(np.array(r, dtype=dt), np.array(0, dtype=dt)).astype(np.float64))

    def up(v: float) -> float:  # smallest dtype value >= v (v >= 0)
        r = float(np.array(v, dtype=dt).astype(np.float64))
        return r if r >= v else float(np.nextafter(np.array(r, dtype=dt), np.array(big, dtype=dt)).astype(np.float64))

    out = []
    lo_c, hi_c = max(lo, -big), min(hi, big)
    if hi_c >= 0 and lo_c <= hi_c:  # positives (and +0)
        a = up(lo_c if lo_c > 0 else 0.0)  # not max(): max(-0.0, 0.0) is -0.0
        b = down(hi_c)
        if a <= b:
            out.append((pattern(a), pattern(b) + 1))
    if lo_c <= 0 and lo_c <= hi_c:  # negatives (and -0): magnitudes in [max(-hi, 0), -lo]
        a = up(-hi_c if hi_c < 0 else 0.0)
        b = down(-lo_c)
        if a <= b:
            out.append((sign | pattern(a), (sign | pattern(b)) + 1))
    return out


def _chunks(bounds: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    for a, b in bounds:
        for start in range(a, b, CHUNK):
            yield start, min(start + CHUNK, b)


def _values(dt: np.dtype, start: int, stop: int) -> np.ndarray:
    bits = dt.itemsize * 8
    utype = np.dtype(f"uint{bits}")
    x = np.arange(stop - start, dtype=utype)
    x += utype.type(start)
    x = x.view(dt)
    # the non-finite patterns (exponent all ones) are the top 2^nmant of each sign's half
    top = 1 << int(_finfo(dt).nmant)
    if not any(start < h and stop > h - top for h in (1 << (bits - 1), 1 << bits)):
        return x
    finite = np.isfinite(x.astype(np.float64)) if dt.kind != "f" else np.isfinite(x)
    return x if finite.all() else x[finite]


# -- errors ---------------------------------------------------------------------------------


def round_once(x64: np.ndarray, dt: np.dtype) -> np.ndarray:
    """float64 values rounded once (to nearest, ties to even) to ``dt``.

    numpy's casts to float16/float32 do that. ml_dtypes casts float64 to bfloat16 through
    float32 and so rounds twice (1 + 2^-8 + 2^-40 becomes 1, not 1 + 2^-7); rounding to
    float32 *to odd* first (truncate, and set the last bit if anything was dropped) keeps
    the one correct rounding, float32 having 16 bits more than bfloat16.
    """
    with np.errstate(all="ignore"):  # values beyond the dtype's range round to inf, silently
        if dt.kind == "f":
            return x64.astype(dt)
        r = x64.astype(np.float32)
        r64 = r.astype(np.float64)
        dropped = (r64 != x64) & np.isfinite(x64)
        bits = r.view(np.uint32).copy()
        bits[dropped & (np.abs(r64) > np.abs(x64))] -= 1  # one step towards 0: truncation
        bits[dropped] |= 1
        return bits.view(np.float32).astype(dt)


@dataclass(frozen=True)
class _Layout:
    """Where a narrow dtype keeps its exponent, to read each value's ULP off its bits."""

    uint: np.dtype
    nmant: int
    mask: int
    # float64 exponent field of 2^(e - bias - nmant) is e + shift
    shift: int

    @classmethod
    def of(cls, dt: np.dtype) -> _Layout:
        fi = _finfo(dt)
        bias = 1 - int(fi.minexp)
        return cls(np.dtype(f"uint{dt.itemsize * 8}"), int(fi.nmant), (1 << int(fi.iexp)) - 1, 1023 - bias - int(fi.nmant))


def _spacing(rounded: np.ndarray, lay: _Layout) -> np.ndarray:
    """The ULP of each value of a narrow dtype, as float64.

    A value with biased exponent e has ULP 2^(max(e, 1) - bias - nmant) (subnormals share
    the smallest normal's), built directly as float64 bits: a few integer operations
    instead of frexp/ldexp, which made this the slowest step of an exhaustive float32 run.
    """
    e = (rounded.view(lay.uint) >> lay.nmant).astype(np.int64) & lay.mask
    np.maximum(e, 1, out=e)
    e += lay.shift
    e <<= 52
    return e.view(np.float64)


def _ulp_narrow(got: np.ndarray, ref: np.ndarray, rounded: np.ndarray, spacing: np.ndarray) -> np.ndarray:
    """|got - ref| / ulp(rounded) for a narrow dtype, with ``ref`` float64, ``rounded`` = ref
    rounded to the dtype and ``spacing`` its ULPs (:func:`_spacing`); inf where ``got`` is
    non-finite and differs from ``rounded``, 0 where it equals it.

    Each point's error depends on that point alone, not on whether the chunk holds a
    non-finite one: a finite ``got`` is judged by |got - ref| / ulp even where ``rounded`` is inf.
    """
    err = got.astype(np.float64)
    with np.errstate(all="ignore"):
        err -= ref
        np.abs(err, out=err)
        err /= spacing
    if np.isfinite(err).all():  # then every got is finite: nothing below would change
        return err
    g64, r64 = got.astype(np.float64), rounded.astype(np.float64)
    same = (g64 == r64) | (np.isnan(g64) & np.isnan(r64))
    return np.where(np.isfinite(g64), err, np.where(same, 0.0, np.inf))


def _narrow_chunk(act: BoundActivation, naive: Naive | None, x: np.ndarray, lay: _Layout, public: bool):
    """(x64, [(key, err, got, expected)]) for one chunk of narrow-dtype x."""
    x64 = x.astype(np.float64)
    # (results beyond the dtype's range round to inf, as they should: no warning for that)
    with np.errstate(all="ignore"):
        ref_f, ref_d = act.evaluate(x64, (0, 1))
        ours_f, ours_d = round_once(ref_f, x.dtype), round_once(ref_d, x.dtype)
        if public:
            # what act(x) returns in this dtype must be that rounded float64 result
            sub = x[::_VERIFY_STRIDE]
            pf, pd = act.evaluate(sub, (0, 1))
            for mine, theirs in ((ours_f[::_VERIFY_STRIDE], pf), (ours_d[::_VERIFY_STRIDE], pd)):
                if not np.array_equal(mine, theirs, equal_nan=True):
                    ours_f, ours_d = act.evaluate(x, (0, 1))
                    break
    sp_f, sp_d = _spacing(ours_f, lay), _spacing(ours_d, lay)
    out = [
        ("forward", _ulp_narrow(ours_f, ref_f, ours_f, sp_f), ours_f, ref_f),
        ("derivative", _ulp_narrow(ours_d, ref_d, ours_d, sp_d), ours_d, ref_d),
    ]
    if naive is not None:
        nf, nd = evaluate_naive(naive, act, x)
        out.append(("naive_forward", _ulp_narrow(nf, ref_f, ours_f, sp_f), nf, ref_f))
        out.append(("naive_derivative", _ulp_narrow(nd, ref_d, ours_d, sp_d), nd, ref_d))
    return x64, out


_KEYS = ("forward", "derivative", "naive_forward", "naive_derivative")


def _judged_chunk(act: BoundActivation, naive: Naive | None, x: np.ndarray):
    """[(key, Part)] of one float32 chunk with the compiled judge (:mod:`.judge`).

    Here ``act(x)`` in float32 is by construction the float64 result rounded once: the
    chunk's float32 and float64 values, being as many, take the same path, and both paths
    compute in float64 and round once (a compiled kernel on store, the numpy path with
    numpy's cast; tests/test_accuracy_audit.py holds every catalogue entry to it). So,
    unlike the numpy judge, this one does not call the public API again on a sample of the
    chunk (a call that small takes the numpy path, where the chunk took the kernel).
    """
    from . import judge

    x64 = x.astype(np.float64)
    with np.errstate(all="ignore"):
        ref_f, ref_d = act.evaluate(x64, (0, 1))
    if naive is not None:
        nf, nd = evaluate_naive(naive, act, x)
    else:
        nf = nd = np.empty(0, dtype=x.dtype)
    keys = _KEYS[: 4 if naive is not None else 2]
    stats = np.empty((4, 3))
    if judge.summarise_float32(ref_f, ref_d, nf, nd, stats):
        refs = (ref_f, ref_d, ref_f, ref_d)
        out = []
        for s, key in enumerate(keys):
            total, worst, k = stats[s, 0], float(stats[s, 1]), int(stats[s, 2])
            got = float(nf[k] if s == 2 else nd[k] if s == 3 else np.float32(refs[s][k]))
            at = float(x64[k])
            out.append((key, Part(count=x.size, total=float(total), max_ulp=worst, at=at, got=got,
                                  expected=float(refs[s][k]), worst_x=at, worst_err=worst)))
        return out
    ours_f, ours_d = np.empty_like(x), np.empty_like(x)
    err = np.empty((4, x.size))
    bad = np.empty(4, dtype=np.int64)
    judge.judge_float32(ref_f, ref_d, nf, nd, ours_f, ours_d, err, bad)
    series = ((ours_f, ref_f), (ours_d, ref_d), (nf, ref_f), (nd, ref_d))
    return [(key, Part.of(x64, err[s], got, ref, all_finite=not bad[s])[0])
            for s, (key, (got, ref)) in enumerate(zip(keys, series, strict=False))]


@dataclass(frozen=True)
class ChunkJob:
    """One exhaustive audit's work on a chunk of bit patterns [start, stop): the same
    function for the local threads and for a Dask worker, so both give the same parts.

    Called on ``(start, stop)``, it returns ``(values, result)``: with ``binned``,
    ``result`` is ``[(series key, Part)]``; otherwise the chunk's own arrays,
    ``(x64, [(key, err, got, expected)])``, for a curve of every point.
    """

    act: BoundActivation
    dtype: str
    binned: bool

    def __call__(self, piece: tuple[int, int]):
        dt = numpy_dtype(self.dtype)
        x = _values(dt, *piece)
        if not x.size:
            return 0, [] if self.binned else (x.astype(np.float64), [])
        naive = naive_for(self.act)
        lay = _Layout.of(dt)
        if self.binned and dt == np.float32 and _compiled_judge():
            return x.size, _judged_chunk(self.act, naive, x)
        x64, series = _narrow_chunk(self.act, naive, x, lay, dt.kind == "f")
        if not self.binned:
            return x.size, (x64, series)
        return x.size, [(key, Part.of(x64, err, got, expected)[0]) for key, err, got, expected in series]


def _compiled_judge() -> bool:
    from ..numerics import fast

    return fast.enabled()


def _mp_reference(act: BoundActivation, x64: np.ndarray):
    from .ulp import mp_values

    ref = act.record.mp_reference
    if act.variant is not None and act.variant.functions:
        ref = act.variant.mp_reference  # a definition of its own: its own reference, if it has one
    if ref is None:
        raise UsageError(
            f"{act.spec} has no mpmath reference for a float64 audit; audit it in float32 or "
            "float16, whose reference is the float64 result"
        )
    ref_f, ref_d = mp_values(ref, x64, **act.params)
    # at a kink the derivative is a convention (this preset's), not something to measure
    for k, v in act.kink_derivatives().items():
        for i in np.flatnonzero(x64 == k):
            ref_d[i] = type(ref_d[i])(v)
    return ref_f, ref_d


def _cancellation(x: np.ndarray, ref_f, ref_d) -> np.ndarray:
    """(|g| + |x·g'|)/|f'| for a gate f = x·g, from the mpmath values: g = f/x and
    x·g' = f' - g (1 where nothing cancels, and at x = 0 or f' = 0 taken as no cancellation
    beyond what f' = 0 itself means)."""
    out = np.ones(x.size)
    for i, (xi, f, d) in enumerate(zip(x, ref_f, ref_d, strict=True)):
        if xi != 0 and d != 0:
            g = f / xi
            out[i] = float((abs(g) + abs(d - g)) / abs(d))
    return out


def _float64_chunk(act: BoundActivation, naive: Naive | None, x64: np.ndarray):
    from .ulp import ulp_error

    ref_f, ref_d = _mp_reference(act, x64)
    with np.errstate(all="ignore"):
        ours_f, ours_d = act.evaluate(x64, (0, 1))
    # the references rounded to float64: ±inf where the true value is beyond the largest float
    exp_f = np.array([float(v) for v in ref_f])
    exp_d = np.array([float(v) for v in ref_d])

    def ulps(got, ref, rounded):
        err = ulp_error(got, ref)
        # an overflowing true value is correctly rounded to the infinity of its sign
        return np.where(np.isinf(rounded) & (got == rounded), 0.0, err)

    err_d = ulps(ours_d, ref_d, exp_d)
    out = [("forward", ulps(ours_f, ref_f, exp_f), ours_f, exp_f)]
    if act.record.gate:
        cond = _cancellation(x64, ref_f, ref_d)
        held = cond > CANCELLATION
        out.append(("derivative", np.where(held, err_d / cond, err_d), ours_d, exp_d))
        out.append(("derivative_raw", err_d, ours_d, exp_d))
    else:
        out.append(("derivative", err_d, ours_d, exp_d))
    if naive is not None:
        nf, nd = evaluate_naive(naive, act, x64)
        out.append(("naive_forward", ulps(nf, ref_f, exp_f), nf, exp_f))
        out.append(("naive_derivative", ulps(nd, ref_d, exp_d), nd, exp_d))
    return x64, out


# -- the audit ------------------------------------------------------------------------------


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def count_values(dtype: str, range_: tuple[float, float] | None = None) -> int:
    """How many finite values of ``dtype`` lie in ``range_`` (all of them without one)."""
    dt = numpy_dtype(dtype)
    lo, hi = range_ if range_ else (-math.inf, math.inf)
    return sum(b - a for a, b in _ordinal_bounds(lo, hi, dt))


def check_exhaustive(dtype: str, range_: tuple[float, float] | None) -> None:
    """An exhaustive audit in ``dtype`` over ``range_`` is one mpmath can finish: any narrow
    dtype, float64 only over a range of at most :data:`MAX_EXHAUSTIVE_F64` values."""
    if check_dtype(dtype) != "float64":
        return
    n = count_values("float64", range_) if range_ else None
    if n is None or n > MAX_EXHAUSTIVE_F64:
        raise OptionError(
            "exhaustive",
            "{exhaustive} takes float16, bfloat16 or float32 (float64 has 1.8e19 values), or a "
            f"float64 {{range}} holding at most {MAX_EXHAUSTIVE_F64:,} values"
            + (f", not {n:,}" if n is not None else ""),
            ("range",),
        )


def check_scheduler(scheduler: str, dtype: str, exhaustive: bool) -> None:
    """A Dask scheduler serves the chunked audit: an exhaustive one of a narrow dtype."""
    if not exhaustive or check_dtype(dtype) == "float64":
        raise OptionError("scheduler", "{scheduler} runs the chunks of an exhaustive float32, float16 or "
                          "bfloat16 audit ({exhaustive})", ("exhaustive",))
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise OptionError("scheduler", "{scheduler} takes a Dask scheduler address such as tcp://host:8786")


def audit(
    act: BoundActivation | str,
    dtype: str = "float64",
    range: tuple[float, float] | None = None,
    points: int = DEFAULT_POINTS,
    exhaustive: bool = False,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    scheduler: str | None = None,
) -> AuditResult:
    """Audit ``act``'s f and f' in ``dtype`` (see the module docstring).

    ``range`` limits x (default :data:`DEFAULT_RANGE`, or every finite value when
    exhaustive); ``points`` is the grid size when not exhaustive; ``progress(done, total)``
    is called as exhaustive chunks finish. ``scheduler``, a Dask distributed address
    (``tcp://host:port``), runs an exhaustive audit's chunks on that cluster instead of
    local threads: the same chunks, folded in the same order, so the same result bit for bit.
    """
    started = time.perf_counter()
    act = get(act).elementwise
    name = check_dtype(dtype)
    dt = numpy_dtype(name)
    range = check_audit_range(range)
    naive = naive_for(act)
    workers = default_workers() if workers is None else check_workers(workers)
    if scheduler is not None:
        check_scheduler(scheduler, name, exhaustive)
    stats = {k: UlpStats() for k in ("forward", "derivative", "derivative_raw", "naive_forward",
                                     "naive_derivative")}

    if name == "float64":
        if exhaustive:
            check_exhaustive(name, range)
            x = np.concatenate([_values(dt, a, b) for a, b in _chunks(_ordinal_bounds(*range, dt))])
        else:
            lo, hi = range or DEFAULT_RANGE
            x = audit_grid(lo, hi, points, act.kinks)
        tolerance = TOLERANCE["float64"]
        reference = "mpmath, 60 digits"
        batches: list[np.ndarray] = [x]
        narrow = None
    else:
        fi = _finfo(dt)
        tolerance = NARROW_TOLERANCE
        reference = "actviz float64 result"
        narrow = _Layout.of(dt)
        if exhaustive:
            bounds = _ordinal_bounds(*(range or (-math.inf, math.inf)), dt)
            batches = None
        else:
            lo, hi = range or DEFAULT_RANGE
            big = float(fi.max)
            grid = audit_grid(max(lo, -big), min(hi, big), points, act.kinks)
            with np.errstate(over="ignore"):
                x = np.unique(grid.astype(dt).astype(np.float64))
            x = x[(x >= lo) & (x <= hi)].astype(dt)  # rounding may have stepped outside
            batches = [x]
    if (batches is None and not bounds) or (batches is not None and not sum(b.size for b in batches)):
        lo, hi = range or DEFAULT_RANGE
        raise UsageError(f"no finite {name} value lies in the range [{lo:g}, {hi:g}]")

    public = dt.kind == "f"  # the registry takes float16/32/64, not ml_dtypes' bfloat16

    def run(x: np.ndarray):
        if narrow is None:
            return _float64_chunk(act, naive, x)
        return _narrow_chunk(act, naive, x, narrow, public)

    if batches is not None:
        n_points = int(sum(b.size for b in batches))
        curve = Curve(binned=False)
        for b in batches:
            x64, series = run(b)
            for key, err, got, expected in series:
                curve.add(key, x64, err, stats[key].add(x64, err, got, expected))
        if progress:
            progress(n_points, n_points)
    else:
        pieces = list(_chunks(bounds))
        curve = Curve(binned=sum(b - a for a, b in pieces) > CURVE_POINTS)
        n_points = 0

        def fold(result):
            nonlocal n_points
            size, res = result
            n_points += size
            if curve.binned:
                for key, part in res:
                    stats[key].merge(part)
                    curve.add_part(key, part)
            else:
                x64, series = res
                for key, err, got, expected in series:
                    curve.add(key, x64, err, stats[key].add(x64, err, got, expected))

        run_chunks(ChunkJob(act, name, curve.binned), pieces, fold, workers, progress, scheduler)

    return AuditResult(
        spec=act.spec,
        dtype=name,
        points=n_points,
        exhaustive=exhaustive,
        range=range if range is not None else (None if exhaustive else DEFAULT_RANGE),
        reference=reference,
        forward=stats["forward"],
        derivative=stats["derivative"],
        # a gate's f' in plain ULPs, where derivative holds it to its terms' size
        derivative_raw=stats["derivative_raw"] if stats["derivative_raw"].count else None,
        naive=naive,
        naive_forward=stats["naive_forward"] if naive else None,
        naive_derivative=stats["naive_derivative"] if naive else None,
        tolerance=tolerance,
        curve=curve,
        seconds=time.perf_counter() - started,
        workers=workers if batches is None else 1,
    )


# -- the chunked machinery: this audit's, and the implementation audit's (impl_audit) -------


def exhaustive_pieces(dtype: str, range_: tuple[float, float] | None = None) -> list[tuple[int, int]]:
    """The chunks of bit patterns [start, stop) that hold every finite value of ``dtype`` in
    ``range_`` (all of them without one), :data:`CHUNK` patterns at most each."""
    dt = numpy_dtype(dtype)
    return list(_chunks(_ordinal_bounds(*(range_ or (-math.inf, math.inf)), dt)))


def piece_values(dtype: str, piece: tuple[int, int]) -> np.ndarray:
    """The finite values of ``dtype`` whose bit patterns are in ``piece``, in pattern order."""
    return _values(numpy_dtype(dtype), *piece)


def run_chunks(
    job: Callable,
    pieces: list[tuple[int, int]],
    fold: Callable,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    scheduler: str | None = None,
) -> None:
    """``fold(job(piece))`` for every piece of bit patterns [start, stop), folded in the
    pieces' order whatever ran them (so ties for the worst x resolve the same way, and the
    result is the same bit for bit): ``job`` on ``workers`` threads with a bounded window of
    pending chunks, so that memory stays flat, or on the Dask cluster at ``scheduler``
    (:mod:`.distributed`; ``job`` must pickle). ``progress(done, total)``, in bit patterns,
    is called after each fold."""
    total = sum(b - a for a, b in pieces)
    spans = (b - a for a, b in pieces)  # in fold order
    done = 0

    def step(result) -> None:
        nonlocal done
        fold(result)
        done += next(spans)
        if progress:
            progress(done, total)

    if scheduler is not None:
        from .distributed import run_on_dask

        run_on_dask(scheduler, job, pieces, step)
        return
    if workers == 1 or len(pieces) == 1:
        for piece in pieces:
            step(job(piece))
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        window = workers * 4
        pending = []
        try:
            for piece in pieces:
                pending.append(pool.submit(job, piece))
                if len(pending) >= window:
                    step(pending.pop(0).result())
            while pending:
                step(pending.pop(0).result())
        except BaseException:
            for f in pending:
                f.cancel()
            raise

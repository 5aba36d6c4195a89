"""The accuracy of other implementations: torch, jax, TensorFlow, Keras, the textbook formula,
the user's own, and actviz itself, judged by one set of rules.

Each implementation (:mod:`.implementations`) is called on arrays of the audited dtype, its
f and its f' through its own autograd, and each result is judged by the rules of
:mod:`.counting` (JAX's published convention) against the reference:

- **float64**: mpmath at 60 digits (the record's ``mp_reference``), as a float64 pair hi + lo;
- **float32, float16, bfloat16**: the target is the correctly rounded value of the exact
  function. actviz's float64 result is within a few float64 ULPs of the truth (4 for f and
  8 for f' where the record is held to ULPs), about 2^-29 of a float32 ULP, so it gives each
  error to that accuracy and decides the correct rounding everywhere except next to a
  rounding boundary (a midpoint between two values of the dtype, or the overflow threshold).
  Where it lies within :data:`MARGIN` float64 ULPs of one (of the terms' size, for a gate's
  f' = g + x·g', which cancels near its zero), mpmath decides those points instead
  (``mpmath_decided``); without an mpmath reference (a preset's own definition, a plugin)
  they are counted as ``undecided`` and the float64 error stands. The ULP is that of the
  reference's binade (JAX's rule); at the points where float64 and the truth straddle a
  power of two, an error above 1/2 ULP may read twice or half what it is.

At a kink the derivative's reference is the implementation's own convention (the preset's,
as measured by the conformance tests; for Keras 3 on another backend than TensorFlow, that
backend's): a convention is not an accuracy. Besides the finite values, f and f' at -inf,
+inf and NaN are compared with the reference's (limits, and NaN propagating): ``specials``.

``exhaustive=True`` takes every finite value of the dtype (in ``range`` if given): 16-bit
dtypes at once, float32 in chunks on ``workers`` threads: :func:`.accuracy.run_chunks`, the
runner of actviz's own exhaustive audit, folding in chunk order and reporting ``progress``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..core.bound import BoundActivation
from ..core.options import check_audit_range, check_dtype, check_points, check_workers
from ..errors import UsageError
from ..registry import get
from . import accuracy as acc
from .counting import Format, Judged, Tally, XBins, inverse_ulp, judge
from .implementations import CallFailed, Implementation, parse_implementation

#: float64 ULPs (of the value, or of a gate's terms) within which actviz's float64 result is
#: taken not to decide the rounding: 8 times the contract's bound for f'.
MARGIN = 64.0
#: Bins over x for the counts by x and the figure.
X_BINS = 120
#: The special inputs compared besides the finite values.
SPECIALS = (-math.inf, math.inf, math.nan)


@dataclass
class ImplAuditResult:
    """One implementation of one activation audited in one dtype."""

    # the reference the implementation is judged against (a framework's preset), and its label
    spec: str
    label: str
    implementation: str
    title: str
    call: str
    derivative_call: str
    version: str | None
    dtype: str
    points: int
    exhaustive: bool
    range: tuple[float, float] | None
    reference: str
    ftz: bool
    forward: Tally
    derivative: Tally | None
    xbins: XBins
    # f and f' at -inf, +inf and NaN: {"-inf": {"f": {got, expected, agree}, "df": ...}, ...}
    specials: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # why the implementation could not be audited (its call failed), else None
    error: str | None = None
    seconds: float = 0.0
    workers: int = 1

    def as_dict(self) -> dict:
        return {
            "spec": self.spec,
            "implementation": {
                "name": self.implementation,
                "title": self.title,
                "call": self.call,
                "derivative": self.derivative_call,
                "version": self.version,
            },
            "dtype": self.dtype,
            "points": self.points,
            "exhaustive": self.exhaustive,
            "range": list(self.range) if self.range else None,
            "reference": self.reference,
            "ftz": self.ftz,
            "forward": self.forward.as_dict() if self.error is None else None,
            "derivative": self.derivative.as_dict() if self.derivative is not None and self.error is None else None,
            "specials": self.specials,
            "notes": list(self.notes),
            "error": self.error,
            "seconds": self.seconds,
        }


# -- the reference ---------------------------------------------------------------------------


def _mp_pairs(fn, x64: np.ndarray, params: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """mpmath's (f, f') at each x as float64 pairs hi + lo."""
    import mpmath as mp

    from .ulp import MP_DPS, MP_LOCK, mp_values

    out = []
    with MP_LOCK:  # the exhaustive audit's chunks run on threads; mpmath's precision is global
        rf, rd = mp_values(fn, x64, **params)
        for vals in (rf, rd):
            hi = np.array([float(v) for v in vals])
            with mp.workdps(MP_DPS):
                lo = np.array([float(v - mp.mpf(h)) if math.isfinite(h) else 0.0
                               for v, h in zip(vals, hi, strict=True)])
            out += [hi, lo]
    return tuple(out)


def _has_mp(ref: BoundActivation) -> bool:
    return ref.record.mp_reference is not None and not (ref.variant is not None and ref.variant.functions)


def _ambiguous(hi_f, hi_d, x64, fmt: Format, gate: bool) -> tuple[np.ndarray, np.ndarray]:
    """Where actviz's float64 f and f' may not decide the rounding (see the module docstring):
    within MARGIN float64 ULPs of a midpoint between two values of the format. In units of
    the format's ULP at hi, |hi|/ulp - floor(|hi|/ulp) is ½ at a midpoint (the overflow
    threshold is the one above the largest value); the margin is MARGIN·2^-52 of |hi|, or of
    a gate's terms |g| + |x·g'| for its f' (g = f/x)."""
    eps = MARGIN * 2.0**-52
    out = []
    with np.errstate(all="ignore"):  # inf and NaN give NaN here, which is never near
        for k, hi in enumerate((hi_f, hi_d)):
            inv = inverse_ulp(hi, fmt)
            t = np.abs(hi) * inv  # exact: a power of two
            if k == 1 and gate:
                g = hi_f / x64  # NaN or inf at x = 0, where fmax keeps |f'| (f'(0) = g(0) cancels nothing)
                scale = np.abs(hi - g)
                scale += np.abs(g)
                scale = np.fmax(scale, np.abs(hi))
                scale *= inv
            else:
                scale = t
            frac = t - np.floor(t)
            frac -= 0.5
            out.append(np.abs(frac) <= eps * scale)
    return out[0], out[1]


@dataclass(frozen=True)
class _Plan:
    """Everything a chunk needs, fixed before the first one runs."""

    ref: BoundActivation
    dtype: str
    fmt: Format
    xbins: XBins
    ftz: bool
    kinks: dict  # x -> f' of the implementation's convention, beyond the reference preset's


class _Chunk:
    """One chunk's tallies (f, f'), what the folding adds up."""

    def __init__(self, bins: int, derivative: bool):
        self.f = Tally(bins=bins)
        self.d = Tally(bins=bins) if derivative else None
        self.size = 0


def _reference(plan: _Plan, x: np.ndarray, x64: np.ndarray):
    """(hi_f, lo_f, hi_d, lo_d, decided_f, decided_d, undecided_f, undecided_d) at x."""
    ref = plan.ref
    if plan.dtype == "float64":
        if not _has_mp(ref):
            raise UsageError(f"{ref.label} has no mpmath reference for a float64 audit; audit it in "
                             "float32, float16 or bfloat16, whose reference is the float64 result")
        hf, lf, hd, ld = _mp_pairs(ref.record.mp_reference, x64, ref.params)
        return (hf, lf, hd, ld, 0, 0, 0, 0)
    with np.errstate(all="ignore"):
        hf, hd = ref.evaluate(x64, (0, 1))
    hf, hd = np.array(hf, dtype=np.float64), np.array(hd, dtype=np.float64)
    lf, ld = np.zeros_like(hf), np.zeros_like(hd)
    amb_f, amb_d = _ambiguous(hf, hd, x64, plan.fmt, ref.record.gate)
    at_kink = np.isin(x64, np.array(ref.kinks or [math.nan]))
    amb_d &= ~at_kink  # there f' is a convention, exact in float64
    counts = [0, 0, 0, 0]
    for k, (amb, which) in enumerate(((amb_f, 0), (amb_d, 1))):
        if not amb.any():
            continue
        if not _has_mp(ref):
            counts[2 + k] = int(amb.sum())
            continue
        idx = np.flatnonzero(amb)
        pairs = _mp_pairs(ref.record.mp_reference, x64[idx], ref.params)
        hi, lo = pairs[2 * which], pairs[2 * which + 1]
        if which == 0:
            hf[idx], lf[idx] = hi, lo
        else:
            hd[idx], ld[idx] = hi, lo
        counts[k] = idx.size
    return (hf, lf, hd, ld, *counts)


def _apply_kinks(plan: _Plan, x64: np.ndarray, hd: np.ndarray, ld: np.ndarray) -> None:
    if plan.dtype == "float64":
        for k, v in plan.ref.kink_derivatives().items():
            hit = x64 == k
            hd[hit], ld[hit] = v, 0.0
    for k, v in plan.kinks.items():
        hit = x64 == k
        hd[hit], ld[hit] = v, 0.0


def _judge_series(plan: _Plan, got, hi, lo, x64, zero_ref: tuple[float, float] | None) -> tuple[Judged, np.ndarray]:
    """The judged points (by --ftz's reading or not) and which are FTZ-explained."""
    fmt = plan.fmt
    gap = fmt.smallest_normal
    std = judge(got, hi, lo, fmt, ftz=False)
    explained = np.zeros(std.err.size, dtype=bool)
    if plan.ftz:
        idx = np.arange(std.err.size)
    else:  # only a point not correctly rounded, next to the subnormal gap, can be explained
        idx = np.flatnonzero(std.err > 0.5)
        if idx.size:
            g64 = np.asarray(got[idx]).astype(np.float64)
            with np.errstate(invalid="ignore"):
                near = (np.abs(g64) < gap) | (np.abs(hi[idx]) < gap) | (np.abs(x64[idx]) < gap)
            idx = idx[near]
    if not idx.size:
        return std, explained
    read = judge(got[idx], hi[idx], lo[idx], fmt, ftz=True)
    e = read.err
    flushed = (x64[idx] != 0) & (np.abs(x64[idx]) < gap)
    if flushed.any() and zero_ref is not None:
        # a subnormal input read as a zero of its sign
        z = np.where(np.signbit(x64[idx]), zero_ref[1], zero_ref[0])
        e0 = judge(got[idx], z, None, fmt, ftz=True).err
        e = np.where(flushed, np.minimum(e, e0), e)
    explained[idx] = (std.err[idx] > 0.5) & (e <= 0.5)
    if not plan.ftz:
        return std, explained
    return Judged(e, read.nan, read.overflow, read.signed_zero), explained  # idx is every point


def _worker_version(impl: Implementation) -> str | None:
    """On a Dask worker: the version of ``impl`` it would call (its framework imported there)."""
    if impl.kind == "framework":
        import importlib

        from .implementations import PACKAGES

        try:
            importlib.import_module(PACKAGES[impl.name][0])
        except ImportError:
            return None
    return impl.version()


class _Job:
    """The work on one chunk (a bit-pattern piece, or an array of x): the bound
    implementation is made once per job and reused by every chunk it runs."""

    def __init__(self, plan: _Plan, impl: Implementation, bound):
        self.plan, self.impl, self.bound = plan, impl, bound
        self.version = impl.version()
        self.zero_f = self.zero_d = None
        if plan.dtype != "float64":
            with np.errstate(all="ignore"):
                f0, d0 = plan.ref.evaluate(np.array([0.0, -0.0]), (0, 1))
            self.zero_f, self.zero_d = tuple(map(float, f0)), tuple(map(float, d0))
        else:
            f0, d0 = plan.ref(np.array([0.0, -0.0])), plan.ref.derivative(np.array([0.0, -0.0]))
            self.zero_f, self.zero_d = tuple(map(float, f0)), tuple(map(float, d0))

    def __getstate__(self) -> dict:
        # a framework's bound callables do not pickle: a Dask worker binds the implementation
        # again, in its own process, as this one did
        return {**self.__dict__, "bound": None}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self.bound is None:
            self.bound = self.impl.bind(self.plan.ref, acc.numpy_dtype(self.plan.dtype))

    def check_cluster(self, client) -> None:
        """Refuse a cluster whose workers would run another version of the implementation:
        the table names this process's version, and the results must be the local run's."""
        impl = self.impl
        seen = client.run(_worker_version, impl)
        other = {worker: v for worker, v in seen.items() if v != self.version}
        if other:
            worker, version = next(iter(other.items()))
            from .distributed import SchedulerError

            raise SchedulerError(
                f"--impl {impl.name}: the worker {worker} runs {impl.title} {version or 'not installed'}, "
                f"this process {self.version}; the audit must call the version it reports")

    def __call__(self, piece) -> _Chunk:
        plan = self.plan
        x = acc.piece_values(plan.dtype, piece) if isinstance(piece, tuple) else piece
        out = _Chunk(plan.xbins.n, True)
        if not x.size:
            return out
        f, d = self.bound.evaluate(x)
        x64 = x.astype(np.float64)
        hf, lf, hd, ld, dec_f, dec_d, und_f, und_d = _reference(plan, x, x64)
        _apply_kinks(plan, x64, hd, ld)
        xbin = plan.xbins.index(x64, x if plan.xbins.kind == "ordinal" else None)
        jf, ef = _judge_series(plan, f, hf, lf, x64, self.zero_f)
        out.f.add(x64, jf, f, hf + lf, xbin, ef, dec_f, und_f)
        if d is None:
            out.d = None
        else:
            jd, ed = _judge_series(plan, d, hd, ld, x64, self.zero_d)
            out.d.add(x64, jd, d, hd + ld, xbin, ed, dec_d, und_d)
        out.size = x.size
        return out


def _specials(plan: _Plan, bound) -> dict:
    """f and f' at -inf, +inf and NaN against the reference's limits."""
    dt = acc.numpy_dtype(plan.dtype)
    x = np.array(SPECIALS).astype(dt)
    try:
        f, d = bound.evaluate(x)
    except CallFailed as exc:
        return {repr(float(v)): {"error": str(exc)} for v in SPECIALS}
    with np.errstate(all="ignore"):
        rf, rd = plan.ref.evaluate(np.array(SPECIALS), (0, 1))
    out = {}
    for i, v in enumerate(SPECIALS):
        row = {}
        for key, got, want in (("f", f, rf), ("df", d, rd)):
            if got is None:
                row[key] = None
                continue
            g, w = float(np.asarray(got).astype(np.float64)[i]), float(np.asarray(want)[i])
            same = (math.isnan(g) and math.isnan(w)) or g == w
            if not same and math.isfinite(w):
                same = bool(judge(np.array([g]), np.array([w]), None, plan.fmt).err[0] <= 0.5)
            row[key] = {"got": g, "expected": w, "agree": bool(same)}
        out[repr(float(v))] = row
    return out


# -- the audit ---------------------------------------------------------------------------------


def named_parameters(spec, params: dict | None = None) -> list[str]:
    """The parameters a spec sets itself (inline) plus ``params``' names."""
    from ..core.spec import parse_spec

    names = list(params or ())
    if isinstance(spec, str):
        try:
            names += list(parse_spec(spec).params)
        except UsageError:
            pass
    return names


def prepare(spec, impl: Implementation | str, dtype: str, params: dict | None = None,
            named: Iterable[str] | None = None):
    """(implementation, reference, bound implementation) for one audit, every check made:
    usage errors (the implementation lacks the function, bad module path, ...) and a missing
    framework raise here, before any work. ``named`` lists the parameters the user set (by
    default those written in the spec and ``params``' names)."""
    impl = parse_implementation(impl) if isinstance(impl, str) else impl
    impl.check_installed()
    act = get(spec, **(params or {})).elementwise
    ref = impl.reference(act, named_parameters(spec, params) if named is None else named)
    name = check_dtype(dtype)
    if name == "float64" and not _has_mp(ref):
        raise UsageError(f"{ref.label} has no mpmath reference for a float64 audit; audit it in "
                         "float32, float16 or bfloat16, whose reference is the float64 result")
    return impl, ref, impl.bind(ref, acc.numpy_dtype(name))


def audit_implementation(
    spec,
    impl: Implementation | str,
    dtype: str = "float64",
    range: tuple[float, float] | None = None,
    points: int = acc.DEFAULT_POINTS,
    exhaustive: bool = False,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    ftz: bool = False,
    params: dict | None = None,
    prepared=None,
    scheduler: str | None = None,
) -> ImplAuditResult:
    """Audit one implementation of ``spec`` in ``dtype`` (see the module docstring).

    ``impl`` is an :class:`Implementation` or its ``--impl`` text (``"torch"``,
    ``"mymodule:gelu,d_gelu"``); ``range``, ``points``, ``exhaustive``, ``workers`` and
    ``progress`` are as for :func:`actviz.analysis.accuracy.audit`; ``ftz`` reads the results
    as flush-to-zero (:mod:`.counting`). ``scheduler``, a Dask distributed address, runs an
    exhaustive audit's chunks on that cluster, whose workers must have the same version of the
    implementation as this process (checked before any work). A call of the implementation that
    fails gives a result with ``error`` set; what cannot be asked at all raises
    :class:`UsageError`.
    """
    started = time.perf_counter()
    name = check_dtype(dtype)
    range = check_audit_range(range)
    if exhaustive:
        acc.check_exhaustive(name, range)
    else:
        check_points(points)
    workers = acc.default_workers() if workers is None else check_workers(workers)
    if scheduler is not None:
        acc.check_scheduler(scheduler, name, exhaustive)
    impl, ref, bound = prepared or prepare(spec, impl, name, params)
    dt = acc.numpy_dtype(name)
    fmt = Format.of(dt)
    lo, hi = range or acc.DEFAULT_RANGE
    pieces: list | None = None
    if exhaustive:
        pieces = acc.exhaustive_pieces(name, range)
        big = fmt.max
        xb = XBins("ordinal", max(range[0], -big) if range else -big, min(range[1], big) if range else big,
                   X_BINS, fmt.p, fmt.emin)
        if not pieces:
            raise UsageError(f"no finite {name} value lies in the range [{lo:g}, {hi:g}]")
        batches = None
    else:
        x = _grid(ref, name, dt, lo, hi, points)
        if not x.size:
            raise UsageError(f"no finite {name} value lies in the range [{lo:g}, {hi:g}]")
        xb = XBins("asinh", float(x.astype(np.float64).min()), float(x.astype(np.float64).max()), X_BINS)
        batches = [x]
    plan = _Plan(ref, name, fmt, xb, ftz, dict(bound.kinks))
    job = _Job(plan, impl, bound)
    f_tally, d_tally = Tally(bins=xb.n), Tally(bins=xb.n)
    has_d = True
    n_points = 0

    def fold(chunk: _Chunk) -> None:
        nonlocal n_points, has_d
        n_points += chunk.size
        f_tally.merge(chunk.f)
        if chunk.d is None:
            has_d = has_d and chunk.size == 0
        else:
            d_tally.merge(chunk.d)

    result = ImplAuditResult(
        spec=ref.spec, label=ref.label, implementation=impl.name, title=impl.title, call=bound.call,
        derivative_call=bound.derivative_call, version=None, dtype=name, points=0, exhaustive=exhaustive,
        range=range if range is not None else (None if exhaustive else acc.DEFAULT_RANGE),
        reference=("mpmath, 60 digits" if name == "float64"
                   else "actviz float64 result (mpmath where it cannot decide the rounding)"),
        ftz=ftz, forward=f_tally, derivative=d_tally, xbins=xb,
    )
    try:
        if pieces is not None:
            acc.run_chunks(job, pieces, fold, workers, progress, scheduler)
            result.workers = workers
        else:
            for b in batches:
                fold(job(b))
        result.specials = _specials(plan, bound)
    except CallFailed as exc:
        result.error = str(exc)
    result.points = n_points
    if not has_d:
        result.derivative = None
    result.version = impl.version()
    result.notes = list(dict.fromkeys(bound.notes))
    result.seconds = time.perf_counter() - started
    return result


def _grid(ref: BoundActivation, name: str, dt: np.dtype, lo: float, hi: float, points: int) -> np.ndarray:
    """The audit's grid (:func:`.accuracy.audit_grid`) as distinct values of the dtype."""
    if name == "float64":
        return acc.audit_grid(lo, hi, points, ref.kinks)
    big = Format.of(dt).max
    grid = acc.audit_grid(max(lo, -big), min(hi, big), points, ref.kinks)
    with np.errstate(over="ignore"):
        x = np.unique(acc.round_once(grid, dt).astype(np.float64))
    x = x[np.isfinite(x) & (x >= lo) & (x <= hi)]
    return acc.round_once(x, dt)


def all_specs(impl: Implementation) -> list[str]:
    """Every catalogue activation the implementation has, as the spec it is audited as: the
    framework's preset (its defaults), else the canonical name."""
    from ..registry import records

    out = []
    for rec in records():
        if rec.family == "expression":
            continue
        spec = f"{rec.name}@{impl.framework}" if impl.framework else rec.name
        try:
            act = get(spec).elementwise
            impl.reference(act)
        except UsageError:
            continue
        if act.is_vector and impl.kind == "framework":
            from .implementations import _slice_columns

            try:
                _slice_columns(act, np.dtype(np.float64))
            except UsageError:
                continue
        out.append(spec)
    return out


def audit_implementations(
    specs: Sequence, impls: Iterable[Implementation | str], dtypes: Sequence[str] = ("float64",), **options
) -> list[ImplAuditResult]:
    """:func:`audit_implementation` for every spec, dtype and implementation, in that order."""
    impls = [parse_implementation(i) if isinstance(i, str) else i for i in impls]
    return [audit_implementation(s, i, d, **options) for s in specs for d in dtypes for i in impls]


__all__ = [
    "MARGIN",
    "ImplAuditResult",
    "all_specs",
    "audit_implementation",
    "audit_implementations",
    "named_parameters",
    "prepare",
]

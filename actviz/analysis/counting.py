"""The counting rules of the implementation audit: how far a result is from the truth, in ULPs.

They follow JAX's published convention (jax-ml/jax ``docs/accuracy.md``, "Methodology and
terminology"), the most careful one in print:

- **The ULP** of a reference value r in a format with p significand bits and normal
  exponents [e_min, e_max] is 2^(min(max(floor(log2 |r|), e_min), e_max) - (p - 1)): the
  spacing of the binade r lies in (not of r rounded, which may be the next binade up), the
  subnormal quantum 2^(e_min - p + 1) below 2^e_min and at 0. An error of at most 0.5 ULP
  is a correctly rounded result.
- **Overflow and infinity.** A reference at or beyond the round-to-nearest overflow
  threshold 2^(e_max + 1) - ½ulp(max) overflows: a computed infinity of its sign has error 0.
  Where the reference lies in the top binade (|r| >= 2^e_max) or overflows and the result
  has its sign, ±inf stands at ±2^(e_max + 1), one ULP beyond the largest finite value, so
  that rounding across the threshold is measured continuously (the largest finite value
  where the truth overflows is 1 ULP off). Any other infinity is a wrong result (infinitely
  many ULPs, counted under ``overflow``).
- **NaN.** A NaN where the reference is NaN agrees (error 0); a NaN against a number, or a
  number against a NaN reference, is a wrong result (counted under ``nan``).
- **Subnormals.** By default results are read with gradual underflow, against the
  subnormal quantum. Read as flush-to-zero (``ftz=True``, the command line's ``--ftz``),
  a result and a reference both in the subnormal gap (|v| < 2^e_min) agree, and the gap is
  contracted so that -2^e_min, 0 and +2^e_min are 1 ULP apart. A result that is not
  correctly rounded read with gradual underflow but is read as flush-to-zero (here also
  with a subnormal input read as a zero of its sign) is counted as **FTZ-explained** in
  either reading.
- **Signed zero.** A zero result where a nonzero reference rounds to a zero of the other
  sign (or, read as flush-to-zero, flushes to one) is counted under ``signed_zero``; its
  error is 0 ULP, the sign being all that differs. Where the reference is itself zero (the
  true value is 0, or underflows float64) its sign is not judged.

The reference arrives as a pair (hi, lo) of float64 with r = hi + lo: lo is 0 for a float64
reference judged in a narrower format, and carries mpmath's digits beyond float64 where the
format is float64 itself (or where float64 cannot decide the rounding). Errors are computed
in units of the ULP from the exact quotients G/u and hi/u, so they are exact to about 2^-50
ULP; errors beyond the float64 range (a huge result against a subnormal truth) are shown as
the largest float64.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

#: Error classes for the counts and the figure: at most 0.5 ULP (correctly rounded), then
#: (2^(k-1), 2^k] for k = 0 .. 20, beyond 2^20, and a wrong non-finite result.
EDGES = tuple([0.5] + [float(2**k) for k in range(0, 21)])
#: The thresholds that ``exceeds`` counts: points with an error above each (non-finite
#: results exceed all of them).
THRESHOLDS = EDGES
N_CLASSES = len(EDGES) + 2
NONFINITE_CLASS = N_CLASSES - 1


@dataclass(frozen=True)
class Format:
    """A binary floating-point format, as the rules need it."""

    name: str
    # significand bits, the implicit one included
    p: int
    # the normal exponent range [emin, emax]
    emin: int
    emax: int

    @classmethod
    def of(cls, dtype) -> Format:
        dt = np.dtype(dtype)
        if dt.kind == "f":
            fi = np.finfo(dt)
        else:
            import ml_dtypes

            fi = ml_dtypes.finfo(dt)
        name = "bfloat16" if dt.kind != "f" else dt.name
        return cls(name, int(fi.nmant) + 1, int(fi.minexp), int(fi.maxexp) - 1)

    @property
    def smallest_normal(self) -> float:
        return math.ldexp(1.0, self.emin)

    @property
    def quantum(self) -> float:
        """The subnormal quantum 2^(emin - p + 1): the smallest positive value."""
        return math.ldexp(1.0, self.emin - self.p + 1)

    @property
    def top(self) -> float:
        """2^emax, where the top binade starts."""
        return math.ldexp(1.0, self.emax)

    @property
    def max(self) -> float:
        """The largest finite value."""
        return math.ldexp(2.0 - math.ldexp(1.0, 1 - self.p), self.emax)

    @property
    def threshold(self) -> float:
        """The overflow threshold 2^(emax+1) - ½ulp(max), or inf where float64 cannot hold it
        (float64 itself: there a reference is inf exactly when it reaches the threshold)."""
        if self.p >= 53:
            return math.inf
        return math.ldexp(1.0, self.emax + 1) - math.ldexp(1.0, self.emax - self.p)


@dataclass
class Judged:
    """Each point's error (inf for a wrong non-finite result) and what it counts as."""

    err: np.ndarray
    nan: np.ndarray
    overflow: np.ndarray
    signed_zero: np.ndarray


def _exponent(v: np.ndarray) -> np.ndarray:
    """floor(log2 |v|) for finite nonzero v (frexp's exponent less one)."""
    return np.frexp(v)[1].astype(np.int64) - 1


def inverse_ulp(hi: np.ndarray, fmt: Format) -> np.ndarray:
    """1/ulp(hi) in a format narrower than float64, for finite float64 hi: built from hi's
    exponent bits (the binade of a float64 subnormal is below any narrow format's e_min)."""
    e = hi.view(np.int64) >> 52
    e &= 0x7FF
    np.clip(e, fmt.emin + 1023, fmt.emax + 1023, out=e)
    np.subtract(2 * 1023 + fmt.p - 1, e, out=e)  # the biased exponent of 2^-(e - p + 1)
    e <<= 52
    return e.view(np.float64)


def judge(got: np.ndarray, hi: np.ndarray, lo: np.ndarray | None, fmt: Format, ftz: bool = False) -> Judged:
    """The error of each result in ``got`` against the reference hi + lo, by the rules above.

    ``got`` is in any float dtype (its values are exact in float64); ``hi`` and ``lo`` are
    float64 arrays of the same shape (``lo`` None for zeros).

    For a format narrower than float64 read with gradual underflow, the points that need no
    rule beyond |got - hi|/ulp (both finite, hi below the top binade, lo zero) take a few
    whole-array operations; the rest go through every rule.
    """
    g = np.asarray(got).astype(np.float64).ravel()
    hi = np.asarray(hi, dtype=np.float64).ravel()
    if fmt.p < 53 and not ftz and g.size > 64:
        return _judge_simple(g, hi, None if lo is None else np.asarray(lo, dtype=np.float64).ravel(), fmt)
    return _judge_all(g, hi, lo, fmt, ftz)


def _judge_simple(g: np.ndarray, hi: np.ndarray, lo: np.ndarray | None, fmt: Format) -> Judged:
    with np.errstate(invalid="ignore"):
        simple = np.isfinite(g) & (np.abs(hi) < fmt.top)  # (a NaN hi compares False)
    if lo is not None:
        simple &= lo == 0
    every = bool(simple.all())
    hi_s = hi if every else np.where(simple, hi, 0.0)
    err = np.subtract(g if every else np.where(simple, g, 0.0), hi_s)
    np.abs(err, out=err)
    err *= inverse_ulp(hi_s, fmt)
    n = g.size
    nan = np.zeros(n, dtype=bool)
    overflow = np.zeros(n, dtype=bool)
    signed = np.zeros(n, dtype=bool)
    zeros = np.flatnonzero(simple & (g == 0) & (hi != 0) & (np.abs(hi) <= fmt.quantum / 2))
    if zeros.size:
        signed[zeros] = np.signbit(g[zeros]) != (hi[zeros] < 0)
    rest = np.flatnonzero(~simple)
    if rest.size:
        j = _judge_all(g[rest], hi[rest], None if lo is None else lo[rest], fmt, False)
        err[rest], nan[rest], overflow[rest], signed[rest] = j.err, j.nan, j.overflow, j.signed_zero
    return Judged(err, nan, overflow, signed)


def _judge_all(g: np.ndarray, hi: np.ndarray, lo: np.ndarray | None, fmt: Format, ftz: bool) -> Judged:
    hi = np.asarray(hi, dtype=np.float64).ravel()
    lo = np.zeros_like(hi) if lo is None else np.asarray(lo, dtype=np.float64).ravel()
    n = g.size
    err = np.zeros(n)
    g_nan, r_nan = np.isnan(g), np.isnan(hi)
    nan = g_nan != r_nan
    err[nan] = math.inf
    live = ~(g_nan | r_nan)

    # the reference: overflowing ones stand at ±2^(emax+1)
    sign_r = np.where(hi != 0, np.sign(hi), np.sign(lo))
    mag = np.abs(hi)
    with np.errstate(invalid="ignore"):
        over = live & (np.isinf(hi) | (mag > fmt.threshold) | ((mag == fmt.threshold) & (lo * sign_r >= 0)))
    top = live & (over | (mag >= fmt.top))

    # the result: an infinity counts where the reference is in the top binade with its sign
    g_inf = live & np.isinf(g)
    placed = g_inf & top & (np.sign(g) == sign_r)
    overflow = g_inf & ~placed
    err[overflow] = math.inf
    live &= ~overflow

    # each value as (mantissa, exponent) so that ±2^(emax+1) needs no float64 beyond its range
    gm, ge = np.frexp(np.where(np.isinf(g), 0.0, np.where(live, g, 0.0)))
    gm = np.where(placed, 0.5 * np.sign(g), gm)
    ge = np.where(placed, fmt.emax + 2, ge).astype(np.int64)
    rh = np.where(over | ~live, 0.0, hi)
    rl = np.where(over | ~live, 0.0, lo)
    rm, re = np.frexp(rh)
    rm = np.where(over, 0.5 * sign_r, rm)
    re = np.where(over, fmt.emax + 2, re).astype(np.int64)

    # the binade of r = hi + lo: hi is r rounded, so a power of two with lo pulling the other
    # way means r lies in the binade below
    e = re - 1
    below = (np.abs(rm) == 0.5) & (rl * np.sign(rm) < 0) & ~over
    e = np.where(below, e - 1, e)
    e = np.where((rh == 0) & ~over, fmt.emin, e)
    e = np.clip(e, fmt.emin, fmt.emax)
    eu = e - (fmt.p - 1)  # the ULP is 2^eu

    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        d = np.ldexp(gm, ge - eu) - np.ldexp(rm, re - eu)  # exact where g and hi are close
        d -= np.ldexp(rl, -eu)
        plain = np.abs(d)
        if ftz:
            plain = _ftz_distance(g, rh, rl, sign_r, over, placed, fmt, eu, plain)
        # exactly half an ULP in float64 with lo beyond it: lo says on which side of ½ the
        # error is (the double-rounding cases, where r lies a hair past a midpoint)
        tie = (plain == 0.5) & (rl != 0)
        if tie.any():
            inward = np.sign(d + np.ldexp(rl, -eu)) == np.sign(rl)  # G - hi and lo point the same way
            plain = np.where(tie, np.where(inward, np.nextafter(0.5, 0.0), np.nextafter(0.5, 1.0)), plain)
    plain = np.where(np.isnan(plain), math.inf, plain)
    plain = np.minimum(plain, np.finfo(np.float64).max)  # a finite result keeps a finite error
    err = np.where(live, plain, err)

    # a zero where a nonzero reference rounds (or, read as flush-to-zero, flushes) to a zero of
    # the other sign; a reference that is itself zero carries no sign worth judging
    with np.errstate(invalid="ignore"):
        r_mag = np.abs(hi + lo)
        rounds_to_zero = (r_mag < fmt.smallest_normal) if ftz else (r_mag <= fmt.quantum / 2)
    zero = live & (g == 0) & (r_mag > 0) & rounds_to_zero & (np.signbit(g) != (sign_r < 0))
    return Judged(err, nan, overflow, zero)


def _ftz_distance(g, rh, rl, sign_r, over, placed, fmt, eu, plain):
    """Distances read as flush-to-zero: both in the subnormal gap is 0; otherwise the gap
    (-(2^emin - q), 2^emin - q) is contracted to 0, q the subnormal quantum."""
    gap = fmt.smallest_normal
    shrink = gap - fmt.quantum
    r = rh + rl
    g_small = (np.abs(g) < gap) & ~placed
    r_small = (np.abs(r) < gap) & ~over
    crosses = (g_small | r_small | (np.sign(g) * sign_r < 0)) & ~placed & ~over
    both = g_small & r_small

    def contract(v):
        return np.sign(v) * np.maximum(np.abs(v) - shrink, 0.0)

    gc, rc = contract(g), contract(rh)
    # rl only matters off the gap, where contracting shifts hi and r alike
    dc = np.abs(np.ldexp(gc, -eu) - np.ldexp(rc, -eu) - np.where(r_small, 0.0, np.ldexp(rl, -eu)))
    out = np.where(crosses, dc, plain)
    return np.where(both, 0.0, out)


def error_class(err: np.ndarray) -> np.ndarray:
    """The class of each error: 0 for at most ½ ULP, k + 1 for (2^(k-1), 2^k], len(EDGES)
    beyond 2^20, NONFINITE_CLASS for a wrong non-finite result."""
    err = np.asarray(err)
    cls = np.zeros(err.shape, dtype=np.int64)
    wrong = np.flatnonzero(err > 0.5)  # most results are right: classify only the others
    if wrong.size:
        e = err[wrong]
        cls[wrong] = np.where(np.isfinite(e), np.searchsorted(np.asarray(EDGES), e, side="left"), NONFINITE_CLASS)
    return cls


# -- where the points are: bins over x for the counts and the figure ----------------------------


@dataclass(frozen=True)
class XBins:
    """Fixed bins over x, decided before any chunk runs so that chunks' counts add up.

    ``kind`` "ordinal": evenly by the values' order in the audited format (each binade of the
    format gets the same width, the subnormals one more: the exhaustive runs, whose values
    crowd towards 0); "asinh": evenly in asinh(x), as the audit's grid is spaced.
    """

    kind: str
    lo: float
    hi: float
    n: int
    # the format's significand bits and smallest normal exponent, for ordinals
    p: int = 53
    emin: int = -1022

    def coordinate(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if self.kind == "asinh":
            return np.arcsinh(x)
        return ordinal(x, self.p, self.emin)

    def _span(self) -> tuple[float, float]:
        a, b = self.coordinate(np.array([self.lo, self.hi]))
        return float(a), float(b) if b > a else float(a) + 1.0

    def index(self, x: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
        """The bin of each x; ``values``, x in the format itself, lets an ordinal be read off
        the bits (a value's magnitude bits are its ordinal)."""
        a, b = self._span()
        if values is not None and self.kind == "ordinal":
            raw = values.view(np.dtype(f"int{values.dtype.itemsize * 8}")).astype(np.int64)
            mag = raw & ((1 << (values.dtype.itemsize * 8 - 1)) - 1)
            t = np.where(raw < 0, -mag, mag).astype(np.float64)
        else:
            t = self.coordinate(x)
        k = np.floor((t - a) / (b - a) * self.n)
        return np.clip(np.nan_to_num(k), 0, self.n - 1).astype(np.int64)

    def position(self, x: np.ndarray) -> np.ndarray:
        """Where x sits on the figure's axis, in bins (0 to n)."""
        a, b = self._span()
        return (self.coordinate(x) - a) / (b - a) * self.n


def ordinal(x: np.ndarray, p: int, emin: int) -> np.ndarray:
    """x's place in the order of a format's values (p significand bits, smallest normal
    2^emin), in units of its spacing in its binade: the k-th value above 0 is at k, for any
    float64 x in between too. Monotone, and 2^(p-1) per binade."""
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    half = 2.0 ** (p - 1)
    with np.errstate(all="ignore"):
        e = np.frexp(a)[1].astype(np.int64) - 1
        normal = np.where(a >= 2.0**emin, (e - emin + 1) * half + (np.ldexp(a, -e) - 1.0) * half, 0.0)
        t = np.where(a >= 2.0**emin, normal, np.ldexp(a, p - 1 - emin))
    t = np.where(np.isinf(a), np.inf, t)
    return np.where(x < 0, -t, t)


# -- the tally of one series ---------------------------------------------------------------------


@dataclass
class ErrorTotals:
    """The errors of one series folded over chunks: how many finite ones, their sum, the
    largest and where (the value got and the one expected there), and the wrong non-finite
    results (NaN, ±inf) with the first x that had one. Shared by an actviz audit's
    ``UlpStats`` and an implementation audit's :class:`Tally`."""

    count: int = 0
    total: float = 0.0
    max_ulp: float = 0.0
    at: float | None = None
    got: float | None = None
    expected: float | None = None
    nonfinite: int = 0
    nan: int = 0
    overflow: int = 0
    first_nonfinite: float | None = None

    @property
    def mean_ulp(self) -> float:
        return self.total / self.count if self.count else 0.0

    def fold(self, other) -> None:
        """Fold in a later chunk's summary (anything with these fields): the worst point (the
        earlier chunk's on a tie), the sums behind the mean, the non-finite counts."""
        if other.count:
            if self.at is None or other.max_ulp > self.max_ulp:
                self.max_ulp, self.at = other.max_ulp, other.at
                self.got, self.expected = other.got, other.expected
            self.total += other.total
            self.count += other.count
        if other.nonfinite:
            self.nonfinite += other.nonfinite
            self.nan += other.nan
            self.overflow += other.overflow
            if self.first_nonfinite is None:
                self.first_nonfinite = other.first_nonfinite


@dataclass
class Tally(ErrorTotals):
    """What an audit keeps of one series (an implementation's f, or its f'): small, so that
    chunks audited anywhere send only this back, and adding them in chunk order gives one
    result whatever ran them."""

    # ErrorTotals' fields, then the x bins of the histogram
    bins: int = 1
    ftz_explained: int = 0
    signed_zero: int = 0
    # points whose rounding float64 could not decide: decided by mpmath, or left undecided
    # (no mpmath reference), where the float64 error stands
    mp_decided: int = 0
    undecided: int = 0
    # counts by x bin and error class (EDGES): the figure and ``exceeds``
    hist: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self):
        if self.hist is None:
            self.hist = np.zeros((self.bins, N_CLASSES), dtype=np.int64)

    @property
    def points(self) -> int:
        return self.count + self.nonfinite


    @property
    def correct(self) -> int:
        """Points correctly rounded (at most ½ ULP)."""
        return int(self.hist[:, 0].sum())

    def exceeds(self) -> dict[float, int]:
        """{threshold: points with an error above it}, non-finite results included."""
        per_class = self.hist.sum(axis=0)
        above = np.cumsum(per_class[::-1])[::-1]  # above[k]: classes k and up
        return {t: int(above[i + 1]) for i, t in enumerate(THRESHOLDS)}

    def add(self, x: np.ndarray, j: Judged, got: np.ndarray, expected: np.ndarray, xbin: np.ndarray,
            ftz_explained: np.ndarray | None = None, mp_decided: int = 0, undecided: int = 0) -> None:
        """Fold in one chunk's judged points (``xbin`` their bins)."""
        err = j.err
        finite = np.isfinite(err)
        if finite.any():
            e = err[finite]
            k = int(np.argmax(e))
            i = int(np.flatnonzero(finite)[k])
            if self.at is None or e[k] > self.max_ulp:
                self.max_ulp, self.at = float(e[k]), float(x[i])
                self.got, self.expected = float(got[i]), float(expected[i])
            with np.errstate(over="ignore"):  # errors near the float64 limit sum to inf
                self.total += float(np.sum(e, dtype=np.float64))
            self.count += int(e.size)
        bad = ~finite
        if bad.any():
            self.nonfinite += int(bad.sum())
            self.nan += int(j.nan.sum())
            self.overflow += int(j.overflow.sum())
            if self.first_nonfinite is None:
                self.first_nonfinite = float(x[int(np.argmax(bad))])
        if ftz_explained is not None:
            self.ftz_explained += int(ftz_explained.sum())
        self.signed_zero += int(j.signed_zero.sum())
        self.mp_decided += mp_decided
        self.undecided += undecided
        flat = np.bincount(xbin * N_CLASSES + error_class(err), minlength=self.hist.size)
        self.hist += flat.reshape(self.hist.shape)

    def merge(self, other: Tally) -> None:
        """Fold in another tally (a later chunk's)."""
        self.fold(other)
        self.ftz_explained += other.ftz_explained
        self.signed_zero += other.signed_zero
        self.mp_decided += other.mp_decided
        self.undecided += other.undecided
        self.hist += other.hist

    def as_dict(self) -> dict:
        return {
            "max_ulp": self.max_ulp,
            "mean_ulp": self.mean_ulp,
            "at": self.at,
            "got": self.got,
            "expected": self.expected,
            "points": self.points,
            "correctly_rounded": self.correct,
            "exceeds": {_key(t): n for t, n in self.exceeds().items()},
            "nonfinite": self.nonfinite,
            "overflow": self.overflow,
            "nan": self.nan,
            "first_nonfinite": self.first_nonfinite,
            "ftz_explained": self.ftz_explained,
            "signed_zero": self.signed_zero,
            "mpmath_decided": self.mp_decided,
            "undecided": self.undecided,
        }


def _key(t: float) -> str:
    return "0.5" if t == 0.5 else str(int(t))


__all__ = [
    "EDGES",
    "Format",
    "Judged",
    "N_CLASSES",
    "NONFINITE_CLASS",
    "THRESHOLDS",
    "Tally",
    "XBins",
    "error_class",
    "judge",
    "ordinal",
]

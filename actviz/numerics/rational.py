"""Rational activations P(x)/Q(x) with a denominator kept at or above 1, and what their
coefficients imply: kinks, monotonicity, bounds, the output range.

P(x) = Σ_j p_j x^j (j = 0..m) and, for the coefficients q_1..q_n,

- version "a": Q(x) = 1 + Σ_k |q_k|·|x|^k, the safe denominator every shipped kernel computes
  (rational_activations' default version A; KAT's CUDA and Triton kernels);
- version "b": Q(x) = 1 + |Σ_k q_k x^k| (rational_activations' version B).

For |x| <= 1e30 everything is summed in double-double (Horner's rule with error-free steps, the
derivatives' coefficients k·p_k formed exactly), and f = P/Q, f' = (P' - f·Q')/Q and
f'' = (P'' - 2f'·Q' - f·Q'')/Q are taken in double-double too: f and f' come out correctly
rounded, next to the zeros of P and at the stationary points as well, where P'Q - PQ' cancels.
Beyond, evaluation is homogeneous: with s = |x|, u = x/s and w = 1/s, P(x)/s^m = Σ p_j u^j w^(m-j)
and Q(x)/s^n likewise are O(1), so f = s^(m-n)·P̃/Q̃ (and f', f'' with s^(m-n-1), s^(m-n-2))
overflows only where the true value does; ±inf give the limits.

Where the absolute value switches sign (x = 0 in version a when some odd q_k is not 0; the real
roots of Σ q_k x^k at which it changes sign in version b) the two sides are different rational
functions: :func:`analyse` compares their Taylor coefficients there to find the order of the
derivative that jumps, and reads monotonicity, bounds and the output range off the real roots of
each side's P'Q - PQ'. At such a point f' takes |·|' = 0 there, as PyTorch's autograd of abs does.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .dd import two_difference, two_product

Array = np.ndarray
MAX = float(np.finfo(np.float64).max)
#: Up to this |x| everything is summed in double-double, unscaled (x^5 is at most 1e150, and
#: the quotients f and f' are formed before anything grows further); beyond it, homogeneously
NEAR = 1e30
VERSIONS = ("a", "b")


def _trim(c: tuple[float, ...]) -> tuple[float, ...]:
    """Coefficients (ascending) without trailing zeros; (0.0,) for the zero polynomial."""
    c = list(c)
    while len(c) > 1 and c[-1] == 0.0:
        c.pop()
    return tuple(c) if c else (0.0,)


def _deriv(c: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(k * c[k] for k in range(1, len(c))) or (0.0,)


def _homogeneous(c: tuple[float, ...], degree: int, u: Array, w: Array) -> Array:
    """Σ_k c_k u^k w^(degree - k) by Horner's rule (c ascending, len(c) - 1 <= degree)."""
    top = len(c) - 1
    acc = c[top] * _pow(w, degree - top)
    for k in range(top - 1, -1, -1):
        acc = acc * u + c[k] * _pow(w, degree - k)
    return acc


def _horner_dd(c, x: Array) -> tuple[Array, Array]:
    """Σ c_k x^k as an unevaluated sum hi + lo, each Horner step error-free (TwoProduct,
    TwoSum): as accurate as Horner's rule in twice the precision. A coefficient may be a
    float or a pair (hi, lo)."""
    c = [v if isinstance(v, tuple) else (float(v), 0.0) for v in c]
    hi = np.full(np.shape(x), c[-1][0])
    lo = np.full(np.shape(x), c[-1][1])
    for ck in c[-2::-1]:
        hi, lo = _dd_add(_dd_mul((hi, lo), (x, 0.0)), ck)
    return hi, lo


def _deriv_dd(c: tuple[float, ...], order: int) -> list[tuple[float, float]]:
    """The coefficients of the order-th derivative, each k(k-1)…·c_k exactly as hi + lo."""
    out = []
    for k in range(order, len(c)):
        factor = math.prod(range(k - order + 1, k + 1))
        hi, lo = two_product(np.float64(factor), np.float64(c[k]))
        out.append((float(hi), float(lo)))
    return out or [(0.0, 0.0)]


def _fast_two_sum(a, b):
    s = a + b
    return s, b - (s - a)


def _dd_add(a, b):
    s, e = two_difference(a[0], -b[0])  # a + b exactly
    return _fast_two_sum(s, e + (a[1] + b[1]))


def _dd_sub(a, b):
    return _dd_add(a, (-b[0], -b[1]))


def _dd_mul(a, b):
    p, e = two_product(a[0], b[0])
    return _fast_two_sum(p, e + (a[0] * b[1] + a[1] * b[0]))


def _dd_div(a, b):
    q1 = a[0] / b[0]
    r = _dd_sub(a, _dd_mul((q1, 0.0), b))
    return _fast_two_sum(q1, r[0] / b[0])


def _pow(w: Array, k: int) -> Array:
    out = np.ones(np.shape(w))
    for _ in range(k):
        out = out * w
    return out


def _times_power(v: Array, s: Array, k: int) -> Array:
    """v·s^k one factor at a time, so that it overflows only where the product does (s >= 1)."""
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(abs(k)):
            v = v * s if k > 0 else v / s
    return v


@dataclass(frozen=True)
class Form:
    """One rational activation: its polynomials and the version of its denominator."""

    # numerator coefficients p_0..p_m, ascending, trailing zeros dropped
    p: tuple[float, ...]
    # denominator coefficients q_1..q_n, trailing zeros dropped (() when Q = 1)
    q: tuple[float, ...]
    # "a": 1 + Σ|q_k||x|^k; "b": 1 + |Σ q_k x^k|
    version: str

    @property
    def m(self) -> int:
        return len(self.p) - 1

    @property
    def n(self) -> int:
        return len(self.q)

    # -- evaluation -------------------------------------------------------------------------

    def evaluate(self, x) -> tuple[Array, Array, Array]:
        """f, f' and f'' at x (float64 arrays), with no floating-point warning."""
        x = np.asarray(x, dtype=np.float64)
        far = ~(np.abs(x) <= NEAR)  # NaN goes with the far side
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            f, d1, d2 = self._near(np.where(far, 0.0, x))
            if far.any():
                ff, fd1, fd2 = self._far(np.where(far, x, 2.0 * NEAR))
                f, d1, d2 = np.where(far, ff, f), np.where(far, fd1, d1), np.where(far, fd2, d2)
        # at ±inf a vanishing limit may come out as 0·inf
        inf = np.isinf(x)
        if inf.any():
            d1 = np.where(inf & np.isnan(d1), 0.0, d1)
            d2 = np.where(inf & np.isnan(d2), 0.0, d2)
        return f, d1, d2

    def _near(self, x: Array) -> tuple[Array, Array, Array]:
        """|x| <= 1e30: every polynomial and quotient in double-double, f = P/Q,
        f' = (P' - f·Q')/Q and f'' = (P'' - 2f'·Q' - f·Q'')/Q, so that neither the zeros of P
        nor the cancellation in P'Q - PQ' (at a stationary point) cost more than a few ULPs."""
        P, P1, P2 = (_horner_dd(_deriv_dd(self.p, k), x) for k in (0, 1, 2))
        if self.n == 0:
            one = (np.ones_like(x), np.zeros_like(x))
            zero = (np.zeros_like(x), np.zeros_like(x))
            Q, Q1, Q2 = one, zero, zero
        elif self.version == "a":
            a = (1.0, *(abs(v) for v in self.q))
            ax, sg = np.abs(x), np.sign(x)
            Q, Q2 = _horner_dd(a, ax), _horner_dd(_deriv_dd(a, 2), ax)
            h1, l1 = _horner_dd(_deriv_dd(a, 1), ax)
            Q1 = (sg * h1, sg * l1)
        else:
            b = (0.0, *self.q)
            bh, bl = _horner_dd(b, x)
            sg = np.sign(bh)
            # next to 0, Σ q_k x^k underflows to 0 before x does: its sign is its lowest term's
            k0 = next(k for k, v in enumerate(b) if v != 0.0)
            sg = np.where((bh == 0) & (x != 0), math.copysign(1.0, b[k0]) * np.sign(x) ** k0, sg)
            Q = _dd_add((np.ones_like(x), np.zeros_like(x)), (sg * bh, sg * bl))
            h1, l1 = _horner_dd(_deriv_dd(b, 1), x)
            h2, l2 = _horner_dd(_deriv_dd(b, 2), x)
            Q1, Q2 = (sg * h1, sg * l1), (sg * h2, sg * l2)
        f = _dd_div(P, Q)
        d1 = _dd_div(_dd_sub(P1, _dd_mul(f, Q1)), Q)
        d2 = _dd_div(_dd_sub(_dd_sub(P2, _dd_mul(_dd_mul(d1, Q1), (2.0, 0.0))), _dd_mul(f, Q2)), Q)
        return f[0], d1[0], d2[0]

    def _far(self, x: Array) -> tuple[Array, Array, Array]:
        """|x| > 1e30, beyond the roots of P and P'Q - PQ' (for any sensible coefficients):
        homogeneous in s = |x|, so that nothing overflows before the result does."""
        m, n = self.m, self.n
        s = np.abs(x)
        u, w = np.sign(x), 1.0 / s
        p1 = _deriv(self.p)
        P = _homogeneous(self.p, m, u, w)
        P1 = _homogeneous(p1, m - 1, u, w) if m >= 1 else np.zeros_like(u)
        P2 = _homogeneous(_deriv(p1), m - 2, u, w) if m >= 2 else np.zeros_like(u)
        Q, Q1, Q2 = self._denominator(u, w)
        f = _times_power(P / Q, s, m - n)
        d1 = _times_power((P1 * Q - P * Q1) / (Q * Q), s, m - n - 1)
        num2 = P2 * Q * Q - 2.0 * P1 * Q1 * Q - P * Q2 * Q + 2.0 * P * Q1 * Q1
        d2 = _times_power(num2 / (Q * Q * Q), s, m - n - 2)
        return f, d1, d2

    def _denominator(self, u: Array, w: Array) -> tuple[Array, Array, Array]:
        """Q(x)/s^n and the matching scaled Q'(x)/s^(n-1), Q''(x)/s^(n-2)."""
        n = self.n
        if n == 0:
            return np.ones_like(u), np.zeros_like(u), np.zeros_like(u)
        if self.version == "a":
            a = (1.0, *(abs(v) for v in self.q))
            au = np.abs(u)
            a1, a2 = _deriv(a), _deriv(_deriv(a))
            Q = _homogeneous(a, n, au, w)
            Q1 = np.sign(u) * _homogeneous(a1, n - 1, au, w)
            Q2 = _homogeneous(a2, n - 2, au, w) if n >= 2 else np.zeros_like(u)
            return Q, Q1, Q2
        b = (0.0, *self.q)
        b1, b2 = _deriv(b), _deriv(_deriv(b))
        B = _homogeneous(b, n, u, w)
        sg = np.sign(B)
        Q = _pow(w, n) + np.abs(B)
        Q1 = sg * _homogeneous(b1, n - 1, u, w)
        Q2 = sg * _homogeneous(b2, n - 2, u, w) if n >= 2 else np.zeros_like(u)
        return Q, Q1, Q2

    # -- what the coefficients imply ------------------------------------------------------------

    def pieces(self) -> list[tuple[float, float, np.polynomial.Polynomial]]:
        """(lo, hi, Q) for each interval on which Q is one polynomial, left to right."""
        Poly = np.polynomial.Polynomial
        if self.n == 0:
            return [(-math.inf, math.inf, Poly([1.0]))]
        if self.version == "a":
            a = np.array((1.0, *(abs(v) for v in self.q)))
            right = Poly(a)
            left = Poly(a * (-1.0) ** np.arange(len(a)))
            if np.array_equal(left.coef, right.coef):
                return [(-math.inf, math.inf, right)]
            return [(-math.inf, 0.0, left), (0.0, math.inf, right)]
        B = Poly((0.0, *self.q))
        cuts = _sign_changes(B)
        edges = [-math.inf, *cuts, math.inf]
        out = []
        for lo, hi in zip(edges[:-1], edges[1:], strict=True):
            mid = _inside(lo, hi)
            sign = 1.0 if B(mid) >= 0 else -1.0
            out.append((lo, hi, Poly([1.0]) + sign * B))
        return out


def _inside(lo: float, hi: float) -> float:
    if math.isinf(lo) and math.isinf(hi):
        return 0.0
    if math.isinf(lo):
        return hi - 1.0
    if math.isinf(hi):
        return lo + 1.0
    return 0.5 * (lo + hi)


def _real_roots(poly: np.polynomial.Polynomial) -> list[float]:
    """The distinct real roots of ``poly``, each polished by Newton's method."""
    c = np.trim_zeros(poly.coef, "b")
    if len(c) <= 1:
        return []
    roots = np.roots(c[::-1])
    scale = max(1.0, float(np.max(np.abs(roots)))) if roots.size else 1.0
    real = sorted(float(r.real) for r in roots if abs(r.imag) <= 1e-7 * max(1.0, abs(r)))
    d = poly.deriv()
    out: list[float] = []
    for r in real:
        for _ in range(4):
            dr = float(d(r))
            if dr == 0.0:
                break
            r -= float(poly(r)) / dr
        if not out or abs(r - out[-1]) > 1e-9 * scale:
            out.append(r)
    return out


def _sign_changes(B: np.polynomial.Polynomial) -> list[float]:
    """The real roots of B at which it changes sign (the kinks of |B|), 0 included."""
    roots = _real_roots(B)
    if B.coef.size and any(v != 0.0 for v in B.coef):
        low = next(k for k, v in enumerate(B.coef) if v != 0.0)
        roots = [r for r in roots if abs(r) > 1e-12] + ([0.0] if low % 2 == 1 else [])
        roots.sort()
    out = []
    for r in roots:
        h = 1e-6 * max(1.0, abs(r))
        if B(r - h) * B(r + h) < 0:
            out.append(r)
    return out


def _taylor(P: np.polynomial.Polynomial, Q: np.polynomial.Polynomial, at: float, order: int) -> list[float]:
    """The Taylor coefficients of P/Q about ``at``, up to ``order``."""
    x = np.polynomial.Polynomial([at, 1.0])
    pc = np.concatenate([P(x).coef, np.zeros(order + 1)])
    qc = np.concatenate([Q(x).coef, np.zeros(order + 1)])
    c: list[float] = []
    for k in range(order + 1):
        c.append((pc[k] - sum(qc[i] * c[k - i] for i in range(1, k + 1))) / qc[0])
    return c


#: Taylor coefficients of the two sides that differ by less than this (relative to max(1, their
#: size)) count as equal: well above the rounding of the shifted polynomials, and below the
#: jumps any coefficients a user trains leave.
_SAME = 1e-10


@dataclass(frozen=True)
class Analysis:
    """What the registry shows for one rational activation."""

    # (x, order of the lowest derivative that jumps there) for each kink
    kinks: tuple[tuple[float, int], ...]
    monotonic: bool
    # f(-inf) and f(+inf)
    limits: tuple[float, float]
    # the output range: low, high, low_closed, high_closed
    range: tuple[float, float, bool, bool]
    # "C∞", "C2", "C1" or "C0"
    smoothness: str
    # (lo, hi) outside of which the true f leaves the float64 range, or None
    finite_within: tuple[float, float] | None


@functools.lru_cache(maxsize=256)
def form(p: tuple[float, ...], q: tuple[float, ...], version: str) -> Form:
    return Form(_trim(tuple(float(v) for v in p)), _trim(tuple(float(v) for v in q)) if any(q) else (), version)


@functools.lru_cache(maxsize=256)
def analyse(p: tuple[float, ...], q: tuple[float, ...], version: str) -> Analysis:
    r = form(p, q, version)
    P = np.polynomial.Polynomial(r.p)
    parts = r.pieces()
    # kinks: where neighbouring pieces meet, the lowest order at which their expansions differ
    kinks = []
    for (_, hi, q_left), (_, _, q_right) in zip(parts[:-1], parts[1:], strict=True):
        left, right = _taylor(P, q_left, hi, 8), _taylor(P, q_right, hi, 8)
        order = next((k for k in range(1, 9) if abs(left[k] - right[k]) > _SAME * max(1.0, abs(left[k]), abs(right[k]))), 9)
        kinks.append((hi, order))
    lowest = min((k for _, k in kinks), default=None)
    smoothness = "C∞" if lowest is None else {1: "C0", 2: "C1"}.get(lowest, "C2")
    # the limits at ±inf, from the leading terms
    f_lo, f_hi = (float(v) for v in r.evaluate(np.array([-math.inf, math.inf]))[0])
    # stationary points and kinks are where f can turn
    candidates, monotonic = [], True
    for lo, hi, Qp in parts:
        N = P.deriv() * Qp - P * Qp.deriv()
        roots = [z for z in _real_roots(N) if lo < z < hi]
        probes = sorted({*roots, *(v for v in (lo, hi) if math.isfinite(v))})
        tests = [_inside(a, b) for a, b in zip([lo, *probes], [*probes, hi], strict=True) if a < b]
        scale = max(1.0, float(np.max(np.abs(N.coef))))
        if any(float(N(t)) < -1e-12 * scale for t in tests):
            monotonic = False
        candidates += roots
    candidates += [x for x, _ in kinks]
    values = [float(v) for v in r.evaluate(np.array(candidates, dtype=np.float64))[0]] if candidates else []
    top = max(values, default=-math.inf)
    bottom = min(values, default=math.inf)
    limit_top, limit_bottom = max(f_lo, f_hi), min(f_lo, f_hi)
    high = max(top, limit_top)
    low = min(bottom, limit_bottom)
    high_closed = math.isfinite(high) and top >= limit_top and values != []
    low_closed = math.isfinite(low) and bottom <= limit_bottom and values != []
    # where the true f leaves the float range: |f| ~ |c|·|x|^(m-n) far out
    within = None
    k = r.m - r.n
    if k >= 1 and any(r.p):
        lead = abs(r.p[-1]) / (abs(r.q[-1]) if r.n else 1.0)
        reach = (MAX / (4.0 * max(lead, 1e-300))) ** (1.0 / k)
        within = (-reach, reach)
    return Analysis(tuple(kinks), monotonic, (f_lo, f_hi), (low, high, low_closed, high_closed), smoothness, within)

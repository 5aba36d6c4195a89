"""Vector-valued activations: softmax, log_softmax, softmin, sparsemax, maxout (glu, which is
vector-valued too, is a gated unit: catalogue.gated).

Each record has two faces.

* The function and its Jacobian (the record's ``vector`` pair) work on whole arrays along an
  axis, batches included: ``get("softmax")(z, axis=-1)`` and ``.jacobian(z, axis=-1)``. The
  Jacobian has the shape ``(..., n_out, n_in)``: the other axes of ``z`` in order, then
  output and input index.
* The scalar interface (forward, derivatives, kinks, mp_reference, formulas) is a
  one-dimensional slice, ``get("softmax").slice``, which plots, tables and statistics show:
  logit 0 sweeps x while the other ``classes - 1`` logits stay at ``others``, and the
  derivative shown is the diagonal Jacobian term ∂y_0/∂x_0. maxout, whose outputs do not
  mix a whole axis, says in its record which slice it shows.

Infinite logits (softmax family and sparsemax): the frameworks return NaN for any +inf.
Here the +inf entries share the mass equally, which is the limit as they grow together;
a vector that is -inf everywhere is uniform, the limit as its entries fall together (both
forms are invariant to adding a constant). A NaN anywhere along the axis makes the whole
vector NaN.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache

import numpy as np

from .. import numerics as nx
from ..core.records import Activation, Naive, Param
from ..core.store import register
from ..errors import UsageError
from ..numerics import fast
from ..numerics.dd import two_difference
from ..numerics.softmax import (
    along_last,
    diagonal_put,
    s0,
    s0_complement,
    s0_one_minus_twice,
    s0_prime,
    slice_parts,
    softmax_parts,
    softmax_with_complement,
)
from . import _textbook as tb
from ._common import INF, Interval, Properties, cases, same

# --- shared pieces -------------------------------------------------------------------------

CLASSES = Param(
    "classes",
    2,
    "number of logits in the shown slice (logit 0 sweeps x, the rest stay at `others`)",
    kind="int",
    low=2,
    high=2.0**53,
)
OTHERS = Param("others", 0.0, "value of the other logits in the shown slice")
SLICE_PARAMS = (CLASSES, OTHERS)


# --- the softmax family: along an axis --------------------------------------------------------


def softmax_apply(z, axis=-1, **_slice):
    zt, ax = along_last(z, axis, "softmax")
    if zt.shape[-1] == 0:
        return np.moveaxis(zt.copy(), -1, ax)
    s, _ = softmax_with_complement(zt)
    return np.moveaxis(s, -1, ax)


def softmax_jacobian(z, axis=-1, **_slice):
    zt, _ = along_last(z, axis, "softmax")
    n = zt.shape[-1]
    if n == 0:
        return np.zeros((*zt.shape[:-1], 0, 0))
    s, complement = softmax_with_complement(zt)
    jac = -s[..., :, None] * s[..., None, :]
    return diagonal_put(jac, s * complement)


def log_softmax_apply(z, axis=-1, **_slice):
    zt, ax = along_last(z, axis, "log_softmax")
    if zt.shape[-1] == 0:
        return np.moveaxis(zt.copy(), -1, ax)
    shifted, lo, _, _, rest, _ = softmax_parts(zt)
    # log Σ e^(z - max) = log1p(Σ over the other entries): exact where the others are tiny
    return np.moveaxis((shifted - np.log1p(rest)) + lo, -1, ax)


def log_softmax_jacobian(z, axis=-1, **_slice):
    zt, _ = along_last(z, axis, "log_softmax")
    n = zt.shape[-1]
    if n == 0:
        return np.zeros((*zt.shape[:-1], 0, 0))
    s, complement = softmax_with_complement(zt)
    jac = np.repeat(-s[..., None, :], n, axis=-2)
    return diagonal_put(jac, complement)


def softmin_apply(z, axis=-1, **_slice):
    return softmax_apply(-np.asarray(z, dtype=np.float64), axis)


def softmin_jacobian(z, axis=-1, **_slice):
    # d softmax(-z)/dz = -J_softmax(-z)
    return -softmax_jacobian(-np.asarray(z, dtype=np.float64), axis)


# --- the softmax family: the slice -------------------------------------------------------------
#
# s_0(x) = σ(x - o - ln m) with m = classes - 1 other logits at o (numerics.softmax says how).


def softmax_slice(x, classes, others):
    return s0(*slice_parts(x, classes, others))


def d_softmax_slice(x, classes, others):
    return s0_prime(*slice_parts(x, classes, others))


def d2_softmax_slice(x, classes, others):
    parts = slice_parts(x, classes, others)
    return s0_prime(*parts) * s0_one_minus_twice(*parts)


def _softmax_slice_pair(x, classes, others):
    parts = slice_parts(x, classes, others)
    return s0(*parts), s0_prime(*parts)


def _mp_slice(x, classes, others, sign=1):
    """Exact s_0 and 1 - s_0 for logits (sign·x, sign·o, …)."""
    import mpmath as mp

    m = classes - 1
    ex, eo = mp.exp(sign * x), mp.exp(sign * mp.mpf(others))
    return ex / (ex + m * eo), m * eo / (ex + m * eo)


def _mp_softmax(x, classes, others):
    s, c = _mp_slice(x, classes, others)
    return s, s * c


def log_softmax_slice(x, classes, others):
    """y_0 = -softplus(o + ln m - x), as x - o - ln m - log1p(e^(x-o)/m) below o, -log1p(m e^(o-x)) above."""
    hi, lo = two_difference(x, others)
    below, e, m = slice_parts(x, classes, others)
    with np.errstate(invalid="ignore"):
        # both terms are negative below o, so the sum has no cancellation
        low_side = hi - ((math.log(m) + np.log1p(e / m)) - lo)
    return np.where(below, low_side, -np.log1p(m * e))


def d_log_softmax_slice(x, classes, others):
    return s0_complement(*slice_parts(x, classes, others))


def d2_log_softmax_slice(x, classes, others):
    return -s0_prime(*slice_parts(x, classes, others))


def _log_softmax_slice_pair(x, classes, others):
    return log_softmax_slice(x, classes, others), d_log_softmax_slice(x, classes, others)


def _mp_log_softmax(x, classes, others):
    import mpmath as mp

    m = classes - 1
    _, c = _mp_slice(x, classes, others)
    return -mp.log1p(m * mp.exp(mp.mpf(others) - x)), c


# softmin's slice is softmax's with every logit negated: s_0(x) = σ(o - x - ln m).


def softmin_slice(x, classes, others):
    return s0(*slice_parts(-x, classes, -others))


def d_softmin_slice(x, classes, others):
    return -s0_prime(*slice_parts(-x, classes, -others))


def d2_softmin_slice(x, classes, others):
    parts = slice_parts(-x, classes, -others)
    return s0_prime(*parts) * s0_one_minus_twice(*parts)


def _softmin_slice_pair(x, classes, others):
    parts = slice_parts(-x, classes, -others)
    return s0(*parts), -s0_prime(*parts)


def _mp_softmin(x, classes, others):
    s, c = _mp_slice(x, classes, others, sign=-1)
    return s, -s * c


_INF_NOTE = (
    "+inf logits share the mass equally (the limit as they grow together; PyTorch and JAX give "
    "NaN), an all -inf vector is uniform, a NaN makes the whole vector NaN"
)
_SLICE_TEXT = "shown: logits (x, others, …, others), classes of them"

register(
    Activation(
        name="softmax",
        family="vector",
        forward=softmax_slice,
        derivatives=(d_softmax_slice, d2_softmax_slice),
        evaluate_pair=_softmax_slice_pair,
        fast_pair=fast.softmax,
        mp_reference=_mp_softmax,
        vector=(softmax_apply, softmax_jacobian),
        params=SLICE_PARAMS,
        formula_tex=r"s_0(x) = \frac{e^{x}}{e^{x} + (c-1)\,e^{o}} = \sigma(x - o - \ln(c-1))",
        formula_text="softmax(z)_i = exp(z_i) / Σ_j exp(z_j); "
        + _SLICE_TEXT
        + ": s_0(x) = σ(x - others - ln(classes - 1))",
        derivative_tex=r"\frac{\partial s_0}{\partial x_0} = s_0\,(1 - s_0)",
        derivative_text="∂s_0/∂x_0 = s_0·(1 - s_0); full Jacobian ∂s_i/∂z_j = s_i·(δ_ij - s_j)",
        zeros=(),
        output_range=Interval(0.0, 1.0, False, False),
        properties=Properties(monotonic=True, bounded_above=True, bounded_below=True,
                              smoothness="C∞", zero_centred=False),
        reference="Bridle 1990, Probabilistic Interpretation of Feedforward Classification Network Outputs",
        numerics="softmax(z) shifts by the max; 1 - s of the largest entry is summed from the others, so the "
        "Jacobian diagonal keeps relative accuracy; the slice is e/(e+m) or 1/(1+m·e) with "
        "e = exp(-|x - others|) (x - others split exactly): no overflow, accurate tails; " + _INF_NOTE,
        frameworks={
            "torch": same(
                "torch.nn.functional.softmax",
                note="pass dim: dim=None (deprecated) picks 0 for 0-, 1- and 3-D input, else 1; "
                "a +inf logit gives NaN",
            ),
            "keras": same("keras.activations.softmax", note="axis=-1 (layer Softmax(axis=-1))"),
            "keras2": same("tf.keras.activations.softmax", note="axis=-1"),
            "jax": same(
                "jax.nn.softmax",
                note="axis=-1 (a tuple or None too); where= sets masked outputs to 0; "
                "a +inf logit gives NaN",
            ),
            "tf": same("tf.nn.softmax", note="axis=None means the last axis"),
        },
        naive=Naive(
            tb.softmax0,
            lambda x, classes, others: (
                tb.softmax0(x, classes, others) * (1 - tb.softmax0(x, classes, others))
            ),
            "exp(x)/(exp(x)+(k-1)*exp(others))",
            "p*(1-p)",
        ),
    )
)

register(
    Activation(
        name="log_softmax",
        family="vector",
        forward=log_softmax_slice,
        derivatives=(d_log_softmax_slice, d2_log_softmax_slice),
        evaluate_pair=_log_softmax_slice_pair,
        mp_reference=_mp_log_softmax,
        vector=(log_softmax_apply, log_softmax_jacobian),
        params=SLICE_PARAMS,
        formula_tex=r"y_0(x) = x - \ln(e^{x} + (c-1)\,e^{o}) = -\mathrm{softplus}(o + \ln(c-1) - x)",
        formula_text="log_softmax(z)_i = z_i - log Σ_j exp(z_j); "
        + _SLICE_TEXT
        + ": y_0(x) = -softplus(others + ln(classes - 1) - x)",
        derivative_tex=r"\frac{\partial y_0}{\partial x_0} = 1 - s_0",
        derivative_text="∂y_0/∂x_0 = 1 - s_0 with s = softmax; full Jacobian ∂y_i/∂z_j = δ_ij - s_j",
        zeros=(),
        output_range=Interval(-INF, 0.0, False, False),
        properties=Properties(monotonic=True, bounded_above=True, bounded_below=False,
                              smoothness="C∞", zero_centred=False),
        reference="Bridle 1990, Probabilistic Interpretation of Feedforward Classification Network Outputs",
        numerics="log_softmax(z) computes z - max - log1p(Σ exp over the other entries), exact where they are tiny; "
        "the slice is x - others - ln m - log1p(e/m) below others and -log1p(m·e) above, "
        "e = exp(-|x - others|); with k logits at +inf those get -log k and the rest -inf (the limit "
        "as they grow together; PyTorch and JAX give NaN), an all -inf vector gives -log n, a NaN "
        "makes the whole vector NaN",
        frameworks={
            "torch": same(
                "torch.nn.functional.log_softmax",
                note="pass dim: dim=None (deprecated) picks 0 for 0-, 1- and 3-D input, else 1",
            ),
            "keras": same("keras.activations.log_softmax", note="axis=-1"),
            "keras2": same(
                "tf.nn.log_softmax",
                note="reached as activation='log_softmax': tf_keras/activations.py binds log_softmax = tf.nn.log_softmax so the name "
                "deserialises, but does not export tf.keras.activations.log_softmax; last axis",
            ),
            "jax": same(
                "jax.nn.log_softmax",
                note="axis=-1 (a tuple or None too); where= sets masked outputs to -inf",
            ),
            "tf": same("tf.nn.log_softmax", note="axis=-1"),
        },
        naive=Naive(
            lambda x, classes, others: np.log(tb.softmax0(x, classes, others)),
            lambda x, classes, others: 1 - tb.softmax0(x, classes, others),
            "log(exp(x)/(exp(x)+(k-1)*exp(others)))",
            "1-p",
        ),
    )
)

register(
    Activation(
        name="softmin",
        family="vector",
        forward=softmin_slice,
        derivatives=(d_softmin_slice, d2_softmin_slice),
        evaluate_pair=_softmin_slice_pair,
        fast_pair=fast.softmin,
        mp_reference=_mp_softmin,
        vector=(softmin_apply, softmin_jacobian),
        params=SLICE_PARAMS,
        formula_tex=r"s_0(x) = \frac{e^{-x}}{e^{-x} + (c-1)\,e^{-o}} = \sigma(o - x - \ln(c-1))",
        formula_text="softmin(z) = softmax(-z); " + _SLICE_TEXT + ": s_0(x) = σ(others - x - ln(classes - 1))",
        derivative_tex=r"\frac{\partial s_0}{\partial x_0} = -s_0\,(1 - s_0)",
        derivative_text="∂s_0/∂x_0 = -s_0·(1 - s_0); full Jacobian -s_i·(δ_ij - s_j) with s = softmin(z)",
        zeros=(),
        output_range=Interval(0.0, 1.0, False, False),
        properties=Properties(monotonic=False, bounded_above=True, bounded_below=True,
                              smoothness="C∞", zero_centred=False),
        reference="softmax of -z (Bridle 1990); torch.nn.Softmin",
        numerics="softmax's forms applied to -z; -inf inputs share the mass equally (the limit as they "
        "fall together; PyTorch gives NaN), an all +inf vector is uniform, a NaN makes the whole "
        "vector NaN",
        frameworks={
            "torch": same(
                "torch.nn.functional.softmin",
                note="pass dim: dim=None (deprecated) picks 0 for 0-, 1- and 3-D input, else 1",
            ),
        },
        naive=Naive(
            tb.softmin0,
            lambda x, classes, others: (
                -tb.softmin0(x, classes, others) * (1 - tb.softmin0(x, classes, others))
            ),
            "exp(-x)/(exp(-x)+(k-1)*exp(-others))",
            "-p*(1-p)",
        ),
    )
)

# --- sparsemax ----------------------------------------------------------------------------------


def _sparsemax_last(zt):
    """Martins & Astudillo's algorithm along the last axis.

    sparsemax is invariant to adding a constant, so z is shifted by its max; an entry more
    than 1 below the max is never in the support (τ >= max - 1), so the shifted values are
    clipped at -1 without changing τ: the sums cannot overflow, ±1e308 included.
    """
    n = zt.shape[-1]
    with np.errstate(over="ignore", invalid="ignore"):
        m = np.max(zt, axis=-1, keepdims=True)
        zc = np.where(
            np.isposinf(m),
            np.where(np.isposinf(zt), 0.0, -1.0),
            np.where(np.isneginf(m), 0.0, np.clip(zt - m, -1.0, 0.0)),
        )
    zs = -np.sort(-zc, axis=-1)
    cumulative = np.cumsum(zs, axis=-1)
    j = np.arange(1, n + 1, dtype=np.float64)
    in_support = 1.0 + j * zs > cumulative
    # k = the largest j meeting the condition; at least 1 (NaN rows meet none)
    k = np.maximum(np.max(np.where(in_support, j, 0.0), axis=-1, keepdims=True), 1.0)
    # τ uses the k-th cumulative sum (Keras <= 3.15.1 summed all k of them instead)
    tau = (np.take_along_axis(cumulative, k.astype(np.intp) - 1, axis=-1) - 1.0) / k
    return np.maximum(zc - tau, 0.0)


def sparsemax_apply(z, axis=-1, **_slice):
    zt, ax = along_last(z, axis, "sparsemax")
    if zt.shape[-1] == 0:
        return np.moveaxis(zt.copy(), -1, ax)
    return np.moveaxis(_sparsemax_last(zt), -1, ax)


def sparsemax_jacobian(z, axis=-1, **_slice):
    """diag(S) - S·Sᵀ/|S| with S the indicator of the support {i : p_i > 0}."""
    zt, _ = along_last(z, axis, "sparsemax")
    n = zt.shape[-1]
    if n == 0:
        return np.zeros((*zt.shape[:-1], 0, 0))
    p = _sparsemax_last(zt)
    support = (p > 0).astype(np.float64)
    size = np.maximum(np.sum(support, axis=-1, keepdims=True), 1.0)
    jac = -support[..., :, None] * support[..., None, :] / size[..., None]
    jac = diagonal_put(jac, support - support * support / size)
    bad = np.isnan(p).any(axis=-1)
    return np.where(bad[..., None, None], np.nan, jac)


# The slice: p_0 = ((c-1)(x - o) + 1)/c between the kinks o - 1/(c-1) (where the other
# logits take all the mass) and o + 1 (where logit 0 takes it all), 0 below, 1 above.


def _sparsemax_kinks(classes, others):
    m = float(classes - 1)
    return (others - 1.0 / m, others + 1.0)


def sparsemax_slice(x, classes, others):
    lo, hi = _sparsemax_kinks(classes, others)
    m = float(classes - 1)
    xc = np.clip(x, lo, hi)
    middle = np.minimum((m * (xc - others) + 1.0) / (m + 1.0), 1.0)
    return np.where(x >= hi, 1.0, np.where(x <= lo, 0.0, middle))


def d_sparsemax_slice(x, classes, others):
    lo, hi = _sparsemax_kinks(classes, others)
    m = float(classes - 1)
    return np.where((x > lo) & (x < hi), m / (m + 1.0), 0.0)


def _mp_sparsemax(x, classes, others):
    import mpmath as mp

    m, o = mp.mpf(classes - 1), mp.mpf(others)
    if x >= o + 1:
        return mp.mpf(1), mp.mpf(0)
    if x <= o - 1 / m:
        return mp.mpf(0), mp.mpf(0)
    return (m * (x - o) + 1) / (m + 1), m / (m + 1)


register(
    Activation(
        name="sparsemax",
        family="vector",
        forward=sparsemax_slice,
        derivatives=(d_sparsemax_slice, nx.zeros_like),
        mp_reference=_mp_sparsemax,
        vector=(sparsemax_apply, sparsemax_jacobian),
        params=SLICE_PARAMS,
        kinks=_sparsemax_kinks,
        formula_tex=r"p_0(x) = \min(1, \max(0, \frac{(c-1)(x-o) + 1}{c}))",
        formula_text="sparsemax(z) = max(z - τ(z), 0), the Euclidean projection onto the simplex; "
        + _SLICE_TEXT
        + ": p_0(x) = clip(((classes - 1)(x - others) + 1)/classes, 0, 1)",
        derivative_tex=r"\frac{\partial p_0}{\partial x_0} = "
        + cases((r"\frac{c-1}{c}", r"o - \frac{1}{c-1} < x < o + 1"), ("0", r"\mathrm{otherwise}")),
        derivative_text="∂p_0/∂x_0 = (classes - 1)/classes between the kinks, else 0; "
        "full Jacobian diag(S) - S·Sᵀ/|S|, S the support indicator",
        zeros=lambda classes, others: ((-INF, _sparsemax_kinks(classes, others)[0]),),
        output_range=Interval(0.0, 1.0),
        # p_0(0) = 0 once the other logits take all the mass at x = 0 (the lower kink at or above 0)
        properties=lambda classes, others: Properties(
            monotonic=True, bounded_above=True, bounded_below=True, smoothness="C0",
            zero_centred=_sparsemax_kinks(classes, others)[0] >= 0.0,
        ),
        reference="Martins & Astudillo 2016, From Softmax to Sparsemax, arXiv:1602.02068",
        kink_convention="∂p_0/∂x_0 = 0 at both kinks: the support is {i : p_i > 0}, so logit 0 is "
        "outside it at the lower kink and alone in it at the upper one",
        numerics="sort, then τ = (Σ_{i≤k} z_(i) - 1)/k with the k-th cumulative sum; z is shifted by its "
        "max and clipped at max - 1 (such entries are never in the support), so ±1e308 cannot "
        "overflow; outputs off the support are exact zeros; " + _INF_NOTE,
        frameworks={
            "keras": same(
                "keras.activations.sparsemax",
                note="axis=-1; Keras <= 3.15.1 is wrong whenever the support has more than one entry "
                "(it sums the cumulative sums instead of taking the k-th): sparsemax([1, 0.8, 0.1, -1]) "
                "gives [0.1, 0, 0, 0] instead of [0.6, 0.4, 0, 0] (keras-team/keras #23425, fixed by "
                "PR #23469); this preset computes the correct algorithm",
            ),
        },
    )
)

# --- maxout -------------------------------------------------------------------------------------
#
# One maxout unit with k pieces: f(x) = max_j (w_j x + b_j). It is convex and piecewise linear;
# its kinks are where the upper envelope of the lines changes piece. The envelope is found once
# per parameter set in exact rational arithmetic, so the kinks are the true crossings rounded
# once. At a kink, f' is the slope of the lowest-index piece that is maximal there (the first
# maximum, as numpy's argmax picks), so the default (slopes (0, 1)) has relu's f'(0) = 0.
#
# maxout(z) splits the axis into consecutive groups of k pre-activations and takes each group's
# max: Paddle's maxout(groups=k) and TF1's maxout(num_units=n/k) (same layout). The scalar view
# is that unit fed z_j = w_j x + b_j; a slope-0 piece is a logit held at its intercept, so the
# default is a slice like the softmax family's (logit 1 sweeps x, logit 0 stays at 0) and
# f'(x) = Σ_j w_j ∂y/∂z_j.


class _Envelope:
    """The upper envelope of the lines w_j x + b_j, left to right."""

    def __init__(self, slopes: tuple[float, ...], intercepts: tuple[float, ...]):
        w = [Fraction(v) for v in slopes]
        b = [Fraction(v) for v in intercepts]
        hull: list[int] = []
        for j in sorted(range(len(w)), key=lambda i: (w[i], -b[i], i)):
            if hull and w[hull[-1]] == w[j]:
                continue  # same slope, not higher: never strictly on top
            while len(hull) >= 2:
                p, q = hull[-2], hull[-1]
                # q is useless when j overtakes p no later than q does (touching counts as useless)
                if (b[p] - b[j]) * (w[q] - w[p]) <= (b[p] - b[q]) * (w[j] - w[p]):
                    hull.pop()
                else:
                    break
            hull.append(j)
        crossings = [(b[p] - b[q]) / (w[q] - w[p]) for p, q in zip(hull, hull[1:], strict=False)]
        tie_slopes = []
        for x in crossings:
            values = [wj * x + bj for wj, bj in zip(w, b, strict=True)]
            top = max(values)
            tie_slopes.append(slopes[values.index(top)])
        self.slopes = np.array([slopes[j] for j in hull], dtype=np.float64)
        self.intercepts = np.array([intercepts[j] for j in hull], dtype=np.float64)
        self.kinks = tuple(float(x) for x in crossings)
        self.breaks = np.array(self.kinks, dtype=np.float64)
        self.tie_slopes = np.array(tie_slopes, dtype=np.float64)
        at_kinks = [max(wj * x + bj for wj, bj in zip(w, b, strict=True)) for x in crossings]
        self.kink_values = tuple(float(v) for v in at_kinks)
        self.zero_value = float(max(b))


@lru_cache(maxsize=256)
def _envelope(slopes: tuple[float, ...], intercepts: tuple[float, ...]) -> _Envelope:
    return _Envelope(tuple(slopes), tuple(intercepts))


def _line(env: _Envelope, i, x):
    """w_i x + b_i with the product exact until the last rounding; 0·(±inf) is 0."""
    w, b = env.slopes[i], env.intercepts[i]
    with np.errstate(invalid="ignore", over="ignore"):
        hi, lo = nx.two_product(x, w)
        hi = np.where((w == 0) & np.isinf(x), 0.0, hi)
        return (hi + b) + lo


def maxout(x, slopes, intercepts):
    env = _envelope(slopes, intercepts)
    left = np.searchsorted(env.breaks, x, side="left")
    right = np.searchsorted(env.breaks, x, side="right")  # differs from left only at a kink
    with np.errstate(invalid="ignore"):
        return np.maximum(_line(env, left, x), _line(env, right, x))


def d_maxout(x, slopes, intercepts):
    env = _envelope(slopes, intercepts)
    left = np.searchsorted(env.breaks, x, side="left")
    right = np.searchsorted(env.breaks, x, side="right")
    if not env.kinks:
        return np.full(np.shape(x), env.slopes[0])
    # at a kink x == breaks[left]: the tie rule's slope
    tie = env.tie_slopes[np.minimum(left, len(env.kinks) - 1)]
    return np.where(left != right, tie, env.slopes[left])


def _mp_maxout(x, slopes, intercepts):
    import mpmath as mp

    values = [mp.mpf(w) * x + mp.mpf(b) for w, b in zip(slopes, intercepts, strict=True)]
    top = max(values)
    return top, mp.mpf(slopes[values.index(top)])


def _maxout_validate(slopes, intercepts):
    if len(slopes) != len(intercepts):
        return (
            f"slopes and intercepts must have the same length (one of each per piece), "
            f"not {len(slopes)} and {len(intercepts)}"
        )
    return None


def _maxout_range(slopes, intercepts):
    env = _envelope(slopes, intercepts)
    first, last = env.slopes[0], env.slopes[-1]
    if last > 0 or first < 0:
        high, high_closed = INF, False
    else:  # a single flat piece
        high, high_closed = float(env.intercepts[0]), True
    if first > 0 or last < 0:
        return Interval(-INF, high, False, high_closed)
    # convex with slopes of both signs (or flat): the minimum is at a kink or on the flat piece
    low = min(env.kink_values) if env.kink_values else float(env.intercepts[0])
    return Interval(low, high, True, high_closed)


def _maxout_zeros(slopes, intercepts):
    # the pieces of the envelope that are the line 0 (slope and intercept both 0), each
    # between the kinks beside it
    env = _envelope(slopes, intercepts)
    edges = (-INF, *env.kinks, INF)
    return tuple((edges[i], edges[i + 1]) for i in range(len(env.slopes))
                 if env.slopes[i] == 0 and env.intercepts[i] == 0)


def _maxout_properties(slopes, intercepts):
    env = _envelope(slopes, intercepts)
    first, last = env.slopes[0], env.slopes[-1]
    return Properties(
        monotonic=bool(first >= 0),
        bounded_above=bool(first == 0 and last == 0),
        bounded_below=bool(first <= 0 <= last),
        smoothness="C0" if env.kinks else "C∞",
        zero_centred=env.zero_value == 0,
    )


def _max_groups(z, axis, slopes):
    zt, ax = along_last(z, axis, "maxout")
    n, k = zt.shape[-1], len(slopes)
    if n % k:
        raise UsageError(
            f"maxout groups its axis into pieces of {k} (one per slope), so the axis size must be a "
            f"multiple of {k}, not {n}"
        )
    return zt.reshape(*zt.shape[:-1], n // k, k), ax


def maxout_apply(z, axis=-1, slopes=(0.0, 1.0), intercepts=(0.0, 0.0)):
    groups, ax = _max_groups(z, axis, slopes)
    if groups.shape[-1] == 0 or groups.shape[-2] == 0:
        return np.moveaxis(np.zeros(groups.shape[:-1]), -1, ax)
    return np.moveaxis(np.max(groups, axis=-1), -1, ax)


def maxout_jacobian(z, axis=-1, slopes=(0.0, 1.0), intercepts=(0.0, 0.0)):
    """1 at each group's first maximal entry, 0 elsewhere; shape (..., n/k, n)."""
    groups, _ = _max_groups(z, axis, slopes)
    units, k = groups.shape[-2], groups.shape[-1]
    jac = np.zeros((*groups.shape[:-2], units, units * k))
    if units == 0 or k == 0:
        return jac
    winner = np.argmax(groups, axis=-1)  # the first maximum, as in the scalar view's tie rule
    np.put_along_axis(jac, (np.arange(units) * k + winner)[..., None], 1.0, axis=-1)
    bad = np.isnan(groups).any(axis=-1)
    return np.where(bad[..., None], np.nan, jac)


register(
    Activation(
        name="maxout",
        family="vector",
        forward=maxout,
        derivatives=(d_maxout, nx.zeros_like),
        mp_reference=_mp_maxout,
        vector=(maxout_apply, maxout_jacobian),
        params=(
            Param("slopes", (0.0, 1.0), "slope w_j of each piece (their number k is the group size)", kind="floats"),
            Param("intercepts", (0.0, 0.0), "intercept b_j of each piece, one per slope", kind="floats"),
        ),
        validate=_maxout_validate,
        kinks=lambda slopes, intercepts: _envelope(slopes, intercepts).kinks,
        formula_tex=r"f(x) = \max_j\,(w_j x + b_j)",
        formula_text="f(x) = max_j (slopes_j·x + intercepts_j); maxout(z) takes the max of each "
        "consecutive group of k = len(slopes) entries along the axis",
        derivative_tex=r"f'(x) = w_{j^*},\;\; j^* = \mathrm{first}\,\arg\max_j\,(w_j x + b_j)",
        derivative_text="f'(x) = slopes_j* for the first maximal piece j*; full Jacobian: 1 at each "
        "group's first maximal entry, shape (n/k, n)",
        zeros=_maxout_zeros,
        output_range=_maxout_range,
        properties=_maxout_properties,
        reference="Goodfellow, Warde-Farley, Mirza, Courville & Bengio 2013, Maxout Networks, "
        "arXiv:1302.4389",
        kink_convention="at a crossing f' is the slope of the lowest-index maximal piece (numpy's argmax), "
        "so the default gives relu'(0) = 0 as PyTorch; TF's reduce_max splits the gradient evenly "
        "between tied pieces instead",
        numerics="kinks come from the exact (rational) upper envelope of the lines, rounded once; "
        "w·x is formed exactly before adding b; 0·(±inf) counts as 0. maxout(z) groups consecutive "
        "entries: Paddle maxout(groups=k), TF1 tf.contrib.layers.maxout / tfa.layers.Maxout with "
        "num_units = n/k; none of PyTorch, Keras 3 or JAX ship maxout",
    )
)

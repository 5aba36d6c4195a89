"""A NaN or ±inf anywhere in the input never changes the values at the other points.

Kernels pick branches (far tails, deep underflow, cancellation-free forms) and work in
blocks of 2^14 points; a branch chosen by a reduction over the block (``a.max() > c`` is
False when the block holds a NaN) would send every point of that block down the wrong
branch. So for every registry entry and every framework preset, in float64, float32 and
float16, f, f', f'' and ``evaluate(x, (0, 1, 2))`` must give bit-identical values at the
finite points whether or not non-finite values sit elsewhere in the array.

Vector activations (the softmax family, sparsemax, glu, maxout) are included as ``act(x)``
evaluates them: along their 1-D slice, elementwise in x.
"""

import math

import mpmath
import numpy as np
import pytest
from conftest import ALL_SPECS
from hypothesis import given, settings
from hypothesis import strategies as st

import actviz
from actviz.catalogue import rectifiers, sigmoid_like
from actviz.core import bound
from actviz.numerics import dd, gates, special
from actviz.numerics import rectifiers as rectifier_kernels

DTYPES = (np.float64, np.float32, np.float16)
BLOCK = bound._EVAL_BLOCK  # the one block loop: calls, derivatives and evaluate cross the same boundary

# ALL_SPECS holds the records' parameter samples: code paths no preset takes (β·x split
# exactly, a moved threshold)
# expressions: sympy's numpy code around the catalogue kernels
EXPRESSIONS = ["gelu(2*x) - x/3", "max(silu(x), mish(x)) * tanh(x)"]
SPECS = ALL_SPECS

# where the kernels switch branches (each taken with its neighbours on both sides)
THRESHOLDS = (
    gates._ERFCX_FAR,  # gelu: Cody's erfcx beyond |x| = 4√2
    gates._GELU_CLIP,
    gates._GELU_TANH_CLIP,
    math.sqrt(-2.0 * dd.DEEP),  # gelu: exp(-x²/2) below e^-600
    -dd.DEEP,  # silu, mish, gelu(tanh): the exponent below -600
    -rectifier_kernels.EXP_FLOOR,
    rectifier_kernels.SP_CLIP,
    special.TANHSHRINK_CANCELS_BELOW,
    sigmoid_like._SOFTSIGN_TINY,
    rectifiers.TF_SOFTPLUS_SWITCH,
    20.0,  # softplus@torch's threshold
    1.0, 2.5, 3.0, 6.0,  # hard_* and relu6 corners
    709.78, 745.13,  # where e^x overflows and e^-x underflows to 0
    1e300, 1.7e308,
)


def _finite_base() -> np.ndarray:
    rng = np.random.default_rng(20261202)
    around = []
    for t in THRESHOLDS:
        for v in (t, -t):
            around += [np.nextafter(v, -np.inf), v, np.nextafter(v, np.inf)]
    tiny = [5e-324, 1e-310, 2.2250738585072014e-308, 1e-300, 1e-20]
    return np.concatenate([
        np.linspace(-700.0, 700.0, 701),  # the tails
        np.linspace(-45.0, 45.0, 901),  # where the branches are
        rng.normal(0.0, 3.0, 400),
        around, tiny, np.negative(tiny), [0.0, -0.0],
    ])


BASE = _finite_base()


def _inputs(act, dtype) -> np.ndarray:
    """The shared finite points plus this activation's kinks and their neighbours, in ``dtype``."""
    kinks = [k for k in act.kinks if math.isfinite(k)]
    extra = [np.nextafter(k, d) for k in kinks for d in (-np.inf, np.inf)]
    x = np.concatenate([BASE, kinks, extra])
    with np.errstate(over="ignore"):
        x = x.astype(dtype)
    return x[np.isfinite(x)]


def _spoil(x: np.ndarray, positions) -> tuple[np.ndarray, np.ndarray]:
    """x with NaN, +inf and -inf (in turn) at ``positions`` of the result, the finite values
    in their order everywhere else; and the mask of the finite slots."""
    n = x.size + len(positions)
    bad = np.zeros(n, dtype=bool)
    bad[list(positions)] = True
    out = np.empty(n, dtype=x.dtype)
    out[~bad] = x
    cycle = np.array([np.nan, np.inf, -np.inf], dtype=x.dtype)
    out[bad] = np.resize(cycle, int(bad.sum()))
    return out, ~bad


def _bits(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    return a.view(f"u{a.dtype.itemsize}")  # -0.0 and 0.0 differ, NaN payloads count


def _results(act, x) -> dict[str, np.ndarray]:
    f, d1, d2 = act.evaluate(x, (0, 1, 2))
    return {
        "f": act(x),
        "f'": act.derivative(x),
        "f''": act.derivative(x, order=2),
        "evaluate f": f,
        "evaluate f'": d1,
        "evaluate f''": d2,
    }


def _assert_isolated(act, x, positions):
    clean = _results(act, x)
    spoilt, finite = _spoil(x, positions)
    dirty = _results(act, spoilt)
    for what, want in clean.items():
        got = dirty[what][finite]
        assert got.dtype == want.dtype
        if not np.array_equal(_bits(got), _bits(want)):
            i = int(np.flatnonzero(_bits(got) != _bits(want))[0])
            pytest.fail(
                f"{act.spec} {what} in {x.dtype}: at x = {float(x[i])!r}, {float(want[i])!r} alone "
                f"but {float(got[i])!r} with non-finite values at {sorted(positions)[:8]}"
            )


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("spec", [*SPECS, *EXPRESSIONS])
def test_non_finite_points_leave_the_others_alone(spec, dtype):
    act = actviz.get(spec).elementwise
    x = _inputs(act, dtype)
    n = x.size
    # at the start, in the middle (a few, and a run of each kind) and at the end
    positions = {0, 1, n // 3, n // 2, n // 2 + 1, n // 2 + 2, n + 6}  # n + 6: the last of n + 7 slots
    _assert_isolated(act, x, positions)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("spec", SPECS)
def test_non_finite_points_leave_the_others_alone_across_blocks(spec, dtype):
    """An array of one and a half blocks: non-finite values inside each block and on both sides
    of the boundary; the clean array, shorter, puts every value at another block offset."""
    act = actviz.get(spec).elementwise
    x = _inputs(act, dtype)
    x = np.resize(x, BLOCK + BLOCK // 2 - 8)
    positions = {0, 500, BLOCK - 2, BLOCK - 1, BLOCK, BLOCK + 1, BLOCK + 3000, BLOCK + BLOCK // 2 - 1}
    _assert_isolated(act, x, positions)


# -- random arrays, random positions ---------------------------------------------------------

_POINTS = st.one_of(
    st.floats(-50.0, 50.0),
    st.floats(-800.0, 800.0),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([*THRESHOLDS, *(-t for t in THRESHOLDS), 0.0, -0.0, 5e-324]),
)


def _positions(data, size: int, most: int):
    """Where the non-finite values go: k distinct slots (1 <= k <= most) of an array of size + k."""
    k = data.draw(st.integers(1, most), label="how many")
    return data.draw(st.sets(st.integers(0, size + k - 1), min_size=k, max_size=k), label="positions")


# each record's specs (its defaults, its presets, the extra parameter values), so that every
# kernel gets its own examples rather than a share of one draw over the whole registry
SPECS_OF: dict[str, list[str]] = {}
for _spec in SPECS:
    SPECS_OF.setdefault(actviz.get(_spec).name, []).append(_spec)


@pytest.mark.parametrize("name", list(SPECS_OF))
@settings(max_examples=20, deadline=None)
@given(
    dtype=st.sampled_from(DTYPES),
    values=st.lists(_POINTS, min_size=1, max_size=60),
    data=st.data(),
)
def test_random_non_finite_points_leave_the_others_alone(name, dtype, values, data):
    act = actviz.get(data.draw(st.sampled_from(SPECS_OF[name]), label="spec")).elementwise
    with np.errstate(over="ignore"):
        x = np.array(values).astype(dtype)
    x = x[np.isfinite(x)]
    _assert_isolated(act, x, _positions(data, x.size, 5))


_LARGE = np.resize(BASE, 2 * BLOCK + 100)


@settings(max_examples=25, deadline=None)
@given(spec=st.sampled_from(SPECS), dtype=st.sampled_from(DTYPES), data=st.data())
def test_random_non_finite_points_in_a_large_array(spec, dtype, data):
    act = actviz.get(spec).elementwise
    with np.errstate(over="ignore"):
        x = _LARGE.astype(dtype)
    x = x[np.isfinite(x)]
    _assert_isolated(act, x, _positions(data, x.size, 4))


@pytest.mark.parametrize("spec", ["selu", "selu@onnx", "selu@mlx"])
def test_a_scaled_linear_branch_overflows_quietly_where_the_truth_does(spec):
    # found by the random test above: ONNX's γ·x at x = 1.71e308 overflowed with a warning
    # (an error under the suite's filters). The product leaves the float range exactly where
    # the exact product does: γ·x > max rounds to inf, a smaller one stays finite.
    import warnings

    from actviz.numerics.engines import MLX_SELU_SCALE, ONNX_SELU_GAMMA

    scale = {"selu": rectifiers.SELU_LAMBDA, "selu@onnx": ONNX_SELU_GAMMA, "selu@mlx": MLX_SELU_SCALE}[spec]
    x = np.array([1.7109464033707482e308, np.finfo(np.float64).max / 1.1, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = actviz.get(spec)(x)
    for xi, fi in zip(x, f, strict=True):
        exact = mpmath.mpf(float(scale)) * mpmath.mpf(float(xi))  # the branch's own constant
        assert (fi == math.inf) == (exact > mpmath.mpf(np.finfo(np.float64).max)), (xi, fi)

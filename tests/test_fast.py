"""The compiled path (numba, the `fast` extra) against the numpy reference path.

The ULP sweeps against mpmath run on both paths (tests/test_accuracy_ulp.py); here every
kernel is also compared with the numpy path on many more points than mpmath can afford, on
the special values, in every dtype and shape.
"""

import numpy as np
import pytest
from conftest import declared

import actviz
from actviz.analysis.accuracy import round_once
from actviz.numerics import fast

needs_numba = pytest.mark.skipif(not fast.installed(), reason="numba is not installed (pip install '.[fast]')")

FAST_SPECS = [act.label for rec in actviz.records() if rec.fast_pair is not None for act in declared(rec)]
SPECIAL = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 1e-310, -1e-310, 1e-300,
                    -1e-300, 1e308, -1e308, 709.78, 709.79, -745.13, -745.14, -760.0, 800.0, -800.0])


def points():
    rng = np.random.default_rng(13)
    return np.concatenate([rng.normal(0, 4, 20000), rng.uniform(-800, 800, 5000),
                           np.linspace(-40, 40, 8001), SPECIAL])


def both(act, x):
    with fast.using(False):
        ref = act.evaluate(x)
    with fast.using(True):
        got = act.evaluate(x)
    return ref, got


def ulps(got, ref):
    """|got - ref| in ULPs of ref (0 where both are the same inf or NaN)."""
    with np.errstate(invalid="ignore"):
        same = (got == ref) | (np.isnan(got) & np.isnan(ref))
        spacing = np.spacing(np.abs(ref).astype(np.float64))
        err = np.abs(got.astype(np.float64) - ref) / spacing
    return np.where(same, 0.0, err)


def test_the_switch_follows_the_environment(monkeypatch):
    monkeypatch.setenv(fast.ENV, "0")
    assert not fast.enabled()
    monkeypatch.setenv(fast.ENV, "1")
    assert fast.enabled() == fast.installed()
    with fast.using(False):
        assert not fast.enabled()


def test_small_arrays_take_the_numpy_path_unless_forced(monkeypatch):
    # a figure's or a table's few points never load numba (0.75 s of CPU in a fresh process);
    # large arrays do, and fast.using(True) forces the kernels at any size
    monkeypatch.setattr(fast, "installed", lambda: True)
    monkeypatch.delenv(fast.ENV, raising=False)
    assert not fast.wanted(1201) and not fast.wanted(fast.MIN_SIZE - 1)
    assert fast.wanted(fast.MIN_SIZE) and fast.wanted(4_000_000)
    with fast.using(True):
        assert fast.wanted(1)
    with fast.using(False):
        assert not fast.wanted(10**9)
    monkeypatch.setenv(fast.ENV, "0")
    assert not fast.wanted(10**9)


def test_a_plot_does_not_import_numba():
    import subprocess
    import sys

    code = ("import sys, numpy as np, actviz; a = actviz.get('silu'); a.evaluate(np.linspace(-6, 6, 1201)); "
            "actviz.get('swiglu')(np.ones(3), np.ones(3)); print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@needs_numba
def test_a_large_array_takes_the_kernel_and_a_small_one_the_numpy_path():
    silu = actviz.get("silu")
    big = np.linspace(-30, 30, fast.MIN_SIZE)
    with fast.using(True):
        compiled = silu.evaluate(big)
    with fast.using(False):
        numpy_path = silu.evaluate(big[:1201])
    f, d = silu.evaluate(big)
    np.testing.assert_array_equal(f, compiled[0])
    np.testing.assert_array_equal(d, compiled[1])
    small = silu.evaluate(big[:1201])
    np.testing.assert_array_equal(small[0], numpy_path[0])
    np.testing.assert_array_equal(small[1], numpy_path[1])


@needs_numba
@pytest.mark.parametrize("spec", FAST_SPECS)
def test_compiled_kernels_agree_with_the_numpy_path(spec):
    act = actviz.get(spec).elementwise
    x = points()
    (rf, rd), (f, d) = both(act, x)
    # both are within 4 / 8 ULP of mpmath (the sweeps), so within 8 / 16 of each other, and
    # the same wherever the result is ±inf or NaN
    err_d = ulps(d, rd)
    if act.record.gate:
        # f' = g + x·g' of a gate is held to the terms' size (g = f/x), as in the sweeps
        with np.errstate(all="ignore"):
            g = np.where(x != 0, rf / x, 0.0)
            size = np.abs(g) + np.abs(rd - g)
            err_d = np.where(np.isfinite(size) & (size > np.abs(rd)),
                             np.abs(d - rd) / np.spacing(size), err_d)
    assert ulps(f, rf).max() <= 8 and err_d.max() <= 16, spec
    for got, ref in ((f, rf), (d, rd)):
        exact = ~np.isfinite(ref) | ~np.isfinite(got)
        np.testing.assert_array_equal(got[exact], ref[exact], err_msg=spec)
    with fast.using(True):
        # the single calls are evaluate's numbers
        np.testing.assert_array_equal(act(x), f)
        np.testing.assert_array_equal(act.derivative(x), d)


@needs_numba
@pytest.mark.parametrize("spec", FAST_SPECS)
def test_compiled_kernels_keep_dtype_and_shape_and_round_once(spec):
    act = actviz.get(spec).elementwise
    x = points()[:4000]
    with fast.using(True), np.errstate(over="ignore"):
        f64, d64 = act.evaluate(x)
        for dt in (np.float32, np.float16):
            xn = x.astype(dt)
            f, d = act.evaluate(xn)
            assert f.dtype == dt and d.dtype == dt
            f_ref, d_ref = act.evaluate(xn.astype(np.float64))
            np.testing.assert_array_equal(f, round_once(f_ref, np.dtype(dt)))
            np.testing.assert_array_equal(d, round_once(d_ref, np.dtype(dt)))
        grid = x[:24].reshape(2, 3, 4)[:, ::2, ::-1]  # not contiguous
        f, d = act.evaluate(grid)
        assert f.shape == grid.shape
        np.testing.assert_array_equal(f, f64[:24].reshape(2, 3, 4)[:, ::2, ::-1])
        s = act(np.float64(0.5))
        assert np.ndim(s) == 0 and s == act(np.array([0.5]))[0]
        ints = act.derivative(np.arange(-3, 4))
        assert ints.dtype == np.float64


@needs_numba
def test_a_preset_that_moves_a_kink_value_keeps_the_numpy_path():
    # relu@keras-like presets set f' at a kink themselves: the kernel (PyTorch's value) is not used
    for rec in actviz.records():
        if rec.fast_pair is None:
            continue
        for fw, variant in rec.frameworks.items():
            act = actviz.get(f"{rec.name}@{fw}")
            if act._kink_override or variant.functions:
                with fast.using(True):
                    assert act._fast(1) is None, act.spec


def _runs(centre, n=4000):
    """n consecutive floats on each side of ``centre``."""
    x = [centre]
    lo = hi = centre
    for _ in range(n):
        lo, hi = np.nextafter(lo, -np.inf), np.nextafter(hi, np.inf)
        x += [lo, hi]
    return np.sort(np.array(x))


@needs_numba
@pytest.mark.parametrize("spec", [s for s in FAST_SPECS if actviz.get(s).properties
                                  and actviz.get(s).properties.monotonic])
def test_compiled_monotone_activations_stay_monotone_float_by_float(spec):
    # where two forms meet (tanh at |x| = 0.55), and about 0, where roundings tie
    act = actviz.get(spec).elementwise
    with fast.using(True):
        if act._fast(1) is None:
            pytest.skip(f"{spec} has no compiled kernel at these parameters")
    centres = [0.0, 0.55, -0.55, 1e-16, -1e-16, 1.0, -1.0, -20.0, 20.0]
    x = np.sort(np.concatenate([_runs(c) for c in centres] + [np.random.default_rng(5).normal(0, 8, 50000)]))
    with fast.using(True):
        y = act(x)
    bad = np.flatnonzero(y[1:] < y[:-1])
    assert bad.size == 0, (spec, x[bad[:3]], y[bad[:3]], y[bad[:3] + 1])


@needs_numba
def test_the_fused_and_the_split_exact_products_are_the_same_error_term():
    # the kernels take a·b's error from a fused multiply-add where the CPU has one and from
    # Dekker's split products elsewhere: the same exact term wherever it is representable,
    # so the two builds compute the same numbers. Both forms, on products of every scale
    # the kernels make (|a·b| from 2^-900 to 2^900, signs mixed)
    import numba as nb

    from actviz.numerics import compiled as c

    @nb.njit
    def products(a, b, fused, split):
        for i in range(a.size):
            p = a[i] * b[i]
            fused[i] = c._fma(a[i], b[i], -p)
            ah, al = c._split(a[i])
            bh, bl = c._split(b[i])
            split[i] = ((ah * bh - p) + ah * bl + al * bh) + al * bl

    rng = np.random.default_rng(3)
    a = rng.uniform(-1, 1, 200000) * np.exp2(rng.integers(-450, 450, 200000))
    b = rng.uniform(-1, 1, 200000) * np.exp2(rng.integers(-450, 450, 200000))
    fused, split = np.empty_like(a), np.empty_like(a)
    products(a, b, fused, split)
    np.testing.assert_array_equal(fused, split)
    assert np.count_nonzero(fused) > 190000

"""The counting rules of the implementation audit (actviz.analysis.counting): JAX's convention
(jax-ml/jax docs/accuracy.md) for ULPs, infinities, NaN, subnormals read either way, signed
zeros, and the tallies the tables and the figure are made of.

Every expected value below is worked out from the formats' definitions (float32: p = 24,
normal exponents [-126, 127], largest value 2^128 - 2^104, smallest normal 2^-126,
subnormal quantum 2^-149; float16: p = 11, [-14, 15], quantum 2^-24), as each comment says.
"""

import math

import numpy as np
import pytest

from actviz.analysis import counting as c

F32 = c.Format.of(np.float32)
F16 = c.Format.of(np.float16)
F64 = c.Format.of(np.float64)
MAX32 = float(np.finfo(np.float32).max)


def err(got, hi, lo=None, fmt=F32, ftz=False, dtype=np.float32):
    j = c.judge(np.array(got, dtype=dtype), np.array(hi, dtype=np.float64),
                None if lo is None else np.array(lo, dtype=np.float64), fmt, ftz)
    return j


def test_formats():
    assert (F32.p, F32.emin, F32.emax) == (24, -126, 127)
    assert (F16.p, F16.emin, F16.emax) == (11, -14, 15)
    assert F32.max == MAX32 == 2.0**128 - 2.0**104
    assert F32.threshold == 2.0**128 - 2.0**103  # max + half its ULP (2^104)
    assert F32.quantum == 2.0**-149 and F16.quantum == 2.0**-24
    assert F64.threshold == math.inf  # float64 holds no value at 2^1024 - 2^970: inf is the test


def test_the_ulp_is_that_of_the_reference_binade():
    # 1 - 2^-30 lies in [1/2, 1), whose float32 ULP is 2^-24: 1.0 is 2^-30/2^-24 = 1/64 ULP off
    # (the ULP of the rounded value, 1.0, would give 1/128)
    assert err([1.0], [1 - 2.0**-30]).err[0] == 2.0**-6
    # one step above 1 is one ULP (2^-23) off 1
    assert err([1 + 2.0**-23], [1.0]).err[0] == 1.0
    # at 0 the ULP is the subnormal quantum: 2^-149 against 0 is 1 ULP
    assert err([2.0**-149], [0.0]).err[0] == 1.0
    # a subnormal reference: 3 quanta against 1 quantum is 2 ULP
    assert err([3 * 2.0**-149], [2.0**-149]).err[0] == 2.0


def test_exact_ties_and_lo_beyond_them():
    # r = 1 + 2^-24 (the midpoint of 1 and 1 + 2^-23): either neighbour is exactly 1/2 ULP off
    assert err([1.0], [1 + 2.0**-24]).err[0] == 0.5
    # a hair above the midpoint (lo > 0): 1 is just over 1/2 ULP off, 1 + 2^-23 just under
    up = err([1.0, 1 + 2.0**-23], [1 + 2.0**-24] * 2, [2.0**-80] * 2).err
    assert up[0] > 0.5 > up[1]
    assert up[0] == np.nextafter(0.5, 1) and up[1] == np.nextafter(0.5, 0)


def test_infinities():
    j = err([np.inf, MAX32, np.inf, np.inf, -np.inf, np.inf],
            [1e39, 1e39, MAX32, 2.0**128 - 2.0**103 - 2.0**101, 1e39, 1.0])
    # the truth overflows (1e39 > threshold): inf is right, the largest value 1 ULP short of
    # inf at 2^128; the largest value correctly rounded, inf is 1 ULP beyond it; just under the
    # threshold, at r = 2^128 - 2^103 - 2^101, inf is (2^128 - r)/2^104 = 5/8 ULP off
    assert list(j.err[:4]) == [0.0, 1.0, 1.0, 0.625]
    # at or past the threshold the truth overflows: inf is right
    assert err([np.inf, np.inf], [2.0**128 - 2.0**103, 2.0**128 - 2.0**102]).err.tolist() == [0.0, 0.0]
    # an infinity of the wrong sign, or where the truth is nowhere near the top: wrong
    assert np.isinf(j.err[4]) and np.isinf(j.err[5])
    assert list(j.overflow) == [False] * 4 + [True, True]


def test_infinities_in_float64():
    big = float(np.finfo(np.float64).max)
    j = c.judge(np.array([big, np.inf, np.inf]), np.array([np.inf, big, np.inf]), None, F64)
    # mpmath's reference beyond 2^1024 - 2^970 rounds to inf in float64: the largest value is
    # 1 ULP (2^971) short of inf at 2^1024, inf 1 ULP beyond the largest, inf against inf 0
    assert list(j.err) == [1.0, 1.0, 0.0]


def test_nan_agreement():
    j = err([np.nan, np.nan, 1.0], [np.nan, 1.0, np.nan])
    assert j.err[0] == 0.0 and not j.nan[0]  # NaN where the truth is NaN: agrees
    assert np.isinf(j.err[1]) and np.isinf(j.err[2])
    assert list(j.nan) == [False, True, True]


def test_signed_zero():
    # -1e-50 rounds to -0 in float32: +0 has the right magnitude (1e-50/2^-149, 7e-6 ULP) and
    # the wrong sign; -0 is right; a reference that is itself zero carries no sign to judge
    j = err([0.0, -0.0, 0.0, 0.0], [-1e-50, -1e-50, -0.0, -1e-40])
    assert list(j.signed_zero) == [True, False, False, False]
    assert j.err[0] == pytest.approx(1e-50 / 2.0**-149)
    # -1e-40 is a float32 subnormal (71362 quanta): +0 is simply wrong, not a signed zero
    assert j.err[3] == pytest.approx(1e-40 / 2.0**-149)
    # read as flush-to-zero, -1e-40 flushes to -0, so +0 is a signed zero there
    assert err([0.0], [-1e-40], ftz=True).signed_zero[0]


def test_flush_to_zero_reading():
    tiny = 2.0**-126
    got = [0.0, tiny, 0.0, 2.0**-140, -tiny, 1.0]
    ref = [1e-40, 0.0, 1.5 * tiny, 2.0**-135, tiny, 1.0 + 2.0**-23]
    std = err(got, ref).err
    ftz = err(got, ref, ftz=True).err
    # gradual underflow: 1e-40 is 1e-40/2^-149 quanta from 0; 2^-126 is 2^23 quanta from 0;
    # 1.5·2^-126 is 1.5·2^23; 2^-140 against 2^-135 is (2^14 - 2^9) quanta
    assert std[0] == pytest.approx(1e-40 / 2.0**-149)
    assert std[1] == 2.0**23 and std[2] == 1.5 * 2.0**23 and std[3] == 2.0**14 - 2.0**9
    # flush-to-zero (JAX's rule): both in the subnormal gap agree; 2^-126 is 1 ULP from 0;
    # 1.5·2^-126 contracted by 2^-126 - 2^-149 is 2^22 + 1 quanta from 0
    assert ftz[0] == 0.0 and ftz[1] == 1.0 and ftz[2] == 2.0**22 + 1 and ftz[3] == 0.0
    # -2^-126 against +2^-126 crosses the gap: contracted, they are 2 ULP apart (not 2^24)
    assert std[4] == 2.0**24 and ftz[4] == 2.0
    # away from the gap nothing changes
    assert std[5] == ftz[5] == 1.0


def test_error_classes_and_exceeds():
    e = np.array([0.0, 0.5, np.nextafter(0.5, 1), 1.0, 1.5, 3.0, 4.0, 2.0**20, 2.0**21, np.inf])
    assert list(c.error_class(e)) == [0, 0, 1, 1, 2, 3, 3, 21, 22, c.NONFINITE_CLASS]
    t = c.Tally(bins=2)
    j = c.Judged(e, np.zeros(e.size, bool), np.isinf(e), np.zeros(e.size, bool))
    x = np.arange(e.size, dtype=float)
    t.add(x, j, x, x, (x > 4).astype(np.int64))
    assert t.count == 9 and t.nonfinite == 1 and t.overflow == 1 and t.first_nonfinite == 9.0
    assert t.max_ulp == 2.0**21 and t.at == 8.0
    ex = t.exceeds()
    # above ½: everything but the first two; above 1: 1.5 and up; above 4: 2^20, 2^21, inf
    assert ex[0.5] == 8 and ex[1.0] == 6 and ex[2.0] == 5 and ex[4.0] == 3 and ex[2.0**20] == 2
    assert t.correct == 2 and t.hist.sum() == e.size and t.hist[1].sum() == 5
    # merging chunks is adding them
    u = c.Tally(bins=2)
    u.merge(t)
    u.merge(t)
    assert u.count == 18 and u.exceeds()[4.0] == 6 and u.at == 8.0 and u.mean_ulp == t.mean_ulp


def test_ordinals_count_the_values_of_a_format():
    # the k-th positive float16 has bit pattern k: its ordinal is k, for subnormals and normals
    x = np.arange(1, 0x7C00, dtype=np.uint16).view(np.float16).astype(np.float64)
    np.testing.assert_array_equal(c.ordinal(x, F16.p, F16.emin), np.arange(1, 0x7C00))
    assert c.ordinal(np.array([-1.0]), F16.p, F16.emin)[0] == -float(np.float16(1.0).view(np.uint16))
    bins = c.XBins("ordinal", -65504.0, 65504.0, 10, F16.p, F16.emin)
    idx = bins.index(np.array([-65504.0, -1e-7, 0.0, 1e-7, 65504.0]))
    assert list(idx) == [0, 4, 5, 5, 9]


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_the_quick_path_gives_what_every_rule_gives(dtype):
    # results one or a few steps off random references, exact ones, zeros, subnormals, the top
    # binade and non-finite ones: the whole-array path for the common points and the path of
    # every rule agree on each
    rng = np.random.default_rng(3)
    fmt = c.Format.of(dtype)
    ref = rng.standard_normal(4000) * 10.0 ** rng.integers(-12, 5, 4000)
    ref[:50] = 0.0
    ref[50:100] *= 1e-30
    ref[100:110] = float(np.finfo(dtype).max) * 0.99
    got = ref.astype(dtype)
    got[::3] = np.nextafter(got[::3], np.asarray(np.inf, dtype=dtype))
    got[200:210] = np.inf
    got[210:220] = np.nan
    ref[220:230] = 1e-50  # rounds to +0: a -0 there is a signed zero
    got[220:230] = -0.0
    quick = c.judge(got, ref, None, fmt)
    full = c._judge_all(got.astype(np.float64), ref, None, fmt, False)
    np.testing.assert_array_equal(quick.err, full.err)
    for key in ("nan", "overflow", "signed_zero"):
        np.testing.assert_array_equal(getattr(quick, key), getattr(full, key))
    assert quick.signed_zero.any() and quick.nan.any() and quick.overflow.any()

"""The ULP measure itself: spacing at the reference, subnormals, and infinities."""

import mpmath as mp
import numpy as np
import pytest

from actviz.analysis.ulp import ulp_error


def test_one_ulp_at_one_and_in_the_subnormals():
    eps = np.finfo(np.float64).eps
    got = np.array([1.0 + eps, 5e-324 * 3])
    # 1 + eps is one spacing above 1; 3 subnormal spacings above 0 against a reference of 0
    np.testing.assert_allclose(ulp_error(got, [mp.mpf(1), mp.mpf(0)]), [1.0, 3.0])


@pytest.mark.parametrize("dtype, big", [(np.float64, mp.exp(800)), (np.float16, mp.mpf(70000)), (np.float32, mp.exp(100))])
def test_inf_is_the_correct_rounding_beyond_the_largest_value(dtype, big):
    assert ulp_error(np.array([np.inf]), [big], dtype=dtype)[0] == 0.0
    assert ulp_error(np.array([-np.inf]), [big], dtype=dtype)[0] == np.inf
    assert ulp_error(np.array([np.inf]), [mp.mpf(5)], dtype=dtype)[0] == np.inf


def test_nan_matches_only_nan():
    assert ulp_error(np.array([np.nan]), [mp.nan])[0] == 0.0
    assert ulp_error(np.array([1.0]), [mp.nan])[0] == np.inf

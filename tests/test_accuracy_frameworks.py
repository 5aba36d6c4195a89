"""The implementation audit on the real frameworks: PyTorch, JAX, TensorFlow and Keras, each
where installed (the conformance extra), skipping cleanly otherwise.

The frameworks run in a process of their own (tests/impl_framework_checks.py), as the
conformance tests' do: they start thread pools on import, and this process forks later.
Each expected value is computed there independently of the audit: by calling the framework
directly and counting against the correctly rounded values.
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def installed(*modules: str) -> bool:
    return all(importlib.util.find_spec(m) is not None for m in modules)


def run(name: str, *args: str) -> dict:
    """A function of tests/impl_framework_checks.py, run in a fresh process."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
           "JAX_PLATFORMS": "cpu", "CUDA_VISIBLE_DEVICES": "", "MPLBACKEND": "Agg"}
    out = subprocess.run([sys.executable, str(HERE / "impl_framework_checks.py"), name, *args],
                         capture_output=True, text=True, env=env, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not installed("torch"), reason="needs torch (the conformance extra)")
def test_torch_gelu_float16_counts_match_the_framework_called_directly():
    r = run("torch_gelu_float16")
    assert r["call"] == "torch.nn.functional.gelu(x, approximate='none')" and r["version"] == r["torch"]
    # not correctly rounded = not equal to the correctly rounded value (±0 alike)
    assert r["f_above_half"] == r["f_wrong"] > 0 and r["d_above_half"] == r["d_wrong"]


@pytest.mark.skipif(not installed("torch"), reason="needs torch (the conformance extra)")
def test_torch_glu_is_audited_along_its_gate_curve():
    r = run("torch_glu_float16")
    assert r["label"] == "glu@torch(b=-1.5)" and r["call"] == "torch.nn.functional.glu(z, dim=-1)[..., 0]"
    assert r["points"] == 63488
    # the audit's columns are the ones torch is called with here: the same points are off
    assert r["f_above_half"] == r["f_wrong"] and r["d_above_half"] == r["d_wrong"]


@pytest.mark.skipif(not installed("torch", "ml_dtypes"), reason="needs torch and ml_dtypes")
def test_torch_in_bfloat16_gets_bfloat16_tensors():
    r = run("torch_relu_bfloat16")
    assert r["points"] == (1 << 16) - 2 * (1 << 7) and r["f_max"] == r["d_max"] == 0.0
    assert r["notes"] == []  # bfloat16 out of bfloat16 in
    # relu'(NaN) from torch's backward is finite (its mask), where actviz propagates NaN
    assert not r["nan_df"]["agree"]


@pytest.mark.skipif(not installed("torch"), reason="needs torch (the conformance extra)")
def test_torch_step_has_no_backward():
    r = run("torch_step")
    assert not r["derivative"] and any("heaviside is not implemented" in n for n in r["notes"])


@pytest.mark.skipif(not installed("jax", "ml_dtypes"), reason="needs jax (the conformance extra)")
def test_jax_tanh_gelu_gradient_is_nan_for_huge_x():
    r = run("jax_gelu_bfloat16")
    assert r["label"] == "gelu@jax" and r["call"] == "jax.nn.gelu(x, approximate=True)"
    assert r["direct_nan"] > 0 and r["nan"] == r["nonfinite"] == r["direct_nan"]
    assert r["first"] == r["direct_first"]


@pytest.mark.skipif(not installed("tensorflow", "ml_dtypes"), reason="needs tensorflow (the conformance extra)")
def test_a_framework_call_that_fails_in_a_dtype():
    # tf.experimental.numpy.heaviside asks numpy whether bfloat16 is inexact (it is not a
    # numpy float type) and then calls .astype, which TensorFlow tensors lack
    error = run("tf_step_bfloat16")["error"]
    assert error is not None and "heaviside" in error and "astype" in error


@pytest.mark.skipif(not installed("keras", "tf_keras"), reason="needs keras and tf_keras")
def test_keras_layers_are_built_in_the_audited_dtype():
    r = run("keras_layers")
    assert r["prelu_call"] == ("keras.layers.PReLU(alpha_initializer=Constant(0.25))(x) on the "
                               f"{r['backend']} backend")
    # a float16 layer: float16 out of float16 in, and alpha = 1/4 is exact in float16
    assert r["prelu_notes"] == [] and r["prelu_f"] <= 0.5 and r["prelu_d"] == 0.0
    assert r["k2_label"] == "leaky_relu@keras2" and r["k2_call"] == "tf.keras.layers.LeakyReLU(alpha=0.3)(x)"
    assert r["k2_notes"] == [] and r["k2_error"] is None

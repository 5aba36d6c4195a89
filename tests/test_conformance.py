"""Every framework preset against the framework itself: f, f' and f'' by its own autograd.

Each preset ``name@fw`` in the registry is evaluated by the real framework in float64 on a grid
that holds the preset's kinks, the points just beside them, ±0, tails out to ±700, and ±inf and
NaN (for f), and compared with actviz's f, f' and f''. The frameworks run in subprocesses
(tests/conformance_worker.py), one per backend, each serving every preset at once: the
framework itself and Keras 3 on that backend (KERAS_BACKEND is read when keras is imported).
``@keras`` presets follow Keras 3's default TensorFlow backend; on the jax and torch backends
f' at a kink is the preset's ``backend_kinks`` value where it has one, and f'' at a kink is
not compared.

Tolerance: f, f' and f'' within ULPS units in the last place (float64) of each other (zeros of
either sign equal), or within the absolute ATOL; f' at a kink where the preset sets its value
itself (``kink_derivative``, ``backend_kinks``) must be equal.
Where the framework is the odd one (a float32 constant, NaN handled otherwise, no autograd for
f''), KNOWN below says so and the test checks that it still is.

A preset whose framework is not installed skips: ``pip install '.[test,conformance]'``.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import actviz
from actviz import registry

ULPS = 4
#: the absolute floor for f, f' and f'' (the latter two scaled by max(1, |x|)): a few ULP of 1
#: for f and f', whose framework formulas subtract terms of order 1 (1 - σ(x), e^x - 1); f''
#: from autograd's graph of a graph sums larger terms that cancel (mish'' at 10, the tanh gelu''
#: at 6: up to 1e-14 off in every framework, against mpmath), so 2^-40 ≈ 9e-13 there
ATOL = (ULPS * 2.0**-52, ULPS * 2.0**-52, 2.0**-40)
WORKER = Path(__file__).with_name("conformance_worker.py")

#: backend process -> packages it needs
BACKENDS = {"torch": ("torch",), "jax": ("jax",), "tensorflow": ("tensorflow",)}
#: preset framework -> (library, backend processes that run it)
RUNS = {
    "torch": ("native", ("torch",)),
    "jax": ("native", ("jax",)),
    "tf": ("native", ("tensorflow",)),
    "keras": ("keras", ("tensorflow", "jax", "torch")),
    "keras2": ("tf_keras", ("tensorflow",)),
}
LIBRARY_PACKAGES = {"native": (), "keras": ("keras",), "tf_keras": ("tf_keras",)}


def _installed(*modules: str) -> bool:
    return all(importlib.util.find_spec(m) is not None for m in modules)


def presets() -> list[registry.BoundActivation]:
    """Every framework preset in the registry at its defaults and, where it passes numbers to
    the framework, once more with each moved off its default (0.6·default + 0.3), so that a
    parameter the framework ignored or read under another name would show."""
    out = []
    for rec in registry.records():
        for fw in rec.frameworks:
            act = registry.get(f"{rec.name}@{fw}")
            out.append(act)
            moved = {p.name: round(0.6 * act.params[p.name] + 0.3, 6) for p in rec.params
                     if p.kind == "float" and p.name not in act.variant.fixed and not act.is_vector}
            if moved:
                try:
                    out.append(registry.get(act, **moved))
                except actviz.ParameterError:  # outside the parameter's range
                    pass
    return out


def framework_call(act: registry.BoundActivation) -> tuple[str, str, dict]:
    """(library, the framework's dotted name, its keyword arguments) for a preset: the mapping
    `actviz accuracy --impl` calls the frameworks by, so that what is checked here is what it runs."""
    from actviz.analysis.implementations import framework_call as call

    return call(act)


TINY = float(np.finfo(np.float64).tiny)


def beside(k: float) -> tuple[float, float]:
    """The floats just below and above a kink. Beside 0 these are ±the smallest normal number,
    not the subnormal ±5e-324: XLA and TensorFlow on CPU treat subnormal inputs as 0."""
    if k == 0:
        return -TINY, TINY
    return math.nextafter(k, -math.inf), math.nextafter(k, math.inf)


def grid(act: registry.BoundActivation) -> list[float]:
    """x values: ±0, a spread, tails, each kink and the floats just beside it, ±inf, NaN."""
    xs = [0.0, -0.0, 1e-300, -1e-300, 1e-8, -1e-8]
    for v in (0.1, 0.5, 0.9, 1.0, 1.1, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0, 8.0, 10.0, 13.9, 20.0, 30.0,
              34.1, 100.0, 700.0):
        xs += [v, -v]
    for k in act.kinks:
        xs += [k, *beside(k), k - 1e-6 * (1 + abs(k)), k + 1e-6 * (1 + abs(k))]
    xs += [math.inf, -math.inf, math.nan]
    out, seen = [], set()
    for v in xs:
        key = (v, math.copysign(1.0, v)) if not math.isnan(v) else "nan"
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


#: rows for the vector activations (softmax, glu, sparsemax, ...): ties, a wide spread, a
#: large logit, and support of more than one element for sparsemax
VECTOR_ROWS = [[0.0, 0.0, 0.0, 0.0], [1.0, 0.8, 0.1, -1.0], [3.0, -2.0, 0.5, -0.25],
               [30.0, -30.0, 1.0, 0.0], [700.0, 699.0, -700.0, 0.0]]


def cases() -> list:
    params = []
    for act in presets():
        lib, backends = RUNS[act.framework]
        for backend in backends:
            need = BACKENDS[backend] + LIBRARY_PACKAGES[lib]
            marks = () if _installed(*need) else pytest.mark.skip(reason=f"needs {', '.join(need)}")
            params.append(pytest.param(act.spec, backend, id=f"{act.label}-{backend}", marks=marks))
    return params


# -- the framework runs ----------------------------------------------------------------------


def _jobs(backend: str) -> list[dict]:
    jobs = []
    for act in presets():
        lib, backends = RUNS[act.framework]
        if backend not in backends or not _installed(*LIBRARY_PACKAGES[lib]):
            continue
        lib, name, kwargs = framework_call(act)
        job = {"id": act.label, "lib": lib, "name": name, "kwargs": kwargs}
        job["z" if act.is_vector else "x"] = VECTOR_ROWS if act.is_vector else grid(act)
        jobs.append(job)
    return jobs


_RESULTS: dict[str, dict] = {}


def framework_results(backend: str) -> dict:
    """{"versions", "results": {preset label: result}} for a backend. The first call starts a
    worker for every installed backend at once (they take seconds each to import their framework)."""
    if backend not in _RESULTS:
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "", "JAX_PLATFORMS": "cpu"}
        procs = {}
        for b, need in BACKENDS.items():
            if b not in _RESULTS and _installed(*need):
                procs[b] = subprocess.Popen([sys.executable, str(WORKER), b], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                            env={**env, "KERAS_BACKEND": b})
        for b, proc in procs.items():
            out, err = proc.communicate(json.dumps(_jobs(b)), timeout=900)
            assert proc.returncode == 0, f"{b} worker failed:\n{err[-3000:]}"
            _RESULTS[b] = json.loads(out)
    return _RESULTS[backend]


# -- comparison ------------------------------------------------------------------------------


def ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Units in the last place between float64 arrays; ±0 are equal, NaN-NaN is 0, NaN-number inf."""

    def ordered(v: float) -> int:  # float64 bits as an integer that is monotone in v
        i = int(np.float64(v).view(np.int64))
        return i if i >= 0 else -(i & 0x7FFFFFFFFFFFFFFF)

    out = []
    for x, y in zip(np.asarray(a, np.float64).ravel().tolist(), np.asarray(b, np.float64).ravel().tolist(),
                    strict=True):
        if math.isnan(x) or math.isnan(y):
            out.append(0.0 if math.isnan(x) and math.isnan(y) else math.inf)
        else:
            out.append(float(abs(ordered(x) - ordered(y))))
    return np.array(out).reshape(np.shape(a))


def claimed_kinks(act: registry.BoundActivation, backend: str, order: int) -> dict[float, float]:
    """The derivative values at kinks that the preset sets itself (kink_derivative,
    kink_second_derivative, and for a Keras preset on another backend its backend_kinks)."""
    variant = act.variant
    source = variant.kink_derivative if order == 1 else variant.kink_second_derivative
    claimed = dict((source(**act.params) if callable(source) else source) or {})
    if order == 1:
        claimed.update(act.backend_kink_derivatives().get(backend, {}))
    return {float(k): float(v) for k, v in claimed.items()}


def mismatches(act: registry.BoundActivation, backend: str, result: dict) -> list[str]:
    """What differs between the preset and the framework's result, one line each."""
    if "error" in result:
        return [f"framework call failed: {result['error']}"]
    if act.is_vector:
        return _vector_mismatches(act, result)
    if result["dtype"] != "float64":
        return [f"float64 input gives {result['dtype']} output"]
    xs = np.array(grid(act))
    finite = np.isfinite(xs)
    kinks = set(act.kinks)
    near = {b: k for k in act.kinks for b in beside(k)}  # point beside a kink -> the kink
    other_backend = act.framework == "keras" and backend != "tensorflow"
    problems = []
    for order, key, at in ((0, "f", xs), (1, "d1", xs[finite]), (2, "d2", xs[finite])):
        name = "f" + "'" * order
        if key not in result:
            problems.append(f"{name} not computed: {result.get(key + '_error')}")
            continue
        got = np.array(result[key], dtype=np.float64)
        want = np.asarray(act.derivative(at, order) if order else act(at), dtype=np.float64)
        claimed = claimed_kinks(act, backend, order) if order else {}
        for k, v in claimed.items():
            want = np.where(at == k, v, want)
        dist = ulp_distance(got, want)
        with np.errstate(invalid="ignore"):  # inf - inf
            err = np.abs(got - want)
        ok = (dist <= ULPS) | (err <= ATOL[order] * np.maximum(1.0, np.abs(at)) ** (order > 0))
        for k in claimed if order == 1 else ():  # f' as claimed exactly; f'' to ULPS
            ok = np.where(at == k, dist == 0, ok)
        if order == 2 and other_backend:  # f'' at kinks follows the TensorFlow backend only
            ok |= np.isin(at, list(kinks))
        # at ±inf the framework's formula may meet inf·0 or inf/inf where actviz takes the limit
        ok |= np.isinf(at) & np.isnan(got)
        for i in np.flatnonzero(~ok):
            x = float(at[i])
            if x in near:
                # beside a kink the branch may be chosen on a rounded intermediate (x/6 + ½
                # rounds to 1 just below 3, a threshold compared in float32): the kink's own
                # value, or the other side's, passes
                k = near[x]
                sides = np.array([k, 2 * k - x])
                other = [*(act.derivative(sides, order) if order else act(sides)), claimed.get(k, math.nan)]
                if np.any(ulp_distance(np.full(3, got[i]), np.array(other)) <= ULPS):
                    continue
            problems.append(f"{name}({x!r}): framework {float(got[i])!r}, actviz {float(want[i])!r}"
                            f"{' at a kink' if x in kinks else ''}")
    return problems


def _vector_mismatches(act: registry.BoundActivation, result: dict) -> list[str]:
    # each entry within ULPS ULP of max(1, the row's largest magnitude): a softmax's small
    # entries are differences of order-1 terms, so a relative ULP of each is not what either promises
    z = np.array(VECTOR_ROWS)
    problems = []
    for key, want in (("y", act(z)), ("jacobian", act.jacobian(z))):
        got = np.array(result[key], dtype=np.float64)
        if got.shape != want.shape:
            problems.append(f"{key}: shape {got.shape} from the framework, {want.shape} from actviz")
            continue
        axes = tuple(range(1, want.ndim))
        scale = np.maximum(np.max(np.abs(want), axis=axes, keepdims=True), 1.0)
        with np.errstate(invalid="ignore", over="ignore"):
            err = np.abs(got - want) / (scale * np.finfo(np.float64).eps)
        for row in np.flatnonzero(np.max(err, axis=axes) > ULPS)[:3]:
            problems.append(f"{key} of {VECTOR_ROWS[row]}: framework {got[row].tolist()}, "
                            f"actviz {want[row].tolist()}")
    return problems


#: Where the framework itself is the odd one (each preset's note says so too, where it is a
#: property of the framework rather than of the test run): "label-backend" -> (why, a regular
#: expression that every mismatch line must match). The test checks that they still differ.
KNOWN: dict[str, tuple[str, str]] = {
    "step@torch-torch": ("torch.heaviside(nan) is 0, and it has no backward",
                         r"f\(nan\)|f'+ not computed"),
    "step@keras-tensorflow": ("tf.where-based heaviside gives 0.5 for NaN", r"f\(nan\)"),
    "step@tf-tensorflow": ("tf.experimental.numpy.heaviside gives 0.5 for NaN", r"f\(nan\)"),
    "step@keras-torch": ("Keras's torch backend computes heaviside in float32", r"float64 input gives float32"),
    "tanh@keras-jax": ("Keras 3.15.1 on jax: ops.tanh casts to result_type(float64, float) = float32",
                       r"float64 input gives float32"),
    "hard_sigmoid@torch-torch": ("hardsigmoid has no double backward; its f' is float32(1/6)",
                                 r"f'' not computed|f'\("),
    "hard_sigmoid@keras-torch": ("torch's hardsigmoid: no double backward, f' = float32(1/6)",
                                 r"f'' not computed|f'\("),
    "softsign@keras-tensorflow": ("TF has no gradient of SoftsignGrad", r"f'' not computed"),
    "softsign@keras2-tensorflow": ("TF has no gradient of SoftsignGrad", r"f'' not computed"),
    "softsign@tf-tensorflow": ("TF has no gradient of SoftsignGrad", r"f'' not computed"),
    "elu@tf-tensorflow": ("its gradient comes from exp(x) - 1, which rounds to 0 beside 0", r"f'+\(-1e-300\)"),
    "elu@keras-tensorflow": ("tf.nn.elu's gradient comes from exp(x) - 1, 0 beside 0", r"f'+\(-1e-300\)"),
    "elu@keras2-tensorflow": ("tf.nn.elu's gradient comes from exp(x) - 1, 0 beside 0", r"f'+\(-1e-300\)"),
    "selu@tf-tensorflow": ("its gradient comes from exp(x) - 1, which rounds to 0 beside 0", r"f'+\(-1e-300\)"),
    "selu@keras-tensorflow": ("tf.nn.selu's gradient comes from exp(x) - 1, 0 beside 0", r"f'+\(-1e-300\)"),
    "selu@keras2-tensorflow": ("tf.nn.selu's gradient comes from exp(x) - 1, 0 beside 0", r"f'+\(-1e-300\)"),
    # the softplus presets do not yet model these two (their notes describe torch's switch)
    "softplus@torch-torch": ("torch's autograd gives f'' = 0 at its switch", r"f''\(.* at a kink$"),
    "celu@torch-torch": ("its backward uses float32(alpha) (the preset's note)", r"f'+\(-"),
    "celu@keras-torch": ("torch's celu backward uses float32(alpha)", r"f'+\(-"),
    "prelu@keras-tensorflow": ("Constant(alpha) rounds alpha to float32 on TensorFlow", r"f'?\((-|0\.0\))"),
    "silu@tf-tensorflow": ("tf.nn.swish converts beta to float32 first", r"f'*\("),
    "softplus@keras-torch": ("Keras on torch calls torch's softplus: x above 20", r"f'*\((20|30)\.0\)"),
    "softsign@jax-jax": ("jnp.abs'(0) = 1, so f''(0) = -2 where f'' jumps from 2 to -2", r"f''\(-?0\.0\)"),
    "leaky_relu@tf-tensorflow": ("tf.nn.leaky_relu's alpha is a float32 attribute", r"f'?\((-|0\.0\))"),
    "leaky_relu@keras-tensorflow": ("tf.nn.leaky_relu's alpha is a float32 attribute", r"f'?\((-|0\.0\))"),
    "leaky_relu@keras2-tensorflow": ("tf.nn.leaky_relu's alpha is a float32 attribute", r"f'?\((-|0\.0\))"),
    "squareplus@jax-jax": ("x + √(x² + b) cancels for x ≪ 0", r"f\(-"),
    "squareplus@keras-tensorflow": ("x + √(x² + b) cancels for x ≪ 0", r"f\(-"),
    "squareplus@keras-jax": ("x + √(x² + b) cancels for x ≪ 0", r"f\(-"),
    "squareplus@keras-torch": ("x + √(x² + b) cancels for x ≪ 0", r"f\(-"),
    "gelu@tf-tensorflow": ("tf.nn.gelu scales x by float32(1/√2) in float64 too", r"f'*\("),
    "gelu@keras-tensorflow": ("tf.nn.gelu scales x by float32(1/√2) in float64 too", r"f'*\("),
    "gelu@keras2-tensorflow": ("tf.nn.gelu scales x by float32(1/√2) in float64 too", r"f'*\("),
    "softshrink@keras-tensorflow": ("its where chain gives 0 for NaN", r"f\(nan\)"),
    "softshrink@keras-jax": ("its where chain gives 0 for NaN", r"f\(nan\)"),
    "hardshrink@keras-tensorflow": ("its where chain gives 0 for NaN", r"f\(nan\)"),
    "hardshrink@keras-jax": ("its where chain gives 0 for NaN", r"f\(nan\)"),
    "threshold@keras-tensorflow": ("its where chain gives 0 for NaN", r"f\(nan\)"),
    "threshold@keras-jax": ("its where chain gives 0 for NaN", r"f\(nan\)"),
    "sparsemax@keras-tensorflow": ("Keras <= 3.15.1 sparsemax is wrong (keras-team/keras #23425)", r"(y|jacobian) of"),
    "sparsemax@keras-jax": ("Keras <= 3.15.1 sparsemax is wrong (keras-team/keras #23425)", r"(y|jacobian) of"),
    "sparsemax@keras-torch": ("Keras <= 3.15.1 sparsemax is wrong (keras-team/keras #23425)", r"(y|jacobian) of"),
}


@pytest.mark.parametrize(("spec", "backend"), cases())
def test_preset_matches_framework(spec, backend):
    act = registry.get(spec)
    run = framework_results(backend)
    result = run["results"][act.label]
    problems = mismatches(act, backend, result)
    key = f"{act.name}@{act.framework}-{backend}"
    if key in KNOWN:
        why, pattern = KNOWN[key]
        problems = [line for line in problems if not re.match(pattern, line)]
        assert not problems, "\n".join([f"{act.label}-{backend} ({why}), and besides:", *problems])
        return
    assert not problems, "\n".join([f"{act.label}-{backend} against {run['versions']}:", *problems])


@pytest.mark.parametrize("key", sorted(KNOWN))
def test_known_differences_are_still_there(key):
    """Each KNOWN difference still shows, at the defaults or the moved parameters."""
    found = []
    for p in cases():
        act = registry.get(p.values[0])
        backend = p.values[1]
        if f"{act.name}@{act.framework}-{backend}" == key:
            if p.marks:
                pytest.skip(p.marks[0].kwargs["reason"])
            run = framework_results(backend)
            found += mismatches(act, backend, run["results"][act.label])
    assert found, f"{key} now matches {framework_results(key.rsplit('-', 1)[1])['versions']}: drop it from KNOWN"


#: the package each framework's callables come from, by the first part of Variant.name
PACKAGES = {"torch": ("torch",), "jax": ("jax",), "tf": ("tf",), "keras": ("keras",), "keras2": ("tf",)}


def test_presets_name_real_parameters_and_known_cases():
    """Each preset's framework name is in its framework's package, each ``arguments`` entry
    renames a parameter the preset passes, and each KNOWN entry is a case that runs."""
    for act in presets():
        variant = act.variant
        assert variant.name.split(".")[0] in PACKAGES[act.framework], act.label
        passed = {p.name for p in act.record.params} - set(variant.fixed)
        assert set(variant.arguments) <= passed, (act.label, variant.arguments)
        assert set(variant.backend_kinks) <= {"jax", "torch"}, act.label
        for backend, kinks in act.backend_kink_derivatives().items():
            assert set(kinks) <= set(act.kinks), (act.label, backend, kinks)
    ids = {f"{registry.get(p.values[0]).name}@{registry.get(p.values[0]).framework}-{p.values[1]}"
           for p in cases()}
    assert set(KNOWN) <= ids, set(KNOWN) - ids


@pytest.mark.parametrize("name", registry.names())
def test_a_nan_elsewhere_changes_no_value(name):
    """The grids above hold NaN beside ordinary points: a NaN in an array must not change the
    values at its other points (gelu's far-tail branch once tested a.max() > 5, which a NaN
    makes False for the whole array, and returned -6.26e-9 for gelu(-6) instead of -5.92e-9)."""
    act = registry.get(name)
    if act.is_vector:
        return
    xs = np.array([x for x in grid(act) if not math.isnan(x)])
    with_nan = np.append(xs, math.nan)
    for order in (0, 1, 2):
        plain = act.derivative(xs, order) if order else act(xs)
        mixed = act.derivative(with_nan, order) if order else act(with_nan)
        assert np.isnan(mixed[-1])
        np.testing.assert_array_equal(mixed[:-1], plain, err_msg=f"{name}, order {order}")


def test_info_lists_the_other_keras_backends_kink_values():
    """`actviz info` shows, beside a Keras preset's own kink values (TensorFlow backend's),
    those of the backends that differ (measured by the conformance runs above)."""
    from typer.testing import CliRunner

    from actviz.cli import app

    result = CliRunner().invoke(app, ["info", "hard_tanh"], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if line.startswith("hard_tanh@keras"))
    assert "1 at -1, 1 at 1; torch backend: 0 at -1, 0 at 1" in row
    assert registry.get("sparse_sigmoid@keras").backend_kink_derivatives() == {"jax": {-1.0: 0.25, 1.0: 0.25}}
    assert registry.get("hard_tanh@torch").backend_kink_derivatives() == {}

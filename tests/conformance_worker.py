"""Evaluate framework activations and their autograd derivatives, for tests/test_conformance.py.

Run as ``python conformance_worker.py BACKEND`` with BACKEND torch, jax or tensorflow. It reads
a JSON list of jobs on stdin and writes {"versions": {package: version}, "results": {job id:
result}} as JSON on stdout. One process serves one backend: the framework itself and Keras 3
on that backend (KERAS_BACKEND must be set before keras is imported, hence a process per
backend); the tensorflow process also runs Keras 2 (the tf_keras package).

A scalar job is {"id", "lib", "name", "kwargs", "x"}: lib is "native", "keras" or "tf_keras";
name is the dotted name of a function, or of a layer/module class, which is built with kwargs
and then called. The result holds f, f' and f'' on x (float64, by the backend's autograd:
torch.autograd, jax.jvp, tf.GradientTape) and the output's dtype; "error" when the call
fails, "d1_error" or "d2_error" when autograd cannot go that far. A vector job (softmax,
glu, ...) has "z" (rows) instead of "x" and gets each row's output and Jacobian.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import sys
import traceback
import warnings

BACKEND = sys.argv[1] if __name__ == "__main__" else ""


def _encode(values) -> list:
    # json keeps inf, -inf and NaN (as Infinity, NaN) and repr keeps -0.0 and every bit
    return [float(v) for v in values]


def _resolve(dotted: str, lib: str):
    """The object a dotted name names: for lib tf_keras, "tf.keras.X" is tf_keras.X."""
    parts = dotted.split(".")
    if lib == "tf_keras" and parts[:2] == ["tf", "keras"]:
        parts = ["tf_keras", *parts[2:]]
    if parts[0] == "tf":
        parts[0] = "tensorflow"
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def _callable(job, initializer):
    """A one-argument function computing the job's activation on a backend tensor."""
    obj = _resolve(job["name"], job["lib"])
    kwargs = dict(job["kwargs"])
    for key, value in kwargs.items():
        if key.endswith("_initializer"):  # Keras PReLU: its slope arrives as an initializer
            kwargs[key] = initializer(job["lib"], value)
    if isinstance(obj, type):  # a layer or a module: built once, then called
        layer = obj(**kwargs)
        if hasattr(layer, "double"):  # a torch module: its weights in float64 too
            layer = layer.double()
        return layer
    tensor_args = {k: v for k, v in kwargs.items() if k in ("values", "x2")}  # heaviside's f(0)
    other = {k: v for k, v in kwargs.items() if k not in tensor_args}
    if tensor_args:
        (key, value), = tensor_args.items()
        return lambda t: obj(t, _full_like(t, value), **other)
    return lambda t: obj(t, **other)


# -- backends ------------------------------------------------------------------------------


def _torch():
    import torch

    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)  # a module's weights (PReLU's slope) in float64 from the start

    def full_like(t, v):
        return torch.full_like(t, v)

    def to_numpy_list(t):
        return _encode(t.detach().reshape(-1).tolist())

    def scalar(fn, xs):
        out = {}
        x = torch.tensor(xs, dtype=torch.float64)
        with torch.no_grad():
            y = fn(x.clone())
            out["f"], out["dtype"] = to_numpy_list(y), str(y.dtype).replace("torch.", "")
        finite = [v for v in xs if math.isfinite(v)]
        xg = torch.tensor(finite, dtype=torch.float64, requires_grad=True)
        try:
            y = fn(xg)
            (g,) = torch.autograd.grad(y.sum(), xg, create_graph=True)
            out["d1"] = to_numpy_list(g)
        except Exception as exc:  # e.g. torch.heaviside has no backward
            out["d1_error"] = f"{type(exc).__name__}: {exc}".splitlines()[0]
            return out
        if not g.requires_grad:  # piecewise linear: f' does not depend on x
            out["d2"] = [0.0] * len(finite)
            return out
        try:
            (h,) = torch.autograd.grad(g.sum(), xg, allow_unused=True)
        except Exception as exc:  # e.g. hardsigmoid has no double backward
            out["d2_error"] = f"{type(exc).__name__}: {exc}".splitlines()[0]
            return out
        out["d2"] = [0.0] * len(finite) if h is None else to_numpy_list(h)
        return out

    def vector(fn, rows):
        z = torch.tensor(rows, dtype=torch.float64)
        with torch.no_grad():
            y = fn(z.clone())
        jac = [torch.autograd.functional.jacobian(lambda r: fn(r[None])[0], r).tolist() for r in z]
        return {"y": y.tolist(), "jacobian": jac}

    def initializer(lib, value):  # Keras on the torch backend
        import keras

        return keras.initializers.Constant(value)

    return full_like, scalar, vector, initializer


def _jax():
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    def full_like(t, v):
        return jnp.full_like(t, v)

    def scalar(fn, xs):
        out = {}
        x = jnp.asarray(xs, dtype=jnp.float64)
        y = jnp.asarray(fn(x))
        out["f"], out["dtype"] = _encode(y.tolist()), str(y.dtype)
        finite = jnp.asarray([v for v in xs if math.isfinite(v)], dtype=jnp.float64)
        ones = jnp.ones_like(finite)

        def d1(t):
            return jax.jvp(fn, (t,), (ones,))[1]

        out["d1"] = _encode(jnp.asarray(d1(finite)).tolist())
        out["d2"] = _encode(jnp.asarray(jax.jvp(d1, (finite,), (ones,))[1]).tolist())
        return out

    def vector(fn, rows):
        z = jnp.asarray(rows, dtype=jnp.float64)
        y = jnp.asarray(fn(z))
        jac = [jnp.asarray(jax.jacfwd(lambda r: fn(r[None])[0])(r)).tolist() for r in z]
        return {"y": y.tolist(), "jacobian": jac}

    def initializer(lib, value):
        import keras

        return keras.initializers.Constant(value)

    return full_like, scalar, vector, initializer


def _tensorflow():
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)

    def full_like(t, v):
        return tf.fill(tf.shape(t), tf.constant(v, dtype=t.dtype))

    def scalar(fn, xs):
        out = {}
        x = tf.constant(xs, dtype=tf.float64)
        y = fn(x)
        out["f"], out["dtype"] = _encode(tf.reshape(y, [-1]).numpy().tolist()), y.dtype.name
        finite = tf.constant([v for v in xs if math.isfinite(v)], dtype=tf.float64)
        zero = tf.UnconnectedGradients.ZERO
        with tf.GradientTape() as inner:
            inner.watch(finite)
            y = fn(finite)
        g = inner.gradient(y, finite, unconnected_gradients=zero)
        out["d1"] = _encode(tf.reshape(g, [-1]).numpy().tolist())
        try:
            with tf.GradientTape() as outer:
                outer.watch(finite)
                with tf.GradientTape() as inner:
                    inner.watch(finite)
                    y = fn(finite)
                g = inner.gradient(y, finite, unconnected_gradients=zero)
            h = outer.gradient(g, finite, unconnected_gradients=zero)
        except Exception as exc:  # e.g. SoftsignGrad has no gradient of its own
            out["d2_error"] = f"{type(exc).__name__}: {exc}".splitlines()[0]
            return out
        out["d2"] = _encode(tf.reshape(h, [-1]).numpy().tolist())
        return out

    def vector(fn, rows):
        z = tf.constant(rows, dtype=tf.float64)
        y = fn(z)
        jac = []
        for r in tf.unstack(z):
            # row by row: tape.jacobian's pfor would call a Keras 2 softmax on 1-D slices
            with tf.GradientTape(persistent=True) as tape:
                tape.watch(r)
                yr = fn(r[None])[0]
                outs = [yr[i] for i in range(yr.shape[0])]
            jac.append([tape.gradient(o, r).numpy().tolist() for o in outs])
        return {"y": y.numpy().tolist(), "jacobian": jac}

    def initializer(lib, value):
        if lib == "tf_keras":
            import tf_keras

            return tf_keras.initializers.Constant(value)
        import keras

        return keras.initializers.Constant(value)

    return full_like, scalar, vector, initializer


def _full_like(t, v):
    return _FULL_LIKE(t, v)


def main() -> None:
    global _FULL_LIKE
    os.environ["KERAS_BACKEND"] = BACKEND
    warnings.simplefilter("ignore")
    full_like, scalar, vector, initializer = {"torch": _torch, "jax": _jax, "tensorflow": _tensorflow}[BACKEND]()
    _FULL_LIKE = full_like
    jobs = json.load(sys.stdin)
    if any(job["lib"] == "keras" for job in jobs):
        import keras

        keras.config.set_floatx("float64")
        assert keras.config.backend() == BACKEND, keras.config.backend()
    if any(job["lib"] == "tf_keras" for job in jobs):
        import tf_keras

        tf_keras.backend.set_floatx("float64")
    results = {}
    for job in jobs:
        try:
            fn = _callable(job, initializer)
            results[job["id"]] = vector(fn, job["z"]) if "z" in job else scalar(fn, job["x"])
        except Exception as exc:
            lines = traceback.format_exception_only(type(exc), exc)
            results[job["id"]] = {"error": lines[-1].strip()}
    versions = {}
    for module in ("torch", "jax", "jaxlib", "keras", "tensorflow", "tf_keras"):
        if module in sys.modules:
            versions[module] = getattr(sys.modules[module], "__version__", "?")
    json.dump({"versions": versions, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()

"""Framework-side work for tests/test_accuracy_frameworks.py, run in a process of its own.

torch, JAX and TensorFlow start thread pools when imported, and JAX warns (and a forked
child may deadlock) when a process that has them forks: the test process, whose later tests
fork (the gallery's workers, the interrupt tests), never imports them. Each function here
is run as ``python -c`` in a fresh process and returns plain data (JSON) for the test to
judge. ``correctly_rounded`` is shared with tests/test_accuracy_impl.py.
"""

import json
import sys

import numpy as np

import actviz
from actviz.analysis import accuracy as acc
from actviz.analysis import impl_audit as ia


def correctly_rounded(act, x):
    """The correctly rounded f and f' at x (a narrow dtype): actviz's float64 rounded once,
    and mpmath where that float64 value is exactly a midpoint of the dtype (there float64 has
    lost the side the truth is on)."""
    import mpmath as mp

    x64 = x.astype(np.float64)
    out = []
    for k, v in enumerate(act.evaluate(x64, (0, 1))):
        v = np.array(v, dtype=np.float64)
        r = acc.round_once(v, x.dtype).astype(np.float64)
        up = acc.round_once(np.nextafter(v, np.inf), x.dtype).astype(np.float64)
        down = acc.round_once(np.nextafter(v, -np.inf), x.dtype).astype(np.float64)
        for i in np.flatnonzero((up != down) & np.isfinite(v)):
            with mp.workdps(60):
                true = act.record.mp_reference(mp.mpf(float(x64[i])), **act.params)[k]
                r[i] = acc.round_once(np.array([float(true)]), x.dtype)[0]
                if true != mp.mpf(float(v[i])):  # the truth is off the midpoint: on its side
                    r[i] = float(up[i] if true > mp.mpf(float(v[i])) else down[i])
        out.append(r)
    return out


def f16_all():
    x = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16)
    return x[np.isfinite(x)]


def bf16_all():
    return np.concatenate([acc.piece_values("bfloat16", p) for p in acc.exhaustive_pieces("bfloat16")])


def torch_gelu_float16():
    """The audit's counts beside those of torch called directly, against the correctly
    rounded values."""
    import torch

    x = f16_all()
    t = torch.from_numpy(x.copy()).requires_grad_(True)
    y = torch.nn.functional.gelu(t)
    (g,) = torch.autograd.grad(y, t, torch.ones_like(y))
    f_true, d_true = correctly_rounded(actviz.get("gelu"), x)
    got_f, got_d = y.detach().numpy().astype(np.float64), g.numpy().astype(np.float64)
    r = ia.audit_implementation("gelu", "torch", "float16", exhaustive=True)
    return {"call": r.call, "version": r.version, "torch": torch.__version__,
            "f_above_half": r.forward.exceeds()[0.5], "d_above_half": r.derivative.exceeds()[0.5],
            "f_wrong": int(np.sum(got_f != f_true)), "d_wrong": int(np.sum(got_d != d_true))}


def torch_glu_float16():
    """glu's gate curve b·σ(x) by torch (a gated unit: columns [b, x], torch's second half being
    the gate), beside torch's glu called directly on those columns."""
    import torch

    act = actviz.get("glu(b=-1.5)")
    r = ia.audit_implementation("glu(b=-1.5)", "torch", "float16", exhaustive=True)
    x = f16_all()
    t = torch.from_numpy(x.copy()).requires_grad_(True)
    y = torch.nn.functional.glu(torch.stack([torch.full_like(t, -1.5), t], dim=-1), dim=-1)[..., 0]
    (g,) = torch.autograd.grad(y, t, torch.ones_like(y))
    f_true, d_true = correctly_rounded(act.elementwise, x)
    got_f, got_d = y.detach().numpy().astype(np.float64), g.numpy().astype(np.float64)
    return {"label": r.label, "call": r.call, "points": r.points,
            "f_above_half": r.forward.exceeds()[0.5], "d_above_half": r.derivative.exceeds()[0.5],
            "f_wrong": int(np.sum(got_f != f_true)), "d_wrong": int(np.sum(got_d != d_true))}


def torch_relu_bfloat16():
    r = ia.audit_implementation("relu", "torch", "bfloat16", exhaustive=True)
    return {"points": r.points, "f_max": r.forward.max_ulp, "d_max": r.derivative.max_ulp, "notes": r.notes,
            "nan_df": r.specials["nan"]["df"]}


def torch_step():
    r = ia.audit_implementation("step", "torch", "float16", points=101)
    return {"derivative": r.derivative is not None, "notes": r.notes}


def jax_gelu_bfloat16():
    import jax

    r = ia.audit_implementation("gelu", "jax", "bfloat16", exhaustive=True)
    x = bf16_all()
    y, pull = jax.vjp(jax.nn.gelu, jax.numpy.asarray(x))
    (g,) = pull(jax.numpy.ones_like(y))
    nan = np.isnan(np.asarray(g).astype(np.float64))
    return {"label": r.label, "call": r.call, "nan": r.derivative.nan, "nonfinite": r.derivative.nonfinite,
            "first": r.derivative.first_nonfinite, "direct_nan": int(nan.sum()),
            "direct_first": float(x[nan][0].astype(np.float64)) if nan.any() else None}


def tf_step_bfloat16():
    r = ia.audit_implementation("step", "tensorflow", "bfloat16", points=51)
    return {"error": r.error}


def keras_layers():
    import keras

    p = ia.audit_implementation("prelu(alpha=0.25)", "keras", "float16", points=101)
    k2 = ia.audit_implementation("leaky_relu", "keras2", "float16", points=101)
    return {"backend": keras.config.backend(), "prelu_call": p.call, "prelu_notes": p.notes,
            "prelu_f": p.forward.max_ulp, "prelu_d": p.derivative.max_ulp,
            "k2_label": k2.label, "k2_call": k2.call, "k2_notes": k2.notes, "k2_error": k2.error}


def cli(*args):
    """The command's exit code and standard output."""
    from typer.testing import CliRunner

    from actviz.cli import app

    result = CliRunner().invoke(app, list(args))
    return {"exit_code": result.exit_code, "stdout": result.stdout, "output": result.output}


if __name__ == "__main__":
    name, *rest = sys.argv[1:]
    print(json.dumps(globals()[name](*rest)))

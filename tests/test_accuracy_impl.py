"""Auditing other implementations (actviz.analysis.impl_audit, `actviz accuracy --impl`): the
textbook formula, the user's own functions (tests/impl_fixtures.py), actviz itself, and
PyTorch, JAX and TensorFlow where installed (those tests skip cleanly without them).

The expected values are worked out independently of the audit: from the formats' layouts,
from mpmath, or by calling the framework directly in the test and counting.
"""

import importlib.util
import json
import math

import numpy as np
import pytest
from impl_framework_checks import correctly_rounded

import actviz
from actviz.analysis import accuracy as acc
from actviz.analysis import impl_audit as ia
from actviz.analysis.implementations import framework_call, parse_implementation

F16_FINITE = 63488  # 2^16 patterns less 2·(2^10 - 1) NaNs and 2 infinities
# float16 x with exp(x) = inf: from 11.09375 (0x498C) up to 65504 (0x7BFF), as in test_accuracy_audit
F16_EXP_OVERFLOWS = 0x7BFF - 0x498C + 1
F16_SUBNORMALS = 1023  # positive ones: bit patterns 1 .. 0x3FF


def installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


needs_torch = pytest.mark.skipif(not installed("torch"), reason="needs torch (the conformance extra)")
needs_jax = pytest.mark.skipif(not installed("jax"), reason="needs jax (the conformance extra)")
needs_tf = pytest.mark.skipif(not installed("tensorflow"), reason="needs tensorflow (the conformance extra)")
needs_bf16 = pytest.mark.skipif(not installed("ml_dtypes"), reason="bfloat16 needs ml_dtypes")


def f16_all():
    x = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16)
    return x[np.isfinite(x)]


# -- parsing --implementation names ----------------------------------------------------------


def test_parsing_implementation_names():
    assert parse_implementation("TF").name == "tensorflow"
    assert parse_implementation("pytorch").kind == "framework"
    user = parse_implementation("my.pkg:gelu,d_gelu")
    assert (user.kind, user.where, user.function, user.derivative) == ("user", "my.pkg", "gelu", "d_gelu")
    assert parse_implementation("acts.py:f").where == "acts.py"
    with pytest.raises(actviz.UsageError, match="did you mean 'torch'"):
        parse_implementation("torhc")
    with pytest.raises(actviz.UsageError, match="Python names"):
        parse_implementation("mod:1f")
    with pytest.raises(actviz.UsageError, match="module"):
        parse_implementation("my mod:f")


def test_framework_calls_come_from_the_presets():
    # the parameter names and spellings the conformance tests check against the frameworks
    assert framework_call(actviz.get("gelu@torch(approximate=tanh)")) == (
        "native", "torch.nn.functional.gelu", {"approximate": "tanh"})
    assert framework_call(actviz.get("gelu@jax")) == ("native", "jax.nn.gelu", {"approximate": True})
    assert framework_call(actviz.get("leaky_relu@torch(alpha=0.2)"))[2] == {"negative_slope": 0.2}
    assert framework_call(actviz.get("softmax@torch"))[2] == {"dim": -1}


def test_a_gated_units_slice_for_a_framework_holds_the_value_input():
    from actviz.analysis.implementations import _slice_columns

    # torch, jax and keras glu: x1·σ(x2), the second half the gate input a, the first the value b
    ref = parse_implementation("torch").reference(actviz.get("glu(b=-1.5)").elementwise, ["b"])
    assert _slice_columns(ref, np.dtype(np.float16)) == [-1.5, None]
    with pytest.raises(actviz.UsageError, match="not a float16 value"):
        _slice_columns(actviz.get("glu@torch(b=0.1)").elementwise, np.dtype(np.float16))


def test_references_follow_the_framework_and_the_parameters_set():
    torch, jax, numpy = (parse_implementation(n) for n in ("torch", "jax", "numpy"))
    # nothing set: each framework's own defaults (jax.nn.gelu is the tanh form)
    assert jax.reference(actviz.get("gelu")).params == {"approximate": "tanh"}
    assert torch.reference(actviz.get("gelu")).params == {"approximate": "none"}
    assert torch.reference(actviz.get("softplus")).params == {"beta": 1.0, "threshold": 20.0}
    # set inline, or by a preset the spec names: passed on
    spec = "gelu(approximate=none)"
    assert jax.reference(actviz.get(spec), ia.named_parameters(spec)).params == {"approximate": "none"}
    assert torch.reference(actviz.get("gelu@jax")).params == {"approximate": "tanh"}
    assert torch.reference(actviz.get("leaky_relu@keras")).params == {"alpha": 0.2}
    assert numpy.reference(actviz.get("sigmoid")) == actviz.get("sigmoid")


@pytest.mark.parametrize(
    "impl, spec, message",
    [
        ("torch", "sparse_plus", "PyTorch has no sparse_plus; implementations that have it: actviz, jax, keras"),
        ("jax", "silu(beta=2)", "'beta' is fixed at 1"),
        ("torch", "hard_sigmoid@keras2", "Keras 2 / tf.keras's own definition"),
        ("numpy", "relu6", "relu6 has no textbook formula"),
        ("torch", "x*sigmoid(x)", "an expression"),
    ],
)
def test_what_an_implementation_cannot_audit(impl, spec, message):
    with pytest.raises(actviz.UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_implementation(impl).reference(actviz.get(spec).elementwise, ia.named_parameters(spec))


# -- the chunked machinery ---------------------------------------------------------------------


def test_exhaustive_pieces_hold_every_value_once():
    pieces = acc.exhaustive_pieces("float16")
    x = np.concatenate([acc.piece_values("float16", p) for p in pieces])
    assert x.size == acc.count_values("float16") == F16_FINITE
    assert np.unique(x.view(np.uint16)).size == x.size
    seen = []
    acc.run_chunks(lambda p: p[0], pieces, seen.append, workers=2)
    assert seen == [p[0] for p in pieces]  # folded in order whatever the threads did


def test_the_runner_reports_progress_in_bit_patterns_after_each_fold():
    pieces = acc.exhaustive_pieces("float32", (1.0, 1.02))  # 167,773 values, three chunks
    spans = [b - a for a, b in pieces]
    seen, progress = [], []
    acc.run_chunks(lambda p: p[0], pieces, seen.append, workers=2, progress=lambda d, t: progress.append((d, t)))
    assert seen == [a for a, _ in pieces]
    assert progress == [(sum(spans[: k + 1]), 167773) for k in range(len(pieces))]


def test_both_exhaustive_audits_run_their_chunks_through_the_one_runner(monkeypatch):
    jobs = []
    run_chunks = acc.run_chunks

    def spy(job, pieces, *args, **kwargs):
        jobs.append(type(job).__name__)
        return run_chunks(job, pieces, *args, **kwargs)

    monkeypatch.setattr(acc, "run_chunks", spy)
    acc.audit("sigmoid", "float16", exhaustive=True)
    ia.audit_implementation("sigmoid", "numpy", "float16", exhaustive=True)
    assert jobs == ["ChunkJob", "_Job"]


# -- actviz, the textbook and the user's own -------------------------------------------------


def test_actviz_judged_by_these_rules_is_correctly_rounded_in_float16():
    r = ia.audit_implementation("sigmoid", "actviz", "float16", exhaustive=True)
    assert r.points == F16_FINITE and r.error is None and r.call == "actviz.get('sigmoid')(x)"
    for part in (r.forward, r.derivative):
        assert part.exceeds()[0.5] == 0 and part.nonfinite == 0 and part.max_ulp <= 0.5


def test_textbook_sigmoid_in_float16():
    import mpmath as mp

    r = ia.audit_implementation("sigmoid", "numpy", "float16", exhaustive=True)
    assert r.call == "1/(1+exp(-x))" and r.derivative_call == "p*(1-p)"
    # exp(11.09375) is the first float16 exp to overflow: 1/(1 + inf) = 0 at x = -11.09375, where
    # σ = 1.52e-5 is below 2^-14, so its ULP is the quantum 2^-24
    f = r.forward
    assert f.at == -11.09375 and f.got == 0.0
    assert f.max_ulp == pytest.approx(float(1 / (1 + mp.exp(mp.mpf("11.09375")))) * 2**24, rel=1e-9)
    # 1/(1 + inf) = 0 is finite: nothing non-finite, and every x from -65504 to -11.09375 is
    # wrong (σ is at least the quantum there until -16.6, then rounds to 0 correctly)
    assert f.nonfinite == 0 and f.exceeds()[0.5] > 0
    # p·(1-p) loses everything where 1 - p rounds to 0 (from x = 7.625 on): σ'(7.625) = 4.87e-4
    # lies in [2^-12, 2^-11), ULP 2^-22
    d = r.derivative
    assert d.at == 7.625 and d.got == 0.0
    true = 1 / (2 + 2 * mp.cosh(mp.mpf("7.625")))
    assert d.max_ulp == pytest.approx(float(true) * 2**22, rel=1e-9)


def test_textbook_tanh_is_nan_where_exp_overflows():
    r = ia.audit_implementation("tanh", "numpy", "float16", exhaustive=True)
    # (e^x - e^-x)/(e^x + e^-x) is inf/inf on both tails: NaN against a finite truth
    assert r.forward.nan == r.forward.nonfinite == 2 * F16_EXP_OVERFLOWS
    # values run in bit-pattern order, positives first: the first is exp's first overflow
    assert r.forward.first_nonfinite == 11.09375
    assert r.forward.exceeds()[2.0**20] >= 2 * F16_EXP_OVERFLOWS  # non-finite exceeds everything


def test_a_users_function_forward_only():
    r = ia.audit_implementation("sigmoid", "impl_fixtures:sigmoid_textbook", "float16", exhaustive=True)
    book = ia.audit_implementation("sigmoid", "numpy", "float16", exhaustive=True)
    assert r.derivative is None and "no derivative given" in r.notes
    # the same formula as the record's textbook one: the same results
    assert (r.forward.at, r.forward.max_ulp, r.forward.exceeds()) == (book.forward.at, book.forward.max_ulp,
                                                                      book.forward.exceeds())
    assert r.as_dict()["derivative"] is None


def test_a_users_function_and_derivative():
    r = ia.audit_implementation("sigmoid", "impl_fixtures:sigmoid_exact,d_sigmoid_exact", "float16",
                                exhaustive=True)
    assert r.call == "sigmoid_exact(x)" and r.derivative_call == "d_sigmoid_exact(x)"
    # actviz's float64 value rounded once: correctly rounded at every value
    assert r.forward.max_ulp <= 0.5 and r.derivative.max_ulp <= 0.5
    assert r.forward.correct == r.derivative.correct == F16_FINITE


def test_a_users_function_from_a_file_with_the_specs_parameters(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text("import numpy as np\n\ndef leaky(x, alpha):\n    return np.where(x > 0, x, x * x.dtype.type(alpha))\n")
    r = ia.audit_implementation("leaky_relu(alpha=0.25)", f"{path}:leaky", "float16", exhaustive=True)
    # alpha = 1/4 is exact: x·(1/4) in float16 is exact except where it leaves the normal
    # range (subnormal results, rounded to the quantum): still correctly rounded
    assert r.call == "leaky(x, alpha=0.25)" and r.forward.max_ulp <= 0.5 and r.forward.points == F16_FINITE


def test_flush_to_zero_explained_and_read_as_such():
    act = actviz.get("gelu")
    x = f16_all()
    f, _ = correctly_rounded(act, x)
    tiny = float(np.finfo(np.float16).tiny)
    # gelu_flushed returns 0 for each correctly rounded result that is a nonzero subnormal
    flushed = int(np.sum((f != 0) & (np.abs(f) < tiny)))
    assert flushed > 1000
    plain = ia.audit_implementation("gelu", "impl_fixtures:gelu_flushed", "float16", exhaustive=True)
    assert plain.forward.ftz_explained == flushed
    assert plain.forward.max_ulp > 100  # read with gradual underflow, those are far off
    ftz = ia.audit_implementation("gelu", "impl_fixtures:gelu_flushed", "float16", exhaustive=True, ftz=True)
    assert ftz.forward.ftz_explained == flushed and ftz.forward.max_ulp <= 0.5


def test_subnormal_inputs_read_as_zero():
    # relu' with denormals-are-zero: 0 at the 1023 positive subnormal inputs, where relu' = 1
    impl = "impl_fixtures:relu_exact,d_relu_daz"
    plain = ia.audit_implementation("relu", impl, "float16", exhaustive=True)
    d = plain.derivative
    assert d.ftz_explained == F16_SUBNORMALS and d.exceeds()[0.5] == F16_SUBNORMALS
    assert d.max_ulp == 2.0**10  # 0 against 1, whose float16 ULP is 2^-10
    ftz = ia.audit_implementation("relu", impl, "float16", exhaustive=True, ftz=True)
    assert ftz.derivative.exceeds()[0.5] == 0 and ftz.derivative.ftz_explained == F16_SUBNORMALS


def test_another_dtype_is_noted_and_rounded_once():
    r = ia.audit_implementation("sigmoid", "impl_fixtures:sigmoid_float64", "float16", points=201)
    assert "f returns float64 for float16 input" in r.notes
    assert r.forward.max_ulp <= 0.5  # rounded once, as storing it in float16 would


def test_a_call_that_fails_is_a_result_with_its_error():
    r = ia.audit_implementation("sigmoid", "impl_fixtures:broken", "float16", points=51)
    assert r.error == "impl_fixtures:broken: broken(x) failed: ValueError: no such kernel"
    assert r.as_dict()["forward"] is None


@needs_bf16
def test_the_reference_is_decided_by_mpmath_at_midpoints():
    import ml_dtypes

    # gelu(x) = x/2 + x²/√(2π) + ...: for x = k·2^-133 (k < 256: the subnormals and the first
    # normal binade of bfloat16) float64 gives exactly x/2, a midpoint of bfloat16 for odd k
    # (x²/√(2π) is 2^-133 of x/2, beyond float64's 2^-53); the truth lies a hair beyond it on
    # the side of +x², so its correct rounding is not necessarily x/2's tie-to-even
    r = ia.audit_implementation("gelu", "actviz", "bfloat16", exhaustive=True)
    odd = 2 * 128  # odd k from 1 to 255, both signs
    assert r.forward.mp_decided == odd
    x = np.concatenate([acc.piece_values("bfloat16", p) for p in acc.exhaustive_pieces("bfloat16")])
    f, _ = correctly_rounded(actviz.get("gelu"), x)
    ours = acc.round_once(actviz.get("gelu")(x.astype(np.float64)), np.dtype(ml_dtypes.bfloat16))
    wrong = int(np.sum(ours.astype(np.float64) != f))
    # actviz rounds its float64 x/2 to even, and half of those ties go the wrong way: a
    # double rounding (the truth to float64, then to bfloat16), 2^-133 of an ULP past ½
    assert r.forward.exceeds()[0.5] == wrong == odd // 2
    assert r.forward.max_ulp == np.nextafter(0.5, 1)


def test_mpmath_references_on_threads_keep_their_precision():
    import sys
    import threading

    # exhaustive chunks run on threads and mpmath's precision is one setting per process: a
    # thread leaving workdps must not drop another's reference to 15 digits
    act = actviz.get("gelu")
    x = np.array([k * 2.0**-133 for k in range(1, 256, 2)])  # lo is 2^-133 of hi here
    want = ia._mp_pairs(act.record.mp_reference, x, act.params)
    wrong = []

    def work():
        for _ in range(5):
            got = ia._mp_pairs(act.record.mp_reference, x, act.params)
            wrong.append(not all(np.array_equal(a, b) for a, b in zip(got, want, strict=True)))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, so that a race shows
    try:
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert want[1].any() and wrong == [False] * 20


def test_specials_compare_the_limits_and_nan():
    r = ia.audit_implementation("tanh", "numpy", "float16", points=51)
    s = r.specials
    # the textbook (e^x - e^-x)/(e^x + e^-x) is inf/inf = NaN at ±inf, where tanh is ±1
    assert math.isnan(s["-inf"]["f"]["got"]) and s["-inf"]["f"]["expected"] == -1.0
    assert not s["inf"]["f"]["agree"] and s["nan"]["f"]["agree"]
    mine = ia.audit_implementation("tanh", "actviz", "float16", points=51).specials
    assert all(v["f"]["agree"] and v["df"]["agree"] for v in mine.values())


def test_float32_chunks_the_same_on_one_thread_or_two():
    seen = []
    args = dict(range=(1.0, 1.02), exhaustive=True)
    one = ia.audit_implementation("sigmoid", "numpy", "float32", workers=1, **args)
    two = ia.audit_implementation("sigmoid", "numpy", "float32", workers=2,
                                  progress=lambda d, t: seen.append((d, t)), **args)
    a, b = one.as_dict(), two.as_dict()
    a.pop("seconds"), b.pop("seconds")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)  # NaN != NaN in a dict
    assert one.points == acc.count_values("float32", (1.0, 1.02)) == 167773
    assert seen[-1][0] == seen[-1][1] and [d for d, _ in seen] == sorted(d for d, _ in seen)
    np.testing.assert_array_equal(one.forward.hist, two.forward.hist)


def test_float64_against_mpmath():
    import mpmath as mp

    r = ia.audit_implementation("sigmoid", "numpy", "float64", range=(-720.0, -700.0), points=101)
    assert r.reference == "mpmath, 60 digits"
    # exp(-x) overflows float64 for x < -709.78: 1/(1 + inf) = 0, against σ(x) ≈ e^x, a
    # subnormal there judged against the quantum 2^-1074; worst at the first grid point past it
    f = r.forward
    assert f.at < -709.782712893384 and f.got == 0.0 and f.nonfinite == 0
    with mp.workdps(40):
        true = 1 / (1 + mp.exp(-mp.mpf(f.at)))
    assert f.max_ulp == pytest.approx(float(true / mp.mpf(2) ** -1074), rel=1e-9) and f.max_ulp > 1e14
    mine = ia.audit_implementation("sigmoid", "actviz", "float64", points=101)
    assert mine.forward.max_ulp <= 4 and mine.derivative.max_ulp <= 8


# -- the table and the figure ------------------------------------------------------------------


def test_the_table_rows():
    from actviz.render.export import implementation_grid

    records = [ia.audit_implementation("tanh", i, "float16", exhaustive=True).as_dict() for i in ("numpy", "actviz")]
    header, rows = implementation_grid(records)
    book, mine = (dict(zip(header, row, strict=True)) for row in rows)
    assert book["implementation"] == f"numpy {np.__version__}" and mine["implementation"] == "actviz"
    assert book["call"] == "(exp(x)-exp(-x))/(exp(x)+exp(-x))" and book["points"] == f"{F16_FINITE:,} (all)"
    ex = records[0]["forward"]["exceeds"]
    assert book["f > ½ / 1 / 4 ULP"] == f"{ex['0.5']:,} / {ex['1']:,} / {ex['4']:,}"
    assert book["wrong inf/NaN f; f'"] == f"{2 * F16_EXP_OVERFLOWS:,}; 0"
    assert book["±inf, NaN in"].startswith("f 1/3 (f(-inf) = nan, f(inf) = nan)")
    assert mine["f > ½ / 1 / 4 ULP"] == "0 / 0 / 0" and mine["±inf, NaN in"] == "f 3/3; f' 3/3"


def test_the_figure_counts_errors_by_x_and_class():
    from actviz.analysis.counting import N_CLASSES
    from actviz.render.analysis_figures import implementation_figure

    book = ia.audit_implementation("sigmoid", "numpy", "float16", exhaustive=True)
    mine = ia.audit_implementation("sigmoid", "impl_fixtures:sigmoid_textbook", "float16", points=201)
    fig = implementation_figure([book, mine])
    ax_f, ax_d, ax_mf, ax_md = fig.axes[:4]
    (mesh,) = [m for m in ax_f.collections if m.get_gid() == "counts"]
    counts = mesh.get_array()
    # what is drawn is the tally: classes up, x bins across, empty cells left blank
    np.testing.assert_array_equal(counts.filled(0).reshape(N_CLASSES, book.xbins.n), book.forward.hist.T)
    assert int(counts.sum()) == F16_FINITE
    labels = [t.get_text() for t in ax_f.get_yticklabels()]
    assert labels[0] == "≤ ½" and labels[-1] == "inf/NaN"
    assert ax_f.get_title(loc="left").startswith("sigmoid by numpy: f in float16")
    assert f"of {F16_FINITE:,} > ½ ULP" in ax_f.get_title(loc="left")
    # the grid audit's x is binned in asinh(x) and labelled in x; no derivative is said so
    assert "order of value" in ax_f.get_xlabel() and "order" not in ax_mf.get_xlabel()
    (note,) = [t for t in ax_md.texts if t.get_gid() == "missing"]
    assert note.get_text() == "no derivative given"
    assert fig.axes[-1].get_ylabel() == "values in the bin"  # one colour bar


def test_an_error_a_hair_above_half_shows_which_side_it_is_on():
    from actviz.render.export import ulp_text

    # 4 digits would print 0.5 for an error that is not correctly rounded
    assert ulp_text(float(np.nextafter(0.5, 1))) == "0.5000000000000001"
    assert ulp_text(0.49999) == "0.5" and ulp_text(2.0434016831) == "2.043" and ulp_text(0.5) == "0.5"

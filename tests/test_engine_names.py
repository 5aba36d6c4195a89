"""The names model configs and engines use (catalogue/engines.py): what each resolves to, the
arithmetic of the engines that write their own formula, and how info, list and compare show them.

Expected values come from mpmath (50 digits) evaluating each engine's formula with its own
constants, from the sources quoted beside each test, and, where torch is installed, from running
Hugging Face's formulas (transformers/activations.py) as written.
"""

import math

import numpy as np
import pytest
from typer.testing import CliRunner

import actviz
from actviz.analysis.difference import difference, ulps_apart
from actviz.catalogue import engines
from actviz.cli import app
from actviz.numerics import engines as ne
from actviz.registry import engine_names

X = np.linspace(-8.0, 8.0, 3201)
TANH_SPELLINGS = ("gelu_new", "gelu_accurate", "gelu_python_tanh", "gelu_pytorch_tanh")


def run(*args):
    return CliRunner().invoke(app, list(args))


# --- resolving names -----------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "means"), [
    ("gelu_new", "gelu_new@hf"),                 # a Hugging Face name needs no '@': configs hold it
    ("gelu_pytorch_tanh", "gelu_pytorch_tanh@hf"),
    ("gelu_fast", "gelu_fast@hf"),
    ("srelu", "srelu@te"),                       # only Transformer Engine has it
    ("gelu_approx", "gelu_approx@mlx"),
    ("thresholdedrelu", "thresholdedrelu@onnx"),
    ("ThresholdedRelu", "thresholdedrelu@onnx"),  # as ONNX spells it: names are case-insensitive
    ("hard_sigmoid@onnx", "hardsigmoid@onnx"),   # the record's name finds the engine's one name for it
    ("HardSigmoid@onnx", "hardsigmoid@onnx"),
    ("swish@te", "silu@te"),                     # an alias of the record, likewise
    ("gelu@transformers", "gelu@hf"),            # another spelling of the engine
    ("gelu_new@huggingface", "gelu_new@hf"),
])
def test_an_engine_name_resolves_to_its_row(spec, means):
    assert actviz.get(spec).label == means


def test_catalogue_names_come_first():
    # relu2 is the catalogue's alias of squared_relu; relu2@hf is Hugging Face's name for it
    assert actviz.get("relu2").spec == "squared_relu"
    assert actviz.get("relu2@hf").record.name == "squared_relu"
    # gelu is the catalogue's exact gelu; gelu@hf is torch's kernel arithmetic
    assert actviz.get("gelu").engine is None and actviz.get("gelu@hf").engine.engine == "hf"


def test_each_row_means_its_record_at_its_parameters():
    # transformers/activations.py: the tanh spellings and gelu_fast are approximate='tanh', gelu and
    # gelu_python the erf form; TE's gelu (math.h) and candle's Tensor::gelu (op.rs) the tanh form;
    # MindSpore's nn.GELU defaults to approximate=True
    tanh = {"gelu_new@hf", "gelu_accurate@hf", "gelu_python_tanh@hf", "gelu_pytorch_tanh@hf", "gelu_fast@hf",
            "gelu@te", "gelu@candle", "gelu_approx@mlx", "gelu@mindspore"}
    exact = {"gelu@hf", "gelu_python@hf", "gelu_erf@candle", "gelu@mlx", "gelu@onnx"}
    for row in engine_names("gelu"):
        act = actviz.get(row.spec_head)
        assert act.params["approximate"] == ("tanh" if row.spec_head in tanh else "none"), row.spec_head
    assert {r.spec_head for r in engine_names("gelu")} == tanh | exact
    assert {r.spec_head for r in engine_names("squared_relu")} == {"relu2@hf", "srelu@te", "relu2@vllm"}
    assert {r.spec_head for r in engine_names("quick_gelu")} == {
        "quick_gelu@hf", "qgelu@te", "gelu_fast_approx@mlx", "fast_gelu@mindspore", "quick_gelu@vllm"}
    # ONNX ThresholdedRelu: x for x > alpha (1.0 by default), else 0
    assert actviz.get("thresholdedrelu@onnx").params == {"threshold": 1.0, "value": 0.0}
    assert actviz.get("thresholdedrelu@onnx(threshold=2)").params["threshold"] == 2.0


@pytest.mark.parametrize(("spec", "record", "params"), [
    # TE's gated activations (te.ops GEGLU/ReGLU/SwiGLU docstrings: the gating function on the
    # first half, the opposite of torch's glu); its gelu is the tanh form (math.h)
    ("geglu@te", "geglu", {"approximate": "tanh", "b": 1.0}),
    ("reglu@te", "reglu", {"b": 1.0}),
    ("swiglu@te", "swiglu", {"beta": 1.0, "b": 1.0}),
    # vLLM's fused *AndMul kernels: silu/gelu of x[..., :d] times x[..., d:]; SwigluOAIAndMul
    # is GPT-OSS's clamped unit on interleaved halves
    ("silu_and_mul", "swiglu", {"beta": 1.0, "b": 1.0}),
    ("gelu_and_mul", "geglu", {"approximate": "none", "b": 1.0}),
    ("gelu_tanh_and_mul", "geglu", {"approximate": "tanh", "b": 1.0}),
    ("swigluoai_and_mul", "swiglu_oai", {"alpha": 1.702, "limit": 7.0, "b": 0.0}),
    ("laplace@hf", "laplace", None),
    # ACT2CLS: "gelu_10": (ClippedGELUActivation, {"min": -10, "max": 10}); "xielu": XIELUActivation
    ("gelu_10@hf", "clipped_gelu", {"min": -10.0, "max": 10.0}),
    ("xielu@hf", "xielu", {"alpha_p": 0.8, "alpha_n": 0.8, "beta": 0.5, "eps": -1e-6}),
])
def test_the_gated_and_newer_engine_names(spec, record, params):
    act = actviz.get(spec)
    assert act.record.name == record and act.engine is not None
    assert params is None or act.params == params
    assert actviz.get(act.spec) == act and actviz.get(act.label) == act
    assert run("info", spec).exit_code == 0
    if act.record.gated is None:
        return
    # the same unit as the catalogue's entry, on two inputs and on one array in the record's layout
    plain = actviz.get(record if params is None else
                       f"{record}({', '.join(f'{k}={v}' for k, v in params.items())})")
    rng = np.random.default_rng(7)
    a, b = rng.normal(0, 4, 200), rng.normal(0, 4, 200)
    np.testing.assert_array_equal(act(a, b), plain(a, b))
    x = rng.normal(0, 4, (3, 8))
    halves = act.halves(x)
    expect = (x[..., ::2], x[..., 1::2]) if record == "swiglu_oai" else (x[..., :4], x[..., 4:])
    np.testing.assert_array_equal(halves[0], expect[0])
    np.testing.assert_array_equal(act(x), plain(*expect))


def test_an_engine_name_round_trips_through_its_spec():
    for row in engine_names():
        act = actviz.get(row.spec_head)
        assert actviz.get(act.spec) == act and actviz.get(act.label) == act
        assert act.with_params().spec == act.spec


@pytest.mark.parametrize(("spec", "message"), [
    ("mish@te", "Transformer Engine has no mish in actviz's table of its names; those it has: gelu@te"),
    ("gelu@xyz", "unknown framework or engine 'xyz'; frameworks: torch, keras, keras2, jax, tf; engines: hf, te"),
    ("gelu_new@torch", "unknown activation 'gelu_new@torch'; did you mean gelu_new@hf?"),
    ("gelu_new@hf(approximate=none)", "gelu_new@hf: 'approximate' is fixed at tanh in that engine"),
    ("thresholdedrelu@onnx(value=1)", "thresholdedrelu@onnx: 'value' is fixed at 0 in that engine"),
    ("gelu_nwe", "unknown activation 'gelu_nwe'; did you mean gelu_new"),
])
def test_a_bad_engine_spec_is_a_usage_error_that_says_why(spec, message):
    with pytest.raises(actviz.UsageError) as err:
        actviz.get(spec)
    assert message in str(err.value)
    result = run("info", spec)
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_a_name_two_engines_give_different_meanings_must_say_which():
    from actviz.core.records import EngineName, Variant
    from actviz.errors import SpecError
    from actviz.registry import _bare

    rows = [EngineName("te", "x_gelu", "gelu", Variant("a")), EngineName("mlx", "x_gelu", "silu", Variant("b"))]
    with pytest.raises(SpecError, match="x_gelu' is a name in several engines with different meanings: "
                       "x_gelu@te, x_gelu@mlx; say which"):
        _bare("x_gelu", rows)
    # Hugging Face's name wins: configs are written in it
    rows.append(EngineName("hf", "x_gelu", "relu", Variant("c")))
    assert _bare("x_gelu", rows).engine == "hf"


# --- the written arithmetic ----------------------------------------------------------------------


def _mp_tanh_gelu(c, kappa="0.044715"):
    import mpmath as mp

    c, kappa = mp.mpf(c), mp.mpf(kappa)
    # ½x(1 + tanh u) as x/(1 + e^(-2u)): the same function, without 1 + tanh u losing digits
    return lambda x: x / (1 + mp.exp(-2 * c * (x + kappa * x**3)))


def _mp_erf_gelu(x):
    import mpmath as mp

    return x * mp.ncdf(x)


def _mp_te_gelu(x):
    import mpmath as mp

    # Transformer Engine's float32 literals, as float32 values
    c1, c2 = mp.mpf(float(np.float32(0.79788456))), mp.mpf(float(np.float32(0.03567741)))
    return x / (1 + mp.exp(-2 * x * (c1 + c2 * x * x)))  # x·(½ + ½·tanh v) = x·σ(2v)


@pytest.mark.parametrize(("spec", "reference"), [
    # each spelling against its own formula, exact: what it computes up to rounding
    ("gelu_new@hf", _mp_tanh_gelu("0.79788456080286535587989211986876373695")),
    ("gelu_pytorch_tanh@hf", _mp_tanh_gelu("0.79788456080286535587989211986876373695")),
    ("gelu_fast@hf", _mp_tanh_gelu("0.7978845608")),        # FastGELUActivation's rounded √(2/π)
    ("gelu@candle", _mp_tanh_gelu("0.79788456080286535587989211986876373695")),
    ("gelu_approx@mlx", _mp_tanh_gelu("0.79788456080286535587989211986876373695")),
    ("gelu@te", _mp_te_gelu),
    ("gelu@hf", _mp_erf_gelu),
    ("gelu_python@hf", _mp_erf_gelu),
    ("gelu_erf@candle", _mp_erf_gelu),
    ("gelu@mlx", _mp_erf_gelu),
])
def test_a_written_gelu_is_its_formula_up_to_the_rounding_of_what_it_cancels(spec, reference):
    import mpmath as mp

    act = actviz.get(spec)
    x = np.concatenate([X, [-30.0, -12.0, 1e-300, 1e10]])
    got = act(x)
    with mp.workdps(50):
        ref = np.array([float(reference(mp.mpf(float(v)))) for v in x])
    # 0.5·x·(1 + tanh u) is good to a few ULPs of 0.5·|x| (the terms 1 + tanh subtracts), not of f
    bound = 4 * np.spacing(0.5 * np.abs(x)) + 4 * np.spacing(np.abs(ref))
    assert np.all(np.abs(got - ref) <= bound), (spec, x[np.argmax(np.abs(got - ref) - bound)])


def test_the_four_tanh_spellings_of_hugging_face_are_the_same_float64_arithmetic():
    # gelu_new, gelu_accurate and gelu_python_tanh write 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
    # with the same constants (math.sqrt(2.0 / math.pi) == math.sqrt(2 / math.pi)) and torch's
    # pow(x, 3) is x·x·x; ATen's tanh kernel (GeluKernelImpl) writes the same operations with
    # kBeta = M_SQRT2·M_2_SQRTPI·0.5, the same double
    assert 1.4142135623730951 * 1.1283791670955126 * 0.5 == ne.SQRT_2_OVER_PI == math.sqrt(2 / math.pi)
    values = [actviz.get(s)(X) for s in TANH_SPELLINGS]
    for v in values[1:]:
        np.testing.assert_array_equal(v, values[0])
    # gelu_fast rounds √(2/π) to 0.7978845608: apart by the constant's 3.6e-12 (relative) alone
    gap = difference("gelu_fast", "gelu_new", (-8.0, 8.0), 3201)
    assert 5e-13 < gap["max_abs_f"] < 1.5e-12


def test_the_gap_between_gelu_fast_and_gelu_new_is_the_constants():
    # mpmath: f(x; 0.7978845608) - f(x; √(2/π)) at 50 digits, largest on the grid, against the
    # float64 difference of the two presets (each rounded: within a few ULP of 1)
    import mpmath as mp

    fast, new = _mp_tanh_gelu("0.7978845608"), _mp_tanh_gelu(mp.sqrt(2 / mp.pi))
    grid = np.linspace(-4.0, 4.0, 801)
    with mp.workdps(50):
        exact = np.array([float(fast(mp.mpf(float(v))) - new(mp.mpf(float(v)))) for v in grid])
    got = actviz.get("gelu_fast")(grid) - actviz.get("gelu_new")(grid)
    assert np.max(np.abs(got - exact)) < 2e-15
    assert np.max(np.abs(exact)) == pytest.approx(9.13e-13, rel=2e-3)


def test_written_forms_cancel_where_the_catalogue_does_not():
    import mpmath as mp

    # at x = -10, 1 + tanh(u) rounds to 0 in float64 (u = -43.7: tanh(u) = -1 + 2.4e-38)
    assert actviz.get("gelu_new")(-10.0) == 0.0 and actviz.get("gelu_fast")(-10.0) == 0.0
    with mp.workdps(50):
        true = float(_mp_tanh_gelu(mp.sqrt(2 / mp.pi))(mp.mpf(-10)))
    catalogue = float(actviz.get("gelu(approximate=tanh)")(-10.0))
    assert true < -1e-37 and abs(catalogue - true) <= 4 * np.spacing(abs(true))
    # torch's gelu (ATen's erf kernel): 1 + erf(x·√½) at x = -6 keeps about 8 digits
    with mp.workdps(50):
        exact = float(mp.mpf(-6) * mp.ncdf(-6))
    assert abs(float(actviz.get("gelu@hf")(-6.0)) / exact - 1) > 1e-10
    assert abs(float(actviz.get("gelu")(-6.0)) / exact - 1) < 1e-15


def test_the_constants_of_the_moved_minima():
    # mpmath findroot of f' for gelu_fast (c = 0.7978845608) and TE's float32 constants: the
    # minima the presets declare as the low end of their output range
    import mpmath as mp

    with mp.workdps(50):
        for reference, declared in ((_mp_tanh_gelu("0.7978845608"), engines.GELU_FAST_MIN),
                                    (_mp_te_gelu, engines.TE_GELU_MIN)):
            x0 = mp.findroot(lambda t, f=reference: mp.diff(f, t), mp.mpf("-0.75"))
            assert float(reference(x0)) == declared
    assert str(actviz.get("gelu_fast").output_range) == "[-0.1700407506, ∞)"
    assert actviz.get("gelu_fast").output_range.low == engines.GELU_FAST_MIN


def test_transformer_engines_backward_is_not_its_forwards_derivative():
    # math.h: gelu's tanh argument is x·(0.79788456 + 0.03567741·x²), dgelu's
    # 0.79788456·x·(1 + 0.044715·x²); float32(0.79788456)·float32(0.044715) = 0.03567740792 against
    # float32(0.03567741) = 0.03567741066
    c1, k, c2 = ne.TE_C1, ne.TE_KAPPA, ne.TE_C2
    assert c1 * k == pytest.approx(0.035677407916, rel=1e-10) and c2 == pytest.approx(0.035677410662, rel=1e-10)
    act = actviz.get("gelu@te")
    x = np.linspace(1.0, 3.0, 21)
    gap = np.abs(act.derivative(x) - act.numeric_derivative(x))
    assert 1e-10 < gap.max() < 1e-7


def test_onnx_and_mlx_selu_use_their_rounded_constants():
    import mpmath as mp

    # ONNX Selu: alpha = 1.67326319217681884765625, gamma = 1.05070102214813232421875 (the float32
    # roundings the operator's documentation states); γ·(α·eˣ - α) for x < 0, γ·x for x >= 0
    onnx, mlx = actviz.get("selu@onnx"), actviz.get("selu@mlx")
    assert float(np.float32(1.6732632423543772)) == ne.ONNX_SELU_ALPHA
    assert float(np.float32(1.0507009873554805)) == ne.ONNX_SELU_GAMMA
    x = np.array([-30.0, -2.0, -0.5, -1e-8, 0.5, 3.0])
    with mp.workdps(50):
        a, g = mp.mpf(ne.ONNX_SELU_ALPHA), mp.mpf(ne.ONNX_SELU_GAMMA)
        ref = [float(g * (a * mp.exp(v) - a)) if v < 0 else float(g * v) for v in map(mp.mpf, x)]
        # MLX: elu(x, 1.67326)·1.0507
        ref_mlx = [float((mp.mpf("1.67326") * (mp.exp(v) - 1) if v <= 0 else v) * mp.mpf("1.0507"))
                   for v in map(mp.mpf, x)]
    # α·eˣ - α and eˣ - 1 are good to an ULP or two of α next to 0, as written
    np.testing.assert_allclose(onnx(x), ref, rtol=1e-15, atol=4e-16 * 1.76)
    np.testing.assert_allclose(mlx(x), ref_mlx, rtol=1e-15, atol=4e-16 * 1.76)
    # the lower limit -λα, exactly the product of the two float32 values; f'(0) from each Where
    assert onnx(-np.inf) == onnx.output_range.low == -1.7580993463430303
    assert mp.mpf(ne.ONNX_SELU_ALPHA) * mp.mpf(ne.ONNX_SELU_GAMMA) == mp.mpf(1.7580993463430303)
    assert onnx.kink_derivatives() == {0.0: ne.ONNX_SELU_GAMMA}
    assert mlx.kink_derivatives() == {0.0: 1.67326 * 1.0507}
    # against the catalogue's selu: the float32 λ is 3.3e-8 above the paper's
    gap = difference(onnx, "selu", (0.5, 6.0), 12)
    assert gap["max_abs_f"] == pytest.approx(6 * (ne.ONNX_SELU_GAMMA - 1.0507009873554804934), rel=1e-6)


def test_onnx_hard_sigmoid_is_keras_2s():
    # HardSigmoid(alpha=0.2, beta=0.5): max(0, min(1, 0.2x + 0.5)), kinks at ±2.5
    act = actviz.get("hard_sigmoid@onnx")
    x = np.array([-3.0, -2.5, -1.0, 0.0, 1.0, 2.5, 3.0])
    np.testing.assert_allclose(act(x), np.clip(0.2 * x + 0.5, 0, 1), rtol=1e-15, atol=0)
    assert act.kinks == (-2.5, 2.5) and act.zeros == ((-math.inf, -2.5),)
    np.testing.assert_array_equal(act(x), actviz.get("hard_sigmoid@keras2")(x))


def test_with_torch_the_presets_are_hugging_faces_formulas():
    torch = pytest.importorskip("torch")
    t = torch.tensor(X, dtype=torch.float64)
    # transformers/activations.py, as written (NewGELUActivation, AccurateGELUActivation,
    # GELUTanh(use_gelu_tanh_python=True), FastGELUActivation, GELUActivation(use_gelu_python=True))
    # and the torch functions the other names call
    hf = {
        "gelu_new": 0.5 * t * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (t + 0.044715 * torch.pow(t, 3.0)))),
        "gelu_accurate": 0.5 * t * (1 + torch.tanh(math.sqrt(2 / math.pi) * (t + 0.044715 * torch.pow(t, 3)))),
        "gelu_python_tanh": t * 0.5 * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (t + 0.044715 * torch.pow(t, 3.0)))),
        "gelu_fast": 0.5 * t * (1.0 + torch.tanh(t * 0.7978845608 * (1.0 + 0.044715 * t * t))),
        "gelu_python": t * 0.5 * (1.0 + torch.erf(t / math.sqrt(2.0))),
        "gelu_pytorch_tanh": torch.nn.functional.gelu(t, approximate="tanh"),
        "gelu": torch.nn.functional.gelu(t),
    }
    # the three Python tanh spellings are one float64 result in torch itself
    assert torch.equal(hf["gelu_new"], hf["gelu_accurate"]) and torch.equal(hf["gelu_new"], hf["gelu_python_tanh"])
    for name, real in hf.items():
        got = actviz.get(f"{name}@hf")(X)
        # the same operations; torch's tanh and erf differ from numpy's and scipy's by an ULP, which
        # 0.5·x carries into f: two ULPs of 0.5·|x| and of f
        bound = 2 * np.spacing(0.5 * np.abs(X)) + 2 * np.spacing(np.abs(real.numpy()))
        assert np.all(np.abs(got - real.numpy()) <= bound), name
    # and the catalogue's own tanh gelu is not gelu_fast: the constant shows
    assert np.max(np.abs(actviz.get("gelu_new")(X) - hf["gelu_fast"].numpy())) > 5e-13


# --- how they are shown --------------------------------------------------------------------------


def test_ulps_apart():
    one = np.float64(1.0)
    assert ulps_apart(np.nextafter(one, 2), one) == 1.0
    assert ulps_apart(np.array([0.0, -0.0, np.inf, np.nan]), np.array([-0.0, 0.0, np.inf, np.nan])).tolist() == [0, 0, 0, 0]
    assert ulps_apart(np.array([np.inf, np.nan, 5e-324]), np.array([1.0, 1.0, 0.0])).tolist() == [np.inf, np.inf, 1.0]


def test_difference_finds_the_largest_gap_and_where():
    # relu against leaky_relu(alpha=0.5) on [-2, 2]: |Δf| = 0.5·|x| for x < 0, largest at -2
    gap = difference("leaky_relu(alpha=0.5)", "relu", (-2.0, 2.0), 5)
    assert gap["max_abs_f"] == 1.0 and gap["x_abs_f"] == -2.0
    # |Δf'| = 0.5 at -2, -1 and 0 (torch's leaky'(0) is alpha, relu'(0) is 0): the x nearest 0
    assert gap["max_abs_df"] == 0.5 and gap["x_abs_df"] == 0.0
    same = difference("relu", "relu", (-2.0, 2.0), 5)
    assert same["max_abs_f"] == 0.0 and same["x_abs_f"] is None and same["max_ulp_df"] == 0.0


def test_info_of_an_engine_name_says_what_it_means_and_how_far_it_is():
    result = run("info", "gelu_new")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "activation                      gelu_new@hf(approximate=tanh)" in out
    assert ("engine name                     Hugging Face transformers calls gelu(approximate=tanh) 'gelu_new': "
            "transformers.activations: NewGELUActivation") in out
    gap = difference("gelu_new", "gelu(approximate=tanh)")  # over gelu's plot range, [-6, 6]
    assert (f"against gelu(approximate=tanh)  max |Δf| = {gap['max_abs_f']:.3g} at x = {gap['x_abs_f']:.6g}, "
            f"max {gap['max_ulp_f']:.3g} ULP at x = {gap['x_ulp_f']:.6g}, on [-6, 6]") in out
    assert "0.5·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·(x·x·x)), in float64 as written" in out


def test_info_lists_every_engines_name_for_the_record():
    result = run("info", "gelu")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    rows = {line.split()[0]: line.split() for line in lines if line.split() and "@" in line.split()[0]}
    assert set(rows) >= {r.spec_head for r in engine_names("gelu")}
    # a name that is the catalogue's definition shows no difference; one with its own arithmetic
    # its computed distance
    assert rows["gelu@onnx"][1:] == ["gelu", "0", "0", "—"]
    gap = difference("gelu_fast", "gelu(approximate=tanh)")
    assert rows["gelu_fast@hf"][1:] == ["gelu(approximate=tanh)", f"{gap['max_abs_f']:.3g}",
                                        f"{gap['max_ulp_f']:.3g}", f"{gap['x_ulp_f']:.4g}"]
    assert "hf = Hugging Face transformers, te = Transformer Engine" in result.stdout


def test_info_json_carries_the_engine_names():
    import json

    result = run("info", "squared_relu", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["engine"] is None
    assert [(r["spec"], r["means"], r["own_definition"]) for r in data["engine_names"]] == [
        ("relu2@hf", "squared_relu", False), ("srelu@te", "squared_relu", False),
        ("relu2@vllm", "squared_relu", False)]
    assert data["zeros"] == [[None, 0.0]]  # (-inf, 0]: JSON has no infinity
    data = json.loads(run("info", "gelu@te", "--format", "json").stdout)
    assert data["engine"]["title"] == "Transformer Engine" and data["engine"]["means"] == "gelu(approximate=tanh)"
    mine = next(r for r in data["engine_names"] if r["spec"] == "gelu@te")
    assert mine["difference"]["max_abs_f"] == difference("gelu@te", "gelu(approximate=tanh)")["max_abs_f"]


def test_list_names_shows_the_table():
    import json

    result = run("list", "--names")
    assert result.exit_code == 0
    specs = [line.split()[0] for line in result.stdout.splitlines()[2:] if "@" in line.split()[0]]
    assert specs == [r.spec_head for r in engine_names()]
    assert f"{len(engine_names())} engine names" in result.stdout
    data = json.loads(run("list", "--names", "--format", "json").stdout)
    assert {d["spec"] for d in data} == set(specs)
    fast = next(d for d in data if d["spec"] == "gelu_fast@hf")
    assert fast["arithmetic"] == "its own" and fast["params"] == {"approximate": "tanh"}
    assert fast["fixed"] == ["approximate"] and "0.7978845608" in fast["note"]
    md = run("list", "--names", "--format", "md").stdout
    assert md.splitlines()[0] == "| spec | engine | name | means | arithmetic | source |"
    assert "| `srelu@te` | Transformer Engine | srelu | squared_relu | the catalogue's |" in md
    bad = run("list", "--names", "--family", "rectifier")
    assert bad.exit_code == 2 and "--names lists every engine name" in bad.stderr


def test_compare_in_the_terminal_shows_how_far_each_is_from_the_first():
    result = run("compare", "gelu_new", "gelu_fast", "gelu_pytorch_tanh")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    head = lines.index("differences from gelu_new@hf on [-6, 6] (1201 points)")
    rows = {line.split()[0]: line.split()[1:] for line in lines[head + 3:head + 5]}
    gap = difference("gelu_fast", "gelu_new")
    assert rows["gelu_fast@hf"][:4] == [f"{gap['max_abs_f']:.3g}", f"{gap['x_abs_f']:.6g}",
                                       f"{gap['max_ulp_f']:.3g}", f"{gap['x_ulp_f']:.6g}"]
    assert rows["gelu_pytorch_tanh@hf"] == ["0", "—", "0", "—", "0", "—", "0", "—"]
    assert "-o gelu_new-hf_gelu_fast-hf_gelu_pytorch_tanh-hf.png" in result.stderr


def test_shell_completion_offers_the_engine_names():
    from actviz.cli.common import complete_spec

    assert "gelu_new" in complete_spec("gelu_n") and "gelu_pytorch_tanh" in complete_spec("gelu_py")
    assert "gelu@te" in complete_spec("gelu@") and "gelu@jax" in complete_spec("gelu@")
    assert complete_spec("gelu_new@") == ["gelu_new@hf"]
    assert "srelu@te" in complete_spec("srelu@")


def test_a_float64_audit_measures_written_arithmetic_against_its_own_formula():
    from actviz.analysis.accuracy import audit

    # gelu_fast's reference has its own 0.7978845608 (against √(2/π) it would be ~3e4 ULP off):
    # near the middle, the formula's rounding alone (1 + tanh u at x = -2 is 0.06: four bits lost)
    mid = audit("gelu_fast", "float64", (-2.0, 2.0), 401)
    assert mid.forward.max_ulp <= 16 and mid.reference == "mpmath, 60 digits"
    # in the left tail 1 + tanh(u) is 0 where the formula is 1e-30: every digit lost
    tail = audit("gelu_fast", "float64", (-12.0, -8.0), 101)
    assert tail.forward.max_ulp > 1e15 and not tail.passed
    # ONNX's Selu against its own float32 constants: α·eˣ - α loses digits next to 0 only
    assert audit("selu@onnx", "float64", (-3.0, -0.5), 201).forward.max_ulp <= 16
    assert audit("selu@onnx", "float64", (-1e-8, -1e-12), 201).forward.max_ulp > 1e3
    # a preset without a reference of its own still says so
    with pytest.raises(actviz.UsageError, match="has no mpmath reference for a float64 audit"):
        audit("hard_sigmoid@onnx", "float64", (-3.0, 3.0), 11)

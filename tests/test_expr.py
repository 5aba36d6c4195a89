"""Expressions as activations: equal to the catalogue where they are the same function, exact
derivatives, kinks, specs that read back, hostile strings refused with nothing executed,
power towers refused, and the commands working on them unchanged."""

import gc
import signal
import sys
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import actviz
from actviz import expr
from actviz.analysis.ulp import mp_values, ulp_error
from actviz.cli import app
from actviz.render.describe import describe

runner = CliRunner()
EPS = np.finfo(np.float64).eps
S = actviz.get("sigmoid")
SP = actviz.get("softplus")
TANH = actviz.get("tanh")

# A grid through the body, plus both tails out to 1e300 (the expressions' own forms are stable there).
TAILS = np.logspace(-300, 300, 61)
X = np.concatenate([np.linspace(-40.0, 40.0, 801), -TAILS, TAILS, [-700.0, 700.0]])


def assert_agree(got, want, terms=None, cond=None, ulps=4.0):
    """|got - want| <= ulps·ulp(want) + 16·eps·terms + cond·eps·|want|.

    ``terms`` is the sum of the magnitudes of the terms the derivative adds up: the rounding of
    a sum is bounded by eps times that, so near a zero of f' (silu' at x = -1.278) agreement is
    judged on the terms' scale, not on the tiny result's ULP. ``cond`` is the condition number
    of an outer function at a rounded inner argument, as written in the expression (tanh''(u) at
    u = softplus(x) has 2u): the rounding of u is amplified by it, whatever the implementation.
    """
    got, want = np.asarray(got), np.asarray(want)
    tol = ulps * np.spacing(np.abs(want)) + (0.0 if terms is None else 16 * EPS * np.asarray(terms))
    tol = tol + (0.0 if cond is None else np.minimum(cond, 1e4) * EPS * np.abs(want))
    bad = np.abs(got - want) > tol
    assert not bad.any(), (X_ := np.flatnonzero(bad)[:5], got[X_], want[X_])


# -- equal to catalogue entries -------------------------------------------------------------------


def silu_terms(x, order):
    s, ds, d2s = S(x), S.derivative(x), S.derivative(x, 2)
    # f' = σ + xσ' ; f'' = 2σ' + xσ''
    return s + np.abs(x) * ds if order == 1 else 2 * ds + np.abs(x) * np.abs(d2s)


def mish_terms(x, order):
    sp, s, ds = SP(x), S(x), S.derivative(x)
    t, dt, d2t = TANH(sp), TANH.derivative(sp), TANH.derivative(sp, 2)
    # f' = tanh(sp) + x·σ·tanh'(sp) ; f'' = 2σ·tanh'(sp) + x·σ'·tanh'(sp) + x·σ²·tanh''(sp)
    if order == 1:
        return np.abs(t) + np.abs(x) * s * dt
    return 2 * s * dt + np.abs(x) * ds * dt + np.abs(x) * s * s * np.abs(d2t)


def gelu_terms(x, order):
    phi = np.exp(-0.5 * np.minimum(x * x, 1e4)) / np.sqrt(2 * np.pi)
    # f' = Φ + xφ ; f'' = 2φ - x²φ
    return 1.0 + np.abs(x) * phi if order == 1 else 2 * phi + x * x * phi


def mish_cond(x):
    # tanh(u), tanh'(u), tanh''(u) at u = softplus(x): condition numbers up to 2u + 2
    return 2 * SP(x) + 2


def gelu_cond(x):
    # erfc(u) and exp(-u²) at u = -x/√2 (itself rounded): condition number about 2u² = x²
    return x * x + 2


SAME = [
    ("x*sigmoid(x)", "silu", silu_terms, None),
    ("x*tanh(softplus(x))", "mish", mish_terms, mish_cond),
    ("x/(1 + abs(x))", "softsign", None, None),
    ("sigmoid(x)", "sigmoid", None, None),
    ("tanh(x)", "tanh", None, None),
    ("x*erfc(-x/sqrt(2))/2", "gelu", gelu_terms, gelu_cond),
]


@pytest.mark.parametrize(("text", "name", "terms", "cond"), SAME, ids=[s[1] for s in SAME])
def test_expression_equals_the_catalogue_entry(text, name, terms, cond):
    if name not in actviz.names():
        pytest.skip(f"{name} is not in the catalogue yet")
    a, b = actviz.get(text), actviz.get(name)
    x = X[np.abs(X) < 37] if name == "gelu" else X  # gelu's left tail underflows below -37
    c = None if cond is None else cond(x)
    assert_agree(a(x), b(x), cond=c)
    for order in (1, 2):
        t = None if terms is None else terms(x, order)
        assert_agree(a.derivative(x, order), b.derivative(x, order), t, c)


def test_leaky_relu_through_max_equals_the_catalogue_off_the_kink():
    a, b = actviz.get("max(x, 0.01*x)"), actviz.get("leaky_relu")
    x = X[X != 0]
    np.testing.assert_array_equal(a(x), b(x))
    np.testing.assert_array_equal(a.derivative(x), b.derivative(x))
    np.testing.assert_array_equal(a.derivative(x, 2), b.derivative(x, 2))
    assert a.kinks == b.kinks == (0.0,)
    # At the tie max splits the derivative evenly (torch.maximum's autograd, tools/autograd/derivatives.yaml):
    # (1 + 0.01)/2, where the catalogue's leaky_relu takes alpha (PyTorch's leaky_relu).
    assert a.kink_derivatives() == {0.0: 0.505}
    assert b.kink_derivatives() == {0.0: 0.01}


def test_catalogue_parameters_given_positionally():
    a, b = actviz.get("leaky_relu(x, 0.2)"), actviz.get("leaky_relu(alpha=0.2)")
    np.testing.assert_array_equal(a(X), b(X))
    np.testing.assert_array_equal(a.derivative(X), b.derivative(X))
    assert a.kink_derivatives() == b.kink_derivatives() == {0.0: 0.2}


def test_mpmath_reference_is_the_catalogues():
    import mpmath as mp

    x = np.array([-30.0, -3.3, -1.278, -0.4, 0.3, 2.7, 25.0])
    for text, name in (("x*sigmoid(x)", "silu"), ("x*tanh(softplus(x))", "mish"), ("x/(1 + abs(x))", "softsign")):
        a, b = actviz.get(text), actviz.get(name)
        fa, da = mp_values(a.record.mp_reference, x)
        fb, db = mp_values(b.record.mp_reference, x, **b.params)
        with mp.workdps(60):
            for p, q in zip(fa + da, fb + db, strict=True):
                assert abs(p - q) <= mp.mpf(10) ** -50 * abs(q), (text, p, q)


def test_accuracy_against_mpmath_for_an_expression_of_catalogue_functions():
    a = actviz.get("x*sigmoid(1.702*x)")
    x = np.concatenate([np.linspace(-30, 30, 121), [-700.0, -300.0, 300.0, 700.0]])
    f_ref, d_ref = mp_values(a.record.mp_reference, x)
    # 1.702*x is rounded before sigmoid sees it; in the left tail σ(u) ≈ e^u turns that rounding
    # into |u| ULPs (its condition number), as in any implementation that writes sigmoid(1.702*x)
    cond = np.abs(1.702 * x)
    assert (ulp_error(a(x), f_ref) <= 4 + cond).all()
    # away from the zero of f' (x ≈ -0.75), where σ + 1.702xσ' cancels
    keep = np.abs(x + 0.75) > 0.5
    err = ulp_error(a.derivative(x)[keep], [d for d, k in zip(d_ref, keep, strict=True) if k])
    assert (err <= 8 + 2 * cond[keep]).all()
    # and in the body, where the rounding of 1.702*x does not matter, a few ULP
    body = np.abs(x) <= 3
    assert ulp_error(a(x)[body], [f for f, b in zip(f_ref, body, strict=True) if b]).max() <= 4


@pytest.mark.parametrize(
    "text",
    ["x*sigmoid(1.702*x)", "x*tanh(softplus(x))", "exp(-x**2/2)*erf(x) + log1p(x**2)", "sqrt(1 + x**2) - 1",
     "x**3/(1 + x**2)", "max(x, x**2 - 2)", "expm1(x)/(1 + exp(x))", "sin(x)*cos(2*x) + pi*e*x"],
)
def test_analytic_derivatives_match_numeric(text):
    a = actviz.get(text)
    x = np.linspace(-5.3, 5.3, 211)
    for k in a.kinks:
        x = x[np.abs(x - k) > 0.05]
    for order in (1, 2):
        analytic = a.derivative(x, order)
        err = np.abs(analytic - a.numeric_derivative(x, order)) / np.maximum(1.0, np.abs(analytic))
        assert err.max() < 1e-7, (text, order, x[np.argmax(err)])


def test_closed_forms():
    # (x**3 + 2x)' = 3x² + 2 and '' = 6x, exactly in floats at small integers
    a = actviz.get("x**3 + 2*x")
    x = np.array([-3.0, -1.0, 0.0, 2.0])
    np.testing.assert_array_equal(a(x), x**3 + 2 * x)
    np.testing.assert_array_equal(a.derivative(x), 3 * x**2 + 2)
    np.testing.assert_array_equal(a.derivative(x, 2), 6 * x)
    # softsign: the chain rule gives 1/(1+|x|) - x·sign(x)/(1+|x|)², tidied exactly to 1/(1+|x|)²
    s = actviz.get("x/(1+abs(x))")
    assert s.record.derivative_text == "f'(x) = (abs(x) + 1)**(-2)"
    assert float(s.derivative(1e10)) == pytest.approx(1 / (1 + 1e10) ** 2, rel=4 * EPS)


# -- dtype, NaN, warnings -----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtype_and_shape_are_kept(dtype):
    a = actviz.get("x*sigmoid(1.702*x)")
    x = np.linspace(-3, 3, 12, dtype=dtype).reshape(3, 4)
    for got in (a(x), a.derivative(x), a.derivative(x, 2)):
        assert got.dtype == dtype and got.shape == (3, 4)
    np.testing.assert_array_equal(a(x), a(x.astype(np.float64)).astype(dtype))


def test_nan_propagates_and_domain_errors_give_nan_quietly():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            for text in ("x - x + 1", "x*sigmoid(x)", "max(x, 0)", "log(x)", "sqrt(x)", "exp(x)**2"):
                a = actviz.get(text)
                out = a.evaluate(np.array([np.nan, -1.0, 1e300]), (0, 1, 2))
                for values in out:
                    assert np.isnan(values[0]), text
            assert np.isnan(actviz.get("log(x)")(-1.0))
            assert actviz.get("exp(x)**2")(1e300) == np.inf


# -- kinks --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kinks"),
    [
        ("abs(x)", (0.0,)),
        ("x/(1 + abs(x))", (0.0,)),  # f'' jumps there
        ("abs(x**2 - 1)", (-1.0, 1.0)),
        ("min(max(x, 0), 6)", (0.0, 6.0)),
        ("relu(x - 1)", (1.0,)),
        ("leaky_relu(abs(x) - 1/3)", (-1 / 3, 0.0, 1 / 3)),
        ("max(0, x - 1, 2*x - 4, 3*x - 9)", (1.0, 3.0, 5.0)),  # only where the two that tie are on top
        ("max(x, x**2 - 2)", (-1.0, 2.0)),
        ("x*sigmoid(x)", ()),
    ],
)
def test_kinks_are_found(text, kinks):
    assert actviz.get(text).kinks == pytest.approx(kinks, abs=0, rel=0)


def test_kinks_in_non_polynomial_arguments_are_not_searched():
    # documented limit: abs(sin(x)) has kinks at kπ, which are not found
    assert actviz.get("abs(sin(x))").kinks == ()


def test_kink_conventions_follow_pytorch_autograd():
    # abs'(0) = 0 (torch: sgn(0) = 0); a tie in max or min splits the derivative evenly
    assert actviz.get("abs(x)").kink_derivatives() == {0.0: 0.0}
    assert actviz.get("max(x, 0)").kink_derivatives() == {0.0: 0.5}
    assert actviz.get("min(x, 0)").kink_derivatives() == {0.0: 0.5}
    # catalogue functions keep their own: relu'(0) = 0
    assert actviz.get("relu(x)*2").kink_derivatives() == {0.0: 0.0}


def test_kinks_follow_parameters():
    assert actviz.get("max(x, c)", c=1.5).kinks == (1.5,)
    assert actviz.get("relu(x - c)", c=-2).kinks == (-2.0,)


# -- parameters and specs -----------------------------------------------------------------------


def test_free_names_are_parameters_and_the_spec_reads_back():
    a = actviz.get("a*x*sigmoid(b*x)", a=2, b=1.702)
    assert a.spec == "(a*x*sigmoid(b*x))(a=2, b=1.702)"
    assert actviz.get(a.spec) == a
    np.testing.assert_array_equal(actviz.get(a.spec)(X), a(X))
    np.testing.assert_array_equal(a(X), 2 * actviz.get("x*sigmoid(1.702*x)")(X))
    # keyword arguments override those in the spec
    assert actviz.get("(a*x)(a=1)", a=3)(2.0) == 6.0
    # names are case-insensitive, like catalogue specs
    assert actviz.get("A*X", a=2).spec == "(a*x)(a=2)"


def test_expression_without_parameters_is_its_own_spec():
    a = actviz.get("x * sigmoid( 1.702*x )")
    assert a.spec == a.name == a.label == "x*sigmoid(1.702*x)"
    assert actviz.get(a.spec) == a


def test_missing_parameter_is_named():
    a = actviz.get("a*x + b")
    with pytest.raises(actviz.ParameterError, match=r"needs a value for a, b: give it with -p a=VALUE"):
        a(1.0)
    with pytest.raises(actviz.ParameterError, match="needs a value for b"):
        actviz.get("a*x + b", a=1)(1.0)
    with pytest.raises(actviz.ParameterError, match="has no parameter 'c'"):
        actviz.get("a*x", c=1)
    with pytest.raises(actviz.ParameterError, match="must be a number"):
        actviz.get("a*x", a="big")


def test_record_describes_the_expression():
    from matplotlib.mathtext import MathTextParser

    a = actviz.get("x*tanh(softplus(x)) + max(x, 0)/(1 + abs(x)) - leaky_relu(x, 0.2)**2 + erf(x)")
    r = a.record
    assert r.family == "expression"
    assert r.formula_text.startswith("f(x) = x*tanh(softplus(x))")
    assert "tanh'(softplus(x))" in r.derivative_text
    parser = MathTextParser("path")
    for tex in (r.formula_tex, r.derivative_tex):
        parser.parse(f"${tex}$")
    info = describe(a)
    assert info["family"] == "expression" and info["spec"] == a.spec
    assert info["output_range"] == "not derived for expressions"


@pytest.mark.parametrize(
    "text",
    ["x*sigmoid(1.702*x)", "x*tanh(softplus(x))", "3*leaky_relu(x, 0.2)", "x*exp(x)", "(ab*x)(ab=2)"],
)
def test_products_are_visible_in_the_formula(text):
    """mathtext ignores spaces: 'x \\mathrm{sigmoid}' would read "xsigmoid"; the product needs \\cdot."""
    import re

    from matplotlib.mathtext import MathTextParser

    r = actviz.get(text).record
    parser = MathTextParser("path")
    for tex in (r.formula_tex, r.derivative_tex):
        parser.parse(f"${tex}$")
        # no factor written straight against a function name or a longer symbol
        assert not re.search(r"(?<=[\w}])(?<!\\cdot) (\\mathrm|\\operatorname|e\^|ab\b)", tex), tex
    assert r"\cdot" in r.formula_tex


def test_formula_tex_of_the_headline_expression():
    r = actviz.get("x*sigmoid(1.702*x)").record
    assert r.formula_tex == r"f(x) = x \cdot \mathrm{sigmoid}\left(1.702 x\right)"
    # a plain product of a number and x keeps the usual juxtaposition, also inside a dotted product
    assert r.derivative_tex == (
        r"f'(x) = 1.702 \cdot x \cdot \mathrm{sigmoid}'\left(1.702 x\right) + \mathrm{sigmoid}\left(1.702 x\right)"
    )
    assert actviz.get("a*x**2", a=1).record.formula_tex == "f(x) = a x^{2}"


def test_normal_form_of_precedence():
    for text, normal in [
        ("-x**2", "-x**2"),
        ("(-x)**2", "(-x)**2"),
        ("(x**2)**3", "(x**2)**3"),
        ("x**2**3", "x**2**3"),
        ("2**-x", "2**-x"),
        ("a - (b - x)", "a - (b - x)"),
        ("a - b - x", "a - b - x"),
        ("x/(a*b)", "x/(a*b)"),
        ("+x", "x"),
        ("Swish(x)", "silu(x)"),
        ("0x10*x + 1_000", "16*x + 1000"),
    ]:
        assert expr.parse(text).text == normal, text


NAMES = st.sampled_from(["x", "a", "pi", "2", "0.5", "1e-3"])


def trees(depth=3):
    leaf = NAMES
    if depth == 0:
        return leaf
    sub = trees(depth - 1)
    return st.one_of(
        leaf,
        st.builds(lambda a, op, b: f"({a}){op}({b})", sub, st.sampled_from(["+", "-", "*", "/", "**"]), sub),
        st.builds(lambda a: f"-({a})", sub),
        st.builds(lambda f, a: f"{f}({a})", st.sampled_from(["sin", "sigmoid", "abs", "softplus"]), sub),
    )


@settings(max_examples=60, deadline=None)
@given(trees())
def test_normal_form_reads_back_to_itself(text):
    try:
        first = expr.parse(text)
    except actviz.SpecError:
        return  # constant parts out of range, 0**-1 and the like
    assert expr.parse(first.text).text == first.text
    assert expr.parse(first.text).params == first.params


def test_bare_unknown_names_keep_the_did_you_mean():
    with pytest.raises(actviz.UnknownActivationError, match="did you mean relu6"):
        actviz.get("relu6x")
    with pytest.raises(actviz.SpecError, match="did you mean sigmoid"):
        actviz.get("x*sigmod(x)")
    # 'x' alone is the identity expression
    assert actviz.get("x")(3.5) == 3.5


def test_malformed_catalogue_spec_says_both():
    with pytest.raises(actviz.SpecError) as err:
        actviz.get("leaky_relu(x, alpha=0.2)")
    message = str(err.value)
    assert "bad spec" in message and "keyword arguments are not allowed" in message


# -- an expression must depend on x -----------------------------------------------------------------


def test_catalogue_name_with_positional_numbers_says_how_to_write_it():
    with pytest.raises(actviz.SpecError) as err:
        actviz.get("leaky_relu(0.1)")
    assert str(err.value) == (
        "leaky_relu(0.1) is not a function of x: parameters go by name, leaky_relu(alpha=0.1); "
        "or write an expression in x such as leaky_relu(x, 0.1)"
    )
    # both suggestions are what they claim: the same function as leaky_relu with alpha = 0.1
    named, in_x = actviz.get("leaky_relu(alpha=0.1)"), actviz.get("leaky_relu(x, 0.1)")
    np.testing.assert_array_equal(in_x(X), named(X))
    with pytest.raises(actviz.SpecError, match=r"sigmoid takes no parameters; write sigmoid\(x\), "
                       r"or an expression in x such as sigmoid\(2\*x\)"):
        actviz.get("sigmoid(2)")
    with pytest.raises(actviz.SpecError, match=r"elu\(alpha=-1\).*elu\(x, -1\)"):
        actviz.get("elu(-1)")
    # a number where x belongs, then the parameter
    with pytest.raises(actviz.SpecError, match=r"its input is the number 0.1; write leaky_relu\(x, 0.2\)"):
        actviz.get("leaky_relu(0.1, 0.2)")
    # parameters that are not numbers cannot be positional: shown by name
    with pytest.raises(actviz.SpecError, match=r"gelu\(approximate=VALUE\); write gelu\(x\)"):
        actviz.get("gelu(1)")


@pytest.mark.parametrize("text", ["2", "exp(1)", "pi*e", "sigmoid(a)", "(a*2)(a=1)", "leaky_relu(pi)", "1/(1 + 2)"])
def test_expression_without_x_is_a_usage_error(text):
    with pytest.raises(actviz.SpecError, match="not a function of x|does not depend on x") as err:
        actviz.get(text)
    assert "\n" not in str(err.value)
    with pytest.raises(actviz.SpecError, match="not a function of x|does not depend on x"):
        expr.expression(text)


def test_constants_inside_expressions_in_x_still_work():
    np.testing.assert_array_equal(actviz.get("x + 0*pi")(X), X)
    # closed forms: pi*x and x*e**0 (= x), evaluated in float64 as written
    np.testing.assert_array_equal(actviz.get("pi*x")(X), np.pi * X)
    np.testing.assert_array_equal(actviz.get("x*e**0")(X), X)
    assert actviz.get("sigmoid(2)*x")(1.0) == pytest.approx(1 / (1 + np.exp(-2.0)), rel=1e-15)
    # a bare constant name stays an unknown activation, with its own message
    with pytest.raises(actviz.UnknownActivationError, match="unknown activation 'pi'"):
        actviz.get("pi")


@pytest.mark.parametrize("command", ["table", "info"])
def test_expression_without_x_on_the_command_line(command):
    result = runner.invoke(app, [command, "leaky_relu(0.1)"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "actviz: error: leaky_relu(0.1) is not a function of x: parameters go by name, "
        "leaky_relu(alpha=0.1); or write an expression in x such as leaky_relu(x, 0.1)"
    ]
    assert result.stdout == ""
    result = runner.invoke(app, [command, "2"])
    assert result.exit_code == 2 and "does not depend on x" in result.stderr


# -- hostile and oversized input ------------------------------------------------------------------

HOSTILE = [
    ("__import__('os').system('touch PWNED')", "attribute access"),
    ("x.__class__.__mro__", "attribute access"),
    ("().__class__.__bases__[0].__subclasses__()", "attribute access"),
    ("x[0]", "subscripts"),
    ("(lambda: 0)()", "lambda"),
    ("[x for x in ()]", "comprehensions"),
    ("sum(i for i in (1, 2))*x", "unknown function 'sum'"),
    ("exp(i for i in (1, 2))*x", "comprehensions"),
    ("exp(x, base=2)", "keyword arguments"),
    ("'x'*3", "strings"),
    ("f'{x}'", "strings"),
    ("open('PWNED', 'w')", "unknown function 'open'"),
    ("log('PWNED')", "strings"),
    ("eval('1')*x", "unknown function 'eval'"),
    ("eval(x)", "unknown function 'eval'"),
    ("exec(x)", "unknown function 'exec'"),
    ("breakpoint(x)", "unknown function"),
    ("x if x else 1", "conditional"),
    ("(y := x)", "assignments"),
    ("x == 1", "comparisons"),
    ("x and 1", "'and' and 'or'"),
    ("x, 1", "tuples"),
    ("{x: 1}", "dicts"),
    ("x ^ 2", "write powers as **"),
    ("x // 2", "operator '//'"),
    ("~x", "operator '~'"),
    ("exp(*x)", "starred"),
    ("x; import os", "invalid syntax"),
    ("import os", "invalid syntax"),
    ("x*_hidden", "starting with '_'"),
    ("x*__builtins__", "starting with '_'"),
    ("True*x", "only numbers"),
    ("x*1j", "complex"),
    ("x*\u00e9", "non-ASCII"),
    ("x\x00", "control character"),
    ("x*nan", "not a finite number"),
    ("1e999*x", "too large"),
    ("1/(x - x)", "divides by zero"),
    ("x/0", "divides by zero"),
    ("2/0*x", "division by zero"),
    ("sqrt(-1)*x", "not a real number"),
    ("(-8)**(1/3)*x", "not a real number"),
    ("x*exp(1000)", "too large"),
    ("abs(x, 2)", "takes 1 argument"),
    ("max(x)", "at least 2"),
    ("sigmoid(x, 2)", "at most 0 parameters"),
    ("gelu(x, 1)", "not a number"),
    ("leaky_relu(x, x)", "must not depend on x"),
    ("sigmoid()*x", "needs its input"),
    ("(x)(2)", "unknown function 'x'"),
    ("exp*x", "is a function"),
    ("relu*x", "is an activation"),
    ("x" + "+x" * 500, "too long"),
    ("-" * 60 + "x", "too deeply nested"),
    ("(" * 300 + "x" + ")" * 300, ""),
    ("(a*x)(a=" + "9" * 400 + ")", "must be given a number"),
    ("(a*x)(a=x)", "must be given a number"),
    ("(a*x)(b=1)", "has no parameter 'b'"),
    ("(a*x)(**{'a': 1})", "'**' is not allowed"),
    ("1in x", "comparisons"),  # read as 1 in x; the "invalid decimal literal" warning stays quiet
]


@pytest.mark.parametrize(("text", "reason"), HOSTILE, ids=[h[0][:30] for h in HOSTILE])
def test_hostile_expressions_are_refused(text, reason, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(actviz.UsageError) as err:
        actviz.get(text)
    assert reason in str(err.value)
    assert "\n" not in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_messages_point_at_the_offending_part():
    with pytest.raises(actviz.SpecError) as err:
        actviz.get("x*sigmoid(y.z)")
    assert "(column 11: 'y.z')" in str(err.value)
    with pytest.raises(actviz.SpecError) as err:
        actviz.get("x + exp(x, base=2)")
    assert "(column 12: 'base=2')" in str(err.value)


def test_refused_on_the_command_line_with_exit_2_and_nothing_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for text in ("__import__('os').system('touch PWNED')", "open('PWNED', 'w').write('x')", "2**2**2**2**2**2"):
        result = runner.invoke(app, ["table", text, "-o", "-"])
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("actviz: error: bad expression")
        assert "Traceback" not in result.output
    assert not Path(tmp_path, "PWNED").exists()


def test_raw_text_never_reaches_sympify(monkeypatch):
    import sympy.parsing.sympy_parser as parser

    def refuse(*args, **kwargs):
        raise AssertionError("parse_expr called")

    monkeypatch.setattr(parser, "parse_expr", refuse)
    expr._RECORDS.clear()
    a = actviz.get("x*sigmoid(1.702*x) + max(x, 0)*erf(x)/(1 + abs(x))")
    assert np.isfinite(a.derivative(np.linspace(-3, 3, 7), 2)).all()


@pytest.mark.parametrize(
    "text",
    ["2**2**2**2**2**2", "9**9**9**9", "x**2**2**2**2**2", "x**(2**2**2**2)", "(2**1000)**(2**1000)*x",
     "exp(exp(exp(exp(pi))))*x", "10**-(10**300)*x", "(x + 1)**(10**10)", "sigmoid(2**2**2**2**2**2)*x",
     "x*2.0**2.0**2.0**2.0**2.0**2.0", "(0.5)**(2**2**2**2**2)*x"],
)
def test_power_towers_are_refused(text):
    with pytest.raises(actviz.SpecError, match="too large|too small"):
        actviz.get(text)


def test_work_is_bounded_by_the_time_budget(monkeypatch):
    monkeypatch.setattr(expr, "BUILD_SECONDS", 1e-3)
    monkeypatch.setattr(expr, "_RECORDS", {})
    with pytest.raises(actviz.SpecError, match=r"too costly.*\(gave up after 0.001 s\)"):
        actviz.get(NESTED, c=1.25)
    # no alarm is left armed and the handler is untouched
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.default_int_handler, None)


# Costly input the budget has to bound, each checked below on the main thread and on others.
# Nested products: each level doubles what the chain rule writes out (needs the 1 ms budget).
NESTED = "sigmoid(sigmoid(sigmoid(sigmoid(sigmoid(x)*x)*x)*x)*x)*tanh(x*c)"
# f' of a product of 100 sums has about 30000 nodes and its f'' would have about 3 million
PRODUCT = "*".join(f"(x + {i})" for i in range(1, 101))
# small, but sympy's simplify of its f' runs for minutes: it must not be handed to simplify
POWERS = "(x + 1)**1000/(x - 1)**999"
# the kink search must not expand this polynomial of degree 10240 (it has no kinks: u >= 0)
KINK_POWERS = "abs(" + "*".join(f"(x + {i})**1024" for i in range(1, 11)) + ")"
# generous; only guards against a hang, as on a thread nothing else would stop one
HANG_GUARD = 300


def in_thread(fn):
    """What ``fn()`` returns on a new thread, or the exception it raised there."""
    box = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the test's thread below
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG_GUARD)
    assert not thread.is_alive(), "still running: the work was not bounded"
    if "error" in box:
        raise box["error"]
    return box["value"]


def test_too_large_derivatives_are_refused_before_sympy_goes_on(monkeypatch):
    monkeypatch.setattr(expr, "_RECORDS", {})
    with pytest.raises(actviz.SpecError) as err:
        actviz.get(PRODUCT)
    message = str(err.value)
    assert "too costly to differentiate and compile (f' has more than 20000 terms and factors)" in message
    assert "\n" not in message
    # f' of a product of 35 sums has about 3400 nodes: compiling it would take f'' of 55000
    with pytest.raises(actviz.SpecError, match="more than 2500 terms and factors to differentiate again"):
        actviz.get("*".join(f"(x + {i})" for i in range(1, 36)))
    # a product of 10 sums is an ordinary expression: f'(0) = Σ 10!/i, integers, exact in floats
    a = actviz.get("*".join(f"(x + {i})" for i in range(1, 11)))
    assert a.derivative(0.0) == sum(3628800 // i for i in range(1, 11))


def test_small_costly_expressions_compile_without_simplify_or_expansion():
    a = in_thread(lambda: actviz.get(POWERS))
    # f'(0) = f(0)·(1000/(0 + 1) - 999/(0 - 1)) = -1·1999, closed form
    assert a.derivative(0.0) == -1999.0
    assert "999" in a.record.derivative_text  # shown as differentiated, not simplified
    assert in_thread(lambda: actviz.get(KINK_POWERS).kinks) == ()


@pytest.mark.parametrize("how", ["thread", "pool"])
def test_costly_expressions_are_refused_off_the_main_thread(how, monkeypatch):
    monkeypatch.setattr(expr, "_RECORDS", {})

    def refused(text, **params):
        try:
            actviz.get(text, **params)
        except actviz.SpecError as exc:
            return str(exc)
        return None

    if how == "thread":
        got = [in_thread(lambda: refused(PRODUCT))]
    else:
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = [pool.submit(refused, PRODUCT), pool.submit(lambda: actviz.get(POWERS).derivative(0.0))]
            got = [futures[0].result(timeout=HANG_GUARD)]
            assert futures[1].result(timeout=HANG_GUARD) == -1999.0  # closed form, as above
    monkeypatch.setattr(expr, "BUILD_SECONDS", 1e-3)
    if how == "thread":
        got.append(in_thread(lambda: refused(NESTED, c=1.25)))
    else:
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = [pool.submit(refused, NESTED, c=c) for c in (1.25, 1.5)]
            got += [f.result(timeout=HANG_GUARD) for f in futures]
    for message in got:
        assert message is not None and message.startswith("bad expression") and "too costly" in message
        assert "\n" not in message


def test_the_budget_raises_nothing_asynchronously(monkeypatch):
    """No signal handler, no timer, and nothing raised inside other code while a budget runs out.

    The other code here is a gc callback that takes most of the time (a collection runs every
    few hundred allocations and sympy allocates all the time): an alarm would mostly land in it.
    """
    handler, timer = signal.getsignal(signal.SIGALRM), signal.getitimer(signal.ITIMER_REAL)
    installed = []
    real_signal, real_setitimer = signal.signal, signal.setitimer
    monkeypatch.setattr(signal, "signal", lambda *a: (installed.append(a), real_signal(*a))[1])
    monkeypatch.setattr(signal, "setitimer", lambda *a: (installed.append(a), real_setitimer(*a))[1])
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    calls = {"entered": 0, "left": 0}

    def other_code(phase, info):
        calls["entered"] += 1
        time.sleep(2e-4)
        calls["left"] += 1

    # long enough for many collections (NESTED takes about 0.3 s); a new inner factor each time,
    # so that sympy's cache does not shorten the work
    monkeypatch.setattr(expr, "BUILD_SECONDS", 0.05)
    gc.callbacks.append(other_code)
    try:
        for k in range(2, 6):
            with pytest.raises(actviz.SpecError, match="too costly"):
                actviz.get(NESTED.replace("sigmoid(x)", f"sigmoid({k}*x)"), c=1.25)
        with pytest.raises(actviz.SpecError, match="too costly"):
            in_thread(lambda: actviz.get(NESTED.replace("sigmoid(x)", "sigmoid(6*x)"), c=1.25))
    finally:
        gc.callbacks.remove(other_code)
    assert calls["entered"] == calls["left"] > 0
    assert unraisable == [] and installed == []
    assert signal.getsignal(signal.SIGALRM) == handler
    assert signal.getitimer(signal.ITIMER_REAL) == timer == (0.0, 0.0)


def test_costly_expression_on_the_command_line_is_a_usage_error():
    result = runner.invoke(app, ["table", PRODUCT, "-o", "-"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("actviz: error: bad expression")
    assert "too costly to differentiate and compile" in lines[0]
    assert "Traceback" not in result.output and result.stdout == ""


# -- the commands work on expressions unchanged ------------------------------------------------------


def test_table_of_an_expression():
    result = runner.invoke(app, ["table", "x*sigmoid(1.702*x)", "--points", "5", "-o", "-"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "activation,x,f,df"
    assert lines[3] == "x*sigmoid(1.702*x),0.0,0.0,0.5"  # f(0) = 0 and f'(0) = σ(0) = 1/2, closed form


def test_table_with_a_parameter_from_the_command_line():
    result = runner.invoke(app, ["table", "a*x", "-p", "a=2", "--points", "3", "-o", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[1] == "(a*x)(a=2),-6.0,-12.0,2.0"
    result = runner.invoke(app, ["table", "a*x", "--points", "3", "-o", "-"])
    assert result.exit_code == 2
    assert "needs a value for a" in result.stderr


def test_info_and_check_of_an_expression():
    result = runner.invoke(app, ["info", "max(x, 0.01*x)"])
    assert result.exit_code == 0, result.output
    assert "expression" in result.stdout and "max(x, 0.01*x)" in result.stdout
    result = runner.invoke(app, ["check", "x*tanh(softplus(x))", "x/(1+abs(x))"])
    assert result.exit_code == 0, result.output


def test_stats_and_compare_of_an_expression(tmp_path):
    result = runner.invoke(app, ["stats", "x*sigmoid(1.702*x)", "gelu", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "x*sigmoid(1.702*x)" in result.stdout
    out = tmp_path / "diff.svg"
    result = runner.invoke(app, ["compare", "gelu", "x*sigmoid(1.702*x)", "--diff", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0 and "x*sigmoid(1.702*x)" in out.read_text()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="x+-*/()0123456789.e, a_[]'=:@^%<>!~sqrtexplogmaxinbd\\", max_size=24))
def test_any_text_is_an_activation_or_a_usage_error(text):
    """Whatever the text, the answer is an activation or a UsageError: never another exception."""
    try:
        act = actviz.get(text)
    except actviz.UsageError as exc:
        assert "\n" not in str(exc)
        return
    with np.errstate(all="ignore"):
        try:
            act.evaluate(np.array([-1.5, 0.0, 2.0]), (0, 1, 2))
        except actviz.ParameterError as exc:
            assert "needs a value" in str(exc)


def test_no_derivative_where_the_expression_is_undefined():
    # log(x) on x < 0 and 1/x at its pole: f is NaN or a lone infinity, so f' and f'' are NaN
    log = actviz.get("log(x)")
    x = np.array([-6.0, -1e-300, 0.5, 3.0])
    assert np.isnan(log(x[:2])).all()
    for order in (1, 2):
        d = log.derivative(x, order=order)
        assert np.isnan(d[:2]).all() and np.isfinite(d[2:]).all()
    f, d1, d2 = log.evaluate(x, (0, 1, 2))
    assert np.isnan(d1[:2]).all() and np.isnan(d2[:2]).all()
    np.testing.assert_allclose(d1[2:], 1 / x[2:], rtol=1e-15)  # log' = 1/x
    inv = actviz.get("1/x")
    assert np.isinf(inv(0.0)) and np.isnan(inv.derivative(0.0)) and np.isnan(inv.derivative(0.0, order=2))
    assert inv.derivative(-2.0) == -0.25  # -1/x² beside the pole
    # log at 0, the edge of its domain: f = -inf (NaN to the left), so f' and f'' are NaN, not 1/0
    assert log(0.0) == -np.inf
    assert np.isnan(log.derivative(0.0)) and np.isnan(log.derivative(0.0, order=2))
    assert np.isnan(actviz.get("-log(x)").derivative(0.0))
    # an overflow is no pole: exp(800) rounds to inf, and so does its derivative; so does exp at the
    # first double past its threshold log(DBL_MAX) = 709.782712893384, where the left neighbour is finite
    exp = actviz.get("exp(x)")
    past = np.nextafter(709.782712893384, np.inf)
    assert np.isinf(exp(past)) and np.isfinite(exp(past - past * 1e-9))
    assert np.isinf(exp.derivative(800.0)) and np.isinf(exp.derivative(past)) and np.isinf(exp.derivative(past, order=2))
    # sqrt on x < 0 (NaN), and its one-sided infinite slope at 0 is kept
    sq = actviz.get("sqrt(x)")
    assert np.isnan(sq.derivative(-1.0)) and np.isinf(sq.derivative(0.0))


def test_plot_leaves_a_gap_where_the_expression_is_undefined():
    from actviz.render import figures

    fig = figures.plot("log(x)", points=121)
    (df,) = [ln for ln in fig.axes[1].lines if ln.get_gid() == "df"]
    x, y = np.asarray(df.get_xdata(), dtype=float), np.asarray(df.get_ydata(), dtype=float)
    assert np.isnan(y[x < 0]).all()  # no 1/x drawn where log is undefined
    assert np.isfinite(y[x > 0]).all()


def test_table_shows_no_derivative_where_the_expression_is_undefined():
    from typer.testing import CliRunner

    from actviz.cli import app

    result = CliRunner().invoke(app, ["table", "log(x)", "--order", "2", "--range", "-6", "6",
                                      "--points", "3", "-o", "-"])
    assert result.exit_code == 0, result.output
    rows = [line.split(",") for line in result.stdout.splitlines()[1:]]
    assert rows[0][1:] == ["-6.0", "nan", "nan", "nan"]
    assert rows[1][1:] == ["0.0", "-inf", "nan", "nan"]  # log(0) = -inf: no slope at the edge of the domain

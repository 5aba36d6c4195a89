"""Recompute with mpmath the golden numbers the tests hard-code, and check them.

    python tests/golden/make_golden.py           # print every table and value, then check
    python tests/golden/make_golden.py --fast    # the slow mean-field roots at 20 digits only

Each value is computed here from its closed form at 40 digits, independently of actviz's own
mpmath references. The check reads the numbers out of the test files themselves (the tables by
name, the single numbers as they are written there), so a wrong or mistyped golden value makes
it fail; tests/test_golden.py runs it as part of the suite. Exit status 1 on any mismatch.
"""

from __future__ import annotations

import ast
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import mpmath as mp

TESTS = Path(__file__).resolve().parent.parent
DPS = 40  # working precision; the longest number checked (SELU's λ) has 32 digits
FAST_DPS = 20  # --fast: the slow numbers at this precision, checked to FAST_REL relative
FAST_REL = mp.mpf("1e-15")
XS = (-2, -1, -0.5, 0.5, 1, 2)  # the abscissae of the value/derivative tables


# -- (f, f') as closed forms, at mpmath's working precision -------------------------------------

def _sigmoid(x):
    s = 1 / (1 + mp.exp(-x))
    return s, s * (1 - s)


def _tanh(x):
    t = mp.tanh(x)
    return t, 1 - t * t


def _elu(x, alpha=1):
    return (x, mp.mpf(1)) if x > 0 else (alpha * mp.expm1(x), alpha * mp.exp(x))


# Klambauer et al. 2017, "Self-Normalizing Neural Networks" (arXiv 1706.02515), eq. 14: the
# α and λ for which z ~ N(0, 1) gives E[selu(z)] = 0 and E[selu(z)²] = 1
def selu_alpha():
    e1 = mp.erfc(1 / mp.sqrt(2))
    return -mp.sqrt(2 / mp.pi) / (e1 * mp.exp(mp.mpf(1) / 2) - 1)


def selu_lambda():
    e1, e2 = mp.erfc(1 / mp.sqrt(2)), mp.erfc(mp.sqrt(2))
    root_e = mp.sqrt(mp.e)
    inner = 2 * e2 * mp.e**2 + mp.pi * e1**2 * mp.e - 2 * (2 + mp.pi) * e1 * root_e + mp.pi + 2
    return (1 - e1 * root_e) * mp.sqrt(2 * mp.pi) / mp.sqrt(inner)


def _selu(x):
    f, d = _elu(x, selu_alpha())
    return selu_lambda() * f, selu_lambda() * d


def _gelu(x):
    return x * mp.ncdf(x), mp.ncdf(x) + x * mp.npdf(x)


def _gelu_tanh(x):
    c, k = mp.sqrt(2 / mp.pi), mp.mpf("0.044715")
    t = mp.tanh(c * (x + k * x**3))
    return x * (1 + t) / 2, (1 + t) / 2 + x * (1 - t * t) * c * (1 + 3 * k * x * x) / 2


def _silu(x):
    s, ds = _sigmoid(x)
    return x * s, s + x * ds


def _mish(x):
    t = mp.tanh(mp.log1p(mp.exp(x)))
    return x * t, t + x * _sigmoid(x)[0] * (1 - t * t)


def _softplus(x):
    return mp.log1p(mp.exp(x)), _sigmoid(x)[0]


def _softsign(x):
    return x / (1 + abs(x)), 1 / (1 + abs(x)) ** 2


def _log_sigmoid(x):
    return -mp.log1p(mp.exp(-x)), _sigmoid(-x)[0]


def _tanhshrink(x):
    t = mp.tanh(x)
    return x - t, t * t


def _squareplus(x, b=4):
    r = mp.sqrt(x * x + b)
    return (x + r) / 2, (1 + x / r) / 2


def _sparse_plus(x):
    if x <= -1:
        return mp.mpf(0), mp.mpf(0)
    if x >= 1:
        return x, mp.mpf(1)
    return (x + 1) ** 2 / 4, (x + 1) / 2


def _clip_line(x, slope, offset):  # clip(slope·x + offset, 0, 1) and its slope inside
    y = slope * x + offset
    return min(max(y, mp.mpf(0)), mp.mpf(1)), (slope if 0 < y < 1 else mp.mpf(0))


def _hard_swish(x):
    g, dg = _clip_line(x, mp.mpf(1) / 6, mp.mpf(1) / 2)
    return x * g, g + x * dg


TABLES = {
    "test_catalogue_squash.py": {
        "sigmoid": _sigmoid, "tanh": _tanh, "softsign": _softsign, "log_sigmoid": _log_sigmoid,
        "tanhshrink": _tanhshrink,
        "hard_sigmoid": lambda x: _clip_line(x, mp.mpf(1) / 6, mp.mpf(1) / 2),
        "hard_sigmoid@keras2": lambda x: _clip_line(x, mp.mpf("0.2"), mp.mpf("0.5")),
    },
    "test_catalogue_rectifiers.py": {
        "elu": _elu, "celu": _elu, "selu": _selu, "softplus": _softplus, "squareplus": _squareplus,
        "sparse_plus": _sparse_plus,
    },
    "test_catalogue_gates.py": {
        "gelu": _gelu, "gelu(approximate=tanh)": _gelu_tanh, "silu": _silu, "mish": _mish,
        "hard_swish": _hard_swish,
    },
}
TABLE_NAME = "GOLDEN_MPMATH"  # the dict each of those files holds: spec -> [(f, f'), ...] at XS
TABLE_DIGITS = 10  # significant digits written in the tables


# -- single numbers --------------------------------------------------------------------------------

def _gauss(g, q):
    """E[g(√q z)], z ~ N(0, 1), by quadrature cut at the tanh bend."""
    s = mp.sqrt(q)
    return mp.quad(lambda t: g(s * t) * mp.npdf(t), [-mp.inf, -1, 0, 1, mp.inf])


def _tanh2(u):
    return mp.tanh(u) ** 2


def _sech4(u):
    return mp.sech(u) ** 4


def _tanh_mean_field():
    """tanh at σ_w = 1.5, σ_b = 0.05: q* = σ_w² E[tanh(√q* z)²] + σ_b², χ = σ_w² E[sech(√q* z)⁴]
    (Poole et al. 2016, arXiv 1606.05340)."""
    w2, b2 = mp.mpf("1.5") ** 2, mp.mpf("0.05") ** 2
    q = mp.findroot(lambda q: w2 * _gauss(_tanh2, q) + b2 - q, 1)
    return q, w2 * _gauss(_sech4, q)


def _tanh_edge():
    """The σ_w where χ = 1 at σ_b = 0.05: there σ_w² = 1/E[sech⁴], so q* solves
    q = E[tanh²]/E[sech⁴] + σ_b², one equation in q alone."""
    b2 = mp.mpf("0.05") ** 2
    q = mp.findroot(lambda q: _gauss(_tanh2, q) / _gauss(_sech4, q) + b2 - q, mp.mpf("0.3"))
    return 1 / mp.sqrt(_gauss(_sech4, q))


def _selu_chi():
    # χ = λ²(½ + α² e² Φ(-2)) at the fixed point q* = 1, σ_w = 1, σ_b = 0 (closed form)
    return selu_lambda() ** 2 * (mp.mpf(1) / 2 + selu_alpha() ** 2 * mp.e**2 * mp.ncdf(-2))


def _float32(x: float) -> float:
    return struct.unpack("f", struct.pack("f", x))[0]


def _root_of_derivative(f, guess):
    return mp.findroot(lambda x: f(x)[1], guess)


@dataclass(frozen=True)
class Number:
    file: str  # the test file, under tests/
    text: str  # the number exactly as the file writes it
    value: Callable[[], mp.mpf]
    what: str
    exact_float: bool = False  # the text is a float64 repr: it must be the double nearest value
    slow: bool = False  # seconds of quadrature and root finding: reduced precision with --fast


NUMBERS = [
    # SELU (Klambauer et al. 2017, arXiv 1706.02515, eq. 14)
    Number("test_catalogue_rectifiers.py", "1.0507009873554804934193349852946", selu_lambda, "SELU λ"),
    Number("test_catalogue_rectifiers.py", "1.6732632423543772848170429916717", selu_alpha, "SELU α"),
    Number("test_catalogue_rectifiers.py", "1.7580993408473768599402175208",
           lambda: selu_lambda() * selu_alpha(), "SELU λα"),
    Number("test_catalogue_rectifiers.py", "1.7580993", lambda: selu_lambda() * selu_alpha(), "SELU λα"),
    Number("test_signal.py", "1.0507009873554804934193349852946", selu_lambda, "SELU λ"),
    Number("test_signal.py", "1.6732632423543772848170429916717", selu_alpha, "SELU α"),
    Number("test_signal.py", "1.0716", _selu_chi, "SELU χ at q* = 1"),
    Number("test_cli_data.py", "1.7580993", lambda: selu_lambda() * selu_alpha(), "selu'(0-) = λα"),
    Number("test_cli_data.py", "1.0507010", selu_lambda, "selu'(0+) = λ"),
    Number("test_cli_data.py", "1.050701", selu_lambda, "λ printed to 7 digits"),
    # tanh mean field at σ_w = 1.5, σ_b = 0.05 (Poole et al. 2016, arXiv 1606.05340)
    Number("test_signal.py", "0.798387114308096022208000992839",
           lambda: _tanh_mean_field()[0], "tanh q*", slow=True),
    Number("test_signal.py", "1.136707784095614918782682395",
           lambda: _tanh_mean_field()[1], "tanh χ", slow=True),
    Number("test_signal.py", "1.12253900476957564068062187312", _tanh_edge, "tanh edge σ_w at σ_b = 0.05",
           slow=True),
    Number("test_signal.py", "1.41421", lambda: mp.sqrt(2), "relu edge σ_w = √2"),
    # gains: torch.nn.init.calculate_gain (pytorch/pytorch torch/nn/init.py), √(2/(1 + s²))
    Number("test_stats.py", "1.4141428569978354", lambda: mp.sqrt(2 / (1 + mp.mpf("0.01") ** 2)),
           "leaky_relu gain, s = 0.01", exact_float=True),
    Number("test_stats.py", "1.3867504905630728", lambda: mp.sqrt(2 / (1 + mp.mpf("0.2") ** 2)),
           "leaky_relu gain, s = 0.2", exact_float=True),
    Number("test_cli_data.py", "1.66667", lambda: mp.mpf(5) / 3, "tanh gain 5/3"),
    Number("test_cli_data.py", "1.41421", lambda: mp.sqrt(2), "relu gain √2"),
    # exact gelu: minimum where f' = 0, steepest slope at √2 (where f'' = φ(x)(2 - x²) = 0)
    Number("test_stats.py", "-0.1699712", lambda: _gelu(_root_of_derivative(_gelu, -0.75))[0], "min gelu"),
    Number("test_stats.py", "-0.7517915", lambda: _root_of_derivative(_gelu, -0.75), "argmin gelu"),
    Number("test_stats.py", "1.1289041", lambda: _gelu(mp.sqrt(2))[1], "gelu'(√2)"),
    # the zeros of f' (the minima of the gates), as the nearest float64
    Number("test_accuracy_audit.py", "-1.2784645427610737",
           lambda: -1 - mp.lambertw(1 / mp.e).real, "silu' = 0 at -1 - W(1/e)", exact_float=True),
    Number("test_accuracy_audit.py", "-1.1924312145154952", lambda: _root_of_derivative(_mish, -1.19),
           "mish' = 0", exact_float=True),
    Number("test_accuracy_audit.py", "-0.7517915246935645", lambda: _root_of_derivative(_gelu, -0.75),
           "gelu' = 0", exact_float=True),
    # the saturation onset of sigmoid at τ = 0.01: σ' = τ at ln((1 + r)²/(4τ)), r = √(1 - 4τ)
    Number("test_cli_data.py", "4.584863339122355",
           lambda: mp.log((1 + mp.sqrt(mp.mpf("0.96"))) ** 2 / mp.mpf("0.04")), "sigmoid onset", exact_float=True),
    Number("test_stats.py", "4.58486",
           lambda: mp.log((1 + mp.sqrt(mp.mpf("0.96"))) ** 2 / mp.mpf("0.04")), "sigmoid onset, 6 digits"),
    # float64 limits: e^x overflows past ln(max float64); float16 past ln 65520 (rounds to inf)
    Number("test_accuracy_audit.py", "709.782712893384",
           lambda: mp.log((2 - mp.mpf(2) ** -52) * mp.mpf(2) ** 1023), "ln(max float64)"),
    Number("test_catalogue_rectifiers.py", "709.7827",
           lambda: mp.log((2 - mp.mpf(2) ** -52) * mp.mpf(2) ** 1023), "ln(max float64)"),
    Number("test_accuracy_audit.py", "11.09011", lambda: mp.log(65520), "ln 65520"),
    Number("test_accuracy_audit.py", "88.7228390818707",
           lambda: mp.log(mp.mpf(2) ** 128 - mp.mpf(2) ** 103), "float32 exp overflow"),
    # float32 roundings (torch computes these slopes from float32 constants)
    Number("test_catalogue_squash.py", "0.1666666716337204", lambda: mp.mpf(_float32(1 / 6)), "float32(1/6)",
           exact_float=True),
    Number("test_catalogue_rectifiers.py", "0.9999999602635717", lambda: mp.mpf(0.3) / mp.mpf(_float32(0.3)),
           "0.3/float32(0.3)", exact_float=True),
    # single closed forms
    Number("test_catalogue_gates.py", "0.7310585786300049", lambda: _sigmoid(mp.mpf(1))[0], "σ(1)",
           exact_float=True),
    Number("test_catalogue_rectifiers.py", "2.0611536e-9", lambda: mp.log1p(mp.exp(-20)),
           "softplus jump ln(1 + e^20) - 20"),
    Number("test_catalogue_rectifiers.py", "34.04365338911715", lambda: -(mp.log(mp.mpf(2) ** -52) + 2),
           "TF softplus switch -(ln 2^-52 + 2)", exact_float=True),
]


# -- checking ------------------------------------------------------------------------------------------

def read_table(path: Path, name: str) -> dict:
    """The module-level dict ``name`` in a test file, evaluated from its source (literals and the
    names assigned before it), without importing the test module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    env: dict = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                value = eval(compile(ast.Expression(node.value), str(path), "eval"), {"__builtins__": {}}, env)  # noqa: S307
            except Exception:  # noqa: BLE001 (not a literal table: numpy, calls, ...)
                continue
            env[node.targets[0].id] = value
    if name not in env:
        raise KeyError(f"{path.name}: no literal table {name}")
    return env[name]


def _significant(text: str) -> int:
    mantissa = text.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
    return max(len(mantissa), 1)


def matches(text: str, value: mp.mpf, exact_float: bool = False, digits: int = 0) -> bool:
    """Whether ``text`` is ``value`` correctly rounded to the significant digits it shows (at
    least ``digits``: a table drops trailing zeros), or for a float64 repr, the nearest double."""
    if exact_float:
        return float(text) == float(value)
    return mp.mpf(text) == mp.mpf(mp.nstr(value, max(_significant(text), digits)))


def check(fast: bool = False, show: bool = False) -> list[str]:
    """Every hard-coded number against mpmath: a list of the mismatches (empty when all agree).
    ``fast`` computes the slow numbers at FAST_DPS only; ``show`` prints each value."""
    bad = []
    with mp.workdps(DPS):
        for fname, functions in TABLES.items():
            table = read_table(TESTS / fname, TABLE_NAME)
            if set(table) != set(functions):
                bad.append(f"{fname} {TABLE_NAME}: specs {sorted(table)}, expected {sorted(functions)}")
            for spec, fn in functions.items():
                want = [fn(mp.mpf(x)) for x in XS]
                if spec in table and len(table[spec]) != len(XS):
                    bad.append(f"{fname} {spec}: {len(table[spec])} rows, expected {len(XS)}")
                if show:
                    rows = ", ".join(f"({mp.nstr(f, TABLE_DIGITS)}, {mp.nstr(d, TABLE_DIGITS)})" for f, d in want)
                    print(f"{fname} {spec!r}: [{rows}]")
                for x, (f, d), row in zip(XS, want, table.get(spec, []), strict=False):
                    for label, w, got in (("f", f, row[0]), ("f'", d, row[1])):
                        if not matches(repr(float(got)), w, digits=TABLE_DIGITS):
                            bad.append(f"{fname} {spec} {label}({x}): {got!r}, mpmath {mp.nstr(w, 15)}")
        for n in NUMBERS:
            source = (TESTS / n.file).read_text(encoding="utf-8")
            if n.text not in source:
                bad.append(f"{n.file}: {n.text} ({n.what}) is no longer written there")
                continue
            if fast and n.slow:
                with mp.workdps(FAST_DPS):
                    value = n.value()
                    ok = abs(mp.mpf(n.text) - value) <= FAST_REL * abs(value)
            else:
                value = n.value()
                ok = matches(n.text, value, n.exact_float)
            if show:
                print(f"{n.file}: {n.what} = {mp.nstr(value, DPS - 2)}")
            if not ok:
                bad.append(f"{n.file}: {n.text} ({n.what}), mpmath {mp.nstr(value, DPS - 2)}")
    return bad


if __name__ == "__main__":
    problems = check(fast="--fast" in sys.argv[1:], show=True)
    for p in problems:
        print("MISMATCH", p, file=sys.stderr)
    print(f"{len(problems)} mismatches", file=sys.stderr)
    sys.exit(1 if problems else 0)

import os

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

import actviz  # noqa: E402
from actviz.registry import engine_names  # noqa: E402


def declared(rec, presets=True):
    """``rec`` bound at its defaults, at each parameter sample its checks declare and (with
    ``presets``) as each framework preset and as each engine's name for it."""
    out = [actviz.get(rec.name), *(actviz.get(rec.name, **sample) for sample in rec.checks.samples)]
    if presets:
        out += [actviz.get(f"{rec.name}@{fw}") for fw in rec.frameworks]
        out += [actviz.get(row.spec_head) for row in engine_names(rec.name)]
    return out


def declared_specs(select=lambda rec: True, presets=True):
    """The labels (specs without the defaults) of :func:`declared` for every registered record
    ``select(rec)`` is true of."""
    return [act.label for rec in actviz.records() if select(rec) for act in declared(rec, presets)]


def all_bound():
    """Every registered activation at its defaults and its declared samples, plus every
    framework preset."""
    return [act for rec in actviz.records() for act in declared(rec)]


ALL_NAMES = actviz.names()
SCALAR_NAMES = [r.name for r in actviz.records() if r.vector is None]
ALL_SPECS = [a.spec for a in all_bound()]


@pytest.fixture(params=ALL_NAMES)
def act(request):
    return actviz.get(request.param)


def away_from_kinks(act, x, margin=1e-2):
    """x with every point within ``margin`` of a kink removed."""
    x = np.asarray(x, dtype=np.float64)
    keep = np.ones(x.shape, dtype=bool)
    for k in act.kinks:
        keep &= np.abs(x - k) > margin
    return x[keep]


def readme_table(section: str, command: str) -> str:
    """The Markdown table a README section shows under ``$ actviz COMMAND``, for tests that
    check the README against a command's real output."""
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    body = text.split(f"<!-- section:{section} -->")[1].split(f"<!-- /section:{section} -->")[0]
    lines = body.split(f"$ actviz {command}\n", 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    table = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        table.append(line + "\n")
    return "".join(table)


#: The evaluation paths: numpy (the reference) and, where numba is installed, the compiled one.
PATHS = ["numpy", pytest.param("compiled", marks=pytest.mark.skipif(
    not __import__("actviz.numerics.fast", fromlist=["installed"]).installed(),
    reason="numba is not installed (pip install '.[fast]')"))]


@pytest.fixture(params=PATHS)
def path(request):
    """Run the test on each evaluation path in turn."""
    from actviz.numerics import fast

    with fast.using(request.param == "compiled"):
        yield request.param


@pytest.fixture
def numpy_path():
    """The numpy reference path, whose figures the README shows (a plain `pip install .`)."""
    from actviz.numerics import fast

    with fast.using(False):
        yield

"""Every option the library takes, checked in one place.

Each ``check_*`` returns the value in its canonical form (floats as float, counts as int) or
raises :class:`~actviz.errors.OptionError` naming the option as the library calls it
(``sigma_w must be ...``); the command line shows the same message with its flag
(``--sigma-w must be ...``). An option that two functions call by different names (the
saturation threshold is ``threshold=`` in :func:`saturation` and ``saturation=`` elsewhere)
takes the caller's name as ``option``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..errors import OptionError

#: The x range and grid every table, figure and statistic uses unless told otherwise.
DEFAULT_RANGE = (-6.0, 6.0)
DEFAULT_POINTS = 1201
#: More points than this would not fit comfortably in memory (8 arrays of float64).
MAX_POINTS = 50_000_000
#: More points than a figure can show (a 7-inch panel is ~700 pixels wide) only costs time.
MAX_FIGURE_POINTS = 1_000_000
#: matplotlib cannot make images wider or taller than 2**16 pixels.
MAX_PIXELS = 2**16
MAX_DPI = 1200
#: Largest σ_w and σ_b taken: variances of 1e12 are far past any initialisation, and the
#: squares of larger ones overflow the length map.
MAX_SIGMA = 1e6
#: Limits on the Monte-Carlo network: memory (pre-activations kept for the backward pass)
#: and time (weights drawn twice, once per pass).
MAX_WIDTH, MAX_DEPTH, MAX_SAMPLES = 4096, 1000, 4096
MAX_ACTIVATIONS = 2e7
MAX_WEIGHTS = 1e9
#: Seeds a numpy SeedSequence takes as one 32-bit word.
MAX_SEED = 2**32 - 1
#: The floating-point formats the accuracy audit measures, and the other names they go by.
DTYPES = ("float64", "float32", "float16", "bfloat16")
DTYPE_ALIASES = {"f64": "float64", "double": "float64", "f32": "float32", "single": "float32",
                 "f16": "float16", "half": "float16", "bf16": "bfloat16"}


def _whole(value: object) -> bool:
    try:
        return not isinstance(value, bool) and int(value) == value
    except (TypeError, ValueError, OverflowError):
        return False


def check_range(lo: float, hi: float, *, finite: bool = True, option: str = "range") -> tuple[float, float]:
    """An x interval [lo, hi] with lo < hi; with ``finite=False`` either end may be infinite."""
    lo, hi = float(lo), float(hi)
    shown = f"[{lo:g}, {hi:g}]"
    if finite and not (math.isfinite(lo) and math.isfinite(hi)):
        raise OptionError(option, f"{{{option}}} must be finite, not {shown}")
    if math.isnan(lo) or math.isnan(hi):
        raise OptionError(option, f"{{{option}}} must be numbers, not {shown}")
    if lo >= hi:
        raise OptionError(option, f"{{{option}}} minimum must be below its maximum, not {shown}")
    if finite and not math.isfinite(hi - lo):  # the grid's step would overflow
        raise OptionError(option, f"{{{option}}} is too wide: its length overflows float64 ({shown})")
    return lo, hi


def check_audit_range(range_: tuple[float, float] | None) -> tuple[float, float] | None:
    """The x an accuracy audit covers: None for its default, else an interval whose ends may be
    infinite."""
    return None if range_ is None else check_range(*range_, finite=False)


def check_points(points: int, *, most: int = MAX_POINTS, where: str = "", option: str = "points") -> int:
    """A grid size: a whole number from 2 to ``most`` (``where`` says whose limit that is)."""
    if not _whole(points):
        raise OptionError(option, f"{{{option}}} must be a whole number, not {points!r}")
    points = int(points)
    if points < 2:
        raise OptionError(option, f"{{{option}}} must be at least 2, not {points}")
    if points > most:
        raise OptionError(option, f"{{{option}}} must be at most {most:,}{where}, not {points:,}")
    return points


def check_figure_points(points: int) -> int:
    return check_points(points, most=MAX_FIGURE_POINTS, where=" in a figure")


def check_order(order: int) -> int:
    """The highest derivative drawn or tabulated: 1 or 2."""
    if isinstance(order, bool) or order not in (1, 2):
        raise OptionError("order", f"{{order}} must be 1 or 2, not {order!r}")
    return int(order)


def check_threshold(tau: float, option: str = "threshold") -> float:
    """The gradient magnitude under which a point counts as saturated: finite and >= 0."""
    tau = float(tau)
    if not math.isfinite(tau) or tau < 0:
        raise OptionError(option, f"{{{option}}} must be a finite number >= 0, not {tau:g}")
    return tau


def check_gaussian(mu: float, sigma: float) -> tuple[float, float]:
    """The Gaussian input N(mu, sigma²): mu finite, sigma finite and positive."""
    mu, sigma = float(mu), float(sigma)
    if not math.isfinite(mu):
        raise OptionError("mu", f"{{mu}} must be a finite number, not {mu:g}")
    if not math.isfinite(sigma) or sigma <= 0:
        raise OptionError("sigma", f"{{sigma}} must be a finite number > 0, not {sigma:g}")
    return mu, sigma


#: At most this many means in one `stats --mu` list: each is a column.
MAX_MU_VALUES = 24


def check_mu_values(text: str) -> list[float]:
    """The means a ``--mu`` option lists: one number (``0.5``), several (``-1,0,1``) or
    START:STOP:COUNT (``-2:2:9``, nine evenly from -2 to 2); each finite, at most
    :data:`MAX_MU_VALUES`, repeats dropped."""
    raw = str(text).strip()

    def malformed() -> OptionError:
        return OptionError("mu", f"{{mu}} takes a number, numbers separated by commas (-1,0,1) or "
                                 f"START:STOP:COUNT (-2:2:9), not {raw!r}")

    def number(part: str) -> float:
        try:
            return float(part)
        except ValueError:
            raise malformed() from None

    parts = raw.split(":")
    if len(parts) not in (1, 3):
        raise malformed()
    if len(parts) == 3:
        start, stop, count = number(parts[0]), number(parts[1]), parts[2].strip()
        if not count.isdigit() or int(count) < 2:
            raise OptionError("mu", f"{{mu}} START:STOP:COUNT needs a whole COUNT of at least 2, not {raw!r}")
        count = int(count)
        if count > MAX_MU_VALUES:
            raise OptionError("mu", f"{{mu}} takes at most {MAX_MU_VALUES} values, not {count}")
        step = (stop - start) / (count - 1)
        values = [start + i * step for i in range(count - 1)] + [stop]
    else:
        values = [number(v) for v in raw.split(",")]
    if len(values) > MAX_MU_VALUES:
        raise OptionError("mu", f"{{mu}} takes at most {MAX_MU_VALUES} values, not {len(values)}")
    for v in values:
        check_gaussian(v, 1.0)
    return [v + 0.0 for v in dict.fromkeys(values)]


def check_sigmas(sigma_w: float, sigma_b: float) -> tuple[float, float]:
    """Weight and bias scales of a random network: σ_w in (0, MAX_SIGMA], σ_b in [0, MAX_SIGMA]."""
    sigma_w, sigma_b = float(sigma_w), float(sigma_b)
    if not (math.isfinite(sigma_w) and 0 < sigma_w <= MAX_SIGMA):
        raise OptionError("sigma_w", f"{{sigma_w}} must be a number in (0, {MAX_SIGMA:g}], not {sigma_w:g}")
    if not (math.isfinite(sigma_b) and 0 <= sigma_b <= MAX_SIGMA):
        raise OptionError("sigma_b", f"{{sigma_b}} must be a number in [0, {MAX_SIGMA:g}], not {sigma_b:g}")
    return sigma_w, sigma_b


def check_network(depth: int, width: int, samples: int = 64) -> tuple[int, int, int]:
    """The Monte-Carlo network's size: each count in range, and the whole within memory and time."""
    for name, value, top in (("depth", depth, MAX_DEPTH), ("width", width, MAX_WIDTH),
                             ("samples", samples, MAX_SAMPLES)):
        if not _whole(value) or not 1 <= int(value) <= top:
            raise OptionError(name, f"{{{name}}} must be a whole number from 1 to {top:,}, not {value!r}")
    depth, width, samples = int(depth), int(width), int(samples)
    if samples * width * depth > MAX_ACTIVATIONS:
        raise OptionError(
            "samples",
            f"{{samples}} {samples} × {{width}} {width} × {{depth}} {depth} is more than the "
            f"{MAX_ACTIVATIONS:.0e} activations the Monte-Carlo check keeps in memory",
            ("width", "depth"),
        )
    if width * width * depth > MAX_WEIGHTS:
        raise OptionError(
            "width",
            f"{{width}} {width}² × {{depth}} {depth} is more than the {MAX_WEIGHTS:.0e} random weights "
            "the Monte-Carlo check draws",
            ("depth",),
        )
    return depth, width, samples


def check_seed(seed: int) -> int:
    if not _whole(seed) or not 0 <= int(seed) <= MAX_SEED:
        raise OptionError("seed", f"{{seed}} must be a whole number from 0 to {MAX_SEED}, not {seed!r}")
    return int(seed)


def check_dtype(name: str) -> str:
    """One of :data:`DTYPES`, by its name or an alias (f32, half, bf16, ...), in canonical form."""
    key = str(name).strip().lower()
    key = DTYPE_ALIASES.get(key, key)
    if key not in DTYPES:
        raise OptionError("dtype", f"{{dtype}} must be one of {', '.join(DTYPES)}, not {name!r}")
    return key


def check_workers(workers: int, option: str = "workers") -> int:
    """A number of threads or processes: a whole number, at least 1."""
    if not _whole(workers) or int(workers) < 1:
        raise OptionError(option, f"{{{option}}} must be at least 1, not {workers!r}")
    return int(workers)


def check_tolerance(tolerance: float) -> float:
    tolerance = float(tolerance)
    if not math.isfinite(tolerance) or tolerance <= 0:
        raise OptionError("tolerance", f"{{tolerance}} must be a finite number > 0, not {tolerance:g}")
    return tolerance


def check_dpi(dpi: float | None) -> float | None:
    """A figure's resolution in dots per inch, in (0, MAX_DPI]; None for matplotlib's default."""
    if dpi is None:
        return None
    dpi = float(dpi)
    if not math.isfinite(dpi) or dpi <= 0 or dpi > MAX_DPI:
        raise OptionError("dpi", f"{{dpi}} must be a number in (0, {MAX_DPI}], not {dpi:g}")
    return dpi


def check_size(
    size: Sequence[float] | None, dpi: float | None, minimum: tuple[float, float], panels: int
) -> tuple[float, float] | None:
    """A figure's (width, height) in inches: positive, finite, under matplotlib's pixel limit
    at ``dpi``, and at least ``minimum``, what ``panels`` panels need."""
    if size is None:
        return None
    try:
        w, h = (float(v) for v in size)
    except (TypeError, ValueError):
        raise OptionError("size", f"{{size}} takes two numbers (width and height in inches), not {size!r}") from None
    if not (math.isfinite(w) and math.isfinite(h)) or w <= 0 or h <= 0:
        raise OptionError("size", f"{{size}} must be two positive numbers of inches, not {w:g} {h:g}")
    pixels = max(w, h) * (dpi or 100.0)
    if pixels >= MAX_PIXELS:
        raise OptionError(
            "size",
            f"{{size}} {w:g} x {h:g} inches at {dpi or 100:g} dpi is {pixels:,.0f} pixels across; "
            f"matplotlib's limit is {MAX_PIXELS:,}",
        )
    min_w, min_h = minimum
    if w < min_w or h < min_h:
        raise OptionError(
            "size",
            f"{{size}} {w:g} x {h:g} inches is too small for {panels} panels: "
            f"at least {min_w:g} wide and {min_h:g} tall",
        )
    return w, h


def check_panels(panels: Sequence[str] | None, known: Sequence[str]) -> list[str]:
    """Panel names, each one of ``known``, lower-cased, in the order given; all of them without any."""
    if not panels:
        return list(known)
    chosen = [str(p).strip().lower() for p in panels]
    unknown = [p for p in chosen if p not in known]
    if unknown:
        raise OptionError("panel", f"{{panel}} must be one of {', '.join(known)}, not {unknown[0]!r}")
    return chosen

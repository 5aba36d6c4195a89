"""The gallery: a figure per activation, family and framework-difference sheets, and an index.

Everything comes from the registry: adding an activation adds its figure, its row in
the index and its place in its family's sheet; a framework preset that defines the
function differently (another formula or other defaults) adds a framework sheet.
Figures render in a process pool, each written atomically; a failure is reported by
name at the end while the others still render. Ctrl-C stops the run at once: the workers
are killed, not left to finish the queue, and no temporary file stays behind.
"""

from __future__ import annotations

import os
import re
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..core.bound import BoundActivation
from ..core.options import check_workers
from ..core.records import FRAMEWORK_TITLES, FRAMEWORKS, resolve
from ..core.spec import format_value
from ..errors import OutputError, UsageError
from ..registry import get, preset_groups, records
from .io import atomic_write, remove_temporaries, save_figure

DEFAULT_RANGE = (-6.0, 6.0)
#: More curves than this on one sheet stop being tellable apart; larger families are split.
SHEET_SIZE = 6
#: Members whose output spans differ by more than this factor go on different sheets, so
#: that one member (log_softmax beside softmax) does not flatten the rest.
SPAN_RATIO = 4.0
GALLERY_FORMATS = ("png", "svg")
INDEX = "README.md"


@dataclass(frozen=True)
class Job:
    """One figure of the gallery."""

    # "activation", "family" or "frameworks"
    kind: str
    # what the figure is of: an activation name or a family name
    key: str
    # the specs drawn (one for an activation figure)
    specs: tuple[str, ...]
    # file name without the suffix
    stem: str
    # x interval
    range: tuple[float, float]
    # a panel of differences from the first spec
    diff: bool = False
    # frameworks sharing each spec's definition (framework sheets only)
    shared_by: tuple[tuple[str, ...], ...] = ()


@dataclass
class GalleryResult:
    """What a gallery run wrote and what failed."""

    directory: Path
    written: list[Path] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)


def suggested_range(act: BoundActivation) -> tuple[float, float]:
    """The record's plot range, else an x interval that shows every kink with room around it
    (at least [-6, 6])."""
    if act.record.plot_range is not None:
        return tuple(float(v) for v in resolve(act.record.plot_range, act.params))
    lo, hi = DEFAULT_RANGE
    if act.kinks:
        lo = min(lo, act.kinks[0] - 3.0)
        hi = max(hi, act.kinks[-1] + 3.0)
    return (float(lo), float(hi))


def _stem(act: BoundActivation) -> str:
    """A file name for ``act``'s figure: its name at the defaults, else its label made safe
    (``gelu@jax`` must not overwrite ``gelu.png``; an expression is no file name)."""
    plain = act.framework is None and act.label == act.name
    text = act.name if plain else act.label
    return re.sub(r"[^A-Za-z0-9_.=-]+", "-", text).strip("-.") or "expression"


def output_span(act: BoundActivation) -> float:
    """max f - min f over the activation's gallery range (201 points), at least 1e-12."""
    import numpy as np

    f = np.asarray(act.elementwise(np.linspace(*suggested_range(act), 201)), dtype=np.float64)
    f = f[np.isfinite(f)]
    return max(float(f.max() - f.min()), 1e-12) if f.size else 1e-12


#: :func:`slope_scale` is at least this: slopes below it (a step's 0, sigmoid's 1/4 at most)
#: are all flat beside a slope of 1 on a shared axis
SLOPE_FLOOR = 0.25


def slope_scale(act: BoundActivation) -> float:
    """max |f'| over the activation's gallery range (201 points), at least :data:`SLOPE_FLOOR`:
    the height of its derivative panel."""
    import numpy as np

    with np.errstate(all="ignore"):
        d = np.asarray(act.elementwise.derivative(np.linspace(*suggested_range(act), 201)), dtype=np.float64)
    d = np.abs(d[np.isfinite(d)])
    return max(float(d.max()) if d.size else 0.0, SLOPE_FLOOR)


def family_sheets(acts: list[BoundActivation]) -> list[list[BoundActivation]]:
    """A family's members split into sheets of at most :data:`SHEET_SIZE`, each in catalogue
    order. Where the spans of f, or the heights of f' (:func:`slope_scale`), differ by more
    than :data:`SPAN_RATIO`, members of like spans share a sheet: the fewest sheets that keep
    every sheet within the ratio, with at least two members each where that is possible, and
    a member alone where it is the only way (sine's f' of ±30 beside snake's ±2); otherwise
    the family is cut into even, consecutive sheets."""
    spans = [(output_span(a), slope_scale(a)) for a in acts]
    n = len(acts)

    def ratio(run) -> float:
        return max(max(spans[i][k] for i in run) / min(spans[i][k] for i in run) for k in (0, 1))

    if ratio(range(n)) <= SPAN_RATIO:
        parts = -(-n // SHEET_SIZE)
        size = -(-n // parts)  # even split: 12 members make two sheets of 6
        return [acts[i : i + size] for i in range(0, n, size)]
    order = sorted(range(n), key=lambda i: spans[i][0] * spans[i][1])
    best: tuple | None = None
    for mask in range(1 << (n - 1)):  # every cut of the members sorted by span (n is small)
        cuts = [0, *(i + 1 for i in range(n - 1) if mask >> i & 1), n]
        runs = [order[a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
        if any(len(r) > SHEET_SIZE for r in runs):
            continue
        ratios = [ratio(r) for r in runs]
        score = (sum(q > SPAN_RATIO for q in ratios), sum(len(r) == 1 for r in runs), len(runs), max(ratios))
        if best is None or score < best[0]:
            best = (score, runs)
    if best is None:  # too few members to split: one sheet, as before
        return [acts]
    runs = sorted((sorted(r) for r in best[1]), key=lambda r: r[0])
    return [[acts[i] for i in r] for r in runs]


def plan(only: Iterable[str] | None = None) -> list[Job]:
    """Every figure the gallery draws (only the named activations' figures with ``only``)."""
    if only:
        acts = [get(spec) for spec in only]
        return [Job("activation", a.name, (a.spec,), _stem(a), suggested_range(a)) for a in acts]
    jobs: list[Job] = []
    families: dict[str, list[BoundActivation]] = {}
    for rec in records():
        act = get(rec.name)
        jobs.append(Job("activation", rec.name, (act.spec,), rec.name, suggested_range(act)))
        families.setdefault(rec.family, []).append(act)
    for family, acts in families.items():
        if len(acts) < 2:
            continue
        sheets = family_sheets(acts)
        parts = len(sheets)
        for part, chunk in enumerate(sheets):
            lo = min(suggested_range(a)[0] for a in chunk)
            hi = max(suggested_range(a)[1] for a in chunk)
            stem = "family-" + family.replace(" ", "-") + (f"-{part + 1}" if parts > 1 else "")
            key = family + (f" ({part + 1} of {parts})" if parts > 1 else "")
            jobs.append(Job("family", key, tuple(a.spec for a in chunk), stem, (lo, hi)))
    for rec in records():
        groups = preset_groups(rec.name)
        if len(groups) < 2:
            continue
        acts = [g[0] for g in groups]
        jobs.append(
            Job(
                "frameworks",
                rec.name,
                tuple(a.spec for a in acts),
                f"frameworks-{rec.name}",
                suggested_range(acts[0]),
                diff=True,
                shared_by=tuple(g[1] for g in groups),
            )
        )
    return jobs


def render(job: Job, directory: str | os.PathLike, fmt: str = "png", dark: bool = False) -> Path:
    """Draw one job's figure and write it (atomically) into ``directory``."""
    from .figures import compare, plot

    if job.kind == "activation" or len(job.specs) == 1:  # a family member alone on its sheet
        fig = plot(job.specs[0], range=job.range, dark=dark)
    else:
        fig = compare(list(job.specs), range=job.range, diff=job.diff, dark=dark)
    try:
        return save_figure(fig, Path(directory) / f"{job.stem}.{fmt}", fmt=fmt)
    finally:
        fig.clf()


def _render_safely(job: Job, directory: str, fmt: str, dark: bool) -> tuple[Job, str | None]:
    try:
        render(job, directory, fmt, dark)
    except Exception as exc:  # reported by name at the end; the other figures still render
        return job, f"{type(exc).__name__}: {exc}"
    return job, None


def _worker_init() -> None:
    import matplotlib

    matplotlib.use("Agg")
    # Ctrl-C reaches every process of the terminal's group; the parent alone decides (it kills
    # the workers), so a worker never raises KeyboardInterrupt or prints its traceback. SIGINT
    # was blocked across the fork (see _sigint_blocked) and is ignored before it is let through.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Hold SIGINT back in this thread while it starts workers: a worker inherits the mask,
    so it cannot be interrupted before its initializer ignores SIGINT. A Ctrl-C meanwhile
    is delivered to the parent when the block ends (or at once, to another thread)."""
    if not hasattr(signal, "pthread_sigmask"):  # not POSIX
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore a second Ctrl-C while the first one's clean-up runs (main thread only: only it
    can set signal handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _kill_pool(pool, workers: list) -> None:
    """Cancel the figures not started and kill ``workers``, the pool's processes, at once
    (half a figure is worth nothing and its temporary file is removed by the caller); return
    when all are reaped, so no worker outlives the run. Python 3.14's ``kill_workers`` does
    the same first part."""
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in workers:
        try:
            proc.kill()
        except (ProcessLookupError, ValueError):  # already gone, or already closed
            pass
    for proc in workers:
        proc.join()
    pool.shutdown(wait=True)


def build(
    directory: str | os.PathLike = "gallery",
    fmt: str = "png",
    jobs: int | None = None,
    only: Iterable[str] | None = None,
    dark: bool = False,
    progress: Callable[[Job, str | None], None] | None = None,
) -> GalleryResult:
    """Render the gallery into ``directory`` (created if missing) and, on a full run, its index.

    ``jobs`` worker processes (default: every core); ``progress(job, error)`` is called as
    each figure finishes.
    """
    if fmt not in GALLERY_FORMATS:
        raise UsageError(f"gallery format must be one of {', '.join(GALLERY_FORMATS)}, not {fmt!r}")
    workers = (os.cpu_count() or 1) if jobs is None else check_workers(jobs, "jobs")
    only = list(only) if only else None
    todo = plan(only)
    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise OutputError(f"cannot write the gallery into {str(out)!r}: it is not a directory")
    if not out.exists():
        if not out.parent.exists():
            raise OutputError(f"cannot create {str(out)!r}: directory {str(out.parent)!r} does not exist")
        try:
            out.mkdir()
        except OSError as exc:
            raise OutputError(f"cannot create {str(out)!r}: {exc.strerror or exc}") from exc
    if not os.access(out, os.W_OK):
        raise OutputError(f"cannot write into {str(out)!r}: not writable")
    result = GalleryResult(out)

    def done(job: Job, error: str | None) -> None:
        if error is None:
            result.written.append(out / f"{job.stem}.{fmt}")
        else:
            result.failures[job.stem] = error
        if progress is not None:
            progress(job, error)

    if workers == 1 or len(todo) == 1:
        for job in todo:
            done(*_render_safely(job, str(out), fmt, dark))
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        import matplotlib  # imported before forking, so the workers start warm

        matplotlib.use("Agg")
        from . import figures  # noqa: F401

        context = multiprocessing.get_context("fork") if hasattr(os, "fork") else None
        pool = ProcessPoolExecutor(
            max_workers=min(workers, len(todo)), mp_context=context, initializer=_worker_init
        )
        unfinished = list(todo)
        others, workers_started = set(multiprocessing.active_children()), []
        try:
            with _sigint_blocked():  # the workers start at the first submit
                futures = [pool.submit(_render_safely, job, str(out), fmt, dark) for job in todo]
                # the pool's workers (a forking pool starts them all at the first submit): this
                # process's children that were not there before it; known before a Ctrl-C can land
                workers_started = [p for p in multiprocessing.active_children() if p not in others]
            for future in as_completed(futures):
                job, error = future.result()
                unfinished.remove(job)
                done(job, error)
        except BaseException:  # Ctrl-C above all: stop now rather than render the queue
            with _sigint_ignored():
                _kill_pool(pool, workers_started)
                for job in unfinished:
                    remove_temporaries(out / f"{job.stem}.{fmt}")
            raise
        pool.shutdown()
    if only is None:
        result.written.append(write_index(out, todo, fmt, result.failures))
    return result


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _properties_text(act: BoundActivation) -> str:
    p = act.properties
    if p is None:
        return ""
    bits = ["monotonic" if p.monotonic else "non-monotonic", p.smoothness]
    if p.bounded_above and p.bounded_below:
        bits.append("bounded")
    elif p.bounded_below:
        bits.append("bounded below")
    elif p.bounded_above:
        bits.append("bounded above")
    if p.zero_centred:
        bits.append("f(0) = 0")
    return ", ".join(bits)


def _kink_differences(name: str) -> str:
    """Derivative values at kinks where frameworks disagree, e.g. "f'(0): torch 0.01, jax 1"."""
    base = get(name)
    lines = []
    for x in base.kinks:
        values = {}
        for fw in FRAMEWORKS:
            if fw in base.record.frameworks:
                act = get(f"{name}@{fw}")
                if x in act.kinks:
                    values[fw] = float(act.elementwise.derivative(x))
        if len(set(values.values())) > 1:
            listed = ", ".join(f"{fw} {v:.6g}" for fw, v in values.items())
            lines.append(f"f'({x:g}): {listed}")
    return "; ".join(lines)


def index_text(jobs: list[Job], fmt: str = "png", failures: dict[str, str] | None = None) -> str:
    """The gallery's README: a row per activation, then the family and framework sheets."""
    failures = failures or {}
    lines = [
        "# actviz gallery",
        "",
        "Generated by `actviz gallery -o gallery/` from the registry: every activation at its",
        "defaults, f and f' with kinks marked and dead (f' = 0) and saturated (|f'| < 0.01) regions",
        "shaded; then each family on shared axes, and the activations whose framework versions",
        "differ. Do not edit by hand; regenerate.",
        "",
        "| figure | activation | formula | output range | properties | "
        + " | ".join(FRAMEWORK_TITLES[fw] for fw in FRAMEWORKS)
        + " |",
        "|---|---|---|---|---|" + "---|" * len(FRAMEWORKS),
    ]
    for job in jobs:
        if job.kind != "activation":
            continue
        act = get(job.specs[0])
        rec = act.record
        name = f"**{rec.name}**" + (f" ({', '.join(rec.aliases)})" if rec.aliases else "")
        thumb = f'<a href="{job.stem}.{fmt}"><img src="{job.stem}.{fmt}" width="200"></a>'
        if job.stem in failures:
            thumb = "(failed to render)"
        fws = [f"`{rec.frameworks[fw].name}`" if fw in rec.frameworks else "—" for fw in FRAMEWORKS]
        lines.append(
            "| "
            + " | ".join(
                _cell(c)
                for c in (thumb, name, f"`{rec.formula_text}`", act.output_range, _properties_text(act), *fws)
            )
            + " |"
        )
    sheets = [j for j in jobs if j.kind == "family"]
    if sheets:
        lines += ["", "## Families", ""]
        for job in sheets:
            lines += [f"### {job.key}", "", f"![{job.key}]({job.stem}.{fmt})", ""]
    sheets = [j for j in jobs if j.kind == "frameworks"]
    if sheets:
        lines += ["", "## Where frameworks differ", ""]
        for job in sheets:
            lines += [f"### {job.key}", ""]
            for spec, fws in zip(job.specs, job.shared_by, strict=True):
                names = ", ".join(FRAMEWORK_TITLES[fw] for fw in fws)
                act = get(spec)
                # the label leaves out the preset's own defaults: name those that differ from the canonical form
                own = [f"{k}={format_value(v)}" for k, v in act.params.items() if act.record.defaults.get(k) != v]
                lines.append(f"- `{act.label}`" + (f" ({', '.join(own)})" if own else "") + f": {names}")
            kinks = _kink_differences(job.key)
            if kinks:
                lines.append(f"- derivative at kinks: {kinks}")
            lines += ["", f"![{job.key} across frameworks]({job.stem}.{fmt})", ""]
    kink_only = [
        (rec.name, text)
        for rec in records()
        if len(preset_groups(rec.name)) < 2 and (text := _kink_differences(rec.name))
    ]
    if kink_only:
        lines += ["", "## Same function, different derivative at a kink", ""]
        lines += [f"- **{name}**: {text}" for name, text in kink_only]
    return "\n".join(lines).rstrip() + "\n"


def write_index(directory: Path, jobs: list[Job], fmt: str, failures: dict[str, str] | None = None) -> Path:
    return atomic_write(Path(directory) / INDEX, lambda fh: fh.write(index_text(jobs, fmt, failures)))

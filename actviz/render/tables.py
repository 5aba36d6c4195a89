"""Rich tables for the terminal.

In a terminal the tables are drawn with rich's boxes and styles. When standard output
is not a terminal (a pipe, a file, a test runner) or ``NO_COLOR`` is set, the same
tables come out as plain text: no escape codes, ASCII rules, never wrapped or cut to
80 columns.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Sequence
from typing import IO, Any

import numpy as np
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .export import catalogue_rows, gated_note, readable, stats_grid

#: Plain-text tables: a rule of dashes under the header, nothing else.
PLAIN_BOX = box.Box("    \n    \n -- \n    \n    \n -- \n    \n    \n", ascii=True)
#: Rows a terminal value table shows before it shows a subset.
MAX_ROWS = 25


def plain_output(file: IO | None = None) -> bool:
    """True when output should be plain text: not a terminal, or NO_COLOR set."""
    if os.environ.get("NO_COLOR"):
        return True
    file = sys.stdout if file is None else file
    try:
        return not file.isatty()
    except (AttributeError, ValueError):
        return True


def make_console(file: IO | None = None, plain: bool | None = None) -> Console:
    """A console on ``file`` (standard output by default), plain when :func:`plain_output` says so."""
    file = sys.stdout if file is None else file
    plain = plain_output(file) if plain is None else plain
    if plain:
        # a huge width: rich would otherwise wrap tables at 80 columns when not in a terminal
        return Console(file=file, color_system=None, width=100_000, markup=False, highlight=False,
                       emoji=False, soft_wrap=False)
    return Console(file=file, markup=False, highlight=False, emoji=False)


class TextTable(Table):
    """A rich Table that keeps the text of its rows as they are added (:attr:`texts`), so the
    plain rendering below reads them instead of rich's private per-column cell lists."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.texts: list[list[str]] = []

    def add_column(self, *args: Any, **kwargs: Any) -> None:
        # a word wider than the column rich leaves it folds onto the next line, never cut to
        # "torch.nn.functi…" or "max_value=no…"
        kwargs.setdefault("overflow", "fold")
        super().add_column(*args, **kwargs)

    def add_row(self, *renderables: Any, **kwargs: Any) -> None:
        super().add_row(*renderables, **kwargs)
        # rich pads a short row with empty cells, and None reads as empty
        cells = ["" if r is None else str(r) for r in renderables]
        self.texts.append(cells + [""] * (len(self.columns) - len(cells)))


def _plain(renderable: Any) -> Any:
    if isinstance(renderable, Table) and renderable.box is not None:
        renderable.box = PLAIN_BOX
        renderable.show_edge = False
    return renderable


def _plain_table(table: Table) -> str | None:
    """A table as plain text without rich's layout engine (which costs tens of ms for the
    catalogue, a visible share of `actviz list`'s start-up). Same layout as rich's with
    :data:`PLAIN_BOX`: columns three spaces apart (two in a grid), headers at the bottom of
    their lines, a rule of dashes. None for tables it does not handle (wrapping widths, or
    a rich Table that did not keep its rows' text)."""
    from rich.cells import cell_len

    if not isinstance(table, TextTable):
        return None
    columns = [(str(c.header), [row[j] for row in table.texts], c.justify) for j, c in enumerate(table.columns)]
    if table.width is not None or table.expand:
        return None
    boxed = table.box is not None
    _, right, _, left = table.padding
    between = max(left, right) if table.collapse_padding else left + right
    gap = " " * (between + (1 if boxed else 0))  # a box puts its (blank) vertical between columns
    heads = [h.split("\n") for h, _, _ in columns]
    depth = max((len(h) for h in heads), default=0) if table.show_header else 0
    heads = [[""] * (depth - len(h)) + h for h in heads]
    widths = [max([cell_len(line) for line in (*head, *cells)] or [0])
              for head, (_, cells, _) in zip(heads, columns, strict=True)]
    if table.min_width:
        widths[-1] += max(0, table.min_width - (sum(widths) + len(gap) * (len(widths) - 1)))

    def line(cells: list[str]) -> str:
        parts = []
        for text, width, (_, _, justify) in zip(cells, widths, columns, strict=True):
            pad = width - cell_len(text)
            if justify == "right":
                parts.append(" " * pad + text)
            elif justify == "center":
                parts.append(" " * (pad // 2) + text + " " * (pad - pad // 2))
            else:
                parts.append(text + " " * pad)
        return gap.join(parts).rstrip() + "\n"

    out = []
    if table.title:
        out.append(str(table.title) + "\n")
    for i in range(depth):
        out.append(line([h[i] for h in heads]))
    if boxed and table.show_header:
        out.append("-" * (sum(widths) + len(gap) * (len(widths) - 1)) + "\n")
    rows = len(columns[0][1]) if columns else 0
    out += [line([cells[r] for _, cells, _ in columns]) for r in range(rows)]
    if table.caption:
        out.append(str(table.caption) + "\n")
    return "".join(out)


def emit(*renderables: Any, file: IO | None = None, plain: bool | None = None) -> None:
    """Print tables and text to ``file`` (standard output), plainly when not a terminal."""
    file = sys.stdout if file is None else file
    if plain_output(file) if plain is None else plain:
        file.write(render_text(*renderables))
        file.flush()
        return
    console = make_console(file, plain=False)
    for r in renderables:
        console.print(r)


def render_text(*renderables: Any) -> str:
    """The plain-text rendering as a string, without padding at line ends."""
    out = []
    console = None
    for r in renderables:
        text = r + "\n" if isinstance(r, str) else _plain_table(r) if isinstance(r, Table) else None
        if text is None:
            buf = io.StringIO()
            console = make_console(buf, plain=True)
            console.print(_plain(r))
            text = "".join(line.rstrip() + "\n" for line in buf.getvalue().splitlines())
        out.append(text)
    return "".join(out)


def _table(title: str | None = None, caption: str | None = None, cls: type[TextTable] = TextTable, **kwargs: Any) -> TextTable:
    return cls(title=title or None, caption=caption, box=box.SIMPLE_HEAD, header_style="bold", title_style="bold",
               title_justify="left", caption_justify="left", pad_edge=False, **kwargs)


# -- statistics ------------------------------------------------------------------------------


def _cells_table(cls: type[TextTable], title: str, header: Sequence[str], rows: Sequence[Sequence[str]],
                 **kwargs: Any) -> TextTable:
    table = _table(title, cls=cls, **kwargs)
    table.add_column(header[0], style="cyan", no_wrap=True)
    for name in header[1:]:
        table.add_column(name, justify="right")
    for row in rows:
        table.add_row(*row)
    return table


def grid_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    """A grid of text cells (a ``*_grid`` of :mod:`actviz.render.export`): labels in the first
    column, values right-aligned beside them; fitted to a narrow terminal as :class:`_GridTable` says."""
    return _cells_table(_GridTable, title, header, rows)


def _natural_width(console, options, table: Table) -> int:
    """The width ``table`` takes with every cell on its own lines."""
    from rich.measure import Measurement

    return Measurement.get(console, options.update(width=10**6), table).maximum


def _fits(console, options, table: Table) -> bool:
    return _natural_width(console, options, table) <= options.max_width


def _one_line(header: Any) -> str:
    return " ".join(str(header).split())


def _listings(table: Table, blocks: Sequence[tuple[str, Sequence[tuple[str, Any]]]]):
    """``table``'s title, then for each (heading, pairs) of ``blocks`` the heading with
    ``name   value`` lines indented under it (a long value folds), then its caption."""
    from rich.padding import Padding

    if table.title:
        yield Text(str(table.title), style="bold")
    for head, pairs in blocks:
        yield Text(head, style="bold cyan")
        block = Table(box=None, show_header=False, pad_edge=False, padding=(0, 3, 0, 0))
        block.add_column(no_wrap=True)
        block.add_column(overflow="fold")
        for name, value in pairs:
            block.add_row(name, value)
        yield Padding(block, (0, 0, 1, 4))
    if table.caption:
        yield Text(str(table.caption), style="dim italic")


class _GridTable(TextTable):
    """A grid of quantities down and activations across (`stats`, `signal`, `compare`), as plain
    text and in a terminal wide enough for it. In a narrower one the quantities' labels wrap
    between words, the numbers staying whole; where the numbers alone are too wide, each
    activation is a heading with its quantities listed under it. No number is ever cut."""

    #: The narrowest the labels may wrap to before the listing takes over.
    LABELS_MIN_WIDTH = 16

    def __rich_console__(self, console, options):
        from rich.cells import cell_len

        natural = _natural_width(console, options, self)
        if natural <= options.max_width:
            yield from super().__rich_console__(console, options)
            return
        labels = [row[0] for row in self.texts] + [str(self.columns[0].header)]
        room = options.max_width - (natural - max(cell_len(t) for t in labels))
        if room >= max(max(_longest_word(t) for t in labels), self.LABELS_MIN_WIDTH):
            label, values = self.columns[0], self.columns[1:]
            label.width, label.no_wrap = room, False
            for column in values:
                column.no_wrap = True
            try:
                yield from super().__rich_console__(console, options)
            finally:
                label.width, label.no_wrap = None, True
                for column in values:
                    column.no_wrap = False
            return
        yield from _listings(self, [(_one_line(column.header), [(row[0], row[j]) for row in self.texts])
                                    for j, column in enumerate(self.columns) if j])


class _RecordTable(TextTable):
    """A table of records, one row each (an audit: activation, dtype, its errors), as plain text
    and in a terminal wide enough for it. In a narrower terminal the records turn into columns,
    the quantities down the side (as `stats` prints them), with the cells that name a record
    (:attr:`ids`) as its column's header; where even that is too wide, each record is a heading
    with its quantities listed below it. No cell is ever cut."""

    def __init__(self, *args: Any, ids: Sequence[int] = (0,), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ids = tuple(ids)
        self.cells: list[list[Any]] = []  # as added, styles and all

    def add_row(self, *renderables: Any, **kwargs: Any) -> None:
        super().add_row(*renderables, **kwargs)
        self.cells.append(["" if r is None else r for r in renderables])

    def _across(self) -> Table:
        heads = ["\n".join(row[j] for j in self.ids) for row in self.texts]
        table = _table(str(self.title) if self.title else None, str(self.caption) if self.caption else None)
        table.add_column("", style="cyan", no_wrap=True)
        for head in heads:
            table.add_column(head, justify="right", no_wrap=True)
        for j, column in enumerate(self.columns):
            if j not in self.ids:
                table.add_row(_one_line(column.header), *(cells[j] for cells in self.cells))
        return table

    def _blocks(self):
        return _listings(self, [("   ".join(row[j] for j in self.ids),
                                 [(_one_line(c.header), cells[j]) for j, c in enumerate(self.columns) if j not in self.ids])
                                for row, cells in zip(self.texts, self.cells, strict=True)])

    def __rich_console__(self, console, options):
        if _fits(console, options, self):
            yield from super().__rich_console__(console, options)
            return
        across = self._across()
        if _fits(console, options, across):
            yield across
            return
        yield from self._blocks()


def record_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]], ids: Sequence[int]) -> Table:
    """A grid of text cells, one row per record (an ``accuracy_grid`` or ``implementation_grid`` of
    :mod:`actviz.render.export`), fitted to the terminal as :class:`_RecordTable` describes; ``ids``
    are the columns that name a record."""
    return _cells_table(_RecordTable, title, header, rows, ids=ids)


def stats_table(results: list[dict]) -> Table:
    """Key statistics (:func:`actviz.analysis.stats.stats` results), activations side by side."""
    title, header, rows = stats_grid(results)
    table = grid_table(title, header, rows)
    table.min_width = len(title) or None  # a title wider than the columns widens the table, unwrapped
    table.caption = gated_note(results) or None  # what a gated unit's z and f' are
    return table


# -- values on a grid ------------------------------------------------------------------------


def pick_rows(x: np.ndarray, max_rows: int = MAX_ROWS) -> np.ndarray:
    """Indices of a readable subset of a long grid: evenly strided, both ends and x = 0 kept."""
    n = len(x)
    if n <= max_rows:
        return np.arange(n)
    stride = -(-(n - 1) // (max_rows - 1))
    keep = set(range(0, n, stride)) | {n - 1}
    zero = np.flatnonzero(x == 0)
    keep |= set(zero.tolist())
    return np.array(sorted(keep))


def subset_note(samples: Sequence, max_rows: int = MAX_ROWS) -> str | None:
    """What a terminal value table leaves out, or None when it shows every row."""
    x = samples[0].x
    rows = pick_rows(x, max_rows)
    if len(rows) == len(x):
        return None
    return (f"showing {len(rows)} of {len(x)} rows (one in {rows[1] - rows[0]}); "
            "write them all with -o FILE.csv, .json or .md")


def gate_curve_note(samples: Sequence) -> str | None:
    """What a value table shows of the gated units among ``samples``, or None."""
    from ..core.spec import format_value

    gated = [s.activation for s in samples if s.activation.is_gated]
    if not gated:
        return None
    each = ", ".join(f"{a.label} at b = {format_value(a.params['b'])}" for a in gated)
    return f"gated units along their gate curves ({each}): x is the gate input a, f' is ∂f/∂a, f'' is ∂²f/∂a²"


def _longest_word(text: str) -> int:
    from rich.cells import cell_len

    return max((cell_len(w) for w in text.split()), default=0)


def values_table(samples: Sequence, max_rows: int = MAX_ROWS) -> Table:
    """x, then f, f' (and f'', numeric f' where sampled) of each activation side by side;
    a long grid shows the rows :func:`pick_rows` picks (see :func:`subset_note`)."""
    x = samples[0].x
    rows = pick_rows(x, max_rows)
    table = _table(cls=_ValuesTable)
    table.add_column("x", justify="right", style="cyan")
    fields = [("f", "f"), ("df", "f'")]
    if samples[0].d2f is not None:
        fields.append(("d2f", "f''"))
    if samples[0].df_numeric is not None:
        fields.append(("df_numeric", "f' numeric"))
    for s in samples:
        for _, label in fields:
            header = f"{label}" if len(samples) == 1 else f"{s.activation.label}\n{label}"
            # at least as wide as its longest word: a narrow terminal wraps a header at the
            # spaces after commas, never inside a word
            table.add_column(header, justify="right", min_width=_longest_word(header))
    if len(samples) == 1:
        # the short label (parameters away from their defaults), on one line while the
        # terminal is wide enough; files keep the full spec
        table.title = samples[0].activation.label
        table.min_width = len(table.title)
    for i in rows:
        cells = [readable(x[i], 8)]
        for s in samples:
            cells += [readable(getattr(s, attr)[i], 8) for attr, _ in fields]
        table.add_row(*cells)
    if len(samples) > 1:
        table.parts = [values_table([s], max_rows) for s in samples]
    return table


class _ValuesTable(TextTable):
    """The values of several activations side by side, as plain text and in a terminal wide
    enough; in a narrower one, a table for each activation, one after another (:attr:`parts`)."""

    parts: Sequence[Table] = ()

    def __rich_console__(self, console, options):
        if not self.parts or _fits(console, options, self):
            yield from super().__rich_console__(console, options)
            return
        for part in self.parts:
            yield part
            yield Text("")


# -- the catalogue ---------------------------------------------------------------------------


def catalogue_table(records: Sequence | None = None) -> Table:
    """Every activation: name, aliases, family, parameters and defaults, framework presets."""
    rows = catalogue_rows(records)
    table = _table(caption=f"{len(rows)} activations; `actviz info NAME` tells more about one")
    table.add_column("name", style="cyan", no_wrap=True)
    table.add_column("aliases")
    table.add_column("family", no_wrap=True)
    table.add_column("parameters")
    table.add_column("frameworks")
    for r in rows:
        table.add_row(r["name"], r["aliases"] or "—", r["family"], r["parameters"] or "—",
                      r["frameworks"].replace("`", ""))
    return table


# -- derivative check ------------------------------------------------------------------------


def check_table(rows: Sequence[dict]) -> Table:
    """Analytic against numeric derivative, one row per activation (see `actviz check`)."""
    from .export import short_label

    table = _table(cls=_RecordTable, ids=(0,))  # too wide for the terminal: activations across, or listed
    table.add_column("activation", style="cyan", no_wrap=True)
    table.add_column("points", justify="right")
    table.add_column("f' max abs err", justify="right")
    table.add_column("f' max rel err", justify="right")
    table.add_column("f'' max abs err", justify="right")
    table.add_column("f'' max rel err", justify="right")
    table.add_column("worst x", justify="right")
    table.add_column("result")
    for r in rows:
        verdict = Text("ok", style="green") if r["ok"] else Text("FAIL", style="bold red")
        table.add_row(short_label(r["spec"]), str(r["points"]), readable(r["df_abs"], 3), readable(r["df_rel"], 3),
                      readable(r["d2f_abs"], 3), readable(r["d2f_rel"], 3), readable(r["worst_x"], 6),
                      verdict)
    return table


# -- one activation --------------------------------------------------------------------------


def _yes(value: bool) -> str:
    return "yes" if value else "no"


class _FrameworksTable(TextTable):
    """The frameworks table of `info`. The framework's API names are what a reader copies, so
    they are never cut; where the terminal leaves the notes too little room beside them, each
    preset becomes a heading line (preset, name, f' at kinks) with its note wrapped below."""

    #: The narrowest the notes column may be before the list layout takes over.
    NOTES_MIN_WIDTH = 32

    def __rich_console__(self, console, options):
        from rich.cells import cell_len
        from rich.padding import Padding

        fixed = [max([cell_len(str(c.header)), *(cell_len(row[j]) for row in self.texts)])
                 for j, c in enumerate(self.columns[:-1])]
        gap = 3  # SIMPLE_HEAD, pad_edge=False: one space either side of an invisible rule
        if sum(fixed) + gap * len(fixed) + self.NOTES_MIN_WIDTH <= options.max_width:
            yield from super().__rich_console__(console, options)
            return
        yield Text(str(self.title), style="bold")
        kinks = len(self.columns) == 4
        for preset, name, *rest in self.texts:
            note = rest[-1]
            line = Text(preset.ljust(fixed[0]), style="cyan")
            line.append("   " + name.ljust(fixed[1]))
            below = [f"f' = {rest[0]}"] if kinks else []
            if kinks and cell_len(line.plain) + 3 + cell_len(below[0]) <= options.max_width:
                line.append("   " + below.pop())
            line.rstrip()
            yield line
            for text in (*below, note):
                yield Padding(Text(text), (0, 0, 0, 4))
        yield Text("")


def info_renderables(act, stats: dict | None = None) -> list[Any]:
    """What `actviz info` prints: facts, parameters, frameworks and key statistics."""
    from ..core.spec import format_value
    from .describe import describe

    info = describe(act)
    rec = act.record
    facts = TextTable.grid(padding=(0, 2))
    facts.add_column(style="bold", no_wrap=True)
    facts.add_column()
    facts.add_row("activation", info["spec"])
    facts.add_row("family", info["family"])
    if info["aliases"]:
        facts.add_row("aliases", ", ".join(info["aliases"]))
    facts.add_row("formula", info["formula"]["text"])
    gated = info["gated"]
    if gated is None:
        facts.add_row("derivative", info["derivative"]["text"])
    else:
        facts.add_row("inputs", gated["inputs"])
        for i, key in enumerate(("a", "b", "aa", "ab", "bb")):
            facts.add_row("partials" if i == 0 else "", gated["partials"][key])
        facts.add_row("one array", f"split={gated['split']}, gate={gated['gate']}: {gated['one_array']} "
                      "(act(x, split=..., gate=...) for another layout)")
        b = format_value(gated["gate_curve"]["b"])
        facts.add_row("shown", f"plots, tables and stats along the gate curve f(x, b = {b}) (the parameter b; "
                      f"value factor {format_value(gated['gate_curve']['value_factor'])}), f' = ∂f/∂a there")
    facts.add_row("output range", info["output_range"])
    props = info["properties"]
    if props:
        bounded = [side for side, b in (("below", props["bounded_below"]), ("above", props["bounded_above"])) if b]
        facts.add_row("properties", f"monotonic: {_yes(props['monotonic'])}; "
                      f"bounded: {' and '.join(bounded) if bounded else 'no'}; "
                      f"smoothness: {props['smoothness']}; f(0) = 0: {_yes(props['zero_centred'])}")
    if gated is not None:
        kinks = [f"a = {readable(k, 10)}" for k in gated["gate_kinks"]] + [
            f"b = {readable(k, 10)}" for k in gated["value_kinks"]]
        facts.add_row("kinks", "; ".join(kinks) if kinks else "none")
        if gated["kink_convention"]:
            facts.add_row("", gated["kink_convention"])
    elif info["kinks"]:
        kinks = "; ".join(f"x = {readable(k['x'], 10)}: f' taken as {readable(k['derivative'], 10)}"
                          for k in info["kinks"])
        facts.add_row("kinks", kinks)
        if info["kink_convention"]:
            facts.add_row("", info["kink_convention"])
    else:
        facts.add_row("kinks", "none")
    if info["numerics"]:
        facts.add_row("numerics", info["numerics"])
    if info["vector"] and gated is None:
        facts.add_row("vector", "acts on a vector; plots and tables show component 0 as logit 0 "
                      "sweeps x (derivative: the diagonal Jacobian term)")
    if gated is not None and gated["used_in"]:
        facts.add_row("used in", gated["used_in"])
    if act.zeros is not None:
        facts.add_row("f = 0 on", zero_set_text(act))
    facts.add_row("paper", info["reference"] or "—")
    engine = info["engine"]
    if engine is not None:
        facts.add_row("engine name", f"{engine['title']} calls {engine['means']} {engine['name']!r}: "
                      f"{engine['source']}")
        # a preset with a definition of its own shows its note by its kinks already
        if engine["note"] and not (info["kinks"] and info["kink_convention"] == engine["note"]):
            facts.add_row("", engine["note"])
        mine = next((r for r in info["engine_names"] if r["spec"] == act.engine.spec_head), None)
        if mine is not None and mine["difference"] is not None:
            facts.add_row(f"against {engine['means']}", difference_text(mine["difference"]))
    out: list[Any] = [facts]
    if gated is not None and gated["layouts"]:
        layouts = _table("layouts: where a and b come from")
        for col in ("implementation", "a and b", "as written"):
            layouts.add_column(col, style="cyan" if col == "implementation" else None)
        for lay in gated["layouts"]:
            layouts.add_row(lay["name"], lay["halves"], lay["code"])
        out.append(layouts)

    if rec.params:
        params = _table("parameters")
        for col in ("name", "value", "default", "allowed", "meaning"):
            params.add_column(col, style="cyan" if col == "name" else None)
        for name, p in info["params"].items():
            from ..core.spec import format_value

            alias = f" (also {', '.join(p['aliases'])})" if p["aliases"] else ""
            params.add_row(name + alias, format_value(p["value"]), format_value(p["default"]),
                           p["range"], p["doc"])
        out.append(params)

    from ..core.records import FRAMEWORK_TITLES
    from ..core.spec import format_value
    from ..registry import get

    missing = [FRAMEWORK_TITLES[fw] for fw in FRAMEWORK_TITLES if fw not in info["frameworks"]]
    if not info["frameworks"]:
        facts.add_row("frameworks", "none: not in " + ", ".join(missing))
    else:
        frameworks = _FrameworksTable(title="frameworks", box=box.SIMPLE_HEAD, header_style="bold",
                                      title_style="bold", title_justify="left", pad_edge=False)
        frameworks.add_column("preset", style="cyan", no_wrap=True)
        frameworks.add_column("name", no_wrap=True)
        # each preset's own derivative values at its kinks, computed rather than quoted
        presets = {fw: get(f"{rec.name}@{fw}") for fw in info["frameworks"]}
        show_kinks = any(p.kinks for p in presets.values())
        if show_kinks:
            frameworks.add_column("f' at kinks", no_wrap=True)
        frameworks.add_column("how it differs")
        for fw, v in info["frameworks"].items():
            diff = [f"{k}={format_value(val)}" for k, val in v["defaults"].items()]
            text = v["note"] or ("defaults " + ", ".join(diff) if diff else "same as the canonical form")
            row = [f"{rec.name}@{fw}", v["name"]]
            if show_kinks:
                kinks = presets[fw].kink_derivatives()
                cell = ", ".join(f"{readable(d, 8)} at {readable(k, 8)}" for k, d in kinks.items()) or "—"
                # a Keras 3 preset follows the TensorFlow backend; the others, where they differ
                for backend, other in presets[fw].backend_kink_derivatives().items():
                    cell += f"; {backend} backend: " + ", ".join(
                        f"{readable(d, 8)} at {readable(k, 8)}" for k, d in other.items())
                row.append(cell)
            frameworks.add_row(*row, text)
        out.append(frameworks)
        if missing:
            out.append("not in " + ", ".join(missing))
    if info["engine_names"]:
        out.append(engine_names_table(info["engine_names"], info["name"]))
    if stats is not None:
        out.append(stats_table([stats]))
    return out


def zero_set_text(act) -> str:
    """The intervals where f is 0, each end closed where f is 0 there too: '(-∞, 0]'."""
    if not act.zeros:
        return "no interval (sparsity 0)"
    parts = []
    for a, b in act.zeros:
        fn = act.elementwise
        left = "(-∞" if a == -np.inf else ("[" if fn(np.float64(a)) == 0 else "(") + readable(a, 10)
        right = "∞)" if b == np.inf else readable(b, 10) + ("]" if fn(np.float64(b)) == 0 else ")")
        parts.append(f"{left}, {right}")
    return " ∪ ".join(parts)


def difference_text(gap: dict) -> str:
    """'max |Δf| = 8.9e-16 at x = 3.77, max 7.4e+09 ULP at x = -5.96 on [-6, 6]'."""
    lo, hi = gap["range"]
    return (f"max |Δf| = {readable(gap['max_abs_f'], 3)} at x = {readable(gap['x_abs_f'], 6)}, "
            f"max {readable(gap['max_ulp_f'], 3)} ULP at x = {readable(gap['x_ulp_f'], 6)}, "
            f"on [{readable(lo, 6)}, {readable(hi, 6)}]")


def engine_names_table(rows: Sequence[dict], name: str) -> Table:
    """What each engine calls a record, what it means and how far that is from the catalogue's
    entry (`info`): one row per engine name; the differences are 0 where the engine's name is
    the catalogue's definition, computed where it has its own."""
    engines = ", ".join(dict.fromkeys(f"{r['engine']} = {r['engine_title']}" for r in rows))
    table = _table(f"engine names (what model configs and engines call {name})",
                   caption=f"differences from the catalogue's entry each means, over its plot range; {engines}")
    table.add_column("spec", style="cyan", no_wrap=True)
    table.add_column("means")
    table.add_column("max |Δf|", justify="right", no_wrap=True)
    table.add_column("max ULP", justify="right", no_wrap=True)
    table.add_column("at x", justify="right", no_wrap=True)
    for r in rows:
        gap = r["difference"]
        if gap is None:
            cells = ["0", "0", "—"]
        else:
            cells = [readable(gap["max_abs_f"], 3), readable(gap["max_ulp_f"], 3), readable(gap["x_ulp_f"], 4)]
        table.add_row(r["spec"], r["means"], *cells)
    return table


def config_lines(found, act) -> list[str]:
    """What `info --config` says above the activation: where the config names it, what that
    resolved to, and the other activation keys the config has."""
    whose = f" (a {engine_title_of(act)} name)" if act.engine is not None else ""
    if found.gated:
        whose = f" (T5's gated unit {found.name}(x·W0)·(x·W1): the gate a is the first projection)"
    lines = [f"{found.described} → {act.label}{whose}"]
    for key, value in found.others:
        same = "the same name" if value == found.value else "another name: which one a model reads is its code's choice"
        lines.append(f"also in the config: {key} = {json.dumps(value)} ({same})")
    return [*lines, ""]


def engine_title_of(act) -> str:
    from ..registry import engine_title

    return engine_title(act.engine.engine)


def engine_names_listing(rows: Sequence[dict]) -> Table:
    """The engines' names (`actviz list --names`): one row each."""
    table = _table(caption=f"{len(rows)} engine names; `actviz info SPEC` tells more about one")
    table.add_column("spec", style="cyan", no_wrap=True)
    table.add_column("engine", no_wrap=True)
    table.add_column("means")
    table.add_column("arithmetic", no_wrap=True)
    table.add_column("source")
    for r in rows:
        table.add_row(r["spec"], r["engine"], r["means"], r["arithmetic"], r["source"])
    return table


def differences_table(results: Sequence[dict]) -> Table:
    """How far each activation is from the first (:func:`actviz.analysis.difference.difference`
    results): the largest |Δf| and |Δf'| and the same in ULPs of the first, each with where."""
    from .export import short_label

    first = short_label(results[0]["reference"]) if results else ""
    lo, hi = results[0]["range"] if results else (0, 0)
    table = _table(f"differences from {first} on [{readable(lo, 6)}, {readable(hi, 6)}] "
                   f"({results[0]['points'] if results else 0} points)")
    table.add_column("activation", style="cyan", no_wrap=True)
    for head in ("max |Δf|", "at x", "max ULP of f", "at x", "max |Δf'|", "at x", "max ULP of f'", "at x"):
        table.add_column(head, justify="right")
    for r in results:
        cells = []
        for key in ("abs_f", "ulp_f", "abs_df", "ulp_df"):
            cells += [readable(r[f"max_{key}"], 3), readable(r[f"x_{key}"], 6)]
        table.add_row(short_label(r["spec"]), *cells)
    return table

"""Mathtext and text of a piecewise function from its pieces, for formulas that depend on
the parameters (which cases there are, and where they meet)."""

from __future__ import annotations

from ._common import cases

# A bound of a piece: (tex, text, inclusive); None is -∞ or ∞.
Bound = tuple[str, str, bool] | None
# A piece of a piecewise function: (value tex, value text, lower bound, upper bound), ascending.
Piece = tuple[str, str, Bound, Bound]


def _condition(lo: Bound, hi: Bound) -> tuple[str, str]:
    """(mathtext, text) of the condition lo < x < hi (x > lo without an upper bound), with
    <= where a bound is inclusive."""
    less = {True: (r"\leq", "<="), False: ("<", "<")}
    if hi is None:
        if lo is None:
            return "", ""
        more = {True: (r"\geq", ">="), False: (">", ">")}[lo[2]]
        return f"x {more[0]} {lo[0]}", f"x {more[1]} {lo[1]}"
    tex = f"x {less[hi[2]][0]} {hi[0]}"
    text = f"x {less[hi[2]][1]} {hi[1]}"
    if lo is not None:
        tex = f"{lo[0]} {less[lo[2]][0]} {tex}"
        text = f"{lo[1]} {less[lo[2]][1]} {text}"
    return tex, text


def piecewise(lhs: tuple[str, str], pieces: list[Piece]) -> tuple[str, str]:
    """(mathtext, text) of ``lhs = `` a piecewise function given by ascending pieces.

    Neighbours with the same value are merged; one piece is written without a condition,
    two with the upper piece first ("x if x > 0 else αx"), and more pieces where all but
    one share a value as "v if condition else w"; otherwise every piece in order.
    """
    merged: list[Piece] = []
    for piece in pieces:
        if merged and merged[-1][0] == piece[0]:
            merged[-1] = (piece[0], piece[1], merged[-1][2], piece[3])
        else:
            merged.append(piece)
    tex_lhs, text_lhs = lhs
    if len(merged) == 1:
        return f"{tex_lhs} = {merged[0][0]}", f"{text_lhs} = {merged[0][1]}"
    conds = [_condition(p[2], p[3]) for p in merged]
    if len(merged) == 2:
        (lo_v, lo_t, _, _), (hi_v, hi_t, _, _) = merged
        return (f"{tex_lhs} = " + cases((hi_v, conds[1][0]), (lo_v, conds[0][0])),
                f"{text_lhs} = {hi_t} if {conds[1][1]} else {lo_t}")
    values = [p[0] for p in merged]
    lone = [i for i, v in enumerate(values) if values.count(v) == 1]
    if len(set(values)) == 2 and len(lone) == 1:
        i = lone[0]
        rest = merged[1 if i == 0 else 0]
        return (f"{tex_lhs} = " + cases((merged[i][0], conds[i][0]), (rest[0], r"\mathrm{otherwise}")),
                f"{text_lhs} = {merged[i][1]} if {conds[i][1]} else {rest[1]}")
    return (f"{tex_lhs} = " + cases(*((p[0], c[0]) for p, c in zip(merged, conds, strict=True))),
            f"{text_lhs} = " + ", ".join(f"{p[1]} if {c[1]}" for p, c in zip(merged, conds, strict=True)))

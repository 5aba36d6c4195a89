"""Figures and terminal plots: what is drawn (line data, kinks, shading, titles), not pixels."""

import math
import subprocess
import sys

import matplotlib as mpl
import numpy as np
import pytest
from conftest import ALL_NAMES

import actviz
from actviz import Activation
from actviz.core.sampling import grid
from actviz.numerics import stencil
from actviz.render import figures, model, termplot

X = grid(-6.0, 6.0, 1201)
STEP = 12.0 / 1200


def lines(ax, gid):
    return [line for line in ax.lines if line.get_gid() == gid]


def drawn(line):
    """A line's data without the NaN separators that break it at jumps."""
    x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
    keep = ~np.isnan(y)
    return x[keep], y[keep]


def spans(ax, gid):
    """(x0, x1) of each shaded span with this gid (axvspan: a rectangle in data x)."""
    out = []
    for p in ax.patches:
        if p.get_gid() == gid:
            out.append((p.get_x(), p.get_x() + p.get_width()))
    return sorted(out)


def legend_texts(fig):
    return [t.get_text() for leg in fig.legends for t in leg.get_texts()]


def sigmoid_onset(tau):
    """Closed form: σ'(x) = σ(1-σ) = τ at σ = (1 + √(1-4τ))/2, x = log(σ/(1-σ))."""
    s = (1 + math.sqrt(1 - 4 * tau)) / 2
    return math.log(s / (1 - s))


# a step with f(0) = 0.5: a jump where the value taken is neither one-sided limit
_STEP = Activation(
    name="test_step",
    family="test",
    forward=lambda x: np.where(x > 0, 1.0, np.where(x < 0, 0.0, 0.5)),
    derivatives=(lambda x: np.zeros_like(x), lambda x: np.zeros_like(x)),
    formula_tex="H(x)",
    formula_text="H(x)",
    derivative_tex="0",
    derivative_text="0",
    kinks=(0.0,),
)


# -- plot: the curves ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lrelu_fig():
    return figures.plot("leaky_relu", alpha=0.1)


def test_plot_draws_f_and_df_from_the_library(lrelu_fig):
    act = actviz.get("leaky_relu(alpha=0.1)")
    ax_f, ax_d = lrelu_fig.axes
    (f,) = lines(ax_f, "f")
    (df,) = lines(ax_d, "df")
    for line, values in ((f, act(X)), (df, act.derivative(X))):
        x, y = drawn(line)
        np.testing.assert_array_equal(x, X)
        np.testing.assert_array_equal(y, values)
    assert ax_f.get_shared_x_axes().joined(ax_f, ax_d)


def test_plot_title_holds_spec_and_formula(lrelu_fig):
    assert lrelu_fig.get_suptitle() == "leaky_relu(alpha=0.1)"
    title = lrelu_fig.axes[0].get_title()
    assert title.startswith("$") and actviz.lookup("leaky_relu").formula_tex in title


def test_titles_are_the_label_as_files_name_it():
    # the parameters left at their defaults are left out, as in CSV, JSON and the tables
    assert figures.plot(actviz.get("relu", alpha=0.1), points=11).get_suptitle() == "relu(alpha=0.1)"
    assert figures.plot("relu", points=11).get_suptitle() == "relu"
    assert figures.plot("leaky_relu", points=11).get_suptitle() == "leaky_relu"
    assert figures.plot("leaky_relu@keras", points=11).get_suptitle() == "leaky_relu@keras"
    assert figures.compare(["relu", "elu"], points=11).get_suptitle() == "relu  vs  elu"


def test_kinks_are_marked_at_the_value_taken_and_the_other_limit(lrelu_fig):
    ax_f, ax_d = lrelu_fig.axes
    (mf,) = lines(ax_f, "kink-f")
    (md,) = lines(ax_d, "kink-df")
    (open_d,) = lines(ax_d, "kink-limit-df")
    # leaky_relu'(0) = alpha (PyTorch's leaky_relu backward); the limit from the right is 1
    assert list(mf.get_xdata()) == [0.0] and list(mf.get_ydata()) == [0.0]
    assert list(md.get_xdata()) == [0.0] and list(md.get_ydata()) == [0.1]
    assert list(open_d.get_xdata()) == [0.0] and list(open_d.get_ydata()) == [1.0]
    assert not lines(ax_f, "kink-limit-f")  # f is continuous there
    for ax in (ax_f, ax_d):
        (vline,) = lines(ax, "kink")
        assert list(vline.get_xdata()) == [0.0, 0.0]
        assert vline.get_linestyle() == ":"


def test_a_jump_is_not_joined_by_a_vertical_stroke(lrelu_fig):
    ax_f, ax_d = lrelu_fig.axes
    (df,) = lines(ax_d, "df")
    y = np.asarray(df.get_ydata(), float)
    x = np.asarray(df.get_xdata(), float)
    (gap,) = np.flatnonzero(np.isnan(y))
    # f'(0) = 0.1 stays with the left branch; the break comes right after it
    assert x[gap - 1] == 0.0 and y[gap - 1] == 0.1 and y[gap + 1] == 1.0
    (f,) = lines(ax_f, "f")
    assert not np.isnan(np.asarray(f.get_ydata(), float)).any()  # continuous: no break


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("leaky_relu(alpha=0.1)", [601]),  # f'(0) = alpha belongs to the left branch (PyTorch)
        ("leaky_relu@jax(alpha=0.1)", [600]),  # f'(0) = 1 belongs to the right (jax.nn tests x >= 0)
    ],
)
def test_cut_points_keep_the_kink_value_with_its_side(spec, expected):
    act = actviz.get(spec)
    assert X[600] == 0.0
    assert model.cut_points(X, act.derivative(X), act.kinks, act.derivative) == expected


def test_cut_points_isolate_a_value_equal_to_neither_limit():
    act = actviz.get(_STEP)
    assert model.cut_points(X, act(X), act.kinks, act) == [600, 601]
    # the numeric derivative's stencil straddles every jump: its kink point stands alone
    lr = actviz.get("leaky_relu")
    assert model.cut_points(X, lr.derivative(X), lr.kinks, lr.derivative, isolate=True) == [600, 601]


def test_cut_points_between_grid_points():
    act = actviz.get("leaky_relu")
    x = grid(-1.0, 1.0, 10)  # 0 falls between x[4] and x[5]
    assert model.cut_points(x, act.derivative(x), act.kinks, act.derivative) == [5]
    xs, ys = model.broken(x, act.derivative(x), act.kinks, act.derivative)
    assert len(xs) == 11 and np.isnan(ys[5])


@pytest.mark.parametrize("name", ALL_NAMES)
def test_every_activation_plots_its_own_values_without_strokes_across_jumps(name):
    act = actviz.get(name).elementwise
    fig = figures.plot(act, points=201, order=2)
    x = grid(-6.0, 6.0, 201)
    kinks = model.kinks_in(act, -6.0, 6.0)
    for ax, gid, fn in (
        (fig.axes[0], "f", act),
        (fig.axes[1], "df", act.derivative),
        (fig.axes[2], "d2f", lambda v: act.derivative(v, order=2)),
    ):
        (line,) = lines(ax, gid)
        got_x, got_y = drawn(line)
        np.testing.assert_array_equal(got_x, x)
        np.testing.assert_array_equal(got_y, fn(x))
        xs, ys = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        for k in kinks:
            left, _, right = model.limits(fn, k)
            jump = abs(right - left)
            if jump <= 1e-6 * max(1.0, np.nanmax(np.abs(ys))):
                continue
            for i in range(len(xs) - 1):
                if xs[i] <= k <= xs[i + 1] and not (np.isnan(ys[i]) or np.isnan(ys[i + 1])):
                    assert abs(ys[i + 1] - ys[i]) < jump / 2, (name, gid, k, xs[i], xs[i + 1])
        if kinks:
            (marks,) = lines(ax, f"kink-{gid}")
            np.testing.assert_array_equal(marks.get_xdata(), kinks)
    assert fig.get_suptitle() in (act.spec, act.label)


# -- plot: shading, order, numeric, log --------------------------------------------------------


def test_saturated_spans_are_where_sigmoid_saturates():
    fig = figures.plot("sigmoid", saturation=0.01)
    onset = sigmoid_onset(0.01)  # 4.58486... (closed form above)
    got = spans(fig.axes[1], "saturated")
    assert len(got) == 2
    (a0, a1), (b0, b1) = got
    assert a0 == -6.0 and b1 == 6.0
    # the onsets that stats reports, root-found on the analytic f'
    assert a1 == pytest.approx(-onset, rel=1e-13) and b0 == pytest.approx(onset, rel=1e-13)
    assert not spans(fig.axes[1], "dead")
    assert "saturated: $0 < |f'| < 0.01$" in legend_texts(fig)


def test_shading_is_the_saturation_that_stats_reports():
    from actviz.analysis.saturation import saturation

    for spec in ("gelu", "tanh", "relu", "hard_swish", "mish"):
        fig = figures.plot(spec)
        sat = saturation(spec)
        assert spans(fig.axes[1], "saturated") == list(sat.saturated), spec
        assert spans(fig.axes[1], "dead") == list(sat.dead), spec
    # gelu: only the left tail, no strip at its minimum x ≈ -0.75
    (span,) = spans(figures.plot("gelu").axes[1], "saturated")
    assert span[0] == -6.0 and span[1] < -3.0


def test_threshold_moves_the_saturated_spans():
    fig = figures.plot("sigmoid", saturation=0.1)
    (_, a1), (b0, _) = spans(fig.axes[1], "saturated")
    assert abs(b0 - sigmoid_onset(0.1)) < 1e-3 and abs(a1 + sigmoid_onset(0.1)) < 1e-3
    assert not spans(figures.plot("sigmoid", saturation=0).axes[1], "saturated")


def test_dead_region_ends_at_the_kink():
    fig = figures.plot("leaky_relu", alpha=0.0)
    assert spans(fig.axes[1], "dead") == [(-6.0, 0.0)]  # f' = 0 exactly for x <= 0
    assert not spans(fig.axes[1], "saturated")
    assert "dead: $f'= 0$" in legend_texts(fig)
    assert not spans(fig.axes[0], "dead")  # shading lives on the f' panel


def test_regions_as_data():
    s = actviz.sample("leaky_relu(alpha=0.005)")
    reg = figures.regions(s, saturation=0.01)
    assert reg.dead == [] and reg.saturated == [(-6.0, 0.0)]


def test_order_two_adds_a_third_panel():
    act = actviz.get("sigmoid")
    fig = figures.plot(act, order=2)
    assert len(fig.axes) == 3
    (d2,) = lines(fig.axes[2], "d2f")
    np.testing.assert_array_equal(d2.get_ydata(), act.derivative(X, order=2))
    assert fig.axes[2].get_ylabel() == "$f''(x)$"
    assert fig.axes[2].get_xlabel() == "$x$" and fig.axes[0].get_xlabel() == ""


def test_numeric_derivative_is_dashed_over_the_analytic_one():
    act = actviz.get("leaky_relu(alpha=0.1)")
    fig = figures.plot(act, numeric=True)
    (num,) = lines(fig.axes[1], "df_numeric")
    assert num.get_linestyle() == "--"
    x, y = drawn(num)
    # every grid point but the kink's own (whose stencil straddles the kink: broken there)
    np.testing.assert_array_equal(x, X[X != 0.0])
    np.testing.assert_array_equal(y, act.numeric_derivative(x))
    assert num.get_zorder() > lines(fig.axes[1], "df")[0].get_zorder()
    assert any("numeric" in t for t in legend_texts(fig))


def test_numeric_curve_is_broken_exactly_where_its_stencil_reaches_a_jump():
    # step is constant on both sides of its jump at 0, so its numeric f' is nonzero exactly where
    # the five-point stencil straddles the jump: those points, and only a hair more, are NaN
    s = actviz.sampling.sample("step", (-0.01, 0.01), 2001, numeric=True)
    y = model.numeric_drawn(s)
    straddles = s.df_numeric != 0
    assert straddles.sum() > 100  # h = eps**0.2 ≈ 7.4e-4: about ±1.5e-3 of the 1e-5 grid
    assert np.isnan(y[straddles]).all()
    h = np.finfo(float).eps ** 0.2  # numeric_derivative's step for |x| <= 1
    assert (np.abs(s.x[np.isnan(y)]) <= 2 * h * 1.001).all()
    np.testing.assert_array_equal(y[~np.isnan(y)], 0.0)


@pytest.mark.parametrize(
    ("spec", "kwargs", "top"),
    [
        # analytic f' of a step is 0: matplotlib's own ±0.05 about it, not the stencil's 1/(12h)
        ("step", {}, 0.06),
        ("threshold(threshold=1, value=-1)", {"order": 2}, 1.1),  # f' in {0, 1}
        ("hardshrink", {"logy": True}, 10**0.11),  # |f'| in {0, 1}: 0.05 of two decades above 1
    ],
)
def test_numeric_outliers_do_not_set_the_derivative_axis(spec, kwargs, top):
    act = actviz.get(spec)
    fig = figures.plot(act, numeric=True, **kwargs)
    ax = fig.axes[1]
    assert ax.get_ylim()[1] <= top
    (num,) = lines(ax, "df_numeric")
    x, y = drawn(num)
    for k in act.kinks:
        assert (np.abs(x - k) > stencil.reach(x) / (1 + 1e-6)).all()
    assert np.isfinite(y).all()
    # with the stencil away from the kinks, the numeric f' is the analytic one
    np.testing.assert_allclose(np.abs(act.derivative(x)) if kwargs.get("logy") else act.derivative(x),
                               y, atol=1e-8)


def test_compare_numeric_keeps_the_analytic_limits():
    fig = figures.compare(["step", "hardshrink"], numeric=True)
    lo, hi = fig.axes[1].get_ylim()
    assert -0.1 < lo and hi < 1.1  # f' of both in {0, 1}
    for num in lines(fig.axes[1], "df_numeric"):
        assert np.nanmax(np.abs(num.get_ydata())) <= 1 + 1e-8


def test_logy_puts_abs_df_on_a_log_axis():
    act = actviz.get("sigmoid")
    fig = figures.plot(act, logy=True, saturation=0.01)
    ax = fig.axes[1]
    assert ax.get_yscale() == "log"
    (df,) = lines(ax, "df")
    np.testing.assert_array_equal(df.get_ydata(), np.abs(act.derivative(X)))
    (tau,) = lines(ax, "tau")
    assert list(tau.get_ydata()) == [0.01, 0.01]
    assert fig.axes[0].get_yscale() == "linear"
    # a vanishing gradient is a straight line: log10 sigmoid' has slope -1/ln(10) per unit x in the tail
    y = np.log10(np.abs(act.derivative(np.array([5.0, 6.0]))))
    assert abs((y[1] - y[0]) + 1 / math.log(10)) < 1e-2


def test_logy_over_hundreds_of_decades_has_round_labelled_decades():
    fig = figures.plot("sigmoid", range=(-800, 800), logy=True)
    ax = fig.axes[1]
    fig.savefig(__import__("io").BytesIO(), format="png", dpi=20)
    lo, hi = ax.get_ylim()
    # sigmoid'(0) = 1/4 is the largest |f'|; the top reaches 10^0 just above it, not 10^13
    assert 1.0 <= hi <= 2.0
    assert lo >= np.finfo(float).smallest_subnormal
    ticks = [t for t in ax.yaxis.get_majorticklocs() if lo <= t <= hi]
    exps = [round(math.log10(t)) for t in ticks]
    assert exps == [-300, -200, -100, 0]
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels == [f"$\\mathdefault{{10^{{{e}}}}}$" for e in (-300, -200, -100, 0)]
    assert not any(t.get_text() for t in ax.yaxis.get_minorticklabels())


def test_logy_over_a_few_decades_keeps_matplotlibs_ticks():
    fig = figures.plot("sigmoid", logy=True)  # |f'| from 2.5e-3 to 0.25
    lo, hi = fig.axes[1].get_ylim()
    assert 0.25 < hi < 0.25 * 10**0.3 and 2.4e-3 * 10**-0.3 < lo < 2.4e-3
    ticks = [t for t in fig.axes[1].yaxis.get_majorticklocs() if lo <= t <= hi]
    np.testing.assert_allclose(ticks, [1e-2, 1e-1])


@pytest.mark.parametrize(("low", "high", "stride"), [(-4, -1, 1), (-25, 0, 5), (-324, 0, 100), (-324, -1, 50), (-11, 0, 2)])
def test_decade_stride(low, high, stride):
    assert model.decade_stride(low, high) == stride
    assert 1 <= len([e for e in range(low, high + 1) if e % stride == 0]) <= 6


def test_logy_with_zeros_keeps_them_off_the_axis():
    act = actviz.get("leaky_relu(alpha=0)")
    fig = figures.plot(act, logy=True)
    (df,) = lines(fig.axes[1], "df")
    assert (np.asarray(df.get_ydata())[:600] == 0).all()  # masked by the log scale, not drawn
    (marks,) = lines(fig.axes[1], "kink-df")
    assert len(marks.get_xdata()) == 0  # f'(0) = 0 has no place on a log axis
    assert spans(fig.axes[1], "dead") == [(-6.0, 0.0)]
    fig.savefig(__import__("io").BytesIO(), format="png", dpi=20)  # draws without complaint


def test_vector_activation_plots_its_slice():
    act = actviz.get("softmax")
    fig = figures.plot(act, points=101)
    (f,) = lines(fig.axes[0], "f")
    np.testing.assert_array_equal(f.get_ydata(), act.slice(grid(-6, 6, 101)))


def test_range_and_points():
    act = actviz.get("tanh")
    fig = figures.plot(act, range=(-2.0, 3.0), points=11)
    (f,) = lines(fig.axes[0], "f")
    np.testing.assert_array_equal(f.get_xdata(), grid(-2.0, 3.0, 11))
    assert fig.axes[0].get_xlim() == (-2.0, 3.0)


# -- compare ----------------------------------------------------------------------------------


def test_compare_overlays_with_a_legend_of_labels():
    specs = ["sigmoid", "tanh", "leaky_relu(alpha=0.1)"]
    acts = [actviz.get(s) for s in specs]
    fig = figures.compare(specs)
    assert len(fig.axes) == 2
    for ax, fn in ((fig.axes[0], lambda a: a(X)), (fig.axes[1], lambda a: a.derivative(X))):
        got = lines(ax, "f" if ax is fig.axes[0] else "df")
        assert [line.get_label() for line in got] == [a.label for a in acts]
        for line, act in zip(got, acts, strict=True):
            np.testing.assert_array_equal(drawn(line)[1], fn(act))
    texts = legend_texts(fig)
    assert texts[:3] == ["sigmoid", "tanh", "leaky_relu(alpha=0.1)"]
    colours = [line.get_color() for line in lines(fig.axes[0], "f")]
    assert len(set(colours)) == 3
    assert "sigmoid" in fig.get_suptitle() and "leaky_relu(alpha=0.1)" in fig.get_suptitle()


def test_compare_diff_panel_holds_differences_from_the_first():
    acts = [actviz.get("sigmoid"), actviz.get("tanh"), actviz.get("leaky_relu")]
    fig = figures.compare(acts, diff=True)
    assert len(fig.axes) == 3
    got = lines(fig.axes[2], "diff")
    assert len(got) == 2
    for line, act in zip(got, acts[1:], strict=True):
        np.testing.assert_array_equal(drawn(line)[1], act(X) - acts[0](X))
        assert act.label in line.get_label()
    assert "sigmoid" in fig.axes[2].get_ylabel()


def test_compare_gelu_forms_differ_by_little():
    exact, approx = actviz.get("gelu"), actviz.get("gelu(approximate=tanh)")
    fig = figures.compare([exact, approx], diff=True)
    (d,) = lines(fig.axes[2], "diff")
    y = drawn(d)[1]
    np.testing.assert_array_equal(y, approx(X) - exact(X))
    assert 0 < np.max(np.abs(y)) < 1e-3  # the tanh form is within 1e-3 of the exact one


def test_compare_order_numeric_logy():
    fig = figures.compare(["sigmoid", "tanh"], order=2, numeric=True, logy=True, diff=True)
    assert len(fig.axes) == 4
    assert fig.axes[1].get_yscale() == "log"
    assert len(lines(fig.axes[1], "df_numeric")) == 2
    assert len(lines(fig.axes[2], "d2f")) == 2 and len(lines(fig.axes[3], "diff")) == 1


def test_compare_parameters_go_to_those_that_take_them():
    fig = figures.compare(["sigmoid", "leaky_relu"], alpha=0.2)
    assert [ln.get_label() for ln in lines(fig.axes[0], "f")] == ["sigmoid", "leaky_relu(alpha=0.2)"]
    with pytest.raises(actviz.ParameterError, match="beta"):
        figures.compare(["sigmoid", "leaky_relu"], beta=1.0)


def test_compare_needs_two():
    with pytest.raises(actviz.UsageError, match="at least two"):
        figures.compare(["sigmoid"])


# -- style and options ---------------------------------------------------------------------------


def _dark(colour) -> bool:
    r, g, b, _ = mpl.colors.to_rgba(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.3  # relative luminance, ITU-R BT.709 weights


def test_no_rcparams_leak():
    before = dict(mpl.rcParams)
    figures.plot("sigmoid", dark=True, style="ggplot")
    figures.compare(["sigmoid", "tanh"], dark=True)
    after = dict(mpl.rcParams)
    assert {k for k in before if before[k] != after[k]} == set()


@pytest.mark.parametrize("style", [None, "ggplot", "bmh"])
def test_dark_style_is_legible_after_the_style_is_gone(style):
    import io

    fig = figures.plot("leaky_relu", dark=True, style=style)
    fig.savefig(io.BytesIO(), format="png", dpi=20)  # draw outside the style context: ticks are made now
    assert _dark(fig.get_facecolor())
    for ax in fig.axes:
        assert _dark(ax.get_facecolor())
        for tick in ax.yaxis.get_major_ticks():
            assert not _dark(tick.label1.get_color())
        assert not _dark(ax.yaxis.label.get_color())
    assert not _dark(fig._suptitle.get_color())


def test_light_default_is_dark_on_light():
    import io

    fig = figures.plot("leaky_relu")
    fig.savefig(io.BytesIO(), format="png", dpi=20)
    assert not _dark(fig.get_facecolor())
    assert all(_dark(t.label1.get_color()) for t in fig.axes[0].yaxis.get_major_ticks())


def test_size_and_dpi():
    fig = figures.plot("sigmoid", size=(5, 4), dpi=80)
    assert tuple(fig.get_size_inches()) == (5.0, 4.0) and fig.dpi == 80
    default = figures.plot("sigmoid", order=2)
    assert default.get_size_inches()[1] > figures.plot("sigmoid").get_size_inches()[1]


def test_too_small_a_figure_is_a_usage_error():
    with pytest.raises(actviz.UsageError, match=r"too small for 3 panels: at least 3.5 wide and 4.25 tall"):
        figures.plot("gelu", size=(3, 2), order=2, numeric=True)  # 1.55 frame + 3 x 0.9 panels
    with pytest.raises(actviz.UsageError, match="too small"):
        figures.compare(["gelu", "elu"], size=(7, 3.4), order=2)


TWELVE = ["sigmoid", "tanh", "relu", "gelu", "silu", "elu", "selu", "softplus", "mish", "hard_tanh",
          "hard_sigmoid", "leaky_relu"]


@pytest.mark.parametrize("kind", ["plot", "compare12"])
def test_the_smallest_size_allowed_still_lays_out(kind):
    import io
    import warnings

    if kind == "plot":  # three panels, up to four legend entries in two columns
        size = figures.minimum_size(3, figures.legend_rows(4, figures.PLOT_COLUMNS))
        fig = figures.plot("gelu", order=2, numeric=True, logy=True, size=size)
    else:  # four panels, twelve curves and three more entries in three columns
        rows = figures.legend_rows(figures.compare_legend_entries(12), figures.COMPARE_COLUMNS)
        size = figures.minimum_size(4, rows)
        fig = figures.compare(TWELVE, diff=True, order=2, numeric=True, size=size)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # constrained_layout warns when the axes collapse
        fig.savefig(io.BytesIO(), format="png", dpi=30)
    for ax in fig.axes:
        box = ax.get_position()
        assert box.height > 0.05 and box.width > 0.5, box


def test_compare_gives_twelve_curves_twelve_colours():
    from matplotlib.colors import to_hex

    fig = figures.compare(TWELVE)
    f_lines = lines(fig.axes[0], "f")
    assert len({to_hex(line.get_color()) for line in f_lines}) == 12
    # curves that coincide over part of the grid never share a line style (the later would
    # hide the earlier); past the ten of the colour cycle none is solid
    samples = [actviz.sample(spec) for spec in TWELVE]
    styles = figures.line_styles(samples)
    for i in range(12):
        for j in range(i):
            if figures._overlap(samples[j], samples[i]) >= figures.OVERLAP_SHARE:
                assert styles[i] != styles[j], (TWELVE[j], TWELVE[i])
    assert [line.get_linestyle() for line in f_lines] == ["-" if k == 0 else "--" for k in styles]
    assert all(k != 0 for k in styles[10:])
    df_colours = [to_hex(line.get_color()) for line in lines(fig.axes[1], "df")]
    assert df_colours == [to_hex(line.get_color()) for line in f_lines]


@pytest.mark.parametrize(("first", "second"), [
    ("softmax", "glu"),  # the same slice at their defaults
    ("relu@keras", "relu@keras(max_value=6)"),  # the same f on [-6, 6]; the cap sits at the edge
])
def test_identical_curves_stay_distinguishable(first, second):
    fig = figures.compare([first, second])
    a, b = lines(fig.axes[0], "f")
    np.testing.assert_allclose(drawn(a)[1], drawn(b)[1], rtol=1e-9, atol=1e-12)
    assert (a.get_color(), a.get_linestyle()) != (b.get_color(), b.get_linestyle())
    assert a.get_linestyle() == "-" and b.get_linestyle() == "--"
    second_label = actviz.get(second).label
    assert f"{second_label} (= {actviz.get(first).label} here)" in legend_texts(fig)


def test_different_curves_get_no_note():
    fig = figures.compare(["relu", "relu6"], range=(-6, 8))
    assert not any("here)" in t for t in legend_texts(fig))
    # they coincide on [-6, 6]: relu6 is dashed so that relu shows between its dashes
    assert [line.get_linestyle() for line in lines(fig.axes[0], "f")] == ["-", "--"]
    # curves that do not coincide stay solid
    fig = figures.compare(["sigmoid", "softsign"])
    assert {line.get_linestyle() for line in lines(fig.axes[0], "f")} == {"-"}


def test_a_family_sheet_keeps_every_rectifier_visible():
    specs = ["relu", "relu6", "leaky_relu", "prelu", "rrelu", "elu"]
    samples = [actviz.sample(spec, range=(-6.0, 9.0)) for spec in specs]
    styles = figures.line_styles(samples)
    # relu, relu6 and leaky_relu coincide on x > 0 and (relu, relu6) on x < 0 as well
    assert len({styles[0], styles[1], styles[2]}) == 3


@pytest.mark.parametrize(("content", "message"), [
    ("lines.linewidth: banana\n", "Bad value in file"),
    ("lines.linewdth: 2\n", "Bad key lines.linewdth"),
    ("no colon here\n", "Missing colon"),
    ("backend: agg\n", "not related to style"),
])
def test_a_broken_style_file_is_a_usage_error(tmp_path, content, message, capfd):
    path = tmp_path / "bad.mplstyle"
    path.write_text(content)
    before = dict(mpl.rcParams)
    with pytest.raises(actviz.UsageError, match=message) as info:
        figures.plot("relu", style=str(path))
    assert "\n" not in str(info.value)
    assert dict(mpl.rcParams) == before
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # nothing printed by matplotlib's logger


def test_a_good_style_file_is_used(tmp_path):
    path = tmp_path / "my.style.mplstyle"  # a dot in the name: a file, not a package's style
    path.write_text("axes.facecolor: 0.5\n")
    fig = figures.plot("relu", style=str(path))
    assert mpl.colors.to_hex(fig.axes[0].get_facecolor()) == "#808080"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"style": "no-such-style"}, "unknown style 'no-such-style'; try"),
        ({"style": "ggplt"}, "ggplot"),
        ({"dpi": 0}, "dpi"),
        ({"dpi": float("nan")}, "dpi"),
        ({"size": (0, 3)}, "size"),
        ({"size": (float("inf"), 3)}, "size"),
        ({"size": (700, 3)}, "pixels"),
        ({"saturation": -0.1}, "saturation"),
        ({"saturation": float("nan")}, "saturation"),
        ({"points": 1}, "points"),
        ({"points": 2_000_001}, "at most"),
        ({"range": (1.0, -1.0)}, "range"),
        ({"range": (0.0, float("inf"))}, "range"),
        ({"order": 3}, "order"),
    ],
)
def test_bad_options_are_usage_errors(kwargs, message):
    with pytest.raises(actviz.UsageError, match=message.replace("(", r"\(")):
        figures.plot("sigmoid", **kwargs)


def test_unparsable_formula_falls_back_to_text():
    bad = Activation(
        name="test_bad_tex", family="test", forward=lambda x: x,
        derivatives=(lambda x: np.ones_like(x), lambda x: np.zeros_like(x)),
        formula_tex=r"\begin{cases} x \end{cases}", formula_text="f(x) = x",
        derivative_tex="1", derivative_text="1",
    )
    fig = figures.plot(actviz.get(bad), points=11)
    assert fig.axes[0].get_title() == "f(x) = x"


@pytest.mark.parametrize("name", ALL_NAMES)
def test_catalogue_formulas_are_valid_mathtext(name):
    # figures put them in titles unchecked (figures._shipped): a bad one would fail at save time
    record = actviz.lookup(name)
    for tex in (record.formula_tex, record.derivative_tex):
        assert figures._mathtext_ok(tex), tex
        assert figures._mathtext_ok(figures.display_tex(tex)), tex


def test_title_formula_sets_fractions_at_display_size_clear_of_the_kink_lines():
    fig = figures.plot("softsign", points=11)  # x/(1+|x|), kink at 0
    title = fig.axes[0].get_title()
    assert r"\dfrac" in title and r"\frac{" not in title
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    ax = fig.axes[0]
    top_of_axes = ax.get_window_extent(renderer).y1
    bottom_of_title = ax.title.get_window_extent(renderer).y0
    assert bottom_of_title > top_of_axes + 2  # pixels: the dotted kink line ends below the title


def test_piecewise_formula_separates_value_and_condition():
    tex = actviz.get("leaky_relu").formula_tex
    assert r"x,\ \ \mathrm{if}\ x > 0" in tex and r"\alpha x,\ \ \mathrm{if}\ x \leq 0" in tex


def test_actviz_plot_is_figures_plot():
    assert actviz.plot is figures.plot


def test_importing_draws_in_nothing_heavy():
    code = (
        "import sys, actviz, actviz.render.figures, actviz.render.termplot, actviz.cli\n"
        "heavy = [m for m in ('matplotlib', 'plotext', 'scipy') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- terminal plot ------------------------------------------------------------------------------


def test_termplot_single():
    text = termplot.render("leaky_relu", alpha=0.1, width=80, panel_height=10)
    assert "leaky_relu(alpha=0.1): f(x)" in text and "f'(x)" in text
    assert "\x1b[" not in text
    assert any(0x2800 <= ord(c) <= 0x28FF for c in text)  # braille curves
    assert "┊" in text  # the kink at 0
    assert max(len(line) for line in text.splitlines()) <= 80


def test_termplot_is_repeatable_and_leaves_no_state():
    a = termplot.render("sigmoid", width=60)
    b = termplot.render("tanh", width=60)
    assert termplot.render("sigmoid", width=60) == a != b


def test_termplot_compare_panels_and_key():
    text = termplot.render(["sigmoid", "tanh"], diff=True, order=2, logy=True, numeric=True, width=90)
    first = text.splitlines()[0]
    assert "sigmoid" in first and "tanh" in first and "numeric f'" in first
    for title in ("sigmoid vs tanh: f(x)", "|f'(x)|, log scale", "f''(x)", "f - sigmoid"):
        assert title in text
    assert "0.01" in text  # decades on the log axis


def test_termplot_colour_only_when_asked():
    assert "\x1b[" in termplot.render(["sigmoid", "tanh"], color=True, width=60)


def test_termplot_checks_its_input():
    with pytest.raises(actviz.UsageError):
        termplot.render("sigmoid", diff=True)
    with pytest.raises(actviz.UsageError):
        termplot.render("sigmoid", points=1)
    with pytest.raises(actviz.UnknownActivationError):
        termplot.render("nope")


def test_nice_ticks():
    assert termplot._nice_ticks(np.array([-0.6, 6.0])) == [0.0, 2.0, 4.0, 6.0]
    assert termplot._nice_ticks(np.array([0.1, 1.0])) == [0.2, 0.4, 0.6, 0.8, 1.0]
    assert termplot._log_ticks(np.array([-4.2, -0.6])) == [-4, -3, -2, -1]


def test_a_preset_with_its_own_definition_shows_its_own_formula():
    # hard_sigmoid@keras2 is clip(0.2x + 0.5, 0, 1) (tf_keras/backend.py), not the canonical x/6 + 1/2
    from actviz.render.figures import plot

    fig = plot("hard_sigmoid@keras2")
    titles = " ".join(ax.get_title() for ax in fig.axes)
    assert "0.2x + 0.5" in titles
    assert r"\frac{x}{6}" not in titles and "x/6" not in titles


def test_kink_dots_at_one_point_stack_as_rings():
    # relu, relu6, leaky_relu and prelu all have a kink at 0 with f(0) = 0: their dots sit on
    # one point, so each earlier one is drawn larger and shows as a ring around the next
    fig = figures.compare(["relu", "relu6", "leaky_relu", "prelu"], points=101)
    dots = [ln for ln in fig.axes[0].lines if ln.get_gid() == "kink-f"]
    sizes = [ln.get_markersize() for ln in dots]
    assert len(sizes) == 4 and sizes == sorted(sizes, reverse=True) and len(set(sizes)) == 4


def test_a_parameter_no_activation_takes_is_named_with_what_they_take():
    # one activation: binding says it, as for a spec; several: what the command line says
    with pytest.raises(actviz.ParameterError, match=r"leaky_relu has no parameter 'slope' \(its parameters: alpha\)"):
        figures.plot("leaky_relu", slope=0.1)
    with pytest.raises(actviz.ParameterError, match="none of relu, tanh has a parameter 'beta'"):
        figures.compare(["relu", "tanh"], beta=2.0)


def test_the_difference_panel_breaks_where_the_first_activation_jumps():
    # sigmoid has no kink, but sigmoid - step jumps where step does: the terminal breaks it
    # there as the figure does, rather than joining the sides with a vertical stroke
    data = model.plot_data([actviz.get("step"), actviz.get("sigmoid")], (-1.0, 1.0), 41, diff=True)
    (curve,) = data.panel("diff").curves
    assert curve.kinks == [0.0] and curve.index == 1
    assert curve.cuts() == [20, 21]  # x[20] = 0, where the difference is 0.5 - 0.5: neither side
    fig = figures.compare(["step", "sigmoid"], range=(-1.0, 1.0), points=41, diff=True)
    (line,) = lines(fig.axes[-1], "diff")
    assert np.isnan(line.get_ydata()).sum() == 2
    plot = termplot.render(["step", "sigmoid"], range=(-1.0, 1.0), points=41, diff=True, width=200)
    rows = plot[plot.index("f - step"):].splitlines()[2:-2]
    col = next(r.index("┊") for r in rows if "┊" in r)
    # beside the kink's dotted vertical only the point at x = 0 itself: a stroke across the
    # jump (from x = ∓0.05, some five columns away) would put dots there on several rows
    assert sum(r[col - 3:col + 4].count("•") for r in rows) == 1

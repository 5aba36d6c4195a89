"""The gallery: planned from the registry, rendered in parallel, failures reported by name,
and the committed gallery/ kept in step with the catalogue."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

import actviz
from actviz.cli import app
from actviz.render import gallery

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def test_plan_has_a_figure_for_every_activation():
    jobs = gallery.plan()
    stems = {j.stem for j in jobs if j.kind == "activation"}
    assert stems == set(actviz.names())


def test_plan_has_a_sheet_for_every_family_with_several_members():
    families = {}
    for rec in actviz.records():
        families.setdefault(rec.family, []).append(rec.name)
    sheets = [j for j in gallery.plan() if j.kind == "family"]
    for family, members in families.items():
        mine = [j for j in sheets if j.key == family or j.key.startswith(family + " (")]
        if len(members) > 1:
            drawn = [actviz.get(s).name for j in mine for s in j.specs]
            assert sorted(drawn) == sorted(members)  # each member once
            for j in mine:  # each sheet in catalogue order
                names = [actviz.get(s).name for s in j.specs]
                assert names == [m for m in members if m in names]
            assert all(len(j.specs) <= gallery.SHEET_SIZE for j in mine)
        else:
            assert not mine


def test_no_member_flattens_the_rest_of_its_sheet():
    for job in gallery.plan():
        if job.kind != "family":
            continue
        spans = [gallery.output_span(actviz.get(s)) for s in job.specs]
        assert max(spans) <= gallery.SPAN_RATIO * min(spans), (job.key, job.specs, spans)
        # the derivative panel likewise: no member's f' flattens the others'
        slopes = [gallery.slope_scale(actviz.get(s)) for s in job.specs]
        assert max(slopes) <= gallery.SPAN_RATIO * min(slopes), (job.key, job.specs, slopes)
    # sine(ω0 = 30)'s f' (±30) would flatten snake's (within ±2): it has a sheet of its own
    sheets = [[actviz.get(s).name for s in j.specs] for j in gallery.plan() if j.key.startswith("periodic")]
    assert sheets == [["snake", "snake_beta"], ["sine"]]
    assert gallery.slope_scale(actviz.get("sine")) == pytest.approx(30.0, rel=1e-3)
    assert gallery.slope_scale(actviz.get("step")) == gallery.SLOPE_FLOOR  # 0 away from its jump
    # the vector family: the probabilities on one sheet, log_softmax and maxout (span 6) on another
    sheets = [[actviz.get(s).name for s in j.specs] for j in gallery.plan() if j.key.startswith("vector")]
    assert ["log_softmax", "maxout"] in sheets and ["softmax", "softmin", "sparsemax"] in sheets
    # the gated family: glu's gate σ (span 1) with reglu's relu on [-3, 3] (span 3); the
    # unbounded smooth gates with GPT-OSS's clamped one (span 7)
    sheets = [[actviz.get(s).name for s in j.specs] for j in gallery.plan() if j.key.startswith("gated")]
    assert sheets == [["glu", "reglu"], ["geglu", "swiglu", "swiglu_oai"]]


def test_a_family_of_like_spans_is_cut_in_catalogue_order():
    acts = [actviz.get(n) for n in ("relu", "relu6", "leaky_relu", "prelu", "rrelu", "elu", "selu", "celu")]
    assert [[a.name for a in sheet] for sheet in gallery.family_sheets(acts)] == [
        ["relu", "relu6", "leaky_relu", "prelu"], ["rrelu", "elu", "selu", "celu"]]


def test_framework_sheets_only_where_definitions_differ():
    sheets = {j.key: j for j in gallery.plan() if j.kind == "frameworks"}
    # leaky_relu's default slope: 0.01 (torch.nn.functional, jax.nn), 0.2 (keras.activations, tf.nn),
    # 0.3 (the tf_keras LeakyReLU layer: keras-team/tf-keras tf_keras/layers/activation/leaky_relu.py)
    leaky = sheets["leaky_relu"]
    assert [actviz.get(s).params["alpha"] for s in leaky.specs] == [0.01, 0.2, 0.3]
    assert leaky.shared_by == (("torch", "jax"), ("keras", "tf"), ("keras2",))
    assert leaky.diff
    # sigmoid is the same function everywhere
    assert "sigmoid" not in sheets


def test_suggested_range_frames_every_kink():
    for name in actviz.names():
        act = actviz.get(name)
        lo, hi = gallery.suggested_range(act)
        assert lo < hi
        for k in act.kinks:
            assert lo < k < hi, (name, k)


def test_index_has_a_row_per_activation_and_escapes_pipes():
    text = gallery.index_text(gallery.plan())
    rows = [line for line in text.splitlines() if line.startswith("| <a href=")]
    assert len(rows) == len(actviz.names())
    for name in actviz.names():
        assert f'<img src="{name}.png"' in text
    for row in rows:
        # every row has exactly the header's number of cells (an unescaped | would add one)
        assert row.replace("\\|", "").count("|") == text.splitlines()[7].count("|")


def test_index_names_presets_by_their_label():
    # the label leaves out a preset's own defaults; the index names those that differ from the
    # canonical form beside it
    text = gallery.index_text(gallery.plan(), "png")
    assert "- `leaky_relu@keras` (alpha=0.2): Keras 3, TensorFlow (tf.nn)" in text
    assert "- `leaky_relu@torch`: PyTorch, JAX" in text
    assert "leaky_relu@torch(" not in text and "leaky_relu@keras(" not in text


def test_render_one_activation(tmp_path):
    result = gallery.build(tmp_path, only=["leaky_relu(alpha=0.2)"], jobs=1)
    assert result.failures == {}
    assert result.written == [tmp_path / "leaky_relu-alpha=0.2.png"]
    assert (tmp_path / "leaky_relu-alpha=0.2.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "README.md").exists()  # --only leaves the index alone


def test_a_failure_is_reported_by_name_and_the_rest_render(tmp_path, monkeypatch):
    real = gallery.render

    def flaky(job, directory, fmt="png", dark=False):
        if job.key == "tanh":
            raise RuntimeError("boom")
        return real(job, directory, fmt, dark)

    monkeypatch.setattr(gallery, "render", flaky)
    result = runner.invoke(app, ["gallery", "-o", str(tmp_path), "--only", "tanh", "--only", "sigmoid", "-j", "1"])
    assert result.exit_code == 1
    assert "tanh" in result.stderr and "boom" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "sigmoid.png").exists() and not (tmp_path / "tanh.png").exists()


def test_parallel_run_renders_svg(tmp_path):
    result = runner.invoke(app, ["gallery", "-o", str(tmp_path / "g"), "--only", "sigmoid", "--only", "tanh", "-j", "2", "--format", "svg"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "g").iterdir()) == ["sigmoid.svg", "tanh.svg"]
    assert (tmp_path / "g" / "tanh.svg").read_text().lstrip().startswith("<?xml")


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["--format", "gif"], 2, "format must be one of png, svg"),
        (["--jobs", "0"], 2, "--jobs must be at least 1"),
        (["--only", "sigmod"], 2, "did you mean sigmoid"),
        (["--only", "relu("], 2, "'relu('"),
    ],
)
def test_bad_input(tmp_path, args, code, message):
    result = runner.invoke(app, ["gallery", "-o", str(tmp_path), *args])
    assert result.exit_code == code
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2 and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_output_that_is_a_file_or_has_no_parent(tmp_path):
    target = tmp_path / "taken"
    target.write_text("keep me")
    result = runner.invoke(app, ["gallery", "-o", str(target), "--only", "tanh"])
    assert result.exit_code == 1 and "not a directory" in result.stderr
    assert target.read_text() == "keep me"
    result = runner.invoke(app, ["gallery", "-o", str(tmp_path / "no" / "such"), "--only", "tanh"])
    assert result.exit_code == 1 and "does not exist" in result.stderr


def test_committed_gallery_is_current():
    """gallery/ holds a figure and an index row for every registered activation.

    Fails when an activation is added without regenerating: run `actviz gallery -o gallery/`.
    """
    directory = ROOT / "gallery"
    jobs = gallery.plan()
    missing = [j.stem for j in jobs if not (directory / f"{j.stem}.png").exists()]
    assert not missing, f"gallery/ lacks {missing}: run `actviz gallery -o gallery/`"
    index = (directory / "README.md").read_text(encoding="utf-8")
    assert index == gallery.index_text(jobs), "gallery/README.md is stale: run `actviz gallery -o gallery/`"


@pytest.mark.parametrize(
    "spec, stem",
    [("gelu", "gelu"), ("gelu@jax", "gelu-jax"), ("relu(alpha=0.1)", "relu-alpha=0.1"), ("x*x", "x-x")],
)
def test_only_a_variant_never_overwrites_the_plain_figure(spec, stem):
    (job,) = gallery.plan([spec])
    assert job.stem == stem

"""`actviz info --config`: the activation a model's config.json names, as Hugging Face reads it.

The fixtures in tests/configs/ are cut-down copies of real configs (the keys an activation is
read from, and a few beside them): Llama 2 (hidden_act "silu"), Gemma 2 (hidden_activation and
hidden_act, both "gelu_pytorch_tanh"), Gemma 1 as later revised (hidden_act "gelu", hidden_activation
"gelu_pytorch_tanh"), Nemotron-4 ("relu2"), GPT-2 (activation_function "gelu_new"), Flan-T5
(feed_forward_proj "gated-gelu"), T5 v1.0 ("relu"), Apertus ("xielu"), PaliGemma (text_config
and vision_config).
"""

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import actviz
from actviz.cli import app
from actviz.configs import config_activation, read_config, resolve
from actviz.errors import ConfigError, UsageError

CONFIGS = Path(__file__).resolve().parent / "configs"


def run(*args):
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize(("name", "key", "value", "spec"), [
    ("llama", "hidden_act", "silu", "silu@hf"),
    ("gemma2", "hidden_activation", "gelu_pytorch_tanh", "gelu_pytorch_tanh@hf"),
    ("nemotron", "hidden_act", "relu2", "relu2@hf"),
    ("gpt2", "activation_function", "gelu_new", "gelu_new@hf"),
    ("t5_relu", "feed_forward_proj", "relu", "relu@hf"),
    ("paligemma", "text_config.hidden_activation", "gelu_pytorch_tanh", "gelu_pytorch_tanh@hf"),
])
def test_a_config_resolves_to_what_hugging_face_means(name, key, value, spec):
    found = read_config(CONFIGS / f"{name}.json")
    assert (found.key, found.value) == (key, value)
    act = resolve(found)
    assert act.label == spec
    # Hugging Face's meaning: relu2 is squared ReLU, silu torch's silu (β fixed at 1)
    assert act.record.name == {"silu@hf": "silu", "relu2@hf": "squared_relu", "relu@hf": "relu"}.get(spec, "gelu")


def test_info_config_prints_where_it_read_the_name_then_the_activation():
    result = run("info", "--config", str(CONFIGS / "nemotron.json"))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f'{CONFIGS / "nemotron.json"}: hidden_act = "relu2" → relu2@hf (a Hugging Face transformers name)'
    assert lines[2].startswith("activation") and "relu2@hf" in lines[2]
    assert "sparsity P(f(z) = 0)" in result.stdout and "50%" in result.stdout
    # the same activation as `info relu2@hf`, below the header
    assert result.stdout.split("\n", 2)[2] == run("info", "relu2@hf").stdout


def test_a_model_directory_is_read_through_its_config_json(tmp_path):
    (tmp_path / "config.json").write_text((CONFIGS / "gpt2.json").read_text())
    result = run("info", "--config", str(tmp_path))
    assert result.exit_code == 0 and "gelu_new@hf" in result.stdout.splitlines()[0]


def test_the_other_activation_keys_are_listed():
    same = run("info", "--config", str(CONFIGS / "gemma2.json")).stdout.splitlines()
    assert same[1] == 'also in the config: hidden_act = "gelu_pytorch_tanh" (the same name)'
    # Gemma 1's revised configs: hidden_activation says the tanh form, hidden_act still the exact one
    other = run("info", "--config", str(CONFIGS / "gemma.json")).stdout.splitlines()
    assert "gelu_pytorch_tanh@hf" in other[0]
    assert other[1] == ('also in the config: hidden_act = "gelu" (another name: which one a model reads is its '
                        "code's choice)")
    nested = read_config(CONFIGS / "paligemma.json")
    assert nested.others == (("vision_config.hidden_act", "gelu_pytorch_tanh"),)


def test_info_config_json_has_the_config_block():
    result = run("info", "--config", str(CONFIGS / "gpt2.json"), "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["config"] == {"source": str(CONFIGS / "gpt2.json"), "key": "activation_function",
                              "value": "gelu_new", "name": "gelu_new", "gated": False,
                              "spec": "gelu_new@hf(approximate=tanh)", "others": []}
    assert data["spec"] == "gelu_new@hf(approximate=tanh)" and data["engine"]["name"] == "gelu_new"


def test_t5_feed_forward_proj_is_read_as_t5config_reads_it():
    # transformers T5Config: act_info = feed_forward_proj.split("-"); dense_act_fn = act_info[-1];
    # is_gated_act = act_info[0] == "gated"; "gated-gelu" means gelu_new (backwards compatibility)
    assert config_activation({"feed_forward_proj": "gated-gelu"}).name == "gelu_new"
    found = config_activation({"feed_forward_proj": "gated-silu"})
    assert (found.name, found.gated) == ("silu", True)
    assert config_activation({"feed_forward_proj": "gelu"}) .gated is False
    for bad in ("gelu-new", "gated-gelu-new", "a-b-c"):
        with pytest.raises(ConfigError, match="is not a T5 feed_forward_proj: it is ACT or gated-ACT"):
            config_activation({"feed_forward_proj": bad})


@pytest.mark.parametrize(("value", "spec"), [
    # transformers' T5DenseGatedActDense: act(wi_0(x))·wi_1(x), the gate the first projection;
    # "gated-gelu" is gelu_new (the tanh form), "gated-gelu_python" the exact one
    ("gated-gelu", "geglu(approximate=tanh)"),
    ("gated-gelu_new", "geglu(approximate=tanh)"),
    ("gated-gelu_pytorch_tanh", "geglu(approximate=tanh)"),
    ("gated-gelu_python", "geglu"),
    ("gated-silu", "swiglu"),
    ("gated-swish", "swiglu"),
    ("gated-relu", "reglu"),
    ("gated-sigmoid", "glu"),
])
def test_t5_gated_units_resolve_to_the_gated_entries(value, spec):
    act = resolve(config_activation({"feed_forward_proj": value}))
    assert act.label == spec
    assert act.record.gated is not None and act.record.gated.gate_half == "first" or spec == "glu"
    # the unit itself: gate(a)·b, with the gate as Hugging Face's name means it (to rounding)
    a, b = np.linspace(-6, 6, 25), np.linspace(-3, 3, 25)
    gate = {"geglu(approximate=tanh)": "gelu_new@hf", "geglu": "gelu_python@hf", "swiglu": "silu@hf",
            "reglu": "relu@hf", "glu": "sigmoid@hf"}[spec]
    # the engine's written 0.5·x·(1 + tanh u) cancels in the left tail: a few ULP of |a·b| there
    got, want = act(a, b), actviz.get(gate)(a) * b
    assert np.all(np.abs(got - want) <= 1e-14 * np.abs(want) + 8 * np.finfo(float).eps * np.abs(a * b)), spec


def test_info_config_shows_a_t5_gated_unit():
    result = run("info", "--config", str(CONFIGS / "t5.json"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        f'{CONFIGS / "t5.json"}: feed_forward_proj = "gated-gelu" → geglu(approximate=tanh) '
        "(T5's gated unit gelu_new(x·W0)·(x·W1): the gate a is the first projection)")
    assert result.stdout.split("\n", 2)[2] == run("info", "geglu(approximate=tanh)").stdout


def test_a_gated_unit_the_catalogue_lacks_is_named_in_the_error(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "t5", "feed_forward_proj": "gated-mish"}))
    result = run("info", "--config", str(path))
    assert result.exit_code == 2
    assert result.stderr == (f'actviz: error: {path}: feed_forward_proj = "gated-mish" is T5\'s '
                             "gated unit mish(x·W0)·(x·W1), which actviz's catalogue does not have; its "
                             "activation alone is `actviz info mish`\n")
    assert run("info", "mish").exit_code == 0


def test_apertus_resolves_to_the_catalogues_xielu():
    # Apertus: XIELUActivation, whose Python path the catalogue's xielu is, ε clamp included
    found = read_config(CONFIGS / "apertus.json")
    assert (found.key, found.value) == ("hidden_act", "xielu")
    act = resolve(found)
    assert act.label == "xielu@hf" and act.record.name == "xielu" and act.params["eps"] == -1e-6
    result = run("info", "--config", str(CONFIGS / "apertus.json"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f'{CONFIGS / "apertus.json"}: hidden_act = "xielu" → xielu@hf (a Hugging Face transformers name)'


def test_an_activation_actviz_lacks_is_named_in_the_error(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "made_up", "hidden_act": "zelu"}))
    result = run("info", "--config", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f'actviz: error: {path}: hidden_act = "zelu": actviz has '
                                    "no activation 'zelu' (neither in its catalogue nor among the engines' names)")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    with pytest.raises(UsageError, match="did you mean gelu_new"):
        resolve(config_activation({"hidden_act": "gelu_nwe"}))
    # a value is a name, never an expression in x
    with pytest.raises(UsageError, match="is not an activation's name"):
        resolve(config_activation({"hidden_act": "x*sigmoid(x)"}))
    with pytest.raises(UsageError, match="actviz has no activation 'x'"):
        resolve(config_activation({"hidden_act": "x"}))


@pytest.mark.parametrize(("text", "message"), [
    ("{bad", "is not JSON: Expecting property name enclosed in double quotes at line 1, column 2"),
    ("[1, 2]", "a config is a JSON object of settings, not list"),
    ('{"hidden_size": 8}', "names no activation: none of hidden_activation, hidden_act, activation_function, "
                           "feed_forward_proj is set, at the top or in a nested text_config"),
    ('{"hidden_act": 5}', 'hidden_act = 5: an activation is named by a string'),
    ('{"hidden_act": ""}', 'hidden_act = "": an activation is named by a string'),
    ('{"feed_forward_proj": "gelu-new"}', 'feed_forward_proj = "gelu-new" is not a T5 feed_forward_proj'),
])
def test_a_bad_config_is_a_one_line_runtime_error(tmp_path, text, message):
    path = tmp_path / "config.json"
    path.write_text(text)
    result = run("info", "--config", str(path))
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("actviz: error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_missing_or_unreadable_file_is_a_runtime_error(tmp_path):
    result = run("info", "--config", str(tmp_path / "nothing.json"))
    assert result.exit_code == 1
    assert result.stderr == f"actviz: error: cannot read {tmp_path / 'nothing.json'}: No such file or directory\n"
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00")
    result = run("info", "--config", str(tmp_path / "binary.json"))
    assert result.exit_code == 1 and "is not a text file (a config is UTF-8 JSON)" in result.stderr
    result = run("info", "--config", str(tmp_path))  # a directory without config.json
    assert result.exit_code == 1 and "cannot read" in result.stderr and "config.json" in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["info"], "name an activation (actviz info gelu) or a model config (actviz info --config config.json)"),
    (["info", "relu", "--config", "x.json"], "give a SPEC or --config FILE, not both"),
])
def test_info_takes_a_spec_or_a_config(args, message):
    result = run(*args)
    assert result.exit_code == 2 and message in result.stderr


def test_the_library_reads_configs_too():
    found = config_activation({"text_config": {"hidden_act": "gelu_fast"}}, "mine")
    assert found.described == 'mine: text_config.hidden_act = "gelu_fast"'
    assert resolve(found) == actviz.get("gelu_fast@hf")
    # top-level keys win over nested ones, in the order hidden_activation, hidden_act, ...
    found = config_activation({"hidden_act": "relu", "text_config": {"hidden_act": "silu"}})
    assert found.key == "hidden_act" and found.others == (("text_config.hidden_act", "silu"),)

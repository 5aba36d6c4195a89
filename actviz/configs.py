"""The activation a model config names: a Hugging Face style ``config.json`` (or its directory).

Configs name the activation under one of a few keys, in Hugging Face's names (the engine
``hf`` of ``catalogue.engines``):

- ``hidden_activation`` (Gemma 2 and 3; Gemma's configs carry a ``hidden_act`` too, and when the
  two differ, which one runs is the model code's choice: both are reported)
- ``hidden_act`` (BERT, Llama, Mistral, Qwen, Nemotron, Apertus, …)
- ``activation_function`` (GPT-2, GPT-J, …)
- ``feed_forward_proj`` (T5): ``ACT`` or ``gated-ACT``, read as transformers' T5Config reads it:
  split at '-'; a first part "gated" makes the unit gated, act(x·W₀)·(x·W₁); anything else with a
  '-' is invalid; and "gated-gelu" means gelu_new, for backwards compatibility

at the top level or in a nested ``text_config`` (multimodal models), else in another nested
``*_config`` (``vision_config``). The first found, in that order, is the one resolved; the others
are listed. A name resolves as Hugging Face means it (``gelu`` is GELUActivation, ``gelu_new`` the
tanh form as NewGELUActivation computes it), else as the catalogue does.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .core.bound import BoundActivation
from .errors import ConfigError, UnknownActivationError, UsageError
from .registry import engine_names, get, named

#: The keys a config names its activation with, in the order they are looked for.
ACTIVATION_KEYS = ("hidden_activation", "hidden_act", "activation_function", "feed_forward_proj")
#: The nested config of a multimodal model's language model, looked in before the others.
TEXT_CONFIG = "text_config"
#: What an activation's name looks like in a config (no parentheses, no '@')
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


@dataclass(frozen=True)
class ConfigActivation:
    """What a config says about its activation."""

    # the file read ("config.json"), for messages
    source: str
    # where the value is: "hidden_act", "text_config.hidden_activation"
    key: str
    # the value as written: "gelu_pytorch_tanh", "gated-gelu"
    value: str
    # the activation it names: the value itself, or T5's ACT ("gelu_new" for "gated-gelu")
    name: str
    # T5's gated-ACT: the feed-forward unit is act(x·W0)·(x·W1)
    gated: bool = False
    # the other activation keys found, with their values: (("vision_config.hidden_act", "gelu"),)
    others: tuple[tuple[str, str], ...] = ()

    @property
    def described(self) -> str:
        """'config.json: hidden_act = "silu"'."""
        return f"{self.source}: {self.key} = {json.dumps(self.value)}"


def _found(config: dict, prefix: str = "") -> list[tuple[str, Any]]:
    return [(prefix + key, config[key]) for key in ACTIVATION_KEYS if config.get(key) is not None]


def _t5(value: str, where: str) -> tuple[str, bool]:
    """T5Config's reading of feed_forward_proj: (the activation's name, gated)."""
    parts = value.split("-")
    if (len(parts) > 1 and parts[0] != "gated") or len(parts) > 2:
        raise ConfigError(f"{where} is not a T5 feed_forward_proj: it is ACT or gated-ACT ('gated-gelu', 'relu')")
    gated = parts[0] == "gated"
    name = "gelu_new" if value == "gated-gelu" else parts[-1]  # transformers: for backwards compatibility
    return name, gated


def config_activation(config: Any, source: str = "config") -> ConfigActivation:
    """The activation ``config`` (a parsed config.json) names; :class:`ConfigError` where it names
    none or the value is not a name."""
    if not isinstance(config, dict):
        raise ConfigError(f"{source}: a config is a JSON object of settings, not {type(config).__name__}")
    found = _found(config)
    nested = config.get(TEXT_CONFIG)
    if isinstance(nested, dict):
        found += _found(nested, f"{TEXT_CONFIG}.")
    for key, value in config.items():
        if key != TEXT_CONFIG and key.endswith("_config") and isinstance(value, dict):
            found += _found(value, f"{key}.")
    if not found:
        raise ConfigError(f"{source} names no activation: none of {', '.join(ACTIVATION_KEYS)} is set, at the "
                          f"top or in a nested {TEXT_CONFIG} (or another *_config)")
    key, value = found[0]
    where = f"{source}: {key} = {json.dumps(value)}"
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: an activation is named by a string")
    name, gated = _t5(value, where) if key.endswith("feed_forward_proj") else (value, False)
    others = tuple((k, v if isinstance(v, str) else json.dumps(v)) for k, v in found[1:])
    return ConfigActivation(source, key, value, name, gated, others)


def read_config(path: str | os.PathLike) -> ConfigActivation:
    """The activation the config file at ``path`` (or ``path/config.json`` for a model directory)
    names; :class:`ConfigError` for a file that is missing, unreadable or not JSON."""
    path = Path(path)
    if path.is_dir():
        path = path / "config.json"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not a text file (a config is UTF-8 JSON)") from None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    return config_activation(config, str(path))


#: T5's gated units: the gate's catalogue entry (a record's spec at the parameters Hugging
#: Face's name means) and the gated entry that is it times the value input. T5DenseGatedActDense
#: computes act(wi_0(x))·wi_1(x): the gate is the first projection, as the gated entries' a is;
#: gelu_new's own float64 arithmetic becomes the catalogue's tanh form, the same to a few ULP.
_T5_GATED = {"gelu(approximate=none)": "geglu", "gelu(approximate=tanh)": "geglu(approximate=tanh)",
             "silu": "swiglu", "silu(beta=1)": "swiglu", "relu": "reglu", "sigmoid": "glu"}


def _record_spec(row) -> str:
    """An engine name's record at the parameters the name sets: "gelu(approximate=tanh)"."""
    params = ", ".join(f"{k}={v}" for k, v in row.variant.defaults.items())
    return f"{row.target}({params})" if params else row.target


def resolve(found: ConfigActivation) -> BoundActivation:
    """The activation a config's value means, as Hugging Face means it where it has the name;
    a usage error naming it where actviz has no such activation (a gated unit's included)."""
    hf = {row.key: row for row in engine_names() if row.engine == "hf"}
    key = found.value.strip().lower().replace("-", "_")
    name = found.name.strip().lower().replace("-", "_")
    if found.gated:
        if key in hf:  # a gated entry Hugging Face's T5 names this way
            return get(hf[key].spec_head)
        gated = _T5_GATED.get(_record_spec(hf[name]) if name in hf else name)
        if gated is not None:
            return get(gated)
        raise UsageError(f"{found.described} is T5's gated unit {found.name}(x·W0)·(x·W1), which actviz's "
                         f"catalogue does not have; its activation alone is `actviz info {found.name}`")
    if name in hf:
        return get(hf[name].spec_head)
    if not _NAME.match(found.name.strip()):
        raise UsageError(f"{found.described} is not an activation's name")
    try:
        return named(found.name.strip())
    except UnknownActivationError as exc:
        hint = f"; did you mean {', '.join(exc.suggestions)}?" if exc.suggestions else ""
        raise UsageError(f"{found.described}: actviz has no activation {found.name.strip()!r} (neither in "
                         f"its catalogue nor among the engines' names){hint}") from None

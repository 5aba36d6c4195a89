"""actviz: values, exact derivatives, figures and statistics for activation functions.

>>> import actviz
>>> act = actviz.get("leaky_relu(alpha=0.1)")
>>> float(act(-2.0)), float(act.derivative(-2.0))
(-0.2, 0.1)
"""

from __future__ import annotations

from .errors import (
    ActvizError,
    OptionError,
    OutputError,
    ParameterError,
    PresetError,
    SpecError,
    UnknownActivationError,
    UsageError,
)
from .version import __version__

#: Where each public name lives; imported on first use (PEP 562), so that `import actviz`
#: and `actviz --help` load numpy and the records only when something asks for them.
_PUBLIC = {
    "BoundActivation": "core.bound",
    "VectorActivation": "core.bound",
    **dict.fromkeys(("FRAMEWORKS", "Activation", "Checks", "Interval", "Naive", "Param",
                     "Properties", "Variant"), "core.records"),
    "PluginError": "plugins",
    **dict.fromkeys(("get", "load_plugin", "lookup", "names", "records", "register"), "registry"),
    # figures and sampling pull in matplotlib and scipy
    "plot": "render.figures",
    "describe": "render.describe",
    "sample": "sampling",
}

__all__ = [
    "FRAMEWORKS",
    "Activation",
    "ActvizError",
    "BoundActivation",
    "Checks",
    "Interval",
    "OptionError",
    "Naive",
    "OutputError",
    "Param",
    "ParameterError",
    "PluginError",
    "PresetError",
    "Properties",
    "SpecError",
    "UnknownActivationError",
    "UsageError",
    "Variant",
    "VectorActivation",
    "__version__",
    "describe",
    "get",
    "load_plugin",
    "lookup",
    "names",
    "plot",
    "records",
    "register",
    "sample",
]


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'actviz' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})

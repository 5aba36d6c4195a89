"""actviz: values, exact derivatives, figures and statistics for activation functions.

>>> import actviz
>>> act = actviz.get("leaky_relu(alpha=0.1)")
>>> float(act(-2.0)), float(act.derivative(-2.0))
(-0.2, 0.1)
"""

from __future__ import annotations

from .core.bound import BoundActivation, VectorActivation
from .core.records import (
    FRAMEWORKS,
    Activation,
    Checks,
    Interval,
    Naive,
    Param,
    Properties,
    Variant,
)
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
from .plugins import PluginError
from .registry import get, load_plugin, lookup, names, records, register
from .version import __version__

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
    # Figures and sampling pull in matplotlib/scipy only when asked for.
    if name == "plot":
        from .render.figures import plot

        return plot
    if name == "describe":
        from .render.describe import describe

        return describe
    if name == "sample":
        from .sampling import sample

        return sample
    raise AttributeError(f"module 'actviz' has no attribute {name!r}")

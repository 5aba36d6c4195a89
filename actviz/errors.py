"""The exceptions actviz raises, and the exit code each one means on the command line.

The library raises these small named exceptions; the CLI turns any of them into one
line on stderr and the exit code below (2: the user asked for something malformed,
1: a well-formed request failed at run time).
"""

from __future__ import annotations

from collections.abc import Callable


class ActvizError(Exception):
    """Base class: every expected failure. ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class UsageError(ActvizError, ValueError):
    """The request itself is wrong: bad option, spec, parameter or range (exit 2)."""

    exit_code = 2


class OptionError(UsageError):
    """An option (a keyword argument, or a flag on the command line) given a value it cannot take.

    ``option`` is the option's name (``sigma_w``); ``message`` is the whole sentence with each
    option it names written ``{name}`` (``"{sigma_w} must be positive, not -1"``), the others
    listed in ``others``. ``str()`` names them as the library does; :meth:`naming` lets the
    command line name them by its flags instead.
    """

    def __init__(self, option: str, message: str, others: tuple[str, ...] = ()):
        self.option = option
        self.message = message
        self.others = tuple(others)
        super().__init__(self.naming(str))

    def naming(self, name: Callable[[str], str]) -> str:
        """The message with each option written ``name(option)``."""
        text = self.message
        for option in (self.option, *self.others):
            text = text.replace("{" + option + "}", name(option), 1)
        return text

    def __str__(self) -> str:
        return self.naming(str)


class SpecError(UsageError):
    """A spec string that does not parse, or names no known activation."""


class UnknownActivationError(SpecError, KeyError):
    """No activation (or alias) of that name; carries the closest known names."""

    def __init__(self, name: str, suggestions: list[str] | tuple[str, ...] = ()):
        self.name = name
        self.suggestions = tuple(suggestions)
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown activation {name!r}{hint}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.args[0]


class ParameterError(UsageError):
    """A parameter the activation does not take, of the wrong type, or out of range."""


class PresetError(UsageError):
    """``name@framework`` where that framework has no such activation."""


class OutputError(ActvizError):
    """A result could not be written (exit 1)."""


class ConfigError(ActvizError):
    """A model config that cannot be read, is not JSON, or names no activation (exit 1)."""

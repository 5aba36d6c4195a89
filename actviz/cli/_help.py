"""Help pages that read like click's: ``Usage: actviz plot [OPTIONS] SPEC``, no type name
after a flag (it takes no value), an argument named once by its metavar, and a default given
as text shown as that text, ``[default: 100]`` rather than ``[default: (100)]``.

Typer builds its own parameter objects, so the commands swap each one's class for a subclass
below when help or usage is asked for (:meth:`PlainHelp.get_params`).
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperOption


class _Argument(TyperArgument):
    def display_type_rich(self, ctx: Any) -> str | None:
        return None  # the name column shows the metavar (SPEC...) already

    def get_usage_pieces(self, ctx: Any) -> list[str]:
        name = self.metavar or self.name.upper()
        if self.nargs != 1 and not name.endswith("..."):
            name += "..."
        return [name if self.required else f"[{name}]"]


class _Option(TyperOption):
    def display_type_rich(self, ctx: Any) -> str | None:
        if self.is_flag and self.metavar is None:
            return ""
        return super().display_type_rich(ctx)

    def _get_default_string(self, *, ctx: Any, show_default_is_str: bool, default_value: Any) -> str:
        if show_default_is_str:
            return str(self.show_default)
        return super()._get_default_string(ctx=ctx, show_default_is_str=False, default_value=default_value)


def _plain(param: Any) -> Any:
    if type(param) is TyperArgument:
        param.__class__ = _Argument
    elif type(param) is TyperOption:
        param.__class__ = _Option
    return param


class PlainHelp:
    """Mixin for a Typer command or group: its parameters render as described above."""

    def get_params(self, ctx: Any) -> list:
        return [_plain(p) for p in super().get_params(ctx)]  # type: ignore[misc]


class ActvizCommand(PlainHelp, TyperCommand):
    """Every actviz subcommand (``@app.command(cls=ActvizCommand)``)."""

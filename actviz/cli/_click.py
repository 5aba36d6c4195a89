"""Click's exception classes, wherever this Typer keeps them.

Typer up to 0.2x depends on click; newer releases vendor it as ``typer._click``.
"""

from __future__ import annotations

try:  # Typer that vendors click
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
    from typer.exceptions import Abort, Exit
except ImportError:  # Typer on top of click
    from click.exceptions import Abort, ClickException, Exit, UsageError

    try:
        from click.exceptions import NoArgsIsHelpError
    except ImportError:  # click < 8.2
        class NoArgsIsHelpError(UsageError):  # type: ignore[no-redef]
            pass

__all__ = ["Abort", "ClickException", "Exit", "NoArgsIsHelpError", "UsageError"]

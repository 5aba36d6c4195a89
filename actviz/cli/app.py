"""The Typer application, and the one place where errors become a message and an exit code."""

import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from ..errors import ActvizError, OptionError
from ._help import PlainHelp

try:  # a Typer that vendors click derives click's exceptions from this public class
    from typer import TyperException as ClickException
except ImportError:  # a Typer on top of click
    from click import ClickException

EXIT_OK, EXIT_RUNTIME, EXIT_USAGE = 0, 1, 2
#: 128 + SIGINT, what a shell reports for a program stopped by Ctrl-C.
EXIT_INTERRUPTED = 130
_state = {"debug": False, "interrupted": False}


def debugging() -> bool:
    return _state["debug"] or os.environ.get("ACTVIZ_DEBUG", "") not in ("", "0")


def flag(option: str) -> str:
    """The command line's flag for a library option: ``sigma_w`` is ``--sigma-w``."""
    return "--" + option.replace("_", "-")


def _fail(message: str, code: int) -> int:
    typer.echo(f"actviz: error: {message}", err=True)
    return code


class _Interrupted(Exception):
    """Ctrl-C while the arguments are parsed or a command runs, carried past Typer (which turns KeyboardInterrupt into a
    silent exit 130, and click into "Aborted!") to the handler below."""


def _from_an_interrupt(exc: BaseException) -> bool:
    """Whether a KeyboardInterrupt lies under ``exc``: a Ctrl-C that lands while an extension module initialises
    comes out as ``ImportError: initialization failed`` raised from it (pybind11 does this, and matplotlib's
    extensions are pybind11 modules)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


class ActvizGroup(PlainHelp, TyperGroup):
    """Runs a command and turns every expected failure into one line on stderr and an exit code:
    2 for usage errors (bad option, spec, parameter, range), 1 for runtime failures, 130 for
    Ctrl-C (``interrupted``)."""

    def parse_args(self, ctx, args):
        # no arguments: the help, and the exit status of a usage error
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            typer.echo(ctx.get_help())
            raise typer.Exit(EXIT_USAGE)
        return super().parse_args(ctx, args)

    def make_context(self, *args: Any, **kwargs: Any):
        try:
            return super().make_context(*args, **kwargs)
        except KeyboardInterrupt as exc:
            raise _Interrupted() from exc

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:
            raise _Interrupted() from exc
        except Exception as exc:
            if _from_an_interrupt(exc):
                raise _Interrupted() from exc
            raise

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra: Any):
        args = list(sys.argv[1:] if args is None else args)
        _state["debug"] = "--debug" in args
        try:
            rv = super().main(
                args=args, prog_name=prog_name, complete_var=complete_var, standalone_mode=False, **extra
            )
            code = rv if isinstance(rv, int) else EXIT_OK
        except ClickException as exc:
            # a usage error (exit 2) carries the command's context, for the hint
            ctx = getattr(exc, "ctx", None)
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            # Typer checks Literal choices with pydantic, which prefixes "Value error, "
            message = exc.format_message().replace("Value error, ", "")
            code = _fail(message + hint, exc.exit_code)
        except _Interrupted as exc:
            if debugging():
                raise exc.__cause__ from None
            typer.echo("interrupted", err=True)
            _state["interrupted"] = True
            code = EXIT_INTERRUPTED
        except typer.Abort:
            code = _fail("aborted", EXIT_INTERRUPTED)
        except OptionError as exc:
            if debugging():
                raise
            code = _fail(exc.naming(flag), exc.exit_code)
        except ActvizError as exc:
            if debugging():
                raise
            code = _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:  # anywhere else Typer does not catch it: the same rule
            if debugging():
                raise
            typer.echo("interrupted", err=True)
            _state["interrupted"] = True
            code = EXIT_INTERRUPTED
        except OSError as exc:
            if debugging():
                raise
            code = _fail(f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""), EXIT_RUNTIME)
        except Exception as exc:  # an unexpected failure: still one line, unless debugging
            if debugging():
                raise
            code = _fail(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)", EXIT_RUNTIME)
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    cls=ActvizGroup,
    name="actviz",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Activation functions: values, exact derivatives, figures, statistics and exports.",
)


def _version(value: bool) -> None:
    if value:
        from ..version import __version__

        typer.echo(f"actviz {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the full traceback on errors (also ACTVIZ_DEBUG=1).")
    ] = False,
    plugin: Annotated[
        list[str] | None,
        typer.Option(
            "--plugin",
            metavar="FILE",
            help="Load activations from this Python file (it calls actviz.register) for this command; repeatable.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Activation functions: values, exact derivatives, figures, statistics and exports."""
    _state["debug"] = _state["debug"] or debug
    if plugin:
        from ..registry import load_plugin as load_file

        for path in plugin:
            load_file(path)


def main() -> None:
    """Console-script entry point.

    Once the command's outcome is decided (done, failed or interrupted), a Ctrl-C changes nothing: SIGINT is
    ignored from then on. Otherwise a second Ctrl-C while the process unwinds would print a traceback, and one
    that lands while the interpreter shuts down (when Python has put back the default handler) would kill the
    process by SIGINT after its work was done and said. A KeyboardInterrupt that still escapes exits 130 with
    the one line.
    """
    import signal

    try:
        try:
            app()
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if debugging():
            raise
        if not _state.get("interrupted"):
            typer.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)

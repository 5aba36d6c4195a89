"""The ``actviz`` command line: a thin layer over the library (parse, call, render).

Each command lives in a module of this package that registers itself on :data:`app`;
no module imports matplotlib, scipy or mpmath at import time, so ``actviz --help``
stays fast.
"""

from __future__ import annotations

from .app import app, main

# Importing the command modules registers their commands on `app` (order = help order).
from . import data_commands
from . import plot_commands
from . import analysis_commands
from . import gallery_command

__all__ = ["app", "main"]

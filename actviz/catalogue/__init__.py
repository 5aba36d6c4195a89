"""The catalogue: importing this package registers every activation, family by family, then the
names engines and model configs give them (engines)."""

# Order matters: it is the catalogue's order in `list`, the gallery and the README.
from . import sigmoid_like
from . import rectifiers
from . import gates
from . import shrinks
from . import vector
from . import gated
from . import periodic
from . import rational
from . import engines  # after the families: each name points at a record

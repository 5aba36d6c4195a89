"""The catalogue: importing this package registers every activation, family by family."""

# Order matters: it is the catalogue's order in `list`, the gallery and the README.
from . import sigmoid_like
from . import rectifiers
from . import gates
from . import shrinks
from . import vector
from . import gated
from . import periodic
from . import rational

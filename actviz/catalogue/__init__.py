"""The catalogue: importing this package registers every activation, family by family."""

# Order matters: it is the catalogue's order in `list`, the gallery and the README.
from . import sigmoid_like  # noqa: F401, I001
from . import rectifiers  # noqa: F401
from . import gates  # noqa: F401
from . import shrinks  # noqa: F401
from . import vector  # noqa: F401

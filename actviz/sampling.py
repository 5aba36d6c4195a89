"""Sample an activation on a grid: the data every table, figure and statistic starts from."""

from __future__ import annotations

from .core.bound import BoundActivation
from .core.options import check_order
from .core.sampling import DEFAULT_POINTS, DEFAULT_RANGE, Sample, grid
from .registry import get


def sample(
    act: BoundActivation | str,
    range: tuple[float, float] = DEFAULT_RANGE,
    points: int = DEFAULT_POINTS,
    *,
    order: int = 1,
    numeric: bool = False,
    **params,
) -> Sample:
    """Sample ``act`` on an even grid of ``points`` over ``range``.

    ``order=2`` adds f''; ``numeric=True`` adds the finite-difference f'. A vector
    activation is sampled along its one-dimensional slice.
    """
    act = get(act, **params).elementwise
    order = check_order(order)
    x = grid(*range, points)
    orders = (0, 1, 2) if order == 2 else (0, 1)
    values = act.evaluate(x, orders=orders)
    return Sample(
        activation=act,
        x=x,
        f=values[0],
        df=values[1],
        d2f=values[2] if order == 2 else None,
        df_numeric=act.numeric_derivative(x) if numeric else None,
    )

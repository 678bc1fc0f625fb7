"""matplotlib, imported only when a plot is drawn: it is an optional extra.

``import bestfit_accessor`` never loads matplotlib; the first plot call does, and
says which extra to install when it cannot.
"""

from __future__ import annotations

from typing import Any

from ..exceptions import InvalidArgumentError, MissingDependencyError

__all__ = ["EXTRA", "new_axes", "new_figure", "require_matplotlib"]

#: The install spelling named by the error when matplotlib is missing.
EXTRA = "bestfit_accessor[plot]"


def require_matplotlib() -> Any:
    """The ``matplotlib.pyplot`` module, or a :class:`MissingDependencyError` naming the extra."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise MissingDependencyError(
            f"plots need matplotlib, which cannot be imported here ({exc}); install it with "
            f"pip install '{EXTRA}' (or pip install matplotlib)"
        ) from None
    return plt


def new_figure(**kwargs: Any) -> Any:
    """A new pyplot figure: ``plt.show()`` shows it and Jupyter displays it inline."""
    return require_matplotlib().figure(**kwargs)


def new_axes(ax: Any = None, figsize: tuple[float, float] = (7.0, 4.5)) -> Any:
    """``ax`` when given (it must be a matplotlib ``Axes``), else the axes of a new figure."""
    require_matplotlib()
    from matplotlib.axes import Axes

    if ax is None:
        return new_figure(figsize=figsize).add_subplot()
    if not isinstance(ax, Axes):
        raise InvalidArgumentError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    return ax

"""Compact views of fits and copulas: the top-k table, text and HTML renderings.

Jupyter shows an object's ``_repr_html_``; a terminal shows its ``repr``. Both are
built here from the same pieces, so the results objects and the copula only say
what to show. The HTML is plain tables with inline styles (no CSS classes, no
scripts), so it renders the same in Jupyter, on GitHub and in exported notebooks.
"""

from __future__ import annotations

import html
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .ranking import best_rows, check_metric

__all__ = ["correlation_html", "format_params", "format_value", "marginals_html", "matrix_text",
           "top", "top_html"]  # fmt: skip

#: Metrics shown beside the ranking one in :func:`top`.
_SHOWN_METRICS = ("aic", "bic", "ks_statistic")
#: Above this many columns a correlation matrix is summarised, not printed whole.
MAX_MATRIX_COLUMNS = 12


def format_value(value: float, digits: int = 4) -> str:
    """A number in ``digits`` significant digits, without trailing noise."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "nan"
    return f"{float(value):.{digits}g}"


def format_params(params: Mapping[str, float], digits: int = 4) -> str:
    """``a=2.5, loc=0.001, scale=3``: a parameter dict in one short line."""
    return ", ".join(f"{name}={format_value(v, digits)}" for name, v in params.items())


def top(fits: pd.DataFrame, k: int = 3, metric: str = "aic",
        columns: Iterable[Hashable] | Hashable | None = None) -> pd.DataFrame:  # fmt: skip
    """The ``k`` best fits of each column, one short line each.

    Indexed by ``(column, rank)``; the parameters as one string, the ranking
    ``metric``, its distance from the column's best (``delta_<metric>``), and AIC,
    BIC and the KS statistic. Rows and their order are those of
    :func:`bestfit_accessor.best_rows` (``status == "ok"``, lowest metric first).
    """
    metric = check_metric(metric)
    best = best_rows(fits, metric, k, columns)
    shown = [metric, *(m for m in _SHOWN_METRICS if m != metric and m in best.columns)]
    rank = best.groupby("column", sort=False, dropna=False).cumcount() + 1
    leader = best.groupby("column", sort=False, dropna=False)[metric].transform("first")
    table = pd.DataFrame({
        "column": best["column"].to_numpy(),
        "rank": rank.to_numpy(),
        "distribution": best["distribution"].to_numpy(),
        "params": [format_params(p) for p in best["params"]],
        metric: best[metric].to_numpy(dtype=float),
        f"delta_{metric}": (best[metric] - leader).to_numpy(dtype=float),
        **{m: best[m].to_numpy(dtype=float) for m in shown[1:]},
    })  # fmt: skip
    return table.set_index(["column", "rank"])


def _cell(text: str, style: str = "", header: bool = False) -> str:
    tag = "th" if header else "td"
    attribute = f' style="{style}"' if style else ""
    return f"<{tag}{attribute}>{html.escape(text)}</{tag}>"


_TABLE = "border-collapse:collapse;font-size:0.9em"
_PAD = "padding:2px 8px;text-align:right"
_LEFT = "padding:2px 8px;text-align:left"


def _table(head: list[str], rows: list[str], caption: str) -> str:
    title = f"<caption style='text-align:left'>{html.escape(caption)}</caption>" if caption else ""
    return (f'<table style="{_TABLE}">{title}<thead>{"".join(head)}</thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')  # fmt: skip


def top_html(table: pd.DataFrame, caption: str = "") -> str:
    """An HTML table of :func:`top`'s output, the column name shown once per group."""
    heads = ["column", "rank", *table.columns]
    rows = []
    previous: object = object()
    for (label, rank), values in table.iterrows():
        first = label != previous
        previous = label
        border = "border-top:1px solid #999;" if first else ""
        cells = [_cell(str(label) if first else "", border + _LEFT + ";font-weight:bold"),
                 _cell(str(rank), border + _PAD)]  # fmt: skip
        for name, value in values.items():
            is_text = name in ("distribution", "params")
            cells.append(_cell(str(value) if is_text else format_value(value, 6),
                               border + (_LEFT if is_text else _PAD)))  # fmt: skip
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head = "<tr>" + "".join(_cell(h, _LEFT, header=True) for h in heads) + "</tr>"
    return _table([head], rows, caption)


def marginals_html(labels: Sequence[Hashable], names: Sequence[str],
                   params: Sequence[Mapping[str, float]], caption: str = "") -> str:  # fmt: skip
    """An HTML table of a copula's marginals: column, distribution, parameters."""
    head = "<tr>" + "".join(_cell(h, _LEFT, header=True)
                            for h in ("column", "distribution", "params")) + "</tr>"  # fmt: skip
    rows = ["<tr>" + _cell(str(label), _LEFT + ";font-weight:bold") + _cell(name, _LEFT)
            + _cell(format_params(p), _LEFT) + "</tr>"
            for label, name, p in zip(labels, names, params, strict=True)]  # fmt: skip
    return _table([head], rows, caption)


def _shade(r: float) -> str:
    """A background for a correlation: red for positive, blue for negative, the
    stronger the deeper; white at zero."""
    if not np.isfinite(r):
        return "background:#eee"
    strength = min(abs(float(r)), 1.0)
    red, blue = (214, 39, 40), (31, 119, 180)
    base = red if r >= 0 else blue
    mix = [round(255 + (c - 255) * 0.75 * strength) for c in base]
    color = "#fff" if strength > 0.7 else "#000"
    return f"background:rgb({mix[0]},{mix[1]},{mix[2]});color:{color}"


def correlation_html(matrix: np.ndarray, labels: Sequence[Hashable], caption: str = "") -> str:
    """A correlation matrix as an HTML table whose cells are shaded by value."""
    head = "<tr>" + _cell("", header=True) + "".join(
        _cell(str(label), _PAD, header=True) for label in labels) + "</tr>"  # fmt: skip
    rows = []
    for i, label in enumerate(labels):
        cells = [_cell(str(label), _LEFT + ";font-weight:bold", header=True)]
        cells += [_cell(f"{matrix[i, j]:+.3f}", _PAD + ";" + _shade(matrix[i, j]))
                  for j in range(len(labels))]  # fmt: skip
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return _table([head], rows, caption)


def matrix_text(matrix: np.ndarray, labels: Sequence[Hashable], indent: str = "  ") -> str:
    """A correlation matrix as aligned text; a large one is summarised by its
    strongest off-diagonal pairs."""
    names = [str(label) for label in labels]
    k = len(names)
    if k > MAX_MATRIX_COLUMNS:
        upper = [(abs(matrix[i, j]), i, j) for i in range(k) for j in range(i + 1, k)]
        strongest = sorted(upper, reverse=True)[:5]
        pairs = ", ".join(f"{names[i]}~{names[j]} {matrix[i, j]:+.3f}" for _, i, j in strongest)
        return f"{indent}{k}x{k}; strongest: {pairs}"
    width = max(6, *(len(n) for n in names))
    lines = [indent + " " * width + "".join(f"  {n:>{width}}" for n in names)]
    for i, name in enumerate(names):
        values = "".join(f"  {matrix[i, j]:>+{width}.3f}" for j in range(k))
        lines.append(f"{indent}{name:<{width}}{values}")
    return "\n".join(lines)

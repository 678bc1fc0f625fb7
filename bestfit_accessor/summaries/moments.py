"""Mergeable per-column summaries computed on one block of rows.

A block's summary is small (a few numbers, the sampled values, later a histogram),
so the driver merges kilobytes whatever the row count. Moments are merged with the
pairwise update of Chan et al. / Pébay (no ``E[x²] − E[x]²``). The random sample is
taken at global row positions chosen on the driver, so it is the same however the
rows are split into blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["ColumnSummary", "merge_summaries", "sample_positions", "summarize_values"]


@dataclass
class ColumnSummary:
    """Counts, extremes and central moments of the finite values of one column."""

    n_rows: int = 0
    n_nan: int = 0
    n_posinf: int = 0
    n_neginf: int = 0
    n: int = 0  # finite values
    vmin: float = np.inf
    vmax: float = -np.inf
    #: The second smallest and second largest distinct values (±inf if none): the
    #: range of the rest of the column when a point mass sits at an extreme.
    vmin2: float = np.inf
    vmax2: float = -np.inf
    mean: float = 0.0
    m2: float = 0.0  # sums of powers of deviations from the mean
    m3: float = 0.0
    m4: float = 0.0
    sample_slots: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    sample_values: np.ndarray = field(default_factory=lambda: np.empty(0))

    @property
    def n_dropped(self) -> int:
        return self.n_nan + self.n_posinf + self.n_neginf

    @property
    def variance(self) -> float:
        return self.m2 / self.n if self.n else float("nan")

    @property
    def skewness(self) -> float:
        return float(np.sqrt(self.n) * self.m3 / self.m2**1.5) if self.m2 > 0 else float("nan")

    @property
    def excess_kurtosis(self) -> float:
        return float(self.n * self.m4 / self.m2**2 - 3.0) if self.m2 > 0 else float("nan")

    def sample(self, size: int) -> np.ndarray:
        """The sampled values in the driver's random order, non-finite ones left out."""
        values = np.full(size, np.nan)
        values[self.sample_slots] = self.sample_values
        return values[np.isfinite(values)]


def summarize_values(
    values: np.ndarray, sample_local: np.ndarray, sample_slots: np.ndarray
) -> ColumnSummary:
    """Summary of one block of one column.

    ``sample_local`` are row positions inside this block whose values join the
    sample, at ``sample_slots`` of the global sample array.
    """
    values = np.asarray(values, dtype=np.float64)
    finite_mask = np.isfinite(values)
    x = values[finite_mask] if not finite_mask.all() else values
    n_nan = int(np.isnan(values).sum())
    n_posinf = int(np.isposinf(values).sum())
    summary = ColumnSummary(
        n_rows=int(values.size),
        n_nan=n_nan,
        n_posinf=n_posinf,
        n_neginf=int(values.size - x.size - n_nan - n_posinf),
        n=int(x.size),
        sample_slots=np.asarray(sample_slots, dtype=np.int64),
        sample_values=values[np.asarray(sample_local, dtype=np.int64)],
    )
    if x.size:
        # Moments of values near ±1e308 overflow to inf; they are descriptive only.
        with np.errstate(over="ignore", invalid="ignore"):
            mean = x.mean()
            d = x - mean
            d2 = d * d
            summary.mean = mean
            summary.m2 = d2.sum()
            summary.m3 = (d2 * d).sum()
            summary.m4 = (d2 * d2).sum()
        summary.vmin, summary.vmax = float(x.min()), float(x.max())
        if summary.vmax > summary.vmin:
            summary.vmin2 = float(np.min(x, where=x > summary.vmin, initial=np.inf))
            summary.vmax2 = float(np.max(x, where=x < summary.vmax, initial=-np.inf))
    return summary


def _second(distinct: list[float], default: float) -> float:
    """The second of sorted distinct extremes (infinities mean "no value"), else ``default``."""
    finite = [v for v in distinct if np.isfinite(v)]
    return finite[1] if len(finite) >= 2 else default


def _merge_two(a: ColumnSummary, b: ColumnSummary) -> ColumnSummary:
    n = a.n + b.n
    out = ColumnSummary(
        n_rows=a.n_rows + b.n_rows,
        n_nan=a.n_nan + b.n_nan,
        n_posinf=a.n_posinf + b.n_posinf,
        n_neginf=a.n_neginf + b.n_neginf,
        n=n,
        vmin=min(a.vmin, b.vmin),
        vmax=max(a.vmax, b.vmax),
        vmin2=_second(sorted({a.vmin, a.vmin2, b.vmin, b.vmin2}), np.inf),
        vmax2=_second(sorted({a.vmax, a.vmax2, b.vmax, b.vmax2}, reverse=True), -np.inf),
        sample_slots=np.concatenate([a.sample_slots, b.sample_slots]),
        sample_values=np.concatenate([a.sample_values, b.sample_values]),
    )
    if a.n == 0 or b.n == 0:
        src = a if a.n else b
        out.mean, out.m2, out.m3, out.m4 = src.mean, src.m2, src.m3, src.m4
        return out
    na, nb = a.n, b.n
    delta = b.mean - a.mean
    dn = delta / n
    out.mean = a.mean + nb * dn
    out.m2 = a.m2 + b.m2 + delta * dn * na * nb
    out.m3 = (
        a.m3 + b.m3
        + delta * dn * dn * na * nb * (na - nb)
        + 3.0 * dn * (na * b.m2 - nb * a.m2)
    )  # fmt: skip
    out.m4 = (
        a.m4 + b.m4
        + delta * dn**3 * na * nb * (na * na - na * nb + nb * nb)
        + 6.0 * dn * dn * (na * na * b.m2 + nb * nb * a.m2)
        + 4.0 * dn * (na * b.m3 - nb * a.m3)
    )  # fmt: skip
    return out


def merge_summaries(parts: list[ColumnSummary]) -> ColumnSummary:
    """Merge block summaries in block order."""
    out = ColumnSummary()
    with np.errstate(over="ignore", invalid="ignore"):
        for part in parts:
            out = _merge_two(out, part)
    return out


def sample_positions(n_rows: int, size: int, random_state: object) -> np.ndarray:
    """Global row positions of the random sample, in random order.

    Chosen on the driver from the total row count only, so the sample does not
    depend on how the rows are split into blocks.
    """
    rng = np.random.default_rng(random_state)
    if n_rows <= size:
        return rng.permutation(n_rows)
    return rng.choice(n_rows, size=size, replace=False, shuffle=True)

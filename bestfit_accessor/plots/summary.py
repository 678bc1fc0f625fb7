"""What a plot of one column is drawn from: its fine histogram, moments and a sample.

A :class:`ColumnPlotData` holds the summaries the fit computes anyway (the merged
histogram on the fit's own bin layout, the merged moments, the bounded random
sample), in data units. Its size depends on the bin count and the sample size,
never on the number of rows, so a plot of a billion-row column costs the driver
what a plot of ten thousand rows does.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ColumnPlotData", "coarsen"]


@dataclass(frozen=True)
class ColumnPlotData:
    """The summaries of one column that every plot of it is drawn from.

    ``edges``/``counts`` are the fine histogram of the values the distributions
    were fitted to (a point mass the fit set aside is left out and described by
    ``point_mass`` and ``point_mass_count``). ``sample`` is a uniform random sample
    of the finite values (the point mass included), sorted. The moments describe
    every finite value: ``sd`` with ``n − 1``, ``skewness`` and ``kurtosis`` the
    moment estimators (``kurtosis`` is Pearson's: 3 for a normal).
    """

    label: Hashable
    edges: np.ndarray
    counts: np.ndarray
    sample: np.ndarray
    n: int
    vmin: float
    vmax: float
    mean: float
    sd: float
    skewness: float
    kurtosis: float
    point_mass: float | None = None
    point_mass_count: int = 0

    @classmethod
    def from_profile(cls, profile: Any, sample_size: int) -> ColumnPlotData:
        """From a :class:`bestfit_accessor.pipeline.ColumnProfile` (standardised units)."""
        center, spread = profile.center, profile.spread
        edges = center + spread * np.asarray(profile.layout.edges, dtype=float)
        counts = np.asarray(profile.counts, dtype=np.int64)
        edges, counts = _strictly_increasing(edges, counts)
        summary = profile.summary
        slots = summary.sample_slots
        sample = summary.sample(int(slots.max()) + 1) if slots.size else np.empty(0)
        sample = np.sort(sample[:sample_size])
        n = int(summary.n)
        mass = profile.point_mass
        return cls(
            label=profile.label, edges=edges, counts=counts, sample=sample, n=n,
            vmin=float(summary.vmin), vmax=float(summary.vmax), mean=float(summary.mean),
            sd=float(np.sqrt(summary.m2 / (n - 1))) if n > 1 else float("nan"),
            skewness=float(summary.skewness), kurtosis=float(summary.excess_kurtosis + 3.0),
            point_mass=None if mass is None else float(mass.value),
            point_mass_count=0 if mass is None else int(mass.count),
        )  # fmt: skip

    # -- what the plots read -------------------------------------------------------------
    @property
    def n_binned(self) -> int:
        """Values in the histogram (the finite values other than a point mass)."""
        return int(self.counts.sum())

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays: bounded by the bin count and the sample size."""
        return int(self.edges.nbytes + self.counts.nbytes + self.sample.nbytes)

    @property
    def fitted_sample(self) -> np.ndarray:
        """The sorted sample without the point mass: the values the fits describe."""
        if self.point_mass is None:
            return self.sample
        return self.sample[self.sample != self.point_mass]

    def density(self) -> np.ndarray:
        """Histogram density per bin: integrates to 1 over ``edges``."""
        return self.counts / (self.n_binned * np.diff(self.edges))

    def ecdf_at_edges(self) -> np.ndarray:
        """The empirical CDF of every binned value at each edge (exact there)."""
        return np.concatenate([[0.0], np.cumsum(self.counts)]) / self.n_binned

    def quantiles(self, p: Any) -> np.ndarray:
        """Quantiles read from the histogram (linear within a bin, so within a bin width)."""
        cdf = self.ecdf_at_edges()
        keep = np.concatenate([[True], np.diff(cdf) > 0])  # empty bins add no information
        return np.interp(np.asarray(p, dtype=float), cdf[keep], self.edges[keep])

    def describe_point_mass(self) -> str:
        if self.point_mass is None:
            return ""
        share = self.point_mass_count / self.n if self.n else 0.0
        return f"point mass at {self.point_mass:g} ({100 * share:.1f}%) left out"


def _strictly_increasing(edges: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge bins that became empty-width when mapped back to data units (rounding)."""
    wide = np.diff(edges) > 0
    if wide.all():
        return edges, counts
    owner = np.maximum(np.cumsum(wide) - 1, 0)  # a zero-width bin joins the wide bin before it
    merged = np.bincount(owner, weights=counts, minlength=int(wide.sum()))
    return np.concatenate([edges[:1], edges[1:][wide]]), merged.astype(np.int64)


def coarsen(edges: np.ndarray, counts: np.ndarray, lo: float, hi: float, target: int,
            log: bool = False) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Group the fine bins overlapping ``[lo, hi]`` into about ``target`` display bins.

    Bins are grouped by where their right edge falls on a uniform grid over
    ``[lo, hi]`` (in ``log x`` when ``log``), so the fine layout's geometric tail
    bins and its log core both come out evenly spaced; a bin wider than the grid
    step stays alone. Counts are summed, so densities stay exact per display bin.
    """
    inside = np.flatnonzero((edges[1:] > lo) & (edges[:-1] < hi))
    if inside.size == 0:
        return edges[:1], counts[:0]
    first, last = int(inside[0]), int(inside[-1])
    sub_edges, sub_counts = edges[first : last + 2], counts[first : last + 1]
    t = np.log(sub_edges) if log else sub_edges
    t_lo, t_hi = (np.log(lo), np.log(hi)) if log else (lo, hi)
    step = (t_hi - t_lo) / max(int(target), 1)
    group = np.floor((t[1:] - t_lo) / step * (1 - 1e-12)).astype(np.int64)
    group = np.maximum.accumulate(group)
    starts = np.flatnonzero(np.concatenate([[True], np.diff(group) > 0]))
    grouped_edges = np.concatenate([sub_edges[starts], sub_edges[-1:]])
    return grouped_edges, np.add.reduceat(sub_counts, starts)

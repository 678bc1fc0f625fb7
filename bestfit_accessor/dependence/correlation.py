"""Distributed passes for dependence between columns: correlation and normal scores.

Every pass is one Ray task per row block returning a few numbers per column
(:mod:`bestfit_accessor.correlation`); the driver merges them. For Modin input the
rows stay in their partitions. A row with NaN or ±inf in any selected column is
left out of every statistic and counted once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from .. import frames, runtime
from ..exceptions import InsufficientDataError
from ..options import Options, validate
from ..summaries.comoments import (
    RANK_BINS,
    CoMoments,
    RankEdges,
    bin_index,
    comoments,
    correlation_matrix,
    design_rank_edges,
    finite_rows,
    merge_all,
    midranks,
    rank_error,
    spearman_bound,
)
from ..summaries.moments import sample_positions
from .mass_scores import ScoreTable

__all__ = ["CORR_METHODS", "Z_CLIP", "corr_frame", "normal_score_stats"]

CORR_METHODS = ("pearson", "spearman")
#: Values per column sampled to place the Spearman rank bins.
RANK_SAMPLE = 16 * RANK_BINS
#: The sample positions are fixed, so the result does not depend on partitioning.
RANK_SAMPLE_SEED = 0x5EED
#: Normal scores are clipped to Φ⁻¹(1 − 1e-12) (F clipped to [1e-12, 1 − 1e-12]).
Z_CLIP = float(-ndtri(1e-12))


def block_values(block: Any, positions: Sequence[int]) -> np.ndarray:
    """The selected columns of a block as a (k, n) float64 array (inside tasks)."""
    if isinstance(block, np.ndarray) and list(positions) == list(range(block.shape[0])):
        return block
    return np.stack([frames.block_column(block, p) for p in positions]) if len(positions) else \
        np.empty((0, 0))  # fmt: skip


def _pearson_block(block: Any, positions: list[int]) -> CoMoments:
    return comoments(block_values(block, positions))


def _scan_block(block: Any, positions: list[int], local: np.ndarray) -> tuple:
    """Complete-row count, per-column min/max and sampled values of one block."""
    x = block_values(block, positions)
    keep = finite_rows(x)
    complete = x[:, keep]
    if complete.shape[1]:
        lo, hi = complete.min(axis=1), complete.max(axis=1)
    else:
        lo = np.full(x.shape[0], np.inf)
        hi = np.full(x.shape[0], -np.inf)
    sampled = x[:, local].copy()
    sampled[:, ~keep[local]] = np.nan
    return int(keep.sum()), lo, hi, sampled


def _count_block(block: Any, positions: list[int], edges: list[RankEdges]) -> list[np.ndarray]:
    x = block_values(block, positions)
    x = x[:, finite_rows(x)]
    return [np.bincount(bin_index(row, e), minlength=e.n_bins) for row, e in zip(x, edges,
            strict=True)]  # fmt: skip


def _rank_block(block: Any, positions: list[int], edges: list[RankEdges],
                ranks: list[np.ndarray]) -> CoMoments:  # fmt: skip
    x = block_values(block, positions)
    keep = finite_rows(x)
    dropped = int(x.shape[1] - keep.sum())
    x = x[:, keep]
    mid = np.empty(x.shape)
    for i, (row, e, r) in enumerate(zip(x, edges, ranks, strict=True)):
        mid[i] = np.take(r, bin_index(row, e))
    stats = comoments(mid)
    stats.n_dropped = dropped
    return stats


def _normal_score_block(block: Any, positions: list[int],
                        tables: list[ScoreTable]) -> CoMoments:  # fmt: skip
    x = block_values(block, positions)
    keep = finite_rows(x)
    dropped = int(x.shape[1] - keep.sum())
    x = x[:, keep]
    z = np.empty(x.shape)
    for i, (row, table) in enumerate(zip(x, tables, strict=True)):
        z[i] = np.clip(table.to_z(row), -Z_CLIP, Z_CLIP)
    stats = comoments(z)
    stats.n_dropped = dropped
    return stats


def _check_rows(stats: CoMoments, labels: list) -> None:
    if stats.n < 2:
        raise InsufficientDataError(
            f"columns {labels} have {stats.n} complete rows ({stats.n_dropped} rows with NaN "
            "or ±inf dropped); at least 2 are needed for a correlation"
        )


def _labelled(matrix: np.ndarray, labels: list, **attrs: Any) -> pd.DataFrame:
    index = pd.Index(labels, tupleize_cols=False)
    out = pd.DataFrame(matrix, index=index, columns=index.copy())
    out.attrs.update(attrs)
    return out


def corr_frame(obj: Any, columns: Any = None, *, method: str = "pearson") -> pd.DataFrame:
    """Correlation matrix of the selected columns, computed in Ray tasks."""
    method = validate("method", method, Options(*CORR_METHODS))
    blocks = frames.to_blocks(obj, columns)
    labels = list(blocks.labels)
    if method == "pearson":
        parts = runtime.map_blocks(_pearson_block, blocks.refs, [(blocks.positions,)] * len(
            blocks.refs), label="co-moments")  # fmt: skip
        stats = merge_all(parts)
        _check_rows(stats, labels)
        return _labelled(correlation_matrix(stats), labels, method="pearson", n_obs=stats.n,
                         n_dropped=stats.n_dropped)  # fmt: skip
    return _spearman(blocks, labels)


def _spearman(blocks: frames.BlockSet, labels: list) -> pd.DataFrame:
    k = len(labels)
    positions = np.sort(sample_positions(blocks.n_rows, RANK_SAMPLE, RANK_SAMPLE_SEED))
    per_block = [(blocks.positions, local) for local in blocks.local_positions(positions)]
    scans = runtime.map_blocks(_scan_block, blocks.refs, per_block, label="rank sample")
    n_complete = sum(s[0] for s in scans)
    if n_complete < 2:
        _check_rows(CoMoments(n_complete, np.zeros(k), np.zeros((k, k)),
                              blocks.n_rows - n_complete), labels)  # fmt: skip
    vmin = np.min([s[1] for s in scans], axis=0)
    vmax = np.max([s[2] for s in scans], axis=0)
    sample = np.concatenate([s[3] for s in scans], axis=1)
    complete = blocks.n_rows <= RANK_SAMPLE  # the sample is every row: exact ranks
    edges = []
    for i in range(k):
        values = sample[i][np.isfinite(sample[i])]
        edges.append(design_rank_edges(values, float(vmin[i]), float(vmax[i]),
                                       complete=complete))  # fmt: skip
    edges_ref = runtime.put(edges)
    counted = runtime.map_blocks(_count_block, blocks.refs,
                                [(blocks.positions, edges_ref)] * len(blocks.refs),
                                label="rank histograms")  # fmt: skip
    counts = [np.sum([c[i] for c in counted], axis=0) for i in range(k)]
    ranks = [midranks(c) for c in counts]
    eps = np.array([rank_error(c, e.atoms) for c, e in zip(counts, edges, strict=True)])
    ranks_ref = runtime.put(ranks)
    parts = runtime.map_blocks(_rank_block, blocks.refs,
                              [(blocks.positions, edges_ref, ranks_ref)] * len(blocks.refs),
                              label="rank co-moments")  # fmt: skip
    stats = merge_all(parts)
    _check_rows(stats, labels)
    bound = spearman_bound(eps)
    return _labelled(
        correlation_matrix(stats), labels, method="spearman", n_obs=stats.n,
        n_dropped=stats.n_dropped,
        error_bound=float(bound.max()) if k > 1 else 0.0,
        rank_bins={label: e.n_bins for label, e in zip(labels, edges, strict=True)},
    )  # fmt: skip


def normal_score_stats(blocks: frames.BlockSet, tables: list[ScoreTable]) -> CoMoments:
    """Merged co-moments of the clipped normal scores Φ⁻¹(F̂ᵢ(xᵢ)) of every complete row."""
    tables_ref = runtime.put(list(tables))
    parts = runtime.map_blocks(_normal_score_block, blocks.refs,
                              [(blocks.positions, tables_ref)] * len(blocks.refs),
                              label="normal scores")  # fmt: skip
    return merge_all(parts)

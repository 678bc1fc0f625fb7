"""Gaussian copula: fitted from the data in Ray tasks, sampled into new frames.

Fitting: each column's marginal is its best-ranked fitted distribution; the
dependence is the Pearson correlation of the normal scores ``Φ⁻¹(F̂ᵢ(xᵢ))`` (F
clipped to [1e-12, 1 − 1e-12]), computed in a second distributed pass with
mergeable co-moments. (Pearson of normal scores estimates the Gaussian copula's
correlation directly; Spearman's ρ would first need the ``2 sin(πρ/6)``
conversion.) A matrix that is not positive definite is repaired to the nearest
correlation matrix (Higham's alternating projections) with a warning.

Sampling: rows are generated in fixed-size chunks; chunk ``c`` draws from
``SeedSequence(random_state).spawn``'s ``c``-th child, so the frame depends only on
``random_state`` and ``n``, never on how chunks are spread over Ray tasks. Each
chunk draws correlated normals ``Lz`` (``L`` the Cholesky factor) and maps every
column through a verified interpolation table of ``F⁻¹(Φ(·))``
(:mod:`bestfit_accessor.ppf`). pandas input gives a pandas frame, Modin input a
Modin frame built from the Ray tasks' partitions, a Ray Dataset a Ray Dataset.

Serialisation is JSON only; loading validates every field before use.
"""

from __future__ import annotations

import itertools
import numbers
import os
import warnings
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr

from .. import frames, runtime
from ..exceptions import InsufficientDataError, InvalidArgumentError
from ..fitting.registry import get_distribution, param_names
from ..frames import same_label
from ..results.jsonio import check_label, check_params, dump_json, is_real, load_json
from ..summaries.comoments import correlation_matrix
from .correlation import normal_score_stats
from .normal_scores import NormalScoreTable, build_table

__all__ = [
    "FORMAT",
    "CorrelationRepairWarning",
    "GaussianCopula",
    "Marginal",
    "nearest_correlation",
]

FORMAT = "bestfit_accessor.GaussianCopula"
FORMAT_VERSION = 1
SOURCES = ("pandas", "modin", "dataset")
#: Rows per independently seeded chunk. Changing it changes every sampled frame.
SAMPLE_CHUNK_ROWS = 1 << 16
#: Limits on what a copula (and its JSON) may hold.
MAX_COLUMNS = 1024
#: Asymmetry and diagonal deviation tolerated (and removed) in a correlation matrix.
SYMMETRY_TOL = 1e-12
#: A correlation matrix is valid when its smallest eigenvalue exceeds this.
MIN_EIGENVALUE = 1e-10
#: Repairs aim for at least this smallest eigenvalue.
REPAIR_EIGENVALUE = 1e-8
#: Above this many columns the correlated normals use a matrix product.
ELEMENTWISE_MAX_COLUMNS = 16


class CorrelationRepairWarning(UserWarning):
    """The estimated correlation matrix was not positive definite and was repaired."""


@dataclass(frozen=True)
class Marginal:
    """One column's distribution: a registry name and its parameters (scipy names)."""

    distribution: str
    params: Mapping[str, float]

    def frozen(self):
        """The frozen scipy distribution."""
        *shapes, loc, scale = (self.params[p] for p in param_names(self.distribution))
        return get_distribution(self.distribution)(*shapes, loc=loc, scale=scale)

    def to_dict(self) -> dict:
        return {"distribution": self.distribution, "params": dict(self.params)}


# ---------------------------------------------------------------- validation helpers


def _fail(message: str) -> InvalidArgumentError:
    return InvalidArgumentError(message)


def _check_marginal(item: object, label: object) -> Marginal:
    if isinstance(item, Marginal):
        name, params = item.distribution, item.params
    elif isinstance(item, Mapping):
        if set(item) != {"distribution", "params"}:
            raise _fail(f"marginal of column {label!r} must have exactly the keys "
                        f"'distribution' and 'params', got {sorted(map(str, item))}")  # fmt: skip
        name, params = item["distribution"], item["params"]
    elif isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2:
        name, params = item
    else:
        raise _fail(f"marginal of column {label!r} must be a (distribution, params) pair or "
                    f"a mapping, got {type(item).__name__}")  # fmt: skip
    values = check_params(name, params, f"marginal of column {label!r}")
    marginal = Marginal(name, values)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        quartiles = np.asarray(marginal.frozen().ppf([0.25, 0.5, 0.75]), dtype=float)
    if not (np.isfinite(quartiles).all() and np.all(np.diff(quartiles) >= 0)):
        raise _fail(f"marginal of column {label!r}: {values} are not valid parameters of "
                    f"{name}")  # fmt: skip
    return marginal


def _check_correlation(matrix: object, k: int) -> np.ndarray:
    if isinstance(matrix, np.ndarray):
        if matrix.dtype.kind not in "fiu":
            raise _fail(f"correlation must hold real numbers, got dtype {matrix.dtype}")
        c = matrix.astype(np.float64)
    else:
        if not isinstance(matrix, Sequence) or isinstance(matrix, str) or len(matrix) != k:
            raise _fail(f"correlation must be a {k}×{k} nested list of numbers")
        rows = []
        for row in matrix:
            if (not isinstance(row, Sequence) or isinstance(row, str) or len(row) != k
                    or not all(is_real(v) for v in row)):  # fmt: skip
                raise _fail(f"correlation must be a {k}×{k} nested list of numbers")
            rows.append([float(v) for v in row])
        c = np.array(rows, dtype=np.float64)
    if c.shape != (k, k):
        raise _fail(f"correlation must be {k}×{k} for {k} columns, got shape {c.shape}")
    if not np.isfinite(c).all():
        raise _fail("correlation holds NaN or infinite values")
    if not np.all(np.abs(c - c.T) <= SYMMETRY_TOL):
        raise _fail("correlation is not symmetric")
    if not np.all(np.abs(np.diag(c) - 1.0) <= SYMMETRY_TOL):
        raise _fail("correlation must have a unit diagonal")
    # Rounding-level asymmetry (e.g. numpy.corrcoef's) is removed; what is stored
    # and saved is exactly symmetric with an exact unit diagonal.
    c = 0.5 * (c + c.T)
    np.fill_diagonal(c, 1.0)
    if np.any(np.abs(c) > 1.0):
        raise _fail("correlation entries must lie in [-1, 1]")
    smallest = float(np.linalg.eigvalsh(c).min())
    if not smallest > MIN_EIGENVALUE:
        raise _fail(f"correlation is not positive definite (smallest eigenvalue {smallest:.3g})")
    c.setflags(write=False)
    return c


# ------------------------------------------------------------------ nearest correlation


def _psd_projection(a: np.ndarray, floor: float) -> np.ndarray:
    values, vectors = np.linalg.eigh(0.5 * (a + a.T))
    return (vectors * np.maximum(values, floor)) @ vectors.T


def nearest_correlation(a: np.ndarray, *, floor: float = REPAIR_EIGENVALUE,
                        max_iter: int = 500, tol: float = 1e-12) -> np.ndarray:  # fmt: skip
    """The correlation matrix nearest to ``a`` (Frobenius norm) with eigenvalues >= ``floor``.

    Higham (2002): alternating projections onto the positive semidefinite matrices
    (with Dykstra's correction) and onto the unit-diagonal matrices.
    """
    a = 0.5 * (np.asarray(a, dtype=np.float64) + np.asarray(a, dtype=np.float64).T)
    y = a.copy()
    correction = np.zeros_like(a)
    for _ in range(max_iter):
        r = y - correction
        x = _psd_projection(r, floor)
        correction = x - r
        y_next = x.copy()
        np.fill_diagonal(y_next, 1.0)
        change = np.linalg.norm(y_next - y) / max(np.linalg.norm(y), 1.0)
        y = y_next
        if change < tol:
            break
    # Land exactly on the set: eigenvalues above the floor, unit diagonal, symmetric.
    for _ in range(50):
        x = _psd_projection(y, floor)
        d = 1.0 / np.sqrt(np.diag(x))
        y = x * np.outer(d, d)
        y = 0.5 * (y + y.T)
        np.fill_diagonal(y, 1.0)
        if np.linalg.eigvalsh(y).min() > MIN_EIGENVALUE:
            return y
        floor *= 2.0
    return y


# ------------------------------------------------------------------------ sampling task


def _chunk_normals(rng: np.random.Generator, chol: np.ndarray, rows: int) -> np.ndarray:
    """Correlated standard normals, (k, rows). Drawn row by row, so a shorter chunk
    is a prefix of a longer one; combined element-wise for small k, which is
    bit-identical on every machine (no BLAS summation order involved)."""
    k = chol.shape[0]
    g = np.ascontiguousarray(rng.standard_normal((rows, k)).T)
    if k > ELEMENTWISE_MAX_COLUMNS:
        return chol @ g
    out = np.empty_like(g)
    for i in range(k):
        acc = g[0] * chol[i, 0]
        for j in range(1, i + 1):
            acc += g[j] * chol[i, j]
        out[i] = acc
    return out


def _generate(first_chunk: int, stop_chunk: int, n: int, chunk_rows: int, entropy: Any,
              spawn_key: tuple, chol: np.ndarray,
              tables: list[NormalScoreTable] | None) -> np.ndarray:  # fmt: skip
    """Rows of chunks ``first_chunk .. stop_chunk`` as (k, rows); uniforms if no tables."""
    start = first_chunk * chunk_rows
    stop = min(n, stop_chunk * chunk_rows)
    k = chol.shape[0]
    out = np.empty((k, stop - start))
    for c in range(first_chunk, stop_chunk):
        lo = c * chunk_rows - start
        rows = min(chunk_rows, n - c * chunk_rows)
        seed = np.random.SeedSequence(entropy, spawn_key=(*spawn_key, c))
        z = _chunk_normals(np.random.default_rng(seed), chol, rows)
        for i in range(k):
            out[i, lo:lo + rows] = ndtr(z[i]) if tables is None else tables[i].from_z(z[i])
    return out


def _sample_array(chunks: tuple[int, int], *args: Any) -> np.ndarray:
    return _generate(chunks[0], chunks[1], *args)


def _sample_partition(chunks: tuple[int, int], n: int, chunk_rows: int, entropy: Any,
                      spawn_key: tuple, chol: np.ndarray, tables: list[NormalScoreTable] | None,
                      labels: list) -> tuple[pd.DataFrame, int]:  # fmt: skip
    values = _generate(chunks[0], chunks[1], n, chunk_rows, entropy, spawn_key, chol, tables)
    start = chunks[0] * chunk_rows
    index = pd.RangeIndex(start, start + values.shape[1])
    frame = pd.DataFrame(values.T, index=index, columns=pd.Index(labels, tupleize_cols=False))
    return frame, int(values.shape[1])


def _check_n(n: object) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n < 1:
        raise InvalidArgumentError(f"n must be a positive integer number of rows, got {n!r}")
    return int(n)


def _check_fits_in_memory(n: int, k: int, kind: str) -> None:
    """Refuse a sample that cannot fit: a pandas result lives on the driver, a Modin
    or Dataset result in the cluster's memory."""
    needed = n * k * 8
    if kind == "pandas":
        available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        where = "this machine's memory"
    else:
        available = runtime.cluster_memory_bytes()
        where = "the Ray cluster's memory"
    if needed > 0.8 * available:
        raise InvalidArgumentError(
            f"n={n:,} rows × {k} columns needs {needed / 2**30:,.1f} GiB, more than "
            f"{where} ({available / 2**30:,.1f} GiB); sample fewer rows or in parts"
        )


def _seed_sequence(random_state: object) -> np.random.SeedSequence:
    """The sampling seed; validated by the same rule as every ``random_state``."""
    from ..pipeline import check_random_state

    checked = check_random_state(random_state)
    if isinstance(checked, np.random.SeedSequence):
        return checked
    return np.random.SeedSequence(checked)


# ---------------------------------------------------------------------------- the class


class GaussianCopula:
    """Marginal distributions per column joined by a Gaussian dependence structure.

    Build one with ``df.bestfit.copula(...)`` / :meth:`fit`, or directly from
    ``columns``, ``marginals`` (``(name, params)`` pairs, mappings or
    :class:`Marginal`) and a positive-definite ``correlation`` matrix. ``source`` is
    the kind of frame :meth:`sample` returns: ``"pandas"``, ``"modin"`` or
    ``"dataset"`` (a Ray Dataset).
    """

    def __init__(self, columns: Sequence[Hashable], marginals: Sequence[Any],
                 correlation: Any, *, source: str = "pandas") -> None:  # fmt: skip
        if isinstance(columns, (str, bytes)) or not isinstance(columns, (Sequence, pd.Index)):
            raise _fail("columns must be a list of column names")
        labels = list(columns)
        if not 2 <= len(labels) <= MAX_COLUMNS:
            raise _fail(f"a Gaussian copula needs between 2 and {MAX_COLUMNS} columns, got "
                        f"{len(labels)}")  # fmt: skip
        try:
            unique = len(set(labels)) == len(labels)
        except TypeError:
            raise _fail("column names must be hashable") from None
        if not unique:
            raise _fail(f"column names must be unique, got {labels}")
        if isinstance(marginals, (str, bytes, Mapping)) or not isinstance(marginals, Sequence):
            raise _fail("marginals must be a list with one entry per column")
        if len(marginals) != len(labels):
            raise _fail(f"{len(labels)} columns but {len(marginals)} marginals")
        if not isinstance(source, str) or source not in SOURCES:
            raise _fail(f"source must be one of {list(SOURCES)}, got {source!r}")
        self._columns = labels
        self._marginals = tuple(_check_marginal(m, label) for m, label in zip(marginals, labels,
                                strict=True))  # fmt: skip
        self._correlation = _check_correlation(correlation, len(labels))
        self._source = source
        self._tables: list[NormalScoreTable] | None = None
        self._chol: np.ndarray | None = None
        #: Rows the correlation was estimated from, and rows dropped for NaN/±inf
        #: (set by :meth:`fit`; ``None`` for a copula built or loaded otherwise).
        self.n_obs: int | None = None
        self.n_dropped: int | None = None

    # -- read-only views ---------------------------------------------------------------
    @property
    def columns(self) -> list[Hashable]:
        return list(self._columns)

    @property
    def marginals(self) -> dict[Hashable, Marginal]:
        """Column name → :class:`Marginal`, in column order."""
        return dict(zip(self._columns, self._marginals, strict=True))

    @property
    def correlation(self) -> pd.DataFrame:
        """The Gaussian correlation matrix, labelled by column."""
        index = pd.Index(self._columns, tupleize_cols=False)
        return pd.DataFrame(self._correlation.copy(), index=index, columns=index.copy())

    @property
    def source(self) -> str:
        return self._source

    def __repr__(self) -> str:
        parts = ", ".join(f"{c!r}: {m.distribution}" for c, m in zip(self._columns,
                          self._marginals, strict=True))  # fmt: skip
        return f"GaussianCopula({{{parts}}}, source={self._source!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GaussianCopula):
            return NotImplemented
        return (self._columns == other._columns and self._source == other._source
                and self._marginals == other._marginals
                and np.array_equal(self._correlation, other._correlation))  # fmt: skip

    __hash__ = None  # type: ignore[assignment]

    # -- fitting -------------------------------------------------------------------------
    @classmethod
    def fit(
        cls,
        obj: Any,
        fits: Any = None,
        *,
        columns: Iterable[Hashable] | None = None,
        metric: str = "aic",
        distributions: Any = None,
        random_state: int | None = None,
        backend: Any = None,
    ) -> GaussianCopula:
        """Fit a copula to the columns of ``obj`` (pandas, Modin or Ray Dataset).

        Marginals are each column's best row of ``fits`` (the results frame of
        ``.bestfit.fit()`` or a seed-API ``FitResults``: status ``ok``, lowest
        ``metric``); without ``fits`` the columns are fitted now with
        ``distributions`` (default set) and ``random_state``. The correlation is
        that of the normal scores, computed in Ray tasks over the rows that are
        finite in every selected column.

        The seed API's order ``GaussianCopula.fit(results, df)`` is accepted too;
        ``backend`` is accepted for it and ignored (the work always runs on Ray).
        """
        from ..pipeline import fit_frame
        from ..results.frame import check_metric

        del backend
        if _results_frame(obj) is not None and fits is not None and _results_frame(fits) is None:
            obj, fits = fits, obj  # the seed API's argument order
        if fits is not None:
            frame = _results_frame(fits)
            if frame is None:
                raise InvalidArgumentError(
                    "fits must be the DataFrame returned by .bestfit.fit() (or a FitResults), "
                    f"got {type(fits).__name__}"
                )
            fits = frame
        metric = check_metric(metric)
        selected = None if columns is None else _as_label_list(columns)
        if fits is None:
            fits = fit_frame(obj, selected, distributions=distributions, metric=metric,
                             random_state=random_state)  # fmt: skip
        labels, marginals = _best_marginals(fits, selected, metric)
        if len(labels) < 2:
            raise InvalidArgumentError(
                f"a Gaussian copula needs at least two columns, got {labels}"
            )
        blocks = frames.to_blocks(obj, labels)
        tables = [build_table(m.distribution, m.params) for m in marginals]
        stats = normal_score_stats(blocks, tables)
        if stats.n < 3:
            raise InsufficientDataError(
                f"columns {labels} have {stats.n} rows finite in every column; a copula "
                "needs at least 3"
            )
        corr = correlation_matrix(stats)
        constant = [label for label, v in zip(labels, np.diag(corr), strict=True)
                    if not np.isfinite(v)]  # fmt: skip
        if constant:
            raise InsufficientDataError(
                f"the normal scores of {constant} are constant under their fitted marginals; "
                "no correlation can be estimated"
            )
        corr = 0.5 * (corr + corr.T)
        np.fill_diagonal(corr, 1.0)
        smallest = float(np.linalg.eigvalsh(corr).min())
        if not smallest > MIN_EIGENVALUE:
            repaired = nearest_correlation(corr)
            warnings.warn(
                f"the normal-score correlation of {labels} is not positive definite "
                f"(smallest eigenvalue {smallest:.3g}); using the nearest correlation matrix "
                f"(largest change {np.abs(repaired - corr).max():.3g})",
                CorrelationRepairWarning,
                stacklevel=2,
            )
            corr = repaired
        source = {"modin": "modin", "dataset": "dataset"}.get(blocks.source, "pandas")
        copula = cls(labels, marginals, corr, source=source)
        copula._tables = tables
        copula.n_obs = stats.n
        copula.n_dropped = stats.n_dropped
        return copula

    # -- sampling ------------------------------------------------------------------------
    def _prepared(self, tables: bool = True) -> tuple[list[NormalScoreTable] | None, np.ndarray]:
        """The marginals' inverse-CDF tables (built once) and the Cholesky factor."""
        if tables and self._tables is None:
            self._tables = [build_table(m.distribution, m.params) for m in self._marginals]
        if self._chol is None:
            self._chol = np.linalg.cholesky(self._correlation)
        return (self._tables if tables else None), self._chol

    def sample(
        self,
        n: int,
        *,
        random_state: int | np.random.SeedSequence | None = None,
        n_partitions: int | None = None,
        kind: str | None = None,
        return_uniform: bool = False,
    ) -> Any:
        """A new frame of ``n`` rows drawn from the copula, generated in Ray tasks.

        Columns are the copula's, in order. The frame kind is the source's (pandas,
        Modin built from Ray partitions with a clean RangeIndex, or Ray Dataset)
        unless ``kind`` says otherwise. The same ``random_state`` gives the same
        frame whatever ``n_partitions`` (default: the cluster's CPU count, at most
        one per 65 536-row chunk). ``return_uniform=True`` gives the copula's
        uniform margins ``Φ(z)`` instead of marginal values.
        """
        n = _check_n(n)
        seed = _seed_sequence(random_state)
        kind = self._source if kind is None else kind
        if not isinstance(kind, str) or kind not in SOURCES:
            raise InvalidArgumentError(f"kind must be one of {list(SOURCES)}, got {kind!r}")
        _check_fits_in_memory(n, len(self._columns), kind)
        n_chunks = -(-n // SAMPLE_CHUNK_ROWS)
        if n_partitions is None:
            n_partitions = runtime.total_cpus()
        elif (isinstance(n_partitions, bool) or not isinstance(n_partitions, numbers.Integral)
              or n_partitions < 1):  # fmt: skip
            raise InvalidArgumentError(
                f"n_partitions must be a positive integer, got {n_partitions!r}"
            )
        n_parts = min(int(n_partitions), n_chunks)
        bounds = np.linspace(0, n_chunks, n_parts + 1).round().astype(np.int64)
        ranges = [(int(a), int(b)) for a, b in itertools.pairwise(bounds)]
        tables, chol = self._prepared(tables=not return_uniform)
        tables_ref = runtime.put(tables)
        common = (n, SAMPLE_CHUNK_ROWS, seed.entropy, tuple(seed.spawn_key), chol, tables_ref)
        if kind == "pandas":
            parts = runtime.map_blocks(_sample_array, ranges, [common] * len(ranges))
            values = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
            columns = pd.Index(self._columns, tupleize_cols=False)
            return pd.DataFrame(values.T, columns=columns, copy=False)
        refs, lengths = runtime.map_to_refs(
            _sample_partition, [(r, *common, self._columns) for r in ranges]
        )
        if kind == "modin":
            return frames.modin_from_partitions(refs, lengths, self._columns)
        return runtime.dataset_from_pandas_refs(refs)

    def sample_distributed(self, n: int, backend: Any = None, num_partitions: int | None = None,
                           random_seed: int | None = None,
                           return_uniform: bool = False) -> Any:  # fmt: skip
        """Seed-API spelling of :meth:`sample` (``backend`` is ignored: always Ray)."""
        del backend
        return self.sample(n, random_state=random_seed, n_partitions=num_partitions,
                           return_uniform=return_uniform)  # fmt: skip

    @property
    def column_names(self) -> list[Hashable]:
        """Seed-API name of :attr:`columns`."""
        return self.columns

    @property
    def correlation_matrix(self) -> np.ndarray:
        """Seed-API name of :attr:`correlation`, as a plain array."""
        return self._correlation.copy()

    def save(self, path: str | os.PathLike, format: str | None = None,
             indent: int | None = 2) -> None:  # fmt: skip
        """Seed-API spelling of :meth:`to_json`; JSON only (pickle is refused)."""
        if format not in (None, "json"):
            raise InvalidArgumentError(f"only JSON is supported (no pickle), got {format!r}")
        self.to_json(path, indent=indent)

    @classmethod
    def load(cls, path: str | os.PathLike) -> GaussianCopula:
        """Seed-API spelling of :meth:`from_json`."""
        return cls.from_json(path)

    # -- serialisation -------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Plain JSON-ready data: format, version, source, columns, marginals, correlation."""
        columns = [check_label(c, "to_dict") for c in self._columns]
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "source": self._source,
            "columns": columns,
            "marginals": [m.to_dict() for m in self._marginals],
            "correlation": self._correlation.tolist(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GaussianCopula:
        """Rebuild a copula from :meth:`to_dict` data, validating every field."""
        if not isinstance(data, Mapping):
            raise _fail(f"a copula must be a JSON object, got {type(data).__name__}")
        expected = {"format", "version", "source", "columns", "marginals", "correlation"}
        keys = set(data)
        if keys != expected:
            missing, extra = sorted(expected - keys), sorted(map(str, keys - expected))
            raise _fail(f"copula fields must be {sorted(expected)}; missing {missing}, "
                        f"unexpected {extra}")  # fmt: skip
        if data["format"] != FORMAT:
            raise _fail(f"not a saved GaussianCopula (format {data['format']!r})")
        version = data["version"]
        if isinstance(version, bool) or version != FORMAT_VERSION:
            raise _fail(f"unsupported copula format version {version!r}; this is "
                        f"version {FORMAT_VERSION}")  # fmt: skip
        columns = data["columns"]
        if not isinstance(columns, list):
            raise _fail("columns must be a list of column names")
        if len(columns) > MAX_COLUMNS:
            raise _fail(f"a copula holds at most {MAX_COLUMNS} columns, got {len(columns)}")
        labels = [check_label(c, "columns") for c in columns]
        marginals = data["marginals"]
        if not isinstance(marginals, list) or not all(isinstance(m, Mapping) for m in marginals):
            raise _fail("marginals must be a list of {'distribution', 'params'} objects")
        correlation = data["correlation"]
        if isinstance(correlation, np.ndarray):
            correlation = correlation.tolist()
        return cls(labels, marginals, correlation, source=data["source"])

    def to_json(self, path: str | os.PathLike | None = None, *, indent: int | None = 2) -> str:
        """The copula as JSON text; written to ``path`` too when given (atomically)."""
        return dump_json(self.to_dict(), path, indent=indent)

    @classmethod
    def from_json(cls, source: str | os.PathLike) -> GaussianCopula:
        """Load a copula from a JSON file path, or from JSON text (starting with ``{``).

        Everything is validated before use (see :meth:`from_dict`); the file may be
        at most ``MAX_JSON_BYTES`` and nothing in it is executed or unpickled.
        """
        data = load_json(source, "a saved copula")
        return cls.from_dict(data)


_RESULT_FIELDS = frozenset({"column", "distribution", "params", "status"})


def _results_frame(obj: object) -> pd.DataFrame | None:
    """The results table of a ``.bestfit.fit()`` frame or a ``FitResults``; else None."""
    frame = obj if isinstance(obj, pd.DataFrame) else getattr(obj, "df", None)
    if isinstance(frame, pd.DataFrame) and _RESULT_FIELDS <= set(frame.columns):
        return frame
    return None


def _as_label_list(columns: Any) -> list:
    if isinstance(columns, (list, tuple, pd.Index)):
        return list(columns)
    return [columns]


def _best_marginals(fits: pd.DataFrame, selected: list | None,
                    metric: str) -> tuple[list, list[Marginal]]:  # fmt: skip
    """Each column's best usable row of a results frame: status ok, lowest ``metric``."""
    if not isinstance(fits, pd.DataFrame):
        raise InvalidArgumentError(
            f"fits must be the DataFrame returned by .bestfit.fit(), got {type(fits).__name__}"
        )
    needed = {"column", "distribution", "params", "status", metric}
    missing = sorted(needed - set(fits.columns))
    if missing:
        raise InvalidArgumentError(f"fits lacks the columns {missing}; pass the DataFrame "
                                   "returned by .bestfit.fit()")  # fmt: skip
    score = pd.to_numeric(fits[metric], errors="coerce").astype(float)
    usable = fits[(fits["status"] == "ok") & np.isfinite(score)].copy()
    usable["_score"] = score[usable.index]
    usable = usable.sort_values("_score", kind="mergesort")
    present = list(dict.fromkeys(fits["column"]))
    labels = present if selected is None else selected
    marginals = []
    for label in labels:
        rows = usable[[same_label(c, label) for c in usable["column"]]]
        if rows.empty:
            known = any(same_label(c, label) for c in present)
            where = "has no successful fit in fits" if known else "is not in fits"
            raise InvalidArgumentError(f"column {label!r} {where}")
        best = rows.iloc[0]
        params = best["params"]
        if not isinstance(params, Mapping):
            raise InvalidArgumentError(f"the best fit of column {label!r} has no parameters")
        marginals.append(_check_marginal((best["distribution"], dict(params)), label))
    return labels, marginals

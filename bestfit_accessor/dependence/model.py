"""The Gaussian copula model: columns, marginals, a correlation matrix and a source kind.

The class holds validated parts and delegates the work: fitting to
:mod:`.fit_copula`, sampling to :mod:`.sampling`, matrix checks to :mod:`.linalg`,
marginal checks to :mod:`.marginal`. Serialisation is JSON only; loading
validates every field before use.
"""

from __future__ import annotations

import html
import os
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import frames
from ..exceptions import InvalidArgumentError
from ..results.display import correlation_html, format_params, marginals_html, matrix_text
from ..results.jsonio import check_label, dump_json, load_json
from . import sampling
from .linalg import check_correlation, cholesky
from .marginal import Marginal, check_marginal
from .mass_scores import ScoreTable, build_score_table

__all__ = ["FORMAT", "FORMAT_VERSION", "MAX_COLUMNS", "GaussianCopula"]

FORMAT = "bestfit_accessor.GaussianCopula"
FORMAT_VERSION = 1
#: Limits on what a copula (and its JSON) may hold.
MAX_COLUMNS = 1024


def _check_columns(columns: object) -> list[Hashable]:
    if isinstance(columns, (str, bytes)) or not isinstance(columns, (Sequence, pd.Index)):
        raise InvalidArgumentError("columns must be a list of column names")
    labels = list(columns)
    if not 2 <= len(labels) <= MAX_COLUMNS:
        raise InvalidArgumentError(
            f"a Gaussian copula needs between 2 and {MAX_COLUMNS} columns, got {len(labels)}"
        )
    try:
        unique = len(set(labels)) == len(labels)
    except TypeError:
        raise InvalidArgumentError("column names must be hashable") from None
    if not unique:
        raise InvalidArgumentError(f"column names must be unique, got {labels}")
    return labels


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
        labels = _check_columns(columns)
        if isinstance(marginals, (str, bytes, Mapping)) or not isinstance(marginals, Sequence):
            raise InvalidArgumentError("marginals must be a list with one entry per column")
        if len(marginals) != len(labels):
            raise InvalidArgumentError(f"{len(labels)} columns but {len(marginals)} marginals")
        kinds = frames.adapter_names()
        if not isinstance(source, str) or source not in kinds:
            raise InvalidArgumentError(f"source must be one of {kinds}, got {source!r}")
        self._columns = labels
        self._marginals = tuple(check_marginal(m, label) for m, label in zip(marginals, labels,
                                strict=True))  # fmt: skip
        self._correlation = check_correlation(correlation, len(labels))
        self._source = source
        self._tables: list[ScoreTable] | None = None
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

    # -- display -----------------------------------------------------------------------
    def _headline(self) -> str:
        rows = "" if self.n_obs is None else f", fitted on {self.n_obs:,} rows"
        return f"GaussianCopula: {len(self._columns)} columns, source {self._source!r}{rows}"

    def __repr__(self) -> str:
        width = max(len(str(c)) for c in self._columns)
        marginals = [f"  {c!s:<{width}}  {m.distribution}({format_params(m.params)})"
                     + m.describe()[len(m.distribution):]
                     for c, m in zip(self._columns, self._marginals, strict=True)]  # fmt: skip
        return "\n".join([self._headline(), "marginals:", *marginals, "correlation:",
                          matrix_text(self._correlation, self._columns)])  # fmt: skip

    def _repr_html_(self) -> str:
        """Jupyter's view: the marginals table and the correlation matrix, shaded."""
        names = [m.describe() for m in self._marginals]
        marginals = marginals_html(self._columns, names,
                                   [m.params for m in self._marginals], "marginals")
        correlation = correlation_html(self._correlation, self._columns, "Gaussian correlation")
        return (f"<div><p><b>{html.escape(self._headline())}</b></p>{marginals}"
                f"<br>{correlation}</div>")  # fmt: skip

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
        distributions: Any = "auto",
        random_state: int | None = None,
        backend: Any = None,
    ) -> GaussianCopula:
        """Fit a copula to the columns of ``obj`` (pandas, Modin or Ray Dataset).

        Marginals are each column's best row of ``fits`` (the results frame of
        ``.bestfit.fit()`` or a seed-API ``FitResults``: status ``ok``, lowest
        ``metric``); without ``fits`` the columns are fitted now with
        ``distributions`` (``"auto"``: count families for columns of counts, the
        default continuous set otherwise) and ``random_state``. The correlation is
        that of the normal scores, computed in Ray tasks over the rows that are
        finite in every selected column. The copula samples frames of ``obj``'s kind.

        The seed API's order ``GaussianCopula.fit(results, df)`` is accepted too;
        ``backend`` is accepted for it and ignored (the work always runs on Ray).
        """
        from .fit_copula import estimate_copula

        del backend
        found = estimate_copula(obj, fits, columns=columns, metric=metric,
                                distributions=distributions, random_state=random_state,
                                stacklevel=3)  # fmt: skip
        copula = cls(found.labels, found.marginals, found.correlation, source=found.source)
        copula._tables = found.tables
        copula.n_obs = found.n_obs
        copula.n_dropped = found.n_dropped
        return copula

    # -- sampling ------------------------------------------------------------------------
    def _prepared(self, tables: bool = True) -> tuple[list[ScoreTable] | None, np.ndarray]:
        """The marginals' inverse-CDF tables (built once) and the Cholesky factor."""
        if tables and self._tables is None:
            self._tables = [build_score_table(m) for m in self._marginals]
        if self._chol is None:
            self._chol = cholesky(self._correlation)
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
        n = sampling.check_n(n)
        seed = sampling.seed_sequence(random_state)
        adapter = sampling.output_adapter(self._source if kind is None else kind)
        sampling.check_fits_in_memory(n, len(self._columns), adapter)
        ranges = sampling.chunk_ranges(n, n_partitions)
        tables, chol = self._prepared(tables=not return_uniform)
        return sampling.sample_frame(adapter, ranges, n, seed, chol, tables, self._columns)

    def plot(self, df: Any, sample: Any, *, size: int = 5000, method: str = "spearman",
             random_state: int | None = 0, fig: Any = None) -> Any:  # fmt: skip
        """Original rows of ``df`` and synthetic rows of ``sample`` pair by pair, and their
        correlation matrices side by side; the matplotlib Figure.

        Each frame gives a random sample of at most ``size`` rows and its ``method``
        correlation over every row, computed in Ray tasks (see
        :mod:`bestfit_accessor.plots`). Needs matplotlib (the ``plot`` extra).
        """
        from ..plots.gather import plot_copula_of

        return plot_copula_of(self, df, sample, size=size, method=method,
                              random_state=random_state, fig=fig)  # fmt: skip

    # -- the seed API's spellings --------------------------------------------------------
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
            raise InvalidArgumentError(f"a copula must be a JSON object, got {type(data).__name__}")
        expected = {"format", "version", "source", "columns", "marginals", "correlation"}
        keys = set(data)
        if keys != expected:
            missing, extra = sorted(expected - keys), sorted(map(str, keys - expected))
            raise InvalidArgumentError(f"copula fields must be {sorted(expected)}; missing "
                                       f"{missing}, unexpected {extra}")  # fmt: skip
        if data["format"] != FORMAT:
            raise InvalidArgumentError(f"not a saved GaussianCopula (format {data['format']!r})")
        version = data["version"]
        if isinstance(version, bool) or version != FORMAT_VERSION:
            raise InvalidArgumentError(f"unsupported copula format version {version!r}; this is "
                                       f"version {FORMAT_VERSION}")  # fmt: skip
        columns = data["columns"]
        if not isinstance(columns, list):
            raise InvalidArgumentError("columns must be a list of column names")
        if len(columns) > MAX_COLUMNS:
            raise InvalidArgumentError(
                f"a copula holds at most {MAX_COLUMNS} columns, got {len(columns)}"
            )
        labels = [check_label(c, "columns") for c in columns]
        marginals = data["marginals"]
        if not isinstance(marginals, list) or not all(isinstance(m, Mapping) for m in marginals):
            raise InvalidArgumentError("marginals must be a list of {'distribution', 'params'} "
                                       "objects")  # fmt: skip
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

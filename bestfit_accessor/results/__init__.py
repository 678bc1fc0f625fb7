"""The results of a fit: the declared schema, ranking, the scipy view and storage.

- :mod:`.schema` — the one declaration of a fit record (fields, dtypes, units);
- :mod:`.ranking` — the one rule for the best rows of each column;
- :mod:`.display` — the top-k table and the text/HTML views of fits and copulas;
- :mod:`.scipy_view` — a row's parameters and frozen scipy distribution;
- :mod:`.storage` — JSON, Parquet and CSV in and out, validated by the schema;
- :mod:`.jsonio` — safe JSON helpers shared with the copula's files.
"""

from .display import top
from .ranking import best_rows, build_results, check_metric
from .schema import (
    FIELDS,
    METRICS,
    RESULT_COLUMNS,
    Field,
    empty_frame,
    failed_record,
    new_record,
    to_data_units,
)
from .scipy_view import params_of, to_scipy
from .storage import (
    fits_from_csv,
    fits_from_json,
    fits_from_parquet,
    fits_to_csv,
    fits_to_json,
    fits_to_parquet,
)

__all__ = [
    "FIELDS",
    "METRICS",
    "RESULT_COLUMNS",
    "Field",
    "best_rows",
    "build_results",
    "check_metric",
    "empty_frame",
    "failed_record",
    "fits_from_csv",
    "fits_from_json",
    "fits_from_parquet",
    "fits_to_csv",
    "fits_to_json",
    "fits_to_parquet",
    "new_record",
    "params_of",
    "to_data_units",
    "to_scipy",
    "top",
]

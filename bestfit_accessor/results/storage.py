"""Saving and loading results frames: JSON, Parquet and CSV, validated by the schema.

Every loader turns its file into plain Python values and runs the same check of
every field against :data:`.schema.FIELDS` (types, bounds, statuses, registry names,
finite parameters), so a hostile or damaged file is an :class:`InvalidArgumentError`
naming the row and field, never a half-built frame. Every writer runs the same check
first, so what is saved loads back. A round trip gives a frame equal to the
original, dtypes included; the index is not stored (results frames have a
RangeIndex).

- JSON: ``{"format": "bestfit_accessor.fits", "version": 1, "rows": [...]}``.
- Parquet (needs pyarrow): ``params`` is an Arrow ``map<string, double>``, so each
  row keeps its own keys and ``pd.read_parquet`` plus :func:`.to_scipy` work too.
  :func:`fits_from_parquet` also reads a plain ``fits.to_parquet()`` file.
- CSV: ``params`` is a JSON object string; an empty cell is a missing value. CSV
  has no types: column names that are all integer text come back as integers.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..discrete.registry import discrete_param_counts, is_discrete_name
from ..exceptions import BestFitError, InvalidArgumentError, MissingDependencyError
from ..fitting.registry import param_names
from .jsonio import MAX_NAME_CHARS, check_label, dump_json, is_real, load_json, reject_constant
from .schema import BY_NAME, FIELDS, FITS_VERSION, RESULT_COLUMNS, Field, apply_dtypes
from .scipy_view import normalize_params

__all__ = [
    "FITS_FORMAT",
    "MAX_SAVED_ROWS",
    "fits_from_csv",
    "fits_from_json",
    "fits_from_parquet",
    "fits_to_csv",
    "fits_to_json",
    "fits_to_parquet",
]

FITS_FORMAT = "bestfit_accessor.fits"
#: Most rows a saved fits file may hold.
MAX_SAVED_ROWS = 1_000_000
#: Largest CSV or Parquet file a loader opens.
MAX_FILE_BYTES = 1024**3
MAX_MESSAGE_CHARS = 100_000
#: Key of the Parquet schema metadata holding the format and version.
PARQUET_METADATA_KEY = b"bestfit_accessor"

_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER_TEXT = re.compile(r"[+-]?\d{1,20}")
_CANONICAL_INTEGER = re.compile(r"-?(?:0|[1-9]\d{0,18})")


# -- the one check of a saved row -------------------------------------------------------
def _fields_of(version: int | None) -> tuple[list[Field], list[Field]]:
    """(required, optional) fields of a file of ``version`` (``None``: unknown)."""
    if version is None:
        return [f for f in FIELDS if f.since == 1], [f for f in FIELDS if f.since > 1]
    return [f for f in FIELDS if f.since <= version], []


def _check_names(present: list[str], version: int | None, where: str) -> None:
    required, optional = _fields_of(version)
    needed = {f.name for f in required}
    allowed = needed | {f.name for f in optional}
    missing = sorted(needed - set(present))
    unexpected = sorted(map(str, set(present) - allowed))
    if missing or unexpected or len(present) != len(set(present)):
        raise InvalidArgumentError(f"{where} must have the fields {sorted(needed)}; missing "
                                   f"{missing}, unexpected {unexpected}")  # fmt: skip


def _check_value(f: Field, value: Any, where: str) -> Any:
    """One plain value (``None`` when missing) checked against its field."""
    if value is None:
        if not f.nullable:
            raise InvalidArgumentError(f"{where}: {f.name} must not be missing")
        return math.nan if f.dtype == "float64" else None
    if f.dtype == "label":
        return check_label(value, where)
    if f.dtype == "text":
        limit = MAX_NAME_CHARS if f.name == "distribution" else MAX_MESSAGE_CHARS
        if not isinstance(value, str) or len(value) > limit:
            raise InvalidArgumentError(f"{where}: {f.name} must be a string of at most "
                                       f"{limit} characters")  # fmt: skip
        if f.choices is not None and value not in f.choices:
            raise InvalidArgumentError(f"{where}: {f.name} must be one of {list(f.choices)}, "
                                       f"got {value!r}")  # fmt: skip
        return value
    if f.dtype == "bool":
        if not isinstance(value, bool):
            raise InvalidArgumentError(f"{where}: {f.name} must be true or false")
        return value
    if f.dtype == "params":
        return value  # checked with the distribution and status in _check_row
    if f.dtype == "float64":
        if not is_real(value) or not math.isfinite(float(value)):
            raise InvalidArgumentError(f"{where}: {f.name} must be a finite number or missing, "
                                       f"got {value!r}")  # fmt: skip
        value = float(value)
    elif isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 2**63:
        raise InvalidArgumentError(f"{where}: {f.name} must be a 64-bit integer, got {value!r}")
    if (f.minimum is not None and value < f.minimum) or (f.maximum is not None
                                                          and value > f.maximum):  # fmt: skip
        raise InvalidArgumentError(f"{where}: {f.name} must be in [{f.minimum}, {f.maximum}], "
                                   f"got {value!r}")  # fmt: skip
    return value


def _check_row(index: int, row: object, version: int | None) -> dict[str, Any]:
    """A validated record of every schema field from one saved row of plain values."""
    where = f"row {index}"
    if not isinstance(row, Mapping):
        raise InvalidArgumentError(f"{where} must be a JSON object")
    _check_names(list(row), version, where)
    out = {f.name: _check_value(f, row[f.name], where) if f.name in row else f.default
           for f in FIELDS}  # fmt: skip
    name = out["distribution"]
    try:  # registry lookup, never getattr on the string
        counts = discrete_param_counts(name) if is_discrete_name(name) \
            else (len(param_names(name)),)
    except BestFitError as exc:
        raise InvalidArgumentError(f"{where}: {exc}") from None
    if not math.isnan(out["atom_prob"]):  # a hurdle row (atoms="model"): + the atom's p
        counts = tuple(c + 1 for c in counts)
    if out["params"] is not None or out["status"] == "ok":
        out["params"] = normalize_params(name, out["params"], where)
    if out["n_params"] > max(counts):  # fewer when fit(fixed=...) held some of them
        raise InvalidArgumentError(f"{where}: n_params={out['n_params']} is more than the "
                                   f"{max(counts)} parameters of {name}")  # fmt: skip
    if out["kind"] != ("discrete" if is_discrete_name(name) else "continuous"):
        raise InvalidArgumentError(f"{where}: kind={out['kind']!r} disagrees with {name}")
    return out


def _check_rows(rows: list, version: int | None) -> list[dict[str, Any]]:
    if len(rows) > MAX_SAVED_ROWS:
        raise InvalidArgumentError(f"saved fits hold at most {MAX_SAVED_ROWS} rows, "
                                   f"got {len(rows)}")  # fmt: skip
    return [_check_row(i, row, version) for i, row in enumerate(rows)]


def _frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """The results frame of checked records, with the schema's dtypes."""
    return apply_dtypes(pd.DataFrame.from_records(records, columns=RESULT_COLUMNS))


# -- frames to plain rows ---------------------------------------------------------------
def _rows_of_frame(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The schema columns of ``frame`` as rows of plain Python values."""
    fields = [BY_NAME[name] for name in frame.columns if name in BY_NAME]
    return [
        {f.name: f.to_python(cell) for f, cell in zip(fields, values, strict=True)}
        for values in frame[[f.name for f in fields]].itertuples(index=False, name=None)
    ]


def _checked_fits(fits: object, caller: str) -> list[dict[str, Any]]:
    """The rows of a results frame, checked as a loader would check them."""
    if not isinstance(fits, pd.DataFrame):
        raise InvalidArgumentError(f"{caller} takes the DataFrame returned by .bestfit.fit(), "
                                   f"got {type(fits).__name__}")  # fmt: skip
    missing = [c for c in RESULT_COLUMNS if c not in fits.columns]
    if missing:
        raise InvalidArgumentError(f"not a results frame of .bestfit.fit(): missing {missing}")
    rows = _rows_of_frame(fits[RESULT_COLUMNS])
    for row in rows:  # a failed fit's leftover params that do not validate are not kept
        if row["status"] != "ok" and row["params"] is not None:
            try:
                normalize_params(row["distribution"], row["params"], "")
            except InvalidArgumentError:
                row["params"] = None
    return _check_rows(rows, FITS_VERSION)


def _json_value(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


# -- JSON -------------------------------------------------------------------------------
def fits_to_json(fits: pd.DataFrame, path: str | os.PathLike | None = None) -> str:
    """Save a results frame as JSON (a missing value becomes ``null``); returns the text."""
    rows = [{name: _json_value(value) for name, value in row.items()}
            for row in _checked_fits(fits, "fits_to_json")]  # fmt: skip
    return dump_json({"format": FITS_FORMAT, "version": FITS_VERSION, "rows": rows}, path)


def _check_version(version: object) -> int:
    if isinstance(version, bool) or not isinstance(version, int) or not (
            1 <= version <= FITS_VERSION):  # fmt: skip
        raise InvalidArgumentError(f"unsupported fits version {version!r} (this library reads "
                                   f"1 to {FITS_VERSION})")  # fmt: skip
    return version


def fits_from_json(source: str | os.PathLike) -> pd.DataFrame:
    """Load a results frame saved by :func:`fits_to_json` (a path or the JSON text),
    validating every field."""
    data = load_json(source, "saved fits")
    if not isinstance(data, Mapping) or set(data) != {"format", "version", "rows"}:
        raise InvalidArgumentError("saved fits must be an object with format, version and rows")
    if data["format"] != FITS_FORMAT:
        raise InvalidArgumentError(f"not saved fits (format {data['format']!r})")
    version = _check_version(data["version"])
    if not isinstance(data["rows"], list):
        raise InvalidArgumentError("rows must be a list of objects")
    return _frame(_check_rows(data["rows"], version))


# -- Parquet ----------------------------------------------------------------------------
def _pyarrow(caller: str) -> tuple[Any, Any]:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise MissingDependencyError(
            f"{caller} needs pyarrow: pip install 'bestfit_accessor[data]' (or pyarrow)"
        ) from None
    return pyarrow, pyarrow.parquet


def _check_size(path: object, what: str) -> None:
    if isinstance(path, (str, os.PathLike)) and os.path.getsize(path) > MAX_FILE_BYTES:
        raise InvalidArgumentError(f"{os.fspath(path)!r} is larger than {MAX_FILE_BYTES} "
                                   f"bytes; not saved fits ({what})")  # fmt: skip


def fits_to_parquet(fits: pd.DataFrame, path: str | os.PathLike) -> None:
    """Save a results frame as Parquet; ``params`` becomes a ``map<string, double>``."""
    pa, pq = _pyarrow("fits_to_parquet")
    records = _checked_fits(fits, "fits_to_parquet")
    frame = _frame(records)
    params = pa.array([None if r["params"] is None else list(r["params"].items())
                       for r in records], type=pa.map_(pa.string(), pa.float64()))  # fmt: skip
    try:
        table = pa.Table.from_pandas(frame.drop(columns="params"), preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise InvalidArgumentError(f"the results frame cannot be stored as Parquet ({exc}); "
                                   "column names must all be strings or all integers; "
                                   "fits_to_json takes any mix") from None
    table = table.add_column(RESULT_COLUMNS.index("params"), "params", params)
    stamp = json.dumps({"format": FITS_FORMAT, "version": FITS_VERSION}).encode()
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           PARQUET_METADATA_KEY: stamp})  # fmt: skip
    pq.write_table(table, path)


def fits_from_parquet(source: str | os.PathLike) -> pd.DataFrame:
    """Load a results frame from Parquet, validating every field.

    Reads files of :func:`fits_to_parquet` and plain ``fits.to_parquet()`` files
    (whose ``params`` are structs of every distribution's keys).
    """
    pa, pq = _pyarrow("fits_from_parquet")
    _check_size(source, "Parquet")
    try:
        handle = pq.ParquetFile(source)
        if handle.metadata.num_rows > MAX_SAVED_ROWS:
            raise InvalidArgumentError(f"saved fits hold at most {MAX_SAVED_ROWS} rows, got "
                                       f"{handle.metadata.num_rows}")  # fmt: skip
        metadata = handle.schema_arrow.metadata or {}
        version = None
        if PARQUET_METADATA_KEY in metadata:
            stamp = load_json(metadata[PARQUET_METADATA_KEY].decode("utf-8", "replace"),
                              "saved fits")  # fmt: skip
            if not isinstance(stamp, Mapping) or stamp.get("format") != FITS_FORMAT:
                raise InvalidArgumentError(f"not saved fits (Parquet metadata {stamp!r})")
            version = _check_version(stamp.get("version"))
        frame = handle.read().to_pandas()
    except (pa.ArrowException, OSError) as exc:
        raise InvalidArgumentError(f"cannot read saved fits from Parquet: {exc}") from None
    _check_names(list(map(str, frame.columns)), version, "saved fits")
    return _frame(_check_rows(_rows_of_frame(frame), version))


# -- CSV --------------------------------------------------------------------------------
def fits_to_csv(fits: pd.DataFrame, path: Any = None) -> str | None:
    """Save a results frame as CSV, ``params`` as a JSON object string.

    ``path`` is a path or a writable buffer; without it the CSV text is returned.
    """
    records = _checked_fits(fits, "fits_to_csv")
    frame = _frame(records)
    frame["params"] = [None if r["params"] is None else json.dumps(r["params"])
                       for r in records]  # fmt: skip
    return frame.to_csv(path, index=False)


def _csv_cell(f: Field, text: str, where: str) -> Any:
    """The plain value of one CSV cell (``""`` is missing)."""
    if text == "" and f.dtype not in ("text", "label"):
        return None
    if f.dtype == "float64":
        if not _NUMBER_TEXT.fullmatch(text):
            raise InvalidArgumentError(f"{where}: {f.name} must be a number or empty, "
                                       f"got {text[:40]!r}")  # fmt: skip
        return float(text)
    if f.dtype in ("int64", "Int64"):
        if not _INTEGER_TEXT.fullmatch(text):
            raise InvalidArgumentError(f"{where}: {f.name} must be an integer, got {text[:40]!r}")
        return int(text)
    if f.dtype == "bool":
        if text not in ("True", "False"):
            raise InvalidArgumentError(f"{where}: {f.name} must be True or False")
        return text == "True"
    if f.dtype == "params":
        try:
            return json.loads(text, parse_constant=reject_constant)
        except (ValueError, RecursionError) as exc:
            raise InvalidArgumentError(f"{where}: params is not valid JSON ({exc})") from None
    return text


def fits_from_csv(source: Any) -> pd.DataFrame:
    """Load a results frame saved by :func:`fits_to_csv` (a path or a readable buffer),
    validating every field."""
    _check_size(source, "CSV")
    try:
        text = pd.read_csv(source, dtype=str, keep_default_na=False, na_filter=False,
                           nrows=MAX_SAVED_ROWS + 1)  # fmt: skip
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as exc:  # fmt: skip
        raise InvalidArgumentError(f"cannot read saved fits from CSV: {exc}") from None
    names = [str(c) for c in text.columns]
    _check_names(names, None, "saved fits")
    if len(text) > MAX_SAVED_ROWS:
        raise InvalidArgumentError(f"saved fits hold at most {MAX_SAVED_ROWS} rows")
    labels: list[Any] = list(text["column"])
    if labels and all(_CANONICAL_INTEGER.fullmatch(label) for label in labels):
        labels = [int(label) for label in labels]
    fields = [BY_NAME[name] for name in names]
    rows = []
    for index, (label, values) in enumerate(
            zip(labels, text.itertuples(index=False, name=None), strict=True)):  # fmt: skip
        where = f"row {index}"
        row = {f.name: _csv_cell(f, cell, where) for f, cell in zip(fields, values, strict=True)}
        row["column"] = label
        rows.append(row)
    return _frame(_check_rows(rows, None))

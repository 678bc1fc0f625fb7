"""Orchestration of a fit: blocks → summaries → histograms → fits → exact figures.

Every pass over the rows runs as Ray tasks over the blocks; the driver only merges
small summaries and builds the results frame. A column of at most
:data:`EXACT_LIMIT` rows is gathered whole and fitted on its exact likelihood (its
leaders polished to the exact optimum when it has many distinct values); the
leaders of a larger column get their exact log-likelihood in one more pass.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import frames, runtime
from .censored_fit import fit_censored_frame, uses_censored_path
from .discrete.auto import AutoCandidates
from .discrete.registry import is_discrete_selection
from .discrete.run import fit_auto_blocks, fit_discrete_blocks
from .exceptions import ArgumentTypeError, InsufficientDataError
from .fitting import registry
from .fitting.exact_pass import chunk_logliks, chunk_ranges
from .fitting.fit import prepare_fit_data
from .fitting.metrics import information_criteria
from .fitting.registry import custom_snapshot, param_names, plan_batches
from .fitting.tasks import fit_batch_task, fit_distribution_task, polish_task
from .options import DEFAULT_SAMPLE_SIZE, DEFAULT_TIMEOUT, FitOptions, check_random_state
from .results import build_results, failed_record, to_data_units
from .results.hurdle import model_point_masses
from .summaries.grid import BinLayout, choose_core_scale, count_with_moments, design_layout
from .summaries.moments import ColumnSummary, merge_summaries, sample_positions, summarize_values
from .summaries.point_masses import PointMass, confirmed, find_point_mass
from .summaries.standardize import standardize, standardizing_constants

__all__ = [
    "DEFAULT_SAMPLE_SIZE",  # re-exported from options
    "DEFAULT_TIMEOUT",
    "MIN_FINITE_VALUES",
    "ColumnProfile",
    "check_random_state",
    "fit_frame",
    "profile_columns",
]

#: Fewer finite values than this in a column is an error.
MIN_FINITE_VALUES = 10
#: Columns of at most this many rows are fitted on their exact likelihood.
EXACT_LIMIT = 100_000


@dataclass
class ColumnProfile:
    """What the driver knows about one column after the passes over the blocks.

    ``sample``, ``layout`` and ``counts`` are in standardised units
    ``z = (x − center) / spread``: every scipy distribution has ``loc`` and
    ``scale``, so a fit in ``z`` maps exactly back to ``x``, and values near
    ±1e308, 1e-308 or with a 1e12 offset stay well conditioned.
    """

    label: Hashable
    summary: ColumnSummary
    sample: np.ndarray
    layout: BinLayout
    counts: np.ndarray
    center: float
    spread: float
    #: every finite value of a small column: (standardised, in data units)
    values: tuple[np.ndarray, np.ndarray] | None = None
    #: a value set aside from the fit (the counts and values above leave it out)
    point_mass: PointMass | None = None
    #: per bin, the sums of (z − mid)^k for k = 1..3 (rows), merged from the blocks
    moments: np.ndarray | None = None

    @property
    def n_fitted(self) -> int:
        """Finite values the distributions are fitted to."""
        return int(self.counts.sum())


def _summarize_block(block: Any, positions: list[int], local: np.ndarray,
                     slots: np.ndarray) -> list[ColumnSummary]:  # fmt: skip
    return [summarize_values(frames.block_column(block, p), local, slots) for p in positions]


def _histogram_block(block: Any, positions: list[int], layouts: list[BinLayout],
                     scales: list[tuple[float, float]],
                     masses: list[float | None],
                     ) -> list[tuple[np.ndarray, np.ndarray, int]]:  # fmt: skip
    """Per column: histogram counts of the values other than its point mass with
    their power sums per bin (:func:`.grid.count_with_moments`), and the point
    mass's exact count."""
    out = []
    for p, layout, scale, mass in zip(positions, layouts, scales, masses, strict=True):
        x = frames.block_column(block, p)
        n_mass = 0
        if mass is not None:
            at_mass = x == mass
            n_mass = int(np.count_nonzero(at_mass))
            if n_mass:
                x = x[~at_mass]
        out.append((*count_with_moments(standardize(x, *scale), layout), n_mass))
    return out


def _check_column_data(label: Hashable, summary: ColumnSummary) -> None:
    dropped = (f"{summary.n_nan} NaN, {summary.n_posinf} +inf, {summary.n_neginf} -inf "
               "dropped")  # fmt: skip
    if summary.n < MIN_FINITE_VALUES:
        raise InsufficientDataError(
            f"column {label!r} has {summary.n} finite values of {summary.n_rows} rows "
            f"({dropped}); at least {MIN_FINITE_VALUES} are needed"
        )
    if not summary.vmax > summary.vmin:
        raise InsufficientDataError(
            f"column {label!r} is constant (all {summary.n} finite values equal "
            f"{summary.vmin!r}); no continuous distribution can be fitted"
        )


def _rest_range(summary: ColumnSummary, mass: PointMass | None) -> tuple[float, float]:
    """The range of the values other than the point mass."""
    lo, hi = summary.vmin, summary.vmax
    if mass is not None and mass.value == lo:
        lo = summary.vmin2
    if mass is not None and mass.value == hi:
        hi = summary.vmax2
    return lo, hi


def _check_rest(label: Hashable, summary: ColumnSummary, mass: PointMass, rest: np.ndarray,
                lo: float, hi: float) -> None:  # fmt: skip
    if rest.size < MIN_FINITE_VALUES or not hi > lo:
        raise InsufficientDataError(
            f"column {label!r} is a point mass at {mass.value:g} for "
            f"{100 * mass.share:.1f}% of its {summary.n} finite values; the "
            f"{'rest is constant' if rest.size else 'rest is empty'} or too small for a "
            f"continuous fit (at least {MIN_FINITE_VALUES} other distinct values are needed)")


def profile_columns(blocks: frames.BlockSet, sample_size: int,
                    random_state: object) -> list[ColumnProfile]:  # fmt: skip
    """Two passes over the blocks: summaries with the sample, then histograms.

    A small column is gathered whole (in random order): its fit maximises and
    reports the exact likelihood, and the sample is its first ``sample_size``
    values. A point mass found in the gathered values is counted exactly in the
    second pass and set aside: the profile describes the rest of the column.
    """
    keep_all = blocks.n_rows <= EXACT_LIMIT
    positions = sample_positions(blocks.n_rows, blocks.n_rows if keep_all else sample_size,
                                 random_state)  # fmt: skip
    per_block = []
    for offset, length in zip(blocks.offsets, blocks.lengths, strict=True):
        inside = (positions >= offset) & (positions < offset + length)
        per_block.append((blocks.positions, positions[inside] - offset, np.flatnonzero(inside)))
    block_summaries = runtime.map_blocks(_summarize_block, blocks.refs, per_block,
                                         label="summaries")
    summaries = [merge_summaries([parts[i] for parts in block_summaries])
                 for i in range(len(blocks.labels))]  # fmt: skip
    layouts, samples, scales, values, masses = [], [], [], [], []
    for label, summary in zip(blocks.labels, summaries, strict=True):
        _check_column_data(label, summary)
        gathered = summary.sample(positions.size)
        mass = find_point_mass(gathered)
        lo, hi = summary.vmin, summary.vmax
        if mass is not None:
            gathered = gathered[gathered != mass.value]
            lo, hi = _rest_range(summary, mass)
            _check_rest(label, summary, mass, gathered, lo, hi)
        raw = gathered[:sample_size]
        scale = standardizing_constants(raw, lo, hi)
        sample = standardize(raw, *scale)
        values.append((standardize(gathered, *scale), gathered) if keep_all else None)
        zmin, zmax = standardize(np.array([lo, hi]), *scale)
        samples.append(sample)
        scales.append(scale)
        masses.append(mass)
        # Heavy tails get a core uniform in log x (positive data) or asinh.
        origin = float(standardize(np.array([0.0]), *scale)[0])
        layouts.append(design_layout(sample, float(zmin), float(zmax),
                                     core_scale=choose_core_scale(sample, origin, float(zmin))))
    block_counts = runtime.map_blocks(
        _histogram_block, blocks.refs,
        [(blocks.positions, layouts, scales, [m and m.value for m in masses])] * len(blocks.refs),
        label="histograms",
    )  # fmt: skip
    profiles = []
    for i, (label, summary, sample, layout, scale, exact, mass) in enumerate(
            zip(blocks.labels, summaries, samples, layouts, scales, values, masses,
                strict=True)):  # fmt: skip
        counts = np.sum([parts[i][0] for parts in block_counts], axis=0)
        moments = np.sum([parts[i][1] for parts in block_counts], axis=0)
        if mass is not None:
            n_mass = sum(parts[i][2] for parts in block_counts)
            candidate, mass = mass, confirmed(mass, n_mass, summary.n)
            if mass is None:  # the sample overstated it: its values go back in the histogram
                one, power = count_with_moments(
                    standardize(np.array([candidate.value]), *scale), layout)
                counts, moments = counts + n_mass * one, moments + n_mass * power
        profiles.append(ColumnProfile(label, summary, sample, layout, counts, *scale, exact,
                                      mass, moments))  # fmt: skip
    return profiles


def fit_frame(obj: Any, columns: Any = None, options: FitOptions | None = None,
              **settings: Any) -> pd.DataFrame:  # fmt: skip
    """Fit every candidate distribution to every selected column; see the accessor.

    ``options`` are the settings the face validated once; internal callers may
    give the same settings as keywords instead (``FitOptions`` fields).
    """
    if options is None:
        options = FitOptions.create(**settings)
    elif settings:
        raise ArgumentTypeError(f"give options or keyword settings, not both; got "
                                f"{sorted(settings)}")  # fmt: skip
    metric, callback = options.metric, options.progress
    timeout, names = options.timeout, list(options.distributions)
    if uses_censored_path(options):  # event=, interval= or fixed=: censored terms per block
        return fit_censored_frame(obj, columns, options)
    blocks = frames.to_blocks(obj, columns, n_blocks=options.n_blocks)
    frames.check_not_empty(blocks, blocks.labels)
    if is_discrete_selection(names):  # counts per block, fits on exact counts
        return fit_discrete_blocks(blocks, names, metric, timeout, callback)
    if isinstance(options.distributions, AutoCandidates):  # counts or densities, per column
        return fit_auto_blocks(blocks, options.distributions, options.distributions.discrete,
                               metric, timeout, callback,
                               lambda part, report: _fit_continuous(part, names, options, report))
    return _fit_continuous(blocks, names, options, callback)


def _fit_continuous(blocks: frames.BlockSet, names: list[str], options: FitOptions,
                    callback: Any) -> pd.DataFrame:  # fmt: skip
    """The continuous candidates ``names`` on every column of ``blocks``."""
    metric, timeout = options.metric, options.timeout
    profiles = profile_columns(blocks, options.sample_size, options.random_state)

    data_refs, to_polish = [], set()
    for profile in profiles:
        data = prepare_fit_data(profile.label, profile.sample, profile.layout, profile.counts,
                                profile.layout.edges[0], profile.layout.edges[-1],
                                *(profile.values or (None, None)), profile.center,
                                profile.spread, profile.moments,
                                _rest_range(profile.summary, profile.point_mass))  # fmt: skip
        data_refs.append(runtime.put(data))
        if data.exact is not None and not data.exact_everywhere:
            to_polish.add(id(profile))
    # Fast fits share a Ray task (a task costs as much as a fast fit); a batch that
    # fails or times out is run again one distribution per task, so every fit keeps
    # its own timeout.
    batches = plan_batches(names, runtime.total_cpus())
    calls = [(batch, ref) for ref in data_refs for batch in batches]
    owners = [profile for profile in profiles for _ in batches]

    def on_done(done: int, total: int) -> None:
        if callback is not None:
            callback(done, total, 100.0 * done / total)

    custom = runtime.put(custom_snapshot())  # registered distributions, for the workers
    outcomes = runtime.run_tasks(fit_batch_task, [(*call, custom) for call in calls],
                                timeout=timeout, on_done=on_done,
                                weights=[len(batch) for batch, _ in calls])  # fmt: skip
    fits = [
        _Fit(name, ref, profile, outcome, outcome.value[k] if outcome.status == "ok" else None,
             len(batch))
        for (batch, ref), outcome, profile in zip(calls, outcomes, owners, strict=True)
        for k, name in enumerate(batch)
    ]  # fmt: skip
    retry = [fit for fit in fits if fit.outcome.status != "ok" and fit.batch_size > 1]
    if retry:
        redone = runtime.run_tasks(fit_distribution_task,
                                  [(fit.name, fit.data_ref, custom) for fit in retry],
                                  timeout=timeout)  # fmt: skip
        for fit, outcome in zip(retry, redone, strict=True):
            fit.outcome, fit.record = outcome, outcome.value
    polish_leaders(fits, to_polish, metric, timeout, custom)
    records = []
    for fit in fits:
        profile = fit.profile
        if fit.outcome.status == "ok":
            record = to_data_units(fit.record, profile.center, profile.spread)
        else:
            record = _empty_record(profile, fit.name, fit.outcome.status, fit.outcome.message,
                                   timeout)  # fmt: skip
        record["n_dropped"] = profile.summary.n_dropped
        mass = profile.point_mass
        record["n_point_mass"] = 0 if mass is None else mass.count
        if mass is not None:
            record["message"] = "; ".join(filter(None, [mass.describe(), record["message"]]))
        records.append(record)
    confirm_exact(blocks, profiles, records, metric, custom)
    if options.atoms == "model":  # each point mass becomes a hurdle atom over all rows
        records = model_point_masses(records, {p.label: p.point_mass for p in profiles})
    results = build_results(records, metric, blocks.labels)
    results.attrs["ray_nodes"] = dict(Counter(f.outcome.node_id for f in fits if f.outcome.node_id))
    return results


@dataclass
class _Fit:
    """One (column, distribution) fit on its way from its task to a results row."""

    name: str
    data_ref: Any
    profile: ColumnProfile
    outcome: runtime.TaskOutcome
    record: dict | None
    batch_size: int


def _empty_record(profile: ColumnProfile, name: str, status: str, message: str,
                  timeout: float | None) -> dict:  # fmt: skip
    return failed_record(profile.label, name, len(param_names(name)), profile.n_fitted,
                         status=status, message=message,
                         fit_seconds=timeout if status == "timeout" else np.nan)  # fmt: skip


#: Candidates per gathered column with many distinct values whose fit is taken from
#: the binned optimum to the exact one.
TOP_POLISH = 5


def _leaders(records: list[dict], metric: str, k: int) -> list[int]:
    """Positions of the ``k`` best ok records by ``metric`` when it is an information
    criterion, else by AIC (ties by distribution name)."""
    key = metric if metric in ("aic", "bic") else "aic"
    ok = [i for i, r in enumerate(records) if r["status"] == "ok" and np.isfinite(r[key])]
    ok.sort(key=lambda i: (records[i][key], records[i]["distribution"]))
    return ok[:k]


def polish_leaders(fits: list[_Fit], to_polish: set[int], metric: str, timeout: float | None,
                   custom: Any) -> None:  # fmt: skip
    """Take the leading fits of gathered columns with many distinct values (the
    profiles whose ``id`` is in ``to_polish``) to the exact likelihood's optimum.

    Such a column's fits ran on the binned likelihood (a density evaluation per
    value would cost a hundred times more) and were scored exactly; the
    :data:`TOP_POLISH` best ok fits by ``metric`` (AIC unless it is BIC) now
    maximise ``Σ log f(x_i)`` itself, in Ray tasks.
    """
    chosen = []
    for profile in {id(f.profile): f.profile for f in fits}.values():
        if id(profile) not in to_polish:
            continue
        mine = [f for f in fits if f.profile is profile and f.outcome.status == "ok"]
        chosen.extend(mine[i] for i in _leaders([f.record for f in mine], metric, TOP_POLISH))
    if not chosen:
        return
    calls = [(f.name, f.data_ref, list(f.record["params"].values()), custom) for f in chosen]
    for fit, outcome in zip(chosen, runtime.run_tasks(polish_task, calls, timeout=timeout),
                            strict=True):  # fmt: skip
        polished = outcome.value if outcome.status == "ok" else None
        if (polished is not None and polished["status"] == "ok"
                and polished["loglik"] >= fit.record["loglik"]):  # fmt: skip
            polished["fit_seconds"] += fit.record["fit_seconds"]
            fit.record = polished


#: Candidates per large column whose log-likelihood is recomputed exactly on every row.
TOP_EXACT = 5


def _exact_job(block: Any, position: int, candidates: list[tuple], excluded: tuple[float, ...],
               custom: Any, part: tuple[int, int] = (0, 1)) -> np.ndarray:  # fmt: skip
    """The candidates' exact log-likelihoods per chunk of part ``i`` of ``k`` of a block."""
    registry.install(custom)
    values = np.asarray(frames.block_column(block, position))
    return chunk_logliks(values, candidates, excluded, chunk_ranges(values.size, *part))


def confirm_exact(blocks: frames.BlockSet, profiles: list[ColumnProfile], records: list[dict],
                  metric: str, custom: Any) -> None:  # fmt: skip
    """Exact ``loglik``, ``aic`` and ``bic`` of the leading candidates of large columns.

    A column gathered whole was fitted on its exact likelihood already. For a
    larger one, the :data:`TOP_EXACT` best ok fits (by ``metric`` when it is an
    information criterion, else by AIC) get ``Σ log f(x_i)`` over every row in one
    pass over the blocks, and the ranking uses it. ``loglik_exact`` says which rows
    carry exact values.
    """
    chosen: list[list[dict]] = []
    for profile in profiles:
        if profile.values is not None:
            chosen.append([])
            continue
        rows = [r for r in records if r["column"] == profile.label]
        chosen.append([rows[i] for i in _leaders(rows, metric, TOP_EXACT)])
    if not any(chosen):
        return
    # One task per (block, column); with fewer blocks than CPUs, a block's rows are
    # split into parts, so a one-block frame still uses every core with tasks of
    # equal work (all candidates on each part). Parts return sums per fixed chunk,
    # added in row order, so totals do not depend on the cluster's size.
    parts = max(1, runtime.total_cpus() // len(blocks.refs))
    jobs, refs, args = [], [], []
    for ref in blocks.refs:
        for i, (profile, rows) in enumerate(zip(profiles, chosen, strict=True)):
            if not rows:
                continue
            mass = () if profile.point_mass is None else (profile.point_mass.value,)
            candidates = [(row["distribution"], tuple(row["params"].values())) for row in rows]
            for part in range(parts):
                jobs.append(i)
                refs.append(ref)
                args.append((blocks.positions[i], candidates, mass, custom, (part, parts)))
    chunk_sums: list[list[np.ndarray]] = [[] for _ in chosen]
    sums_per_job = runtime.map_blocks(_exact_job, refs, args, label="exact log-likelihood")
    for i, sums in zip(jobs, sums_per_job, strict=True):
        chunk_sums[i].append(sums)
    totals = [np.sum(np.vstack(sums), axis=0) if sums else np.zeros(0) for sums in chunk_sums]
    for rows, column_totals in zip(chosen, totals, strict=True):
        for record, loglik in zip(rows, column_totals, strict=True):
            record["loglik_exact"] = True
            if not np.isfinite(loglik):
                record.update(status="failed", message=(
                    "an observed value has zero density at the fitted parameters "
                    "(exact log-likelihood -inf)"))  # fmt: skip
                for name in ("loglik", "aic", "bic"):
                    record[name] = np.nan
                continue
            record["loglik"] = float(loglik)
            record["aic"], record["bic"] = information_criteria(
                float(loglik), record["n_params"], record["n_obs"])

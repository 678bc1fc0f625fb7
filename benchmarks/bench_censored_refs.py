"""Censored (and loc = 0) reference fits: ours vs R (fitdistrplus) vs scipy, loglik side by side.

Run with ``.venv/bin/python benchmarks/bench_censored_refs.py``. Reads
``../shared/reference/realdata/`` (relative to the project root; a missing folder is
reported and the script exits). For every censored entry of ``references.json``
(salinity, smokedfish, fluazinam; raw scale with ``loc`` fixed at 0, or log10 with
both parameters free) and groundbeef's three 2-parameter fits (exact values,
``loc`` = 0), it prints a markdown table of:

* ours: :func:`bestfit_accessor.fitting.censoring.fit_censored` and its time;
* R: the published loglik as printed, and the full-precision figure derived from
  the log10 twin where R printed only 4 digits;
* scipy: ``dist.fit(CensoredData(...))`` (``floc=0`` where R fixes it) evaluated by
  :func:`censored_loglik`, and its time.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.stats as st

from bestfit_accessor.fitting.censoring import CensoredTerms, censored_loglik, fit_censored

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "realdata"


def _bounds(entry: dict) -> tuple[np.ndarray, np.ndarray]:
    frame = pd.read_csv(REALDATA / entry["csv"])
    if entry["censored"]:
        left, right = frame["left"].to_numpy(float), frame["right"].to_numpy(float)
    else:
        left = right = frame["value"].to_numpy(float)
    if entry["transform"] == "log10":
        left, right = np.log10(left), np.log10(right)
    return left, right


def _scipy_data(left: np.ndarray, right: np.ndarray) -> st.CensoredData:
    """fitdistrplus' coding in scipy's terms: a missing bound is an infinite one."""
    low, high = np.nan_to_num(left, nan=-np.inf), np.nan_to_num(right, nan=np.inf)
    return st.CensoredData.interval_censored(low, high)


def main() -> int:
    if not (REALDATA / "references.json").is_file():
        print(f"reference folder {REALDATA} is absent; nothing to compare")
        return 0
    entries = [e for e in json.loads((REALDATA / "references.json").read_text())
               if e["censored"] or e["dataset"] == "groundbeef"]  # fmt: skip
    print("| dataset | family | scale | n (exact/left/right/interval) | ours | R printed "
          "| R precise | scipy | ours − scipy | ours s | scipy s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for entry in entries:
        left, right = _bounds(entry)
        data = CensoredTerms.from_intervals(left, right)
        raw = entry["transform"] is None
        start = time.perf_counter()
        fit = fit_censored(entry["family"], data, {"loc": 0.0} if raw else None)
        ours_s = time.perf_counter() - start
        dist = getattr(st, entry["family"])
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            params = dist.fit(_scipy_data(left, right), **({"floc": 0.0} if raw else {}))
        scipy_s = time.perf_counter() - start
        theirs = censored_loglik(dist, params, data)
        precise = entry["scipy_check"].get("loglik_derived_from_log10_twin", entry["loglik"])
        counts = data.n_censored
        kinds = (f"{data.n_exact:g}/{counts['left']:g}/{counts['right']:g}/"
                 f"{counts['interval']:g}")  # fmt: skip
        print(f"| {entry['dataset']} | {entry['family']} | {entry['transform'] or 'raw, loc=0'} "
              f"| {kinds} | {fit.loglik:.6f} | {entry['printed_as']['loglik']} | {precise:.6f} "
              f"| {theirs:.6f} | {fit.loglik - theirs:+.1e} | {ours_s:.3f} | {scipy_s:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

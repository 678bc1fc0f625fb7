"""Progress on the session Ray: every pass over the blocks reports, block by block."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

import bestfit_accessor
from bestfit_accessor import runtime
from bestfit_accessor.progress import TqdmProgress, reporting


class _Recorder:
    """A reporter that keeps what it hears: the passes (name, total, updates) and fits."""

    def __init__(self) -> None:
        self.passes: list[tuple[str, int, list[int]]] = []
        self.fits: list[tuple[int, int]] = []

    def __call__(self, done: int, total: int, percent: float) -> None:
        self.fits.append((done, total))

    def start_pass(self, name: str, total: int):
        updates: list[int] = []
        self.passes.append((name, total, updates))
        return updates.append


def _double(block, factor):
    return block * factor


def test_a_labelled_pass_reports_each_block_once_in_order():
    refs = [runtime.put(np.full(3, k, dtype=float)) for k in range(6)]
    recorder = _Recorder()
    with reporting(recorder):
        out = runtime.map_blocks(_double, refs, [(2.0,)] * 6, label="doubling")
        runtime.map_blocks(_double, refs, [(1.0,)] * 6)  # no label: no report
    assert [o[0] for o in out] == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]  # results keep block order
    assert recorder.passes == [("doubling", 6, [1, 2, 3, 4, 5, 6])]


def test_fit_corr_and_copula_report_their_passes():
    rng = np.random.default_rng(5)
    x = rng.normal(size=4_000)
    df = pd.DataFrame({"x": x, "y": 0.5 * x + rng.normal(size=4_000)})
    recorder = _Recorder()
    fits = df.bestfit.fit(distributions=["norm", "logistic"], progress=recorder)
    assert [p[0] for p in recorder.passes] == ["summaries", "histograms"]
    assert all(updates[-1] == total for _, total, updates in recorder.passes)
    assert recorder.fits[-1] == (4, 4)
    recorder = _Recorder()
    df.bestfit.corr(method="spearman", progress=recorder)
    assert [p[0] for p in recorder.passes] == ["rank sample", "rank histograms",
                                               "rank co-moments"]  # fmt: skip
    recorder = _Recorder()
    df.bestfit.copula(fits, progress=recorder)
    assert [p[0] for p in recorder.passes] == ["normal scores"]


def test_true_draws_nothing_off_a_terminal_and_always_draws_to_a_file(capsys):
    df = pd.DataFrame({"x": np.random.default_rng(6).gamma(2.0, size=3_000)})
    df.bestfit.corr(progress=True)
    assert capsys.readouterr().err == ""
    stream = io.StringIO()
    df.bestfit.fit(distributions=["gamma"], progress=TqdmProgress(always=True, file=stream))
    assert "fits: 100%" in stream.getvalue() and "summaries" in stream.getvalue()
    assert bestfit_accessor.progress.pass_progress("summaries", 1) is None  # context closed

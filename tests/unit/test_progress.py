"""Progress reporting without Ray: the seed's line, tqdm bars, passes through the context."""

from __future__ import annotations

import io

import pytest

from bestfit_accessor.progress import (
    TqdmProgress,
    console_progress,
    pass_progress,
    reporting,
    resolve_progress,
)


class _Terminal(io.StringIO):
    """A stream that says it is a terminal, as a console's stderr does."""

    def isatty(self) -> bool:
        return True


def _run_fits(reporter, total: int) -> None:
    for done in range(1, total + 1):
        reporter(done, total, 100.0 * done / total)


def test_console_progress_keeps_the_seed_line_format():
    stream = io.StringIO()
    _run_fits(console_progress(stream), 4)
    frames = stream.getvalue().split("\r")[1:]
    assert frames == [f"Progress: {k}/4 distributions ({25.0 * k:.1f}%)" for k in (1, 2, 3)] + [
        "Progress: 4/4 distributions (100.0%)\n"]  # fmt: skip


def test_true_gives_a_tqdm_reporter_and_false_none():
    assert isinstance(resolve_progress(True), TqdmProgress)
    assert resolve_progress(False) is None and resolve_progress(None) is None
    mine = TqdmProgress(always=True)
    assert resolve_progress(mine) is mine


def test_fits_bar_counts_to_the_total_and_closes():
    stream = io.StringIO()
    reporter = TqdmProgress(always=True, file=stream)
    _run_fits(reporter, 5)
    text = stream.getvalue()
    assert "fits: 100%" in text and "5/5" in text
    assert reporter._fits is None  # closed at the total: the next call starts a new bar
    _run_fits(reporter, 3)
    assert "3/3" in stream.getvalue()


def test_silent_when_the_stream_is_not_a_terminal_unless_asked():
    quiet = io.StringIO()
    _run_fits(TqdmProgress(file=quiet), 5)
    assert quiet.getvalue() == ""
    terminal = _Terminal()
    _run_fits(TqdmProgress(file=terminal), 5)
    assert "5/5" in terminal.getvalue()


def test_passes_report_only_inside_a_reporting_context_with_a_bar_reporter():
    assert pass_progress("histograms", 4) is None
    stream = io.StringIO()
    with reporting(TqdmProgress(always=True, file=stream)) as reporter:
        update = pass_progress("histograms", 4)
        assert update is not None
        update(1)
        update(3)
        assert (reporter._pass.n, reporter._pass.total) == (3, 4)
        update(4)
        assert reporter._pass is None  # a finished pass clears its bar
    assert "histograms" in stream.getvalue()
    assert pass_progress("histograms", 4) is None  # the context is gone
    with reporting(lambda done, total, percent: None):
        assert pass_progress("histograms", 4) is None  # a plain callable hears only fits
    with reporting(None) as reporter:
        assert reporter is None and pass_progress("summaries", 1) is None


def test_an_interrupted_call_leaves_no_open_bar():
    reporter = TqdmProgress(always=True, file=io.StringIO())
    with pytest.raises(KeyboardInterrupt), reporting(reporter):
        pass_progress("summaries", 10)(3)
        reporter(1, 8, 12.5)
        raise KeyboardInterrupt
    assert reporter._pass is None and reporter._fits is None


def test_reporting_rejects_what_fit_rejects():
    with pytest.raises(TypeError, match="progress must be"), reporting("yes"):
        pass

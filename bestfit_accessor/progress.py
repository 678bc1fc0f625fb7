"""Progress reporting: the fits one by one, and the passes over the rows.

Two kinds of reporter:

- a callable ``(done, total, percent)``, called after each finished fit (the seed
  API's contract; :func:`console_progress` prints the seed's line);
- :class:`TqdmProgress` (what ``progress=True`` gives): a tqdm bar for the fits
  and, while a pass over the blocks runs (summaries, histograms, correlation,
  exact log-likelihood), a bar for that pass too. Through ``tqdm.auto`` it is a
  widget in Jupyter, a text bar on a terminal, and silent when stderr is neither
  (a log file, CI) unless ``always=True``.

A pass finds its reporter through :func:`reporting`, a context the faces open
around their work, so the pure kernels and the task runner take no extra argument.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, TextIO

from .options import FIT_CONSTRAINTS, validate

__all__ = [
    "ProgressBar",
    "TqdmProgress",
    "console_progress",
    "pass_progress",
    "reporting",
    "resolve_progress",
]

ProgressCallback = Callable[[int, int, float], None]


class ProgressBar:
    """A one-line console bar, redrawn in place: ``[#####-----] 45/90 fits (50.0%)``.

    Always draws (to stderr unless ``stream`` is given), terminal or not.
    """

    def __init__(self, width: int = 30, stream: TextIO | None = None) -> None:
        self.width = width
        self.stream = stream
        self._last_drawn = -1

    def __call__(self, done: int, total: int, percent: float) -> None:
        stream = self.stream or sys.stderr
        filled = round(self.width * done / total) if total else self.width
        if filled == self._last_drawn and done < total:
            return  # redraw only when the bar moves
        self._last_drawn = filled
        bar = "#" * filled + "-" * (self.width - filled)
        stream.write(f"\r[{bar}] {done}/{total} fits ({percent:.1f}%)")
        if done >= total:
            stream.write("\n")
        stream.flush()


class _SeedStyleProgress:
    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream

    def __call__(self, done: int, total: int, percent: float) -> None:
        stream = self.stream or sys.stdout
        stream.write(f"\rProgress: {done}/{total} distributions ({percent:.1f}%)")
        if done >= total:
            stream.write("\n")
        stream.flush()


def console_progress(stream: TextIO | None = None) -> ProgressCallback:
    """Print ``Progress: 45/90 distributions (50.0%)``, updated in place."""
    return _SeedStyleProgress(stream)


def _in_jupyter() -> bool:
    """True inside a Jupyter kernel, whose output is a notebook cell, not a terminal."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:  # an IPython too old or too odd to ask
        return False
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


class TqdmProgress:
    """tqdm bars for the fits and for each long pass over the rows.

    ``always=False`` (the default) shows the bars in Jupyter and on a terminal and
    nothing when ``file`` (default stderr) is not a terminal; ``always=True``
    writes them wherever ``file`` goes. Passes are shown while they run and
    cleared when they finish; the fits bar stays (``leave``). Pass an instance as
    ``progress=`` to choose these settings; it can be reused across calls.
    """

    def __init__(self, *, always: bool = False, file: TextIO | None = None,
                 leave: bool = True) -> None:  # fmt: skip
        self.always = always
        self.file = file
        self.leave = leave
        self._fits: Any = None
        self._fits_done = 0
        self._pass: Any = None

    def _bar(self, total: int, desc: str, unit: str, leave: bool) -> Any:
        from tqdm.auto import tqdm  # late: tqdm.auto looks for a Jupyter kernel on import

        show = self.always or _in_jupyter()
        return tqdm(total=total, desc=desc, unit=unit, leave=leave, file=self.file,
                    disable=False if show else None, dynamic_ncols=True)  # fmt: skip

    def __call__(self, done: int, total: int, percent: float) -> None:
        """One more fit finished (the ``(done, total, percent)`` protocol)."""
        del percent
        if self._fits is None or done < self._fits_done or self._fits.total != total:
            self._close_fits()
            self._fits = self._bar(total, "fits", "fit", self.leave)
            self._fits_done = 0
        self._fits.update(done - self._fits_done)
        self._fits_done = done
        if done >= total:
            self._close_fits()

    def start_pass(self, name: str, total: int) -> Callable[[int], None]:
        """A bar for one pass of ``total`` tasks; call the result with the number done."""
        self._close_pass()
        bar = self._pass = self._bar(total, name, "block", False)

        def update(done: int) -> None:
            bar.update(done - bar.n)
            if done >= total:
                self._close_pass()

        return update

    def _close_fits(self) -> None:
        if self._fits is not None:
            self._fits.close()
            self._fits = None

    def _close_pass(self) -> None:
        if self._pass is not None:
            self._pass.close()
            self._pass = None

    def close(self) -> None:
        """Close any open bar (an interrupted call leaves none behind)."""
        self._close_pass()
        self._close_fits()


def resolve_progress(progress: object) -> ProgressCallback | None:
    """``None``/``False`` → no progress, ``True`` → a :class:`TqdmProgress`, a callable
    ``(done, total, percent)`` → itself."""
    progress = validate("progress", progress, FIT_CONSTRAINTS["progress"])
    if progress is None or progress is False:
        return None
    if progress is True:
        return TqdmProgress()
    return progress  # type: ignore[no-any-return]


_active: ContextVar[Any] = ContextVar("bestfit_accessor_progress", default=None)


@contextlib.contextmanager
def reporting(progress: object) -> Iterator[ProgressCallback | None]:
    """Within the block, passes over the rows report to ``progress`` (``True``, a
    :class:`TqdmProgress`; a plain callable only hears about fits). Yields the
    resolved reporter and closes its bars on the way out."""
    reporter = resolve_progress(progress)
    token = _active.set(reporter)
    try:
        yield reporter
    finally:
        _active.reset(token)
        if isinstance(reporter, TqdmProgress):
            reporter.close()


def pass_progress(name: str, total: int) -> Callable[[int], None] | None:
    """The update function for a pass of ``total`` tasks named ``name``, or ``None``
    when no reporter that shows passes is active."""
    reporter = _active.get()
    start = getattr(reporter, "start_pass", None)
    return start(name, total) if callable(start) else None

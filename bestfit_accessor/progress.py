"""Progress reporting: callables ``(done, total, percent)`` called after each fit."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from .options import FIT_CONSTRAINTS, validate

__all__ = ["ProgressBar", "console_progress", "resolve_progress"]

ProgressCallback = Callable[[int, int, float], None]


class ProgressBar:
    """A one-line console bar, redrawn in place: ``[#####-----] 45/90 fits (50.0%)``."""

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


def resolve_progress(progress: object) -> ProgressCallback | None:
    """``None``/``False`` → no progress, ``True`` → a console bar, a callable
    ``(done, total, percent)`` → itself."""
    progress = validate("progress", progress, FIT_CONSTRAINTS["progress"])
    if progress is None or progress is False:
        return None
    if progress is True:
        return ProgressBar()
    return progress  # type: ignore[no-any-return]

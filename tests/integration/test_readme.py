"""The README runs as written: every ``python`` code block, in order, in one namespace.

A block is skipped only when an HTML comment right before it says so:

- ``<!-- readme-test: skip (reason) -->`` — never run here (e.g. it joins a cluster);
- ``<!-- readme-test: requires MODULE -->`` — run where ``MODULE`` imports, else skipped.

The blocks run in a fresh working directory holding the files they read
(:data:`GENERATED_FILES`, made here from seeded draws), on the session Ray, with
matplotlib's non-interactive backend. A block that raises fails the test, naming
the README line it starts on.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import time
import types
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bestfit_accessor
from bestfit_accessor.fitting.registry import custom_snapshot

README = Path(__file__).resolve().parents[2] / "README.md"

_FENCE = re.compile(r"^```(\w*)\s*$")
_MARKER = re.compile(r"^<!--\s*readme-test:\s*(.*?)\s*-->\s*$")


@dataclass
class Block:
    line: int  # 1-based line of the opening fence
    language: str
    source: str
    marker: str | None  # the readme-test directive right before the block, if any

    def skip_reason(self) -> str | None:
        if self.marker is None:
            return None
        skip = re.fullmatch(r"skip \((.+)\)", self.marker)
        if skip:
            return skip[1]
        requires = re.fullmatch(r"requires ([\w.]+)", self.marker)
        if requires:
            module = requires[1]
            return None if importlib.util.find_spec(module) else f"{module} is not installed"
        raise ValueError(f"README.md:{self.line}: unknown readme-test directive {self.marker!r}")


def readme_blocks(text: str) -> list[Block]:
    """Every fenced code block with its language and the directive just before it."""
    blocks, lines = [], text.splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        start, body = i, []
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        before = start - 1
        while before >= 0 and not lines[before].strip():
            before -= 1
        marker = _MARKER.match(lines[before]) if before >= 0 else None
        blocks.append(Block(start + 1, opening[1], "\n".join(body) + "\n",
                            marker[1] if marker else None))  # fmt: skip
        i += 1
    return blocks


def _claims_parquet(path: Path) -> None:
    rng = np.random.default_rng(11)
    pd.DataFrame({"amount": rng.gamma(2.0, 50.0, 20_000),
                  "delay": rng.weibull(1.3, 20_000) * 8.0}).to_parquet(path)  # fmt: skip


#: Files README blocks read, made in the working directory before the first block.
GENERATED_FILES = {"claims.parquet": _claims_parquet}


def test_readme_blocks_are_found_and_every_directive_is_known():
    blocks = readme_blocks(README.read_text(encoding="utf-8"))
    python = [b for b in blocks if b.language == "python"]
    assert len(python) >= 6, [b.line for b in python]
    for block in python:
        block.skip_reason()  # raises on an unknown directive
    # a directive before a block of another language would silently mean nothing
    assert all(b.marker is None for b in blocks if b.language != "python")


class ReadmeBlockError(AssertionError):
    """A README block raised; the message names its line."""


def run_blocks(blocks: list[Block], monkeypatch: pytest.MonkeyPatch) -> tuple[dict, list, list]:
    """Run the python blocks in order in one namespace; returns it, the blocks run
    (line, seconds) and the blocks skipped (line, reason)."""
    # The blocks run as one script's __main__ module, so a class defined in a block
    # pickles (by value, as Ray ships a script's classes) as the README promises.
    script = types.ModuleType("__main__")
    monkeypatch.setitem(sys.modules, "__main__", script)
    namespace = script.__dict__
    registered_before = set(custom_snapshot())
    ran, skipped = [], []
    try:
        for block in (b for b in blocks if b.language == "python"):
            reason = block.skip_reason()
            if reason is not None:
                skipped.append((block.line, reason))
                continue
            code = compile(block.source, f"README.md:{block.line}", "exec")
            started = time.perf_counter()
            try:
                exec(code, namespace)
            except Exception as exc:
                raise ReadmeBlockError(f"the README block at line {block.line} raised "
                                       f"{type(exc).__name__}: {exc}") from exc  # fmt: skip
            ran.append((block.line, round(time.perf_counter() - started, 1)))
    finally:
        for name in set(custom_snapshot()) - registered_before:
            bestfit_accessor.unregister_distribution(name)
        _close_figures()
    return namespace, ran, skipped


def test_a_breaking_block_fails_and_names_its_line(monkeypatch):
    text = ("Intro\n\n```python\nx = 1\n```\n\n<!-- readme-test: skip (a cluster) -->\n"
            "```python\nraise SystemExit\n```\n\n```python\ny = x + undefined\n```\n")
    with pytest.raises(ReadmeBlockError, match=r"line 12 raised NameError: .*undefined"):
        run_blocks(readme_blocks(text), monkeypatch)
    namespace, ran, skipped = run_blocks(readme_blocks(text.replace("undefined", "1")),
                                         monkeypatch)  # fmt: skip
    assert namespace["y"] == 2 and [line for line, _ in ran] == [3, 12]
    assert skipped == [(8, "a cluster")]


@pytest.mark.slow
def test_readme_python_blocks_run_in_order(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    for name, make in GENERATED_FILES.items():
        make(tmp_path / name)
    namespace, ran, skipped = run_blocks(readme_blocks(README.read_text(encoding="utf-8")),
                                         monkeypatch)  # fmt: skip
    assert len(ran) >= 4, ran
    # What the quick start promises: a copula over both columns of the first fit.
    assert namespace["cop"].columns == ["claim", "delay"]
    assert len(namespace["synthetic"]) == 1_000_000
    capsys.readouterr()  # the blocks' own printing is not the test's output
    print("README blocks run (line, seconds):", ran, "skipped:", skipped)


def _close_figures() -> None:
    if importlib.util.find_spec("matplotlib") is None:
        return
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")

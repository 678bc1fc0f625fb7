"""Render the README's pictures from the demo data into docs/images/ (``make figures``).

The claims of ``examples/demo.py`` give the density, Q-Q, diagnostics and
Cullen–Frey pictures; the orders of ``examples/ray/usecase_synthetic_data.py``
(price, quantity and revenue that depend on each other) give the copula's.
Drawn with the Agg backend at a fixed seed, so a re-run gives the same pictures.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("RAY_AUTH_MODE", "disabled")

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import bestfit_accessor  # noqa: F401  (registers .bestfit)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images"
DPI = 90


def _load(relative: str, name: str):
    """A function defined in one of the example scripts."""
    spec = importlib.util.spec_from_file_location(Path(relative).stem, ROOT / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def _save(fig, name: str) -> None:
    path = OUT / name
    fig.savefig(path, dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size / 1024:.0f} KiB)")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    claims = _load("examples/demo.py", "example_claims")()
    fits = claims.bestfit.fit("claim", random_state=0)  # the default candidate set
    _save(claims.bestfit.plot(fits, "claim", kind="density"), "density.png")
    _save(claims.bestfit.plot(fits, "claim", kind="qq"), "qq.png")
    _save(claims.bestfit.plot(fits, "claim", kind="diagnostics"), "diagnostics.png")
    _, figure = claims.bestfit.describe(["claim", "delay"], plot=True, n_boot=300)
    _save(figure, "cullen_frey.png")
    orders = _load("examples/ray/usecase_synthetic_data.py", "make_orders")(200_000)
    copula = orders.bestfit.copula(distributions="common", random_state=0)
    synthetic = copula.sample(200_000, random_state=3)
    _save(copula.plot(orders, synthetic, size=4_000), "copula.png")
    print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    sys.exit(main())

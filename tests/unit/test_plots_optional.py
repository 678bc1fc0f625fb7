"""matplotlib is an optional extra: without it, plots fail with an error naming the extra.

Each check runs in a fresh interpreter whose import system refuses matplotlib (a
meta-path finder that raises ``ModuleNotFoundError`` for it), so the package's real
code meets a real missing import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from ..helpers import ROOT

BLOCK_MATPLOTLIB = """
import importlib.abc, sys

class NoMatplotlib(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoMatplotlib())
"""

PROBE = BLOCK_MATPLOTLIB + """
import json
import numpy as np, pandas as pd
import bestfit_accessor
from bestfit_accessor import MissingDependencyError
from bestfit_accessor.plots import ColumnPlotData, plot_density, top_fits

df = pd.DataFrame({"x": np.random.default_rng(0).gamma(2.0, 1.0, 500)})
fits = pd.DataFrame({"column": ["x"], "distribution": ["gamma"], "status": ["ok"],
                     "params": [{"a": 2.0, "loc": 0.0, "scale": 1.0}], "aic": [1.0]})
edges = np.linspace(0.0, 10.0, 11)
data = ColumnPlotData("x", edges, np.full(10, 50), np.linspace(0.1, 9.9, 100), 500, 0.0, 10.0,
                      5.0, 2.9, 0.0, 1.8)
out = {"imported": True}
for name, call in [("plot", lambda: df.bestfit.plot(fits)),
                   ("describe", lambda: df.bestfit.describe(plot=True)),
                   ("plot_density", lambda: plot_density(data, top_fits(fits, "x", 1)))]:
    try:
        call()
        out[name] = None
    except MissingDependencyError as exc:
        out[name] = {"message": str(exc), "import_error": isinstance(exc, ImportError)}
out["ray_loaded"] = "ray" in sys.modules
out["matplotlib_loaded"] = any(m.startswith("matplotlib") for m in sys.modules)
print(json.dumps(out))
"""


def test_plots_without_matplotlib_raise_an_error_naming_the_extra_before_any_work():
    path = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["imported"]  # the package itself never needs matplotlib
    for name in ("plot", "describe", "plot_density"):
        assert out[name] is not None, f"{name} did not raise MissingDependencyError"
        assert "bestfit_accessor[plot]" in out[name]["message"]
        assert "matplotlib" in out[name]["message"]
        assert out[name]["import_error"]
    assert not out["ray_loaded"]  # refused before any distributed work started
    assert not out["matplotlib_loaded"]


def test_the_blocker_really_blocks_matplotlib_here():
    """The finder above is what makes the first test meaningful: matplotlib is installed."""
    probe = BLOCK_MATPLOTLIB + (
        "try:\n    import matplotlib\n    print('loaded')\n"
        "except ModuleNotFoundError:\n    print('blocked')\n"
    )
    plain = subprocess.run([sys.executable, "-c", "import matplotlib; print('loaded')"],
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    blocked = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                             timeout=60)  # fmt: skip
    assert plain.stdout.strip() == "loaded"
    assert blocked.stdout.strip() == "blocked"

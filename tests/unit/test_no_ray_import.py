"""The package and its pure kernels import without Ray (issue #10, item 1).

Ray costs seconds to import and is needed only to run work, so only the runtime
package may import it, and only on first use. Each check runs in a fresh
interpreter: this process may already hold Ray or a cached module.
"""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from importlib.util import find_spec

from ..helpers import ROOT

PACKAGE = "bestfit_accessor"
#: Modules whose job is Ray orchestration: they import Ray at import time. Every
#: other module, the lazy ``runtime/__init__`` and ``pipeline`` included, must not.
RAY_MODULES = {"bestfit_accessor.runtime.ray_tasks"}

#: Imports the modules named in argv in turn; prints the first one after which Ray
#: is loaded (null if none) and whether ``.bestfit`` is on pandas frames and series.
PROBE = """
import importlib, json, sys
culprit = None
for name in sys.argv[1:]:
    importlib.import_module(name)
    if "ray" in sys.modules:
        culprit = name
        break
import pandas as pd
accessors = {}
if "bestfit_accessor" in sys.modules:
    from bestfit_accessor import BestFitAccessor
    frame = pd.DataFrame({"v": [1.0, 2.0]})
    accessors = {"frame": isinstance(frame.bestfit, BestFitAccessor),
                 "series": isinstance(frame["v"].bestfit, BestFitAccessor)}
print(json.dumps({"culprit": culprit, "accessors": accessors,
                  "ray_loaded": "ray" in sys.modules}))
"""


def _probe(*modules: str) -> dict:
    path = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}  # this tree's package first
    proc = subprocess.run([sys.executable, "-c", PROBE, *modules], capture_output=True,
                          text=True, timeout=120, cwd=ROOT, env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _all_modules() -> list[str]:
    """Every module of the package, found on disk (so new modules are covered)
    without importing any of them."""
    spec = find_spec(PACKAGE)
    assert spec is not None and spec.submodule_search_locations
    names = []

    def walk(paths: list[str], prefix: str) -> None:
        for info in pkgutil.iter_modules(paths, prefix):
            names.append(info.name)
            if info.ispkg:
                walk([os.path.join(path, info.name.rpartition(".")[2]) for path in paths],
                     info.name + ".")  # fmt: skip

    walk(list(spec.submodule_search_locations), PACKAGE + ".")
    return sorted(names)


def test_module_discovery_finds_every_stage():
    modules = _all_modules()
    stages = ["fitting.likelihood", "summaries.grid", "dependence.normal_scores",
              "results", "runtime", "runtime.ray_tasks", "pipeline"]  # fmt: skip
    for stage in stages:
        assert f"{PACKAGE}.{stage}" in modules, stage
    assert RAY_MODULES <= set(modules), "a Ray module was renamed: update RAY_MODULES"


def test_package_and_pure_modules_import_without_ray():
    pure = [name for name in _all_modules() if name not in RAY_MODULES]
    outcome = _probe(PACKAGE, *pure)
    assert outcome["culprit"] is None, f"importing {outcome['culprit']} imported Ray"
    assert outcome["accessors"] == {"frame": True, "series": True}
    assert not outcome["ray_loaded"]


def test_import_bestfit_accessor_alone_registers_the_accessor_without_ray():
    outcome = _probe(PACKAGE)
    assert outcome == {"culprit": None, "accessors": {"frame": True, "series": True},
                       "ray_loaded": False}  # fmt: skip


def test_the_probe_sees_ray_when_a_module_imports_it():
    """The checks above can fail: each Ray module is caught importing Ray."""
    for ray_module in sorted(RAY_MODULES):
        outcome = _probe(PACKAGE, ray_module)
        assert outcome["culprit"] == ray_module and outcome["ray_loaded"], ray_module

"""The example scripts run end to end on small data (in-process, on the session Ray)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SHORT = ["norm", "lognorm", "gamma", "logistic"]


def _load(relative: str):
    spec = importlib.util.spec_from_file_location(Path(relative).stem, ROOT / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ray_demo_runs(capsys):
    out = _load("examples/ray/ray_demo.py").main(rows=5_000, distributions=SHORT)
    printed = capsys.readouterr().out
    assert "Progress: 8/8 distributions (100.0%)" in printed
    assert out["results"].best(n=1, column="latency_ms")[0].distribution == "lognorm"
    assert out["dataset_results"].best(n=1)[0].distribution == "norm"


def test_synthetic_data_usecase_runs(capsys):
    out = _load("examples/ray/usecase_synthetic_data.py").main(rows=20_000, distributions=SHORT)
    data, synthetic = out["frame"], out["synthetic"]
    assert list(synthetic.columns) == list(data.columns) and len(synthetic) == len(data)
    np.testing.assert_allclose(synthetic.mean(), data.mean(), rtol=0.05)
    np.testing.assert_allclose(synthetic.corr("spearman"), data.corr("spearman"), atol=0.05)
    assert "Spearman correlation, synthetic" in capsys.readouterr().out


def test_demo_example_data_is_deterministic():
    demo = _load("examples/demo.py")
    a, b = demo.example_claims(1_000), demo.example_claims(1_000)
    assert a.equals(b) and list(a.columns) == ["claim", "delay", "repair_cost"]

"""Unit tier: pure kernels, no Ray. A unit test that imports Ray fails."""

from __future__ import annotations

import sys

import pytest


@pytest.fixture(autouse=True)
def no_ray():
    before = "ray" in sys.modules  # an integration test in the same run may have loaded it
    yield
    assert before or "ray" not in sys.modules, (
        "a unit test imported Ray; it belongs in tests/integration"
    )

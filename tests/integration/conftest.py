"""One session-scoped local Ray (2 CPUs) shared by every integration test."""

from __future__ import annotations

import pytest

from ..helpers import requires_modin


@pytest.fixture(scope="session", autouse=True)
def ray_session():
    import ray

    import bestfit_accessor

    if not ray.is_initialized():
        bestfit_accessor.init(num_cpus=2)
    yield
    bestfit_accessor.shutdown()


@pytest.fixture(params=["pandas", pytest.param("modin", marks=requires_modin)])
def frame_kind(request):
    """Parametrises a test over pandas and Modin input."""
    return request.param

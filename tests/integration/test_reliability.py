"""Concurrency, determinism across partitionings, and numerical edges."""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
import ray

from bestfit_accessor.pipeline import fit_frame

from ..helpers import HAVE_MODIN, assert_same_fits, requires_modin, to_modin

DISTS = ["norm", "gamma", "lognorm", "logistic"]


def _frame(seed: int, n: int = 20_000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"a": rng.gamma(2.0 + seed % 3, 1.5, n), "b": rng.normal(seed, 2, n)})


def test_sixteen_concurrent_fits_match_sequential_results():
    frames = [_frame(seed) for seed in range(16)]
    sequential = [f.bestfit.fit(distributions=DISTS, random_state=3) for f in frames]
    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = [pool.submit(f.bestfit.fit, distributions=DISTS, random_state=3)
                   for f in frames]  # fmt: skip
        concurrent = [future.result(timeout=600) for future in futures]
    for one, other in zip(sequential, concurrent, strict=True):
        assert_same_fits(one, other)


def test_fit_while_another_thread_samples_a_copula():
    frame = _frame(5, 50_000)
    reference = frame.bestfit.fit(distributions=DISTS, random_state=2)
    copula = frame.bestfit.copula(reference)
    expected_sample = copula.sample(200_000, random_state=4)
    samples: list = []

    def keep_sampling() -> None:
        for _ in range(3):
            samples.append(copula.sample(200_000, random_state=4))

    sampler = threading.Thread(target=keep_sampling)
    sampler.start()
    during = frame.bestfit.fit(distributions=DISTS, random_state=2)
    sampler.join(timeout=300)
    assert_same_fits(reference, during)
    assert len(samples) == 3
    for sample in samples:
        pd.testing.assert_frame_equal(sample, expected_sample)


@pytest.fixture(scope="module")
def skewed() -> pd.DataFrame:
    rng = np.random.default_rng(17)
    x = rng.lognormal(0.5, 0.7, 40_000)
    x[rng.random(x.size) < 0.02] = np.nan
    return pd.DataFrame({"x": x, "y": rng.weibull(1.3, x.size)})


@pytest.fixture(scope="module")
def skewed_reference(skewed) -> pd.DataFrame:
    return fit_frame(skewed, distributions=DISTS, random_state=8, n_blocks=1)


@pytest.mark.parametrize("parts", [2, 7, 16])
def test_pandas_partitionings_agree(skewed, skewed_reference, parts):
    fits = fit_frame(skewed, distributions=DISTS, random_state=8, n_blocks=parts)
    assert_same_fits(skewed_reference, fits)


@requires_modin
@pytest.mark.parametrize("parts", [1, 2, 7, 16])
def test_modin_partitionings_agree(skewed, skewed_reference, parts):
    fits = to_modin(skewed, parts).bestfit.fit(distributions=DISTS, random_state=8)
    assert_same_fits(skewed_reference, fits)


@pytest.mark.parametrize("parts", [1, 2, 7, 16])
def test_ray_dataset_partitionings_agree(skewed, skewed_reference, parts):
    dataset = ray.data.from_pandas(skewed).repartition(parts)
    assert_same_fits(skewed_reference, fit_frame(dataset, distributions=DISTS, random_state=8))


def test_rerun_is_identical_and_copula_samples_are_partition_free(skewed, skewed_reference):
    assert_same_fits(skewed_reference, fit_frame(skewed, distributions=DISTS, random_state=8))
    copula = skewed.bestfit.copula(skewed_reference)
    first = copula.sample(300_000, random_state=11, n_partitions=1)
    for parts in (2, 7, 16):
        pd.testing.assert_frame_equal(first, copula.sample(300_000, random_state=11,
                                                           n_partitions=parts))  # fmt: skip
    if HAVE_MODIN:
        modin_copula = to_modin(skewed, 3).bestfit.copula(skewed_reference)
        pd.testing.assert_frame_equal(first, modin_copula.sample(300_000, random_state=11,
                                                                 n_partitions=7)._to_pandas())


@pytest.mark.parametrize(
    ("factor", "shift"),
    [(1e-300, 0.0), (1e300, 0.0), (1.0, 1e12)],
    ids=["scaled 1e-300", "scaled 1e300", "shifted 1e12"],
)
def test_extreme_scales_fit_and_map_back_to_data_units(factor, shift):
    rng = np.random.default_rng(4)
    base = pd.DataFrame({"v": rng.gamma(3.0, 1.0, 20_000), "w": rng.normal(5.0, 1.0, 20_000)})
    fits = (base * factor + shift).bestfit.fit(random_state=0, distributions="common")
    assert len(fits) == 2 * 14
    failed = fits[fits["status"] != "ok"]
    assert failed.empty, failed[["column", "distribution", "status", "message"]]
    # norm's maximum-likelihood fit is the mean and standard deviation: back in the
    # units of the untransformed rows, it matches them to 1e-3 of a standard deviation
    # (the binned likelihood's accuracy), whatever the scale or offset.
    for column in ("v", "w"):
        row = fits[(fits["column"] == column) & (fits["distribution"] == "norm")].iloc[0]
        loc = (row["params"]["loc"] - shift) / factor
        scale = row["params"]["scale"] / factor
        x = base[column].to_numpy()
        assert abs(loc - x.mean()) <= 1e-3 * x.std(), (column, loc, x.mean())
        assert scale == pytest.approx(x.std(), rel=1e-3), (column, scale, x.std())


def _centred(x: np.ndarray) -> np.ndarray:
    """``x − mean`` to full precision: the mean kept as a double plus a residual
    (at 1e12 one double of the mean alone is off by up to 6e-5)."""
    mean = math.fsum(x) / x.size
    d = x - mean  # exact: every x is within a factor 2 of the mean
    return d - math.fsum(d) / d.size


def _exact_pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation from exactly rounded sums (math.fsum), as the reference."""
    dx, dy = _centred(x), _centred(y)
    return math.fsum(dx * dy) / math.sqrt(math.fsum(dx * dx) * math.fsum(dy * dy))


def test_correlation_of_shifted_data_matches_numpy():
    rng = np.random.default_rng(9)
    z = rng.multivariate_normal([0, 0], [[1, 0.7], [0.7, 1]], 100_000)
    frame = pd.DataFrame({"p": z[:, 0] + 1e12, "q": 2 * z[:, 1] - 1e12})
    ours = frame.bestfit.corr().to_numpy()
    exact = _exact_pearson(frame["p"].to_numpy(), frame["q"].to_numpy())
    # At a 1e12 offset numpy.corrcoef itself is ~1.5e-9 away from the exact value, so
    # ours is held to 1e-12 of the exact value, and to numpy only within numpy's error.
    assert abs(ours[0, 1] - exact) <= 1e-12
    numpy_value = np.corrcoef(frame.to_numpy().T)[0, 1]
    assert abs(ours[0, 1] - numpy_value) <= abs(numpy_value - exact) + 1e-12

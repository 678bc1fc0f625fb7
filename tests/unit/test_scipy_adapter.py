"""The scipy adapter against scipy's public API, for every default candidate.

The adapter calls scipy's private methods (the fast path of every fit); these tests
pin it to what ``dist.cdf(x, *shapes, loc=0, scale=1)`` and friends return, so a
scipy upgrade that changes a private method shows up here, by family.
"""

from __future__ import annotations

import math
import pickle
from typing import ClassVar

import numpy as np
import pytest
import scipy.stats as st
from scipy.special import expit
from scipy.stats._distr_params import distcont  # scipy's own test parameters (read only)

from bestfit_accessor.exceptions import ArgumentTypeError
from bestfit_accessor.fitting import registry
from bestfit_accessor.fitting.scipy_adapter import (
    NewStyleContinuous,
    ScipyFamily,
    as_rv_continuous,
    family_of,
    has_make_distribution,
)

RTOL = 1e-10
QUANTILES = np.array([0.001, 0.02, 0.2, 0.5, 0.8, 0.98, 0.999])
#: A second parameter point per family: scipy's shapes scaled by this, when valid.
STRETCH = 1.3


def _parameter_points(name: str) -> list[tuple[float, ...]]:
    """scipy's test shapes for ``name`` (one or two sets) and a stretched copy."""
    points = [tuple(float(v) for v in shapes) for n, shapes in distcont if n == name]
    dist = registry.get_distribution(name)
    stretched = [tuple(STRETCH * s for s in p) for p in points if p]
    points += [p for p in stretched if np.all(dist._argcheck(*p))]
    return points or [()]


def _close(ours: np.ndarray, public: np.ndarray) -> None:
    ours, public = np.asarray(ours, dtype=float), np.asarray(public, dtype=float)
    assert ours.shape == public.shape
    finite = np.isfinite(public)
    np.testing.assert_array_equal(ours[~finite], public[~finite])
    np.testing.assert_allclose(ours[finite], public[finite], rtol=RTOL, atol=0)


@pytest.mark.parametrize("name", registry.DEFAULT_CANDIDATES)
def test_fast_path_matches_public_api(name):
    dist = registry.get_distribution(name)
    family = registry.get_family(name)
    assert family.dist is dist and family.numargs == dist.numargs
    assert list(family.param_names) == registry.param_names(name)
    for shapes in _parameter_points(name):
        assert family.argcheck(*shapes)
        lower, upper = (float(v) for v in dist.support(*shapes, loc=0, scale=1))
        assert family.support(*shapes) == (lower, upper)
        z = np.asarray(dist.ppf(QUANTILES, *shapes, loc=0, scale=1), dtype=float)
        z = z[(z > lower) & (z < upper)]  # strictly inside: where the fast path applies
        assert z.size >= 5, (name, shapes, z)
        _close(family.cdf(z, *shapes), dist.cdf(z, *shapes, loc=0, scale=1))
        _close(family.sf(z, *shapes), dist.sf(z, *shapes, loc=0, scale=1))
        _close(family.pdf(z, *shapes), dist.pdf(z, *shapes, loc=0, scale=1))
        _close(family.logpdf(z, *shapes), dist.logpdf(z, *shapes, loc=0, scale=1))
        _close(family.ppf(QUANTILES, *shapes), dist.ppf(QUANTILES, *shapes, loc=0, scale=1))
        _close(family.isf(QUANTILES, *shapes), dist.isf(QUANTILES, *shapes, loc=0, scale=1))


@pytest.mark.parametrize("name", registry.DEFAULT_CANDIDATES)
def test_argcheck_and_domains_agree_with_public_api(name):
    dist = registry.get_distribution(name)
    family = registry.get_family(name)
    domains = family.shape_domains()
    assert len(domains) == dist.numargs
    for shapes in _parameter_points(name):
        for i, (lo, hi) in enumerate(domains):
            assert lo <= shapes[i] <= hi, (name, i, shapes, (lo, hi))
            for outside in (lo - 1.0, hi + 1.0):
                if math.isfinite(outside):
                    trial = list(shapes)
                    trial[i] = outside
                    # The public API answers NaN for parameters it rejects.
                    public_ok = not np.isnan(dist.support(*trial)[0])
                    assert family.argcheck(*trial) == public_ok
                    assert not public_ok, f"{name}: shape {i} = {outside} outside {lo, hi}"
        if shapes:
            assert not family.argcheck(*shapes[:-1], math.nan)
            assert not family.argcheck(*shapes[:-1], math.inf)


def test_shapes_broadcast_and_the_result_keeps_the_input_shape():
    family = family_of(st.gamma)
    z = np.array([[0.5, 1.0], [2.0, 3.0]])
    out = family.cdf(z, 2.5)
    assert out.shape == (2, 2)
    np.testing.assert_allclose(out, st.gamma.cdf(z, 2.5), rtol=RTOL)
    varying = family.cdf(z, np.array([[1.5, 2.5], [3.5, 4.5]]))
    np.testing.assert_allclose(varying, st.gamma.cdf(z, [[1.5, 2.5], [3.5, 4.5]]), rtol=RTOL)
    assert family.cdf(np.array([]), 2.5).shape == (0,)
    assert float(family.cdf(1.0, 2.5)) == pytest.approx(st.gamma.cdf(1.0, 2.5), rel=RTOL)


def test_non_finite_fast_values_fall_back_to_the_public_answer():
    # At the support bound invgauss's private CDF is 0/0 = NaN; the public one is 0.
    with np.errstate(all="ignore"):
        assert np.isnan(st.invgauss._cdf(np.array([0.0]), np.array([0.15]))[0])
        ours = family_of(st.invgauss).cdf([0.0, 1.0], 0.15)
        public = st.invgauss.cdf([0.0, 1.0], 0.15)
    assert ours[0] == 0.0
    np.testing.assert_array_equal(ours, public)


def test_has_own_ppf_and_fitstart_flags():
    assert family_of(st.norm).has_own_ppf and family_of(st.gamma).has_own_fitstart
    assert not family_of(st.kappa3).has_own_fitstart
    assert not family_of(st.foldnorm).has_own_ppf  # ppf by root search in scipy
    start = family_of(st.gamma).fitstart(st.gamma.rvs(3.0, size=500, random_state=1))
    assert start.shape == (3,) and family_of(st.gamma).argcheck(start[0])


def test_frozen_is_the_public_frozen_distribution():
    frozen = family_of(st.gamma).frozen([2.0, 1.0, 3.0])
    assert frozen.cdf(4.0) == st.gamma.cdf(4.0, 2.0, loc=1.0, scale=3.0)


def test_family_pickles_and_is_cached():
    family = family_of(st.gamma)
    assert family_of(st.gamma) is family and family_of(family) is family
    again = pickle.loads(pickle.dumps(family))
    assert again.shape_names == ("a",) and again.cdf([1.0], 2.0)[0] == family.cdf([1.0], 2.0)[0]
    with pytest.raises(ArgumentTypeError):
        ScipyFamily("gamma")


# -- user distributions -----------------------------------------------------------


def _glogistic_pdf(x, c):
    """Type I generalised logistic density, written to stay finite in both tails."""
    return c * expit(x) ** c * expit(-x)


def _glogistic_cdf(x, c):
    return expit(x) ** c


class PdfOnly(st.rv_continuous):
    """A user's subclass with a density only: scipy integrates it for the CDF."""

    def _pdf(self, x, c):
        return _glogistic_pdf(x, c)


class CdfOnly(st.rv_continuous):
    """A user's subclass with a CDF only: scipy differentiates it for the density."""

    def _cdf(self, x, c):
        return _glogistic_cdf(x, c)


@pytest.mark.parametrize("cls", [PdfOnly, CdfOnly])
def test_a_user_subclass_with_only_a_pdf_or_a_cdf(cls):
    family = ScipyFamily(cls(name="glogistic"))
    assert family.shape_names == ("c",) and family.shape_domains() == [(0.0, math.inf)]
    assert family.argcheck(2.0) and not family.argcheck(-1.0)
    assert family.support(2.0) == (-math.inf, math.inf)
    assert not family.has_own_ppf and not family.has_own_fitstart
    z = np.array([-3.0, 0.0, 1.5])
    np.testing.assert_allclose(family.cdf(z, 2.0), _glogistic_cdf(z, 2.0), rtol=1e-7)
    np.testing.assert_allclose(family.pdf(z, 2.0), _glogistic_pdf(z, 2.0), rtol=1e-5)
    np.testing.assert_allclose(family.cdf(family.ppf([0.3], 2.0), 2.0), [0.3], rtol=1e-7)


class LogisticII:
    """A new-style definition for ``make_distribution``: pdf, cdf and inverse CDF."""

    __make_distribution_version__ = "1.16.0"
    parameters: ClassVar[dict] = {"c": {"endpoints": (0, np.inf), "inclusive": (False, False)}}
    support: ClassVar[dict] = {"endpoints": (-np.inf, np.inf)}

    def pdf(self, x, c):
        return _glogistic_pdf(x, c)

    def cdf(self, x, c):
        return _glogistic_cdf(x, c)

    def icdf(self, p, c):
        return -np.log(p ** (-1.0 / c) - 1.0)


class Triangle:
    """A new-style definition with a parameter-dependent support and a pdf only."""

    __make_distribution_version__ = "1.16.0"
    parameters: ClassVar[dict] = {"w": {"endpoints": (0, np.inf), "inclusive": (False, False)}}
    support: ClassVar[dict] = {"endpoints": (lambda w: -w, lambda w: w), "inclusive": (True, True)}

    def pdf(self, x, w):
        return np.maximum(w - np.abs(x), 0.0) / w**2


requires_make_distribution = pytest.mark.skipif(
    not has_make_distribution(), reason="scipy < 1.15 has no make_distribution"
)


@requires_make_distribution
def test_make_distribution_objects_become_rv_continuous_with_loc_and_scale():
    made = st.make_distribution(LogisticII())
    for given in (LogisticII(), made, made(c=1.0)):
        rv = as_rv_continuous(given, "glog")
        assert isinstance(rv, NewStyleContinuous) and rv.shapes == "c"
        family = ScipyFamily(rv)
        assert family.has_own_ppf and family.shape_domains() == [(0.0, math.inf)]
        x = np.array([-1.0, 2.0, 7.0])
        expected = _glogistic_cdf((x - 1.0) / 2.0, 3.0)
        np.testing.assert_allclose(rv.cdf(x, 3.0, loc=1.0, scale=2.0), expected, rtol=1e-12)
        np.testing.assert_allclose(rv(3.0, loc=1.0, scale=2.0).sf(x), 1 - expected, rtol=1e-10)
        np.testing.assert_allclose(family.ppf([0.1, 0.9], 3.0),
                                   st.genlogistic.ppf([0.1, 0.9], 3.0), rtol=1e-9)  # fmt: skip
        assert not family.argcheck(-1.0)
        copy = pickle.loads(pickle.dumps(rv))
        assert copy.cdf(2.0, 3.0) == rv.cdf(2.0, 3.0)


@requires_make_distribution
def test_make_distribution_support_depending_on_a_parameter():
    rv = as_rv_continuous(Triangle(), "triangle")
    family = ScipyFamily(rv)
    assert not family.has_own_ppf
    assert family.support(2.0) == (-2.0, 2.0)
    assert family.shape_domains() == [(0.0, math.inf)]
    # The CDF is scipy's quadrature of the pdf (default tolerance about 1e-8).
    np.testing.assert_allclose(family.cdf([0.0, 1.0], 2.0), [0.5, 0.875], rtol=1e-6)
    np.testing.assert_allclose(rv.cdf([0.0, 5.0], 2.0, loc=1.0, scale=1.0), [0.125, 1.0],
                               rtol=1e-6)  # fmt: skip


@requires_make_distribution
def test_a_class_made_from_an_rv_continuous_is_that_rv_continuous():
    assert as_rv_continuous(st.make_distribution(st.gamma), "g") is st.gamma


def test_what_cannot_be_a_distribution_is_a_type_error():
    with pytest.raises(ArgumentTypeError, match="instance of PdfOnly"):
        as_rv_continuous(PdfOnly, "x")
    with pytest.raises(ArgumentTypeError, match="only continuous"):
        as_rv_continuous(st.poisson, "x")
    with pytest.raises(ArgumentTypeError, match="got int"):
        as_rv_continuous(3, "x")

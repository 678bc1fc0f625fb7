"""The registry of candidate distributions, kept as data.

Names are looked up in a dictionary built once from :mod:`scipy.stats`; a user
string is never passed to ``getattr``. The default candidate set is every scipy
continuous distribution except the exclusions below, each with its reason.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import cache

import scipy.stats as st

from ..exceptions import InvalidArgumentError, UnknownDistributionError

__all__ = [
    "DEFAULT_EXCLUSIONS",
    "NAMED_SETS",
    "PDF_QUADRATURE",
    "get_distribution",
    "list_distributions",
    "param_names",
    "plan_batches",
    "resolve_distributions",
    "scheduling_order",
    "shape_bounds",
]

#: Distributions left out of the default set, with the reason. They can still be
#: asked for by name.
DEFAULT_EXCLUSIONS: dict[str, str] = {
    "levy_stable": "too slow: density by numerical integration, a fit takes minutes",
    "studentized_range": "too slow: cdf by double numerical integration",
    "tukeylambda": "too slow: no closed-form density, ppf inverted numerically",
    "genhyperbolic": "too slow: Bessel-function density, fits take tens of seconds",
    "geninvgauss": "too slow and numerically fragile fits",
    "ncf": "too slow: series expansions in pdf/cdf",
    "nct": "too slow: series expansions in pdf/cdf",
    "ncx2": "too slow: series expansions in pdf/cdf",
    "dpareto_lognorm": "too slow and unstable fits",
    "kappa4": "too slow, and the fit rarely converges",
    "ksone": "a sampling distribution of the KS statistic, not a data model",
    "kstwo": "a sampling distribution of the KS statistic, not a data model",
    "kstwobign": "a sampling distribution of the KS statistic, not a data model",
    "irwinhall": "integer shape parameter; fitting it as continuous is meaningless",
    "erlang": "gamma with an integer shape; gamma covers it",
    "reciprocal": "alias of loguniform",
    "gausshyper": "too slow: hypergeometric normalising constant in every evaluation",
    "vonmises": "circular distribution on an angle; not a model for a real line",
    "wrapcauchy": "circular distribution on an angle; not a model for a real line",
    "landau": "too slow: density by numerical integration",
    "levy_l": "support is bounded above at loc with an extreme tail; fits are unstable",
    "rel_breitwigner": "too slow, rarely useful outside particle physics",
    "jf_skew_t": "too slow: hypergeometric cdf",
    "norminvgauss": "too slow: cdf by numerical integration (70 ms per evaluation)",
    "truncweibull_min": "too slow and unstable fits (truncation bounds as shapes)",
}


#: Tighter bounds than scipy's for shapes whose evaluation cost grows with their value,
#: so the optimiser cannot wander where one CDF call takes seconds. Beyond these
#: values the family is indistinguishable from its limit (a normal for ``rice``).
SHAPE_BOUNDS: dict[str, dict[str, tuple[float, float]]] = {
    "rice": {"b": (0.0, 100.0)},  # Marcum-Q series: 2 ms per 200 points at b=100, 1.7 s at 1e5
}


#: Families whose CDF is much slower than their PDF over part of the parameter space;
#: their bin probabilities are integrated from the PDF instead (see ``binned.Model``).
PDF_QUADRATURE = frozenset({"skewnorm"})


#: The default candidates that usually take longest to fit (expensive CDFs or
#: shape-dependent supports), slowest first; measured on normal and gamma columns.
SLOW_FITS = (
    "truncnorm", "trapezoid", "betaprime", "rdist", "mielke", "beta", "halfgennorm",
    "genexpon", "genpareto", "triang", "invgauss", "truncpareto", "recipinvgauss",
    "crystalball", "f", "loguniform",
)  # fmt: skip


def scheduling_order(names: Iterable[str]) -> list[str]:
    """``names`` with the usually slow fits first, so that the last tasks of a fit
    to finish are short ones and both cores stay busy to the end."""
    names = list(names)
    rank = {name: i for i, name in enumerate(SLOW_FITS)}
    return sorted(names, key=lambda name: rank.get(name, len(rank)))


def plan_batches(names: Iterable[str], n_cpus: int) -> list[list[str]]:
    """Group fits into Ray tasks: the usual slow ones first, in pairs, then the fast
    ones of the default set in chunks that shrink toward the end.

    A Ray task costs a few milliseconds of scheduling and argument fetching, as
    much as a whole fast fit, so 85 one-fit tasks waste a third of a second on two
    cores. Names outside the default set (possibly very slow) always run alone, so
    a timeout hits only them.
    """
    ordered = scheduling_order(names)
    slow = set(SLOW_FITS)
    default = set(_default_names())
    heavy = [n for n in ordered if n in slow]
    light = [n for n in ordered if n not in slow and n in default]
    alone = [[n] for n in ordered if n not in slow and n not in default]
    n_cpus = max(1, n_cpus)
    pair = 2 if len(ordered) > 4 * n_cpus else 1
    batches = [heavy[i : i + pair] for i in range(0, len(heavy), pair)]
    # Guided chunks: large first, shrinking toward the end, so the last tasks are
    # short and no core waits long for the others.
    while light:
        size = max(2, -(-len(light) // (3 * n_cpus)))
        batches.append(light[:size])
        light = light[size:]
    return batches + alone


def shape_bounds(name: str) -> list[tuple[float, float]]:
    """Domain of each shape parameter: scipy's, narrowed by :data:`SHAPE_BOUNDS`."""
    dist = get_distribution(name)
    override = SHAPE_BOUNDS.get(name, {})
    out = []
    for info in dist._shape_info():
        lo, hi = (float(v) for v in info.domain)
        lo = -float("inf") if lo <= -1e300 else (0.0 if 0 < lo < 1e-300 else lo)
        hi = float("inf") if hi >= 1e300 else hi
        out.append(override.get(info.name, (lo, hi)))
    return out


@cache
def _continuous_registry() -> dict[str, st.rv_continuous]:
    return {
        name: obj
        for name in dir(st)
        if not name.startswith("_") and isinstance(obj := getattr(st, name), st.rv_continuous)
    }


def _default_names() -> list[str]:
    return sorted(set(_continuous_registry()) - set(DEFAULT_EXCLUSIONS))


#: Named candidate sets accepted by ``distributions=``.
NAMED_SETS: dict[str, str] = {
    "default": "every scipy continuous distribution minus DEFAULT_EXCLUSIONS",
    "all": "every scipy continuous distribution, slow ones included",
    "common": "a short list of widely used families",
}

_COMMON = (
    "beta", "expon", "gamma", "gumbel_l", "gumbel_r", "laplace", "logistic", "lognorm",
    "norm", "pareto", "t", "uniform", "weibull_max", "weibull_min",
)  # fmt: skip


def list_distributions(which: str = "default") -> list[str]:
    """Names in a named candidate set (see :data:`NAMED_SETS`)."""
    if which == "default":
        return _default_names()
    if which == "all":
        return sorted(_continuous_registry())
    if which == "common":
        return list(_COMMON)
    raise InvalidArgumentError(
        f"unknown distribution set {which!r}; named sets are {sorted(NAMED_SETS)}"
    )


def get_distribution(name: str) -> st.rv_continuous:
    """The scipy distribution registered under ``name``."""
    registry = _continuous_registry()
    if not isinstance(name, str) or name not in registry:
        raise UnknownDistributionError(_unknown_message(name))
    return registry[name]


def param_names(name: str) -> list[str]:
    """Parameter names in scipy's order: shapes, then ``loc`` and ``scale``."""
    dist = get_distribution(name)
    shapes = [s.strip() for s in dist.shapes.split(",")] if dist.shapes else []
    return [*shapes, "loc", "scale"]


def _unknown_message(name: object) -> str:
    if not isinstance(name, str):
        return f"distribution names must be strings, got {type(name).__name__}: {name!r}"
    close = difflib.get_close_matches(name, _continuous_registry(), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"unknown distribution {name!r}{hint} (see bestfit_accessor.list_distributions())"


def resolve_distributions(distributions: str | Iterable[str] | None) -> list[str]:
    """Turn the ``distributions=`` argument into a validated list of names.

    ``None`` means the default set; a string is a named set or one distribution
    name; an iterable holds distribution names (duplicates are rejected).
    """
    if distributions is None:
        return _default_names()
    if isinstance(distributions, str):
        if distributions in NAMED_SETS:
            return list_distributions(distributions)
        get_distribution(distributions)
        return [distributions]
    try:
        names = list(distributions)
    except TypeError:
        raise InvalidArgumentError(
            "distributions must be None, a set name, a distribution name or a list of names; "
            f"got {type(distributions).__name__}"
        ) from None
    if not names:
        raise InvalidArgumentError("distributions is empty: give at least one distribution name")
    for name in names:
        get_distribution(name)
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InvalidArgumentError(f"distributions lists {duplicated} more than once")
    return names

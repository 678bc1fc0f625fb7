"""The registry of candidate distributions, kept as data.

Names are looked up in dictionaries (scipy's continuous distributions, found once,
and the user's registered ones); a user string is never passed to ``getattr``.

The default candidate set is written out below (:data:`DEFAULT_CANDIDATES`), not
derived from whatever the installed scipy has, so a scipy upgrade cannot silently
change which families are fitted: a new scipy distribution shows up in
:func:`unlisted_scipy_distributions` (and fails a unit test) until it is added to the
list or to :data:`DEFAULT_EXCLUSIONS` with a reason.

Custom distributions (:func:`register_distribution`) live in this process only; Ray
workers get them through :func:`custom_snapshot` (taken on the driver, shipped once
per fit) and :func:`install` (at the start of each task).
"""

from __future__ import annotations

import difflib
import pickle
from collections.abc import Iterable, Mapping
from functools import cache

import scipy.stats as st

from ..exceptions import ArgumentTypeError, InvalidArgumentError, UnknownDistributionError
from .scipy_adapter import ScipyFamily, as_rv_continuous, family_of

__all__ = [
    "DEFAULT_CANDIDATES",
    "DEFAULT_EXCLUSIONS",
    "NAMED_SETS",
    "PDF_QUADRATURE",
    "custom_snapshot",
    "get_distribution",
    "get_family",
    "install",
    "list_distributions",
    "missing_default_candidates",
    "param_names",
    "plan_batches",
    "register_distribution",
    "resolve_distributions",
    "scheduling_order",
    "shape_bounds",
    "unlisted_scipy_distributions",
    "unregister_distribution",
]

#: The default candidates: scipy continuous distributions that fit in seconds and
#: model a real-valued column (scipy 1.17's set minus :data:`DEFAULT_EXCLUSIONS`).
DEFAULT_CANDIDATES: tuple[str, ...] = (
    "alpha", "anglit", "arcsine", "argus", "beta", "betaprime", "bradford", "burr",
    "burr12", "cauchy", "chi", "chi2", "cosine", "crystalball", "dgamma", "dweibull",
    "expon", "exponnorm", "exponpow", "exponweib", "f", "fatiguelife", "fisk", "foldcauchy",
    "foldnorm", "gamma", "genexpon", "genextreme", "gengamma", "genhalflogistic",
    "genlogistic", "gennorm", "genpareto", "gibrat", "gompertz", "gumbel_l", "gumbel_r",
    "halfcauchy", "halfgennorm", "halflogistic", "halfnorm", "hypsecant", "invgamma",
    "invgauss", "invweibull", "johnsonsb", "johnsonsu", "kappa3", "laplace",
    "laplace_asymmetric", "levy", "loggamma", "logistic", "loglaplace", "lognorm",
    "loguniform", "lomax", "maxwell", "mielke", "moyal", "nakagami", "norm", "pareto",
    "pearson3", "powerlaw", "powerlognorm", "powernorm", "rayleigh", "rdist",
    "recipinvgauss", "rice", "semicircular", "skewcauchy", "skewnorm", "t", "trapezoid",
    "triang", "truncexpon", "truncnorm", "truncpareto", "uniform", "vonmises_line", "wald",
    "weibull_max", "weibull_min",
)  # fmt: skip

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


#: Families whose CDF is much slower than their PDF over part of the parameter space
#: (skewnorm: numerical integration) or throughout (rice's Marcum Q, the incomplete
#: beta functions of beta, betaprime and rdist, halfgennorm's incomplete gamma,
#: recipinvgauss): their bin probabilities are integrated from the PDF instead
#: (:class:`.likelihood.Grid`). On 1M normal rows their fits took 0.15 s less CPU,
#: their exact log-likelihoods moved by −0.013 to +0.35.
PDF_QUADRATURE = frozenset({"skewnorm", "rice", "beta", "betaprime", "rdist", "halfgennorm",
                            "recipinvgauss"})


#: The default candidates that usually take longest to fit (expensive CDFs or
#: shape-dependent supports, a second basin), slowest first; measured on 1M normal
#: rows (85 candidates: these 18 are half of the 2 s of CPU).
SLOW_FITS = (
    "recipinvgauss", "rice", "beta", "betaprime", "halfgennorm", "rdist", "invgauss",
    "burr", "f", "trapezoid", "exponpow", "truncpareto", "mielke", "gengamma",
    "truncnorm", "triang", "genexpon", "genextreme",
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
    family = get_family(name)
    override = SHAPE_BOUNDS.get(name, {}) if name not in _CUSTOM else {}
    return [override.get(shape, domain)
            for shape, domain in zip(family.shape_names, family.shape_domains(), strict=True)]


@cache
def _scipy_registry() -> dict[str, st.rv_continuous]:
    """Every continuous distribution the installed scipy offers, by name."""
    return {
        name: obj
        for name in dir(st)
        if not name.startswith("_") and isinstance(obj := getattr(st, name), st.rv_continuous)
    }


#: The user's registered distributions, by name (see :func:`register_distribution`).
_CUSTOM: dict[str, st.rv_continuous] = {}


def _known_names() -> set[str]:
    return set(_scipy_registry()) | set(_CUSTOM)


def _default_names() -> list[str]:
    known = _known_names()
    return [name for name in DEFAULT_CANDIDATES if name in known]


def missing_default_candidates() -> list[str]:
    """Default candidates the installed scipy does not have (they are skipped)."""
    known = _known_names()
    return [name for name in DEFAULT_CANDIDATES if name not in known]


def unlisted_scipy_distributions() -> list[str]:
    """scipy continuous distributions neither in the default list nor excluded.

    Empty for the scipy the list was written against; a newer scipy's additions
    appear here until they are classified.
    """
    listed = set(DEFAULT_CANDIDATES) | set(DEFAULT_EXCLUSIONS)
    return sorted(set(_scipy_registry()) - listed)


#: Named candidate sets accepted by ``distributions=``.
NAMED_SETS: dict[str, str] = {
    "default": "DEFAULT_CANDIDATES: fast scipy families for real-valued data",
    "all": "every scipy continuous distribution (slow ones included) and every registered one",
    "common": "a short list of widely used families",
    "custom": "the distributions registered with register_distribution",
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
        return sorted(_known_names())
    if which == "common":
        return list(_COMMON)
    if which == "custom":
        return sorted(_CUSTOM)
    raise InvalidArgumentError(
        f"unknown distribution set {which!r}; named sets are {sorted(NAMED_SETS)}"
    )


def get_distribution(name: str) -> st.rv_continuous:
    """The distribution registered under ``name``: the user's, else scipy's."""
    if isinstance(name, str):
        found = _CUSTOM.get(name)
        if found is None:
            found = _scipy_registry().get(name)
        if found is not None:
            return found
    raise UnknownDistributionError(_unknown_message(name))


def get_family(name: str) -> ScipyFamily:
    """:class:`.scipy_adapter.ScipyFamily` of the distribution ``name`` (cached)."""
    return family_of(get_distribution(name))


def param_names(name: str) -> list[str]:
    """Parameter names in scipy's order: shapes, then ``loc`` and ``scale``."""
    return list(get_family(name).param_names)


def _unknown_message(name: object) -> str:
    if not isinstance(name, str):
        return f"distribution names must be strings, got {type(name).__name__}: {name!r}"
    close = difflib.get_close_matches(name, sorted(_known_names()), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"unknown distribution {name!r}{hint} (see bestfit_accessor.list_distributions())"


def register_distribution(name: str, rv: object, *, replace: bool = False) -> st.rv_continuous:
    """Make ``rv`` a candidate under ``name``; it then fits on Ray like a built-in.

    ``rv`` is a ``scipy.stats.rv_continuous`` instance (a subclass defining at
    least ``_pdf`` or ``_cdf``; its shapes must be positive unless it defines
    ``_argcheck`` and ``_shape_info``), or — with scipy ≥ 1.15 — a distribution
    class made by ``scipy.stats.make_distribution`` or the object given to it.
    ``name`` may not shadow a scipy distribution or an earlier registration
    unless ``replace=True``. The definition must pickle, since every Ray task
    receives a copy: define its class at module level (a notebook's ``__main__``
    works). Returns the ``rv_continuous`` that was registered.
    """
    if not isinstance(name, str):
        raise ArgumentTypeError(f"name must be a string, got {type(name).__name__}")
    if not name or name.strip() != name or not name.isprintable():
        raise InvalidArgumentError(
            f"name must be a non-empty string without surrounding spaces, got {name!r}"
        )
    if name in NAMED_SETS:
        raise InvalidArgumentError(
            f"{name!r} is the name of a candidate set ({sorted(NAMED_SETS)}); choose another"
        )
    if not isinstance(replace, bool):
        raise ArgumentTypeError(f"replace must be True or False, got {replace!r}")
    if not replace:
        if name in _CUSTOM:
            raise InvalidArgumentError(
                f"{name!r} is already registered; pass replace=True to redefine it"
            )
        if name in _scipy_registry():
            raise InvalidArgumentError(
                f"{name!r} is a scipy distribution; choose another name or pass replace=True "
                "to shadow it"
            )
    dist = as_rv_continuous(rv, name)
    family = ScipyFamily(dist)
    if not (family.has_own("_pdf") or family.has_own("_cdf")):
        raise InvalidArgumentError(
            f"{name!r}: the distribution defines neither _pdf nor _cdf; define at least one"
        )
    clash = {"loc", "scale"} & set(family.shape_names)
    if clash:
        raise InvalidArgumentError(
            f"{name!r}: shape names {sorted(clash)} collide with scipy's loc/scale"
        )
    try:
        pickle.loads(pickle.dumps(dist))
    except Exception as exc:
        raise InvalidArgumentError(
            f"{name!r} cannot be pickled, so it cannot reach Ray workers (define its class "
            f"at module level): {type(exc).__name__}: {exc}"
        ) from exc
    _CUSTOM[name] = dist
    return dist


def unregister_distribution(name: str) -> None:
    """Remove a distribution added with :func:`register_distribution`."""
    if not isinstance(name, str) or name not in _CUSTOM:
        raise UnknownDistributionError(
            f"{name!r} is not a registered custom distribution; registered: {sorted(_CUSTOM)}"
        )
    del _CUSTOM[name]


def custom_snapshot() -> dict[str, st.rv_continuous]:
    """The registered distributions, to ship to Ray tasks (put it in the object store once)."""
    return dict(_CUSTOM)


def install(snapshot: Mapping[str, st.rv_continuous] | None) -> None:
    """Make this process's custom registry exactly ``snapshot`` (run at the start of a task).

    A worker process outlives one fit, so the whole registry is replaced: a name the
    driver has since unregistered or redefined does not linger.
    """
    _CUSTOM.clear()
    if snapshot:
        _CUSTOM.update(snapshot)


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

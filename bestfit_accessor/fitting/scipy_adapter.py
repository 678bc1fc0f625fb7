"""The one place that touches scipy's private distribution API.

A fit evaluates a distribution's CDF hundreds of times on the same bin edges, and
the public ``dist.cdf(x, *shapes, loc=, scale=)`` spends 30–80 µs per call on
argument checks, broadcasting and support masks. The private methods (``_cdf``,
``_sf``, ``_logpdf``, ``_pdf``, ``_ppf``, ``_argcheck``, ``_get_support``,
``_shape_info``, ``_fitstart``) skip all that, but they are not a stable API: every
use of them lives here, so a scipy upgrade that changes them breaks one module,
and ``tests/unit/test_scipy_adapter.py`` compares this module with the public API
for every default candidate.

API
---
``ScipyFamily(dist)`` wraps one ``scipy.stats.rv_continuous`` (scipy's own, a
user's subclass, or the wrapper of a ``make_distribution`` object below):

* ``dist``, ``name``, ``numargs``, ``shape_names``, ``param_names`` (shapes, then
  ``loc``, ``scale``).
* ``shape_domains() -> list[(lo, hi)]``: each shape's domain as floats, scipy's
  ``±1e300`` read as ``±inf`` and a tiny positive lower bound (an open ``(0, …)``)
  as ``0``. A user subclass without ``_shape_info`` gets ``(0, inf)`` per shape
  when it keeps scipy's default ``_argcheck`` (all shapes positive), else
  ``(-inf, inf)``.
* ``argcheck(*shapes) -> bool``: the shapes are finite and scipy accepts them.
* ``support(*shapes) -> (a, b)``: the standardised support, as floats.
* ``cdf``, ``sf``, ``pdf``, ``logpdf`` ``(z, *shapes)`` and ``ppf``, ``isf``
  ``(q, *shapes)`` on **standardised** values (``loc = 0``, ``scale = 1``): the
  private fast path. Shapes are scalars (or arrays shaped like ``z``) and are
  broadcast to ``z``; the result has ``z``'s shape. Preconditions, as for scipy's
  private methods: ``argcheck(*shapes)`` holds and ``z`` lies inside
  ``support(*shapes)`` (clip it there) — outside, the private formulas may return
  finite nonsense. Entries where the fast path returns a non-finite value
  (``cdf``/``sf``/``pdf``) or NaN (``logpdf``/``ppf``/``isf``) are recomputed with
  the public method, so a boundary value comes out as scipy's public API says.
* ``has_own_ppf`` (a closed-form or family-specific ``ppf``, cheap enough to use
  for quantile coordinates), ``has_own_fitstart``, ``has_own(method_name)``.
* ``fitstart(sample) -> ndarray``: scipy's start ``(shapes…, loc, scale)``.
* ``frozen(params)``: the public frozen distribution for ``(shapes…, loc, scale)``.

``family_of(dist)`` returns a cached ``ScipyFamily`` for a distribution object (the
registry's objects live for the whole process, so the cache is small).

Custom distributions: ``as_rv_continuous(obj, name)`` turns what a user registers
into an ``rv_continuous``: an ``rv_continuous`` instance is used as it is; a
``ContinuousDistribution`` class made by ``scipy.stats.make_distribution`` (scipy
≥ 1.15), an instance of one, or the interface object given to ``make_distribution``
becomes a :class:`NewStyleContinuous` — a thin ``rv_continuous`` whose private
methods call the new object's ``pdf``/``cdf``/``ccdf``/``logpdf``/``icdf``, with
the object's parameters as shapes and scipy's usual ``loc``/``scale`` on top.
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.stats as st

from ..exceptions import ArgumentTypeError, InvalidArgumentError, MissingDependencyError

__all__ = [
    "NewStyleContinuous",
    "NewStyleContinuousWithPPF",
    "ScipyFamily",
    "as_rv_continuous",
    "family_of",
    "has_make_distribution",
]

#: scipy writes an open domain bound of 0 as the next float above it and an
#: unbounded one as ±1e300 or more; these read them back as 0 and ±inf.
_HUGE = 1e300
_TINY = 1e-300


def _domain(lo: float, hi: float) -> tuple[float, float]:
    lo, hi = float(lo), float(hi)
    lo = -math.inf if lo <= -_HUGE else (0.0 if 0.0 < lo < _TINY else lo)
    hi = math.inf if hi >= _HUGE else hi
    return lo, hi


_SCALARS = (float, int, np.floating, np.integer)


class ScipyFamily:
    """Fast, checked access to one ``rv_continuous`` in standardised units."""

    def __init__(self, dist: st.rv_continuous) -> None:
        if not isinstance(dist, st.rv_continuous):
            raise ArgumentTypeError(
                f"expected a scipy.stats.rv_continuous, got {type(dist).__name__}"
            )
        self.dist = dist
        self.name: str = str(getattr(dist, "name", type(dist).__name__))
        self.numargs: int = int(dist.numargs)
        shapes = dist.shapes
        self.shape_names: tuple[str, ...] = (
            tuple(s.strip() for s in shapes.split(",")) if shapes else ()
        )
        self.param_names: tuple[str, ...] = (*self.shape_names, "loc", "scale")
        self.has_own_ppf: bool = self.has_own("_ppf")
        self.has_own_fitstart: bool = self.has_own("_fitstart")
        self._domains = self._read_domains()
        # The private methods, bound once (each attribute lookup costs on hot paths).
        self._cdf, self._sf = dist._cdf, dist._sf
        self._pdf, self._logpdf = dist._pdf, dist._logpdf
        self._ppf, self._isf = dist._ppf, dist._isf

    def __repr__(self) -> str:
        return f"ScipyFamily({self.name!r})"

    def __reduce__(self) -> tuple:
        return (type(self), (self.dist,))

    # -- what the family is -------------------------------------------------------

    def has_own(self, method: str) -> bool:
        """Whether the distribution's class overrides ``rv_continuous.<method>``."""
        base = getattr(st.rv_continuous, method, None)
        return getattr(type(self.dist), method, None) is not base

    def _read_domains(self) -> list[tuple[float, float]]:
        info = getattr(self.dist, "_shape_info", None)
        if info is not None:
            try:
                items = list(info())
            except NotImplementedError:
                items = None
            if items is not None and len(items) == self.numargs:
                return [_domain(*item.domain) for item in items]
        # A user's subclass without ``_shape_info``: scipy's default ``_argcheck``
        # accepts positive shapes; a custom one gives no bounds we can read.
        default = (0.0, math.inf) if not self.has_own("_argcheck") else (-math.inf, math.inf)
        return [default] * self.numargs

    def shape_domains(self) -> list[tuple[float, float]]:
        """Each shape's domain ``(lo, hi)`` as floats (±inf when unbounded)."""
        return list(self._domains)

    def argcheck(self, *shapes: float) -> bool:
        """The shapes are finite and inside the family's domain."""
        if not shapes:
            return True
        if not all(math.isfinite(s) for s in shapes):
            return False
        return bool(np.all(self.dist._argcheck(*shapes)))

    def support(self, *shapes: float) -> tuple[float, float]:
        """Support ``(a, b)`` of the standardised distribution at valid ``shapes``."""
        a, b = self.dist._get_support(*shapes)
        return float(np.asarray(a)), float(np.asarray(b))

    # -- the fast path ------------------------------------------------------------

    def _call(self, fast: Callable, public: str, x: Any, shapes: Sequence[Any],
              allow_inf: bool) -> np.ndarray:  # fmt: skip
        # Hot path (hundreds of calls per fit): one sum decides whether any value
        # needs the public fallback; the masks are computed only when it does.
        x = np.asarray(x, dtype=float)
        flat = x if x.ndim == 1 else x.reshape(-1)
        n = flat.size
        if n == 0:
            return np.empty(x.shape)
        args = [np.full(n, s, dtype=float) if isinstance(s, _SCALARS) or np.ndim(s) == 0
                else np.broadcast_to(np.asarray(s, dtype=float), x.shape).reshape(-1).copy()
                for s in shapes]  # fmt: skip
        out = fast(flat, *args)
        if not (isinstance(out, np.ndarray) and out.shape == flat.shape
                and out.dtype == np.float64):  # fmt: skip
            out = np.array(np.broadcast_to(np.asarray(out, dtype=float), flat.shape))
        total = out.sum()
        if total != total if allow_inf else not math.isfinite(total):
            bad = np.isnan(out) if allow_inf else ~np.isfinite(out)
            if bad.any():
                out = np.array(out, dtype=float)
                out[bad] = getattr(self.dist, public)(flat[bad], *(a[bad] for a in args))
        return out if out.shape == x.shape else out.reshape(x.shape)

    def cdf(self, z: Any, *shapes: Any) -> np.ndarray:
        """CDF at standardised ``z`` (inside the support; see the module docstring)."""
        return self._call(self._cdf, "cdf", z, shapes, False)

    def sf(self, z: Any, *shapes: Any) -> np.ndarray:
        """Survival function at standardised ``z``."""
        return self._call(self._sf, "sf", z, shapes, False)

    def pdf(self, z: Any, *shapes: Any) -> np.ndarray:
        """Density at standardised ``z``."""
        return self._call(self._pdf, "pdf", z, shapes, False)

    def logpdf(self, z: Any, *shapes: Any) -> np.ndarray:
        """Log-density at standardised ``z`` (``-inf`` where the density is zero)."""
        return self._call(self._logpdf, "logpdf", z, shapes, True)

    def ppf(self, q: Any, *shapes: Any) -> np.ndarray:
        """Standardised quantile at probabilities ``q`` in ``[0, 1]``."""
        return self._call(self._ppf, "ppf", q, shapes, True)

    def isf(self, q: Any, *shapes: Any) -> np.ndarray:
        """Standardised upper quantile: ``sf(isf(q)) = q``."""
        return self._call(self._isf, "isf", q, shapes, True)

    # -- starts and public objects ------------------------------------------------

    def fitstart(self, sample: np.ndarray) -> np.ndarray:
        """scipy's starting point ``(shapes…, loc, scale)`` for ``sample``.

        Only a family that overrides it (``has_own_fitstart``) has an informed
        one; the generic start is shapes of 1 with moment-matched loc and scale.
        """
        return np.asarray(self.dist._fitstart(np.asarray(sample, dtype=float)), dtype=float)

    def frozen(self, params: Sequence[float]):
        """The public frozen distribution for ``(shapes…, loc, scale)``."""
        *shapes, loc, scale = params
        return self.dist(*shapes, loc=loc, scale=scale)


_FAMILIES: dict[int, ScipyFamily] = {}
_FAMILY_CACHE_SIZE = 512


def family_of(dist: st.rv_continuous | ScipyFamily) -> ScipyFamily:
    """A cached :class:`ScipyFamily` for ``dist`` (or ``dist`` itself if it is one)."""
    if isinstance(dist, ScipyFamily):
        return dist
    family = _FAMILIES.get(id(dist))
    if family is None or family.dist is not dist:
        if len(_FAMILIES) >= _FAMILY_CACHE_SIZE:
            _FAMILIES.clear()
        family = _FAMILIES[id(dist)] = ScipyFamily(dist)  # holds dist: its id stays unique
    return family


# -- scipy's new-style distributions (make_distribution, scipy ≥ 1.15) ----------------


def has_make_distribution() -> bool:
    """Whether the installed scipy has ``scipy.stats.make_distribution``."""
    return hasattr(st, "make_distribution")


def _new_style_base() -> type | None:
    """Base class of scipy's new-style continuous distributions (not exported by scipy)."""
    try:
        from scipy.stats._distribution_infrastructure import ContinuousDistribution
    except ImportError:  # scipy < 1.15
        return None
    return ContinuousDistribution


def _source_of(cls: type) -> object | None:
    """The object ``make_distribution`` was called with, read from the class it made.

    The class keeps that object's methods as bound methods (``_pdf_formula`` …).
    """
    for attr in ("_pdf_formula", "_logpdf_formula", "_cdf_formula"):
        owner = getattr(cls.__dict__.get(attr), "__self__", None)
        if owner is not None:
            return owner
    return None


def _numeric(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _endpoint(value: object, default: float) -> float:
    """A domain endpoint as a float; ``default`` when it depends on other parameters."""
    return float(value) if _numeric(value) else default


#: Classes made by ``make_distribution``, by the pickled definition they were made from.
#: Making one costs most of a second (scipy parses its own source for the docstring);
#: freezing an ``rv_continuous`` and unpickling one in every Ray task rebuild the
#: wrapper, so each process makes the class once per definition.
_GENERATED: dict[bytes, type] = {}


def _definition_key(source: object) -> bytes | None:
    try:
        return pickle.dumps(source)
    except Exception:  # not picklable: not cached (and not registrable either)
        return None


def _generated_class(source: object, made: type | None = None) -> type:
    """``make_distribution(source)``, made once per process per definition."""
    key = _definition_key(source)
    cls = _GENERATED.get(key) if key is not None else None
    if cls is None:
        cls = made if made is not None else st.make_distribution(source)
        if key is not None:
            _GENERATED[key] = cls
    return cls


class NewStyleContinuous(st.rv_continuous):
    """An ``rv_continuous`` view of a ``make_distribution`` interface object.

    Holds the object the user gave ``make_distribution`` (picklable when its class
    is) and rebuilds the generated class wherever it is unpickled, so it travels
    to Ray workers. ``loc`` and ``scale`` are scipy's usual ones on top of the
    object's own parameters, which become the shapes.
    """

    def __init__(self, source: object = None, **kwargs: Any) -> None:
        if source is None:
            raise ArgumentTypeError("NewStyleContinuous needs the make_distribution object")
        self._source = source
        self._build()
        kwargs.setdefault("shapes", ", ".join(self._names) or None)
        kwargs.setdefault("name", type(source).__name__.lower())
        a, b = self._cls._variable.domain.endpoints
        kwargs.setdefault("a", _endpoint(a, -math.inf))
        kwargs.setdefault("b", _endpoint(b, math.inf))
        super().__init__(**kwargs)

    def _build(self) -> None:
        cls = _generated_class(self._source)
        self._cls = cls
        self._parameterization = cls._parameterizations[0] if cls._parameterizations else None
        self._names = (tuple(self._parameterization.parameters)
                       if self._parameterization is not None else ())  # fmt: skip
        self._last: tuple[tuple | None, Any] = (None, None)

    def _updated_ctor_param(self) -> dict:
        params = super()._updated_ctor_param()
        params["source"] = self._source
        return params

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        for key in ("_cls", "_parameterization", "_names", "_last"):
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._build()
        super().__setstate__(state)

    def _values(self, shapes: Sequence[Any]) -> dict[str, np.ndarray]:
        return {n: np.asarray(s, dtype=float) for n, s in zip(self._names, shapes, strict=True)}

    def _instance(self, shapes: Sequence[Any]):
        """The new-style distribution at ``shapes`` (cached for constant shapes)."""
        arrays = [np.asarray(s, dtype=float) for s in shapes]
        if all(a.size and np.all(a == a.flat[0]) for a in arrays):
            key = tuple(float(a.flat[0]) for a in arrays)
            if self._last[0] == key:
                return self._last[1]
            values = {n: np.asarray(v) for n, v in zip(self._names, key, strict=True)}
            instance = self._cls(**values, validation_policy="skip_all")
            self._last = (key, instance)
            return instance
        return self._cls(**self._values(arrays), validation_policy="skip_all")

    def _eval(self, method: str, x: np.ndarray, shapes: Sequence[Any]) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if x.size == 0:
            return np.empty(x.shape)
        return np.asarray(getattr(self._instance(shapes), method)(x), dtype=float)

    def _shape_info(self) -> list:
        from scipy.stats._distn_infrastructure import _ShapeInfo

        info = []
        if self._parameterization is not None:
            for name, parameter in self._parameterization.parameters.items():
                lo, hi = parameter.domain.endpoints
                domain = (_endpoint(lo, -math.inf), _endpoint(hi, math.inf))
                inclusive = tuple(bool(v) for v in parameter.domain.inclusive)
                info.append(_ShapeInfo(name, False, domain, inclusive))
        return info

    def _argcheck(self, *shapes: Any):
        if self._parameterization is None:
            return np.True_
        valid, _ = self._parameterization.validation(self._values(shapes))
        return valid

    def _get_support(self, *shapes: Any, **kwargs: Any):
        return self._cls._variable.domain.get_numerical_endpoints(self._values(shapes))

    def _pdf(self, x, *shapes):
        return self._eval("pdf", x, shapes)

    def _logpdf(self, x, *shapes):
        return self._eval("logpdf", x, shapes)

    def _cdf(self, x, *shapes):
        return self._eval("cdf", x, shapes)

    def _sf(self, x, *shapes):
        return self._eval("ccdf", x, shapes)


class NewStyleContinuousWithPPF(NewStyleContinuous):
    """:class:`NewStyleContinuous` whose object defines its own inverse CDF."""

    def _ppf(self, q, *shapes):
        return self._eval("icdf", q, shapes)

    def _isf(self, q, *shapes):
        return self._eval("iccdf", q, shapes)


def _wrap_new_style(source: object, name: str) -> st.rv_continuous:
    if not has_make_distribution():
        raise MissingDependencyError(
            f"scipy {_scipy_version()} has no make_distribution (added in scipy 1.15); "
            "upgrade scipy or register an rv_continuous instance"
        )
    own_ppf = callable(getattr(source, "icdf", None))
    cls = NewStyleContinuousWithPPF if own_ppf else NewStyleContinuous
    try:
        return cls(source=source, name=name)
    except (ArgumentTypeError, MissingDependencyError):
        raise
    except Exception as exc:
        raise InvalidArgumentError(
            f"cannot use {type(source).__name__} as a distribution: {type(exc).__name__}: {exc}"
        ) from exc


def _scipy_version() -> str:
    import scipy

    return scipy.__version__


def as_rv_continuous(obj: object, name: str) -> st.rv_continuous:
    """What a user registers, as an ``rv_continuous`` (see the module docstring)."""
    if isinstance(obj, st.rv_continuous):
        return obj
    if isinstance(obj, type) and issubclass(obj, st.rv_continuous):
        raise ArgumentTypeError(
            f"register an instance of {obj.__name__}, e.g. {obj.__name__}(name={name!r}), "
            "not the class"
        )
    if isinstance(obj, st.rv_discrete):
        raise ArgumentTypeError(f"{name!r}: only continuous distributions can be registered")
    base = _new_style_base()
    if base is not None:
        cls = obj if isinstance(obj, type) else type(obj)
        if issubclass(cls, base):
            source = _source_of(cls)
            if source is None:
                raise InvalidArgumentError(
                    f"cannot recover the definition behind {cls.__name__}; register the "
                    "object you passed to scipy.stats.make_distribution instead"
                )
            if not isinstance(source, st.rv_continuous):
                _generated_class(source, made=cls)  # the user already paid for making it
            return as_rv_continuous(source, name)
    if hasattr(obj, "__make_distribution_version__"):
        return _wrap_new_style(obj, name)
    raise ArgumentTypeError(
        f"{name!r}: expected a scipy.stats.rv_continuous instance, a class made by "
        f"scipy.stats.make_distribution or its input object; got {type(obj).__name__}"
    )

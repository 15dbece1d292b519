"""The numeric front door used by the CLI and paper_checks: flow, fixed point, moments.

One signature for every chain; the work is dispatched to
``numerics.exact`` (closed forms evaluated at ``dps``: Gaussian and Ising decimation)
or ``numerics.general`` (transfer-operator solver: every admissible even potential,
and block-spin RG). Both modules implement the same three functions.
"""
from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

from numerics.precision import check_dps
from proofs.errors import MalformedInput, NotConverged, NotSupported

if TYPE_CHECKING:
    from proofs.family import Chain

SCHEMES = ("decimation", "block")
METHODS = ("projection", "flow")


@dataclass(frozen=True)
class Point:
    """A numeric chain parameter theta = (K; a_1..a_n) with its absolute error estimate."""

    K: Any                      # mpf (Any: mpmath publishes no types)
    a: tuple[Any, ...]
    error: Any
    note: str = ""              # e.g. "on the edge a_2 = 0: ... constrained projection"


@dataclass(frozen=True)
class FixedPoint:
    """The fixed point a flow reaches, in coordinates (K, a_1..a_n)."""

    K: Any
    a: tuple[Any, ...]
    error: Any
    eigenvalues: tuple[Any, ...]    # of the Jacobian of the (projected) RG map, in (K, a) coordinates
    dps: int
    scheme: str
    b: int
    exponents: tuple[Any, ...] = ()     # y = log|lambda| / log b
    enclosure: Any = None       # certified interval box, or None
    note: str = ""              # e.g. "flow ends on the edge a_2 = 0", "could not certify: ..."
    eigenvalues_error: Any = None       # absolute error estimate of the eigenvalues (None: unknown)
    proved: Any = None          # with certify: {"K": [lo, hi], "a": [[lo, hi], ..]} decimal strings, or None
    proof_note: str = ""        # with certify: what is proved, or why the proof does not close (one sentence)


@dataclass(frozen=True)
class Moments:
    """Infinite-chain A(theta), single-site moments m_2..m_2n and correlations C(1..lags)."""

    A: Any
    m: tuple[Any, ...]
    corr: tuple[Any, ...]
    error: Any
    dps: int
    details: dict[str, Any] = field(default_factory=dict)
    proved: Any = None          # with certify: {"A": [lo, hi], "m": [[lo, hi], ..], "corr": [..]} or None
    proof_note: str = ""        # with certify: what is proved, or why the proof does not close (one sentence)


def _validate(scheme: str = "decimation", b: int = 2, steps: int = 0, dps: int = 30) -> None:
    if scheme not in SCHEMES:
        raise MalformedInput("scheme", scheme, f"choose one of {', '.join(SCHEMES)}")
    if isinstance(b, bool) or not isinstance(b, int) or not 2 <= b <= 64:
        raise MalformedInput("b", repr(b), "the RG block size must be an integer between 2 and 64")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= 10_000:
        raise MalformedInput("steps", repr(steps), "must be an integer between 0 and 10000")
    check_dps(dps)


def _backend(chain: Chain, scheme: str) -> ModuleType:
    if chain.is_ising and scheme == "block":
        raise NotSupported("block-spin RG is defined here for continuous spins only; use --scheme decimation for Ising")
    exact = scheme == "decimation" and (chain.is_ising or chain.is_gaussian)
    name = "numerics.exact" if exact else "numerics.general"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        raise NotSupported(f"{chain!r} with scheme {scheme!r} is not yet supported "
                           f"(needs {name})") from None


def _singular_as_not_converged(what: str, chain: Chain, scheme: str, dps: int) -> AbstractContextManager[None]:
    """Newton and Jacobian steps solve linear systems; mpmath raises ZeroDivisionError when one is
    numerically singular. That is the method failing on this chain, reported as NotConverged."""
    @contextmanager
    def guard() -> Iterator[None]:
        try:
            yield
        except ZeroDivisionError as exc:
            if "singular" not in str(exc):
                raise
            raise NotConverged(f"{what} ({scheme}) from {chain!r}: a linear system of the method is numerically "
                               f"singular at {dps} digits, so no result; try another --scheme, --b or --dps") from None
    return guard()


def flow(chain: Chain, *, scheme: str = "decimation", b: int = 2, steps: int = 6, dps: int = 30) -> list[Point]:
    """[theta_0, R(theta_0), ..., R^steps(theta_0)] as Points; theta_0 is the input."""
    _validate(scheme, b, steps, dps)
    with _singular_as_not_converged("flow", chain, scheme, dps):
        return _backend(chain, scheme).flow(chain, scheme=scheme, b=b, steps=steps, dps=dps)


def fixed_point(chain: Chain, *, scheme: str = "decimation", b: int = 2, dps: int = 30,
                certify: bool = False, method: str = "projection") -> FixedPoint:
    """The fixed point the flow from ``chain`` reaches, with Jacobian eigenvalues.

    ``method`` (transfer-operator chains, decimation): "projection" solves Theorem R's (0; a*) once
    at full precision after a float64 flow; "flow" follows the projected flow at full precision
    (the independent route, docs/theory.md 5.7). Closed-form chains ignore it.
    ``certify``: also the Krawczyk ``enclosure`` of docs/theory.md 5.8 and the proof of
    docs/theory.md 5.15 (``proved``, ``proof_note``).
    """
    _validate(scheme, b, 0, dps)
    if method not in METHODS:
        raise MalformedInput("method", method, f"choose one of {', '.join(METHODS)}")
    backend = _backend(chain, scheme)
    with _singular_as_not_converged("fixed point", chain, scheme, dps):
        if backend.__name__ == "numerics.general":
            fp = backend.fixed_point(chain, scheme=scheme, b=b, dps=dps, certify=certify, method=method)
        else:
            fp = backend.fixed_point(chain, scheme=scheme, b=b, dps=dps, certify=certify)
    if not certify:
        return fp
    from numerics import proved
    proof = proved.fixed_point(chain, fp.a, fp.error, scheme, dps)
    return dataclasses.replace(fp, proved=proof.intervals, proof_note=proof.note)


def moments(chain: Chain, *, dps: int = 30, lags: int = 4, certify: bool = False) -> Moments:
    """A(theta), m_(2k) for k = 1..n and C(r) for r = 1..lags, infinite chain.

    ``certify``: also enclosures that are proofs (``proved``, ``proof_note``; docs/theory.md 5.15).
    """
    _validate(dps=dps)
    if isinstance(lags, bool) or not isinstance(lags, int) or not 1 <= lags <= 1000:
        raise MalformedInput("lags", repr(lags), "must be an integer between 1 and 1000")
    mo = _backend(chain, "decimation").moments(chain, dps=dps, lags=lags)
    if not certify:
        return mo
    from numerics import proved
    proof = proved.moments(chain, dps, lags)
    return dataclasses.replace(mo, proved=proof.intervals, proof_note=proof.note)

"""The numeric front door used by the CLI and paper_checks: flow, fixed point, moments.

One signature for every chain; the work is dispatched to
``numerics.exact`` (closed forms evaluated at ``dps``: Gaussian and Ising decimation)
or ``numerics.general`` (transfer-operator solver: every admissible even potential,
and block-spin RG). Both modules implement the same three functions.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from types import ModuleType
from typing import TYPE_CHECKING

from numerics.point import FixedPoint, Moments, Point
from numerics.precision import check_dps
from proofs.errors import MalformedInput, NotConverged, NotSupported

if TYPE_CHECKING:
    from proofs.family import Chain

__all__ = ["METHODS", "SCHEMES", "FixedPoint", "Moments", "Point", "fixed_point", "flow", "moments"]

SCHEMES = ("decimation", "block")
METHODS = ("projection", "flow")


def _validate(scheme: str = "decimation", b: int = 2, steps: int = 0, dps: int = 30) -> None:
    if scheme not in SCHEMES:
        raise MalformedInput("scheme", scheme, f"choose one of {', '.join(SCHEMES)}")
    if isinstance(b, bool) or not isinstance(b, int) or not 2 <= b <= 64:
        raise MalformedInput("b", repr(b), "the RG block size must be an integer between 2 and 64")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= 10_000:
        raise MalformedInput("steps", repr(steps), "must be an integer between 0 and 10000")
    check_dps(dps)


def _backend(chain: Chain, scheme: str) -> ModuleType:
    """``numerics.exact`` for Gaussian and Ising decimation (closed forms), else ``numerics.general``.

    Imported here, by name, when first needed: the closed forms load sympy, the transfer operator flint,
    and a command that needs neither starts without them.
    """
    if chain.is_ising and scheme == "block":
        raise NotSupported("block-spin RG is defined here for continuous spins only; use --scheme decimation for Ising")
    if scheme == "decimation" and (chain.is_ising or chain.is_gaussian):
        from numerics import exact
        return exact
    from numerics import general
    return general


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


def flow(chain: Chain, *, scheme: str = "decimation", b: int = 2, steps: int = 6, dps: int = 30,
         until_fixed: bool = False) -> list[Point]:
    """[theta_0, R(theta_0), ..., R^steps(theta_0)] as Points; theta_0 is the input.

    ``until_fixed``: stop at the first step that repeats its point to ``dps`` digits (the flow has
    reached its fixed point to the working precision); that point carries a note saying so, and
    the list is shorter than steps + 1.
    """
    _validate(scheme, b, steps, dps)
    with _singular_as_not_converged("flow", chain, scheme, dps):
        return _backend(chain, scheme).flow(chain, scheme=scheme, b=b, steps=steps, dps=dps, until_fixed=until_fixed)


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

"""What ``numerics.api`` returns: a point of the flow, a fixed point, the moments; each with its error estimate.

Kept apart from ``numerics.api`` so that the backends (``numerics.exact``, ``numerics.general``) build them
without importing the front door that imports them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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

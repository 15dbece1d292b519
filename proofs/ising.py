"""The Ising chain under decimation: closed forms (FRAMEWORK.md 2 and 3.1).

    L(s) = 2 cosh s,   tanh K' = (tanh K)^b,   A(K) = log(2 cosh K),   C(r) = (tanh K)^|r|

For large |K| the same recursion is written in q = exp(-2|K|), where it has no
cancellation:  q' = O_b(q) / E_b(q)  with O_b, E_b the odd and even parts of (1 + q)^b.

>>> recursion_q(2)
2*q/(q**2 + 1)
>>> FREE_ENERGY
log(2*cosh(K))
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

K = sp.Symbol("K", real=True)
q = sp.Symbol("q", positive=True)          # q = exp(-2|K|), in (0, 1]
r = sp.Symbol("r", integer=True, nonnegative=True)

LAPLACE = 2 * sp.cosh(sp.Symbol("s"))
FREE_ENERGY = sp.log(2 * sp.cosh(K))
FREE_ENERGY_Q = -sp.log(q) / 2 + sp.log(1 + q)         # = log(2 cosh |K|) at q = exp(-2|K|)
CORRELATION = sp.tanh(K) ** r


@lru_cache(maxsize=None)
def recursion(bb):
    """K' = atanh((tanh K)^b)."""
    return sp.atanh(sp.tanh(K) ** int(bb))


@lru_cache(maxsize=None)
def recursion_q(bb):
    """q' = exp(-2 K') as a function of q = exp(-2 K), K > 0: odd over even part of (1 + q)^b.

    From tanh K = (1 - q) / (1 + q):  q' = ((1 + q)^b - (1 - q)^b) / ((1 + q)^b + (1 - q)^b).
    """
    bb = int(bb)
    odd = sp.Add(*[sp.binomial(bb, j) * q ** j for j in range(1, bb + 1, 2)])
    even = sp.Add(*[sp.binomial(bb, j) * q ** j for j in range(0, bb + 1, 2)])
    return odd / even


@lru_cache(maxsize=None)
def derivative_at_zero(bb):
    """dK'/dK at the fixed point K* = 0: 0 for every b >= 2 (K' = K^b + O(K^(b+2))).

    >>> derivative_at_zero(2), derivative_at_zero(3)
    (0, 0)
    """
    return sp.simplify(sp.diff(recursion(bb), K).subs(K, 0))

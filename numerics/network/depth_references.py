"""Each scheme's reference at depth L and its fixed point, for one data chain (docs/theory.md 3.3, 4.5).

A reference at depth L is a one-shot projection: the law of the chain coarse-grained L times by the
scheme, projected once onto the family (chi, docs/theory.md 3.2):

- ``decimation``: R^L(theta) = chi(law of (x_0, x_(b^L), x_(2 b^L), ..)): the targets are
  (C(b^L), m_2, .., m_2n). Gaussian: u_L = u^(b^L), rho kept; Ising: tanh K_L = (tanh K)^(b^L).
- ``block``: B^L(theta) = chi(law of y_j = zeta S_j), S_j the sum of the b^L sites of block j, zeta^2 =
  m_2 / E[S^2] (the variance kept): the targets are (zeta^2 E[S_0 S_1], m_2, zeta^4 E[S^4], ..).
  Gaussian: u_L = Cov(S_0, S_1) / Var(S_0) by covariance algebra, rho kept. Ising: majority rule
  on blocks of b_block sites (b if b is odd, else 3), iterated L times on the spins, projected once
  (tanh K_L = E[h_0 h_1]).

Fixed points (``fixed_points``):
- decimation: Theorem R's (0; a*) (docs/theory.md 3.3); Gaussian (0, rho); Ising K* = 0.
- block: the limit of the projected block-spin flow, ``numerics.api.fixed_point(scheme="block")``:
  near the decoupled Gaussian that keeps m_2, (0; 1/(2 m_2), 0, ..) on the edge a_2 = 0; Gaussian
  (0, rho), the same point as decimation's; Ising K* = 0 for majority rule as for decimation: the two
  schemes share their fixed point there, and only the way there tells them apart.

Each entry is a ``Reference``: theta, u = lambda_1/lambda_0 and the shape m_4/m_2^2 (None for Ising).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from numerics.klrate import chain_stats
from numerics.network.depth_compare import stats
from numerics.runtime import one_thread

WEAK = 1e-10              # |C(b^L)| / m_2 below this: the decimated chain is taken to first order in K_L
FIXED_POINT_DPS = 15        # the fixed points are compared in float64; 15 digits carry every digit used
SCHEMES = ("decimation", "block")


@dataclass(frozen=True)
class Reference:
    """A scheme's reference chain: at depth L (R^L or B^L), or its fixed point (L None)."""

    scheme: str                 # "decimation" | "block"
    L: int | None               # depth; None for the fixed point
    theta: tuple[float, ...]    # (K, a_1..a_n) or (K,) for Ising, at the data's m_2
    u: float                    # lambda_1 / lambda_0
    shape: float | None         # m_4 / m_2^2 of the single-site law; None for Ising
    note: str = ""              # e.g. "on the edge a_2 = 0", "closed form"

    def to_dict(self) -> dict:
        """{"L", "u", "shape", "theta": {"K", "a"}, "note"} (fixed points without "L")."""
        out = {"L": self.L, "u": self.u, "shape": self.shape,
               "theta": {"K": self.theta[0], "a": list(self.theta[1:])}, "note": self.note}
        if self.L is None:
            out.pop("L")
        return out


def block_of(chain, scheme: str, b: int) -> int:
    """The block size a scheme uses for this chain: b, except majority rule on Ising chains (odd: b or 3)."""
    if scheme == "block" and chain.is_ising and b % 2 == 0:
        return 3
    return b


def _gaussian_theta(u, rho):
    """(K, a) of the Gaussian chain with this u and rho (docs/theory.md 3.1)."""
    return (2 * rho * u / (1 - u * u), rho * (1 + u * u) / (1 - u * u))


def gaussian_block_u(u, n):
    """u of the block-sum chain of n sites of a Gaussian chain: Cov(S_0, S_1) / Var(S_0), covariance algebra.

    With C(r) = u^|r| / (2 rho): Cov(S_0, S_1) = u ((1 - u^n)/(1 - u))^2 and
    Var(S_0) = n (1 + u)/(1 - u) - 2u (1 - u^n)/(1 - u)^2 (both times 1/(2 rho)).

    >>> u = 2 - 3 ** 0.5
    >>> round(gaussian_block_u(u, 2), 12) == round(u * (1 + u) / 2, 12)      # docs/theory.md 3.3
    True
    """
    if u == 0:
        return 0.0
    with np.errstate(under="ignore"):
        un = u ** n
    geo = (1 - un) / (1 - u)
    return u * geo * geo / (n * (1 + u) / (1 - u) - 2 * u * geo / (1 - u))


def _chain_floats(chain):
    return float(chain.K), tuple(float(v) for v in chain.a)


def _ref(scheme, L, theta, kind, note=""):
    s = stats(tuple(float(v) for v in theta), kind)
    u = 0.0 if theta[0] == 0 else float(s.u)        # K = 0: u = 0 exactly (the grid's odd/even ratio is ~1e-16)
    return Reference(scheme, L, tuple(float(v) for v in theta), u, s.shape, note)


def references(chain, b: int, layers: int) -> dict[str, list[Reference]]:
    """{"decimation": [R^1..R^layers], "block": [B^1..B^layers]} of ``chain`` (a ``proofs.family.Chain``)."""
    with one_thread():
        return {s: list(_references(chain, s, b, layers)) for s in SCHEMES}


@lru_cache(maxsize=64)
def _references(chain, scheme, b, layers):
    K, a = _chain_floats(chain)
    if chain.is_ising:
        return tuple(_ising_references(K, scheme, block_of(chain, scheme, b), layers))
    if chain.is_gaussian:
        rho = math.sqrt(a[0] ** 2 - K * K)
        u = K / (a[0] + rho)
        pad = (0.0,) * (len(a) - 1)
        out = []
        for L in range(1, layers + 1):
            n = b ** L
            with np.errstate(under="ignore"):
                uL = u ** n if scheme == "decimation" else gaussian_block_u(u, n)
            note = ("closed form: u_L = u^(b^L), rho kept" if scheme == "decimation" else
                    "closed form: block-sum covariances, u_L = Cov(S_0, S_1)/Var(S_0), rho kept")
            out.append(Reference(scheme, L, (*_gaussian_theta(uL, rho), *pad), uL, 3.0, note))
        return tuple(out)
    from numerics.network.chain_blocks import ChainBlocks
    cb = ChainBlocks((K, *a))
    out, start = [], (K, *a)
    for L in range(1, layers + 1):
        t = cb.decimation_targets(b ** L) if scheme == "decimation" else cb.block_targets(b ** L)
        m2 = t[1]
        if scheme == "decimation" and abs(t[0]) < WEAK * m2:
            # K_L ~ C(b^L)/m_2^2 and u_L = C(b^L)/m_2 to relative O(K_L^2); a = a* to O(K_L^2): below float64
            a_star = _fixed_points(chain, b)[0][1].theta[1:]
            out.append(Reference(scheme, L, (t[0] / m2 ** 2, *a_star), t[0] / m2, out[-1].shape if out else
                                 chain_stats((0.0, *a_star)).shape,
                                 f"|C(b^L)| < {WEAK:g} m_2: first order in K_L, u_L = C(b^L)/m_2, a = a*"))
            continue
        theta, note = cb.project(t, start)
        start = theta
        out.append(_ref(scheme, L, theta, "continuous", note))
    return tuple(out)


def _ising_references(K, scheme, b, layers):
    t = math.tanh(K)
    if scheme == "decimation":
        ts = [t ** (b ** L) for L in range(1, layers + 1)]
        note = "closed form: tanh K_L = (tanh K)^(b^L)"
    else:
        from numerics.network.ising_block_maps import iterate, majority_table
        ts = iterate(t, b, majority_table(b), layers)
        note = (f"majority rule on blocks of {b} spins, iterated L times (2 x 2 transfer matrices), "
                "tanh K_L = E[h_0 h_1]")
    for L, tL in enumerate(ts, 1):
        yield Reference(scheme, L, (math.atanh(tL),), tL, None, note)


def fixed_points(chain, b: int) -> dict[str, Reference]:
    """{"decimation": (0; a*), "block": the block-spin fixed point} with u and shape."""
    with one_thread():
        return dict(_fixed_points(chain, b))


@lru_cache(maxsize=64)
def _fixed_points(chain, b):
    K, a = _chain_floats(chain)
    if chain.is_ising:
        note = "K* = 0 (tanh K' = tanh^b K for decimation; majority rule's flow also ends at K* = 0): shared"
        return (("decimation", Reference("decimation", None, (0.0,), 0.0, None, note)),
                ("block", Reference("block", None, (0.0,), 0.0, None, note)))
    if chain.is_gaussian:
        rho = math.sqrt(a[0] ** 2 - K * K)
        theta = (0.0, rho, *(0.0,) * (len(a) - 1))
        return (("decimation", Reference("decimation", None, theta, 0.0, 3.0,
                                         "Theorem R: (0, rho), rho = sqrt(a^2 - K^2) (closed form)")),
                ("block", Reference("block", None, theta, 0.0, 3.0,
                                    "(0, rho): the block-spin flow u' = u (1 + u)/2 (b = 2) keeps rho and sends u to "
                                    "0; "
                                    "the same point as decimation's")))
    from numerics import api
    fp = api.fixed_point(chain, scheme="decimation", b=b, dps=FIXED_POINT_DPS)
    dec = (float(fp.K), *(float(v) for v in fp.a))
    m2 = chain_stats((K, *a)).m[0]
    block = (0.0, 1 / (2 * m2), *(0.0,) * (len(a) - 1))
    return (("decimation", _ref("decimation", None, dec, "continuous",
                                f"Theorem R's (0; a*): numerics.api.fixed_point(b={b}, dps={FIXED_POINT_DPS})")),
            ("block", _ref("block", None, block, "continuous",
                           "the decoupled Gaussian keeping m_2, (0; 1/(2 m_2), 0, ..), on the edge a_2 = 0: where the "
                           "projected block-spin flow ends (numerics.api.fixed_point(scheme='block') finds it: claim "
                           "numerics.block-spin-limit)")))

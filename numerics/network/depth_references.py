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

from dataclasses import dataclass

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


def references(chain, b: int, layers: int) -> dict[str, list[Reference]]:
    """{"decimation": [R^1..R^layers], "block": [B^1..B^layers]} of ``chain`` (a ``proofs.family.Chain``)."""
    raise NotImplementedError


def fixed_points(chain, b: int) -> dict[str, Reference]:
    """{"decimation": (0; a*), "block": the block-spin fixed point} with u and shape."""
    raise NotImplementedError

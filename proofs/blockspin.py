"""Variance-preserving block-spin RG, exact: the n = 1 map and the decoupled eigenvalues (docs/theory.md 3.3).

Block sums S_j = x_(jb) + .. + x_(jb+b-1) of the Gaussian chain (C(r) = u^|r| / (2 rho)),
rescaled so that Var(y) = Var(x), projected onto the n = 1 family by matching
(E[y_0 y_1], E[y^2]): rho' = rho and

    u' = Cov(S_0, S_1) / Var(S_0) = sum_(r=1..2b-1) min(r, 2b - r) u^r / (b + 2 sum_(k=1..b-1) (b - k) u^k)
       = u (1 + u + .. + u^(b-1))^2 / (b + 2 sum_(k=1..b-1) (b - k) u^k),

derived here from the double sums over the sites of two neighbouring blocks. b = 2 gives
u' = u (1 + u) / 2, b = 3 gives u' = u (1 + u + u^2)^2 / (3 + 4 u + 2 u^2).

At the decoupled fixed point (K = 0) the single-site cumulants of a block sum add,
kappa_p(S) = b kappa_p(x), and zeta^2 = 1/b, so kappa_(2k)(y) = b^(1-k) kappa_(2k)(x): the
Jacobian eigenvalues there are 1 (the conserved variance), 1/b (u' = u/b + O(u^2)) and
b^(1-k) for k = 2..n (the higher cumulants).

>>> gaussian_block_map(2)
u*(u + 1)/2
>>> sp.factor(gaussian_block_map(3))
u*(u**2 + u + 1)**2/(2*u**2 + 4*u + 3)
>>> decoupled_eigenvalues(2, 3)
(1, 1/2, 1/2, 1/4)
"""
from __future__ import annotations

import sympy as sp

from proofs.errors import VerificationError
from proofs.symbols import u

B_MAX = 16          # the exact double sums grow like b^2; larger blocks are not needed by any claim


def _check_b(b):
    if isinstance(b, bool) or not isinstance(b, int) or not 2 <= b <= B_MAX:
        raise ValueError(f"block size b = {b!r} must be an integer in [2, {B_MAX}]")


def block_covariances(b):
    """(Var(S_0), Cov(S_0, S_1)) times 2 rho, as polynomials in u, from the explicit double sums over sites."""
    _check_b(b)
    var = sp.expand(sum(u ** abs(i - j) for i in range(b) for j in range(b)))
    cov = sp.expand(sum(u ** (j - i) for i in range(b) for j in range(b, 2 * b)))
    return var, cov


def gaussian_block_map(b):
    """u' = Cov(S_0, S_1) / Var(S_0) after cancelling common factors; verified against the closed sums."""
    var, cov = block_covariances(b)
    m = sp.cancel(cov / var)
    # the closed forms quoted in the module docstring, checked (a wrong derivation raises)
    closed_cov = sum(min(r, 2 * b - r) * u ** r for r in range(1, 2 * b))
    closed_var = b + 2 * sum((b - k) * u ** k for k in range(1, b))
    s = sum(u ** k for k in range(b))
    if sp.expand(cov - closed_cov) != 0 or sp.expand(var - closed_var) != 0 or sp.expand(cov - u * s ** 2) != 0:
        raise VerificationError(f"block-spin covariance sums at b = {b} disagree with their closed forms")
    if b == 2 and sp.simplify(m - u * (1 + u) / 2) != 0:
        raise VerificationError("the b = 2 block-spin map is not u (1 + u) / 2")
    return sp.factor(m) if b == 2 else m


def map_eigenvalue(b, at):
    """d u' / d u of the projected block-spin map at u = ``at`` (1/b at u = 0)."""
    return sp.simplify(sp.diff(gaussian_block_map(b), u).subs(u, at))


def decoupled_eigenvalues(b, n):
    """Jacobian eigenvalues at the decoupled Gaussian fixed point, in the family of degree n:
    (1, 1/b, b^(1-2), .., b^(1-n)), sorted by modulus (largest first)."""
    _check_b(b)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"degree n = {n!r} must be a positive integer")
    eig = [sp.Integer(1), sp.Rational(1, b)] + [sp.Rational(1, b ** (k - 1)) for k in range(2, n + 1)]
    return tuple(sorted(eig, key=lambda x: -x))

"""KL divergence rate per site between two chains of the family, and the scale-free u and shape (docs/theory.md 2, 4.4).

With natural parameters eta = (K, -a_1, ..., -a_n) and A(theta) = log lambda_0 the log-partition
per site, the KL divergence rate of the infinite chains is the Bregman divergence of A:

    d(theta || theta') = lim_N KL(p_theta || p_theta') / N
                       = A(theta') - A(theta) - C_theta(1) (K' - K) + sum_k m_2k(theta) (a'_k - a_k)

(dA/dK = C(1) = E[x_0 x_1], dA/da_k = -m_2k; docs/theory.md 2). d >= 0, d = 0 only at theta' = theta,
and d ~ (1/2) delta^T F delta for small delta with F the Hessian of A in eta (the asymptotic
covariance of the sufficient statistics per site). d is invariant under a common rescaling
x -> s x of both chains, so it is a scale-free effect size in nats per site.

Routes:
- ``closed``: Gaussian chains (a_2 = ... = 0), rho = sqrt(a_1^2 - K^2), u = K / (a_1 + rho):
  A = (1/2) log(2 pi / (a_1 + rho)), C(1) = u / (2 rho), m_2k = (2k - 1)!! / (2 rho)^k;
  Ising (spins +-1): A = log(2 cosh K), C(1) = tanh K, no a.
- ``grid``: the float64 transfer operator of ``numerics.network.grid_chain`` for any even V,
  in units x / s where the largest coefficient is O(1), on a grid of at least GRID_NODES nodes
  per half-range and spacing below the kernel's width (``_grid``).
  Chains of different n are compared with zero-padded coefficients (the edge a_n = 0 is a
  chain of the larger family).

Scale-free quantities of one chain: u = lambda_1 / lambda_0 (top odd over top even eigenvalue
of the transfer operator; K / (a_1 + rho) Gaussian, tanh K Ising; xi = -1/log|u|) and the shape
number m_4 / m_2^2 (kurtosis of the single-site marginal: 3 for Gaussian chains; None for Ising).

>>> round(kl_rate((0.5, 1.0), (0.5, 1.0)), 15)
0.0
>>> d = kl_rate((0.5, 1.0), (0.0, 3 ** 0.5 / 2))          # Gaussian example vs its theta* = (0, rho)
>>> abs(d - kl_rate((0.5, 1.0), (0.0, 3 ** 0.5 / 2), route="grid")) < 1e-9, round(d, 6)
(True, 0.037252)
>>> round(kl_rate((0.8,), (0.0,), kind="ising"), 6), round(u_ratio((0.8,), kind="ising"), 6)
(0.240476, 0.664037)
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from proofs.errors import InadmissibleParameter, MalformedInput, NotSupported
from proofs.family import ALL_ZERO, TOP_NOT_POSITIVE, admissibility_violation

KINDS = ("continuous", "ising")
ROUTES = ("auto", "closed", "grid")
GRID_NODES = 80           # minimum nodes per half-range
GRID_SPACING = 0.5        # h sqrt(1 + |K|) at most, in scaled units: the kernel's narrowest width is ~ 1/sqrt(1 + |K|)
GRID_NODES_MAX = 2000     # beyond this the chain is too close to criticality for a dense float64 grid


@dataclass(frozen=True)
class ChainStats:
    """A, C(1) = E[x_0 x_1], (m_2, ..., m_2n), u = lambda_1/lambda_0 and the shape m_4/m_2^2 of one chain."""

    A: float
    C1: float
    m: tuple
    u: float
    shape: float | None
    route: str


def check_theta(theta, kind="continuous", name="theta"):
    """theta as a float tuple, or a typed error: (K,) for Ising, (K, a_1..a_n) admissible otherwise."""
    if kind not in KINDS:
        raise MalformedInput("kind", str(kind), f"choose one of {', '.join(KINDS)}")
    try:
        t = tuple(float(v) for v in theta)
    except (TypeError, ValueError):
        raise MalformedInput(name, repr(theta), "expected a sequence of numbers (K, a_1, ..., a_n)") from None
    if not all(math.isfinite(v) for v in t):
        raise MalformedInput(name, repr(theta), "every component must be finite")
    if kind == "ising":
        if len(t) != 1:
            raise MalformedInput(name, repr(theta), "the Ising chain has one parameter: (K,)")
        return t
    if len(t) < 2:
        raise MalformedInput(name, repr(theta), "expected (K, a_1, ..., a_n) with n >= 1")
    K, a = t[0], t[1:]
    violation = admissibility_violation(K, a)          # the one rule, proofs.family
    if violation is None:
        return t
    m, reason = violation
    if reason == ALL_ZERO:
        raise InadmissibleParameter(f"{name}.a", a, "all coefficients are zero: exp(-V) is not integrable")
    if reason == TOP_NOT_POSITIVE:
        raise InadmissibleParameter(f"{name}.a_{m}", a[m - 1], "the highest non-zero coefficient must be positive")
    raise InadmissibleParameter(f"{name}.a_1", a[0], f"a Gaussian chain needs a_1 > |K| = {abs(K)}")


def valid_theta(theta, kind="continuous"):
    """True when ``check_theta`` accepts theta (no exception).

    Well-formed for ``kind`` and, for the continuous kinds, admissible by the one rule of
    ``proofs.family.admissibility_violation`` (docs/theory.md 1).
    """
    try:
        check_theta(theta, kind)
        return True
    except (InadmissibleParameter, MalformedInput):
        return False


def _is_gaussian(t):
    return all(v == 0 for v in t[2:])


def _double_factorial_odd(k):
    """(2k - 1)!! = 1 * 3 * ... * (2k - 1)."""
    return math.prod(range(1, 2 * k, 2))


def _gaussian_stats(t, n):
    K, a = t[0], t[1]
    rho = math.sqrt(a * a - K * K)
    u = K / (a + rho)
    m = tuple(_double_factorial_odd(k) / (2 * rho) ** k for k in range(1, n + 1))
    return ChainStats(A=0.5 * math.log(2 * math.pi / (a + rho)), C1=u / (2 * rho), m=m, u=u, shape=3.0,
                      route="closed")


def _scale(t):
    """A length s with max_k |a_k| s^(2k) = 1 at most: the grid works on x / s (any chain is O(1) there)."""
    return min(abs(v) ** (-1 / (2 * k)) for k, v in enumerate(t[1:], 1) if v != 0)


def _grid(t, nodes=GRID_NODES):
    """The grid chain on [-half_width, half_width] (grid_range: tail weight e^-46), h = half_width / nodes.

    nodes is at least GRID_NODES and at least half_width sqrt(1 + |K|) / GRID_SPACING.

    Measured against the Gaussian closed form: 160 nodes at (K, a) = (0.99, 1) give 1e-15, at
    (0.999, 1) a 1e-3 error, because half_width grows like (a - |K|)^(-1/2) while the kernel's width in
    x - y stays ~ (a + |K|)^(-1/2); the spacing cap keeps h ~ width / 3 (errors ~1e-15 again).
    """
    from numerics.network.grid_chain import GridChain, grid_range
    K, a = t[0], t[1:]
    half_width = grid_range(K, a)
    nodes = max(nodes, math.ceil(half_width * math.sqrt(1 + abs(K)) / GRID_SPACING))
    if nodes > GRID_NODES_MAX:
        raise NotSupported(f"theta = {t} (scaled) needs {nodes} grid nodes per half-range (> {GRID_NODES_MAX}): "
                           "too close to criticality for the float64 transfer operator")
    return GridChain(K, a, h=half_width / nodes, half_width=half_width)


def _grid_stats(t, n, nodes=GRID_NODES):
    # x = s x~ maps theta to theta~ = (K s^2, a_k s^(2k)); A = A~ + log s, C(1) = s^2 C~(1), m_2k = s^(2k) m~_2k
    s = _scale(t)
    g = _grid((t[0] * s * s, *(v * s ** (2 * k) for k, v in enumerate(t[1:], 1))), nodes)
    corr, m = g.infinite_moments(max(n, 2), lags=1)
    return ChainStats(A=g.log_lambda0() + math.log(s), C1=corr[0] * s * s,
                      m=tuple(v * s ** (2 * k) for k, v in enumerate(m[:n], 1)), u=_odd_over_even(g),
                      shape=m[1] / m[0] ** 2, route="grid")


def _odd_over_even(g):
    """lambda_1 / lambda_0: the top eigenvalue among odd eigenvectors over the (even, Perron) top one."""
    Q = g.Q
    parity = np.einsum("ij,ij->j", Q, Q[::-1])          # +1 even, -1 odd (the grid is symmetric)
    odd = np.flatnonzero(parity < 0)
    if odd.size == 0:
        return 0.0
    i = odd[np.argmax(np.abs(g.lam[odd]))]
    return float(g.lam[i] / g.lam0)


def chain_stats(theta, *, kind="continuous", n=None, route="auto"):
    """A, C(1), m_2..m_2n (n defaults to len(a)), u and shape of one chain, by the requested route."""
    t = check_theta(theta, kind)
    if route not in ROUTES:
        raise MalformedInput("route", str(route), f"choose one of {', '.join(ROUTES)}")
    if kind == "ising":
        if route == "grid":
            raise NotSupported("the Ising chain has a two-point transfer matrix: use the closed form")
        K = t[0]
        return ChainStats(A=math.log(2 * math.cosh(K)), C1=math.tanh(K), m=(), u=math.tanh(K), shape=None,
                          route="closed")
    n = len(t) - 1 if n is None else n
    if route == "closed" and not _is_gaussian(t):
        raise NotSupported(f"no closed form for theta = {t}: it is not Gaussian; use route='grid'")
    if route == "grid" or not _is_gaussian(t):
        return _grid_stats(t, n)
    return _gaussian_stats(t, n)


def kl_rate(theta, theta_prime, *, kind="continuous", route="auto"):
    """d(theta || theta') = A(theta') - A(theta) - C_theta(1) (K' - K) + sum_k m_2k(theta) (a'_k - a_k), nats/site."""
    t = check_theta(theta, kind, "theta")
    tp = check_theta(theta_prime, kind, "theta_prime")
    if kind == "ising":
        s, sp = chain_stats(t, kind=kind), chain_stats(tp, kind=kind)
        return sp.A - s.A - s.C1 * (tp[0] - t[0])
    n = max(len(t), len(tp)) - 1
    t = t + (0.0,) * (n + 1 - len(t))
    tp = tp + (0.0,) * (n + 1 - len(tp))
    s = chain_stats(t, n=n, route=route)
    sp = chain_stats(tp, n=n, route=route)
    return sp.A - s.A - s.C1 * (tp[0] - t[0]) + sum(mk * (bk - ak) for mk, ak, bk in zip(s.m, t[1:], tp[1:]))


def u_ratio(theta, *, kind="continuous", route="auto"):
    """u = lambda_1 / lambda_0 (odd over even top eigenvalue): K/(a_1 + rho) Gaussian, tanh K Ising."""
    return chain_stats(theta, kind=kind, route=route).u


def shape_number(theta, *, kind="continuous", route="auto"):
    """m_4 / m_2^2 of the single-site marginal (3 for Gaussian chains); None for Ising."""
    return chain_stats(theta, kind=kind, route=route).shape

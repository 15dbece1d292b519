"""Hypothesis properties over random admissible rationals, both RG schemes, b in {2, 3}.

Each property compares two independent routes (named in its docstring) with
``paper_checks.compare`` at a tolerance derived from the working precision.
Example counts per test are sized for the ``default`` profile (the whole suite
under 5 minutes on 2 cores) and raised under ``HYPOTHESIS_PROFILE=thorough``.

No silent skips: every backend is imported directly and a ``NotSupported`` raised for an
input the strategy generates fails the test (the strategies in tests/strategies.py state
each property's supported domain; an input outside it is never drawn).
"""
import functools
import os
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from numerics import api
from numerics.precision import Estimate, to_mpf
from paper_checks.compare import compare
from proofs import examples as EX
from proofs.errors import InadmissibleParameter, MalformedInput, NotSupported
from proofs.family import Chain, exact_rational
from proofs.potential import parse_potential
from tests.strategies import (
    gaussian_chains,
    inadmissible_gaussian,
    inadmissible_polynomial,
    ising_chains,
    malformed_numbers,
    quartic_single_wells,
    quartic_wells_decoupled,
    rg_b,
    sextic_chains,
)

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE", "default") == "thorough"
DPS = 30


def budget(default, thorough):
    """Examples per property: ``default`` keeps CI fast, ``thorough`` is for deep runs."""
    return settings(max_examples=thorough if THOROUGH else default)


# -- independent references -------------------------------------------------------------------

def gaussian_decimation_exact(K, a, b):
    """One decimation step by Schur complement, in exact rationals.

    H = x^T Q x / 2 with Q = 2a on the diagonal and -K beside it. Integrating out the b - 1
    sites between two kept ones (tridiagonal block T) leaves K' = K^2 (T^-1)_{1,b-1} and
    a' = a - K^2 (T^-1)_{11}. A route independent of the closed-form orbit in u.
    """
    n = b - 1
    T = sp.Matrix(n, n, lambda i, j: 2 * a if i == j else (-K if abs(i - j) == 1 else 0))
    Ti = T.inv()
    return K ** 2 * Ti[0, n - 1], a - K ** 2 * Ti[0, 0]


def ising_decimation_transfer(K, b):
    """One Ising decimation step from the b-th power of the 2x2 transfer matrix: e^(2K') = (T^b)_{++} / (T^b)_{+-}."""
    T = mpmath.matrix([[mpmath.exp(K), mpmath.exp(-K)], [mpmath.exp(-K), mpmath.exp(K)]])
    Tb = T ** b
    return mpmath.log(Tb[0, 0] / Tb[0, 1]) / 2


def gaussian_block_u(u, b):
    """Block-spin on the Gaussian chain, projected: u' = Cov(S_0, S_1) / Var(S_0) for block sums S.

    With C(r) proportional to u^|r|: Cov = u (1 + u + ... + u^(b-1))^2 and
    Var = b + 2 sum_{k<b} (b - k) u^k; the variance is kept, so rho' = rho (docs/theory.md 3.3).
    """
    s = sum(u ** k for k in range(b))
    return u * s ** 2 / (b + 2 * sum((b - k) * u ** k for k in range(1, b)))


def gaussian_from_rho_u(rho, u):
    """(K, a) = (2 rho u / (1 - u^2), rho (1 + u^2) / (1 - u^2))."""
    return 2 * rho * u / (1 - u ** 2), rho * (1 + u ** 2) / (1 - u ** 2)


def _assert(ev):
    assert ev.passed, ev.summary


# -- symbolic == numeric ----------------------------------------------------------------------

@budget(25, 400)
@given(gaussian_chains(), rg_b)
@example(EX.GAUSSIAN.chain, 2)                       # the docs/theory.md default
@example(Chain.gaussian(4, Fraction(257, 64)), 3)           # close to the critical chain (u near 1)
@example(Chain.gaussian(0, 1), 2)                           # already at the fixed line
def test_gaussian_decimation_flow_equals_exact_recursion(chain, b):
    """numerics.api.flow (closed-form orbit in u) == iterated exact Schur-complement recursion."""
    steps = 3
    pts = api.flow(chain, scheme="decimation", b=b, steps=steps, dps=DPS)
    K, a = chain.K, chain.a[0]
    rows = []
    for m in range(steps + 1):
        rows += [(f"{chain!r}, b={b}, step {m}: K", K, pts[m].K), (f"{chain!r}, b={b}, step {m}: a_1", a, pts[m].a[0])]
        K, a = gaussian_decimation_exact(K, a, b)
    _assert(compare(rows, dps=DPS))


@budget(25, 400)
@given(ising_chains(), rg_b)
@example(EX.ISING.chain, 2)
def test_ising_decimation_equals_transfer_matrix_power(chain, b):
    """numerics.api.flow (tanh K' = tanh(K)^b) == K' from the b-th power of the transfer matrix."""
    steps = 3
    pts = api.flow(chain, scheme="decimation", b=b, steps=steps, dps=DPS)
    with mpmath.workdps(3 * DPS):      # T^b loses ~2|K| b / ln 10 digits to cancellation; 3x dps covers |K| <= 3
        K = to_mpf(chain.K)
        rows = []
        for m in range(steps + 1):
            rows.append((f"{chain!r}, b={b}, step {m}", K, pts[m].K))
            K = ising_decimation_transfer(K, b)
    _assert(compare(rows, dps=DPS))


@budget(6, 60)
@given(gaussian_chains(max_K=Fraction(2)), rg_b)
@example(EX.GAUSSIAN.chain, 2)
def test_gaussian_block_spin_flow_equals_covariance_sums(chain, b):
    """numerics.api.flow(scheme='block') == the projected block-spin map from exact covariance sums."""
    steps = 2
    pts = api.flow(chain, scheme="block", b=b, steps=steps, dps=DPS)
    with mpmath.workdps(2 * DPS):
        K, a = to_mpf(chain.K), to_mpf(chain.a[0])
        rho = mpmath.sqrt(a ** 2 - K ** 2)
        u = K / (a + rho)
        rows = []
        for m in range(steps + 1):
            Km, am = gaussian_from_rho_u(rho, u)
            rows += [(f"{chain!r}, b={b}, step {m}: K", Km, pts[m].K),
                     (f"{chain!r}, b={b}, step {m}: a_1", am, pts[m].a[0])]
            u = gaussian_block_u(u, b)
    _assert(compare(rows, dps=DPS))


def quartic_marginal_moments_exact(a1, a2, dps):
    """(m_2, m_4) of exp(-a_1 x^2 - a_2 x^4) / z from the Bessel closed forms of z (proofs.laplace):
    m_(2k) = -d log z / d a_k, differentiated symbolically and evaluated at ``dps`` + 15 digits."""
    from proofs import laplace as LP
    if a1 > 0:
        z, sub, d1 = LP.quartic_normalizer_positive(), {LP.a1: a1, LP.a2: a2}, LP.a1
        m2 = -sp.diff(sp.log(z), d1)
    else:                                    # a_1 = -c_1: d/da_1 = -d/dc_1
        z, sub = LP.quartic_normalizer_negative(), {LP.c1: -a1, LP.a2: a2}
        m2 = sp.diff(sp.log(z), LP.c1)
    m4 = -sp.diff(sp.log(z), LP.a2)
    return [sp.N(e.subs(sub), dps + 15) for e in (m2, m4)]


@budget(5, 60)
@given(quartic_wells_decoupled())
@example(Chain.polynomial(0, ["0.5", "0.1"]))
@example(Chain.polynomial(0, ["-1", "0.25"]))
def test_quartic_marginal_moments_symbolic_equals_transfer_operator(chain):
    """m_2, m_4 at K = 0: Bessel closed form (proofs.laplace) == transfer-operator numerics (numerics.general)."""
    a1, a2 = chain.a
    mom = api.moments(chain, dps=DPS, lags=1)
    exact = quartic_marginal_moments_exact(a1, a2, DPS)
    _assert(compare([(f"{chain!r}: m_2", exact[0], mom.m[0]), (f"{chain!r}: m_4", exact[1], mom.m[1])], dps=DPS))


# -- projected flow's limit == projection of the single-site marginal -------------------------

def marginal_variance_quad(K, a, dps):
    """m_2 = (1/pi) int_0^pi dk / (2a - 2K cos k), the spectral density of the infinite chain, by tanh-sinh
    quadrature (no closed form): split near k = 0 and k = pi, where it peaks as a_1 -> |K|."""
    with mpmath.workdps(dps + 15):
        Kf, af = to_mpf(K), to_mpf(a)
        w = mpmath.sqrt((af - abs(Kf)) / (abs(Kf) + 1))
        pts = sorted({mpmath.mpf(0), mpmath.pi} | {x for c in (w / 4, w, 4 * w) if c < mpmath.pi / 2
                                                   for x in (c, mpmath.pi - c)})
        v, e = mpmath.quad(lambda k: 1 / (2 * af - 2 * Kf * mpmath.cos(k)), pts, error=True)
        return Estimate(v / mpmath.pi, abs(e) / mpmath.pi + mpmath.mpf(10) ** -(dps + 10), dps)


@budget(10, 200)
@given(gaussian_chains(), rg_b)
@example(EX.GAUSSIAN.chain, 2)
def test_gaussian_decimation_limit_is_marginal_projection(chain, b):
    """The fixed point numerics.exact reports == (0, 1/(2 m_2)): the Gaussian projection of the single-site
    marginal N(0, m_2), with m_2 by quadrature of the spectral density (not the closed form rho); and == the end
    of the flow (the closed-form orbit at u^(b^m)) after m steps with |u|^(b^m) < 10^-(DPS + 5)."""
    import math
    fp = api.fixed_point(chain, scheme="decimation", b=b, dps=DPS)
    m2 = marginal_variance_quad(chain.K, chain.a[0], DPS)
    with mpmath.workdps(DPS + 15):
        a_star = Estimate(1 / (2 * m2.value), m2.error / (2 * m2.value ** 2), DPS)
    u = float(abs(chain.K) / (chain.a[0] + sp.sqrt(chain.a[0] ** 2 - chain.K ** 2)))
    steps = 1 if u == 0 else max(1, math.ceil(math.log((DPS + 5) * math.log(10) / -math.log(u), b)))
    last = api.flow(chain, scheme="decimation", b=b, steps=steps, dps=DPS)[-1]
    _assert(compare([(f"{chain!r}: a* vs 1/(2 m_2) by quadrature", fp.a[0], a_star),
                     (f"{chain!r}: K* vs K_{steps} of the flow", fp.K, Estimate(last.K, last.error, DPS)),
                     (f"{chain!r}: a_{steps} vs 1/(2 m_2) by quadrature", last.a[0], a_star)], dps=DPS))


@budget(4, 40)
@given(gaussian_chains(max_K=Fraction(2)), rg_b)
@example(EX.GAUSSIAN.chain, 2)
def test_gaussian_block_spin_limit_is_marginal_projection(chain, b):
    """Block-spin keeps Var(x_0), so on the Gaussian chain its limit is (0, rho) too (docs/theory.md 3.3)."""
    fp = api.fixed_point(chain, scheme="block", b=b, dps=DPS)
    rho = sp.sqrt(chain.a[0] ** 2 - chain.K ** 2)
    _assert(compare([(f"{chain!r}: K*", 0, fp.K), (f"{chain!r}: a*", rho, fp.a[0])], dps=DPS))


@budget(2, 30)
@given(quartic_single_wells(), rg_b)
@example(EX.SINGLE_WELL.chain, 2)       # docs/theory.md single well
def test_quartic_decimation_limit_is_marginal_projection(chain, b):
    """Theorem R: the decimation flow's limit (numerics.api.flow) == a*, the M-projection of the
    single-site marginal by tanh-sinh quadrature + findroot (numerics.singlesite.projection_quad),
    independent of the transfer-operator projection chi that the flow's last step computes."""
    from numerics.singlesite import projection_quad
    mom = api.moments(chain, dps=DPS, lags=1)
    last = api.flow(chain, scheme="decimation", b=b, steps=7, dps=DPS)[-1]
    a_star, _ = projection_quad(mom.m, DPS, [float(x) for x in last.a])
    rows = [(f"{chain!r}, b={b}: K_7 vs K*", 0, last.K)]
    rows += [(f"{chain!r}, b={b}: a_{k + 1}", a_star[k], last.a[k]) for k in range(2)]
    _assert(compare(rows, dps=DPS))


@budget(4, 60)
@given(sextic_chains(decoupled=True))
@example(Chain.polynomial(0, ["1", "-0.5", "0.2"]))
def test_sextic_moments_equal_quadrature(chain):
    """n = 3: m_2, m_4, m_6 at K = 0 by the transfer operator (numerics.api.moments) == tanh-sinh
    quadrature of x^(2k) exp(-V) (numerics.singlesite.moments_quad), within the reported errors."""
    from numerics.singlesite import moments_quad
    mom = api.moments(chain, dps=DPS, lags=1)
    with mpmath.workdps(DPS + 20):
        ref = moments_quad([to_mpf(x) for x in chain.a], DPS + 10)
    rows = [(f"{chain!r}: m_{2 * k}", r, Estimate(v, e, DPS))
            for k, (r, v, e) in enumerate(zip(ref, mom.m, mom.details["err_m"]), 1)]
    _assert(compare(rows, dps=DPS, need_error=True))


@budget(3, 40)
@given(sextic_chains())
@example(Chain.polynomial("0.3", ["1", "-0.5", "0.2"]))
def test_sextic_virial_identity(chain):
    """n = 3 with coupling: sum_k 2k a_k m_2k - 2 K C(1) = 1 (integration by parts) from numerics.api.moments."""
    mom = api.moments(chain, dps=DPS, lags=1)
    with mpmath.workdps(DPS + 10):
        a = [to_mpf(x) for x in chain.a]
        lhs = (sum(2 * k * ak * mk for k, (ak, mk) in enumerate(zip(a, mom.m), 1))
               - 2 * to_mpf(chain.K) * mom.corr[0])
    _assert(compare([(f"{chain!r}: virial", 1, Estimate(lhs, 20 * mom.error, DPS))], dps=DPS, need_error=True))


def chain_at(point, dps):
    """The chain at a numeric flow point, its mpf coordinates read as exact decimals (dps + 10 digits)."""
    text = lambda v: mpmath.nstr(v, dps + 10, min_fixed=-dps - 10, max_fixed=dps + 10)  # noqa: E731
    return Chain.polynomial(Fraction(text(point.K)), [Fraction(text(v)) for v in point.a])


@budget(3, 30)
@given(quartic_single_wells(), rg_b)
@example(EX.SINGLE_WELL.chain, 2)
def test_quartic_block_spin_keeps_the_variance(chain, b):
    """Variance-preserving block-spin: m_2 of every point of the projected flow == m_2(theta)
    (numerics.api.moments at each point; docs/theory.md 3.3 chooses zeta so that Var(y_0) = Var(x_0))."""
    m2 = api.moments(chain, dps=DPS, lags=1).m[0]
    pts = api.flow(chain, scheme="block", b=b, steps=2, dps=DPS)
    rows = [(f"{chain!r}, b={b}, step {m}: m_2", m2, api.moments(chain_at(p, DPS), dps=DPS, lags=1).m[0])
            for m, p in enumerate(pts[1:], 1)]
    _assert(compare(rows, dps=DPS))


# -- the network side at its optimal weights (linear network, Gaussian data, docs/theory.md 4.3) ---

M_OUT = 8          # feature-layer width; N = M b^L data sites


def ring_precision(chain, N):
    """Q of H = x^T Q x / 2 on the periodic N-ring: 2 a_1 on the diagonal, -K beside it (float64)."""
    K, a = float(chain.K), float(chain.a[0])
    Q = 2 * a * np.eye(N)
    for i in range(N):
        Q[i, (i + 1) % N] = Q[(i + 1) % N, i] = -K
    return Q


def ring_statistics(Cy):
    """(E[y_0 y_1], E[y^2]) of outputs with covariance Cy, averaged over the M-ring."""
    M = Cy.shape[0]
    return [float(np.mean([Cy[j, (j + 1) % M] for j in range(M)])), float(np.mean(np.diag(Cy)))]


def m2_fourier(chain, dps=None):
    """m_2 of the infinite Gaussian chain by the Fourier route, independent of the closed form 1/(2 rho):
    m_2 = (1/pi) int_0^pi dk / (2a - 2K cos k), tanh-sinh quadrature (mpmath) at dps + 10 digits."""
    with mpmath.workdps((dps or 15) + 10):
        a, K = to_mpf(chain.a[0]), to_mpf(chain.K)
        return mpmath.quad(lambda k: 1 / (2 * a - 2 * K * mpmath.cos(k)), [0, mpmath.pi / 2, mpmath.pi]) / mpmath.pi


def float64_tolerance(chain):
    """Error bound of the float64 route: eps * cond(Q), cond(Q) = (a + |K|) / (a - |K|), times 10^2
    for the M-ring projection (a bisection to 1e-16 and a few sums)."""
    K, a = abs(float(chain.K)), float(chain.a[0])
    return 1e2 * np.finfo(float).eps * (a + K) / (a - K)


@budget(20, 300)
@given(gaussian_chains(max_K=Fraction(2)), rg_b)
@example(EX.GAUSSIAN.chain, 2)
def test_decimate_optimum_gives_R_L_and_converges_to_theta_star(chain, b):
    """W* = D (keep every b^L-th site): chi of the output M-ring (estimator.project_ring, exact on the
    ring) == R^L(theta) (numerics.api.flow, closed form), i.e. u_L = u^(b^L); and chi -> theta* as L grows."""
    from numerics.network.estimator import project_ring
    rho = float(sp.sqrt(chain.a[0] ** 2 - chain.K ** 2))
    u = float(chain.K) / (float(chain.a[0]) + rho)
    tol = float64_tolerance(chain)
    distances = []
    for L in (1, 2, 3):
        N = M_OUT * b ** L
        C = np.linalg.inv(ring_precision(chain, N))
        keep = np.arange(0, N, b ** L)
        chi, _ = project_ring(ring_statistics(C[np.ix_(keep, keep)]), M_OUT, 1)
        ref = api.flow(chain, scheme="decimation", b=b, steps=L, dps=DPS)[-1]
        refK, refa = float(ref.K), float(ref.a[0])
        assert abs(chi[0] - refK) <= tol * max(1, abs(refK)) and abs(chi[1] - refa) <= tol * max(1, refa), \
            (chain, b, L, chi, (refK, refa), tol)
        u_L = chi[0] / (chi[1] + np.sqrt(chi[1] ** 2 - chi[0] ** 2))
        assert abs(u_L - u ** (b ** L)) <= tol, (u_L, u ** (b ** L))
        distances.append(max(abs(chi[0]), abs(chi[1] - rho)))
    assert all(d1 <= d0 + tol for d0, d1 in zip(distances, distances[1:])), distances   # towards theta* = (0, rho)


@budget(20, 300)
@given(gaussian_chains(max_K=Fraction(2)), rg_b, st.integers(0, 2 ** 32 - 1))
@example(EX.GAUSSIAN.chain, 2, 0)
def test_infomax_optimum_gives_theta_star(chain, b, seed):
    """Every infomax optimum W = s R Q^(1/2) (R: any M x N matrix with orthonormal rows, s^2 = m_2(theta))
    satisfies W C W^T = s^2 I, and chi of its output ring == theta* (numerics.api.fixed_point).
    (Circularity, docs/theory.md 4.3: a* is imposed by the scale constraint, K* = 0 by decorrelation.)"""
    from numerics.network.estimator import project_ring
    N = M_OUT * b ** 2
    Q = ring_precision(chain, N)
    lam, V = np.linalg.eigh(Q)
    sqrtQ = (V * np.sqrt(lam)) @ V.T
    R = np.linalg.qr(np.random.default_rng(seed).standard_normal((N, M_OUT)))[0].T    # orthonormal rows
    s2 = float(m2_fourier(chain))          # not api.moments: its m_2 = 1/(2 rho) would make chi = rho by construction
    W = np.sqrt(s2) * R @ sqrtQ
    Cy = W @ np.linalg.inv(Q) @ W.T
    tol = float64_tolerance(chain)
    assert np.abs(Cy - s2 * np.eye(M_OUT)).max() <= tol * s2              # the optimality condition (Hadamard)
    chi, _ = project_ring(ring_statistics(Cy), M_OUT, 1)
    fp = api.fixed_point(chain, scheme="decimation", b=b, dps=DPS)
    assert abs(chi[0] - float(fp.K)) <= tol and abs(chi[1] - float(fp.a[0])) <= tol * float(fp.a[0]), (chi, fp)


@functools.cache
def _decimate_optimum(b, L):
    from proofs.optimal_weights import decimate_optimum
    return decimate_optimum(b=b, L=L)


@budget(15, 200)
@given(gaussian_chains(), rg_b, st.sampled_from([1, 2]))
@example(EX.GAUSSIAN.chain, 2, 2)
def test_decimate_optimum_symbolic_equals_numeric_rg(chain, b, L):
    """chi at W* = D derived in sympy (proofs.optimal_weights, in (u, rho)) == R^L(theta) from
    numerics.api.flow, at the chain's exact u and rho."""
    from proofs import optimal_weights as OW
    opt = _decimate_optimum(b, L)
    rho = sp.sqrt(chain.a[0] ** 2 - chain.K ** 2)
    sub = {OW.u: chain.K / (chain.a[0] + rho), OW.rho: rho}
    ref = api.flow(chain, scheme="decimation", b=b, steps=L, dps=DPS)[-1]
    _assert(compare([(f"{chain!r}, b={b}, L={L}: K", opt.chi_K.subs(sub), ref.K),
                     (f"{chain!r}, b={b}, L={L}: a_1", opt.chi_a.subs(sub), ref.a[0])], dps=DPS))


@budget(15, 200)
@given(gaussian_chains(), rg_b)
def test_infomax_optimum_symbolic_equals_theta_star(chain, b):
    """chi at the infomax optimum (proofs.optimal_weights: Sigma = sigma^2 I), at the data's scale
    sigma^2 = m_2(theta) by the Fourier integral (m2_fourier, not the closed form 1/(2 rho) that
    numerics.api.moments evaluates), == theta* from numerics.api.fixed_point (the flow's limit)."""
    from proofs import optimal_weights as OW
    opt = OW.infomax_optimum(M=3)
    m2 = m2_fourier(chain, DPS)
    with mpmath.workdps(DPS + 10):
        chi = [sp.lambdify(OW.sigma2, e, "mpmath")(m2) for e in (opt.chi_K, opt.chi_a)]
    fp = api.fixed_point(chain, scheme="decimation", b=b, dps=DPS)
    _assert(compare([(f"{chain!r}: K*", fp.K, chi[0]), (f"{chain!r}: a*", fp.a[0], chi[1])], dps=DPS))


# -- bad input is refused with the right typed error ------------------------------------------

@budget(50, 500)
@given(inadmissible_gaussian())
@example((Fraction(1), Fraction(1)))       # massless critical chain
@example((Fraction(9, 10), Fraction(-1)))  # the README example
def test_inadmissible_gaussian_is_refused_naming_a1(aK):
    a, K = aK
    with pytest.raises(InadmissibleParameter) as info:
        Chain.gaussian(K, a)
    assert info.value.parameter == "a_1" and "|K|" in str(info.value)


@budget(50, 500)
@given(inadmissible_polynomial(), st.sampled_from(["0", "1/2", "-3"]))
@example(([Fraction(1), Fraction(-1, 10)], 2), "0")
def test_negative_top_coefficient_is_refused_naming_it(a_m, K):
    a, m = a_m
    with pytest.raises(InadmissibleParameter) as info:
        Chain.polynomial(K, a)
    assert info.value.parameter == f"a_{m}" and "integrable" in str(info.value)


@budget(50, 500)
@given(malformed_numbers)
@example(0.1)
@example("1/0")
def test_malformed_numbers_are_refused_as_malformed(text):
    with pytest.raises(MalformedInput) as info:
        exact_rational(text, "K")
    assert info.value.what == "K"


@pytest.mark.parametrize("text, rule", [("x**3", "odd power"), ("exp(x)", ""), ("y**2", ""), ("x**2 + 1", ""),
                                        ("__import__('os')", ""), ("x^2", "**")])
def test_malformed_potentials_are_refused(text, rule):
    with pytest.raises(MalformedInput) as info:
        parse_potential(text)
    assert rule in str(info.value)


@pytest.mark.parametrize("kwargs, what", [({"b": 1}, "b"), ({"b": 2.0}, "b"), ({"scheme": "kadanoff"}, "scheme"),
                                          ({"dps": 2}, "dps"), ({"steps": -1}, "steps")])
def test_malformed_rg_requests_are_refused(kwargs, what):
    args = {"scheme": "decimation", "b": 2, "steps": 2, "dps": 30, **kwargs}
    with pytest.raises(MalformedInput) as info:
        api.flow(EX.GAUSSIAN.chain, **args)
    assert info.value.what == what


def test_block_spin_on_ising_is_not_supported():
    with pytest.raises(NotSupported):
        api.flow(EX.ISING.chain, scheme="block")


@pytest.mark.parametrize("argv", [["flow", "--K", "1", "--a", "0.9"], ["flow", "--K", "0.1.2", "--a", "1"],
                                  ["flow", "--K", "0.5", "--potential", "x**3"], ["check", "--only", "no.such.claim"]])
def test_cli_turns_bad_input_into_one_line_and_exit_2(argv, capsys):
    from rgdnn.cli import main
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err

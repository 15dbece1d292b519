"""numerics.exact against independent routes (docs/theory.md 2, 3.1).

References: the exact rational recursion iterated in sympy (Gaussian flow), the virial
identity from integration by parts and finite differences of A (Gaussian moments), and
2 x 2 transfer-matrix powers (Ising). None of them uses the closed forms under test.
"""
from fractions import Fraction

import mpmath
import pytest
from hypothesis import example, given
from mpmath import mp

from numerics import api, exact
from numerics import fixedpoint as fpm
from numerics.precision import to_mpf
from numerics.transfer import Params
from proofs import examples as EX
from proofs import gaussian as G
from proofs.errors import NotSupported
from proofs.family import Chain
from tests.strategies import b_values, gaussian_chains, ising_chains, quartic_chains

DPS = 40


def _close(x, y, err, dps=DPS):
    """|x - y| within the reported error, and the error itself at the requested precision."""
    with mp.workdps(dps + 20):
        y = to_mpf(y) if hasattr(y, "denominator") else y
        scale = max(1, abs(mpmath.mpf(y)))
        return abs(mpmath.mpf(x) - mpmath.mpf(y)) <= err + scale * mpmath.mpf(10) ** -(dps + 5) \
            and err <= scale * mpmath.mpf(10) ** -dps


@given(gaussian_chains(), b_values)
@example(EX.GAUSSIAN.chain, 2)
@example(Chain.gaussian(1, "1.0001"), 2)                  # near-critical: 1 - u^2 is small
@example(Chain.gaussian("-0.5", 1), 3)                    # odd b keeps the sign of K
def test_gaussian_flow_equals_iterated_rational_recursion(chain, b):
    points = exact.flow(chain, b=b, steps=3, dps=DPS)
    assert len(points) == 4
    for m, p in enumerate(points):
        Km, am = G.iterate_recursion(chain.K, chain.a[0], b, m)
        assert _close(p.K, Km, p.error)
        assert _close(p.a[0], am, p.error)


def test_gaussian_edge_of_larger_family_keeps_its_zeros():
    chain = Chain.polynomial("0.5", [1, 0, 0])
    pts = api.flow(chain, steps=2, dps=20)
    assert all(len(p.a) == 3 and p.a[1] == 0 and p.a[2] == 0 for p in pts)
    fp = api.fixed_point(chain, dps=20)
    assert len(fp.eigenvalues) == 4 and len(fp.a) == 3     # (K, a_1, a_2, a_3)
    # the reported eigenvalues against the transfer operator's finite-difference Jacobian at (0; rho, 0, 0)
    # (numerics.fixedpoint.jacobian: one-sided differences on the edges a_2 = a_3 = 0)
    J, err = fpm.jacobian(Params(mpmath.mpf(0), tuple(fp.a)), "decimation", 2, 20)
    with mp.workdps(30):
        diag = sorted(J[i, i] for i in range(4))
        assert max(abs(x - y) for x, y in zip(diag, sorted(fp.eigenvalues))) <= 10 * err
        assert max(abs(J[i, j]) for i in range(4) for j in range(4) if i != j) <= 10 * err
    assert len(api.moments(chain, dps=20).m) == 3


@given(gaussian_chains())
@example(EX.GAUSSIAN.chain)
def test_gaussian_moments_satisfy_virial_and_derivative_identities(chain):
    """2 a m_2 - 2 K C(1) = 1 (integration by parts); dA/dK = C(1), dA/da = -m_2 (finite differences)."""
    mo = exact.moments(chain, dps=DPS, lags=2)
    a1, K = chain.a[0], chain.K
    with mp.workdps(DPS + 20):
        virial = 2 * to_mpf(a1) * mo.m[0] - 2 * to_mpf(K) * mo.corr[0]
        assert abs(virial - 1) <= 10 * mo.error
        h = Fraction(1, 10 ** 15)            # central difference: truncation ~ h^2 * A''' ~ 1e-30

        def A(dK, da):
            return exact.moments(Chain.gaussian(Fraction(K) + dK, Fraction(a1) + da),
                                 dps=DPS, lags=1).A

        dA_dK = (A(h, 0) - A(-h, 0)) / (2 * to_mpf(h))
        dA_da = (A(0, h) - A(0, -h)) / (2 * to_mpf(h))
        scale = 1 + 1 / (to_mpf(a1) - abs(to_mpf(K))) ** 3
        assert abs(dA_dK - mo.corr[0]) < 1e-24 * scale
        assert abs(dA_da + mo.m[0]) < 1e-24 * scale
        # geometric decay C(r) = C(0) u^r with C(0) = m_2: C(2) C(0) = C(1)^2
        assert abs(mo.corr[1] * mo.m[0] - mo.corr[0] ** 2) <= 10 * mo.error


def _ising_transfer_power(Kc, b):
    T = mpmath.matrix([[mpmath.exp(Kc), mpmath.exp(-Kc)], [mpmath.exp(-Kc), mpmath.exp(Kc)]])
    return T ** b


@given(ising_chains(), b_values)
@example(EX.ISING.chain, 2)
@example(Chain.ising(20), 3)                  # the q = exp(-2|K|) branch
@example(Chain.ising(-7), 3)                  # odd b: K' < 0
@example(Chain.ising(-7), 2)                  # even b: K' > 0
def test_ising_flow_equals_transfer_matrix_power(chain, b):
    """e^(2 K') = (T^b)_(++) / (T^b)_(+-): the decimated spins' transfer matrix, summed by brute force."""
    pts = exact.flow(chain, b=b, steps=2, dps=DPS)
    for prev, p in zip(pts, pts[1:]):
        with mp.workdps(DPS + 40 + int(abs(prev.K) * b)):   # T^b entries differ by e^(2 b K): room for that
            Tb = _ising_transfer_power(prev.K, b)
            Kref = mpmath.log(Tb[0, 0] / Tb[0, 1]) / 2
            assert _close(p.K, Kref, p.error + 10 * prev.error * b)


@given(ising_chains())
def test_ising_moments_against_transfer_matrix(chain):
    mo = exact.moments(chain, dps=DPS, lags=3)
    with mp.workdps(DPS + 20):
        Kc = to_mpf(chain.K)
        lam0, lam1 = 2 * mpmath.cosh(Kc), 2 * mpmath.sinh(Kc)      # eigenvalues of T (vectors (1,1), (1,-1))
        assert _close(mo.A, mpmath.log(lam0), mo.error)
        for rr, c in enumerate(mo.corr, 1):
            assert _close(c, (lam1 / lam0) ** rr, mo.error)
    assert mo.m == ()


def test_fixed_points():
    """The closed-form fixed points against independent routes: (0, rho) against the exact rational recursion
    iterated to u^(3^6) ~ 1e-417; the reported Jacobian against central differences of that recursion (exact
    rationals, truncation h^2 = 1e-60); Ising K* = 0 against 8 steps of 2 x 2 transfer-matrix powers from
    K = 0.8 (tanh K_8 ~ 1e-46) and dK'/dK against their central difference at K = 0."""
    import sympy as sp
    fp = api.fixed_point(EX.GAUSSIAN.chain, b=3, dps=30)
    K6, a6 = G.iterate_recursion(EX.GAUSSIAN.chain.K, EX.GAUSSIAN.chain.a[0], 3, 6)
    assert _close(fp.K, K6, fp.error, 30) and _close(fp.a[0], a6, fp.error, 30)
    h, a0 = sp.Rational(1, 10 ** 30), sp.Rational(7, 8)

    def rec(K, a):
        return G.iterate_recursion(K, a, 3, 1)

    jac = [[(rec(h, a0)[i] - rec(-h, a0)[i]) / (2 * h) for i in (0, 1)],
           [(rec(0, a0 + h)[i] - rec(0, a0 - h)[i]) / (2 * h) for i in (0, 1)]]      # columns d/dK, d/da
    assert _close(fp.eigenvalues[0], jac[0][0], fp.eigenvalues_error, 30)
    assert _close(fp.eigenvalues[1], jac[1][1], fp.eigenvalues_error, 30)
    assert abs(jac[0][1]) < sp.Rational(1, 10 ** 59) and abs(jac[1][0]) < sp.Rational(1, 10 ** 59)
    assert fp.exponents == tuple(None if e == 0 else mpmath.log(abs(e)) / mpmath.log(3) for e in fp.eigenvalues)
    ifp = api.fixed_point(EX.ISING.chain, b=2, dps=30)
    with mp.workdps(80):
        def step(Kc):
            Tb = _ising_transfer_power(Kc, 2)
            return mpmath.log(Tb[0, 0] / Tb[0, 1]) / 2

        Kc = to_mpf(EX.ISING.chain.K)
        for _ in range(8):
            Kc = step(Kc)
        hh = mpmath.mpf(10) ** -20
        slope = (step(hh) - step(-hh)) / (2 * hh)
    assert _close(ifp.K, Kc, ifp.error + mpmath.mpf(10) ** -35, 30)
    assert _close(ifp.eigenvalues[0], slope, ifp.eigenvalues_error + mpmath.mpf(10) ** -35, 30)


@given(quartic_chains().filter(lambda c: not c.is_gaussian))
def test_exact_refuses_non_gaussian_chains(chain):
    with pytest.raises(NotSupported, match="numerics.general"):
        exact.flow(chain, steps=1, dps=20)


def test_exact_refuses_block_spin():
    with pytest.raises(NotSupported, match="decimation only"):
        exact.flow(EX.GAUSSIAN.chain, scheme="block", steps=1, dps=20)


@given(gaussian_chains())
@example(EX.GAUSSIAN.chain)
def test_certified_enclosure_contains_rho(chain):
    prec = mpmath.iv.prec
    fp = exact.fixed_point(chain, b=2, dps=25, certify=True)
    assert mpmath.iv.prec == prec                   # interval precision restored
    with mp.workdps(60):
        rho = mpmath.sqrt(to_mpf(chain.a[0] ** 2 - chain.K ** 2))
        lo, hi = (mpmath.mpf(x) for x in fp.enclosure["a"][0])
        assert lo <= rho <= hi and hi - lo <= rho * mpmath.mpf(10) ** -22

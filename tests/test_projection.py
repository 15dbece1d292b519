"""chi (M-projection): round trips through independently computed moments, and unrealizable targets."""
import re

import pytest
from hypothesis import example, given, settings
from mpmath import mp, mpf

from numerics.general import moments
from numerics.precision import to_mpf
from numerics.projection import chi
from numerics.singlesite import moments_quad
from proofs import examples as EX
from proofs.errors import InadmissibleParameter, MalformedInput
from proofs.family import Chain
from tests.strategies import quartic_chains, quartic_wells_decoupled


@given(quartic_chains())
@example(EX.SINGLE_WELL.chain)
@example(EX.DOUBLE_WELL.chain)
@example(Chain.polynomial(-1, ["5/3", "1/14"]))        # a long homotopy step once ran into the edge a_2 = 0
@example(Chain.polynomial(-1, ["-1", "4/27"]))          # deep, strongly coupled double well
@settings(max_examples=10)
def test_round_trip_quartic(chain):
    """Consistency check, not an independent route: chi(C(1), m_2, m_4 of theta) = theta at dps 20
    (uniqueness: strict convexity). Moments and chi share the transfer-operator code, so a bug common to
    both cancels here; test_decoupled_projection_equals_quadrature is the independent route."""
    mo = moments(chain, dps=25, lags=1)
    pt = chi(mo.corr[0], mo.m, dps=20)
    with mp.workdps(30):
        got = [pt.K, *pt.a]
        want = [to_mpf(chain.K), *map(to_mpf, chain.a)]
        err = max(abs(g - w) for g, w in zip(got, want))
        assert err < mpf(10) ** -15
        assert pt.error < mpf(10) ** -15


@given(quartic_wells_decoupled())
@example(Chain.polynomial(0, ["0.5", "0.1"]))
@example(Chain.polynomial(0, ["-1", "0.25"]))
@settings(max_examples=4, deadline=None)
def test_decoupled_projection_equals_quadrature(chain):
    """Independent route: at K = 0 the single-site moments by tanh-sinh quadrature (numerics.singlesite,
    no transfer-operator code) fed to chi give back (0; a) to 18 digits, and chi's error covers the miss."""
    with mp.workdps(40):
        m = moments_quad([to_mpf(x) for x in chain.a], 30)
    pt = chi(0, m, dps=20)
    with mp.workdps(30):
        err = max([abs(pt.K)] + [abs(g - to_mpf(w)) for g, w in zip(pt.a, chain.a)])
        assert err < mpf(10) ** -18, (chain, err)
        assert err <= pt.error, (chain, err, pt.error)


def test_gaussian_closed_form_inverse():
    """n = 1: chi of C(1) = u/(2 rho), m_2 = 1/(2 rho) is K = 2 rho u/(1-u^2), a = rho (1+u^2)/(1-u^2)."""
    with mp.workdps(40):
        rho, u = mpf(3) / 4, mpf(1) / 3
        c1, m2 = u / (2 * rho), 1 / (2 * rho)
        K, a = 2 * rho * u / (1 - u * u), rho * (1 + u * u) / (1 - u * u)
    pt = chi(c1, [m2], dps=30)
    with mp.workdps(40):
        assert abs(pt.K - K) < mpf(10) ** -28 and abs(pt.a[0] - a) < mpf(10) ** -28


def test_sample_moments_as_floats():
    """Floats (sample moments) are accepted at low precision."""
    pt = chi(0.17, [0.68, 1.15], dps=15)
    assert pt.a[1] > 0


@pytest.mark.parametrize("c1,m,rule", [
    ("0.1", ["1", "0.9"], "m_4 <= m_2^2"),
    ("1.2", ["1", "2"], "|C(1)| < m_2"),
    ("0", ["-1"], "must be positive"),
    ("0", ["1", "3.5"], "edge"),                       # kurtosis 3.5 > 3: beyond the Gaussian edge a_2 -> 0
    ("0", ["1", "2", "3"], "Hankel"),                  # m_2 m_6 < m_4^2
])
def test_unrealizable_targets(c1, m, rule):
    with pytest.raises(InadmissibleParameter, match=re.escape(rule)):
        chi(c1, m, dps=15)


def test_malformed_targets():
    with pytest.raises(MalformedInput):
        chi("abc", ["1"], dps=15)
    with pytest.raises(MalformedInput):
        chi(0.1, [float("nan")], dps=15)
    with pytest.raises(MalformedInput):
        chi(0.1, [], dps=15)

"""KL divergence rate d(theta || theta') and the scale-free u, shape (docs/theory.md 2, 4.4).

Independent routes: the Gaussian closed form against the float64 transfer operator (grid);
the grid against numerics.api.moments (Arb-refined transfer operator at 20 digits, its own
grid and code); the quadratic form (1/2) delta^T F delta with F from second differences of A
alone (no C(1) or m in it); u against the decay C(r+1)/C(r) of numerics.api's correlations.
"""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from numerics import api
from numerics.klrate import chain_stats, check_theta, kl_rate, shape_number, u_ratio
from proofs import examples as EX
from proofs.errors import InadmissibleParameter, MalformedInput, NotSupported
from proofs.family import Chain
from tests.strategies import gaussian_chains, quartic_chains

DOUBLE_WELL = (0.5, -1.0, 0.25)
SINGLE_WELL = (0.4, 0.5, 0.1)


def _floats(chain):
    return (float(chain.K), *map(float, chain.a))


@given(gaussian_chains(), gaussian_chains())
def test_gaussian_closed_form_equals_the_transfer_operator(c, cp):
    t, tp = _floats(c), _floats(cp)
    closed, grid = kl_rate(t, tp, route="closed"), kl_rate(t, tp, route="grid")
    assert abs(closed - grid) <= 1e-9 * (1 + closed)
    s, g = chain_stats(t, route="closed"), chain_stats(t, route="grid")
    assert abs(s.u - g.u) < 1e-9 and abs(s.shape - 3) < 1e-12 and abs(g.shape - 3) < 1e-9


@given(st.one_of(gaussian_chains(), quartic_chains()), st.one_of(gaussian_chains(), quartic_chains()))
def test_d_is_nonnegative_and_zero_only_at_equality(c, cp):
    t, tp = _floats(c), _floats(cp)
    d = kl_rate(t, tp)
    assert d >= -1e-12 * (1 + abs(chain_stats(t).A))
    assert abs(kl_rate(t, t)) < 1e-14 and abs(kl_rate(tp, tp)) < 1e-14
    if t != tp:
        assert d > 0


def _A(eta, route):
    """A at natural coordinates eta = (K, -a_1, ..., -a_n)."""
    return chain_stats((eta[0], *(-e for e in eta[1:])), route=route).A


def _fisher(theta, route, h=1e-3):
    """F = Hessian of A in eta by central second differences of A alone (error O(h^2))."""
    eta = np.array([theta[0], *(-v for v in theta[1:])])
    p = len(eta)
    F = np.empty((p, p))
    for i in range(p):
        for j in range(p):
            ei, ej = np.eye(p)[i] * h, np.eye(p)[j] * h
            F[i, j] = (_A(eta + ei + ej, route) - _A(eta + ei - ej, route) - _A(eta - ei + ej, route)
                       + _A(eta - ei - ej, route)) / (4 * h * h)
    return F


@pytest.mark.parametrize("theta,route", [((0.5, 1.0), "closed"), (SINGLE_WELL, "grid"), (DOUBLE_WELL, "grid")])
def test_small_steps_give_half_the_fisher_form(theta, route):
    F = _fisher(theta, route)
    assert np.all(np.linalg.eigvalsh(F) > 0)                  # A strictly convex (docs/theory.md 2)
    v = np.array([1.0, -0.7, 0.4, 0.3][: len(theta)])         # a direction in (K, a)
    ratios = []
    for eps in (2e-3, 1e-3):
        tp = tuple(np.array(theta) + eps * v)
        delta = eps * np.array([v[0], *(-v[1:])])              # the step in eta
        ratios.append(kl_rate(theta, tp, route=route) / (0.5 * delta @ F @ delta))
    # the cubic term: |ratio - 1| = O(eps), so it must be small and halve with eps
    assert abs(ratios[1] - 1) < 4e-3
    assert abs(ratios[1] - 1) < 0.65 * abs(ratios[0] - 1) + 1e-6


@pytest.mark.parametrize("K,a", [("0.5", ["-1", "0.25"]), ("0.4", ["0.5", "0.1"]), ("-0.3", ["0.2", "0.1", "0.05"])])
def test_grid_route_matches_numerics_api_on_quartic_chains(K, a):
    hp = api.moments(Chain.polynomial(K, a), dps=20, lags=1)
    g = chain_stats((float(K), *map(float, a)))
    assert g.route == "grid"
    assert abs(float(hp.A) - g.A) < 1e-11 and abs(float(hp.corr[0]) - g.C1) < 1e-11
    assert np.allclose([float(v) for v in hp.m], g.m, rtol=1e-11, atol=0)
    assert abs(g.shape - float(hp.m[1] / hp.m[0] ** 2)) < 1e-11


def test_known_quartic_divergence_from_high_precision_moments():
    # d(double well || single well) and d(double well || its theta*), with A, C(1), m from numerics.api (20 digits)
    def hp(t):
        return api.moments(Chain.polynomial(repr(t[0]), [repr(v) for v in t[1:]]), dps=20, lags=1)
    p, q = hp(DOUBLE_WELL), hp(SINGLE_WELL)
    ref = float(q.A - p.A - p.corr[0] * (SINGLE_WELL[0] - DOUBLE_WELL[0])
                + sum(m * (b - a) for m, a, b in zip(p.m, DOUBLE_WELL[1:], SINGLE_WELL[1:])))
    assert abs(kl_rate(DOUBLE_WELL, SINGLE_WELL) - ref) < 1e-10
    star = api.fixed_point(EX.DOUBLE_WELL.chain, dps=20)
    ts = (0.0, *map(float, star.a))
    s = hp(ts)
    ref_star = float(s.A - p.A + p.corr[0] * DOUBLE_WELL[0]
                     + sum(m * (b - a) for m, a, b in zip(p.m, DOUBLE_WELL[1:], ts[1:])))
    d_star = kl_rate(DOUBLE_WELL, ts)
    assert abs(d_star - ref_star) < 1e-10 and d_star > 0.1    # the double well is far from its fixed point


def test_chains_of_different_n_are_zero_padded_and_the_edge_is_gaussian():
    g, edge = (0.5, 1.0), (0.5, 1.0, 0.0)
    assert chain_stats(edge).route == "closed"                # a_2 = 0: the Gaussian chain inside n = 2
    assert abs(kl_rate(g, SINGLE_WELL) - kl_rate(edge, SINGLE_WELL)) < 1e-14
    assert abs(kl_rate(SINGLE_WELL, g) - kl_rate(SINGLE_WELL, edge)) < 1e-14
    # the edge through the grid equals the closed form
    assert abs(kl_rate(edge, SINGLE_WELL, route="grid") - kl_rate(g, SINGLE_WELL)) < 1e-11


def test_u_is_the_correlation_decay_and_odd_in_K():
    hp = api.moments(EX.DOUBLE_WELL.chain, dps=20, lags=30)
    c = [float(v) for v in hp.corr]
    assert abs(c[29] / c[28] - u_ratio(DOUBLE_WELL)) < 1e-10     # C(r) ~ u^r: independent of the parity split
    assert abs(u_ratio((-0.5, -1.0, 0.25)) + u_ratio(DOUBLE_WELL)) < 1e-12
    rho = math.sqrt(0.75)
    assert abs(u_ratio((-0.5, 1.0)) + 0.5 / (1 + rho)) < 1e-15
    assert abs(u_ratio((0.8,), kind="ising") - math.tanh(0.8)) < 1e-15
    assert shape_number((0.8,), kind="ising") is None
    assert abs(u_ratio((0.0, 0.5, 0.1))) < 1e-12                # K = 0: no correlation


def test_ising_closed_form_against_a_two_state_sum():
    # KL per site of Markov chains on {-1, +1}: sum_s pi(s) P(s'|s) log(P / P'), P(s'|s) = e^(K s s') / (2 cosh K)
    K, Kp = 0.8, 0.3
    def P(k, s, t):
        return math.exp(k * s * t) / (2 * math.cosh(k))
    direct = sum(0.5 * P(K, s, t) * math.log(P(K, s, t) / P(Kp, s, t)) for s in (-1, 1) for t in (-1, 1))
    assert abs(kl_rate((K,), (Kp,), kind="ising") - direct) < 1e-15


@pytest.mark.parametrize("theta,err", [((1.0, 0.5), InadmissibleParameter), ((0.1, 0.5, -0.1), InadmissibleParameter),
                                       ((0.1, 0.0, 0.0), InadmissibleParameter), ((float("nan"), 1.0), MalformedInput),
                                       ((0.1,), MalformedInput), ("ab", MalformedInput)])
def test_bad_parameters_are_refused_by_name(theta, err):
    with pytest.raises(err, match="theta"):
        check_theta(theta)
    with pytest.raises(MalformedInput):
        check_theta((0.1, 0.2), kind="potts")
    with pytest.raises(NotSupported):
        kl_rate(SINGLE_WELL, (0.0, 1.0), route="closed")


@pytest.mark.parametrize("s", [0.05, 30.0])
def test_d_u_and_shape_do_not_depend_on_the_units(s):
    # x -> x / s maps (K, a_k) to (K s^2, a_k s^(2k)): KL between the two laws is unchanged (a common bijection)
    def scaled(t):
        return (t[0] * s * s, *(v * s ** (2 * k) for k, v in enumerate(t[1:], 1)))
    for t, tp in ((DOUBLE_WELL, SINGLE_WELL), ((0.5, 1.0), (0.1, 0.9))):
        assert abs(kl_rate(scaled(t), scaled(tp)) - kl_rate(t, tp)) < 1e-11
        assert abs(u_ratio(scaled(t)) - u_ratio(t)) < 1e-12 and abs(shape_number(scaled(t)) - shape_number(t)) < 1e-11

"""numerics.kernel: one transfer kernel, its high-precision (transfer) and float64 ring (grid_chain) views agree."""
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from numerics.arbtools import arb_precision, arb_to_mpf, to_arb
from numerics.kernel import arb_weights, log_weights, potential, tail_exponent
from numerics.network.grid_chain import GridChain
from numerics.transfer import Grid, Params, float_blocks, log_shift

CHAINS = [("0.5", ("1",)), ("0.4", ("0.5", "0.1")), ("-0.5", ("-1", "0.25")), ("0.3", ("1", "-0.5", "0.2"))]


@pytest.mark.parametrize("K,a", CHAINS)
def test_potential_is_one_function_for_every_number_type(K, a):
    """V(3/2) from floats, a numpy array, mpf and Arb against the exact rational sum."""
    x = Fraction(3, 2)
    exact = sum(Fraction(ak) * x ** (2 * k) for k, ak in enumerate(a, 1))
    fa = [float(Fraction(ak)) for ak in a]
    assert potential(fa, 1.5) == pytest.approx(float(exact), rel=1e-15)
    assert potential(fa, np.array([-1.5, 1.5])) == pytest.approx([float(exact)] * 2, rel=1e-15)
    with mpmath.workdps(40):
        got = potential([mpmath.mpf(Fraction(ak).numerator) / Fraction(ak).denominator for ak in a], mpmath.mpf(1.5))
        assert abs(got - mpmath.mpf(exact.numerator) / exact.denominator) < mpmath.mpf(10) ** -38
    with arb_precision(200):
        ball = potential([to_arb(Fraction(ak)) for ak in a], to_arb(x))
        assert ball.contains(to_arb(exact))
    assert tail_exponent(float(Fraction(K)), fa, 1.5) == pytest.approx(float(exact) - abs(float(Fraction(K))) * 2.25)


@pytest.mark.parametrize("K,a", CHAINS)
def test_arb_weights_are_the_float_log_weights(K, a):
    """sqrt(h) e^(-V/2 - s/2) in Arb equals exp(g_j) of the float64 view to round-off."""
    h, s = Fraction(1, 8), 3
    xs = [j * h for j in range(1, 41)]
    fa = [float(Fraction(ak)) for ak in a]
    g = np.exp(log_weights(fa, np.array([float(x) for x in xs]), float(h), s))
    with arb_precision(100):
        w = arb_weights([to_arb(Fraction(ak)) for ak in a], [to_arb(x) for x in xs], to_arb(h), s)
        w = np.array([float(arb_to_mpf(v)) for v in w])
    assert np.allclose(w, g, rtol=1e-13, atol=0)


@pytest.mark.parametrize("K,a", CHAINS)
def test_transfer_blocks_are_the_grid_chain_kernel_folded_by_parity(K, a):
    """float_blocks (infinite chain, parity blocks) from GridChain's S (finite ring) on the same nodes.

    With S~ = e^(log_scale - s) S (= h T e^(-s)) and P, N the node indices of +x_j and -x_j:
    odd = S~[P, P] - S~[P, N], even = S~[P, P] + S~[P, N], even[0, j] = sqrt(2) S~[0, P_j].
    """
    h, J = Fraction(1, 8), 48
    p = Params(Fraction(K), tuple(Fraction(ak) for ak in a))
    grid = Grid(h, J)
    ev, od, xs = float_blocks(p, grid)
    s = log_shift(p, grid)
    ring = GridChain(float(p.K), [float(ak) for ak in p.a], h=float(h), half_width=float(h * J))
    assert len(ring.x) == 2 * J + 1 and np.array_equal(ring.x[J + 1:], xs)
    full = ring.S * math.exp(ring.log_scale - s)
    P, N = np.arange(J + 1, 2 * J + 1), np.arange(J - 1, -1, -1)
    scale = np.abs(ev).max()
    assert np.allclose(od, full[np.ix_(P, P)] - full[np.ix_(P, N)], rtol=0, atol=1e-13 * scale)
    assert np.allclose(ev[1:, 1:], full[np.ix_(P, P)] + full[np.ix_(P, N)], rtol=0, atol=1e-13 * scale)
    assert np.allclose(ev[0, 1:], math.sqrt(2) * full[J, P], rtol=0, atol=1e-13 * scale)
    assert ev[0, 0] == pytest.approx(full[J, J], rel=1e-13)


def test_mirrored_nodes_get_the_same_log_weights():
    """V is taken at |x|: a node and its mirror round alike (the parity blocks rely on it)."""
    x = np.linspace(0.01, 9, 997)
    a = [0.3, -0.7, 0.11, 0.013]
    assert np.array_equal(log_weights(a, -x, 0.125, 2), log_weights(a, x, 0.125, 2))

"""Projected RG maps, flows and fixed points against independent routes (closed forms, quadrature)."""
import json
from fractions import Fraction

import mpmath
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from mpmath import mp, mpf

from numerics import api, blockspin, decimation
from numerics.precision import to_mpf
from numerics.singlesite import projection_quad
from numerics.transfer import Params, evaluate
from proofs import examples as EX
from proofs.family import Chain
from tests.strategies import quartic_chains
from tests.test_transfer import moderate_gaussian_chains


def _close(x, y, digits):
    return abs(x - y) <= mpf(10) ** -digits * max(1, abs(y))


@given(moderate_gaussian_chains(), st.sampled_from([2, 3]))
@example(Chain.gaussian(Fraction(1, 2), 1), 2)
@settings(max_examples=6)
def test_block_spin_gaussian_closed_form(chain, b):
    """n = 1 block-spin: rho' = rho and u' = sum min(r, 2b-r) u^r / (b + 2 sum_(r<b) (b-r) u^r) (b = 2: u(1+u)/2)."""
    dps = 20
    q, err, _ = blockspin.step(Params.from_chain(chain), b, dps)
    with mp.workdps(dps + 10):
        a, K = to_mpf(chain.a[0]), to_mpf(chain.K)
        rho = mpmath.sqrt(a * a - K * K)
        u = K / (a + rho)
        u2 = (sum(min(r, 2 * b - r) * u ** r for r in range(1, 2 * b))
              / (b + 2 * sum((b - r) * u ** r for r in range(1, b))))
        assert _close(q.K, 2 * rho * u2 / (1 - u2 ** 2), dps - 5)
        assert _close(q.a[0], rho * (1 + u2 ** 2) / (1 - u2 ** 2), dps - 5)


@pytest.mark.parametrize("chain", [EX.SINGLE_WELL.chain, EX.DOUBLE_WELL.chain])
def test_decimation_step_keeps_marginal(chain):
    """Decimation keeps m_2, m_4 and moves E[x_0 x_1] to C(b): the projected chain reproduces them."""
    dps, b = 20, 2
    p = Params.from_chain(chain)
    q, err, _ = decimation.step(p, b, dps)
    v0, v1 = evaluate(p, dps, lags=b), evaluate(q, dps, lags=1)
    with mp.workdps(dps + 10):
        assert _close(v1.C[0], v0.C[b - 1], dps - 3)
        for x, y in zip(v1.m, v0.m):
            assert _close(x, y, dps - 3)


def test_theorem_R_single_well_fast():
    """Theorem R: the decimation flow's limit = a*, the single-site projection by quadrature (dps 20, 15 digits)."""
    chain = EX.SINGLE_WELL.chain
    fp = api.fixed_point(chain, dps=20)
    mo = api.moments(chain, dps=20)
    a_star, _ = projection_quad(mo.m, 20, [float(x) for x in fp.a])
    with mp.workdps(30):
        assert abs(fp.K) <= fp.error
        for x, y in zip(fp.a, a_star):
            assert _close(x, y, 15)
    # the reported eigenvalues (closed form at (0; a*)) against the finite-difference Jacobian of the
    # projected decimation map there (numerics.fixedpoint.jacobian, Richardson error estimate)
    from numerics import fixedpoint as fpm
    J, err = fpm.jacobian(Params(mpf(0), tuple(fp.a)), "decimation", 2, 20)
    with mp.workdps(30):
        assert 0 < err < 1e-10
        diag = sorted(J[i, i] for i in range(3))
        assert max(abs(x - y) for x, y in zip(diag, sorted(fp.eigenvalues))) <= 10 * err
        assert max(abs(J[i, j]) for i in range(3) for j in range(3) if i != j) <= 10 * err


def test_block_spin_fixed_point_is_decoupled_gaussian():
    """Block-spin from the quartic single well: K*, a_2* -> 0 and a_1* = 1/(2 m_2(theta_0)); eigenvalues 1, 1/2, 1/2."""
    chain = EX.SINGLE_WELL.chain
    fp = api.fixed_point(chain, scheme="block", dps=20)
    m2 = api.moments(chain, dps=20).m[0]
    with mp.workdps(30):
        assert fp.K == 0 and fp.a[1] == 0
        assert _close(fp.a[0], 1 / (2 * m2), 17)
    eig = sorted(float(x) for x in fp.eigenvalues)
    assert max(abs(e - w) for e, w in zip(eig, [0.5, 0.5, 1.0])) < 1e-8
    assert "edge a_2 = 0" in fp.note


@pytest.mark.slow
@pytest.mark.parametrize("chain", [EX.SINGLE_WELL.chain, EX.DOUBLE_WELL.chain])
def test_theorem_R_deep(chain):
    """Theorem R at dps 30, to 25 digits (the accuracy goal of docs/numerics.md)."""
    fp = api.fixed_point(chain, dps=30)
    mo = api.moments(chain, dps=30)
    a_star, _ = projection_quad(mo.m, 30, [float(x) for x in fp.a])
    with mp.workdps(40):
        for x, y in zip(fp.a, a_star):
            assert _close(x, y, 25)


def test_cli_flow_and_potential(capsys):
    """The CLI contract for n >= 2 (in-process: rgdnn.cli.main), --potential, and a clear error for odd powers."""
    from rgdnn.cli import main
    assert main(["flow", "--K", "0.5", "--potential", "-x**2 + 0.25*x**4", "--steps", "2", "--dps", "15",
                 "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["flow"]
    assert len(rows) == 3 and rows[0]["a"][0].startswith("-1")
    assert main(["flow", "--K", "0.5", "--potential", "x**3 + x**4", "--dps", "15"]) == 2
    assert "odd power" in capsys.readouterr().err
    assert main(["fixed-point", "--K", "0.5", "--a", "1", "--scheme", "block", "--dps", "15", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["scheme"] == "block" and float(out["K"]) == 0


@given(quartic_chains())
@settings(max_examples=3)
def test_theorem_R_drawn_quartic_chains(chain):
    """Theorem R on drawn quartic chains at dps 15: flow limit == chi(0, m(theta)) (single-site projection)."""
    from numerics.projection import chi
    fp = api.fixed_point(chain, dps=15)
    mo = api.moments(chain, dps=20)
    pt = chi(0, mo.m, dps=15)
    with mp.workdps(25):
        assert abs(fp.K) <= fp.error and abs(pt.K) < mpf(10) ** -12
        for x, y in zip(fp.a, pt.a):
            assert _close(x, y, 11)


@pytest.mark.slow
def test_sextic_block_spin_edges():
    """Sextic block-spin: a_3 and a_2 both run into the edge; the limit: the decoupled Gaussian, a_3 eigenvalue 1/4."""
    chain = Chain.polynomial("0.3", ["1", "-0.5", "0.2"])
    fp = api.fixed_point(chain, scheme="block", dps=20)
    m2 = api.moments(chain, dps=20).m[0]
    with mp.workdps(30):
        assert fp.K == 0 and fp.a[1] == 0 and fp.a[2] == 0 and _close(fp.a[0], 1 / (2 * m2), 17)
    assert sorted(round(float(x), 8) for x in fp.eigenvalues) == [0.25, 0.5, 0.5, 1.0]

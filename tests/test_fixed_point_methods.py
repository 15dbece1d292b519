"""The decimation fixed point by Theorem R (one projection at full precision) against independent routes.

- ``numerics.marginal`` moments (trapezoid sums in Arb) == tanh-sinh quadrature (``numerics.singlesite``);
- method "projection" == method "flow" (the projected flow followed at full precision), within the
  error estimates, and the estimates are not absurdly pessimistic;
- the closed-form Jacobian diag(0, 1, .., 1) == the finite-difference Jacobian at (0; a*);
- slow: at 100 and 200 digits, a* == the single-site projection by quadrature + findroot of the
  moments evaluated on a second, denser and wider grid.
"""
from __future__ import annotations

import mpmath
import pytest
from mpmath import mp

from numerics import api, marginal
from numerics import fixedpoint as fpm
from numerics.precision import to_mpf
from numerics.singlesite import moments_quad, projection_quad
from numerics.transfer import Grid, Params, choose_grid, evaluate
from proofs import examples as EX
from proofs.errors import InadmissibleParameter
from proofs.family import Chain

SEXTIC = Chain.polynomial("0.3", ["1", "-0.5", "0.2"])
CHAINS = [EX.SINGLE_WELL.chain, EX.DOUBLE_WELL.chain, SEXTIC]
IDS = ["single-well", "double-well", "sextic"]


@pytest.mark.parametrize("a", [("1/2", "1/10"), ("-1", "1/4"), ("1", "-1/2", "1/5")])
def test_marginal_moments_equal_quadrature(a):
    """Trapezoid sums of exp(-V) in Arb == tanh-sinh quadrature, within the reported error (which is honest)."""
    dps = 40
    a = [to_mpf(Chain.polynomial(0, list(a)).a[k]) for k in range(len(a))]
    vals, errs = marginal.moments(a, dps, kmax=2 * len(a))
    ref = moments_quad(a, dps, n=2 * len(a))
    with mp.workdps(dps + 10):
        for v, e, r in zip(vals, errs, ref):
            assert abs(v - r) <= e + abs(r) * mpmath.mpf(10) ** -(dps + 5)
            assert e <= abs(r) * mpmath.mpf(10) ** -dps


@pytest.mark.parametrize("chain", CHAINS, ids=IDS)
def test_projection_method_equals_the_full_precision_flow(chain):
    """Theorem R's a* solved once == the limit of the flow followed at full precision (independent route)."""
    dps = 30
    fast = api.fixed_point(chain, dps=dps)
    flow = api.fixed_point(chain, dps=dps, method="flow")
    assert fast.note.startswith("Theorem R") and flow.note.startswith("reached after")
    assert fast.K == 0 and flow.K == 0
    with mp.workdps(dps + 10):
        for x, y in zip(fast.a, flow.a):
            assert abs(x - y) <= fast.error + flow.error
        assert 0 < fast.error <= mpmath.mpf(10) ** -dps
    # the eigenvalues the default method reports (the closed form diag(0, 1, .., 1)) against the flow method's
    # (the finite-difference Jacobian of the full-precision projected map, numerics.fixedpoint.jacobian)
    assert fast.eigenvalues_error == 0 and flow.eigenvalues_error > 0
    with mp.workdps(dps + 10):
        assert sorted(abs(x - y) for x, y in zip(sorted(fast.eigenvalues), sorted(flow.eigenvalues)))[-1] \
            <= 10 * flow.eigenvalues_error


@pytest.mark.parametrize("chain", CHAINS[:2], ids=IDS[:2])
def test_closed_form_jacobian_equals_finite_differences(chain):
    """DR(0; a*) = diag(0, 1, .., 1) (docs/theory.md 3.3) == central differences with Richardson."""
    dps = 20
    fp = api.fixed_point(chain, dps=dps)
    p = Params(mpmath.mpf(0), tuple(fp.a))
    J, err = fpm.jacobian(p, "decimation", 2, dps)
    closed = fpm.decimation_jacobian_at_zero(p.n)
    assert 0 < err < 1e-10
    with mp.workdps(dps + 10):
        for i in range(p.n + 1):
            for j in range(p.n + 1):
                assert abs(J[i, j] - closed[i, j]) <= 10 * err


def test_projection_error_carries_the_target_error():
    """An error on the targets moves a* by |J^-1| err: the reported error grows with it."""
    a0 = [0.5, 0.1]
    t, _ = marginal.moments([mpmath.mpf("0.5"), mpmath.mpf("0.1")], 30)
    _, e0 = marginal.project(t, 30, start=a0)
    _, e1 = marginal.project(t, 30, start=a0, target_err=[mpmath.mpf("1e-20")] * 2)
    assert e0 < mpmath.mpf("1e-30") and e1 > mpmath.mpf("1e-21")


def test_projection_refuses_a_start_outside_the_family():
    with pytest.raises(InadmissibleParameter, match="a_2"):
        marginal.project([mpmath.mpf("0.5"), mpmath.mpf("0.7")], 20, start=[0.5, -0.1])


@pytest.mark.slow
@pytest.mark.parametrize("dps", [100, 200])
@pytest.mark.parametrize("chain", CHAINS, ids=IDS)
def test_high_precision_a_star_agrees_with_a_second_grid_and_quadrature(chain, dps):
    """At 100 and 200 digits: a* == quadrature projection of moments evaluated on another grid, to dps digits."""
    fp = api.fixed_point(chain, dps=dps)
    p = Params.from_chain(chain)
    g = choose_grid(p, dps + 4)
    other = Grid(g.h * 4 / 5, int(g.J * 5 / 4 * 1.15) + 1)        # denser and wider than the default grid
    v = evaluate(p, dps, grid=other)
    a_quad, _ = projection_quad(v.m[: chain.n], dps, [float(x) for x in fp.a])
    with mp.workdps(dps + 10):
        assert fp.error <= mpmath.mpf(10) ** -dps
        for x, y in zip(fp.a, a_quad):
            assert abs(x - y) <= mpmath.mpf(10) ** -dps * max(1, abs(y))


def test_falls_back_to_the_flow_where_the_float64_flow_meets_an_edge(monkeypatch):
    """No float64 trend (an edge, a failed projection): the full-precision flow decides, and the note says so."""
    monkeypatch.setattr(fpm, "float_flow", lambda p, b, max_steps=40: None)
    fp = api.fixed_point(EX.SINGLE_WELL.chain, dps=20)
    assert fp.note.startswith("reached after") and fp.eigenvalues_error > 0


def test_falls_back_to_the_flow_where_theorem_r_and_the_float64_flow_disagree(monkeypatch):
    """An a* that the float64 flow does not confirm (here: shifted by 1e-6) is not reported."""
    project = marginal.project

    def shifted(t, dps, start, target_err=None):
        a, err = project(t, dps, start, target_err)
        return [x + mpmath.mpf("1e-6") for x in a], err

    monkeypatch.setattr(marginal, "project", shifted)
    fp = api.fixed_point(EX.DOUBLE_WELL.chain, dps=20)
    assert fp.note.startswith("reached after")
    ref = api.fixed_point(EX.DOUBLE_WELL.chain, dps=20, method="flow")
    with mp.workdps(30):
        assert max(abs(x - y) for x, y in zip(fp.a, ref.a)) <= fp.error + ref.error


@pytest.mark.parametrize("b", [2, 3])
def test_spectrum_exponents_are_log_lambda_over_log_b(b):
    """Scaling exponents y = log|lambda| / log b of a Jacobian with known eigenvalues (1, 1/b, b^-2, 0): (0, -1, -2)
    and None for the super-stable direction; sorted by modulus, largest first."""
    with mp.workdps(30):
        J = mpmath.diag([mpmath.mpf(1) / b, 0, 1, mpmath.mpf(1) / b ** 2])
        vals, exps = fpm.spectrum(J, mpmath.mpf(10) ** -25, b)
        assert [float(v) for v in vals] == pytest.approx([1, 1 / b, 1 / b ** 2, 0], abs=1e-20)
        assert [None if y is None else float(y) for y in exps] == [0.0, pytest.approx(-1, abs=1e-20),
                                                                   pytest.approx(-2, abs=1e-20), None]

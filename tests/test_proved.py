"""Proved enclosures (docs/theory.md 5.15): every interval contains a value computed another way.

References, each independent of ``numerics.gram``: the Gaussian closed forms (mpmath), tanh-sinh quadrature
of the single-site law (``numerics.singlesite``), the trapezoid transfer operator at a higher precision on
a finer grid (``numerics.transfer``), Arb's certified integration of M_p. Each bound of the proof is also
tested on its own against the quantity it bounds, so that a bound set too small fails here.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest
from flint import acb, arb
from hypothesis import HealthCheck, example, given, settings
from mpmath import mp

from numerics import api, proved
from numerics.arbtools import arb_precision
from numerics.gram import _tail, enclose
from numerics.precision import to_mpf
from numerics.singlesite import moments_quad, projection_quad
from numerics.sitemoments import envelope, moment_sequence
from numerics.transfer import Params, choose_grid, evaluate, float_blocks
from proofs import examples as EX
from proofs.family import Chain
from tests.strategies import quartic_chains, sextic_chains

SINGLE, DOUBLE = EX.SINGLE_WELL.chain, EX.DOUBLE_WELL.chain
SEXTIC = Chain.polynomial("0.3", ["1", "-0.5", "0.2"])


def exact(x):
    """An mpf (or Fraction) as an exact Fraction."""
    if isinstance(x, Fraction):
        return x
    if not isinstance(x, mpmath.mpf):
        x = mpmath.mpf(x)
    man, e = x.man_exp                          # the mpf's own bits: no rounding to the current precision
    return Fraction(int(man)) * Fraction(2) ** int(e) * (-1 if x < 0 else 1) if man else Fraction(0)


def inside(interval, value, err=0):
    """value +- err meets [lo, hi] (exact comparison of the decimal ends with the value)."""
    lo, hi = Fraction(interval[0]), Fraction(interval[1])
    v, e = exact(value), exact(err)
    return lo - e <= v <= hi + e


def width(interval):
    return Fraction(interval[1]) - Fraction(interval[0])


def ball_interval(ball):
    return proved.outward(ball, 60)


# -- the closed forms as references --------------------------------------------------------------------

@pytest.mark.parametrize("K, a", [("1/4", "3/4"), ("-1/2", "1"), ("3/5", "2")])
def test_gram_proof_of_gaussian_chains_contains_the_closed_forms(K, a):
    """V = a x^2 through the Gram matrix (not the closed forms), against A, m_2, m_4, C(r) in mpmath at 60 digits."""
    ch = Chain.polynomial(K, [a, "0"])             # the quartic family's Gaussian edge: m_4 too
    pr = proved.moments(ch, 25, 3, route="gram")
    assert pr.intervals is not None, pr.note
    with mp.workdps(60):
        Kf, af = to_mpf(Fraction(K)), to_mpf(Fraction(a))
        rho = mpmath.sqrt(af ** 2 - Kf ** 2)
        u = Kf / (af + rho)
        refs = [("A", mpmath.log(2 * mpmath.pi / (af + rho)) / 2, pr.intervals["A"]),
                ("m_2", 1 / (2 * rho), pr.intervals["m"][0]), ("m_4", 3 / (2 * rho) ** 2, pr.intervals["m"][1])]
        refs += [(f"C({r})", u ** r / (2 * rho), iv) for r, iv in enumerate(pr.intervals["corr"], 1)]
        for name, ref, iv in refs:
            assert inside(iv, ref), (name, iv, ref)
            assert width(iv) < Fraction(1, 10 ** 25), (name, iv)


def test_decoupled_wells_contain_tanh_sinh_quadrature():
    """K = 0: lambda_0 = z, m_2k = single-site moments: against mpmath's tanh-sinh quadrature at 40 digits."""
    for a in (["0.5", "0.1"], ["-2", "0.25"], ["1", "-0.5", "0.2"]):
        ch = Chain.polynomial(0, a)
        pr = proved.moments(ch, 25, 2)
        with mp.workdps(50):
            q = moments_quad([to_mpf(Fraction(x)) for x in a], 40)
        for k, (iv, ref) in enumerate(zip(pr.intervals["m"], q), 1):
            assert inside(iv, ref, mpmath.mpf(10) ** -37), (a, k, iv, ref)
            assert width(iv) < Fraction(1, 10 ** 25)
        assert pr.intervals["corr"] == [["0", "0"], ["0", "0"]]


@pytest.mark.parametrize("chain", [SINGLE, DOUBLE, SEXTIC, Chain.polynomial("-0.7", ["0.1", "0.0625"])],
                         ids=["single", "double", "sextic", "negative-K"])
def test_proofs_contain_a_finer_grid_at_higher_precision(chain):
    """The trapezoid operator on its own finer grid at dps 50 (error estimate ~1e-50) lies in the dps-25 proofs."""
    v = evaluate(Params.from_chain(chain), 50, lags=3)
    pr = proved.moments(chain, 25, 3)
    iv = pr.intervals
    assert iv is not None and pr.digits >= 25, pr.note
    assert inside(iv["A"], v.A, v.err_A)
    assert all(inside(i, x, e) for i, x, e in zip(iv["m"], v.m, v.err_m))
    assert all(inside(i, x, e) for i, x, e in zip(iv["corr"], v.C, v.err_C))


def test_short_truncation_widens_the_proof_but_keeps_the_truth():
    """With R forced far below its choice the tail terms dominate: the intervals widen and still contain the
    values (a dropped or shrunk tail bound makes them miss)."""
    for chain in (SINGLE, DOUBLE):
        v = evaluate(Params.from_chain(chain), 40, lags=2)
        for R in (16, 24, 32):
            enc = enclose(chain.K, chain.a, kmax=2, lags=2, digits=30, R=R)
            with arb_precision(300):
                ivs = [ball_interval(enc.A)] + [ball_interval(x) for x in enc.m] + [ball_interval(x) for x in enc.corr]
            refs = [(v.A, v.err_A)] + list(zip(v.m, v.err_m)) + list(zip(v.C, v.err_C))
            for iv, (x, e) in zip(ivs, refs):
                assert inside(iv, x, e), (chain, R, iv, x)
            assert width(ivs[1]) > Fraction(1, 10 ** 20)        # the short truncation shows in the width


def test_negative_coupling_flips_odd_lags_only():
    """K -> -K: A and m_2k are unchanged, C(r) gets (-1)^r (docs/theory.md 1): the proofs say the same."""
    p = proved.moments(Chain.polynomial("0.4", ["0.5", "0.1"]), 20, 3).intervals
    q = proved.moments(Chain.polynomial("-0.4", ["0.5", "0.1"]), 20, 3).intervals
    assert p["A"] == q["A"] and p["m"] == q["m"]
    for r, (x, y) in enumerate(zip(p["corr"], q["corr"]), 1):
        assert (x == y) if r % 2 == 0 else ([Fraction(t) for t in x] == [-Fraction(t) for t in reversed(y)])


# -- each bound against the quantity it bounds ---------------------------------------------------------

def test_envelope_bounds_the_moments_of_exp_minus_W():
    """M_p <= e^gamma Gamma((p+1)/2d)/(d beta^((p+1)/2d)): against Arb's certified integral of |x|^p e^-W."""
    for chain in (SINGLE, DOUBLE, SEXTIC):
        kappa = abs(chain.K)
        env = envelope(chain.a, kappa)
        with arb_precision(80):
            b = [arb(Fraction(x).numerator) / Fraction(x).denominator for x in chain.a]
            b[0] -= arb(kappa.numerator) / kappa.denominator
            for p in (0, 10, 40):
                f = lambda x, _, p=p: x ** p * (-sum((c * x ** (2 * j) for j, c in enumerate(b, 1)), acb(0))).exp()
                true = 2 * acb.integral(f, 0, 40).real
                bound = env.moment_bound(p)
                assert bound >= true, (chain, p)
                assert bound < true * 10 ** 12, (chain, p)      # not absurdly loose either
            # and the inequality W(x) >= beta x^(2d) - gamma itself, on a grid
            xs = np.linspace(0, 6, 601)
            W = sum(float(c.mid()) * xs ** (2 * j) for j, c in enumerate(b, 1))
            for beta, gamma in env.pairs:
                assert np.all(W >= float(beta) * xs ** (2 * len(b)) - float(gamma.mid()) - 1e-9)


def test_incomplete_gamma_bound_is_above_arb():
    """The elementary far-tail bound of Gamma(s, z) (docs/theory.md 5.15 (b)) against Arb's incomplete Gamma."""
    from numerics.sitemoments import gamma_upper_bound
    with arb_precision(100):
        for s in (arb(1) / 4, arb(1), arb(5) / 2, arb(40)):
            for z in (s / 2, 2 * s + 2, 3 * s + 10, 10 * s + 50):
                b, true = gamma_upper_bound(s, z), z.gamma_upper(s)
                assert true.mid() * (1 - arb(10) ** -25) <= b.mid() <= 2 * true.mid(), (s, z)


def test_tail_bound_is_above_the_tail_it_bounds():
    """S_0(N) = sum_(n>=N) c_n^2 mu_2n: the bound against the sum itself (summed until negligible), and within 10^3."""
    for chain in (SINGLE, DOUBLE, Chain.polynomial("1/4", ["3/4"])):
        kappa = Fraction(abs(chain.K))
        with arb_precision(200):
            env = envelope(chain.a, kappa)
            mu = moment_sequence(chain.a, 1200)
            k = arb(kappa.numerator) / kappa.denominator
            for N in (20, 40, 80):
                true = sum((k ** n / arb.fac_ui(n) * mu[2 * n] for n in range(N, 600)), arb(0))
                bound = _tail(env, k, mu, N)
                assert bound >= true and bound < 1000 * true, (chain, N, bound, true)


def test_second_eigenvalue_bound_is_above_the_true_one():
    """nu >= lambda_2 of the even block (float64 trapezoid operator: an independent view), and not loose by 2x."""
    for chain in (SINGLE, DOUBLE, SEXTIC):
        p = Params.from_chain(chain)
        ev, _, _ = float_blocks(p, choose_grid(p, 14))
        lam = np.sort(np.linalg.eigvalsh(ev))[::-1]
        ratio = lam[1] / lam[0]
        enc = enclose(chain.K, chain.a, kmax=chain.n, lags=1, digits=20)
        nu_rel = float(enc.details["nu"] / enc.details["rho"])
        assert ratio * (1 - 1e-9) <= nu_rel <= 2 * ratio + 1e-12, (chain, ratio, nu_rel)


def test_outward_rounding_brackets_the_ball():
    """The decimal ends enclose the ball's exact ends, for balls of many magnitudes and widths."""
    rng = np.random.default_rng(1)
    with arb_precision(200):
        for _ in range(200):
            mid = arb(float(rng.normal())) * arb(10) ** int(rng.integers(-12, 12)) / 3
            ball = mid + arb(0, 1) * abs(mid) * arb(10) ** int(-rng.integers(1, 40))
            lo, hi = proved.outward(ball, 30)
            b_lo, b_hi = proved._fraction(ball.lower()), proved._fraction(ball.upper())
            assert Fraction(lo) <= b_lo and b_hi <= Fraction(hi)
            assert Fraction(hi) - Fraction(lo) <= Fraction(101, 100) * (b_hi - b_lo)


# -- the fixed point -----------------------------------------------------------------------------------

@pytest.mark.parametrize("chain", [SINGLE, pytest.param(DOUBLE, marks=pytest.mark.slow)], ids=["single", "double"])
def test_proof_of_a_star_contains_the_quadrature_projection(chain):
    """a* proved at dps 15 contains the tanh-sinh + findroot projection of the dps-30 moments (docs/theory.md 5.9)."""
    fp = api.fixed_point(chain, dps=15, certify=True)
    assert fp.proved is not None, fp.proof_note
    assert fp.proved["K"] == ["0", "0"]
    v = evaluate(Params.from_chain(chain), 30, lags=1)
    a_ref, resid = projection_quad(v.m, 25, [float(x) for x in fp.a])
    for iv, x in zip(fp.proved["a"], a_ref):
        assert inside(iv, x, mpmath.mpf(10) ** -22), (iv, x)
        assert width(iv) < Fraction(1, 10 ** 13)


def test_closed_form_and_trivial_fixed_points():
    g = api.fixed_point(Chain.polynomial("0.5", ["1", "0"]), dps=20, certify=True)
    assert g.proved["K"] == ["0", "0"] and g.proved["a"][1] == ["0", "0"]
    with mp.workdps(40):
        assert inside(g.proved["a"][0], mpmath.sqrt(3) / 2)
    assert api.fixed_point(Chain.ising("0.8"), dps=20, certify=True).proved == {"K": ["0", "0"], "a": []}
    z = api.fixed_point(Chain.polynomial("0", ["1/2", "1/10"]), dps=20, certify=True)
    assert z.proved["a"] == [["0.5", "0.5"], ["0.1", "0.1"]]


def test_declines_say_why():
    """Block-spin, the critical edge and strong coupling: no intervals, one sentence saying why."""
    block = proved.fixed_point(SINGLE, (0.4, 0.1), 1e-20, "block", 15)
    assert block.intervals is None and block.note.startswith("not proved:") and "decimation" in block.note
    near = proved.moments(Chain.polynomial("0.99", ["1"]), 30, 1, route="gram")
    assert near.intervals is None and "terms" in near.note
    edge = proved.fixed_point(SINGLE, (mpmath.mpf("0.7"), mpmath.mpf(0)), 1e-20, "decimation", 15)
    assert edge.intervals is None and "edge" in edge.note


def test_moments_certify_cli_marks_proved_digits(capsys):
    from rgdnn.cli import main
    assert main(["moments", "--K", "0.4", "--a", "0.5", "0.1", "--dps", "20", "--certify"]) == 0
    out = capsys.readouterr().out
    assert out.count("proved: 0.") >= 5 and "docs/theory.md 5.15" in out
    assert main(["fixed-point", "--K", "0.8", "--ising", "--dps", "15", "--certify"]) == 0
    assert "K* = 0.0   proved: 0" in capsys.readouterr().out


# -- random admissible chains --------------------------------------------------------------------------

def proofs_contain_estimates(mo):
    """Assert that a proof of moments either declines with a note or holds every estimate within its error;
    True when it was proved."""
    if mo.proved is None:
        assert mo.proof_note.startswith("not proved:") and len(mo.proof_note) > 20
        return False
    d = mo.details
    assert inside(mo.proved["A"], mo.A, d["err_A"])
    assert all(inside(i, x, e) for i, x, e in zip(mo.proved["m"], mo.m, d["err_m"]))
    assert all(inside(i, x, e) for i, x, e in zip(mo.proved["corr"], mo.corr, d["err_C"]))
    return True


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quartic_chains())
@example(Chain.polynomial("1", ["-2", "1/16"]))          # a deep double well at |K| = 1
@example(Chain.polynomial("-1", ["2", "1/16"]))
def test_random_chains_proofs_contain_the_estimates_or_decline(chain):
    proofs_contain_estimates(api.moments(chain, dps=15, lags=2, certify=True))


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sextic_chains())
def test_random_sextics_proofs_contain_the_estimates_or_decline(chain):
    proofs_contain_estimates(api.moments(chain, dps=15, lags=1, certify=True))


def test_trailing_zeros_stay_zero_in_the_proof_of_a_star():
    fp = api.fixed_point(Chain.polynomial("0.4", ["0.5", "0.1", "0"]), dps=15, certify=True)
    assert fp.proved is not None and fp.proved["a"][2] == ["0", "0"], fp.proof_note
    assert all(inside(i, x, fp.error) for i, x in zip(fp.proved["a"], fp.a))


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(quartic_chains())
def test_random_chains_deep(chain):
    """100 digits: estimates within their errors of the proofs, proofs >= 90 digits or declined."""
    mo = api.moments(chain, dps=100, lags=4, certify=True)
    if proofs_contain_estimates(mo):
        assert width(mo.proved["A"]) < Fraction(1, 10 ** 90)

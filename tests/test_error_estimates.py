"""Every error estimate numerics.api reports is tested against an independent reference.

For moments, flows and fixed points (both backends) the true error |value - reference| is
measured against a reference computed by another route at twice the working precision, and
the reported estimate must

- cover it:                 true error <= estimate, and
- not be absurdly pessimistic: estimate <= 10^4 * max(true error, 10^-(dps + 10) * scale).

The floor 10^-(dps + 10) is the precision the values are carried at (dps + 10 digits,
docs/theory.md 5): below it a true error is not resolved, so an estimate of that size is
not pessimistic. A zero or missing estimate fails (the values are never exact).

References (independent of the code under test):
- Gaussian: closed forms A = (1/2) log(2 pi / (a + rho)), C(r) = u^r / (2 rho) (docs/theory.md 2);
  decimation by the exact rational Schur-complement recursion K' = K^2 / (2a), a' = a - K^2 / (2a);
  block-spin by the projected map from exact covariance sums (u' = u (1 + u) / 2 at b = 2);
- Ising: A = log 2 cosh K, C(r) = tanh^r K;
- quartic: single-site moments and the M-projection a* by tanh-sinh quadrature (numerics.singlesite).
"""
from fractions import Fraction

import mpmath
import pytest
from mpmath import mp

from numerics import api, exact, general
from numerics.precision import to_mpf
from numerics.singlesite import moments_quad, projection_quad
from proofs import examples as EX
from proofs.family import Chain

PESSIMISM = mpmath.mpf(10) ** 4


def check_estimate(label, true, est, dps, scale=1):
    """true <= est <= 10^4 * max(true, 10^-(dps+10) scale); est must be a positive number."""
    assert est is not None and est > 0, f"{label}: error estimate {est} is missing or zero"
    assert true <= est, f"{label}: true error {mpmath.nstr(true, 3)} exceeds the estimate {mpmath.nstr(est, 3)}"
    floor = mpmath.mpf(10) ** -(dps + 10) * max(1, abs(scale))
    assert est <= PESSIMISM * max(true, floor), \
        f"{label}: estimate {mpmath.nstr(est, 3)} is over 10^4 x the true error {mpmath.nstr(true, 3)}"


def gauss_ref(a, K):
    """(a, rho, u) of a Gaussian chain at the current precision."""
    a, K = to_mpf(Fraction(a)), to_mpf(Fraction(K))
    rho = mpmath.sqrt(a * a - K * K)
    return a, rho, K / (a + rho)


@pytest.mark.parametrize("backend", [general, exact])
@pytest.mark.parametrize("a,K,dps", [("1", "0.5", 20), ("2", "-1.5", 30), ("0.75", "0.25", 20)])
def test_gaussian_moment_errors_cover_the_closed_form(backend, a, K, dps):
    mo = backend.moments(Chain.gaussian(K, a), dps=dps, lags=3)
    with mp.workdps(2 * dps + 20):
        av, rho, u = gauss_ref(a, K)
        refs = [("A", mo.A, mpmath.log(2 * mpmath.pi / (av + rho)) / 2), ("m_2", mo.m[0], 1 / (2 * rho))]
        refs += [(f"C({r})", c, u ** r / (2 * rho)) for r, c in enumerate(mo.corr, 1)]
        worst = max(abs(v - ref) for _, v, ref in refs)
        check_estimate(f"{backend.__name__} moments error", worst, mo.error, dps)
        if backend is general:          # the per-quantity estimates, each against its own true error
            ests = [mo.details["err_A"], mo.details["err_m"][0], *mo.details["err_C"]]
            for (name, v, ref), e in zip(refs, ests):
                check_estimate(f"err of {name}", abs(v - ref), e, dps, ref)


@pytest.mark.parametrize("K", ["0.8", "-1.5"])
def test_ising_moment_errors_cover_the_closed_form(K):
    dps = 20
    for backend in (general, exact):
        mo = backend.moments(Chain.ising(K), dps=dps, lags=2)
        with mp.workdps(2 * dps + 20):
            k = to_mpf(Fraction(K))
            true = max([abs(mo.A - mpmath.log(2 * mpmath.cosh(k)))]
                       + [abs(c - mpmath.tanh(k) ** r) for r, c in enumerate(mo.corr, 1)])
            check_estimate(f"{backend.__name__} Ising moments", true, mo.error, dps)


@pytest.mark.parametrize("a", [("0.5", "0.1"), ("-1", "0.25"), ("0.5", "0.2", "0.05")])
def test_decoupled_moment_errors_cover_the_quadrature(a):
    """K = 0: m_2k by the transfer operator vs tanh-sinh quadrature of exp(-V) (numerics.singlesite)."""
    dps = 20
    mo = general.moments(Chain.polynomial(0, list(a)), dps=dps, lags=1)
    with mp.workdps(2 * dps + 10):
        ref = moments_quad([to_mpf(Fraction(x)) for x in a], 2 * dps)
        for k, (v, r, e) in enumerate(zip(mo.m, ref, mo.details["err_m"]), 1):
            check_estimate(f"err of m_{2 * k}", abs(v - r), e, dps, r)


def schur_b2(K, a):
    """Exact decimation b = 2 (Schur complement of the middle site): K' = K^2/(2a), a' = a - K^2/(2a)."""
    return K * K / (2 * a), a - K * K / (2 * a)


@pytest.mark.parametrize("backend", [general, exact])
def test_decimation_flow_errors_cover_the_exact_recursion(backend):
    dps, steps = 20, 4
    pts = backend.flow(EX.GAUSSIAN.chain, scheme="decimation", b=2, steps=steps, dps=dps)
    K, a = Fraction(1, 2), Fraction(1)
    with mp.workdps(2 * dps + 20):
        for m in range(1, steps + 1):        # step 0 is the input, given exactly
            K, a = schur_b2(K, a)
            true = max(abs(pts[m].K - to_mpf(K)), abs(pts[m].a[0] - to_mpf(a)))
            check_estimate(f"{backend.__name__} flow step {m}", true, pts[m].error, dps, to_mpf(a))


@pytest.mark.parametrize("b", [2, 3])
def test_block_flow_errors_cover_the_covariance_map(b):
    """Block-spin on the Gaussian chain: u' = u s^2 / (b + 2 sum_k (b - k) u^k), s = 1 + .. + u^(b-1), rho kept."""
    dps, steps = 20, 3
    pts = general.flow(EX.GAUSSIAN.chain, scheme="block", b=b, steps=steps, dps=dps)
    with mp.workdps(2 * dps + 20):
        _, rho, u = gauss_ref(1, "0.5")
        for m in range(1, steps + 1):
            s = sum(u ** k for k in range(b))
            u = u * s ** 2 / (b + 2 * sum((b - k) * u ** k for k in range(1, b)))
            K, a = 2 * rho * u / (1 - u ** 2), rho * (1 + u ** 2) / (1 - u ** 2)
            true = max(abs(pts[m].K - K), abs(pts[m].a[0] - a))
            check_estimate(f"block b={b} step {m}", true, pts[m].error, dps, a)


@pytest.mark.parametrize("backend,scheme", [(exact, "decimation"), (general, "decimation"), (general, "block")])
def test_gaussian_fixed_point_error_covers_rho(backend, scheme):
    dps = 20
    fp = backend.fixed_point(Chain.gaussian("-1.5", 2), scheme=scheme, b=2, dps=dps, certify=False)
    with mp.workdps(2 * dps + 20):
        _, rho, _ = gauss_ref(2, "-1.5")
        check_estimate(f"{backend.__name__} {scheme} fixed point", max(abs(fp.K), abs(fp.a[0] - rho)), fp.error,
                       dps, rho)


def test_quartic_fixed_point_error_covers_the_quadrature_projection():
    """Theorem R's a* by quadrature + findroot (numerics.singlesite) at 2 dps vs the flow's limit at dps."""
    dps = 20
    ch = EX.SINGLE_WELL.chain
    fp = api.fixed_point(ch, dps=dps)
    mo = general.moments(ch, dps=2 * dps, lags=1)
    a_star, _ = projection_quad(mo.m, 2 * dps, [float(x) for x in fp.a])
    with mp.workdps(2 * dps + 10):
        true = max([abs(fp.K)] + [abs(x - y) for x, y in zip(fp.a, a_star)])
        check_estimate("quartic decimation fixed point", true, fp.error, dps)


def test_a_zero_estimate_is_refused():
    """The check itself can fail: an estimate of 0 (or one below the true error) is rejected."""
    with pytest.raises(AssertionError, match="missing or zero"):
        check_estimate("x", mpmath.mpf("1e-30"), mpmath.mpf(0), 20)
    with pytest.raises(AssertionError, match="exceeds"):
        check_estimate("x", mpmath.mpf("1e-20"), mpmath.mpf("1e-25"), 20)
    with pytest.raises(AssertionError, match="10\\^4"):
        check_estimate("x", mpmath.mpf("1e-28"), mpmath.mpf("1e-20"), 20)


def test_compare_requires_a_positive_error_where_asked():
    """paper_checks.compare(need_error=True) fails a missing (plain mpf) or zero error estimate."""
    from numerics.precision import Estimate
    from paper_checks.compare import compare
    one = mpmath.mpf(1)
    assert compare([("x", 1, Estimate(one, mpmath.mpf("1e-40"), 30))], dps=30, need_error=True).passed
    missing = compare([("x", 1, one)], dps=30, need_error=True, quiet=True)
    zero = compare([("x", 1, Estimate(one, 0, 30))], dps=30, need_error=True, quiet=True)
    assert not missing.passed and "no error estimate" in missing.summary
    assert not zero.passed and "zero" in zero.summary


def test_virial_residual_beyond_its_error_is_refused():
    """transfer.evaluate checks sum_k 2k a_k m_2k - 2 K C(1) - 1 against its propagated error estimate."""
    from numerics.transfer import Params, check_virial, evaluate, virial_tolerance
    from proofs.errors import NotConverged
    p = Params.from_chain(EX.SINGLE_WELL.chain)
    v = evaluate(p, 20)
    with mp.workdps(30):
        assert abs(v.details["virial_residual"]) <= virial_tolerance(p, v)
        with pytest.raises(NotConverged, match="virial"):
            check_virial(p, v, 100 * virial_tolerance(p, v))


@pytest.mark.parametrize("scheme", ["decimation", "block"])
def test_flow_error_bounds_never_shrink(scheme):
    """Along a projected flow the error bound of theta_m cannot fall below that of theta_(m-1).

    Both RG maps have a marginal direction (Jacobian eigenvalue 1: the invariant rho, or the
    conserved variance, docs/theory.md 3.3), along which an error of theta_(m-1) is carried into
    theta_m undamped; a bound that shrinks has dropped the earlier steps' errors.
    """
    pts = general.flow(EX.SINGLE_WELL.chain, scheme=scheme, b=2, steps=4, dps=20)
    errs = [p.error for p in pts]
    assert all(e1 >= e0 for e0, e1 in zip(errs, errs[1:])), [mpmath.nstr(e, 3) for e in errs]

"""The Gauss-Hermite Nystrom discretization (numerics.nystrom, docs/theory.md 5.16): a second route that can fail.

It must agree with the Gaussian closed forms at K != 0 (written here from docs/theory.md 2 in mpmath, not taken
from proofs or numerics.exact) and with the trapezoid transfer operator (numerics.general) at K != 0 within the
two error estimates combined; its doubling estimate must cover the true error of an under-resolved rule; and a
wrong quadrature weight planted in it must turn the claims that use it to FAILS.
"""
import mpmath
import pytest
from mpmath import mp

from numerics import general, nystrom
from paper_checks.engine import load_registry, run_claim
from paper_checks.registry import Context
from proofs.errors import InadmissibleParameter, NotConverged, NotSupported
from proofs.family import Chain

NON_GAUSSIAN = [("0.4", ["0.5", "0.1"]),          # docs/theory.md 6: single well
                ("0.5", ["-1", "0.25"]),          # double well
                ("0.3", ["1", "-0.5", "0.2"]),    # sextic with a negative a_2
                ("-0.8", ["0.3", "0.05"]),        # a negative coupling, a wide well
                ("1.2", ["-2", "0.5"])]           # strong coupling, a deep double well


def gaussian_closed_forms(K, a, lags):
    """A, m_2, C(1..lags) of the Gaussian chain: rho = sqrt(a^2 - K^2), u = K/(a + rho) (docs/theory.md 2)."""
    K, a = mpmath.mpf(K), mpmath.mpf(a)
    rho = mpmath.sqrt(a * a - K * K)
    u = K / (a + rho)
    return [mpmath.log(2 * mpmath.pi / (a + rho)) / 2, 1 / (2 * rho)] + [u ** r / (2 * rho) for r in range(1, lags + 1)]


@pytest.mark.parametrize("K, a, dps", [("0.5", "1", 25), ("-1.5", "2", 25), ("0.25", "0.75", 25), ("0.9", "1", 15)])
def test_gaussian_closed_forms_at_nonzero_coupling(K, a, dps):
    v = nystrom.moments(Chain.gaussian(K, a), dps=dps, lags=3)
    with mp.workdps(dps + 15):
        exact = gaussian_closed_forms(mpmath.mpf(mpmath.fraction(*map(int, _ratio(K)))),
                                      mpmath.mpf(mpmath.fraction(*map(int, _ratio(a)))), 3)
        got = [v.A, *v.m, *v.C]
        errs = [v.err_A, *v.err_m, *v.err_C]
        for x, y, e in zip(got, exact, errs):
            assert abs(x - y) <= e, (x, y, e)                       # the estimate covers the true error
            assert 0 < e <= mpmath.mpf(10) ** -dps * max(1, abs(y))  # and is resolved


def _ratio(text):
    from fractions import Fraction
    f = Fraction(text)
    return f.numerator, f.denominator


@pytest.mark.parametrize("K, a", NON_GAUSSIAN)
def test_agrees_with_the_transfer_operator_within_both_errors(K, a):
    dps = 20
    ch = Chain.polynomial(K, a)
    v = nystrom.moments(ch, dps=dps, lags=3)
    t = general.moments(ch, dps=dps, lags=3)
    with mp.workdps(dps + 10):
        pairs = zip([v.A, *v.m, *v.C], [v.err_A, *v.err_m, *v.err_C],
                    [t.A, *t.m, *t.corr], [t.details["err_A"], *t.details["err_m"], *t.details["err_C"]])
        for x, ex, y, ey in pairs:
            assert abs(x - y) <= ex + ey, (K, a, x, y, ex, ey)
            assert ex <= mpmath.mpf(10) ** -dps * max(1, abs(x))


@pytest.mark.parametrize("K, a", NON_GAUSSIAN[:3])
def test_doubling_estimate_covers_an_under_resolved_rule(K, a):
    """At node counts too small for 20 digits, |v(n) - v(n/2)| must still bound the true error of v(n)."""
    ch = Chain.polynomial(K, a)
    truth = general.moments(ch, dps=30, lags=2)
    L = nystrom.SCALE_FACTOR * nystrom._range(ch.K, ch.a, 20)
    with mp.workdps(40):
        ref = [truth.A, *truth.m, *truth.corr]
        for n in (48, 68, 96):
            fine = [nystrom._mpf(x) for x in nystrom._flat(nystrom.solve(ch.K, ch.a, n, L, 200, 2))]
            coarse = [nystrom._mpf(x) for x in nystrom._flat(nystrom.solve(ch.K, ch.a, n // 2, L, 200, 2))]
            for f, c, r in zip(fine, coarse, ref):
                assert abs(f - r) <= abs(f - c), (n, f, c, r)


def test_a_range_too_narrow_is_seen_or_refused(monkeypatch):
    """With the outermost node at 0.85 of the stated range (dps 15, double well) the range costs about as much as the
    target: the estimate (doubling + widening) still covers the true error. Narrower still (0.6), the doubling
    never agrees and the route refuses (NotConverged) rather than return a number."""
    ch = Chain.polynomial("0.5", ["-1", "0.25"])
    truth = general.moments(ch, dps=30, lags=1)
    monkeypatch.setattr(nystrom, "SCALE_FACTOR", 0.85)
    v = nystrom.moments(ch, dps=15, lags=1)
    with mp.workdps(30):
        true_err = [abs(x - r) for x, r in zip([v.A, *v.m, *v.C], [truth.A, *truth.m, *truth.corr])]
        for t, e in zip(true_err, [v.err_A, *v.err_m, *v.err_C]):
            assert t <= e
        assert max(true_err) > mpmath.mpf(10) ** -16          # the narrow range does cost accuracy here
    monkeypatch.setattr(nystrom, "SCALE_FACTOR", 0.6)
    monkeypatch.setattr(nystrom, "MAX_NODES", 192)             # the ladder gives up sooner; the same refusal
    with pytest.raises(NotConverged):
        nystrom.moments(ch, dps=15, lags=1)


def test_hermite_rule_integrates_polynomials_exactly():
    """sum_i w_i p(x_i) = int e^(-x^2) p(x) dx for degree < 2n: x^(2k) gives Gamma(k + 1/2)."""
    n, bits = 12, 200
    xs, logw = nystrom.hermite_rule(n, bits)
    with mp.workdps(55):
        for k in range(n):
            rule = 2 * sum(mpmath.exp(nystrom._mpf(lw)) * nystrom._mpf(x) ** (2 * k) for x, lw in zip(xs, logw))
            assert abs(rule - mpmath.gamma(k + mpmath.mpf(1) / 2)) < mpmath.mpf(10) ** -50 * mpmath.gamma(k + 0.5)


def test_refuses_what_it_does_not_cover():
    with pytest.raises(NotSupported):
        nystrom.moments(Chain.ising("0.8"), dps=15)
    with pytest.raises(InadmissibleParameter):
        nystrom.moments(type("C", (), {"K": 1, "a": (-1, 0), "is_ising": False})(), dps=15)


def test_ring_moments_match_the_gaussian_ring_closed_form():
    """C_N(r) = (u^r + u^(N-r)) / (2 rho (1 - u^N)) (docs/theory.md 2) on a ring where the winding terms matter."""
    v, e = nystrom.ring_moments(Chain.gaussian("0.9", "1"), 6, lags=(1, 2, 3))
    rho = (1 - 0.81) ** 0.5
    u = 0.9 / (1 + rho)
    ring = [(u ** r + u ** (6 - r)) / (2 * rho * (1 - u ** 6)) for r in (1, 2, 3, 0)]      # lags 1, 2, 3; then m_2
    exact = ring
    for x, err, y in zip(v, e, exact):
        assert abs(x - y) <= max(err, 1e-13 * abs(y))
        assert err < 1e-10


def _clear_caches():
    from paper_checks.claims import numerics as claims
    for f in (claims._moments_nystrom, claims._a_star_nystrom):
        f.cache_clear()


@pytest.fixture
def planted(monkeypatch):
    """Plant a bug in the Nystrom route for one test (the claims' caches are cleared before and after)."""
    _clear_caches()
    yield monkeypatch
    _clear_caches()


@pytest.mark.parametrize("claim_id", ["numerics.symbolic-equals-transfer", "numerics.theorem-r-sextic"])
def test_a_wrong_weight_fails_the_claims(planted, claim_id):
    """Every node weight g_i^2 = W_i exp(-V(y_i)) multiplied by exp(-1e-8 y_i^2): a consistent discretization of
    a chain whose a_1 is off by 1e-8, invisible to the error estimate; the claims judged at 15 digits must fail."""
    original = nystrom._potential
    planted.setattr(nystrom, "_potential", lambda a, y: original(a, y) + mpmath.mpf("1e-8") * y * y)
    result = run_claim(load_registry()[claim_id], Context(dps=15))
    assert result.verdict == "FAILS", (result.verdict, result.summary)


def test_an_inconsistent_weight_is_refused_not_returned(planted):
    """Weights exp(1e-8 x_i^2) on the unscaled Gauss-Hermite nodes change with n: the doubling never agrees, and the
    route raises NotConverged (the claim reports ERROR, which fails the run) instead of returning a number."""
    original = nystrom.hermite_rule

    def rule(n, bits):
        xs, logw = original(n, bits)
        return xs, tuple((lw + mpmath.mpf("1e-8") * x * x).mid() for x, lw in zip(xs, logw))
    planted.setattr(nystrom, "hermite_rule", rule)
    planted.setattr(nystrom, "MAX_NODES", 136)               # the ladder gives up sooner; the same refusal
    result = run_claim(load_registry()["numerics.symbolic-equals-transfer"], Context(dps=15))
    assert result.verdict == "ERROR" and "no agreement" in result.summary, (result.verdict, result.summary)

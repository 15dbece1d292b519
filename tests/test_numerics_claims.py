"""The numerics claims pass at dps 20 where expected, and fail when their numeric side is perturbed."""
import mpmath
import pytest

from paper_checks.claims import load_all
from paper_checks.registry import REGISTRY, Context

load_all()
CTX = Context(dps=20, quick=True)


@pytest.mark.parametrize("cid", ["numerics.symbolic-equals-transfer", "numerics.projection-unique"])
def test_fast_claims_hold(cid):
    ev = REGISTRY[cid].check(CTX)
    assert ev.passed, ev.summary


@pytest.mark.slow
def test_theorem_r_holds():
    assert REGISTRY["numerics.theorem-r-decimation"].check(CTX).passed


def test_theorem_r_can_fail(monkeypatch):
    """A quadrature side off by 1e-12 (instead of the real one) must make the claim fail."""
    import paper_checks.claims.numerics as C
    monkeypatch.setattr(C, "WELLS", C.WELLS[:1])
    monkeypatch.setattr(C, "projection_quad", lambda m, dps, start: ([mpmath.mpf(start[0]) + mpmath.mpf("1e-12")]
                                                                     + [mpmath.mpf(x) for x in start[1:]], 0))
    ev = REGISTRY["numerics.theorem-r-decimation"].check(CTX)
    assert not ev.passed and "differ" in ev.summary


def test_symbolic_claim_can_fail(monkeypatch):
    import paper_checks.claims.numerics as C
    real = C.general.moments

    def off(chain, dps, lags):
        mo = real(chain, dps=dps, lags=lags)
        return type(mo)(A=mo.A + mpmath.mpf("1e-14"), m=mo.m, corr=mo.corr, error=mo.error, dps=mo.dps,
                        details=mo.details)

    monkeypatch.setattr(C.general, "moments", off)
    assert not REGISTRY["numerics.symbolic-equals-transfer"].check(CTX).passed


def test_block_spin_map_claim_can_fail(monkeypatch):
    """The b = 3 map replaced by u' = u (1 + u) / 3 (a plausible slip) makes the claim fail."""
    import paper_checks.claims.numerics as C
    real = C.BS.gaussian_block_map
    monkeypatch.setattr(C.BS, "gaussian_block_map", lambda b: real(b) if b == 2 else C.G.u * (1 + C.G.u) / 3)
    ev = REGISTRY["numerics.block-spin-gaussian-map"].check(CTX)
    assert not ev.passed and "differ" in ev.summary


def test_block_spin_variance_claim_holds_and_can_fail(monkeypatch):
    """Variance preservation holds; a block step that rescales by zeta^2 (1 + 1e-10) breaks it."""
    import paper_checks.claims.numerics as C
    assert REGISTRY["numerics.block-spin-variance"].check(CTX).passed
    from numerics import blockspin
    real = blockspin.targets

    def off(p, b, dps, n=None):
        t, err = real(p, b, dps, n)
        return [t[0]] + [x * (1 + mpmath.mpf("1e-10")) ** k for k, x in enumerate(t[1:], 1)], err

    monkeypatch.setattr(blockspin, "targets", off)
    monkeypatch.setattr(C, "WELLS", C.WELLS[:1])
    assert not REGISTRY["numerics.block-spin-variance"].check(CTX).passed


@pytest.mark.slow
def test_block_spin_claims_report():
    """Block-spin: the decoupled-Gaussian limit is observed; Theorem R's a* is not its limit for n = 2."""
    assert REGISTRY["numerics.block-spin-limit"].check(CTX).passed
    ev = REGISTRY["numerics.theorem-r-block-spin"].check(CTX)
    assert not ev.passed and "single well" in ev.summary


def test_block_spin_variance_claim_sees_a_wrong_block_sum(monkeypatch):
    """The step's own m_2 target is m_2 whatever E[S^2] is: the claim must see a wrong E[S^2] (1e-10 relative)
    through its second route, the covariance algebra b m_2 + 2 sum (b - k) C(k)."""
    import dataclasses

    import paper_checks.claims.numerics as C
    real = C.evaluate

    def off(p, dps, lags=1, block=None, grid=None):
        v = real(p, dps, lags, block, grid)
        return dataclasses.replace(v, S={**v.S, 2: v.S[2] * (1 + mpmath.mpf("1e-10"))}) if block else v

    monkeypatch.setattr(C, "evaluate", off)
    monkeypatch.setattr(C, "WELLS", C.WELLS[:1])
    ev = REGISTRY["numerics.block-spin-variance"].check(CTX)
    assert not ev.passed and "E[S^2]" in ev.summary


def test_block_spin_limit_is_read_off_the_flow(monkeypatch):
    """A flow that stops short of the edge (a_2 kept 1e-5 above it) fails, although the solver is untouched."""
    import paper_checks.claims.numerics as C
    from numerics.transfer import Params
    real = C.fpm.flow

    def short(p, scheme, b, steps, dps):
        pts, zeros = real(p, scheme, b, steps, dps)
        return [(Params(q.K, (q.a[0], q.a[1] + mpmath.mpf("1e-5"))), e, n) for q, e, n in pts], zeros

    monkeypatch.setattr(C.fpm, "flow", short)
    monkeypatch.setattr(C, "BLOCK_LIMIT_CASES", C.BLOCK_LIMIT_CASES[:1])
    ev = REGISTRY["numerics.block-spin-limit"].check(CTX)
    assert not ev.passed and "a_2 of the flow's limit" in str(ev.details) + ev.summary

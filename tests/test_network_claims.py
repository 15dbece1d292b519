"""The network claims hold on main's numbers, and fail when a reference is broken (they can fail)."""
import dataclasses

from numerics import api
from paper_checks.claims import network as NC
from paper_checks.registry import Context


def test_symbolic_network_claims_hold():
    ctx = Context(dps=30)
    for check in (NC.check_decimate_optimum, NC.check_infomax_optimum, NC.check_autoencoder_optimum):
        ev = check(ctx)
        assert ev.passed, ev.summary


def test_decimate_claim_fails_against_a_shifted_flow(monkeypatch):
    real = api.flow

    def shifted(*a, **k):
        pts = real(*a, **k)
        return pts[:-1] + [dataclasses.replace(pts[-1], K=pts[-1].K * (1 + 1e-12))]

    monkeypatch.setattr(NC.api, "flow", shifted)
    assert not NC.check_decimate_optimum(Context(dps=30)).passed


def test_infomax_claim_fails_against_a_wrong_fixed_point(monkeypatch):
    real = api.fixed_point
    monkeypatch.setattr(NC.api, "fixed_point",
                        lambda *a, **k: dataclasses.replace(real(*a, **k), a=(real(*a, **k).a[0] * 1.001,)))
    assert not NC.check_infomax_optimum(Context(dps=30)).passed


def test_training_claims_are_slow_and_registered():
    slow = [c for c in (NC.check_theorem_d_infomax_gaussian, NC.check_theorem_d_decimate_gaussian,
                        NC.check_theorem_d_quartic, NC.check_infomax_imposes_scale,
                        NC.check_autoencoder_nonidentifiable)]
    assert all(c.claim.slow for c in slow)
    assert NC.check_theorem_d_quartic.claim.expected == "open"

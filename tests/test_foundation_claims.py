"""The foundation claims hold on the defaults, and fail when a relation is broken (they can fail)."""
import dataclasses

import pytest

from numerics import exact
from paper_checks import engine
from paper_checks.claims import foundation  # noqa: F401  (registers the claims)
from paper_checks.registry import REGISTRY
from proofs import gaussian, ising

IDS = [i for i in REGISTRY if i.startswith("foundation.")]


def test_foundation_claims_hold():
    assert len(IDS) == 6
    results = engine.run(registry={i: REGISTRY[i] for i in IDS}, dps=20, progress=False)
    assert [r.verdict for r in results] == ["holds"] * 6, [r.summary for r in results if r.verdict != "holds"]


@pytest.mark.parametrize("claim_id, target, attr, broken", [
    ("foundation.u-power-b", gaussian, "K_OF_U",
     2 * gaussian.rho * gaussian.u / (1 - gaussian.u ** 2) * (1 + gaussian.u ** 2 / 10 ** 12)),
    ("foundation.ising-recursion", ising, "recursion",
     lambda b: ising.sp.atanh(ising.sp.tanh(ising.K) ** int(b)) * (1 + ising.sp.Rational(1, 10 ** 12))),
])
def test_a_broken_relation_fails_its_claim(monkeypatch, claim_id, target, attr, broken):
    monkeypatch.setattr(target, attr, broken)
    results = engine.run(registry={claim_id: REGISTRY[claim_id]}, dps=20, progress=False)
    assert results[0].verdict == "FAILS", results[0].summary


def _shifted(fixed_point, **changes):
    def broken(chain, b, dps, certify=False):
        fp = fixed_point(chain, b, dps, certify)
        return dataclasses.replace(fp, **{k: v(fp) for k, v in changes.items()})
    return broken


@pytest.mark.parametrize("claim_id, name, changes", [
    # the closed-form fixed point is judged against the exact recursion, not against itself
    ("foundation.gaussian-fixed-points", "_gaussian_fixed_point",
     {"a": lambda fp: (fp.a[0] * (1 + exact.mpmath.mpf(10) ** -12),)}),
    ("foundation.gaussian-fixed-points", "_gaussian_fixed_point",
     {"eigenvalues": lambda fp: (fp.eigenvalues[0] + exact.mpmath.mpf(10) ** -8, fp.eigenvalues[1])}),
    # the Ising K* = 0 and dK'/dK = 0 of numerics.exact against the brute-force recursion
    ("foundation.ising-recursion", "_ising_fixed_point", {"K": lambda fp: exact.mpmath.mpf(10) ** -12}),
    ("foundation.ising-recursion", "_ising_fixed_point", {"eigenvalues": lambda fp: (exact.mpmath.mpf(10) ** -8,)}),
])
def test_a_wrong_closed_form_fixed_point_fails_its_claim(monkeypatch, claim_id, name, changes):
    monkeypatch.setattr(exact, name, _shifted(getattr(exact, name), **changes))
    results = engine.run(registry={claim_id: REGISTRY[claim_id]}, dps=20, progress=False)
    assert results[0].verdict == "FAILS", results[0].summary

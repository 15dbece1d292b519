"""The instrument claims (paper_checks/claims/instruments.py) hold, and each fails when its instrument is broken.

Each break is a plausible one-line slip in the instrument (a wrong power, a wrong denominator, a halved
term, another level, a verdict rule that calls a straddling case `equivalent`), planted by monkeypatch.
"""
import numpy as np
import pytest

from paper_checks.claims import load_all
from paper_checks.registry import REGISTRY, Context

load_all()
CTX = Context(dps=20, quick=True)
IDS = ["network.estimator-exact-samples", "network.ising-ring-closed-forms", "network.block-mi-routes",
       "network.equivalence-region", "network.verdict-rules", "network.quartic-references",
       "network.rsmi-linear-optimum", "network.standard-errors", "network.gaussian-references",
       "network.objective-routes", "network.depth-verdict-rules"]


@pytest.mark.parametrize("cid", IDS)
def test_instrument_claims_hold_and_are_quick(cid):
    c = REGISTRY[cid]
    assert not c.slow and c.expected == "holds"
    ev = c.check(CTX)
    assert ev.passed, ev.summary


def _wrong_power(theta, M, n):
    from numerics.network import estimator
    c2, mn = _REAL["predict_ring"](theta, M, n)
    if n == 1:
        return c2, mn
    g = estimator.GridChain(theta[0], theta[1:])
    return c2, mn / g.ring_moments(M, 1)[1]           # E[y^(2n+2)] scaled by c0^n instead of c0^(n+1)


_REAL = {}


def test_a_wrong_next_moment_prediction_fails(monkeypatch):
    from numerics.network import estimator
    _REAL["predict_ring"] = estimator.predict_ring
    monkeypatch.setattr(estimator, "predict_ring", _wrong_power)
    from paper_checks.claims import instruments
    monkeypatch.setattr(instruments, "_exact_sample_cases", lambda: [("single well", (0.4, 0.5, 0.1), 2, "continuous")])
    ev = REGISTRY["network.estimator-exact-samples"].check(CTX)
    assert not ev.passed and "FLAGGED next_moment" in ev.summary


@pytest.mark.parametrize("module, name", [("numerics.network.ising_ring", "ring_correlation"),
                                          ("numerics.network.spin_estimator", "ring_lag")])
def test_a_wrong_ring_denominator_fails(monkeypatch, module, name):
    import importlib
    mod = importlib.import_module(module)
    monkeypatch.setattr(mod, name, lambda t, N, r: (t ** r + t ** (N - r)) / (1 + t ** (N - 1)))
    assert not REGISTRY["network.ising-ring-closed-forms"].check(CTX).passed


def test_a_halved_conditioning_term_fails(monkeypatch):
    from numerics.network import block_mi
    real = block_mi._blocks

    def halved(row, b, buffer, window):
        Cvv, cond = real(row, b, buffer, window)
        return Cvv, Cvv - 0.5 * (Cvv - cond)

    monkeypatch.setattr(block_mi, "_blocks", halved)
    ev = REGISTRY["network.block-mi-routes"].check(CTX)
    assert not ev.passed and "Schur complement" in ev.summary


def test_a_quantile_at_another_level_fails(monkeypatch):
    from numerics.network import effect
    real = effect.chi2_quantile
    monkeypatch.setattr(effect, "chi2_quantile", lambda p, confidence=0.95: real(p, (1 + confidence) / 2))
    assert not REGISTRY["network.equivalence-region"].check(CTX).passed


def test_a_wrong_default_level_fails(monkeypatch):
    from numerics.network import effect
    real = effect.chi2_quantile
    monkeypatch.setattr(effect, "chi2_quantile", lambda p, confidence=0.9: real(p, confidence))
    assert not REGISTRY["network.equivalence-region"].check(CTX).passed


def test_a_rule_that_calls_straddling_bounds_equivalent_fails(monkeypatch):
    from numerics.network import effect
    real = effect._verdict

    def lenient(lower, upper, margin):
        v, why = real(lower, upper, margin)
        return ("equivalent", why) if v == "undetermined" else (v, why)

    monkeypatch.setattr(effect, "_verdict", lenient)
    ev = REGISTRY["network.verdict-rules"].check(CTX)
    assert not ev.passed and "finite bounds straddle" in ev.summary


def test_a_protocol_that_reads_every_run_fails(monkeypatch):
    from paper_checks import protocol
    real = protocol.summarize

    def every_run(pts):
        out = real(pts)
        for s in out:
            vs = {p["verdict"] for p in pts}
            s["answer"] = ("reaches theta*" if vs == {"equivalent"} else "misses theta*" if vs == {"different"}
                           else "undetermined")
        return out

    monkeypatch.setattr(protocol, "summarize", every_run)
    assert not REGISTRY["network.verdict-rules"].check(CTX).passed


def test_exact_sample_cases_are_the_documented_examples():
    from paper_checks.claims import instruments
    from proofs import examples as EX
    cases = {label: theta for label, theta, _, _ in instruments._exact_sample_cases()}
    assert np.allclose(cases["Gaussian"], (float(EX.GAUSSIAN.chain.K), float(EX.GAUSSIAN.chain.a[0])))
    assert np.allclose(cases["single well"], [float(EX.SINGLE_WELL.chain.K), *map(float, EX.SINGLE_WELL.chain.a)])


def test_a_wrong_decimation_reference_fails(monkeypatch):
    from numerics.network import targets
    real = targets.project_ring
    targets._api_cached.cache_clear()
    monkeypatch.setattr(targets, "project_ring", lambda s, M, n, start=None: (real(s, M, n, start)[0] * (1 + 1e-6),
                                                                              None))
    assert not REGISTRY["network.quartic-references"].check(CTX).passed


def test_an_rsmi_optimum_that_decimates_fails(monkeypatch):
    """A 'maximizer' that keeps one site per block (the decimation map) is near theta*: the claim must see it."""
    from numerics.network import block_mi
    monkeypatch.setattr(block_mi, "greedy_max_block_mi",
                        lambda row, layers, b, buffer, window: ([0.0] * layers, [np.array([1.0, 0.0])] * layers))
    ev = REGISTRY["network.rsmi-linear-optimum"].check(CTX)
    assert not ev.passed and "NOT different" in ev.summary


@pytest.mark.parametrize("module, name, broken", [
    # a delta method without a factor: every s.e. of chi-hat doubled
    ("numerics.network.estimator", "chi_hat", lambda real: lambda y, n, **kw: _scaled_se(real(y, n, **kw), 2.0)),
    # the translation test at M degrees of freedom
    ("numerics.network.spin_estimator", "translation_test",
     lambda real: lambda s: {**real(s), "p": _chi2_sf(real(s)["value"], s.shape[1])}),
])
def test_standard_errors_claim_fails_on_a_wrong_error(monkeypatch, module, name, broken):
    import importlib
    mod = importlib.import_module(module)
    monkeypatch.setattr(mod, name, broken(getattr(mod, name)))
    assert not REGISTRY["network.standard-errors"].check(CTX).passed


def _scaled_se(est, f):
    import dataclasses
    return dataclasses.replace(est, se=tuple(f * v for v in est.se))


def _chi2_sf(x, dof):
    import mpmath
    return float(mpmath.gammainc(dof / 2, x / 2, mpmath.inf, regularized=True))


def test_gaussian_references_claim_fails_on_a_wrong_power(monkeypatch):
    from numerics.network import targets
    real = targets.references

    def wrong(cfg):
        out = dict(real(cfg))
        out["infomax_targets"] = [out["m"][0]]           # the data's m_2 whatever s^2
        return out
    monkeypatch.setattr(targets, "references", wrong)
    assert not REGISTRY["network.gaussian-references"].check(CTX).passed


def test_objective_routes_claim_fails_on_a_halved_gibbs_field(monkeypatch):
    import torch

    from numerics.network.rbm import RBM
    monkeypatch.setattr(RBM, "sample_hidden", lambda self, v, u: torch.where(
        u < torch.sigmoid(self.hidden_field(v)), 1.0, -1.0).to(v.dtype))
    assert not REGISTRY["network.objective-routes"].check(CTX).passed


def test_depth_verdict_rules_claim_fails_on_a_loosened_distinguishability(monkeypatch):
    from numerics.network import depth_verdict
    real = depth_verdict.distinguishable

    def one_way(references, *, kind, margin, signed):
        rows = real(references, kind=kind, margin=margin, signed=signed)
        return [{**r, "distinguishable": max(r["d_decimation_block"], r["d_block_decimation"]) > margin}
                for r in rows]
    monkeypatch.setattr(depth_verdict, "distinguishable", one_way)
    assert not REGISTRY["network.depth-verdict-rules"].check(CTX).passed

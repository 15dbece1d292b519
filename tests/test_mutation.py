"""Mutation guard: break one relation on purpose and show that `rgdnn check` reports the failure.

A check that cannot fail is a defect (docs/theory.md section 5). Here the Gaussian
decimation u' = u^b is replaced by u' = u^b + 10^-8 inside the numeric backend
(numerics.exact.flow, reached through numerics.api), and the claim that checks it
against the independent exact recursion must turn FAILS, with a non-zero exit and the
disagreeing point in its evidence. The unmutated run is the control.
"""
import json

import mpmath
import pytest
from mpmath import mp

from numerics import exact
from numerics.point import Point

CLAIM = "foundation.u-power-b"
DELTA = mpmath.mpf("1e-8")


def mutated_flow(original):
    """numerics.exact.flow with the Gaussian recursion u' = u^b replaced by u' = u^b + 1e-8."""

    def flow(chain, *, scheme, b, steps, dps, **kw):
        pts = original(chain, scheme=scheme, b=b, steps=steps, dps=dps, **kw)
        if chain.is_ising:
            return pts
        with mp.workdps(dps + 10):
            K0, a0 = pts[0].K, pts[0].a[0]
            rho = mpmath.sqrt(a0 ** 2 - K0 ** 2)
            u = K0 / (a0 + rho)
            out = [pts[0]]
            for p in pts[1:]:
                u = u ** b + DELTA                        # the broken relation
                K, a = 2 * rho * u / (1 - u ** 2), rho * (1 + u ** 2) / (1 - u ** 2)
                out.append(Point(K=+K, a=(+a,) + tuple(p.a[1:]), error=p.error))
        return out

    return flow


def run_check(capsys):
    from rgdnn.cli import main
    code = main(["check", "--only", CLAIM, "--json"])
    return code, json.loads(capsys.readouterr().out)["claims"][0]


@pytest.fixture(autouse=True)
def _claim_registered():
    from paper_checks.engine import load_registry
    if CLAIM not in load_registry():
        pytest.fail(f"claim {CLAIM} is not registered: the mutation guard has nothing to break")


def test_control_unmutated_claim_holds(capsys):
    code, row = run_check(capsys)
    assert (code, row["verdict"]) == (0, "holds"), row["evidence"]


def test_broken_u_recursion_is_reported_as_failing(capsys, monkeypatch):
    monkeypatch.setattr(exact, "flow", mutated_flow(exact.flow))
    code, row = run_check(capsys)
    assert code == 1
    assert row["verdict"] == "FAILS", row
    bad = row["details"]["disagreements"]
    assert bad and all(b["reason"] == "differ" for b in bad)
    # the inputs (m = 0) are untouched and not flagged; every K_m with m >= 1 is, by about
    # dK/du * 1e-8 (of order 1e-8), far above the tolerance and far below O(1) noise
    assert not any("m=0" in b["point"] for b in bad)
    k_rows = [b for b in bad if b["point"].endswith("K_m")]
    assert k_rows and all(mpmath.mpf("1e-9") < mpmath.mpf(b["difference"]) < mpmath.mpf("1e-7") for b in k_rows)
    assert "disagree" in row["evidence"]


# -- the mutation score script (benchmarks/mutation.py) -------------------------------------------

def _mutation_module():
    import importlib.util
    import os
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks", "mutation.py")
    spec = importlib.util.spec_from_file_location("mutation_benchmark", path)
    mod = importlib.util.module_from_spec(spec)
    import sys
    sys.modules[spec.name] = mod          # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def test_mutant_catalogue_is_well_formed():
    """>= 20 mutants of proofs/, numerics/ and the verdict rules of paper_checks/ (never the claims, which are the
    checks), each snippet found exactly once, each module mapped to tests and to the claims that run first."""
    import os
    M = _mutation_module()
    assert len(M.MUTANTS) >= 20 and len({m.id for m in M.MUTANTS}) == len(M.MUTANTS)
    assert sum(m.path.startswith(("numerics/network/", "paper_checks/")) for m in M.MUTANTS) >= 20
    for m in M.MUTANTS:
        assert m.path.startswith(("proofs/", "numerics/", "paper_checks/")), m
        assert not m.path.startswith("paper_checks/claims/") and m.path in M.TESTS and m.path in M.CLAIMS_FIRST, m
        with open(os.path.join(M.ROOT, m.path)) as fh:
            assert fh.read().count(m.old) == 1, f"{m.id}: snippet not found exactly once in {m.path}"
        assert m.old != m.new
        for t in M.TESTS[m.path]:
            assert os.path.exists(os.path.join(M.ROOT, t)), t


def test_virial_sign_mutant_is_killed_by_check():
    """End to end: the virial-sign mutant in a private copy fails the first claim `rgdnn check --quick` runs."""
    import shutil
    M = _mutation_module()
    mutant = next(m for m in M.MUTANTS if m.id == "T1")
    d = M.make_copy(mutant)
    try:
        status, _, failed, _ = M.run_checks(d, ["numerics.symbolic-equals-transfer"], timeout=120)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    assert status == "killed" and failed, (status, failed)

"""Mutation score: plant one semantic bug at a time in the core formulas and count how many the checks catch.

Each mutant replaces one exact snippet of `proofs/`, `numerics/` (the network side included: the
estimators, references, KL rate, block information, rsmi, rbm, the depth rules) or the protocol's
verdict rules in `paper_checks/protocol.py` (never the claims: they are the checks) -- a wrong
sign, an off-by-one power, index or lag, a swapped argument, a dropped factor or term, an error
estimate set to 0, a wrong degrees of freedom, a rule loosened at its edge, ... -- in a private
copy of the checkout, then runs

1. the non-slow tests mapped to the mutated module (`pytest -x -m "not slow"` on the files in
   ``TESTS[module]`` plus the module's doctests): the mutant is *killed* if they fail;
2. `rgdnn check --quick`, claim by claim, stopping at the first claim that fails the run
   (FAILS, ERROR or open: error): the mutant is *killed* if one does. The same claims, verdicts
   and exit rule as the CLI (``paper_checks.engine.select`` and ``run_claim``, in one process:
   the command's parallel workers would run every claim), only stopped early. The claims that
   exercise the mutated module (``CLAIMS_FIRST``) run first, then the rest cheapest first (times
   from the unmutated control run): the order changes how soon a run stops, never its verdict.

A run that exceeds its timeout counts as killed and is flagged ``timeout``. Every survivor is
printed with the explanation recorded in ``MUTANTS`` (why no check sees it).

    python benchmarks/mutation.py               # all mutants, 2 workers
    python benchmarks/mutation.py --jobs 1 --only N3 P1
    python benchmarks/mutation.py --jobs 1 --only X1 DV2 --no-control   # iterating: no control run
    python benchmarks/mutation.py --list

Goals: >= 95% killed by the tests, >= 80% by `rgdnn check --quick`; the whole run fits in
10 minutes on two CPU cores. The unmutated control must pass `rgdnn check --quick`
(checked here); that the mapped tests pass unmutated is the test suite's own job (checked
with ``--control-tests``).
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COPY = ("proofs", "numerics", "paper_checks", "rgdnn", "tests", "benchmarks", "pyproject.toml")

# the non-slow test files that exercise each module (most sensitive first: pytest -x stops at the first failure)
TESTS = {
    "numerics/exact.py": ["tests/test_exact.py", "tests/test_error_estimates.py",
                          "tests/test_gaussian_closed_forms.py"],
    "numerics/transfer.py": ["tests/test_transfer.py", "tests/test_error_estimates.py"],
    "numerics/blockspin.py": ["tests/test_error_estimates.py", "tests/test_rg.py", "tests/test_numerics_claims.py"],
    "numerics/decimation.py": ["tests/test_error_estimates.py", "tests/test_rg.py"],
    "numerics/projection.py": ["tests/test_projection.py", "tests/test_error_estimates.py"],
    "numerics/fixedpoint.py": ["tests/test_fixed_point_methods.py", "tests/test_error_estimates.py",
                               "tests/test_rg.py"],
    "numerics/marginal.py": ["tests/test_fixed_point_methods.py"],
    "numerics/singlesite.py": ["tests/test_error_estimates.py", "tests/test_numerics_claims.py"],
    "numerics/gram.py": ["tests/test_proved.py"],
    "numerics/sitemoments.py": ["tests/test_proved.py"],
    "numerics/proved.py": ["tests/test_proved.py"],
    "numerics/outward.py": ["tests/test_proved.py", "tests/test_certify.py"],
    "proofs/gaussian.py": ["tests/test_exact.py", "tests/test_gaussian_closed_forms.py", "tests/test_derivations.py"],
    "proofs/ising.py": ["tests/test_exact.py", "tests/test_derivations.py"],
    "proofs/laplace.py": ["tests/test_laplace.py", "tests/test_derivations.py"],
    "proofs/blockspin.py": ["tests/test_numerics_claims.py"],
    "proofs/optimal_weights.py": ["tests/test_optimal_weights.py"],
    "numerics/nystrom.py": ["tests/test_nystrom.py", "tests/test_network_metropolis.py"],
    "numerics/network/metropolis.py": ["tests/test_network_metropolis.py"],
    "numerics/network/estimator.py": ["tests/test_network_estimator.py", "tests/test_network_metropolis.py",
                                      "tests/test_instrument_claims.py"],
    "numerics/network/spin_estimator.py": ["tests/test_ising.py", "tests/test_instrument_claims.py"],
    "numerics/network/targets.py": ["tests/test_network_targets.py", "tests/test_optimal_weights.py",
                                    "tests/test_network_effect.py",
                                    "tests/test_network_prior.py", "tests/test_network_rsmi.py",
                                    "tests/test_network_train.py", "tests/test_instrument_claims.py"],
    "numerics/network/effect.py": ["tests/test_verdict_branches.py", "tests/test_network_effect.py",
                                   "tests/test_protocol.py", "tests/test_instrument_claims.py"],
    "numerics/klrate.py": ["tests/test_klrate.py", "tests/test_network_effect.py", "tests/test_depth.py"],
    "numerics/network/block_mi.py": ["tests/test_network_rsmi.py", "tests/test_depth.py",
                                     "tests/test_instrument_claims.py"],
    "numerics/network/rsmi.py": ["tests/test_network_rsmi.py"],
    "numerics/network/rbm.py": ["tests/test_rbm.py", "tests/test_network_ising.py"],
    "numerics/network/compare.py": ["tests/test_verdict_branches.py", "tests/test_network_effect.py"],
    "paper_checks/protocol.py": ["tests/test_verdict_branches.py", "tests/test_protocol.py"],
    "numerics/network/depth_verdict.py": ["tests/test_depth.py"],
    "numerics/network/depth_compare.py": ["tests/test_depth.py"],
}


# claims that exercise each module, run first for its mutants (a survivor still runs every claim)
CLAIMS_FIRST = {
    "numerics/exact.py": ["foundation.u-power-b", "foundation.ising-recursion", "numerics.symbolic-equals-transfer"],
    "numerics/transfer.py": ["numerics.symbolic-equals-transfer", "numerics.projection-unique"],
    "numerics/blockspin.py": ["numerics.block-spin-gaussian-map", "numerics.block-spin-variance"],
    "numerics/decimation.py": ["numerics.theorem-r-sextic", "numerics.theorem-r-decimation"],
    "numerics/projection.py": ["numerics.projection-unique", "numerics.theorem-r-sextic"],
    "numerics/fixedpoint.py": ["numerics.block-spin-gaussian-map", "numerics.theorem-r-sextic",
                               "numerics.block-spin-limit"],
    "numerics/singlesite.py": ["numerics.theorem-r-sextic", "numerics.theorem-r-decimation"],
    "numerics/marginal.py": ["numerics.theorem-r-decimation"],
    "numerics/gram.py": ["numerics.estimates-inside-proofs", "numerics.symbolic-equals-transfer"],
    "numerics/sitemoments.py": ["numerics.estimates-inside-proofs", "numerics.symbolic-equals-transfer"],
    "numerics/proved.py": ["numerics.estimates-inside-proofs", "numerics.theorem-r-sextic"],
    "numerics/outward.py": ["numerics.estimates-inside-proofs", "numerics.theorem-r-sextic"],
    "proofs/gaussian.py": ["foundation.u-power-b", "numerics.symbolic-equals-transfer",
                           "foundation.gaussian-fixed-points"],
    "proofs/ising.py": ["foundation.ising-recursion", "numerics.symbolic-equals-transfer"],
    "proofs/laplace.py": ["numerics.symbolic-equals-transfer", "foundation.laplace-decimation"],
    "proofs/blockspin.py": ["numerics.block-spin-gaussian-map", "numerics.block-spin-limit"],
    "proofs/optimal_weights.py": ["network.infomax-optimum", "network.decimate-optimum", "network.autoencoder-optimum"],
    "numerics/nystrom.py": ["numerics.symbolic-equals-transfer", "network.kl-rate-routes", "numerics.theorem-r-sextic"],
    "numerics/network/metropolis.py": [],
    "numerics/network/estimator.py": ["network.estimator-exact-samples", "network.standard-errors",
                                      "network.metropolis-exact"],
    "numerics/network/spin_estimator.py": ["network.estimator-exact-samples", "network.standard-errors",
                                           "network.ising-ring-closed-forms"],
    "numerics/network/targets.py": ["network.gaussian-references", "network.quartic-references",
                                    "network.rsmi-linear-optimum"],
    "numerics/network/effect.py": ["network.verdict-rules", "network.equivalence-region",
                                   "network.rsmi-linear-optimum"],
    "numerics/klrate.py": ["network.kl-rate-routes", "network.equivalence-region", "network.depth-exact-verdicts"],
    "numerics/network/block_mi.py": ["network.block-mi-routes", "network.rsmi-linear-optimum",
                                     "network.depth-rsmi-gaussian-block-spin"],
    "numerics/network/rsmi.py": ["network.objective-routes", "network.standard-errors"],
    "numerics/network/rbm.py": ["network.objective-routes"],
    "numerics/network/compare.py": ["network.verdict-rules"],
    "paper_checks/protocol.py": ["network.verdict-rules"],
    "numerics/network/depth_verdict.py": ["network.depth-verdict-rules", "network.depth-exact-verdicts",
                                          "network.depth-rsmi-gaussian-block-spin"],
    "numerics/network/depth_compare.py": ["network.depth-verdict-rules", "network.standard-errors",
                                          "network.depth-exact-verdicts", "network.depth-rsmi-gaussian-block-spin"],
}


@dataclass(frozen=True)
class Mutant:
    id: str
    path: str
    old: str                  # must occur exactly once in the file
    new: str
    what: str
    survivor_note: str = ""   # why it may survive (printed when it does)


MUTANTS = [
    # -- numerics/exact.py: closed forms evaluated at dps ------------------------------------------
    Mutant("E1", "numerics/exact.py", "t = t ** b                       # t = u^(b^m)",
           "t = t ** (b + 1)                 # t = u^(b^m)", "Gaussian orbit u' = u^(b+1) (off-by-one power)"),
    Mutant("E2", "numerics/exact.py",
           "errs = [abs(x - y) + abs(y) * mpmath.mpf(10) ** (1 - p1) for x, y in zip(v1, v2)]",
           "errs = [0 * abs(x - y) for x, y in zip(v1, v2)]", "closed-form error estimates set to 0"),
    Mutant("E3", "numerics/exact.py", "sign = 1 if (Kc > 0 or b % 2 == 0) else -1", "sign = 1",
           "Ising step for large |K|: sign of K' lost for K < 0, odd b"),
    # -- numerics/transfer.py: the transfer operator -----------------------------------------------
    Mutant("T1", "numerics/transfer.py", "for k in range(1, p.n + 1)), arb(0)) - 2 * to_arb(p.K) * C[0] - 1",
           "for k in range(1, p.n + 1)), arb(0)) + 2 * to_arb(p.K) * C[0] - 1",
           "virial residual with the wrong sign of K C(1)"),
    Mutant("T2", "numerics/transfer.py", "    return (abs(v - arb_to_mpf(coarse)) + arb_rad(fine)",
           "    return 0 * (abs(v - arb_to_mpf(coarse)) + arb_rad(fine)", "refinement error estimate set to 0"),
    Mutant("T3", "numerics/transfer.py", "            u = (Mo * u) * inv\n", "            u = (Mo * u) * inv * inv\n",
           "C(r) divided by lambda^(2r) instead of lambda^r"),
    Mutant("T4", "numerics/transfer.py", "m.append(sum((xs[j] ** (2 * k) * c[j + off] ** 2",
           "m.append(sum((xs[j] ** (2 * k - 1) * c[j + off] ** 2", "m_2k with x^(2k-1) (off-by-one power)"),
    Mutant("T5", "numerics/transfer.py", "lam.log() + log_shift(p, grid), m, C, S, tail, vir, vector_error)",
           "lam.log() - log_shift(p, grid), m, C, S, tail, vir, vector_error)",
           "A = log lambda with the scaling shift of the wrong sign"),
    Mutant("T6", "numerics/transfer.py", "    return {p: _dot(cvec, _col(ser[p])) * facts[p] for p",
           "    return {p: _dot(cvec, _col(ser[p])) * facts[p - 1] for p",
           "block-sum moments with p!/p (wrong factorial)"),
    Mutant("T7", "numerics/transfer.py", "    w_bond = 2 / (1 - t[1:])", "    w_bond = 1 / (1 - t[1:])",
           "asymptotic covariance: bond weight 1/(1-t) instead of 2/(1-t)"),
    Mutant("C1", "numerics/transfer.py", "self.kp = _fixed([self.rm[abs(m)] for m",
           "self.kp = _fixed([self.rp[abs(m)] for m",
           "matrix-free product: chirp kernel r^(+(i-j)^2) for r^(-(i-j)^2)"),
    Mutant("C2", "numerics/transfer.py", "        return [r[i] * arb(arb(fmpz(prod[i + J - 2]))",
           "        return [r[i] * arb(arb(fmpz(prod[i + J - 1]))", "matrix-free product: convolution read one off"),
    # -- numerics/marginal.py, the Theorem R fixed point ---------------------------------------------
    Mutant("M1", "numerics/marginal.py", "        w = 2 * (-V).exp()", "        w = (-V).exp()",
           "single-site trapezoid sums: the nodes -x_j dropped (weight 1 instead of 2)",
           "check --quick: caught at run time, not by a verdict: the wrong a* disagrees with the float64 flow, so "
           "the fixed point falls back to the full-precision flow and every printed value is right (only slower); "
           "tests/test_fixed_point_methods.py requires the Theorem R method to be used and to match quadrature"),
    Mutant("M2", "numerics/marginal.py", "                err += max(sum(Ji[i][j] * mpmath.mpf(target_err[j])",
           "                err += 0 * max(sum(Ji[i][j] * mpmath.mpf(target_err[j])",
           "a*'s error without the targets' error carried through J^-1"),
    Mutant("R1", "numerics/fixedpoint.py", "        J[i, i] = 1\n", "        J[i, i] = 2\n",
           "closed-form Jacobian at (0; a*) diag(0, 2, .., 2)",
           "check --quick: no claim prints the default method's Jacobian (the claims use the flow's "
           "finite-difference Jacobian, the independent route); tests/test_fixed_point_methods.py compares the two"),
    # -- numerics/blockspin.py, decimation.py: the RG steps ------------------------------------------
    Mutant("B1", "numerics/blockspin.py", "w = [min(r, 2 * b - r) for r in range(1, 2 * b)]",
           "w = [min(r, 2 * b - r - 1) for r in range(1, 2 * b)]", "block covariance weights min(r, 2b - r - 1)"),
    Mutant("B2", "numerics/blockspin.py", "t = [z2 * cov] + [z2 ** k * v.S[2 * k] for k in range(1, n + 1)]",
           "t = [z2 * cov] + [z2 ** (k + 1) * v.S[2 * k] for k in range(1, n + 1)]",
           "zeta^(2k+2) instead of zeta^(2k)"),
    Mutant("B3", "numerics/blockspin.py", "err = [abs(t[0]) * rel_z2 + z2 * cov_err]",
           "err = [0 * abs(t[0]) * rel_z2 + 0 * z2 * cov_err]", "block target error of E[y_0 y_1] set to 0",
           "equivalent in practice: the target error enters the projection's error through H^-1 next to the "
           "refinement correction and the moments' own errors, which are 10-100x larger, so the estimate still covers "
           "the true error (measured ~1e-2 of it) with or without the dropped term; no reference resolves it"),
    Mutant("D1", "numerics/decimation.py", "return [v.C[b - 1]] + list(v.m[:n])", "return [v.C[b - 2]] + list(v.m[:n])",
           "decimation target C(b - 1) instead of C(b) (off-by-one lag)"),
    # -- numerics/projection.py, fixedpoint.py -------------------------------------------------------
    Mutant("P1", "numerics/projection.py", "        err = max(abs(corr[i]) + prop[i] for i in range(n + 1)) + last",
           "        err = 0 * last", "projection (chi) error estimate set to 0"),
    Mutant("P2", "numerics/projection.py", "g = [vals.C[0] - t[0]] + [t[k + 1] - vals.m[k] for k in range(n)]",
           "g = [vals.C[0] - t[0]] + [vals.m[k] - t[k + 1] for k in range(n)]",
           "final refinement step with the single-site residual's sign swapped",
           "check --quick: the last correction is itself counted in the projection's error estimate, so the wrong "
           "sign moves chi by about twice a term that the estimate already contains, inside the claims' "
           "tolerances; tests/test_projection.py compares chi with independent targets more tightly"),
    Mutant("F1", "numerics/fixedpoint.py", "        err = err + e        # the projected maps",
           "        err = e        # the projected maps", "flow errors not accumulated (only the last step's)",
           "check --quick: the last step's error is of the size of the sum (the per-step errors are similar), so "
           "every claim's estimate still covers its true error and stays positive; only the test that bounds "
           "must not shrink along a flow with a marginal direction (tests/test_error_estimates.py) sees it"),
    Mutant("F2", "numerics/fixedpoint.py",
           "err = max(abs(x) for x in corr) + max(abs(x) for x in dx) + max(abs(Jinv[i, n])",
           "err = 0 * max(abs(x) for x in corr) + 0 * max(abs(x) for x in dx) + 0 * max(abs(Jinv[i, n])",
           "block-spin fixed-point error estimate set to 0"),
    # -- numerics/singlesite.py: the independent quadrature route -------------------------------------
    Mutant("S1", "numerics/singlesite.py", "return [mpmath.quad(lambda x: x ** (2 * k) * w(x), pts) / z",
           "return [mpmath.quad(lambda x: x ** (2 * k + 2) * w(x), pts) / z", "quadrature moments m_(2k+2) for m_2k"),
    # -- numerics/gram.py, sitemoments.py, proved.py: the proved enclosures (docs/theory.md 5.15) ---------
    Mutant("Q1", "numerics/gram.py", "eps2 = _up((_dot(r, r) + S_R * uGu) / s2)",
           "eps2 = _up(_dot(r, r) / s2)", "proof: the residual's rows beyond the truncation (a tail bound) dropped"),
    Mutant("Q2", "numerics/sitemoments.py",
           "return min((to_arb(g).exp() * s.gamma() / (self.d * to_arb(b) ** s) for b, g in self.pairs),",
           "return min((s.gamma() / (self.d * to_arb(b) ** s) for b, g in self.pairs),",
           "proof: the analytic moment bound (the strip bound's part here) off by its factor e^gamma"),
    Mutant("Q3", "numerics/gram.py", "return arb((best + _up(trH * tail).sqrt() + tail).upper())",
           "return arb((best + _up(trH * tail).sqrt() + tail).upper()) / 10",
           "proof: the bound nu on the second eigenvalue too small (spectral gap overstated)",
           "check --quick: at the examples nu/rho is 0.02 to 0.3, so a nu ten times too small narrows the intervals "
           "by a few per cent and they still contain every estimate; tests/test_proved.py compares nu with the "
           "second even eigenvalue of the trapezoid operator"),
    Mutant("Q4", "numerics/gram.py", "b = cN * mu[2 * N + 2 * j] / to_arb(1 - theta) + 2 * env.tail_bound(2 * j, X)",
           "b = cN * mu[2 * N + 2 * j] + 2 * env.tail_bound(2 * j, X)",
           "proof: the Taylor tail bound without its geometric factor 1/(1 - theta)",
           "check --quick: a factor 2 on a tail far below the widths (10^-2(dps+3) at the chosen truncation, and "
           "still inside the slack at the claim's short truncation R = 24); tests/test_proved.py compares the bound "
           "with the tail summed term by term"),
    Mutant("Q5", "numerics/gram.py", "corr.append(sign ** rr * (y + _pm(err)) / lam ** (rr + 1))",
           "corr.append(sign * (y + _pm(err)) / lam ** (rr + 1))", "proof: C(r) of K < 0 with sign s instead of s^r"),
    Mutant("Q6", "numerics/sitemoments.py", "s = (2 * i + 1) * mu[2 * i]", "s = (2 * i + 3) * mu[2 * i]",
           "proof: moment recurrence (2i+3) mu_2i (integration by parts off by one)"),
    Mutant("Q7", "numerics/outward.py", "lo_n, hi_n = math.floor(lo * scale), math.ceil(hi * scale)",
           "lo_n, hi_n = math.ceil(lo * scale), math.floor(hi * scale)",
           "proof: interval ends rounded inward instead of outward"),
    # -- proofs: exact derivations --------------------------------------------------------------------
    Mutant("G1", "proofs/gaussian.py", "    return (K ** bb / D1, a - K ** 2 * D2 / D1)",
           "    return (K ** bb / D1, a + K ** 2 * D2 / D1)", "Gaussian recursion a' = a + K^2 D_(b-2)/D_(b-1) (sign)"),
    Mutant("G2", "proofs/gaussian.py", "COVARIANCE = u ** r / (2 * rho)", "COVARIANCE = u ** (r + 1) / (2 * rho)",
           "C(r) = u^(r+1) / (2 rho) (off-by-one power)"),
    Mutant("G3", "proofs/gaussian.py", "    return sp.factorial2(2 * k - 1) / (2 * rho) ** k",
           "    return sp.factorial2(2 * k + 1) / (2 * rho) ** k", "m_2k = (2k+1)!! / (2 rho)^k"),
    Mutant("G4", "proofs/gaussian.py", "FREE_ENERGY = sp.log(2 * sp.pi / (a + rho)) / 2",
           "FREE_ENERGY = sp.log(2 * sp.pi / (a - rho)) / 2", "A = (1/2) log(2 pi / (a - rho)) (sign)"),
    Mutant("G5", "proofs/gaussian.py", "return sp.expand(2 * a * determinant(n - 1) - K ** 2 * determinant(n - 2))",
           "return sp.expand(2 * a * determinant(n - 1) + K ** 2 * determinant(n - 2))",
           "tridiagonal determinant recursion sign"),
    Mutant("I1", "proofs/ising.py", "    return sp.atanh(sp.tanh(K) ** int(bb))",
           "    return sp.atanh(sp.tanh(K) ** int(bb + 1))",
           "Ising tanh K' = tanh^(b+1) K (off-by-one power)"),
    Mutant("I2", "proofs/ising.py", "CORRELATION = sp.tanh(K) ** r", "CORRELATION = sp.tanh(K) ** (r + 1)",
           "Ising C(r) = tanh^(r+1) K"),
    Mutant("L1", "proofs/laplace.py", "        return sp.sqrt(sp.pi / A) * sp.exp(s ** 2 / (4 * A))",
           "        return sp.sqrt(sp.pi / A) * sp.exp(s ** 2 / (2 * A))",
           "Gaussian Laplace transform exp(s^2 / (2a))"),
    Mutant("K1", "proofs/blockspin.py", "[sp.Rational(1, b ** (k - 1)) for k in range(2, n + 1)]",
           "[sp.Rational(1, b ** k) for k in range(2, n + 1)]", "cumulant eigenvalues b^(-k) instead of b^(1-k)"),
    Mutant("W1", "proofs/optimal_weights.py", "return theta_of(sp.simplify(C1 / C0), sp.simplify(1 / (2 * C0)))",
           "return theta_of(sp.simplify(C1 / C0), sp.simplify(1 / C0))",
           "chi of an output covariance: a = 1/C0 (factor 2)"),
    # -- numerics/nystrom.py, numerics/network/metropolis.py: the second routes -----------------------
    Mutant("N1", "numerics/nystrom.py", "logg = [((s.log() + lw + x * x - _potential(aa, y)) / 2).mid()",
           "logg = [((s.log() + lw - _potential(aa, y)) / 2).mid()",
           "Gauss-Hermite Nystrom: total weights without e^(x^2) (the rule's weight function left in)"),
    Mutant("N2", "numerics/nystrom.py", "            w = ((O * w) * (1 / lam)).mid()",
           "            w = ((E * w) * (1 / lam)).mid()", "Nystrom C(r) with the even block for the odd one"),
    Mutant("N3", "numerics/nystrom.py", "err = [d + w + rnd * max(1, abs(f)) for d, w, f",
           "err = [rnd * max(1, abs(f)) for d, w, f", "Nystrom error estimate without the doubling and widening",
           "equivalent in practice on the claims' chains: the value accepted at n nodes is far more accurate than its "
           "difference from n/2 nodes (doubling roughly squares the error), so the rounding unit left in the estimate "
           "still covers the true error there; tests/test_nystrom.py sees it on a rule limited by its range, where "
           "the true error is of the size of the estimate"),
    Mutant("N4", "numerics/nystrom.py", 'np.einsum("lk,l,k->", X2, r ** (N - lag), r ** lag)',
           'np.einsum("lk,l,k->", X2, r ** (N - lag - 1), r ** lag)', "Nystrom ring C_N(r) with M^(N - r - 1)",
           "check --quick: the ring moments serve only network.exact-decimator-equivalent, a slow (sampling) claim; "
           "tests/test_nystrom.py and tests/test_network_metropolis.py compare them with the Gaussian ring and with "
           "both samplers"),
    Mutant("H1", "numerics/network/metropolis.py",
           "dH = self.potential(new) - self.potential(old) - self.K * (new - old) * nb",
           "dH = self.potential(new) - self.potential(old)", "Metropolis acceptance without the coupling (K = 0 chain)",
           "check --quick: the Metropolis sampler serves only network.exact-decimator-equivalent (slow); "
           "tests/test_network_metropolis.py compares its ring moments with the Nystrom ring"),
    Mutant("H2", "numerics/network/metropolis.py", "se = float(chain_means.std(ddof=1) / math.sqrt(v.shape[0]))",
           "se = float(v.std(ddof=1) / math.sqrt(v.size))", "batch means replaced by the i.i.d. standard error",
           "check --quick: used by a slow claim only; tests/test_network_metropolis.py holds the s.e. of AR(1) "
           "chains to its known value"),
    # -- numerics/network/estimator.py: chi-hat of continuous outputs (docs/theory.md 3.2, 4.1) --------
    Mutant("X1", "numerics/network/estimator.py", "    return c2 * c0, mnext * c0 ** (n + 1)",
           "    return c2 * c0, mnext * c0 ** n",
           "next-moment prediction E[y^(2n+2)] rescaled by c0^n instead of c0^(n+1) (wrong power)"),
    Mutant("X2", "numerics/network/estimator.py", "    rho = (1 + u ** M) / (2 * c0 * (1 - u ** M))",
           "    rho = (1 + u ** M) / (c0 * (1 - u ** M))", "Gaussian ring projection: rho without its factor 2"),
    Mutant("X3", "numerics/network/estimator.py",
           "r1, r2 = np.roll(y, -1, axis=1), np.roll(y, -2, axis=1)",
           "r1, r2 = np.roll(y, -1, axis=1), np.roll(y, -3, axis=1)",
           "lag-2 diagnostic statistic read at lag 3 (off-by-one lag)"),
    Mutant("X4", "numerics/network/estimator.py",
           "full_map(sbar - e, start)[0]) / (2 * d)", "full_map(sbar - e, start)[0]) / d",
           "delta method: central difference over d instead of 2d (every s.e. doubled)"),
    Mutant("X5", "numerics/network/estimator.py", "        cov = np.cov(bm, rowvar=False) / batches",
           "        cov = np.cov(bm, rowvar=False) / S",
           "batch means: covariance of the batch means over the sample count instead of the batch count"),
    # -- numerics/network/spin_estimator.py: K-hat of spin outputs ----------------------------------------
    Mutant("Y1", "numerics/network/spin_estimator.py", "    dK = 1.0 / ((1 - t * t) * _dlag(t, M, 1))",
           "    dK = 1.0 / _dlag(t, M, 1)", "delta method dK/dc1 without artanh' = 1/(1 - t^2) (a dropped factor)"),
    Mutant("Y2", "numerics/network/spin_estimator.py", "p = mpmath.gammainc((M - 1) / 2, X / 2",
           "p = mpmath.gammainc(M / 2, X / 2",
           "translation test: chi^2 with M degrees of freedom instead of M - 1 (M - 1 contrasts)"),
    # -- numerics/network/targets.py: the references a trained network is compared with ----------------
    Mutant("U1", "numerics/network/targets.py", "            u = (K / (a[0] + rho)) ** (b ** L)",
           "            u = (K / (a[0] + rho)) ** (b * L)", "Gaussian R^L(theta) with u^(b L) instead of u^(b^L)"),
    Mutant("U2", "numerics/network/targets.py", "            c_bL = grid_chain.ring_correlations(grid, cfg.N)[b ** L]",
           "            c_bL = grid_chain.ring_correlations(grid, cfg.N)[b ** L - 1]",
           "non-Gaussian R^L(theta) from C_N(b^L - 1) (off-by-one lag)"),
    Mutant("U3", "numerics/network/targets.py", "[m[k] * lam ** (k + 1) for k in range(n)]",
           "[m[k] * lam ** k for k in range(n)]",
           "infomax constraint targets at another scale: m_2k lambda^(k-1) instead of lambda^k (wrong power)"),
    Mutant("U4", "numerics/network/targets.py", '    out["eckart_young"] = float(ev[: cfg.N - cfg.M].sum() / cfg.N)',
           '    out["eckart_young"] = float(ev[cfg.M:].sum() / cfg.N)',
           "autoencoder optimum from the N - M largest ring-covariance eigenvalues instead of the smallest"),
    # -- numerics/network/effect.py: the equivalence test -------------------------------------------------
    Mutant("EF1", "numerics/network/effect.py", "    if upper < margin:\n", "    if lower < margin:\n",
           "equivalence verdict: bounds that straddle the margin called `equivalent`"),
    Mutant("EF2", "numerics/network/effect.py", "    if lower > margin:\n", "    if lower >= margin:\n",
           "equivalence verdict: a lower bound equal to the margin called `different` (edge of the rule)"),
    Mutant("EF3", "numerics/network/effect.py", "if mpmath.gammainc(mpmath.mpf(p) / 2, 0,",
           "if mpmath.gammainc(mpmath.mpf(p + 1) / 2, 0,",
           "confidence region: chi^2 quantile with p + 1 degrees of freedom"),
    Mutant("EF4", "numerics/network/effect.py", "    B = V * np.sqrt(q * w)", "    B = V * np.sqrt(w)",
           "confidence region: the one-s.d. ellipsoid (the chi^2 quantile dropped)"),
    Mutant("EF5", "numerics/network/effect.py",
           "return self._ref_A(r, n) - s.A - s.C1 * (r[0] - t[0]) + sum(m * (b - a)",
           "return self._ref_A(r, n) - s.A - s.C1 * (r[0] - t[0]) - sum(m * (b - a)",
           "Bregman divergence in the region's bounds: the sign of the sum m_2k (a'_k - a_k)"),
    # -- numerics/klrate.py: the KL rate and the scale-free u, shape -------------------------------------
    Mutant("KR1", "numerics/klrate.py", "C1=u / (2 * rho), m=m", "C1=u / rho, m=m",
           "Gaussian closed form C(1) = u / rho (missing factor 2)"),
    Mutant("KR2", "numerics/klrate.py", "C1=corr[0] * s * s,", "C1=corr[0] * s,",
           "grid route: C(1) rescaled by s instead of s^2 (wrong power of the unit)"),
    Mutant("KR3", "numerics/klrate.py", "shape=m[1] / m[0] ** 2, route=", "shape=m[1] / m[0], route=",
           "grid route: shape m_4 / m_2 instead of m_4 / m_2^2 (wrong power)"),
    Mutant("KR4", "numerics/klrate.py", "        return sp.A - s.A - s.C1 * (tp[0] - t[0])\n    n = max",
           "        return sp.A - s.A - s.C1 * (t[0] - tp[0])\n    n = max",
           "Ising KL rate with K and K' swapped in the C(1) term"),
    # -- numerics/network/block_mi.py: exact block information of linear maps ---------------------------
    Mutant("BM1", "numerics/network/block_mi.py", "    right = [(s + b + buffer + i) % n for i in range(window)]",
           "    right = [(s + b + buffer + i + 1) % n for i in range(window)]",
           "right environment one site too far (off by one)"),
    Mutant("BM2", "numerics/network/block_mi.py", "    return 0.5 * math.log(float(w @ Cvv @ w) / float(w @ Cc @ w))",
           "    return math.log(float(w @ Cvv @ w) / float(w @ Cc @ w))",
           "Gaussian block information without its factor 1/2"),
    Mutant("BM3", "numerics/network/block_mi.py", "@ w) for k in range(n // b)])",
           "@ w) for k in range(1, n // b + 1)])",
           "coarse covariance row shifted by one block (C_H(k + 1) stored as C_H(k))"),
    Mutant("BM4", "numerics/network/block_mi.py", "u ** ((b - 1 - m) * n) for m, wm in enumerate(w))",
           "u ** ((b - m) * n) for m, wm in enumerate(w))",
           "infinite chain: the filter's far-side sum G with u^((b - m) n) (off-by-one power)"),
    # -- numerics/network/rsmi.py: the InfoNCE bound and the scale-free readout -------------------------
    Mutant("RS1", "numerics/network/rsmi.py", "    return math.log(S) - ce.reshape(G, J, S).mean(2)",
           "    return -ce.reshape(G, J, S).mean(2)", "InfoNCE without its log S (the bound shifted by -log 64)"),
    Mutant("RS2", "numerics/network/rsmi.py", "    grad = np.array([1 / m0 ** 2, -2 * m4 / m0 ** 3])",
           "    grad = np.array([1 / m0 ** 2, -m4 / m0 ** 3])",
           "kurtosis s.e.: delta-method gradient without the factor 2 of d/dm2 (m4 / m2^2)"),
    Mutant("RS3", "numerics/network/rsmi.py", "var = (cov[0, 0] - 2 * r * cov[0, 1] + r * r * cov[1, 1])",
           "var = (cov[0, 0] + r * r * cov[1, 1])", "ratio s.e.: the covariance term of the delta method dropped"),
    # -- numerics/network/rbm.py: the RBM's exact likelihood and Gibbs conditionals ----------------------
    Mutant("RB1", "numerics/network/rbm.py", "u < torch.sigmoid(2 * self.hidden_field(v))",
           "u < torch.sigmoid(self.hidden_field(v))", "Gibbs p(h = +1 | v) = sigmoid(field) (missing factor 2)"),
    Mutant("RB2", "numerics/network/rbm.py", "torch.logsumexp(H @ f + 0.5 * ((H @ J) * H).sum(-1), 0)",
           "torch.logsumexp(H @ f + ((H @ J) * H).sum(-1), 0)",
           "Gaussian-visible log Z: h^T W^T W h without its 1/2"),
    Mutant("RB3", "numerics/network/rbm.py",
           'A, d, e = (self.W.T, self.c, self.b) if layer == "visible" else (self.W, self.b, self.c)',
           'A, d, e = (self.W.T, self.b, self.c) if layer == "visible" else (self.W, self.c, self.b)',
           "spin log Z: visible and hidden biases swapped"),
    # -- numerics/fixedpoint.py: the scaling exponents ---------------------------------------------------
    Mutant("FX1", "numerics/fixedpoint.py", "y = mpmath.log(abs(z)) / mpmath.log(b)",
           "y = mpmath.log(abs(z)) / mpmath.log(2)", "scaling exponents log|lambda| / log 2 whatever b"),
    # -- numerics/network/compare.py: the z verdicts ------------------------------------------------------
    Mutant("ZC1", "numerics/network/compare.py", "resolved = all(s <= resolution * scale for s in se)",
           "resolved = all(s < resolution * scale for s in se)",
           "z verdict: an s.e. of exactly 5% of the reference unresolved (edge of the rule)"),
    Mutant("ZC2", "numerics/network/compare.py", "    if mz > z_disagree:", "    if mz >= z_disagree:",
           "z verdict: max|z| = 5 called `disagree` (edge of the rule)"),
    Mutant("ZC3", "numerics/network/compare.py", "    scale = max([abs(r) for r in ref]",
           "    scale = min([abs(r) for r in ref]", "z verdict: resolution against min|reference| instead of max"),
    # -- paper_checks/protocol.py: the protocol's answers ------------------------------------------------
    Mutant("PR1", "paper_checks/protocol.py", "        best = grp[:max(3, len(grp) // 3)]",
           "        best = grp[:max(2, len(grp) // 3)]", "protocol: the best third 'at least 2' runs instead of 3"),
    Mutant("PR2", "paper_checks/protocol.py", 'best = min(p["loss"] for p in grp if p["loss"] is not None)',
           'best = max(p["loss"] for p in grp if p["loss"] is not None)',
           "protocol, optimum unknown: gaps to the worst run instead of the best"),
    # -- numerics/network/depth_verdict.py, depth_compare.py: the depth verdicts (docs/theory.md 4.5) ----
    Mutant("DV1", "numerics/network/depth_verdict.py", '"band": 0.5 * math.log(b)}', '"band": math.log(b)}',
           "rate rule: the band half-width log b instead of (1/2) log b"),
    Mutant("DV2", "numerics/network/depth_verdict.py", "and d1 > margin and d2 > margin",
           "and (d1 > margin or d2 > margin)",
           "distinguishable layer: one direction of d(R^L || B^L) above the margin suffices"),
    Mutant("DV3", "numerics/network/depth_verdict.py",
           'lo, hi, h = con["beta"] - 2 * se, con["beta"] + 2 * se, con["band"]',
           'lo, hi, h = con["beta"] - se, con["beta"] + se, con["band"]',
           "rate rule: the flow's beta interval +- 1 s.e. instead of +- 2"),
    Mutant("DV4", "numerics/network/depth_verdict.py", "inside = math.isfinite(bs) and bs - h <= lo and hi <= bs + h",
           "inside = math.isfinite(bs) and bs - h <= hi and lo <= bs + h",
           "rate rule: an interval that merely overlaps a scheme's band called consistent"),
    Mutant("DV5", "numerics/network/depth_verdict.py", "abs(u) > 2 * se)", "abs(u) > se)",
           "contraction: a layer counts as resolved at |u| > 1 s.e. instead of 2"),
    Mutant("DV6", "numerics/network/depth_verdict.py", "return vs[0] if vs and all(v == vs[0] for v in vs)",
           "return vs[0] if vs and any(v == vs[0] for v in vs)",
           "seeds: the first seed's verdict wins when the seeds disagree"),
    Mutant("DC1", "numerics/network/depth_compare.py", "or (reference[0] > 0) == (chi[0] > 0):",
           "or (reference[0] > 0) != (chi[0] > 0):",
           "sign convention: the reference mirrored when the signs agree instead of when they differ"),
    Mutant("DC2", "numerics/network/depth_compare.py", "        grads.append([(hi.u - lo.u) / (2 * h),",
           "        grads.append([(hi.u - lo.u) / h,", "delta-method se(u): central difference over h instead of 2h"),
    Mutant("DC3", "numerics/network/depth_compare.py", "d = max(0.0, float(kl(chi, reference, kind)))",
           "d = max(0.0, float(kl(reference, chi, kind)))",
           "exact route: d(reference || chi) for d(chi || reference) (KL arguments swapped)"),
]


def make_copy(mutant=None):
    """A private copy of the checkout (source, tests, benchmarks) with ``mutant`` applied."""
    d = tempfile.mkdtemp(prefix="rgdnn-mutant-")
    for name in COPY:
        src = os.path.join(ROOT, name)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(d, name), ignore=shutil.ignore_patterns("__pycache__", ".hypothesis"))
        elif os.path.exists(src):
            shutil.copy(src, d)
    if mutant is not None:
        path = os.path.join(d, mutant.path)
        with open(path) as fh:
            text = fh.read()
        if text.count(mutant.old) != 1:
            shutil.rmtree(d)
            raise ValueError(f"mutant {mutant.id}: its snippet occurs {text.count(mutant.old)} times in {mutant.path}")
        with open(path, "w") as fh:
            fh.write(text.replace(mutant.old, mutant.new))
    return d


def _env(d):
    env = dict(os.environ, PYTHONPATH=d, PYTHONDONTWRITEBYTECODE="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1")
    return env


def run_tests(d, module, timeout):
    """('killed' | 'survived' | 'timeout', seconds, the first failing test) for the module's mapped tests."""
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-m", "not slow", "-p", "no:cacheprovider",
           "--doctest-modules", module, *TESTS[module]]
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=d, env=_env(d), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", time.perf_counter() - t0, ""
    first = next((ln.split(" ")[1] for ln in p.stdout.splitlines() if ln.startswith(("FAILED ", "ERROR "))), "")
    return ("killed" if p.returncode not in (0, 5) else "survived"), time.perf_counter() - t0, first


def run_checks(d, order, timeout):
    """('killed' | 'survived' | 'timeout', seconds, the first failing claim, {claim: seconds}) of check --quick."""
    cmd = [sys.executable, os.path.join(d, "benchmarks", "mutation.py"), "--run-checks", json.dumps(order)]
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=d, env=_env(d), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", time.perf_counter() - t0, "", {}
    try:
        out = json.loads(p.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        out = {"failed": f"runner crashed: {p.stderr.strip().splitlines()[-1:] }", "seconds": {}}
    status = "killed" if (p.returncode != 0 or out.get("failed")) else "survived"
    return status, time.perf_counter() - t0, out.get("failed") or "", out.get("seconds", {})


def check_runner(order):
    """In the mutant's copy: run the --quick claims (cheapest first), stop at the first that fails the run."""
    sys.path.insert(0, os.getcwd())
    from paper_checks import engine
    from paper_checks.registry import Context
    claims = [c for c in engine.select(quick=True) if not c.slow]
    rank = {cid: i for i, cid in enumerate(order)}
    claims.sort(key=lambda c: rank.get(c.id, len(rank)))      # claims the order does not name run last
    ctx, seconds = Context(dps=30, quick=True, artifacts={}), {}
    for c in claims:
        r = engine.run_claim(c, ctx)
        seconds[c.id] = r.seconds
        if r.fails_run:
            print(json.dumps({"failed": f"{c.id}: {r.verdict}", "seconds": seconds}))
            return 1
    print(json.dumps({"failed": "", "seconds": seconds}))
    return 0


def one(mutant, order, timeout, skip_tests, skip_checks):
    d = make_copy(mutant)
    try:
        t = run_tests(d, mutant.path, timeout) if not skip_tests else ("-", 0.0, "")
        first = CLAIMS_FIRST.get(mutant.path, [])
        c = (run_checks(d, first + [x for x in order if x not in first], timeout) if not skip_checks
             else ("-", 0.0, "", {}))
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return mutant, t, c


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2, help="mutants run in parallel (default 2)")
    ap.add_argument("--only", nargs="+", metavar="ID", help="run only these mutants")
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per test run and per check run")
    ap.add_argument("--skip-tests", action="store_true")
    ap.add_argument("--skip-checks", action="store_true")
    ap.add_argument("--control-tests", action="store_true", help="also run every mapped test file unmutated first")
    ap.add_argument("--no-control", action="store_true",
                    help="skip the unmutated control run and order the claims by their recorded times "
                         "(paper_checks/data/claim_seconds.json): for iterating on a few mutants, not for a score")
    ap.add_argument("--run-checks", metavar="ORDER", help=argparse.SUPPRESS)
    opts = ap.parse_args(argv)
    if opts.run_checks is not None:
        return check_runner(json.loads(opts.run_checks))
    mutants = [m for m in MUTANTS if not opts.only or m.id in opts.only]
    if opts.list:
        for m in mutants:
            print(f"{m.id:3} {m.path:36} {m.what}")
        return 0
    t0 = time.perf_counter()
    # control: the unmutated copy must pass check --quick; its claim times order the mutant runs (cheapest first)
    order = []
    if opts.no_control and not opts.skip_checks:
        with open(os.path.join(ROOT, "paper_checks", "data", "claim_seconds.json")) as fh:
            recorded = json.load(fh)["seconds"]
        order = sorted(recorded, key=recorded.get)
        print("control: skipped (--no-control); claims ordered by their recorded times", flush=True)
    elif not opts.skip_checks:
        d = make_copy()
        try:
            status, secs, failed, seconds = run_checks(d, [], opts.timeout)
            if opts.control_tests:
                for module in sorted({m.path for m in mutants}):
                    st, s, first = run_tests(d, module, opts.timeout)
                    if st != "survived":
                        print(f"control: the unmutated tests of {module} fail ({first}): fix them first")
                        return 2
        finally:
            shutil.rmtree(d, ignore_errors=True)
        if status != "survived":
            print(f"control: unmutated `rgdnn check --quick` fails ({failed}): no score is meaningful")
            return 2
        order = sorted(seconds, key=seconds.get)
        print(f"control: check --quick passes unmutated ({secs:.0f} s; {len(seconds)} claims)", flush=True)
    results = []
    with cf.ThreadPoolExecutor(max_workers=max(1, opts.jobs)) as pool:
        futs = [pool.submit(one, m, order, opts.timeout, opts.skip_tests, opts.skip_checks) for m in mutants]
        for f in cf.as_completed(futs):
            m, t, c = f.result()
            results.append((m, t, c))
            print(f"{m.id:3} tests {t[0]:8} ({t[1]:5.0f} s) {t[2][:60]:60}  check {c[0]:8} ({c[1]:5.0f} s) "
                  f"{c[2][:50]}  | {m.what}", flush=True)
    results.sort(key=lambda r: [x.id for x in MUTANTS].index(r[0].id))
    n = len(results)
    kt = sum(t[0] in ("killed", "timeout") for _, t, _ in results)
    kc = sum(c[0] in ("killed", "timeout") for _, _, c in results)
    ka = sum(t[0] in ("killed", "timeout") or c[0] in ("killed", "timeout") for _, t, c in results)
    print()
    w = max(len(m.path) for m, _, _ in results)
    print(f"{'id':3}  {'module':{w}} {'tests':9} {'check':9} mutation")
    for m, t, c in results:
        print(f"{m.id:3}  {m.path:{w}} {t[0]:9} {c[0]:9} {m.what}")
    if not opts.skip_tests:
        print(f"\nscore, mapped non-slow tests: {kt}/{n} killed = {100 * kt / n:.0f}% (goal >= 95%)")
    if not opts.skip_checks:
        print(f"score, rgdnn check --quick:   {kc}/{n} killed = {100 * kc / n:.0f}% (goal >= 80%)")
    print(f"score, either:                {ka}/{n} killed = {100 * ka / n:.0f}%")
    surv = [(m, t, c) for m, t, c in results if t[0] == "survived" or c[0] == "survived"]
    for m, t, c in surv:
        by = ", ".join(x for x, s in (("tests", t[0]), ("check --quick", c[0])) if s == "survived")
        print(f"survivor {m.id} ({m.what}) survives {by}: {m.survivor_note or 'no explanation recorded'}")
    print(f"wall time {time.perf_counter() - t0:.0f} s with {opts.jobs} workers")
    return 0


if __name__ == "__main__":
    sys.exit(main())

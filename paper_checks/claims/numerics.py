"""Claims of the general numerics (docs/theory.md 2, 3.2, 3.3): transfer operator, projection, RG limits.

Each check compares the transfer-operator solver (``numerics.general``, never the closed-form
backend) with an independent route: sympy closed forms from ``proofs`` (Gaussian, Ising),
the Gauss-Hermite Nystrom discretization (``numerics.nystrom``, docs/theory.md 5.16) for the
moments of non-Gaussian chains at K != 0, mpmath tanh-sinh quadrature plus findroot for the
single-site projection a*, finite differences of high-precision gradients for the Hessian.
Tolerances: 10^-(dps - 5) (``paper_checks.compare``), and the numeric side must claim that
accuracy itself; a second route's value must carry an error below the same tolerance. Each
claim declares its routes (``routes=``; docs/checks.md, "Routes").
"""
from __future__ import annotations

import functools
import math
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp
from mpmath import mp

from numerics import api, general, gram, nystrom, proved
from numerics import fixedpoint as fpm
from numerics.precision import Estimate, to_mpf
from numerics.projection import chi
from numerics.singlesite import moments_quad, projection_quad
from numerics.transfer import Params, choose_grid, evaluate, float_covariance
from paper_checks.compare import all_of, compare, to_mp
from paper_checks.registry import Evidence, claim
from proofs import blockspin as BS
from proofs import examples as EX
from proofs import gaussian as G
from proofs import ising as I
from proofs import laplace as LP
from proofs.family import Chain

SINGLE_WELL = EX.SINGLE_WELL.chain                        # docs/theory.md 6
DOUBLE_WELL = EX.DOUBLE_WELL.chain
GAUSSIAN = EX.GAUSSIAN.chain
SEXTIC = Chain.polynomial("0.3", ["1", "-0.5", "0.2"])        # n = 3: a sextic with a negative a_2
WELLS = (("single well", SINGLE_WELL), ("double well", DOUBLE_WELL))
PROOF_SHARED = {m: "the proofs (numerics.proved, numerics.gram) refine their eigenvector with "
                   "numerics.transfer.top_eigenpair (float64 eigh, residual steps), whose output their Temple and "
                   "Davis-Kahan bounds then prove; no transfer-operator value enters a proof (docs/theory.md 5.15)"
                for m in ("numerics.transfer", "numerics.kernel", "numerics.arbtools")}
PROOF_SHARED["numerics.certify"] = ("the proof of a* runs its Krawczyk test; the transfer route names the module "
                                    "only for fixed_point(certify=True), which these claims do not ask for")
NYSTROM_MAX_DPS = 40        # the second route's precision: min(dps, 40) digits (seconds per chain; docs/theory.md 5.16)


def _est(value, error, dps):
    return Estimate(value, error, dps)


@functools.cache
def _moments_nystrom(chain, dps, lags=3):
    """A, m_2k, C(1..lags) of the infinite chain by Gauss-Hermite Nystrom (numerics.nystrom): no transfer code."""
    return nystrom.moments(chain, dps=dps, lags=lags)


@functools.cache
def _a_star_nystrom(chain, dps, start):
    """Theorem R's a* by a route that shares no code with the transfer operator, and its error.

    m_2k(theta) of the coupled chain by Gauss-Hermite Nystrom (numerics.nystrom), the single-site projection
    by tanh-sinh quadrature + findroot (numerics.singlesite). The error carries the moments' errors through
    the inverse Jacobian dm_2k/da_l = -(m_2(k+l) - m_2k m_2l) (quadrature at a*, 15 digits), plus the findroot
    residual.
    """
    mo = _moments_nystrom(chain, dps)
    a, resid = projection_quad(mo.m, dps, list(start))
    n = len(a)
    with mp.workdps(dps + 10):
        # m_0 .. m_4n of the decoupled chain at a*, at 15 digits: the Jacobian only scales the error
        mm = [mpmath.mpf(1)] + moments_quad(a, 15, 2 * n)
        J = mpmath.matrix(n, n)
        for k in range(n):
            for j in range(n):
                J[k, j] = -(mm[k + j + 2] - mm[k + 1] * mm[j + 1])
        Ji = J ** -1
        err = [sum(abs(Ji[k, j]) * (mo.err_m[j] + resid) for j in range(n)) for k in range(n)]
    return tuple(a), tuple(err)


def _second_route_rows(label, values, errors, dps):
    """Rows that fail unless a second route's own error estimate is below the tolerance (compare's numeric side)."""
    return [(f"{label}[{i}]: the second route's own error", v, _est(v, e, dps))
            for i, (v, e) in enumerate(zip(values, errors))]


@claim("numerics.symbolic-equals-transfer",
       "The transfer-operator solver reproduces the closed forms: Gaussian A = (1/2) log(2 pi/(a + rho)), "
       "C(r) = u^r/(2 rho); Ising A = log 2 cosh K, C(r) = tanh^r K (Ising as the two-point base measure)",
       provenance="standard",
       hypotheses="Gaussian (a, K) in {(1, 1/2), (2, -3/2), (3/4, 1/4)}; Ising K in {0.8, -1.5, 0.1}; "
       "lags r = 1..3; decoupled quartic wells (a_1, a_2) in {(1/2, 1/10), (-2, 1/4)}: A = log z, z the Bessel "
       "forms of proofs.laplace (the deep well's transfer matrix is stored scaled by e^-2); the closed-form "
       "backend's m_2 (numerics.api.moments) on the Gaussian examples; proved rows (docs/theory.md 5.15): the closed "
       "forms lie inside the Gram-matrix proofs of the Gaussian chains (a, K) = (1, 1/2), (3/4, 1/4) and the "
       "certified integrals of the "
       "decoupled wells, and the transfer estimate of each Ising chain within its error of the closed forms' "
       "Arb enclosure; every proof at least dps - 5 digits; where no closed form exists (the quartic single and "
       "double well and the sextic of docs/theory.md 6, K != 0) A, m_2k and C(1..3) against the Gauss-Hermite "
       "Nystrom discretization (numerics.nystrom) at min(dps, 40) digits", section="2, 5",
       routes={"transfer operator": ["numerics.general"],
               "closed forms (sympy)": ["proofs.gaussian", "proofs.ising", "proofs.laplace"],
               "closed-form backend": ["numerics.exact"],
               "Gauss-Hermite Nystrom": ["paper_checks.claims.numerics._moments_nystrom"],
               "proved enclosures (Gram matrix, certified integration)": ["numerics.proved"]},
       shared=PROOF_SHARED)
def check_symbolic_equals_transfer(ctx):
    dps = ctx.dps
    rows = []
    inside = []
    for a_, K_ in (("1", "0.5"), ("2", "-1.5"), ("0.75", "0.25")):
        ch = Chain.gaussian(K_, a_)
        mo = general.moments(ch, dps=dps, lags=3)
        env = {G.a: ch.a[0], G.K: ch.K}
        rho, u = G.RHO.subs(env), G.U.subs(env)
        rows.append((f"Gaussian a={a_}, K={K_}: A", G.FREE_ENERGY.subs(G.rho, rho).subs(env),
                     _est(mo.A, mo.details["err_A"], dps)))
        rows.append((f"Gaussian a={a_}, K={K_}: m_2", G.COVARIANCE.subs({G.u: u, G.rho: rho, G.r: 0}),
                     _est(mo.m[0], mo.details["err_m"][0], dps)))
        closed = api.moments(ch, dps=dps, lags=1)         # proofs.gaussian.single_site_moment, evaluated
        rows.append((f"Gaussian a={a_}, K={K_}: m_2 (closed-form backend) vs transfer operator",
                     _est(mo.m[0], mo.details["err_m"][0], dps), _est(closed.m[0], closed.error, dps)))
        for r, c in enumerate(mo.corr, 1):
            rows.append((f"Gaussian a={a_}, K={K_}: C({r})", G.COVARIANCE.subs({G.u: u, G.rho: rho, G.r: r}),
                         _est(c, mo.details["err_C"][r - 1], dps)))
        if a_ == "2":      # |K|/a = 3/4 needs 700 Taylor terms (0.3 s): the two other chains carry the proved rows
            continue
        pr = proved.moments(ch, dps, 3, route="gram")          # the Gram matrix on V = a x^2, not the closed form
        iv = pr.intervals or {"A": None, "m": [None], "corr": [None] * 3}
        inside.append((f"Gaussian a={a_}, K={K_}: A in the Gram proof", G.FREE_ENERGY.subs(G.rho, rho).subs(env),
                       iv["A"], pr.note))
        inside.append((f"Gaussian a={a_}, K={K_}: m_2 in the Gram proof",
                       G.COVARIANCE.subs({G.u: u, G.rho: rho, G.r: 0}), iv["m"][0], pr.note))
        inside += [(f"Gaussian a={a_}, K={K_}: C({r}) in the Gram proof",
                    G.COVARIANCE.subs({G.u: u, G.rho: rho, G.r: r}), c, pr.note) for r, c in enumerate(iv["corr"], 1)]
    for K_ in ("0.8", "-1.5", "0.1"):
        ch = Chain.ising(K_)
        mo = general.moments(ch, dps=dps, lags=3)
        rows.append((f"Ising K={K_}: A", I.FREE_ENERGY.subs(I.K, ch.K), _est(mo.A, mo.details["err_A"], dps)))
        for r, c in enumerate(mo.corr, 1):
            rows.append((f"Ising K={K_}: C({r})", I.CORRELATION.subs({I.K: ch.K, I.r: r}),
                         _est(c, mo.details["err_C"][r - 1], dps)))
        pr = proved.moments(ch, dps, 3)                        # the closed forms in Arb balls
        iv = pr.intervals
        inside.append((f"Ising K={K_}: transfer estimate of A in the proved closed form",
                       _est(mo.A, mo.details["err_A"], dps), iv["A"], pr.note))
        inside += [(f"Ising K={K_}: transfer estimate of C({r}) in the proved closed form",
                    _est(c, mo.details["err_C"][r - 1], dps), i, pr.note)
                   for r, (c, i) in enumerate(zip(mo.corr, iv["corr"]), 1)]
    for a1_, a2_ in (("0.5", "0.1"), ("-2", "0.25")):
        ch = Chain.polynomial(0, [a1_, a2_])
        mo = general.moments(ch, dps=dps, lags=1)
        if ch.a[0] > 0:
            z = LP.quartic_normalizer_positive().subs({LP.a1: ch.a[0], LP.a2: ch.a[1]})
        else:
            z = LP.quartic_normalizer_negative().subs({LP.c1: -ch.a[0], LP.a2: ch.a[1]})
        rows.append((f"quartic K=0, a=({a1_}, {a2_}): A = log z (Bessel)", sp.log(z),
                     _est(mo.A, mo.details["err_A"], dps)))
        pr = proved.moments(ch, dps, 1)                        # K = 0: certified integration
        inside.append((f"quartic K=0, a=({a1_}, {a2_}): log z (Bessel) in the proof", sp.log(z),
                       pr.intervals and pr.intervals["A"], pr.note))
    return all_of([compare(rows, dps=dps, need_error=True,
                           what="closed form (proofs) == transfer operator (numerics.general)"),
                   inside_proofs(inside, dps,
                                 what="closed forms and estimates inside the proofs of docs/theory.md 5.15"),
                   compare(_transfer_vs_nystrom_rows(min(dps, NYSTROM_MAX_DPS)), dps=min(dps, NYSTROM_MAX_DPS),
                           need_error=True, what="Gauss-Hermite Nystrom == transfer operator, K != 0"),
                   _nystrom_error_covers_closed_forms()])


def _nystrom_error_covers_closed_forms():
    """The Nystrom route's own error estimate must cover its true error: Gaussian chains at K != 0 against
    proofs' closed forms, at 12 digits (where the discretization error, not the rounding, dominates)."""
    worst, rows = mpmath.mpf(0), []
    for a_, K_ in (("1", "0.5"), ("2", "-1.5")):
        ch = Chain.gaussian(K_, a_)
        v = _moments_nystrom(ch, 12, 3)
        env = {G.a: ch.a[0], G.K: ch.K}
        rho, u = G.RHO.subs(env), G.U.subs(env)
        exact = [G.FREE_ENERGY.subs(G.rho, rho).subs(env)] + [G.COVARIANCE.subs({G.u: u, G.rho: rho, G.r: r})
                                                              for r in range(4)]
        with mp.workdps(40):
            for what, x, e, y in zip(["A", "m_2", "C(1)", "C(2)", "C(3)"], [v.A, *v.m, *v.C],
                                     [v.err_A, *v.err_m, *v.err_C], exact):
                ratio = abs(x - mpmath.mpf(sp.N(y, 40))) / e
                worst = max(worst, ratio)
                rows.append({"point": f"Gaussian a={a_}, K={K_}: {what}", "true_over_estimate": mpmath.nstr(ratio, 3)})
    return Evidence(bool(worst <= 1), f"the Nystrom error estimate covers its true error at 12 digits (closed forms, "
                    f"K != 0): worst true/estimate {mpmath.nstr(worst, 2)}", {"rows": rows})


def _transfer_vs_nystrom_rows(dps):
    """A, m_2k, C(1..3) at K != 0 of chains with no closed form: transfer operator vs Gauss-Hermite Nystrom.

    Both sides carry their own errors: the Nystrom value enters as the reference, and a second row per value
    asks its own error to be below the tolerance too (docs/theory.md 5.16)."""
    rows = []
    for name, ch in WELLS + (("sextic", SEXTIC),):
        mo = general.moments(ch, dps=dps, lags=3)
        ny = _moments_nystrom(ch, dps, 3)
        pairs = [("A", mo.A, mo.details["err_A"], ny.A, ny.err_A)]
        pairs += [(f"m_{2 * k}", x, e, y, f) for k, (x, e, y, f) in
                  enumerate(zip(mo.m, mo.details["err_m"], ny.m, ny.err_m), 1)]
        pairs += [(f"C({r})", x, e, y, f) for r, (x, e, y, f) in
                  enumerate(zip(mo.corr, mo.details["err_C"], ny.C, ny.err_C), 1)]
        for what, x, e, y, f in pairs:
            rows.append((f"{name} K={ch.K}: {what} (Nystrom vs transfer)", _est(y, f, dps), _est(x, e, dps)))
            rows.append((f"{name} K={ch.K}: {what}, Nystrom's own error", y, _est(y, f, dps)))
    return rows


@functools.cache
def _decimation_fixed_point(chain, dps):
    """The limit of the full-precision projected flow: Theorem R is checked, so it is not used to compute it."""
    return general.fixed_point(chain, dps=dps, method="flow")


@claim("numerics.theorem-r-decimation",
       "Theorem R: the projected decimation flow converges to (0; a*), a* the M-projection of the chain's "
       "single-site marginal; for n = 1, a* = sqrt(a^2 - K^2)",
       provenance="formalization",
       hypotheses="docs/theory.md 6 examples (Gaussian, quartic single and double well), b = 2; the flow on the "
                  "transfer operator (numerics.general, method flow) vs a* from the marginal's moments m_2k(theta) "
                  "at K != 0 by Gauss-Hermite Nystrom (numerics.nystrom) projected by tanh-sinh quadrature + "
                  "findroot (numerics.singlesite): no transfer-operator code; second route at min(dps, 40) digits; "
                  "25 digits at dps 30; proved rows: the flow's limit, the default method's a* and the second "
                  "route's a* inside the proof of a* (docs/theory.md 5.15), every proof at least dps - 5 digits",
       section="3.3",
       routes={"projected flow (transfer operator)": ["paper_checks.claims.numerics._decimation_fixed_point",
                                                     "numerics.fixedpoint", "numerics.general"],
               "marginal projection (Nystrom + quadrature)": ["paper_checks.claims.numerics._a_star_nystrom"],
               "closed form (n = 1)": ["sympy.sqrt"],
               "proof of a* (Krawczyk on proved targets)": ["numerics.proved"]},
       shared=PROOF_SHARED)
def check_theorem_r(ctx):
    dps = min(ctx.dps, NYSTROM_MAX_DPS)
    rows, own, inside = [], [], []
    # Gaussian through the general (projected, transfer-operator) path, not the closed-form backend
    fp, err = fpm.decimation_fixed_point(Params.from_chain(GAUSSIAN), 2, dps, method="flow")[:2]
    rows.append(("Gaussian K*", 0, _est(fp.K, err, dps)))
    rows.append(("Gaussian a* = sqrt(a^2 - K^2)", sp.sqrt(GAUSSIAN.a[0] ** 2 - GAUSSIAN.K ** 2),
                 _est(fp.a[0], err, dps)))
    pg = proved.fixed_point(GAUSSIAN, fp.a, err, "decimation", dps)
    inside.append(("Gaussian: the transfer-operator flow's a* in the proof", _est(fp.a[0], err, dps),
                   pg.intervals and pg.intervals["a"][0], pg.note))
    for name, ch in WELLS:
        fpt = _decimation_fixed_point(ch, dps)
        a_star, a_err = _a_star_nystrom(ch, dps, tuple(float(x) for x in fpt.a))
        own += _second_route_rows(f"{name} a*", a_star, a_err, dps)
        rows.append((f"{name} K*", 0, _est(fpt.K, fpt.error, dps)))
        for k, (x, y) in enumerate(zip(fpt.a, a_star), 1):
            rows.append((f"{name} a_{k}*", y, _est(x, fpt.error, dps)))
        # the default method assumes Theorem R (one projection at full precision): it must agree with the flow
        fast = general.fixed_point(ch, dps=dps)
        for k, (x, y) in enumerate(zip(fast.a, fpt.a), 1):
            rows.append((f"{name} a_{k}* by the default method (Theorem R) vs the flow", y,
                         _est(x, fast.error + fpt.error, dps)))
        pf = proved.fixed_point(ch, fast.a, fast.error, "decimation", dps)
        box = (pf.intervals or {"a": [None] * len(fast.a)})["a"]
        for k, (x, y, z, e, i) in enumerate(zip(fpt.a, fast.a, a_star, a_err, box), 1):
            inside.append((f"{name} a_{k}*: the flow's limit in the proof", _est(x, fpt.error, dps), i, pf.note))
            inside.append((f"{name} a_{k}*: the default method in the proof", _est(y, fast.error, dps), i, pf.note))
            inside.append((f"{name} a_{k}*: the second route (Nystrom + quadrature) in the proof", _est(z, e, dps), i,
                           pf.note))
    return all_of([compare(rows, dps=dps, need_error=True,
                           what="decimation flow limit == single-site projection a* (Nystrom moments, quadrature)"),
                   compare(own, dps=dps, need_error=True, what="the second route's a* is resolved"),
                   inside_proofs(inside, dps, what="a* estimates inside the proof of a* (docs/theory.md 5.15)")])


def _aitken(x0, x1, x2):
    """Geometric (Aitken) extrapolation of a linearly converging sequence from three of its terms."""
    d1, d2 = x1 - x0, x2 - x1
    return x2 if d2 == d1 else x2 - d2 * d2 / (d2 - d1)


def _block_flow_limit(ch, dps, steps, b):
    """The block-spin flow's own limit, without the fixed-point solver: the last points of the projected flow
    (numerics.fixedpoint.flow), extrapolated geometrically per coordinate, with the change from the previous
    extrapolation as its error (the remainder is O(d^2) and shrinks by 1/b^2 per step, so that change bounds it);
    and the flow's step lengths |theta_(m+1) - theta_m| with their ratios."""
    pts, _ = fpm.flow(Params.from_chain(ch), "block", b, steps, dps)
    th = [[p.K] + list(p.a) for p, _, _ in pts]
    with mp.workdps(dps + 5):
        lim = [_aitken(th[-3][i], th[-2][i], th[-1][i]) for i in range(len(th[0]))]
        prev = [_aitken(th[-4][i], th[-3][i], th[-2][i]) for i in range(len(th[0]))]
        err = max(abs(x - y) for x, y in zip(lim, prev)) + pts[-1][1]
        d = [max(abs(x - y) for x, y in zip(th[m + 1], th[m])) for m in range(len(th) - 1)]
        ratios = [d[m + 1] / d[m] for m in range(len(d) - 1)]
    return lim, err, d, ratios


# (b, name, chain, steps) of numerics.block-spin-limit
BLOCK_LIMIT_CASES = ((2,) + WELLS[0] + (16,), (2,) + WELLS[1] + (16,), (3,) + WELLS[0] + (12,))


@claim("numerics.block-spin-limit",
       "The variance-preserving block-spin flow of a quartic chain converges, linearly with rate 1/b, to the "
       "decoupled Gaussian (0; 1/(2 m_2), 0) on the edge a_2 = 0 of the family; the Jacobian there has the "
       "eigenvalues (1, 1/b, 1/b) of cumulant scaling kappa_2k' = b^(1-k) kappa_2k (proofs.blockspin), so the "
       "scaling exponents log|lambda| / log b are (0, -1, -1)",
       provenance="formalization",
       hypotheses="docs/theory.md 6 quartic examples at b = 2 (16 steps), the single well at b = 3 (12 steps); dps 20; "
                  "m_2 of the initial chain; the limit read off the flow itself (geometric extrapolation of its last "
                  "points, error: the change from the previous extrapolation), not from the fixed-point solver, and "
                  "judged at 1e-6 (dps 11, guard 5); the solver's point (Newton with the conserved variance, on the "
                  "edge) against that limit at 1e-6; linear rate: the last 5 ratios of successive step lengths of the "
                  "flow within 0.02 of 1/b; eigenvalues to 10^-10 (finite-difference Jacobian at the solver's point). "
                  "a_1* = 1/(2 m_2) follows from K*, a_2* = 0 and the variance the step keeps "
                  "(numerics.block-spin-variance): the evidence is K*, a_2* -> 0",
       section="3.3",
       routes={"block-spin flow and solver (transfer operator)": ["numerics.general", "numerics.fixedpoint"],
               "cumulant scaling (sympy)": ["proofs.blockspin.decoupled_eigenvalues"]})
def check_block_spin_limit(ctx):
    dps = min(ctx.dps, 20)
    parts = []
    for b, name, ch, steps in BLOCK_LIMIT_CASES:
        label = f"{name}, b={b}"
        lim, err, d, ratios = _block_flow_limit(ch, dps, steps, b)
        fp = general.fixed_point(ch, scheme="block", b=b, dps=dps)
        m2 = general.moments(ch, dps=dps, lags=1).m[0]
        with mp.workdps(dps + 5):
            rows = [(f"{label} K of the flow's limit", 0, _est(lim[0], err, dps)),
                    (f"{label} a_1 of the flow's limit vs 1/(2 m_2)", 1 / (2 * m2), _est(lim[1], err, dps)),
                    (f"{label} a_2 of the flow's limit", 0, _est(lim[2], err, dps))]
            rows += [(f"{label} solver's {c} vs the flow's limit", x, _est(y, err + fp.error, dps))
                     for c, x, y in zip(("K*", "a_1*", "a_2*"), lim, [fp.K, *fp.a])]
        parts.append(compare(rows, dps=11, need_error=True, what=f"{label}: the block-spin flow's limit"))
        # eigenvalues: finite differences carry ~1e-15 here, judged at 10^-10 (dps 15, guard 5)
        eig = BS.decoupled_eigenvalues(b, 2)
        parts.append(compare([(f"{label} eigenvalue {i}", e, fp.eigenvalues[i]) for i, e in enumerate(eig)],
                             dps=15, what=f"{label}: Jacobian eigenvalues == cumulant scaling (1, 1/b, 1/b)"))
        parts.append(compare([(f"{label} exponent {i}", sp.log(e, b), fp.exponents[i]) for i, e in enumerate(eig)],
                             dps=15, what=f"{label}: scaling exponents log|lambda| / log b == (0, -1, -1)"))
        tail = [float(r) for r in ratios[-5:]]
        ok = all(abs(r - 1 / b) < 0.02 for r in tail)
        parts.append(Evidence(ok, f"{label}: the flow's step length shrinks by "
                                  f"{', '.join(f'{r:.4f}' for r in tail)} "
                                  f"per step (last 5 of {steps}; 1/b = {1 / b:.4f}); extrapolated limit "
                                  f"({', '.join(mpmath.nstr(v, 8) for v in lim)}) +- {mpmath.nstr(err, 2)}",
                              {"ratios": [f"{float(r):.6f}" for r in ratios],
                               "step_lengths": [mpmath.nstr(x, 5) for x in d],
                               "limit": [mpmath.nstr(v, 12) for v in lim], "limit_error": mpmath.nstr(err, 3)}))
    return all_of(parts)


@claim("numerics.block-spin-gaussian-map",
       "On the Gaussian chain the projected block-spin step keeps rho and maps u' = u (1 + u) / 2 at b = 2 and "
       "u' = u (1 + u + u^2)^2 / (3 + 4u + 2u^2) at b = 3 (proofs.blockspin: covariance sums of two neighbouring "
       "blocks); eigenvalue 1/b at u = 0; the block-spin fixed point is (0, rho), within the solver's error estimate, "
       "with Jacobian eigenvalues (1, 1/b) and scaling exponents (0, -1)",
       provenance="formalization",
       hypotheses="Gaussian (a, K) in {(1, 1/2), (2, -3/2)}, b = 2, 3, two steps; transfer-operator block sums "
                  "(numerics.general) vs the exact map; dps <= 30; the fixed point of (2, -3/2) at b = 3 "
                  "(numerics.general: the flow probed, then Newton) against (0, rho), its error estimate required "
                  "positive, the eigenvalues and exponents to 10^-10",
       section="3.3",
       routes={"transfer-operator block step": ["numerics.general"],
               "exact map (sympy)": ["proofs.blockspin.gaussian_block_map", "proofs.gaussian"]})
def check_block_spin_gaussian_map(ctx):
    dps = min(ctx.dps, 30)
    rows = []
    for a_, K_ in (("1", "0.5"), ("2", "-1.5")):
        ch = Chain.gaussian(K_, a_)
        env = {G.a: ch.a[0], G.K: ch.K}
        rho, uu = sp.sqrt(ch.a[0] ** 2 - ch.K ** 2), G.U.subs(env)
        for b in (2, 3):
            step = BS.gaussian_block_map(b)
            pts = general.flow(ch, scheme="block", b=b, steps=2, dps=dps)
            um = uu
            for m in (1, 2):
                um = step.subs(G.u, um)
                K_ref = G.K_OF_U.subs({G.rho: rho, G.u: um})
                a_ref = G.A_OF_U.subs({G.rho: rho, G.u: um})
                rows.append((f"(a, K) = ({a_}, {K_}), b={b}, step {m}: K", K_ref, _est(pts[m].K, pts[m].error, dps)))
                rows.append((f"(a, K) = ({a_}, {K_}), b={b}, step {m}: a_1", a_ref,
                             _est(pts[m].a[0], pts[m].error, dps)))
    ev = compare(rows, dps=dps, need_error=True,
                 what="exact block-spin map (proofs.blockspin) == transfer-operator block step")
    slopes = [(b, BS.map_eigenvalue(b, 0)) for b in (2, 3)]
    slope_ev = Evidence(all(s == sp.Rational(1, b) for b, s in slopes),
                        "du'/du at u = 0: " + ", ".join(f"b={b}: {s}" for b, s in slopes) + " (expected 1/b)")
    ch, b = Chain.gaussian("-1.5", "2"), 3
    fp = general.fixed_point(ch, scheme="block", b=b, dps=dps)
    fp_ev = compare([("(a, K) = (2, -3/2), b=3: K*", 0, _est(fp.K, fp.error, dps)),
                     ("(a, K) = (2, -3/2), b=3: a_1* vs rho", sp.sqrt(ch.a[0] ** 2 - ch.K ** 2),
                      _est(fp.a[0], fp.error, dps))], dps=dps, need_error=True,
                    what="block-spin fixed point == (0, rho) within its error")
    spec_ev = compare([("b=3: eigenvalue 0", 1, fp.eigenvalues[0]), ("b=3: eigenvalue 1", sp.Rational(1, b),
                                                                      fp.eigenvalues[1]),
                       ("b=3: exponent 0", 0, fp.exponents[0]), ("b=3: exponent 1", -1, fp.exponents[1])],
                      dps=15, what="the Jacobian there: eigenvalues (1, 1/b), exponents (0, -1)")
    return all_of([ev, slope_ev, fp_ev, spec_ev])


@claim("numerics.block-spin-variance",
       "The block-spin step preserves the variance: its scale zeta^2 = m_2 / E[S^2] uses the block-sum variance "
       "E[S^2] of the transfer operator's generating-function route, which equals the covariance algebra "
       "E[S^2] = b m_2 + 2 sum_(k=1..b-1) (b - k) C(k); so Var(zeta S) = m_2, and every projected point of the flow "
       "has m_2 = m_2(theta) (docs/theory.md 3.3)",
       provenance="formalization",
       hypotheses="Gaussian (a, K) in {(1, 1/2), (2, -3/2)}: E[S^2] and E[S^4] = 3 E[S^2]^2 against the closed form "
                  "C(r) = u^r / (2 rho) of proofs.gaussian; docs/theory.md 6 quartic single and double well: E[S^2] "
                  "(power series in s of <phi_0| D_s (M D_s)^(b-1) |phi_0>, transfer operator) against "
                  "b m_2 + 2 sum (b - k) C(k) with m_2 and C(k) by Gauss-Hermite Nystrom (no transfer-operator code); "
                  "b = 2, 3; m_2 of two flow points per well by a fresh solve against m_2(theta) by Nystrom; dps 20",
       section="3.3",
       routes={"block sums and flow points (transfer operator)": ["numerics.transfer", "numerics.general"],
               "covariance algebra (proofs.gaussian; Gauss-Hermite Nystrom)":
                   ["proofs.gaussian", "paper_checks.claims.numerics._moments_nystrom"]})
def check_block_spin_variance(ctx):
    dps = min(ctx.dps, 20)
    rows, flow_rows = [], []
    for a_, K_ in (("1", "0.5"), ("2", "-1.5")):          # block sums against the closed form (proofs.gaussian)
        ch = Chain.gaussian(K_, a_)
        env = {G.a: ch.a[0], G.K: ch.K}
        rho, uu = G.RHO.subs(env), G.U.subs(env)
        C = lambda r: G.COVARIANCE.subs({G.u: uu, G.rho: rho, G.r: r})  # noqa: E731
        for b in (2, 3):
            # the chain as a quartic with a_2 = 0, so the solve also returns E[S^4]
            v = evaluate(Params.from_chain(Chain.polynomial(K_, [a_, 0])), dps, lags=2 * b - 1, block=b)
            s2 = b * C(0) + 2 * sum((b - k) * C(k) for k in range(1, b))
            rows.append((f"Gaussian (a, K) = ({a_}, {K_}), b={b}: E[S^2] vs closed-form covariance sum", s2,
                         _est(v.S[2], v.err_S[2], dps)))
            rows.append((f"Gaussian (a, K) = ({a_}, {K_}), b={b}: E[S^4] vs 3 E[S^2]^2", 3 * s2 ** 2,
                         _est(v.S[4], v.err_S[4], dps)))
    for name, ch in WELLS:
        for b in (2, 3):
            v = evaluate(Params.from_chain(ch), dps, lags=2 * b - 1, block=b)
            ny = _moments_nystrom(ch, dps, 2 * b - 1)          # m_2 and C(k) by the second discretization
            with mp.workdps(dps + 10):
                s2 = b * ny.m[0] + 2 * sum((b - k) * ny.C[k - 1] for k in range(1, b))
                err = b * ny.err_m[0] + 2 * sum((b - k) * ny.err_C[k - 1] for k in range(1, b))
            rows.append((f"{name}, b={b}: E[S^2] (generating function) vs b m_2 + 2 sum (b - k) C(k) (Nystrom)",
                         _est(s2, err, dps), _est(v.S[2], v.err_S[2], dps)))
            m0 = ny
            pts = general.flow(ch, scheme="block", b=b, steps=2, dps=dps)
            for m, p in enumerate(pts[1:], 1):
                q = _chain_at(p, dps)
                mo = general.moments(q, dps=dps, lags=1)
                # the point's own error moves m_2 by at most sum_j |d m_2 / d eta_j| err (the Hessian row of A)
                _, _, S = float_covariance(Params.from_chain(q), choose_grid(Params.from_chain(q), 14))
                with mp.workdps(dps + 10):
                    err = mo.details["err_m"][0] + p.error * mpmath.mpf(float(np.abs(S[1]).sum()))
                flow_rows.append((f"{name}, b={b}, step {m}: m_2", _est(m0.m[0], m0.err_m[0], dps),
                                  _est(mo.m[0], err, dps)))
    return all_of([compare(rows, dps=dps, need_error=True, what="block-sum variance: generating function == "
                           "covariance algebra"),
                   compare(flow_rows, dps=dps, need_error=True, what="m_2 along the block-spin flow == m_2(theta)")])


def _chain_at(point, dps):
    """The chain at a numeric flow point, its mpf coordinates read as exact decimals (dps + 10 digits)."""
    from fractions import Fraction
    text = lambda v: mpmath.nstr(v, dps + 10, min_fixed=-dps - 10, max_fixed=dps + 10)  # noqa: E731
    return Chain.polynomial(Fraction(text(point.K)), [Fraction(text(v)) for v in point.a])


@claim("numerics.theorem-r-sextic",
       "Theorem R for n = 3: the projected decimation flow of a sextic chain converges to (0; a*), a* the M-projection "
       "of its single-site marginal (matching m_2, m_4, m_6); and the transfer operator's single-site moments of the "
       "decoupled sextic equal tanh-sinh quadrature",
       provenance="formalization",
       hypotheses="sextic (K; a_1, a_2, a_3) = (3/10; 1, -1/2, 1/5), b = 2; a* from m_2k(theta) by Gauss-Hermite "
                  "Nystrom (numerics.nystrom) projected by quadrature + findroot (numerics.singlesite); dps <= 20; "
                  "proved rows: the flow's limit and the second route's a* inside the proof of a* (docs/theory.md "
                  "5.15)",
       section="3.3",
       routes={"projected flow (transfer operator)": ["numerics.general"],
               "marginal projection (Nystrom + quadrature)": ["paper_checks.claims.numerics._a_star_nystrom",
                                                              "numerics.singlesite"],
               "proof of a* (Krawczyk on proved targets)": ["numerics.proved"]},
       shared=PROOF_SHARED)
def check_theorem_r_sextic(ctx):
    dps = min(ctx.dps, 20)
    fpt = general.fixed_point(SEXTIC, dps=dps, method="flow")
    a_star, a_err = _a_star_nystrom(SEXTIC, dps, tuple(float(x) for x in fpt.a))
    rows = [("sextic K*", 0, _est(fpt.K, fpt.error, dps))]
    rows += [(f"sextic a_{k}*", y, _est(x, fpt.error, dps)) for k, (x, y) in enumerate(zip(fpt.a, a_star), 1)]
    decoupled = Chain.polynomial(0, SEXTIC.a)
    mo = general.moments(decoupled, dps=dps, lags=1)
    with mp.workdps(dps + 10):
        quad = moments_quad([to_mpf(x) for x in SEXTIC.a], dps)
    rows += [(f"decoupled sextic m_{2 * k}", q, _est(x, e, dps))
             for k, (x, q, e) in enumerate(zip(mo.m, quad, mo.details["err_m"]), 1)]
    pf = proved.fixed_point(SEXTIC, fpt.a, fpt.error, "decimation", dps)
    box = (pf.intervals or {"a": [None] * len(fpt.a)})["a"]
    inside = [row for k, (x, y, e, i) in enumerate(zip(fpt.a, a_star, a_err, box), 1)
              for row in ((f"sextic a_{k}*: the flow's limit in the proof", _est(x, fpt.error, dps), i, pf.note),
                          (f"sextic a_{k}*: the second route in the proof", _est(y, e, dps), i, pf.note))]
    return all_of([compare(rows, dps=dps, need_error=True,
                           what="sextic: flow limit == Nystrom + quadrature projection; moments == quadrature"),
                   compare(_second_route_rows("sextic a*", a_star, a_err, dps), dps=dps, need_error=True,
                           what="the second route's a* is resolved"),
                   inside_proofs(inside, dps, what="sextic a* estimates inside the proof of a* (docs/theory.md 5.15)")])


@claim("numerics.theorem-r-block-spin",
       "Theorem R's conclusion carried over to block-spin: the block-spin flow's limit is (0; a*), a* the "
       "M-projection of the single-site marginal. Holds when every a_k of the block-spin fixed point equals a_k* to "
       "10^-(dps - 5); fails when any differs (for n = 2 the limit is the decoupled Gaussian (0; 1/(2 m_2), 0) on the "
       "edge a_2 = 0, not a*: docs/theory.md 3.3)",
       provenance="formalization", expected="open",
       hypotheses="docs/theory.md 6 examples: Gaussian (n = 1) and quartic single/double well (n = 2), b = 2, "
                  "dps <= 20; both sides are claims that can fail on their own: the block-spin limit "
                  "(numerics.block-spin-limit) and a* (numerics.theorem-r-decimation)",
       section="3.3",
       routes={"block-spin flow (transfer operator)": ["numerics.general"],
               "marginal projection (Nystrom + quadrature)": ["paper_checks.claims.numerics._a_star_nystrom"],
               "closed form (n = 1)": ["sympy.sqrt"]})
def check_theorem_r_block(ctx):
    dps = min(ctx.dps, 20)
    rows = []
    fpg = general.fixed_point(GAUSSIAN, scheme="block", dps=dps)
    rows.append(("Gaussian a_1* vs sqrt(a^2 - K^2)", sp.sqrt(GAUSSIAN.a[0] ** 2 - GAUSSIAN.K ** 2),
                 _est(fpg.a[0], fpg.error, dps)))
    for name, ch in WELLS:
        fp = general.fixed_point(ch, scheme="block", dps=dps)
        # a* at the second route's precision (shared with numerics.theorem-r-decimation), judged at dps <= 20
        rdps = min(ctx.dps, NYSTROM_MAX_DPS)
        a_star, _ = _a_star_nystrom(ch, rdps, tuple(float(x) for x in _decimation_fixed_point(ch, rdps).a))
        for k, (x, y) in enumerate(zip(fp.a, a_star), 1):
            rows.append((f"{name} a_{k}* (block) vs a* (marginal projection)", y, _est(x, fp.error, dps)))
    return compare(rows, dps=dps, need_error=True, what="block-spin limit == marginal projection a*", quiet=True)


@claim("numerics.projection-unique",
       "chi is well defined: A is strictly convex (the asymptotic covariance of the sufficient statistics, its "
       "Hessian, is positive definite) and moment matching recovers theta from its own moments",
       provenance="standard",
       hypotheses="docs/theory.md 6 continuous examples; Hessian from the spectral sum (float64 transfer operator) "
                  "checked against central differences (step 1e-5) of the gradient (C(1), m_2, ..) by Gauss-Hermite "
                  "Nystrom at 15 digits; round trip chi(moments(theta)) at dps",
       section="2, 3.2",
       routes={"transfer operator and projection": ["numerics.transfer", "numerics.general", "numerics.projection"],
               "finite differences of the Nystrom gradient; the exact theta": ["numerics.nystrom"]})
def check_projection_unique(ctx):
    dps = ctx.dps
    parts, rows = [], []
    for name, ch in (("Gaussian", GAUSSIAN),) + WELLS:
        p = Params.from_chain(ch)
        grid = choose_grid(p, 14)
        _, _, S = float_covariance(p, grid)
        lam = np.linalg.eigvalsh(S)
        # central differences of the gradient (C(1), m_2, ..) in eta = (K, -a_1, ..), by another discretization
        n = p.n
        h = Fraction(1, 10 ** 5)
        FD = np.zeros_like(S)
        for j in range(n + 1):
            vals = []
            for sign in (1, -1):
                th = [ch.K] + list(ch.a)
                th[j] += sign * h * (1 if j == 0 else -1)
                v = nystrom.moments(Chain.polynomial(th[0], th[1:]), dps=15, lags=1)
                vals.append([v.C[0]] + list(v.m))
            FD[:, j] = [float((x - y) / (2 * to_mpf(h))) for x, y in zip(*vals)]
        rel = float(np.max(np.abs(FD - S)) / np.max(np.abs(S)))
        ok = lam.min() > 0 and rel < 1e-6
        parts.append(Evidence(ok, f"{name}: Hessian eigenvalues {', '.join(f'{x:.4g}' for x in lam)} (min > 0: "
                                  f"{lam.min() > 0}); spectral sum vs finite differences agree to {rel:.1e}",
                              {"eigenvalues": lam.tolist(), "fd_relative_difference": rel}))
        mo = general.moments(ch, dps=dps + 5, lags=1)
        pt = chi(mo.corr[0], mo.m, dps=dps)
        rows.append((f"{name} K", ch.K, _est(pt.K, pt.error, dps)))
        rows += [(f"{name} a_{k}", ak, _est(x, pt.error, dps)) for k, (ak, x) in enumerate(zip(ch.a, pt.a), 1)]
    parts.append(compare(rows, dps=dps, need_error=True, what="chi(moments(theta)) == theta"))
    return all_of(parts)


# -- proved enclosures (docs/theory.md 5.15) ------------------------------------------------------------

PROOF_GUARD = 5         # a proof must carry at least dps - PROOF_GUARD digits to count


def inside_proofs(rows, dps, *, what, weak_ok=False):
    """Evidence that every value lies in its proved interval, and that every proof is strong.

    ``rows``: (point, value, interval, note): ``value`` exact (sympy, rational), an mpf or an ``Estimate``
    (then it must lie within its own error of the interval); ``interval`` the [lo, hi] decimal strings of
    a proof, or None when the proof declined (the row fails with the proof's note). An interval wider
    than 10^-(dps - 5) max(1, |value|) fails too (a weak bound proves little), unless ``weak_ok``.
    """
    bad, n, worst = [], 0, None
    with mp.workdps(dps + 40):
        for point, value, interval, note in rows:
            n += 1
            if interval is None:
                bad.append({"point": str(point), "reason": f"no proof: {note}"})
                continue
            v, err = to_mp(value, dps + 40)
            err = err or mpmath.mpf(0)
            lo, hi = mpmath.mpf(interval[0]), mpmath.mpf(interval[1])
            scale = max(mpmath.mpf(1), abs(v))
            width = hi - lo
            digits = mpmath.mpf(dps + 15) if width == 0 else -mpmath.log10(width / scale)
            worst = digits if worst is None else min(worst, digits)
            outside = max(lo - v, v - hi, mpmath.mpf(0))
            if outside > err:
                bad.append({"point": str(point), "value": mpmath.nstr(v, dps), "interval": list(interval),
                            "reason": f"outside the proved interval by {mpmath.nstr(outside, 3)} "
                                      f"(error {mpmath.nstr(err, 3)})"})
            elif not weak_ok and width > mpmath.mpf(10) ** -(dps - PROOF_GUARD) * scale:
                bad.append({"point": str(point), "interval": list(interval),
                            "reason": f"the proof is weak: width {mpmath.nstr(width, 3)}"})
        if n == 0:
            raise ValueError("inside_proofs() got no rows: a check over nothing cannot fail")
        worst_txt = "-" if worst is None else mpmath.nstr(worst, 3)
    details = {"what": what, "dps": dps, "rows": n, "min_proved_digits": worst_txt, "failures": bad}
    if not bad:
        return Evidence(True, f"{what}: {n} values inside their proofs, each proof >= {worst_txt} digits", details)
    return Evidence(False, f"{len(bad)} of {n} fail; first at {bad[0]['point']}: {bad[0]['reason']}", details)


def random_chains(seed=0, quartic=3, sextic=1):
    """Admissible chains drawn from a fixed seed: quartics with a_1 in [-2, 2], a_2 in [1/16, 2], |K| <= 1 and
    sextics with a_1 in [-1, 2], a_2 in [-1/2, 1], a_3 in [1/8, 1], |K| <= 1/2 (denominators <= 16)."""
    import random
    from fractions import Fraction
    rnd = random.Random(seed)

    def q(lo, hi):
        den = rnd.randint(1, 16)
        return Fraction(rnd.randint(math.ceil(lo * den), math.floor(hi * den)), den)

    out = [Chain.polynomial(q(-1, 1), [q(-2, 2), max(q(0, 2), Fraction(1, 16))]) for _ in range(quartic)]
    out += [Chain.polynomial(q(-0.5, 0.5), [q(-1, 2), q(-0.5, 1), max(q(0, 1), Fraction(1, 8))]) for _ in range(sextic)]
    return out


@claim("numerics.estimates-inside-proofs",
       "The transfer-operator estimates (docs/theory.md 5.3-5.5) lie within their error estimates of the proved "
       "enclosures of A, m_2k, C(1..4) (docs/theory.md 5.15), and Theorem R's a* within its error of the proof of a*",
       provenance="standard",
       hypotheses="chains drawn with a fixed seed (paper_checks.claims.numerics.random_chains: 3 quartics with "
                  "|K| <= 1, a_1 in [-2, 2], a_2 in [1/16, 2], 1 sextic), plus the docs/theory.md 6 single well and "
                  "its mirror image K -> -K (the proofs' sign rule C(r) -> (-1)^r C(r) for K < 0); "
                  "estimates numerics.general at dps; a proof that declines or has fewer than dps - 5 digits fails; "
                  "and the two wells proved at a deliberately short truncation R = 24, where the tail bounds set the "
                  "width (those intervals are only required to contain the estimates)",
       section="5.5, 5.15",
       routes={"estimates (transfer operator)": ["numerics.general"],
               "proved enclosures (Gram matrix, certified integration)": ["numerics.proved", "numerics.gram"]},
       shared=PROOF_SHARED)
def check_estimates_inside_proofs(ctx):
    dps = ctx.dps
    rows = []
    mirrored = Chain.polynomial(-SINGLE_WELL.K, list(SINGLE_WELL.a))
    for ch in random_chains(0) + [SINGLE_WELL, mirrored]:
        mo = general.moments(ch, dps=dps, lags=4)
        pr = proved.moments(ch, dps, 4)
        iv = pr.intervals or {"A": None, "m": [None] * ch.n, "corr": [None] * 4}
        name = repr(ch)
        rows.append((f"{name}: A", _est(mo.A, mo.details["err_A"], dps), iv["A"], pr.note))
        rows += [(f"{name}: m_{2 * k}", _est(x, e, dps), i, pr.note)
                 for k, (x, e, i) in enumerate(zip(mo.m, mo.details["err_m"], iv["m"]), 1)]
        rows += [(f"{name}: C({r})", _est(x, e, dps), i, pr.note)
                 for r, (x, e, i) in enumerate(zip(mo.corr, mo.details["err_C"], iv["corr"]), 1)]
    fp = general.fixed_point(SINGLE_WELL, dps=dps)
    pf = proved.fixed_point(SINGLE_WELL, fp.a, fp.error, "decimation", dps)
    box = (pf.intervals or {"a": [None] * len(fp.a)})["a"]
    rows += [(f"single well a_{k}*", _est(x, fp.error, dps), i, pf.note) for k, (x, i) in enumerate(zip(fp.a, box), 1)]
    short = []
    for name, ch in WELLS:
        mo = general.moments(ch, dps=dps, lags=2)
        enc = gram.enclose(ch.K, ch.a, kmax=ch.n, lags=2, digits=dps, R=24)
        balls = [enc.A, *enc.m, *enc.corr]
        d = mo.details
        ests = [(mo.A, d["err_A"])] + list(zip(mo.m, d["err_m"])) + list(zip(mo.corr, d["err_C"]))
        short += [(f"{name}, R = 24: value {i}", _est(x, e, dps), proved.outward(b, dps), "short truncation")
                  for i, (b, (x, e)) in enumerate(zip(balls, ests))]
    return all_of([inside_proofs(rows, dps, what="estimates inside the proofs"),
                   inside_proofs(short, dps, what="estimates inside proofs at a short truncation", weak_ok=True)])

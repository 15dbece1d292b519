"""The transfer-operator backend of numerics.api: every admissible even potential, and block-spin RG.

Implements the contract of ``numerics/api.py``: ``moments``, ``flow``, ``fixed_point``
(docs/theory.md sections 2, 3; numerical method in docs/numerics.md).

>>> from proofs.family import Chain
>>> mo = moments(Chain.polynomial("0.4", ["0.5", "0.1"]), dps=20, lags=2)
>>> float(mo.error) < 1e-20
True
"""
from __future__ import annotations

import mpmath
from mpmath import mp

from numerics import fixedpoint as fpmod
from numerics.point import FixedPoint, Moments, Point
from numerics.precision import to_mpf
from numerics.transfer import Params, evaluate
from proofs.errors import NotConverged


def converged_values(p, dps, lags=1, block=None):
    """transfer.evaluate, retried once with more digits if the error estimate exceeds 10^-dps (relative)."""
    for extra in (0, 10):
        vals = evaluate(p, dps + extra, lags=lags, block=block)
        with mp.workdps(dps + 10):
            scale = max([abs(vals.A), *map(abs, vals.m), mpmath.mpf(1)])
            if vals.error <= mpmath.mpf(10) ** -dps * scale:
                return vals
    raise NotConverged(f"transfer-operator values at {dps} digits: error estimate "
                       f"{mpmath.nstr(vals.error, 3)} after refinement", partial=vals, error=vals.error)


def moments(chain, *, dps=30, lags=4):
    """A(theta), m_(2k) (k = 1..n) and C(1..lags) of the infinite chain, with an error estimate."""
    vals = converged_values(Params.from_chain(chain), dps, lags=lags)
    details = dict(vals.details)
    details.update(err_A=vals.err_A, err_m=vals.err_m, err_C=vals.err_C, method="transfer operator, trapezoid nodes, "
                   "float64 eigh + Arb residual refinement; error = |fine - coarse| grid")
    return Moments(A=vals.A, m=vals.m, corr=vals.C, error=vals.error, dps=dps, details=details)


def _point(p, err, dps, note=""):
    with mp.workdps(dps + 10):
        return Point(K=+to_mpf(p.K), a=tuple(+to_mpf(x) for x in p.a), error=+err, note=note)


def flow(chain, *, scheme="decimation", b=2, steps=6, dps=30, until_fixed=False):
    """[theta_0, R(theta_0), .., R^steps(theta_0)]: the projected RG flow (decimation or block-spin);
    ``until_fixed``: see ``numerics.api.flow``."""
    pts, _ = fpmod.flow(Params.from_chain(chain), scheme, b, steps, dps, until_fixed=until_fixed)
    return [_point(p, e, dps, note) for p, e, note in pts]


def fixed_point(chain, *, scheme="decimation", b=2, dps=30, certify=False, method="projection"):
    """The fixed point the projected flow from ``chain`` reaches, its Jacobian eigenvalues and exponents.

    Decimation, ``method="projection"``: Theorem R's (0; a*) solved once at full precision after a
    float64 flow (docs/theory.md 5.7), the Jacobian diag(0, 1, .., 1) in closed form;
    ``method="flow"``: the full-precision flow and a finite-difference Jacobian (the independent route).
    """
    p = Params.from_chain(chain)
    notes = []
    closed_form_jacobian = False
    if scheme == "decimation":
        found = fpmod.decimation_fixed_point(p, b, dps, method=method)
        fp, err = found.point, found.error
        notes.append(found.note)
        closed_form_jacobian = found.method == "projection"     # at (0; a*) by Theorem R: diag(0, 1, .., 1)
    else:
        fp, err, steps, edge_notes = fpmod.block_fixed_point(p, b, dps)
        notes.extend(edge_notes)
        notes.append(f"flow probed for {steps} block-spin steps, then Newton with m_2 conserved")
        res, res_err = fpmod.fixed_point_residual(fp, scheme, b, dps)
        notes.append(f"fixed-point residual in the full family |T - F_1| = {mpmath.nstr(res, 2)} "
                     f"(evaluation error {mpmath.nstr(res_err, 2)})")
    with mp.workdps(dps + 10):
        if fp.K != 0 and abs(fp.K) <= err:
            notes.append(f"K* = 0 within the error (the flow's last value {mpmath.nstr(fp.K, 3)})")
            fp = Params(mpmath.mpf(0), fp.a)
    zeros = sum(1 for x in reversed(fp.a) if x == 0) if len(fp.a) > 1 else 0
    if zeros and not any("edge" in s for s in notes):
        notes.append(f"on the edge a_{fp.n} = 0 of the family (computed in the subfamily)")
    if closed_form_jacobian:
        J, jerr = fpmod.decimation_jacobian_at_zero(fp.n), mpmath.mpf(0)
        notes.append("Jacobian diag(0, 1, .., 1) in closed form at K* = 0 (docs/theory.md 3.3)")
    else:
        J, jerr = fpmod.jacobian(fp, scheme, b, min(dps, 30))
    with mp.workdps(dps + 10):
        eig, exps = fpmod.spectrum(J, jerr, b)
    if not closed_form_jacobian:
        notes.append(f"Jacobian eigenvalues to about {mpmath.nstr(jerr, 2)} (finite differences, Richardson)")
    enclosure = None
    if certify:
        from numerics import certify as cert
        values = (converged_values(Params.from_chain(chain), dps)
                  if scheme == "decimation" and not chain.is_ising else None)
        enclosure, cnote = cert.certify(chain, fp, err, scheme, b, dps, values)
        notes.append(cnote)
    with mp.workdps(dps + 10):
        return FixedPoint(K=+to_mpf(fp.K), a=tuple(+to_mpf(x) for x in fp.a), error=+err,
                          eigenvalues=eig, dps=dps, scheme=scheme, b=b, exponents=exps,
                          enclosure=enclosure, note="; ".join(notes), eigenvalues_error=+jerr)

"""The transfer-operator backend of numerics.api: every admissible even potential, and block-spin RG.

Implements the contract of ``numerics/api.py``: ``moments``, ``flow``, ``fixed_point``
(FRAMEWORK.md sections 2, 3; numerical method in docs/numerics.md).

>>> from proofs.family import Chain
>>> mo = moments(Chain.polynomial("0.4", ["0.5", "0.1"]), dps=20, lags=2)
>>> float(mo.error) < 1e-20
True
"""
from __future__ import annotations

import mpmath
from mpmath import mp

from numerics.api import Moments
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


def flow(chain, *, scheme="decimation", b=2, steps=6, dps=30):
    """Projected RG flow (numerics.rgflow); landed separately."""
    from proofs.errors import NotSupported
    raise NotSupported("projected RG flows for n >= 2 are not landed yet (numerics.general.flow)")


def fixed_point(chain, *, scheme="decimation", b=2, dps=30, certify=False):
    """Fixed point of the projected RG flow; landed separately."""
    from proofs.errors import NotSupported
    raise NotSupported("fixed points for n >= 2 are not landed yet (numerics.general.fixed_point)")

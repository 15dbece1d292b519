"""z-scores of chi-hat against a reference, and a verdict with stated thresholds (docs/theory.md 5).

    z_i = (chi-hat_i - ref_i) / se_i,   i over (K, a_1, ..., a_n)

Verdict (thresholds stated in every result):
- ``agree``:        max |z| < z_agree (default 3) AND the estimate resolves the reference:
                    every se_i <= resolution * max_j |ref_j| (default 5%; max_j |ref_j| floored
                    by ``scale`` where given), so a huge error bar cannot produce agreement;
- ``disagree``:     max |z| > z_disagree (default 5);
- ``inconclusive``: anything else (3 <= max |z| <= 5, or the resolution test fails, or chi-hat
                    does not exist: outputs outside the family).
The reference values carry errors far below the statistical ones (high-precision or float64
closed forms), so the z-score uses the estimate's standard error alone.

>>> compare((0.01, 0.87), (0.004, 0.003), (0.0, 0.866))["verdict"]
'agree'
>>> compare((0.05, 0.87), (0.004, 0.003), (0.0, 0.866))["verdict"]
'disagree'
>>> compare((0.01, 0.87), (0.004, 0.3), (0.0, 0.866))["verdict"]
'inconclusive'
>>> compare((0.005,), (0.003,), (0.0,))["verdict"], compare((0.005,), (0.003,), (0.0,), scale=0.8)["verdict"]
('inconclusive', 'agree')
"""
from __future__ import annotations

import math

RESOLUTION = 0.05


def thresholds(z_agree=3.0, z_disagree=5.0, resolution=RESOLUTION):
    return {"z_agree": z_agree, "z_disagree": z_disagree, "resolution": resolution,
            "rule": (f"agree: max|z| < {z_agree} and every s.e. <= {resolution:g} * max|reference|; "
                     f"disagree: max|z| > {z_disagree}; otherwise inconclusive")}


def compare(chi, se, ref, *, z_agree=3.0, z_disagree=5.0, resolution=RESOLUTION, scale=None):
    """{'z': [...], 'max_abs_z': ..., 'verdict': ..., 'reason': ...} for chi +- se against ref.

    ``scale``: a floor under max|ref| for the resolution test, for references without a scale of
    their own (Ising theta* = (0,): the data's |K| is used, the distance the RG flow travels).
    """
    if chi is None:
        return {"z": None, "max_abs_z": None, "verdict": "inconclusive",
                "reason": "no chi-hat: the outputs have no preimage in the family"}
    z = [(c - r) / s if s > 0 else (0.0 if c == r else math.copysign(math.inf, c - r))
         for c, s, r in zip(chi, se, ref)]
    mz = max(abs(v) for v in z)
    scale = max([abs(r) for r in ref] + ([] if scale is None else [abs(scale)]))
    resolved = all(s <= resolution * scale for s in se)
    if mz > z_disagree:
        verdict, reason = "disagree", f"max|z| = {mz:.3g} > {z_disagree}"
    elif mz < z_agree and resolved:
        verdict, reason = "agree", f"max|z| = {mz:.3g} < {z_agree}, s.e. resolved"
    elif mz < z_agree:
        verdict, reason = "inconclusive", f"max|z| = {mz:.3g} but s.e. > {resolution:g} * max|reference|"
    else:
        verdict, reason = "inconclusive", f"{z_agree} <= max|z| = {mz:.3g} <= {z_disagree}"
    return {"z": z, "max_abs_z": mz, "verdict": verdict, "reason": reason}

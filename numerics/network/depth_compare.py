"""One layer row: chi of the layer-L features against both schemes' references and fixed points (docs/theory.md 4.5).

A row is the JSON-ready dict

    {"L", "seed", "u", "u_se", "shape", "shape_se", "theta": {"K", "a"} | None, "cov": [[..]] | None,
     "kl": {"decimation": KL, "block": KL, "decimation_fixed_point": KL, "block_fixed_point": KL},
     "details": {..}}

with, for each reference, KL = {"d", "lower", "upper", "verdict", "reason", "reference": {"K", "a"}}:
d = d(chi || reference) in nats per site (``numerics.klrate``), its bounds over chi-hat's 95% confidence
region and the equivalence verdict at the margin (``numerics.network.effect.equivalence``). On the exact
route (cov None) the region is the point itself: lower = upper = d. ``reference`` is the chain actually
compared with: the scheme's reference, mirrored to the sign of chi's K when the objective does not
identify that sign (``sign_identified``).

Sign. Flipping every other unit, y_j -> (-1)^j y_j, maps the chain (K; a) to (-K; a) (V is even) and
leaves the KL rate between two chains unchanged when applied to both. An objective whose loss, as a
function of the feature law, is invariant under that flip cannot fix the sign of K: `infomax` (moments
of single units and decorrelation), `rsmi` (a sum of per-block mutual informations, each invariant
under the sign of its unit), `rbm`, `autoencoder` and `regress-theta` (a decoder or head absorbs it).
For these the comparison is with the mirrored reference (-K_ref; a_ref) whenever sign(K_ref) differs
from sign(K_chi): |u| is compared. `decimate`'s teacher fixes every unit's sign: compared signed.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from numerics.klrate import chain_stats
from numerics.network.effect import equivalence
from proofs.errors import InadmissibleParameter, NotSupported

REFERENCE_KEYS = ("decimation", "block", "decimation_fixed_point", "block_fixed_point")

SIGN_IDENTIFIED = {"decimate": True, "infomax": False, "autoencoder": False, "regress-theta": False,
                   "rsmi": False, "rbm": False}


def sign_identified(objective: str) -> bool:
    """True when the objective fixes the sign of K (only `decimate`, whose teacher fixes each unit)."""
    return SIGN_IDENTIFIED[objective]


def aligned(reference: tuple, chi: tuple | None, signed: bool) -> tuple:
    """The reference as compared with chi: mirrored to sign(K_chi) unless ``signed`` (docstring above)."""
    if signed or chi is None or reference[0] == 0 or chi[0] == 0 or (reference[0] > 0) == (chi[0] > 0):
        return tuple(reference)
    return (-reference[0], *reference[1:])


@lru_cache(maxsize=4096)
def stats(theta: tuple, kind: str, n: int | None = None):
    """``numerics.klrate.chain_stats`` of one chain, cached: a depth run meets the same chains many times."""
    return chain_stats(theta, kind=kind, n=n)


def kl(theta, theta_prime, kind):
    """d(theta || theta') as ``numerics.klrate.kl_rate``, from cached chain statistics (nats per site)."""
    t, tp = tuple(float(v) for v in theta), tuple(float(v) for v in theta_prime)
    if kind == "ising":
        s, sp = stats(t, kind), stats(tp, kind)
        return sp.A - s.A - s.C1 * (tp[0] - t[0])
    n = max(len(t), len(tp)) - 1
    t, tp = t + (0.0,) * (n + 1 - len(t)), tp + (0.0,) * (n + 1 - len(tp))
    s, sp = stats(t, kind, n), stats(tp, kind, n)
    return sp.A - s.A - s.C1 * (tp[0] - t[0]) + sum(mk * (bk - ak) for mk, ak, bk in zip(s.m, t[1:], tp[1:]))


def point_verdict(d, margin):
    """The equivalence verdict of an exact d (no confidence region): `equivalent` below the margin, else
    `different` (d equal to the margin, to the last bit, is `undetermined`)."""
    if d < margin:
        return "equivalent", f"d = {d:.3g} < margin {margin:.3g} (exact: no sampling error)"
    if d > margin:
        return "different", f"d = {d:.3g} > margin {margin:.3g} (exact: no sampling error)"
    return "undetermined", f"d = {d:.3g} equals the margin"


def compare(kind, chi, cov, reference, margin):
    """{"d", "lower", "upper", "verdict", "reason"}: d(chi || reference) with its equivalence verdict.

    cov None: the exact point (lower = upper = d); else the bounds over chi-hat's 95% region
    (``numerics.network.effect.equivalence``). chi None, or a d that cannot be computed, is `undetermined`.
    """
    if chi is None:
        return {"d": None, "lower": None, "upper": None, "verdict": "undetermined",
                "reason": "no chi: the features have no preimage in the family"}
    try:
        if cov is None:
            d = max(0.0, float(kl(chi, reference, kind)))     # d >= 0; rounding dips below
            verdict, reason = point_verdict(d, margin)
            return {"d": d, "lower": d, "upper": d, "verdict": verdict, "reason": reason}
        e = equivalence(kind, tuple(chi), cov, tuple(reference), margin)
        return {"d": e["d_hat"], "lower": e["lower"], "upper": e["upper"], "verdict": e["verdict"],
                "reason": e["reason"]}
    except (InadmissibleParameter, NotSupported) as exc:
        return {"d": None, "lower": None, "upper": None, "verdict": "undetermined", "reason": str(exc)}


def theta_dict(theta):
    """{"K", "a"} of a float theta; None stays None."""
    return None if theta is None else {"K": float(theta[0]), "a": [float(v) for v in theta[1:]]}


def law_u_shape(law, kind):
    """(u, shape) of a FeatureLaw: as given, else computed from its theta (None without theta)."""
    u, shape = law.u, law.shape
    if law.theta is not None and (u is None or (shape is None and kind != "ising")):
        st = stats(tuple(float(v) for v in law.theta), kind)
        u = st.u if u is None else u
        shape = st.shape if shape is None else shape
        if law.theta[0] == 0:
            u = 0.0
    return u, shape


def delta_method_se(theta, cov, kind):
    """(se(u), se(shape)) of a theta with covariance cov, by central differences of ``chain_stats``."""
    theta = np.asarray(theta, float)
    cov = np.asarray(cov, float)
    grads = []
    for i in range(len(theta)):
        h = 1e-6 * max(abs(theta[i]), 1e-3)
        e = np.zeros(len(theta))
        e[i] = h
        hi, lo = chain_stats(tuple(theta + e), kind=kind), chain_stats(tuple(theta - e), kind=kind)
        grads.append([(hi.u - lo.u) / (2 * h),
                      None if hi.shape is None else (hi.shape - lo.shape) / (2 * h)])
    out = []
    for k in (0, 1):
        if any(g[k] is None for g in grads):
            out.append(None)
            continue
        gv = np.array([g[k] for g in grads])
        out.append(float(np.sqrt(max(gv @ cov @ gv, 0.0))))
    return tuple(out)


def layer_row(law, references_at_L: dict, fixed: dict, *, kind: str, margin: float, signed: bool) -> dict:
    """The row of one ``FeatureLaw`` against {"decimation": Reference, "block": Reference} at its L and the
    fixed points {"decimation": Reference, "block": Reference}; ``margin`` in nats per site."""
    chi = None if law.theta is None else tuple(float(v) for v in law.theta)
    u, shape = law_u_shape(law, kind)
    u_se, shape_se = law.u_se, law.shape_se
    if law.cov is not None and chi is not None and (u_se is None or (shape_se is None and kind != "ising")):
        try:
            du, dshape = delta_method_se(chi, law.cov, kind)
        except (InadmissibleParameter, NotSupported):
            du = dshape = None
        u_se = du if u_se is None else u_se
        shape_se = dshape if shape_se is None else shape_se
    targets = {"decimation": references_at_L["decimation"].theta, "block": references_at_L["block"].theta,
               "decimation_fixed_point": fixed["decimation"].theta, "block_fixed_point": fixed["block"].theta}
    kl = {}
    for name in REFERENCE_KEYS:
        ref = aligned(targets[name], chi, signed)
        kl[name] = compare(kind, chi, law.cov, ref, margin) | {"reference": theta_dict(ref)}
    return {"L": law.L, "seed": law.seed, "u": u, "u_se": u_se, "shape": shape, "shape_se": shape_se,
            "theta": theta_dict(chi), "cov": None if law.cov is None else [list(r) for r in law.cov],
            "kl": kl, "details": dict(law.details)}

"""Which RG does a network perform? One depth run, layer by layer, against both schemes (docs/theory.md 4.5).

``run_depth(cfg)`` gets the feature laws of a route (``depth_exact.exact_feature_laws`` or
``depth_trained.trained_feature_laws``) and hands them to ``document``, which computes everything else
the same way for both routes: the references R^L(theta), B^L(theta) and both fixed points
(``depth_references``), the margin, one row per layer and seed (``depth_compare.layer_row``), the
contraction of |u_L| and the two verdicts (``depth_verdict``). The returned dict is the
``rgdnn depth --json`` document (schema ``rgdnn/schemas/depth.json``):

    {"chain": {"K", "a", "ising"}, "objective", "route", "b", "buffer", "window", "seeds",
     "agreement", "agreement_note", "definitional": str | None, "route_note",
     "margin": {"delta", "rule", "fraction", "d_data_fixed_point"},
     "sign": {"identified": bool, "note"}, "scale_note",
     "data": {"u", "shape"},
     "layers": [row, ..],                              # depth_compare.layer_row, sorted by (seed, L)
     "references": {"decimation": [{"L", "u", "shape", "theta", "note"}], "block": [...]},
     "reference_blocks": {"decimation": b, "block": b_block}, "reference_rules": {"decimation", "block"},
     "fixed_points": {"decimation": {"u", "shape", "theta", "note"}, "block": {...}},
     "fixed_points_coincide": bool,
     "scheme": one of SCHEME_VERDICTS, "scheme_evidence": {...},
     "fixed_point": one of FIXED_POINT_VERDICTS, "fixed_point_evidence": {...},
     "contraction": {...},
     "per_seed": [{"seed", "scheme", "fixed_point"}],
     "seconds", "manifest", "config"}
"""
from __future__ import annotations

import time

from numerics.klrate import chain_stats, kl_rate
from numerics.network.config import AGREEMENT, AGREEMENT_NOTE
from numerics.network.depth_compare import layer_row, sign_identified, theta_dict
from numerics.network.depth_references import block_of, fixed_points, references
from numerics.network.depth_verdict import combine_seeds, fixed_point_verdict, scheme_verdict
from numerics.network.effect import MARGIN_FRACTION, relative_margin
from numerics.runtime import manifest


def _theta(chain):
    return (float(chain.K), *(float(v) for v in chain.a))


def margin_of(cfg, theta, fixed):
    """{"delta", "rule", "fraction", "d_data_fixed_point"}: the margin of the run (docs/theory.md 4.4)."""
    d = kl_rate(theta, fixed["decimation"].theta, kind=cfg.kind)
    if cfg.margin == "relative":
        return {"delta": relative_margin(cfg.kind, theta, fixed["decimation"].theta), "rule": "relative",
                "fraction": MARGIN_FRACTION, "d_data_fixed_point": d}
    return {"delta": float(cfg.margin), "rule": "absolute", "fraction": None, "d_data_fixed_point": d}


SIGN_NOTES = {
    True: "signed: the teacher fixes the sign of every unit, so K and u are compared with their signs",
    False: "|u| compared: the loss, as a function of the feature law, is invariant under flipping every other unit "
           "((K; a) -> (-K; a)), so a reference is mirrored to the sign of chi's K before d is computed",
}
SCALE_NOTE = ("scale-free: u = lambda_1/lambda_0 and the kurtosis; chi is taken at the data's m_2 where the objective "
              "fixes no scale, and both schemes keep m_2, so d compares u and shape (docs/theory.md 4.5)")


def document(cfg, laws, *, route_note: str = "", definitional: str | None = None) -> dict:
    """The depth document of ``laws`` (FeatureLaws of cfg's route): references, rows, verdicts."""
    chain, kind = cfg.chain, cfg.kind
    L_max = max([cfg.layers, *(law.L for law in laws)])
    refs = references(chain, cfg.b, L_max)
    fixed = fixed_points(chain, cfg.b)
    theta = _theta(chain)
    margin = margin_of(cfg, theta, fixed)
    delta = margin["delta"]
    signed = sign_identified(cfg.objective)
    data = chain_stats(theta, kind=kind)
    rows = [layer_row(law, {s: refs[s][law.L - 1] for s in refs}, fixed, kind=kind, margin=delta, signed=signed)
            for law in sorted(laws, key=lambda w: (w.seed is not None, w.seed or 0, w.L))]
    seeds = sorted({r["seed"] for r in rows}, key=lambda s: (s is not None, s or 0))
    per_seed = []
    for seed in seeds:
        mine = [r for r in rows if r["seed"] == seed]
        sv, sev = scheme_verdict(mine, refs, u0=data.u, b=cfg.b, margin=delta, kind=kind, signed=signed)
        fv, fev = fixed_point_verdict(mine, fixed, scheme=sv, margin=delta, kind=kind, signed=signed)
        per_seed.append({"seed": seed, "scheme": sv, "fixed_point": fv, "scheme_evidence": sev,
                         "fixed_point_evidence": fev})
    first = per_seed[0]
    con = first["scheme_evidence"]["contraction"] if len(per_seed) == 1 else {
        "by_seed": [{"seed": p["seed"], **p["scheme_evidence"]["contraction"]} for p in per_seed]}
    scheme = combine_seeds(p["scheme"] for p in per_seed)
    fixed_point = combine_seeds(p["fixed_point"] for p in per_seed)
    note = "" if len(per_seed) == 1 else "; several seeds: the common verdict, else undetermined"
    return {
        "chain": {"K": cfg.K, "a": list(cfg.a), "ising": cfg.ising},
        "objective": cfg.objective, "route": cfg.route, "b": cfg.b, "buffer": cfg.buffer, "window": cfg.window,
        "seeds": list(cfg.seeds) if cfg.route == "trained" else [],
        "agreement": AGREEMENT[cfg.objective], "agreement_note": AGREEMENT_NOTE[cfg.objective],
        "definitional": definitional, "route_note": route_note,
        "margin": margin, "sign": {"identified": signed, "note": SIGN_NOTES[signed]}, "scale_note": SCALE_NOTE,
        "data": {"u": data.u, "shape": data.shape, "theta": theta_dict(theta)},
        "layers": rows,
        "references": {s: [r.to_dict() for r in refs[s][: L_max]] for s in refs},
        "reference_blocks": {s: block_of(chain, s, cfg.b) for s in refs},
        "reference_rules": {"decimation": "keep one site per block of b^L (one-shot projection of the decimated chain)",
                            "block": ("majority rule on blocks of b_block spins, iterated L times" if chain.is_ising
                                      else "block sums of b^L sites scaled to keep m_2 (one-shot projection)")},
        "fixed_points": {s: fixed[s].to_dict() for s in fixed},
        "fixed_points_coincide": first["fixed_point_evidence"]["fixed_points_coincide"],
        "scheme": scheme,
        "scheme_evidence": first["scheme_evidence"] if len(per_seed) == 1 else {"reason": "per seed" + note},
        "fixed_point": fixed_point,
        "fixed_point_evidence": first["fixed_point_evidence"] if len(per_seed) == 1 else {"reason": "per seed" + note},
        "contraction": con,
        "per_seed": [{"seed": p["seed"], "scheme": p["scheme"], "fixed_point": p["fixed_point"]} for p in per_seed],
    }


def run_depth(cfg, *, progress: bool = False) -> dict:
    """Run ``cfg`` (a ``DepthConfig``) by its route and return the document (see the module docstring)."""
    t0 = time.perf_counter()
    if cfg.route == "exact":
        from numerics.network.depth_exact import DEFINITIONAL, exact_feature_laws, route_note, truncation_note
        laws = exact_feature_laws(cfg)
        doc = document(cfg, laws, route_note=route_note(cfg.chain, cfg.objective) + truncation_note(cfg, laws),
                       definitional=DEFINITIONAL.get(cfg.objective))
    else:
        from numerics.network.depth_trained import trained_feature_laws
        laws = trained_feature_laws(cfg, progress=progress)
        doc = document(cfg, laws, route_note="trained: one network per depth and seed (N = M b^L)",
                       definitional=None)
    doc["seconds"] = time.perf_counter() - t0
    doc["manifest"] = manifest()
    doc["config"] = cfg.to_dict()
    return doc

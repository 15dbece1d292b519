"""The two verdicts of a depth run, `scheme` and `fixed_point`, by the rules of docs/theory.md 4.5.

Inputs are the layer rows of ``numerics.network.depth_compare.layer_row`` (one seed, L = 1..L_max), the
references of both schemes, the data chain's u_0 and the margin. Outputs are (verdict, evidence) with
JSON-ready evidence; the rules themselves are stated in docs/theory.md 4.5 and only implemented here.
"""
from __future__ import annotations

import math

import numpy as np

from numerics.network.depth_compare import aligned, compare

SCHEME_VERDICTS = ("decimation", "block-spin", "neither", "undetermined")
FIXED_POINT_VERDICTS = ("flows to the decimation fixed point", "flows to the block-spin fixed point",
                        "flows elsewhere", "undetermined")


EXACT_SIGMA = 1e-8      # relative s.d. given to an exact |u| in a fit that mixes it with measured ones (anchors it)


def _resolved(u, se):
    return u is not None and math.isfinite(u) and u != 0 and (se is None or se == 0 or abs(u) > 2 * se)


def _fit(x, y, sigma):
    """(beta, se(beta) or None): least squares of y on (1, x); weights 1/sigma^2 when any sigma > 0."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if all(s == 0 for s in sigma):
        X = np.stack([np.ones_like(x), x], 1)
        coef = np.linalg.lstsq(X, y, rcond=None)[0]
        return float(coef[1]), None
    s = np.array([sv if sv > 0 else EXACT_SIGMA for sv in sigma])
    X = np.stack([np.ones_like(x), x], 1) / s[:, None]
    cov = np.linalg.inv(X.T @ X)
    coef = cov @ X.T @ (y / s)
    return float(coef[1]), float(math.sqrt(cov[1, 1]))


def contraction(us, u_ses, Ls, *, b: int, references=None) -> dict:
    """The contraction of |u_L| per layer (docs/theory.md 4.5).

    ``us``, ``u_ses``, ``Ls``: the flow's u_L (L = 0 is the data, se None) with s.e. (None exact);
    ``references``: {scheme: [u^s_L for the same Ls]}. Returns {"layers": resolved Ls, "beta", "beta_se",
    "factor" = exp(beta), "factor_se", "pairs": [{"L", "factor", "se"}], "references": {scheme: {"beta",
    "factor"}}, "band": (1/2) log b, "note"}.
    """
    res = [i for i, (u, se) in enumerate(zip(us, u_ses)) if _resolved(u, se)]
    out = {"layers": [Ls[i] for i in res], "beta": None, "beta_se": None, "factor": None, "factor_se": None,
           "pairs": [], "references": {}, "band": 0.5 * math.log(b)}
    for i, j in zip(res, res[1:]):
        if Ls[j] != Ls[i] + 1:
            continue
        f = abs(us[j] / us[i])
        rel = [0.0 if se is None else se / abs(u) for u, se in ((us[i], u_ses[i]), (us[j], u_ses[j]))]
        out["pairs"].append({"L": Ls[i], "factor": f,
                             "se": None if not any(rel) else f * math.hypot(*rel)})
    if len(res) < 2 or max(Ls[i] for i in res) < 1:
        out["note"] = "fewer than two resolved layers: no rate"
        return out
    x = [Ls[i] for i in res]
    sigma = [0.0 if u_ses[i] is None else u_ses[i] / abs(us[i]) for i in res]
    beta, beta_se = _fit(x, [math.log(abs(us[i])) for i in res], sigma)
    out.update(beta=beta, beta_se=beta_se, factor=math.exp(beta),
               factor_se=None if beta_se is None else math.exp(beta) * beta_se)
    for name, ru in (references or {}).items():
        vals = [ru[i] for i in res]
        if any(v is None or v == 0 or not math.isfinite(v) for v in vals):
            out["references"][name] = {"beta": -math.inf, "factor": 0.0,
                                       "note": "|u| reaches 0 (below the floating-point range): super-geometric"}
        else:
            rb, _ = _fit(x, [math.log(abs(v)) for v in vals], sigma)
            out["references"][name] = {"beta": rb, "factor": math.exp(rb)}
    out["note"] = ("weighted least squares of log|u_L| on L over the resolved layers (L = 0: the data); the "
                   "references fitted over the same layers with the same weights")
    return out


def rate_verdict(con: dict) -> tuple[str, dict]:
    """Step 4 of the rule `scheme`: the flow's beta (with +- 2 s.e.) against each scheme's band beta_s +- h."""
    if con.get("beta") is None or set(con["references"]) != {"decimation", "block"}:
        return "undetermined", {"reason": con.get("note", "no rate")}
    se = con["beta_se"] or 0.0
    lo, hi, h = con["beta"] - 2 * se, con["beta"] + 2 * se, con["band"]
    state = {}
    for name, r in con["references"].items():
        bs = r["beta"]
        inside = math.isfinite(bs) and bs - h <= lo and hi <= bs + h
        outside = not math.isfinite(bs) or hi < bs - h or lo > bs + h
        state[name] = "consistent" if inside else "inconsistent" if outside else "undetermined"
    d, k = state["decimation"], state["block"]
    if d == "consistent" and k == "inconsistent":
        v = "decimation"
    elif k == "consistent" and d == "inconsistent":
        v = "block-spin"
    elif d == "inconsistent" and k == "inconsistent":
        v = "neither"
    else:
        v = "undetermined"
    return v, {"interval": [lo, hi], "band": h, "decimation": d, "block": k}


def distinguishable(references, *, kind: str, margin: float, signed: bool) -> list[dict]:
    """Per L: d(R^L || B^L), d(B^L || R^L) and whether both exceed the margin (step 1 of the rule `scheme`)."""
    out = []
    for R, B in zip(references["decimation"], references["block"]):
        Bt = aligned(B.theta, R.theta, signed)
        d1 = compare(kind, R.theta, None, Bt, margin)["d"]
        d2 = compare(kind, Bt, None, R.theta, margin)["d"]
        ok = d1 is not None and d2 is not None and d1 > margin and d2 > margin
        out.append({"L": R.L, "d_decimation_block": d1, "d_block_decimation": d2, "distinguishable": ok})
    return out


def layer_vote(row) -> str | None:
    """Step 2 of the rule `scheme` at a distinguishable layer."""
    dv, bv = row["kl"]["decimation"]["verdict"], row["kl"]["block"]["verdict"]
    if dv == "equivalent" and bv == "different":
        return "decimation"
    if bv == "equivalent" and dv == "different":
        return "block-spin"
    if dv == "different" and bv == "different":
        return "neither"
    return None


def scheme_verdict(rows, references, *, u0: float, b: int, margin: float, kind: str, signed: bool):
    """(one of SCHEME_VERDICTS, evidence) for one seed's rows (docs/theory.md 4.5, rule `scheme`)."""
    rows = sorted(rows, key=lambda r: r["L"])
    dist = {d["L"]: d for d in distinguishable(references, kind=kind, margin=margin, signed=signed)}
    votes = []
    for r in rows:
        if dist.get(r["L"], {}).get("distinguishable"):
            votes.append({"L": r["L"], "vote": layer_vote(r)})
    decided = [v["vote"] for v in votes if v["vote"] is not None]
    if not decided:
        margin_v = "undetermined"
    elif all(v == decided[0] for v in decided):
        margin_v = decided[0]
    else:
        margin_v = "neither"
    Ls = [0] + [r["L"] for r in rows]
    refu = {s: [u0] + [references[s][r["L"] - 1].u for r in rows] for s in ("decimation", "block")}
    con = contraction([u0] + [r["u"] for r in rows], [None] + [r["u_se"] for r in rows], Ls, b=b, references=refu)
    rate_v, rate_ev = rate_verdict(con)
    if margin_v in ("decimation", "block-spin"):
        verdict = margin_v if rate_v in (margin_v, "undetermined") else "neither"
    elif margin_v == "neither":
        verdict = "neither"
    else:
        verdict = rate_v
    reason = (f"margin votes {[(v['L'], v['vote']) for v in votes] or 'none (no distinguishable layer)'} -> "
              f"{margin_v}; rate -> {rate_v}")
    return verdict, {"distinguishable": list(dist.values()), "votes": votes, "margin_verdict": margin_v,
                     "rate_verdict": rate_v, "rate": rate_ev, "contraction": con, "reason": reason}


def fixed_point_verdict(rows, fixed_points, *, scheme: str, margin: float, kind: str, signed: bool = False):
    """(one of FIXED_POINT_VERDICTS, evidence) for one seed's rows (docs/theory.md 4.5, rule `fixed_point`)."""
    rows = sorted(rows, key=lambda r: r["L"])
    fd, fb = fixed_points["decimation"].theta, fixed_points["block"].theta
    c1, c2 = compare(kind, fd, None, fb, margin), compare(kind, fb, None, fd, margin)
    coincide = c1["verdict"] == "equivalent" and c2["verdict"] == "equivalent"
    last = rows[-1]
    vd, vb = last["kl"]["decimation_fixed_point"]["verdict"], last["kl"]["block_fixed_point"]["verdict"]
    ev = {"L": last["L"], "fixed_points_coincide": coincide, "d_between_fixed_points": [c1["d"], c2["d"]],
          "decimation_fixed_point": vd, "block_fixed_point": vb, "settled": None}
    DEC, BLK = FIXED_POINT_VERDICTS[0], FIXED_POINT_VERDICTS[1]
    if not coincide and vd == "equivalent" and vb == "different":
        return DEC, ev | {"reason": f"L = {last['L']}: equivalent to (0; a*), different from the block-spin "
                                    "fixed point"}
    if not coincide and vb == "equivalent" and vd == "different":
        return BLK, ev | {"reason": f"L = {last['L']}: equivalent to the block-spin fixed point, different from "
                                    "(0; a*)"}
    if coincide and vd == "equivalent" and vb == "equivalent":
        name = BLK if scheme == "block-spin" else DEC
        return name, ev | {"reason": f"L = {last['L']}: equivalent to the fixed point both schemes share; named after "
                                     f"the scheme verdict ({scheme})"}
    if vd == "different" and vb == "different" and len(rows) >= 2:
        prev = rows[-2]
        if last["theta"] is not None and prev["theta"] is not None:
            chi = (last["theta"]["K"], *last["theta"]["a"])
            ref = aligned((prev["theta"]["K"], *prev["theta"]["a"]), chi, signed)
            covs = [np.asarray(r["cov"]) for r in (last, prev) if r["cov"] is not None]
            cov = None if not covs else sum(covs).tolist()
            step = compare(kind, chi, cov, ref, margin)
            ev["settled"] = {"L": [prev["L"], last["L"]], **step}
            if step["verdict"] == "equivalent":
                return FIXED_POINT_VERDICTS[2], ev | {
                    "reason": f"L = {last['L']}: different from both fixed points, and equivalent to layer {prev['L']} "
                              "(settled)"}
    return "undetermined", ev | {"reason": f"L = {last['L']}: vs (0; a*) {vd}, vs block-spin fixed point {vb}; "
                                           "not settled elsewhere"}


def combine_seeds(verdicts):
    """The run's verdict from the seeds' verdicts: their common value, else `undetermined`."""
    vs = list(verdicts)
    return vs[0] if vs and all(v == vs[0] for v in vs) else "undetermined"

"""The summary of a sweep: distances of chi-hat to theta* and R^L(theta) over seeds, and agreement.

For each objective and each (theta, L), over the seeds s = 1..n whose cell finished:

    delta_c(s) = chi-hat_c(s) - theta*_c          for c in K, a_1, .., a_n
    d*(s)      = || chi-hat(s) - theta* ||_2,      d_L(s) = || chi-hat(s) - R^L(theta) ||_2

reported as mean +- a 95% confidence interval over seeds, mean +- t_(0.975, n-1) sd / sqrt(n)
(Student t; no interval from one seed). Across seeds this interval contains the
training's own scatter, which the per-cell standard errors do not. The fraction of
cells whose verdict is "agree" comes with a 95% Wilson score interval. theta* and R^L
are those the cell reported (docs/theory.md 3.3, 4.3); the Euclidean distance mixes K
and a_k on their natural scales.

``summarize(out) -> dict`` reads a sweep directory, ``markdown(summary) -> str`` renders
the tables, ``write_figures(out) -> [paths]`` draws chi-hat - theta* against theta with
error bars per objective, and the distance against L for ``decimate``. The report of
``rgdnn check --report`` can include all three.
"""
from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

from paper_checks.sweep.store import ResultStore, atomic_write_text

CONFIDENCE = 0.95


@lru_cache(maxsize=256)
def t_quantile(p, df):
    """Student-t quantile t_(p, df) by bisection on the regularized incomplete beta CDF.

    Reference values from printed t tables: t_(0.975, 1) = 12.706, t_(0.975, 4) = 2.776.

    >>> round(t_quantile(0.975, 1), 3), round(t_quantile(0.975, 4), 3), round(t_quantile(0.975, 10**6), 3)
    (12.706, 2.776, 1.96)
    """
    import mpmath
    with mpmath.mp.workdps(20):
        half = mpmath.mpf(1) / 2

        def cdf(t):   # t >= 0: F(t) = 1 - I_(df / (df + t^2))(df / 2, 1 / 2) / 2
            return 1 - mpmath.betainc(mpmath.mpf(df) / 2, half, 0, df / (df + t * t), regularized=True) / 2

        lo, hi = mpmath.mpf(0), mpmath.mpf(1)
        while cdf(hi) < p:
            hi *= 2
        for _ in range(64):        # 2^-64 of the bracket: far below the statistical error it scales
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if cdf(mid) < p else (lo, mid)
        return float((lo + hi) / 2)


def mean_ci(values, confidence=CONFIDENCE, lower=None):
    """{"mean", "sd", "n", "ci": [lo, hi] or None} with a Student-t interval over the values.

    ``lower`` clips the interval to a known bound (0 for distances): the mean of a
    non-negative quantity cannot be negative, so clipping keeps the coverage.

    >>> r = mean_ci([1.0, 2.0, 3.0])
    >>> r["mean"], r["n"], [round(x, 3) for x in r["ci"]]
    (2.0, 3, [-0.484, 4.484])
    >>> mean_ci([1.0, 2.0, 3.0], lower=0.0)["ci"][0]
    0.0
    >>> mean_ci([5.0])["ci"] is None
    True
    """
    xs = [x for x in values if x is not None and math.isfinite(x)]
    n = len(xs)
    if n == 0:
        return {"mean": None, "sd": None, "n": 0, "ci": None}
    m = sum(xs) / n
    if n == 1:
        return {"mean": m, "sd": None, "n": 1, "ci": None}
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))
    h = t_quantile(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
    lo = m - h if lower is None else max(lower, m - h)
    return {"mean": m, "sd": sd, "n": n, "ci": [lo, m + h]}


def wilson(k, n, z=1.959963984540054):
    """95% Wilson score interval for a binomial fraction k / n.

    >>> [round(x, 3) for x in wilson(8, 10)]
    [0.49, 0.943]
    """
    if n == 0:
        return None
    p = k / n
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [max(0.0, c - h), min(1.0, c + h)]


def _num(x):
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _vector(p):
    """{"K": k, "a": [a1, ..]} -> {"K": float, "a_1": float, ..}; None if absent or incomplete."""
    if not isinstance(p, dict) or "K" not in p:
        return None
    v = {"K": _num(p.get("K"))}
    for i, x in enumerate(p.get("a") or [], 1):
        v[f"a_{i}"] = _num(x)
    return None if any(x is None for x in v.values()) else v


def _dist(u, v):
    if u is None or v is None or set(u) != set(v):
        return None
    return math.sqrt(sum((u[c] - v[c]) ** 2 for c in u))


def verdict_of(result):
    """The verdict on chi-hat vs theta*: a string, or the theta* entry of a per-target verdict."""
    v = result.get("verdict")
    if isinstance(v, dict):
        v = v.get("theta_star", next(iter(v.values()), None))
    return v


def theta_label(K, a):
    return f"K={K}, a=({', '.join(a)})" if a else f"Ising K={K}"


def summarize(out):
    """Per objective: per (theta, L) statistics over seeds, agreement fraction, counts (plain JSON data)."""
    recs = ResultStore(out).records()
    summary = {"out": str(out), "confidence": CONFIDENCE, "cells": len(recs),
               "ok": sum(r.get("status") == "ok" for r in recs.values()),
               "errors": sum(r.get("status") != "ok" for r in recs.values()), "objectives": {}}
    groups = {}
    for rec in sorted(recs.values(), key=lambda r: (r.get("index") if r.get("index") is not None else 10**9,
                                                      r.get("key", ""))):
        c = rec.get("cell", {})
        g = groups.setdefault(c.get("objective"), {}).setdefault((c.get("K"), tuple(c.get("a", ())), c.get("L")), [])
        g.append(rec)
    for obj, by_point in groups.items():
        rows, n_agree, n_judged, n_err, tot_rg = [], 0, 0, 0, [0, 0]
        for (K, a, L), cell_recs in by_point.items():
            ok = [r for r in cell_recs if r.get("status") == "ok"]
            n_err += len(cell_recs) - len(ok)
            deltas, d_star, d_rg, agree, agree_rg, n_rg, verdicts = {}, [], [], 0, 0, 0, {}
            for r in ok:
                res = r.get("result") or {}
                chi, ts, rg = _vector(res.get("chi")), _vector(res.get("theta_star")), _vector(res.get("rg_L"))
                if chi is not None and ts is not None and set(chi) == set(ts):
                    for comp in chi:
                        deltas.setdefault(comp, []).append(chi[comp] - ts[comp])
                d_star.append(_dist(chi, ts))
                d_rg.append(_dist(chi, rg))
                v = verdict_of(res)
                verdicts[str(v)] = verdicts.get(str(v), 0) + 1
                agree += v == "agree"
                if res.get("verdict_rg") is not None:       # decimate: chi-hat vs R^L(theta)
                    n_rg += 1
                    agree_rg += res["verdict_rg"] == "agree"
            n_agree += agree
            n_judged += len(ok)
            tot_rg[0] += agree_rg
            tot_rg[1] += n_rg
            rows.append({"K": K, "a": list(a), "L": L, "theta": theta_label(K, a), "seeds": len(ok),
                         "failed": len(cell_recs) - len(ok),
                         "delta": {comp: mean_ci(v) for comp, v in deltas.items()},
                         "distance_theta_star": mean_ci(d_star, lower=0.0),
                         "distance_rg_L": mean_ci(d_rg, lower=0.0),
                         "agree": agree, "agree_rg": agree_rg if n_rg else None, "verdicts": verdicts})
        summary["objectives"][obj] = {"cells": n_judged + n_err, "ok": n_judged, "errors": n_err,
                                      "agree": n_agree, "agree_fraction": (n_agree / n_judged) if n_judged else None,
                                      "agree_ci": wilson(n_agree, n_judged),
                                      "agree_rg": tot_rg[0] if tot_rg[1] else None, "judged_rg": tot_rg[1],
                                      "agree_rg_ci": wilson(*tot_rg), "rows": rows}
    return summary


def _fmt(x):
    return "" if x is None else f"{x:.3g}"


def _fmt_ci(s):
    if s["mean"] is None:
        return "n/a"
    if s["ci"] is None:
        return f"{_fmt(s['mean'])} (1 seed)"
    return f"{_fmt(s['mean'])} [{_fmt(s['ci'][0])}, {_fmt(s['ci'][1])}]"


def markdown(summary):
    """The summary as Markdown: one table per objective (mean [95% CI over seeds])."""
    lines = [f"Sweep `{summary['out']}`: {summary['cells']} cells, {summary['ok']} finished, "
             f"{summary['errors']} failed. Entries: mean [95% CI over seeds, Student t].", ""]
    for obj, o in summary["objectives"].items():
        frac = "n/a" if o["agree_fraction"] is None else (
            f"{o['agree']}/{o['ok']} = {o['agree_fraction']:.2f} "
            f"[{o['agree_ci'][0]:.2f}, {o['agree_ci'][1]:.2f}]")
        if o.get("agree_rg") is not None:
            frac += (f"; with R^L(theta): {o['agree_rg']}/{o['judged_rg']} = {o['agree_rg'] / o['judged_rg']:.2f} "
                     f"[{o['agree_rg_ci'][0]:.2f}, {o['agree_rg_ci'][1]:.2f}]")
        lines += [f"### {obj}", "", f"cells agreeing with theta*: {frac}" +
                  (f"; {o['errors']} failed" if o["errors"] else ""), ""]
        with_rg = any(r.get("agree_rg") is not None for r in o["rows"])
        comps = []
        for r in o["rows"]:
            comps += [c for c in r["delta"] if c not in comps]
        head = ["theta", "L", "seeds"] + [f"chi-hat - theta* ({c})" for c in comps] + \
               ["dist to theta*", "dist to R^L(theta)", "agree (theta*)"] + (["agree (R^L)"] if with_rg else [])
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in o["rows"]:
            cells = [r["theta"], str(r["L"]), str(r["seeds"])]
            cells += [_fmt_ci(r["delta"][c]) if c in r["delta"] else "" for c in comps]
            cells += [_fmt_ci(r["distance_theta_star"]), _fmt_ci(r["distance_rg_L"]), f"{r['agree']}/{r['seeds']}"]
            if with_rg:
                cells.append("" if r.get("agree_rg") is None else f"{r['agree_rg']}/{r['seeds']}")
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def write_figures(out, summary=None):
    """Draw the figures into ``out``/figures; returns their paths (PNG, matplotlib Agg)."""
    from paper_checks.figures import _plt
    plt = _plt()

    summary = summary or summarize(out)
    fig_dir = Path(out) / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for obj, o in summary["objectives"].items():
        rows = [r for r in o["rows"] if r["delta"]]
        if not rows:
            continue
        comps = []
        for r in rows:
            comps += [c for c in r["delta"] if c not in comps]
        thetas = list(dict.fromkeys(r["theta"] for r in rows))
        Ls = sorted({r["L"] for r in rows})
        fig, axes = plt.subplots(len(comps), 1, figsize=(max(5, 1.2 * len(thetas) + 3), 2.6 * len(comps)),
                                 sharex=True, squeeze=False)
        for ax, comp in zip(axes[:, 0], comps):
            for j, L in enumerate(Ls):
                xs, ys, err = [], [], [[], []]
                for r in rows:
                    s = r["delta"].get(comp)
                    if r["L"] != L or s is None or s["mean"] is None:
                        continue
                    xs.append(thetas.index(r["theta"]) + (j - (len(Ls) - 1) / 2) * 0.12)
                    ys.append(s["mean"])
                    lo, hi = s["ci"] if s["ci"] else (s["mean"], s["mean"])
                    err[0].append(s["mean"] - lo)
                    err[1].append(hi - s["mean"])
                ax.errorbar(xs, ys, yerr=err, fmt="o", capsize=3, label=f"L = {L}")
            ax.axhline(0, color="grey", lw=0.8)
            ax.set_ylabel(f"chi-hat - theta* ({comp})")
        axes[-1, 0].set_xticks(range(len(thetas)), thetas, rotation=20, ha="right", fontsize=8)
        axes[0, 0].legend(fontsize=8)
        axes[0, 0].set_title(f"{obj}: chi-hat - theta*, mean and 95% CI over seeds")
        fig.tight_layout()
        p = fig_dir / f"delta_{obj}.png"
        fig.savefig(p, dpi=110)
        plt.close(fig)
        paths.append(p)
    dec = summary["objectives"].get("decimate")
    if dec and any(r["distance_theta_star"]["mean"] is not None for r in dec["rows"]):
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), squeeze=False)
        for ax, key, name in ((axes[0, 0], "distance_theta_star", "theta*"),
                              (axes[0, 1], "distance_rg_L", "R^L(theta)")):
            for theta in dict.fromkeys(r["theta"] for r in dec["rows"]):
                pts = sorted((r["L"], r[key]) for r in dec["rows"]
                             if r["theta"] == theta and r[key]["mean"] is not None)
                if not pts:
                    continue
                Lx = [L for L, _ in pts]
                m = [s["mean"] for _, s in pts]
                lo = [s["mean"] - (s["ci"][0] if s["ci"] else s["mean"]) for _, s in pts]
                hi = [(s["ci"][1] if s["ci"] else s["mean"]) - s["mean"] for _, s in pts]
                ax.errorbar(Lx, m, yerr=[lo, hi], fmt="o-", capsize=3, label=theta)
            ax.set_xlabel("depth L")
            ax.set_xticks(sorted({r["L"] for r in dec["rows"]}))
            ax.set_ylabel(f"|| chi-hat - {name} ||")
            ax.set_title(f"decimate: distance to {name}")
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=7)
            else:
                ax.text(0.5, 0.5, "not available for these cells", ha="center", transform=ax.transAxes)
        fig.tight_layout()
        p = fig_dir / "distance_vs_L_decimate.png"
        fig.savefig(p, dpi=110)
        plt.close(fig)
        paths.append(p)
    return paths


def write_summary(out):
    """summary.json, summary.md and the figures into ``out``; returns the summary (with figure paths)."""
    s = summarize(out)
    s["figures"] = [str(p) for p in write_figures(out, s)]
    atomic_write_text(Path(out) / "summary.json", json.dumps(s, indent=1))
    atomic_write_text(Path(out) / "summary.md", markdown(s) + "\n")
    return s

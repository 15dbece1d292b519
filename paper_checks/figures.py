"""Figures for the check report (matplotlib, Agg backend): RG flows, training curves, chi-hat vs theta*.

Each ``fig_*`` function draws one figure into ``outdir`` and returns
(filename, caption). A figure whose data the current build cannot produce
raises ``proofs.errors.NotSupported`` (or the error of the numerics it needs);
the report then lists it as unavailable with that reason instead of drawing
anything made up.

Numbers come from the numeric front door (``numerics.api``) and from the
network side (``numerics.network.train``); floats appear only here, at the
plotting stage.
"""
from __future__ import annotations

import math
import os

from proofs import examples as EX
from proofs.errors import NotSupported
from proofs.family import Chain

FIG_DPS = 20          # plotting needs ~3 digits; 20 keeps the solver in its tested range

# docs/theory.md section 6 examples, plus a few Gaussian starts that show the whole (K, a_1) plane
GAUSSIAN_STARTS = [("1", "0.5"), ("1", "0.9"), ("1", "-0.7"), ("2", "1.9"), ("0.6", "0.2"), ("1.5", "-1.45")]
QUARTIC_EXAMPLES = [(label, e.K, list(e.a))
                    for label, e in (("single well", EX.SINGLE_WELL), ("double well", EX.DOUBLE_WELL))]


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _f(x):
    return float(x)


def _u(point):
    """u = K / (a + rho), rho = sqrt(a^2 - K^2): the Gaussian chain's flow coordinate (docs/theory.md 3.1)."""
    K, a = _f(point.K), _f(point.a[0])
    return K / (a + math.sqrt(max(a * a - K * K, 0.0)))


def fig_gaussian_flow(outdir, steps=6):
    """The Gaussian decimation flow: in the u line (cobweb of u' = u^b) and in the (K, a_1) plane."""
    from numerics import api
    plt = _plt()
    fig, (ax_u, ax_k) = plt.subplots(1, 2, figsize=(11, 4.6))
    # u line: numeric flows (api.flow, exact backend) drawn as cobwebs over the map u -> u^b
    grid = [i / 200 for i in range(-200, 201)]
    for b, style in ((2, "-"), (3, "--")):
        ax_u.plot(grid, [g ** b for g in grid], style, color="0.5", lw=1, label=f"u' = u^{b}")
    ax_u.plot([-1, 1], [-1, 1], color="0.75", lw=0.8)
    for (a, K), colour in zip(GAUSSIAN_STARTS[:3], ("C0", "C1", "C2")):
        pts = api.flow(Chain.gaussian(K, a), scheme="decimation", b=2, steps=steps, dps=FIG_DPS)
        us = [_u(p) for p in pts]
        xs, ys = [us[0]], [us[0]]
        for u0, u1 in zip(us, us[1:]):
            xs += [u0, u1]
            ys += [u1, u1]
        ax_u.plot(xs, ys, color=colour, lw=1.2, marker=".", ms=4, label=f"(a, K) = ({a}, {K}), b = 2")
    ax_u.plot([0], [0], "o", color="k", ms=7, label="u* = 0 (stable, lambda = 0)")
    ax_u.plot([1], [1], "o", mfc="white", mec="r", ms=7, label="u* = 1 (critical, lambda = b)")
    ax_u.set(xlabel="u", ylabel="u'", title="Decimation in the u line", xlim=(-1.05, 1.05), ylim=(-1.05, 1.1))
    ax_u.legend(fontsize=7, loc="lower right")
    # (K, a_1) plane: flows, invariant hyperbolae a^2 - K^2 = rho^2, the line K = 0 of fixed points
    amax = 2.2
    for (a, K) in GAUSSIAN_STARTS:
        pts = api.flow(Chain.gaussian(K, a), scheme="decimation", b=2, steps=steps, dps=FIG_DPS)
        Ks, As = [_f(p.K) for p in pts], [_f(p.a[0]) for p in pts]
        line, = ax_k.plot(Ks, As, marker="o", ms=3, lw=1.2)
        rho = math.sqrt(As[0] ** 2 - Ks[0] ** 2)
        hk = [rho * math.sinh(t / 50) * (1 if Ks[0] >= 0 else -1) for t in range(0, 200)]
        ha = [math.sqrt(rho * rho + k * k) for k in hk]
        ax_k.plot(hk, ha, ":", color=line.get_color(), lw=0.8)
        ax_k.plot([0], [rho], "*", color=line.get_color(), ms=10)
    ax_k.plot([0, 0], [0, amax], color="k", lw=2.5, alpha=0.35, label="K = 0: line of fixed points")
    ax_k.fill_between([-amax, 0, amax], [amax, 0, amax], [0, 0, 0], color="r", alpha=0.07,
                      label="a_1 <= |K|: not admissible")
    ax_k.plot([-amax, 0, amax], [amax, 0, amax], color="r", lw=0.8)
    ax_k.set(xlabel="K", ylabel="a_1", title="Decimation in the (K, a_1) plane; * = theta* = (0, rho)",
             xlim=(-amax, amax), ylim=(0, amax))
    ax_k.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    name = "gaussian_flow.png"
    fig.savefig(os.path.join(outdir, name), dpi=110)
    plt.close(fig)
    return name, (f"Gaussian chain, decimation b = 2 ({steps} steps, numerics.api.flow at {FIG_DPS} digits). "
                  "Left: the flow in u = K/(a + rho) drawn as a cobweb over u' = u^b; fixed points u* = 0 "
                  "(stable) and u* = 1 (critical). Right: the same flows in (K, a_1); dotted: the invariant "
                  "a^2 - K^2 = rho^2; each flow lands on the line K = 0 at theta* = (0, rho) (star).")


def fig_quartic_flows(outdir, steps=None):
    """K, a_1, a_2 along the projected decimation and block-spin flows of the docs/theory.md quartic examples."""
    from numerics import api
    plt = _plt()
    schemes = (("decimation", steps or 8), ("block", steps or 14))
    notes = []
    fig, axes = plt.subplots(len(QUARTIC_EXAMPLES), len(schemes), figsize=(11, 7), squeeze=False)
    for i, (label, K, a) in enumerate(QUARTIC_EXAMPLES):
        for j, (scheme, n) in enumerate(schemes):
            ax = axes[i][j]
            pts = api.flow(Chain.polynomial(K, a), scheme=scheme, b=2, steps=n, dps=FIG_DPS)
            ms = list(range(len(pts)))
            ax.plot(ms, [_f(p.K) for p in pts], "o-", ms=3, color="C0", label="K")
            for k in range(len(pts[0].a)):
                ax.plot(ms, [_f(p.a[k]) for p in pts], "s-" if k == 0 else "^-", ms=3, color=f"C{k + 1}",
                        label=f"a_{k + 1}")
            ax.axhline(0, color="0.6", lw=0.6)
            try:        # the fixed point, computed by its own solver, as dashed levels
                fp = api.fixed_point(Chain.polynomial(K, a), scheme=scheme, b=2, dps=FIG_DPS)
                for k, v in enumerate((fp.K, *fp.a)):
                    ax.axhline(_f(v), color=f"C{k}", ls="--", lw=0.8)
            except Exception as exc:      # noqa: BLE001  (the figure says so instead of failing)
                notes.append(f"{label}, {scheme}: fixed point not drawn ({type(exc).__name__}: {exc})")
            ax.set(title=f"{label}: K = {K}, a = ({', '.join(a)}); {scheme}, b = 2", xlabel="RG step m")
            ax.title.set_fontsize(9)
            ax.legend(fontsize=7)
    fig.tight_layout()
    name = "quartic_flows.png"
    fig.savefig(os.path.join(outdir, name), dpi=110)
    plt.close(fig)
    return name, ("Projected RG flows of the quartic examples (docs/theory.md section 6), b = 2, numerics.api.flow "
                  f"at {FIG_DPS} digits; dashed: the fixed point from numerics.api.fixed_point (same colours). "
                  "Left: decimation (K -> 0, the single-site marginal is kept); right: variance-preserving "
                  "block-spin." + (" " + "; ".join(notes) if notes else ""))


def _history_series(history):
    """(x, {name: values}) from a training history: a dict of lists or a list of per-step dicts."""
    if isinstance(history, dict):
        series = {k: [float(v) for v in vs] for k, vs in history.items()
                  if k != "step" and isinstance(vs, (list, tuple)) and vs and _numberish(vs[0])}
        n = max((len(v) for v in series.values()), default=0)
        x = [float(s) for s in history["step"]] if "step" in history else list(range(n))
        return x, series
    if isinstance(history, (list, tuple)) and history and isinstance(history[0], dict):
        keys = [k for k in history[0] if k != "step" and _numberish(history[0][k])]
        x = [float(h.get("step", i)) for i, h in enumerate(history)]
        return x, {k: [float(h[k]) for h in history] for k in keys}
    if (isinstance(history, (list, tuple)) and history and isinstance(history[0], (list, tuple))
            and len(history[0]) == 2):           # [[step, loss], ...] (numerics.network.train)
        return [float(h[0]) for h in history], {"loss": [float(h[1]) for h in history]}
    if isinstance(history, (list, tuple)) and history and _numberish(history[0]):
        return list(range(len(history))), {"loss": [float(v) for v in history]}
    raise NotSupported(f"training history of type {type(history).__name__} has no series to plot")


def _numberish(v):
    try:
        float(v)
        return not isinstance(v, (str, bool))
    except (TypeError, ValueError):
        return False


def fig_training_curves(outdir, histories):
    """Training curves (loss and logged quantities vs step) for every run a claim left in the artifacts."""
    if not histories:
        raise NotSupported("no training ran (rgdnn check --quick skips training)")
    plt = _plt()
    n = len(histories)
    cols = min(n, 3)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.3 * rows), squeeze=False)
    for ax, (label, hist) in zip([a for r in axes for a in r], sorted(histories.items())):
        x, series = _history_series(hist)
        for k, ys in series.items():
            xs = x if len(x) == len(ys) else list(range(len(ys)))
            positive = all(y > 0 for y in ys)
            ax.plot(xs, ys, lw=1, label=k)
            if positive and k.startswith("loss"):
                ax.set_yscale("log")
        ax.set_title(label, fontsize=8)
        ax.set_xlabel("step")
        ax.legend(fontsize=6)
    for ax in [a for r in axes for a in r][n:]:
        ax.axis("off")
    fig.tight_layout()
    name = "training_curves.png"
    fig.savefig(os.path.join(outdir, name), dpi=110)
    plt.close(fig)
    return name, f"Training curves of the {n} network run(s) made by the checks (series as logged by numerics.network)."


def fig_chi_vs_theta(outdir, rows):
    """chi-hat (with 1-se error bars) against theta* across random parameters, one panel per component.

    For ``decimate`` the exact L-step RG value R^L(theta) is drawn as a cross: that, not
    theta*, is what the optimum gives at finite L (docs/theory.md 4.3).
    """
    missing = [r["missing"] for r in rows if "missing" in r]
    rows = [r for r in rows if "missing" not in r]
    if not rows:
        raise NotSupported("no chi-hat measurements (rgdnn check --quick skips training)"
                           + (f"; outside the family: {'; '.join(missing)}" if missing else ""))
    plt = _plt()
    comps = sorted({c for r in rows for c in r["chi"]}, key=lambda c: (c != "K", c))
    fig, axes = plt.subplots(1, len(comps), figsize=(4.6 * len(comps), 4.2), squeeze=False)
    objectives = sorted({r["objective"] for r in rows})
    for ax, comp in zip(axes[0], comps):
        # theta*_K = 0 for every chain, so K is drawn against the data's K (theta*_K as the line y = 0)
        xkey = "data" if comp == "K" else "theta_star"
        lo, hi = math.inf, -math.inf
        for j, obj in enumerate(objectives):
            sel = [r for r in rows if r["objective"] == obj and comp in r["chi"]]
            xs = [r[xkey][comp] for r in sel]
            ys = [r["chi"][comp] for r in sel]
            es = [r["se"][comp] for r in sel]
            ax.errorbar(xs, ys, yerr=es, fmt="os^D"[j % 4], color=f"C{j}", ms=4, capsize=3, label=f"{obj}: chi-hat")
            ref = [(r[xkey][comp], r["rg_L"][comp]) for r in sel if r.get("rg_L")]
            if ref:
                ax.plot(*zip(*ref), "x", color=f"C{j}", ms=8, label=f"{obj}: R^L(theta) exact")
            lo, hi = min([lo, *xs, *ys]), max([hi, *xs, *ys])
        pad = 0.05 * (hi - lo or 1)
        if comp == "K":
            ax.axhline(0, color="0.5", lw=0.8, label="theta*: K* = 0")
            ax.set(xlabel="data K", ylabel="chi-hat: K", title="K (theta*_K = 0)")
        else:
            ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], color="0.5", lw=0.8, label="chi = theta*")
            ax.set(xlabel=f"theta*: {comp}", ylabel=f"chi-hat: {comp}", title=comp)
        ax.legend(fontsize=7)
    fig.tight_layout()
    name = "chi_vs_theta.png"
    fig.savefig(os.path.join(outdir, name), dpi=110)
    plt.close(fig)
    return name, (f"Characteristic parameters chi-hat of trained feature layers against the RG fixed point theta* "
                  f"for {len(rows)} run(s) over random Gaussian parameters; error bars are one standard error; "
                  "crosses: the exact L-step RG value R^L(theta) that decimate's optimum gives."
                  + (f" Runs whose output lies outside the family: {'; '.join(missing)}." if missing else ""))


def fig_optimum_vs_optimizer(outdir, pts, margins, name="optimum_vs_optimizer.png", absolute=None):
    """KL rate to theta* against the loss gap, one panel per objective (docs/theory.md 4.4).

    Error bars: the equivalence test's bounds on d over the 95% confidence region of chi-hat.
    Colour: example; marker: initialization. d and gap are drawn on log axes with floors
    (1e-9 for d, 1e-12 for the gap), so a run at a floor has d or gap at or below it.
    ``margins``: one number (one dashed line), or {example: {"relative": delta, ...}} (the relative rule:
    a dashed line per example in its colour); ``absolute``: an absolute margin drawn dotted beside them.
    """
    if not isinstance(margins, dict):
        absolute, margins = margins, {}
    pts = [p for p in pts if p["d"] is not None and p["gap"] is not None]
    if not pts:
        raise NotSupported("no runs with both a KL rate and a loss gap")
    plt = _plt()
    objectives = list(dict.fromkeys(p["objective"] for p in pts))
    examples = list(dict.fromkeys(p["example"] for p in pts))
    markers = {"random": "o", "decimation": "s", "block": "^"}
    cols = min(3, len(objectives))
    rows_ = math.ceil(len(objectives) / cols)
    fig, axes = plt.subplots(rows_, cols, figsize=(4.8 * cols, 3.9 * rows_), squeeze=False)
    floor, gap_floor = 1e-9, 1e-12
    from matplotlib.ticker import NullFormatter
    for ax, obj in zip(axes.flat, objectives):
        for p in (q for q in pts if q["objective"] == obj):
            x, y = max(abs(p["gap"]), gap_floor), max(p["d"], floor)
            lo = y - max(p["lower"] if p["lower"] is not None else y, floor)
            hi = max(p["upper"] if p["upper"] is not None else y, floor) - y
            ax.errorbar([x], [y], yerr=[[max(lo, 0)], [max(hi, 0)]], fmt=markers.get(p["init"], "D"),
                        color=f"C{examples.index(p['example'])}", ms=5, capsize=2, alpha=0.85)
        for ex, m in margins.items():
            if ex in examples:
                ax.axhline(m["relative"], color=f"C{examples.index(ex)}", ls="--", lw=0.8)
        if absolute is not None:
            ax.axhline(absolute, color="0.4", ls=":", lw=0.9)
        kinds = {p["gap_kind"] for p in pts if p["objective"] == obj}
        ax.set(xscale="log", yscale="log", title=obj, ylabel="KL rate to theta* (nats/site)",
               xlabel="loss gap" + (" (to the best run)" if kinds == {"best run"} else ""))
        ax.xaxis.set_minor_formatter(NullFormatter())      # narrow log ranges: minor labels overlap
    for ax in list(axes.flat)[len(objectives):]:
        ax.axis("off")
    handles = [plt.Line2D([], [], color=f"C{i}", marker="o", ls="", label=e) for i, e in enumerate(examples)]
    handles += [plt.Line2D([], [], color="0.3", marker=m, ls="", label=f"init {i}") for i, m in markers.items()]
    if margins:
        handles.append(plt.Line2D([], [], color="0.4", ls="--", label="margin 0.01 d(theta || theta*)"))
    if absolute is not None:
        handles.append(plt.Line2D([], [], color="0.4", ls=":", label=f"margin {absolute:g}"))
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 5), fontsize=7)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.savefig(os.path.join(outdir, name), dpi=110)
    plt.close(fig)
    return name, ("Optimum vs optimizer: the KL rate per site from each trained network's fitted output chain to "
                  "p_theta* against its loss gap, per objective; colour = example, marker = initialization; "
                  + ("dashed = the equivalence margin 0.01 d(theta || theta*) of each example (its colour), "
                     if margins else "")
                  + (f"dotted = the absolute margin {absolute:g} nats per site. " if absolute is not None else "")
                  + "The gap is drawn as |gap|: a negative gap is the estimated "
                  "loss falling below the optimum by sampling noise. If d falls below the margin as the gap goes "
                  "to 0, the optimum satisfies Theorem D and a miss is the optimizer's; if d stays above it, the "
                  "optimum "
                  "does not (docs/theory.md 4.4).")


def fig_results(rows, demos, path):
    """docs figure: decimate chi_K against depth, the infomax scale demonstration, training curves."""
    import numpy as np

    plt = _plt()
    fig, ax = plt.subplots(1, 3, figsize=(14, 4))
    if demos:
        dd = demos["decimate_depth"]
        Ls = [r["config"]["layers"] for r in dd]
        ax[0].errorbar(Ls, [r["chi"]["K"] for r in dd], yerr=[r["se"]["K"] for r in dd], fmt="o", capsize=4,
                       label="chi-hat K (trained, +-1 s.e.)")
        ax[0].plot(Ls, [r["rg_L"]["K"] for r in dd], "x--", ms=9, label="R^L(theta): K_L (exact)")
        ax[0].axhline(0, color="0.5", lw=0.8, label="theta*: K* = 0")
        ax[0].set(xlabel="depth L (N = 16 * 2^L)", ylabel="K", title="decimate, Gaussian (a, K) = (1, 1/2)")
        ax[0].legend(fontsize=7)
        s = demos["infomax_scale"]
        names = ["chi-hat a (s^2 = 1)", "constraint 1/(2 s^2)", "theta*: a* = rho"]
        vals = [s["chi"]["a"][0], s["theta_constraint"]["a"][0], s["theta_star"]["a"][0]]
        ax[1].bar(names, vals, yerr=[s["se"]["a"][0], 0, 0], color=["C0", "C1", "C2"], capsize=4)
        ax[1].set(ylabel="a_1", title="infomax with another scale: a_out follows the constraint")
        ax[1].tick_params(axis="x", labelsize=7)
    for r in rows:
        if r["example"].startswith("Gaussian") and r["config"]["seed"] == 0 and r.get("history"):
            h = np.array(r["history"], dtype=float)
            y = h[:, 1] - (r["loss_optimum"] or 0.0)
            label = r["objective"] + ("" if r["loss_optimum"] is not None else " (raw loss: optimum unknown)")
            ax[2].plot(h[:, 0], np.abs(y) + 1e-16, lw=1, label=label)
    ax[2].set(yscale="log", xlabel="step", ylabel="|training loss - optimum| (batch estimate)",
              title="training curves, Gaussian example, seed 0")
    ax[2].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def fig_depth(outdir, runs, name):
    """One chain of the depth study: log|u_L| against L (left) and the kurtosis against L (right), every objective.

    ``runs``: the study's entries for one chain ({"objective", "document"}, ``paper_checks.depth.documents``).
    Each objective's marker is the mean over its seeds at each L with error bars of +-1 combined s.e.
    (the s.e. of each seed and the spread of the seeds: sqrt(mean se^2 + var over seeds)); log|u_L| is drawn
    where |u_L| exceeds twice its s.e. (resolved), else at the floor. Lines: the schemes' references
    |u| of R^L(theta) and B^L(theta); in the kurtosis panel the references' kurtosis and both fixed points'.
    Ising chains have no kurtosis: one panel.
    """
    import numpy as np

    docs = [r for r in runs if r.get("document")]
    if not docs:
        raise NotSupported("no depth run of this chain has a document")
    d0 = docs[0]["document"]
    ising = d0["chain"]["ising"]
    one = ising or len(d0["chain"]["a"]) == 1         # Ising: no kurtosis; Gaussian: chi fitted with kurtosis 3
    plt = _plt()
    from matplotlib.ticker import MaxNLocator
    fig, axes = plt.subplots(1, 1 if one else 2, figsize=(5.6 if one else 11.5, 4.2), squeeze=False)
    ax_u = axes[0][0]
    floor = 1e-4
    Lmax = max(r["L"] for d in docs for r in d["document"]["layers"])
    refs = d0["references"]
    Ls = np.arange(0, Lmax + 1)
    u0 = abs(d0["data"]["u"])
    styles = {"decimation": ("k", "--", "decimation R^L"), "block": ("0.45", "-.", "block B^L")}
    for s, (col, ls, label) in styles.items():
        us = [u0] + [abs(r["u"]) for r in refs[s][:Lmax]]
        ax_u.plot(Ls, [max(v, 1e-300) for v in us], color=col, ls=ls, lw=1.2,
                  label=label + (" (majority)" if ising and s == "block" else ""))
    for i, run in enumerate(docs):
        rows = run["document"]["layers"]
        pts = []
        for L in sorted({r["L"] for r in rows}):
            rs = [r for r in rows if r["L"] == L and r["u"] is not None]
            if not rs:
                continue
            us = np.array([abs(r["u"]) for r in rs])
            se = np.array([r["u_se"] or 0.0 for r in rs])
            spread = us.var(ddof=1) if len(us) > 1 else 0.0
            pts.append((L + 0.06 * (i - len(docs) / 2), us.mean(), math.sqrt((se ** 2).mean() + spread)))
        if pts:
            x, y, e = map(np.array, zip(*pts))
            resolved = y > 2 * e
            ax_u.errorbar(x[resolved], y[resolved], yerr=e[resolved], fmt="o", ms=4, capsize=2, color=f"C{i}",
                          label=run["objective"])
            if (~resolved).any():
                ax_u.plot(x[~resolved], np.full((~resolved).sum(), floor), "v", ms=4, color=f"C{i}", alpha=0.6)
    ax_u.set(yscale="log", xlabel="depth L (N = M b^L)", ylabel="|u_L| = |lambda_1 / lambda_0|",
             ylim=(floor / 2, 1.0), title="contraction of |u_L|")
    ax_u.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_u.legend(fontsize=7, ncol=2)
    if not one:
        ax_k = axes[0][1]
        for s, (col, ls, label) in styles.items():
            ks = [d0["data"]["shape"]] + [r["shape"] for r in refs[s][:Lmax]]
            ax_k.plot(Ls, ks, color=col, ls=ls, lw=1.2, label=label)
        fp = d0["fixed_points"]
        ax_k.axhline(fp["decimation"]["shape"], color="k", ls=":", lw=1, label="decimation fixed point (0; a*)")
        ax_k.axhline(fp["block"]["shape"], color="0.45", ls=":", lw=1, label="block-spin fixed point")
        for i, run in enumerate(docs):
            rows = [r for r in run["document"]["layers"] if r["shape"] is not None]
            pts = []
            for L in sorted({r["L"] for r in rows}):
                rs = [r for r in rows if r["L"] == L]
                ks = np.array([r["shape"] for r in rs])
                se = np.array([r["shape_se"] or 0.0 for r in rs])
                spread = ks.var(ddof=1) if len(ks) > 1 else 0.0
                pts.append((L + 0.06 * (i - len(docs) / 2), ks.mean(), math.sqrt((se ** 2).mean() + spread)))
            if pts:
                x, y, e = map(np.array, zip(*pts))
                ax_k.errorbar(x, y, yerr=e, fmt="o", ms=4, capsize=2, color=f"C{i}", label=run["objective"])
        ax_k.set(xlabel="depth L (N = M b^L)", ylabel="kurtosis m_4 / m_2^2 of chi", title="shape")
        ax_k.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax_k.legend(fontsize=7, ncol=2)
    chain = d0["chain"]
    fig.suptitle(("Ising K = " + chain["K"]) if ising else f"K = {chain['K']}, a = ({', '.join(chain['a'])})",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, name), dpi=110)
    plt.close(fig)
    return name, ("Depth flow of the trained features, per objective (mean over seeds, +-1 s.e. combining each "
                  "seed's s.e. and the spread of the seeds): |u_L| on a log axis against depth L with the one-shot "
                  "references of decimation R^L(theta) and block spins B^L(theta) (L = 0: the data)"
                  + ("" if one else "; and the kurtosis of chi with the references' and both fixed points'")
                  + ("; Gaussian chain: chi is fitted in the Gaussian family (kurtosis 3), so only u is drawn"
                     if one and not ising else "")
                  + ". Triangles at the bottom: |u_L| not resolved (below twice its s.e.).")

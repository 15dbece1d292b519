"""Optimum vs optimizer: distance to theta* against the loss gap, over initializations and seeds (docs/theory.md 4.4).

A trained network that misses theta* says nothing about Theorem D unless it reached the optimum.
The protocol trains every (example, objective) from several starts -- torch's random init, near the
decimation map, near the block-spin map -- and seeds, and for each run records

    gap = loss - optimum      (known optimum; or, where the optimum is unknown, loss - the best loss
                               of that (example, objective) in the study, labelled as such)
    d   = KL rate per site between the fitted output chain and p_theta* (docs/theory.md 4.4), with the
          bounds and the verdict of the equivalence test (margin stated before the run)

and answers, per (example, objective): does d go to 0 as the gap goes to 0?

- ``reaches theta*``: the runs with the smallest gaps (the best third, at least 3) are all `equivalent`;
- ``misses theta*``: they are all `different` -- the optimum itself does not satisfy Theorem D, as far
  as the best runs reach it;
- ``undetermined``: anything else.
A miss from a random start next to a hit from a near-RG start with a smaller gap is the optimizer's,
not the optimum's. Spearman's rank correlation of (gap, d) is reported as a trend, not as the verdict.

>>> rows = [{"example": "e", "objective": "o", "init": i, "seed": 0, "gap": g, "gap_kind": "optimum",
...          "d": d, "lower": 0.0, "upper": d * 2, "verdict": v}
...         for i, g, d, v in (("random", 0.1, 0.02, "different"), ("decimation", 1e-4, 1e-5, "equivalent"),
...                            ("block", 2e-4, 2e-5, "equivalent"), ("random", 3e-4, 3e-5, "equivalent"))]
>>> summarize(rows)[0]["answer"]
'reaches theta*'
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from proofs.errors import NotSupported

INITS = ("random", "decimation", "block")
# Small networks keep the study (objectives x examples x 3 inits x 3 seeds) within minutes per core.
DEFAULT_OVERRIDES = {"N": 32, "M": 8, "layers": 2, "eval_samples": 8192}

# The stored study the check report draws (written by `rgdnn protocol --json-out`; shipped as package data).
STORED = Path(__file__).parent / "data" / "protocol.json"


def load_stored(path=STORED):
    """(rows, margin, command) of a study written by `rgdnn protocol --json-out`; NotSupported if absent."""
    try:
        data = json.loads(Path(path).read_text())
        return data["rows"], data["margin"], data["command"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise NotSupported(f"no stored protocol study at {path} ({type(exc).__name__}); "
                           "write one with `rgdnn protocol --json-out`") from None


def run(examples, objectives, store, *, inits=INITS, seeds=(0, 1, 2), workers=1, progress=True, overrides=None):
    """Train every (init, example, objective, seed) into the store directory (a preset spec of the pipeline,
    ``paper_checks.sweep.presets``; a rerun loads the finished runs); the Study, one slim row per run."""
    from paper_checks.sweep.presets import StudySpec, run_study
    extra = dict(DEFAULT_OVERRIDES if overrides is None else overrides)
    spec = StudySpec(examples=tuple(examples.items()), objectives=tuple(objectives), seeds=tuple(seeds),
                     variants=tuple({**extra, "init": init} for init in inits))
    return run_study(spec, store, workers=workers, progress=progress, desc="protocol")


def points(rows):
    """(example, objective, init, seed, gap, gap_kind, d, lower, upper, verdict) per run, against theta*."""
    out = []
    for r in rows:
        eq = (r.get("equivalence") or {}).get("theta_star") or {}
        out.append({"example": r["example"], "objective": r["objective"], "agreement": r.get("agreement"),
                    "init": r["config"].get("init", "random"),
                    "seed": r["config"]["seed"], "gap": r.get("loss_gap"), "loss": r.get("loss"),
                    "gap_kind": "optimum" if r.get("loss_gap") is not None else None,
                    "d": (r.get("kl_per_site") or {}).get("theta_star"), "lower": eq.get("lower"),
                    "upper": eq.get("upper"), "verdict": eq.get("verdict", "no chi-hat")})
    for key in {(p["example"], p["objective"]) for p in out}:
        grp = [p for p in out if (p["example"], p["objective"]) == key]
        if any(p["gap"] is None for p in grp):          # optimum unknown: gap to the best loss seen
            best = min(p["loss"] for p in grp if p["loss"] is not None)
            for p in grp:
                p["gap"], p["gap_kind"] = (None if p["loss"] is None else p["loss"] - best), "best run"
    return out


def example_margins(rows, absolute):
    """{example: {"relative": 0.01 d(theta || theta*), "d_theta_star": d, "absolute": absolute}} from the rows'
    configurations and theta* (``numerics.network.effect.data_margin``); an example whose data chain is its own
    fixed point (K = 0) has no relative margin and is left out."""
    from numerics.network.effect import data_margin
    out = {}
    for r in rows:
        if r["example"] in out or r.get("theta_star") is None:
            continue
        m = data_margin(r["config"], r["theta_star"])
        if m is not None:
            out[r["example"]] = {"relative": m[0], "d_theta_star": m[1], "absolute": absolute}
    return out


def at_margin(pts, margin_of):
    """The points with each verdict re-judged from its stored KL bounds at ``margin_of(example)``
    (``effect.verdict_at``: the bounds do not depend on the margin); a point without bounds, or an example
    without a margin (None), keeps its verdict."""
    from numerics.network.effect import verdict_at
    out = []
    for p in pts:
        m = margin_of(p["example"])
        v = verdict_at(p, m) if m is not None and p.get("lower") is not None else None
        out.append({**p, "verdict": v or p["verdict"]})
    return out


def absolute_margin(margin):
    """The absolute margin shown beside the relative rule: the study's own (a number), else 1e-3."""
    from numerics.network.effect import MARGIN
    return margin if isinstance(margin, (int, float)) and not isinstance(margin, bool) else MARGIN


def summarize_both(rows, margin):
    """Answers at the relative rule and at the absolute margin, from one study's rows (no retraining).

    ``margin``: the study's margin as configured ("relative" or a number). Returns {"summary": one entry per
    (example, objective) at the relative rule, each with "answer_absolute", "best_verdicts_absolute",
    "by_init_absolute", "margin", "margin_absolute"; "margins": ``example_margins``; "absolute": the
    absolute margin; "points": the points at the relative rule; "changed": the entries whose answer differs}.
    """
    absolute = absolute_margin(margin)
    margins = example_margins(rows, absolute)
    pts = points(rows)
    rel = at_margin(pts, lambda ex: (margins.get(ex) or {}).get("relative"))
    ab = summarize(at_margin(pts, lambda ex: absolute))
    summary = summarize(rel)
    for s, t in zip(summary, ab):
        s.update(answer_absolute=t["answer"], best_verdicts_absolute=t["best_verdicts"],
                 by_init_absolute=t["by_init"], margin=(margins.get(s["example"]) or {}).get("relative"),
                 margin_absolute=absolute)
    changed = [s for s in summary if s["answer"] != s["answer_absolute"]]
    return {"summary": summary, "margins": margins, "absolute": absolute, "points": rel, "changed": changed}


def _spearman(x, y):
    def ranks(v):
        order = sorted(range(len(v)), key=v.__getitem__)
        r = [0.0] * len(v)
        for k, i in enumerate(order):
            r[i] = float(k)
        return r
    if len(x) < 3:
        return None
    rx, ry = ranks(x), ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else None


def summarize(pts):
    """One answer per (example, objective): does the distance to theta* vanish as the loss gap does?"""
    out = []
    for key in dict.fromkeys((p["example"], p["objective"]) for p in pts):
        grp = [p for p in pts if (p["example"], p["objective"]) == key and p["gap"] is not None]
        grp.sort(key=lambda p: p["gap"])
        best = grp[:max(3, len(grp) // 3)]
        verdicts = [p["verdict"] for p in best]
        if best and all(v == "equivalent" for v in verdicts):
            answer = "reaches theta*"
        elif best and all(v == "different" for v in verdicts):
            answer = "misses theta*"
        else:
            answer = "undetermined"
        usable = [p for p in grp if p["d"] is not None]
        kind = next((p["agreement"] for p in grp if p.get("agreement")), None)
        out.append({"example": key[0], "objective": key[1], "kind": kind, "runs": len(grp), "answer": answer,
                    "best_gaps": [p["gap"] for p in best], "best_verdicts": verdicts,
                    "best_d": [p["d"] for p in best], "gap_kind": grp[0]["gap_kind"] if grp else None,
                    "spearman_gap_d": _spearman([p["gap"] for p in usable], [p["d"] for p in usable]),
                    "by_init": {i: sorted(p["verdict"] for p in grp if p["init"] == i) for i in INITS}})
    return out


def markdown(both, *, command="", figure=None, heading=True):
    """The protocol's Markdown: the question, the rule, one row per (example, objective) at both margins.

    ``both``: ``summarize_both``'s result.
    """
    summary, margins, absolute = both["summary"], both["margins"], both["absolute"]
    a = f"{absolute:g}"
    per_example = "; ".join(f"{ex} {m['relative']:.2g}" for ex, m in margins.items()) or "-"
    L = ["# Optimum vs optimizer (docs/theory.md 4.4)", ""] if heading else []
    L += [f"Produced by `{command}`." if command else "", "",
         "Each (example, objective) is trained from three starts (torch's random init; near the decimation map; "
         "near the block-spin map, each plus N(0, 0.01^2) noise) with three seeds. d is the KL rate per site from "
         "the fitted output chain to p_theta*; the verdict is the equivalence test over the 95% confidence region "
         "of chi-hat, at two margins: **0.01 d**, the default rule delta = 0.01 d(theta || theta*) of docs/theory.md "
         f"4.4 (per example: {per_example} nats per "
         f"site), and **{a}**, an absolute margin in nats per site. The bounds on d do not depend on the margin, "
         "so both verdicts come from the same stored bounds, without retraining. gap = loss - optimum where the "
         "optimum is known (or a lower bound), otherwise loss - the best loss of the group ('best run'); the loss is "
         "estimated on the estimation set, so a gap can be slightly negative by sampling noise.", "",
         "Answer: `reaches theta*` when the best third of the runs by gap (at least 3) are all equivalent; "
         "`misses theta*` when they are all different; otherwise `undetermined`. Spearman's rho(gap, d) is a "
         "trend over all runs (positive: closer to the optimum, closer to theta*).", "",
         "The kind column says what reaching theta* would mean: only `emergent` rows test the paper; "
         "`definitional` and `teacher` rows test the optimizer (docs/theory.md 4.4).", "",
         f"| example | objective | kind | runs | answer at 0.01 d | answer at {a} | smallest gaps | their d | "
         f"their verdicts at 0.01 d / {a} | gap kind | rho(gap, d) | verdicts by init at 0.01 d (random / "
         "decimation / block) |",
         "|---|---|---|---:|---|---|---|---|---|---|---:|---|"]
    fmt = lambda v: "-" if v is None else f"{v:.2g}"  # noqa: E731
    for s in summary:
        byi = " / ".join(",".join(_short(v) for v in s["by_init"].get(i, [])) or "-" for i in INITS)
        L.append(f"| {s['example']} | {s['objective']} | {s['kind'] or '-'} | {s['runs']} | **{s['answer']}** | "
                 f"{s['answer_absolute']} | {', '.join(fmt(g) for g in s['best_gaps'])} | "
                 f"{', '.join(fmt(d) for d in s['best_d'])} | {', '.join(_short(v) for v in s['best_verdicts'])} / "
                 f"{', '.join(_short(v) for v in s['best_verdicts_absolute'])} | {s['gap_kind']} | "
                 f"{fmt(s['spearman_gap_d'])} | {byi} |")
    L.append("")
    L.append("Verdict letters: E equivalent, D different, U undetermined, - no chi-hat (outputs outside the family).")
    ch = both["changed"]
    L += ["", f"Answers that differ between the two margins ({len(ch)} of {len(summary)}): "
          + ("; ".join(f"{s['example']}, {s['objective']}: {s['answer']} at 0.01 d, {s['answer_absolute']} at {a}"
                       for s in ch) + "." if ch else "none.")]
    if figure:
        L += ["", f"![distance to theta* against the loss gap]({figure})", ""]
    return "\n".join(L) + "\n"


def size_label(rows):
    """'N = 32, M = 8, L = 2': the network size of a study's runs (from the first run's configuration)."""
    c = rows[0]["config"] if rows else {}
    return f"N = {c.get('N')}, M = {c.get('M')}, L = {c.get('layers')}"


def beside_markdown(both, other, *, here, there, command=""):
    """A table of the answers of two studies side by side (e.g. two network sizes), at both margins.

    ``both``, ``other``: ``summarize_both`` of each study; ``here``, ``there``: their labels (``size_label``).
    Groups present in one study only show '-' in the other.
    """
    a = f"{both['absolute']:g}"
    theirs = {(s["example"], s["objective"]): s for s in other["summary"]}
    L = [f"## Beside the run at {there}", "",
         f"The same protocol run at {there}" + (f" (`{command}`)" if command else "") + ": each group's answer "
         f"at the relative rule 0.01 d and at {a}, here ({here}) and there.", "",
         f"| example | objective | kind | 0.01 d: {here} | 0.01 d: {there} | {a}: {here} | {a}: {there} |",
         "|---|---|---|---|---|---|---|"]
    same = 0
    for s in both["summary"]:
        t = theirs.get((s["example"], s["objective"])) or {}
        same += t.get("answer") == s["answer"]
        L.append(f"| {s['example']} | {s['objective']} | {s['kind'] or '-'} | **{s['answer']}** | "
                 f"{t.get('answer', '-')} | {s['answer_absolute']} | {t.get('answer_absolute', '-')} |")
    L += ["", f"At 0.01 d, {same} of {len(both['summary'])} answers are the same at both sizes.", ""]
    return "\n".join(L)


def _short(v):
    return {"equivalent": "E", "different": "D", "undetermined": "U"}.get(v, "-")

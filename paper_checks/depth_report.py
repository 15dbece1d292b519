"""The depth study rendered: docs/depth.md, its figures, and the answer table "which RG each objective performs".

The study's stored data (``rgdnn depth-study --json-out``; the copy the check report draws is
``STORED``, shipped with the package) is

    {"command", "spec", "budget", "runs": [{"name", "example", "objective", "document", "failed"}], "seconds",
     "reading" (optional: what the results say, written into the stored copy after the run)}

with one depth document per (example, objective) (``numerics.network.depth.document``, trained route,
every seed). ``markdown`` renders it, ``answer_table`` gives the table for the README, ``write_figures``
draws ``depth_<example key>.png`` per chain (``paper_checks.figures.fig_depth``). Nothing here trains.

>>> answer_table({"runs": []}).splitlines()[0]
'| objective | kind | Gaussian | single well | double well | Ising | evidence |'
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

from proofs.errors import NotSupported

STORED = Path(__file__).parent / "data" / "depth.json"
STUDY_COMMAND = ("rgdnn depth-study --workers 2 --out docs/depth.md --json-out paper_checks/data/depth.json "
                 "--figure-dir docs/figures")

# What the budget check measured (`python benchmarks/bench_depth.py --no-exact --budget`: Gaussian example, seed 0,
# L = 1..5, the budget B against 4 B steps on the same estimation set, so a difference is the network's alone).
BUDGET_EVIDENCE = (
    "**Is the budget enough?** `python benchmarks/bench_depth.py --no-exact --budget` trains the Gaussian example at "
    "L = 1..5 (seed 0) with the budget B and with 4 B steps, and reads both on the same estimation set, so a "
    "difference is the network's alone (s.e. of u about 0.003). `decimate` (400 steps): u_L the same at B and 4 B, "
    "loss gap <= 3e-13 (the optimum W = D is reached). `infomax` (1500): u_L moves by at most 0.5 s.e.; loss gap "
    "<= 5e-4 at L <= 4, but 0.14 at L = 5 (2e-3 at 4 B): u is resolved although the deepest network is not at "
    "its constrained optimum. `rsmi`: at 600 steps u_L moved by 4-6 s.e. at L = 2..4 when trained 4 times longer, "
    "where it came within 1.3 s.e. of the exact greedy optimum (u_2..u_4 = -0.089, -0.053, -0.030 against "
    "-0.088, -0.049, -0.026) and the gap to the exact maximum (InfoNCE slack included) fell from 7e-3 to 5e-4 "
    "nats; 1800 steps left u_3 on the wrong filter (+0.026, 8 s.e. off). The budget is therefore 2400 steps, with "
    "the block network f one linear map R^b -> R (rsmi_hidden = 0: the same function class as the default linear f "
    "with a hidden layer of 8, and 0.6 to 0.9 of its time per step in a measurement under load): u_1..u_4 = "
    "0.169, -0.089, -0.046, -0.030, within 1.4 s.e. of the optimum, u_5 = -0.005 against -0.013 (3 s.e.), gaps "
    "<= 1.1e-3 nats. `autoencoder` (1500): the loss is at the Eckart-Young optimum at "
    "both budgets (gaps within +-2e-3, the estimate's noise), yet u_L moves by 2 to 22 s.e.: the optimum does not "
    "fix u (every rotation of the top-M subspace is optimal, docs/theory.md 4.3), so these rows record where the "
    "optimizer stopped, and training longer does not settle them. `rbm` (1000): the loss, the KL rate from the "
    "data to the machine (0.007 to 0.034 nats per site; 8 hidden units cannot reach 0), is the same at both "
    "budgets to two digits, yet u_1 moves from 0.082 to 0.046 (10 s.e.): flat directions of the likelihood, as "
    "for the autoencoder. `regress-theta` has no known optimum and was not checked.")

KIND_MEANING = {
    "teacher": "teacher: the loss imposes the output law R^L(theta); agreement with decimation is a consistency "
               "check of the pipeline, not evidence",
    "definitional": "definitional: the constraints write the data's single-site moments and zero correlation into "
                    "the features, so reaching the decimation fixed point (0; a*) is by definition, not evidence",
    "emergent": "emergent: nothing of theta, theta* or its moments is in the loss; whatever scheme and fixed point "
                "the features follow is evidence about what the objective does",
}
SHORT = {"flows to the decimation fixed point": "decimation FP", "flows to the block-spin fixed point": "block-spin FP",
         "flows elsewhere": "elsewhere", "undetermined": "undetermined"}
CHAIN_COLUMNS = (("gaussian", "Gaussian"), ("single-well", "single well"), ("double-well", "double well"),
                 ("ising", "Ising"))


def example_key(name):
    """The ``proofs.examples`` key of an example's table name (None when it is not a standard example)."""
    from proofs.examples import BY_KEY
    return next((k for k, e in BY_KEY.items() if e.name == name), None)


def load_stored(path=STORED):
    """The stored study (what ``rgdnn depth-study --json-out`` wrote); NotSupported if absent or unreadable."""
    try:
        data = json.loads(Path(path).read_text())
        data["runs"]                                    # noqa: B018 -- the one key everything needs
        return data
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise NotSupported(f"no stored depth study at {path} ({type(exc).__name__}); write one with "
                           "`rgdnn depth-study --json-out`") from None


def anchor(text):
    """The GitHub-style anchor of a Markdown heading."""
    keep = "".join(c for c in text.lower() if c.isalnum() or c in " -_")
    return keep.replace(" ", "-")


def _heading(run):
    return f"{run['objective']} on {run['example']}"


def _cell(run):
    """'scheme / fixed point' of a run, for the answer table."""
    doc = run.get("document")
    if doc is None:
        return "not run" if not run.get("failed") else "failed"
    seeds = doc.get("per_seed") or []
    split = ""
    if len(seeds) > 1 and (doc["scheme"] == "undetermined" or doc["fixed_point"] == "undetermined"):
        split = " (seeds: " + ", ".join(f"{p['scheme']}/{SHORT.get(p['fixed_point'], p['fixed_point'])}"
                                        for p in seeds) + ")"
    return f"{doc['scheme']} / {SHORT.get(doc['fixed_point'], doc['fixed_point'])}{split}"


def answer_table(data, *, link="docs/depth.md"):
    """The Markdown table "which RG each objective performs": scheme / fixed point per chain, and where the evidence is.

    One row per objective, one column per standard chain: the study's `scheme` verdict and its `fixed_point`
    verdict (docs/theory.md 4.5; the seeds' common verdict, else undetermined, with each seed's), the
    agreement kind (only emergent rows are evidence), and links to the sections of ``link``.
    """
    runs = data.get("runs") or []
    L = ["| objective | kind | " + " | ".join(c for _, c in CHAIN_COLUMNS) + " | evidence |",
         "|---|---|" + "---|" * len(CHAIN_COLUMNS) + "---|"]
    for obj in dict.fromkeys(r["objective"] for r in runs):
        mine = {example_key(r["example"]): r for r in runs if r["objective"] == obj}
        kind = next((r["document"]["agreement"] for r in mine.values() if r.get("document")), "-")
        cells = [_cell(mine[k]) if k in mine else "-" for k, _ in CHAIN_COLUMNS]
        links = ", ".join(f"[{c}]({link}#{anchor(_heading(mine[k]))})" for k, c in CHAIN_COLUMNS if k in mine)
        L.append(f"| {obj} | {kind} | " + " | ".join(cells) + f" | {links} |")
    return "\n".join(L) + "\n"


def _g(v, d=3):
    if v is None:
        return "-"
    if isinstance(v, float) and not math.isfinite(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.{d}g}"


def _pm(v, se, d=3):
    if v is None:
        return "-"
    return f"{v:.{d}g} +- {se:.1g}" if se is not None else _g(v, d)


LETTER = {"equivalent": "E", "different": "D", "undetermined": "U"}


def _kl(k):
    if not k or k.get("d") is None:
        return "- U"
    return f"{k['d']:.1e} {LETTER.get(k['verdict'], '?')}"


def _contraction(doc):
    """'c = factor +- se per layer (beta = ..)' per seed, and the schemes' factors over the same layers."""
    con = doc.get("contraction") or {}
    items = con.get("by_seed") or ([{"seed": (doc.get("per_seed") or [{}])[0].get("seed"), **con}] if con else [])
    out = []
    for c in items:
        if c.get("factor") is None:
            out.append(f"seed {c.get('seed')}: not fitted ({c.get('reason', 'fewer than two resolved layers')})")
            continue
        refs = c.get("references") or {}
        ref = ", ".join(f"{s} {_g((refs.get(s) or {}).get('factor'))}" for s in ("decimation", "block"))
        out.append(f"seed {c.get('seed')}: c = {_pm(c['factor'], c.get('factor_se'))} per layer over L = "
                   f"{', '.join(str(v) for v in c.get('layers', []))} (schemes over the same layers: {ref})")
    return out


def _run_markdown(run):
    doc = run["document"]
    head = _heading(run)
    L = [f"### {head}", ""]
    if doc is None:
        L += ["No network finished: " + "; ".join(f"L = {f['L']}, seed {f['seed']}: {f['error']}"
                                                  for f in run.get("failed", [])[:3]), ""]
        return L
    L += [f"Kind: {KIND_MEANING.get(doc['agreement'], doc['agreement'])}.", "",
          f"**scheme: {doc['scheme']}**; **fixed point: {doc['fixed_point']}**"
          + (" (per seed: " + "; ".join(f"{p['seed']}: {p['scheme']}, {p['fixed_point']}" for p in doc["per_seed"])
             + ")" if len(doc.get("per_seed", [])) > 1 else "") + ".", ""]
    L += [f"- contraction of |u_L|: {line}" for line in _contraction(doc)]
    if run.get("failed"):
        L.append(f"- missing networks: {len(run['failed'])} (first: L = {run['failed'][0]['L']}, seed "
                 f"{run['failed'][0]['seed']}: {run['failed'][0]['error']})")
    refs = doc["references"]
    L += ["", "| L | seed | N | u +- s.e. | R^L u | B^L u | kurtosis +- s.e. | d to R^L | d to B^L | d to dec. FP "
          "| d to block FP | loss gap | flags |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in doc["layers"]:
        det = r.get("details") or {}
        i = r["L"] - 1
        ru, bu = (refs[s][i]["u"] if i < len(refs[s]) else None for s in ("decimation", "block"))
        flags = (det.get("no_chi_hat")
                 or ", ".join(f"{k} z={v:+.0f}" for k, v in (det.get("flags") or {}).items()) or "-")
        L.append(f"| {r['L']} | {r['seed']} | {det.get('N', '-')} | {_pm(r['u'], r['u_se'])} | {_g(ru)} | {_g(bu)} | "
                 f"{_pm(r['shape'], r['shape_se'])} | " + " | ".join(_kl(r['kl'].get(k)) for k in
                 ("decimation", "block", "decimation_fixed_point", "block_fixed_point"))
                 + f" | {_g(det.get('loss_gap'), 2)} | {flags} |")
    L.append("")
    return L


def markdown(data, *, figures=None):
    """docs/depth.md from the stored study ``data``; ``figures``: {example key: path relative to the Markdown}."""
    runs = data.get("runs") or []
    budget = data.get("budget") or {}
    L = ["# Depth study: which RG does a trained network perform? (docs/theory.md 4.5)", ""]
    if not runs:
        L += ["**Not run yet.** This page is written by the study itself; until it has run it holds the method only. "
              f"Run `{STUDY_COMMAND}` (resumable: a rerun skips the finished networks; "
              "`rgdnn depth-study --from-json paper_checks/data/depth.json` re-renders the page). Expected cost: "
              "one seed of every run took about 1560 CPU seconds under load (`python benchmarks/bench_depth.py "
              "--no-exact --trained`), so the three seeds take about 40 minutes with two workers on two free "
              "cores.", ""]
    if data.get("command"):
        took = f" in {data['seconds'] / 60:.0f} min" if data.get("seconds") else ""
        L += [f"Produced by `{data['command']}`" + took
              + "; re-rendered from its stored results by `rgdnn depth-study --from-json FILE`.", ""]
    L += ["For every objective and standard chain (docs/theory.md 6), one network per depth L = 1..5 and seed, "
          "with N = M b^L input sites (M = 8; b = 2, and b = 3 on the Ising chain, where majority rule needs an odd "
          "block; as far as N <= 1024 allows), trained on fresh samples (docs/theory.md 4.5, 'The trained route', "
          "says which network each objective trains at depth L, rbm included); chi-hat of its M "
          "feature units on the M-ring with delta-method standard errors, taken at the data's m_2 where the "
          "objective fixes no scale. Each layer is compared with both schemes' one-shot references R^L(theta) "
          "(decimation) and B^L(theta) (block spins; majority rule for Ising) and with both fixed points, by the "
          "KL rate d (nats per site) and the equivalence test at the margin delta = 0.01 d(theta || theta*) "
          "(docs/theory.md 4.4); the verdicts `scheme` and `fixed_point` follow the rules of docs/theory.md 4.5, "
          "written and committed before the study ran. Several seeds: each seed's verdict, and the common one "
          "(else undetermined).", "",
          "Verdict letters: E equivalent, D different, U undetermined. u is compared by |u| (the mirrored "
          "reference) for every objective except decimate, whose teacher fixes the sign.", ""]
    if budget:
        L += ["## Budget", "", "| objective | steps | batch | other |", "|---|---|---|---|"]
        common = budget.get("common", {})
        for obj, b in (budget.get("objectives") or {}).items():
            other = ", ".join(f"{k} = {v}" for k, v in b.items() if k not in ("steps", "batch")) or "-"
            L.append(f"| {obj} | {b.get('steps')} | {b.get('batch')} | {other} |")
        L += ["", "Every network: " + ", ".join(f"{k} = {v}" for k, v in common.items()) + ". "
              + budget.get("note", ""), ""]
        if budget.get("evidence"):
            L += [budget["evidence"], ""]
    L += ["## Which RG each objective performs", "",
          "`scheme` / `fixed_point` per chain (FP: fixed point). Kinds: " + "; ".join(KIND_MEANING.values()) + ".",
          "", answer_table(data, link=""), ""]
    if data.get("reading"):
        # written after the run, into the stored study: a rerun has no reading until someone writes one
        L += ["### Reading", "", data["reading"].strip(), ""]
    for key, col in CHAIN_COLUMNS:
        mine = [r for r in runs if example_key(r["example"]) == key]
        if not mine:
            continue
        L += [f"## {mine[0]['example']}", ""]
        doc = next((r["document"] for r in mine if r.get("document")), None)
        if doc:
            fp = doc["fixed_points"]
            L += [f"Data: u = {_g(doc['data']['u'], 4)}, kurtosis {_g(doc['data']['shape'], 4)}; margin delta = "
                  f"{doc['margin']['delta']:.3g} nats per site. Fixed points: decimation u = "
                  f"{_g(fp['decimation']['u'])}, kurtosis {_g(fp['decimation']['shape'], 4)}; block spins u = "
                  f"{_g(fp['block']['u'])}, kurtosis {_g(fp['block']['shape'], 4)}"
                  + (" (they coincide)." if doc.get("fixed_points_coincide") else "."), ""]
        if figures and figures.get(key):
            L += [f"![depth flow, {col}]({figures[key]})", ""]
        for run in mine:
            L += _run_markdown(run)
    return "\n".join(L) + "\n"


def write_figures(data, figure_dir, *, prefix="depth_"):
    """Draw ``<prefix><example key>.png`` per chain of the study into ``figure_dir``; {key: path}."""
    from paper_checks.figures import fig_depth
    os.makedirs(figure_dir, exist_ok=True)
    out = {}
    for key, _ in CHAIN_COLUMNS:
        mine = [r for r in data.get("runs") or [] if example_key(r["example"]) == key and r.get("document")]
        if mine:
            name, _ = fig_depth(figure_dir, mine, f"{prefix}{key}.png")
            out[key] = os.path.join(figure_dir, name)
    return out

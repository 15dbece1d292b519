"""The check report: a Markdown file with the verdict table, each claim's evidence, and figures.

``write_report(dir, results, artifacts=...)`` writes ``dir/report.md`` and
``dir/figures/*.png``. Figures the current build cannot draw are listed with
the reason, never replaced by something made up.
"""
from __future__ import annotations

import datetime
import json
import logging
import os
import platform
import sys
import time
from fractions import Fraction

from paper_checks import engine, figures

# INFO: one line per figure drawn; the CLI shows these (rgdnn.cli)
log = logging.getLogger(__name__)


def _figure_jobs(results, artifacts, quick, progress=False):
    """(title, callable(outdir) -> (file, caption)) for every figure of the report."""
    histories = dict(artifacts.get("training", {}))
    jobs = [
        ("RG flow of the Gaussian chain: u line and (K, a_1) plane", figures.fig_gaussian_flow),
        ("Projected RG flows of the quartic examples", figures.fig_quartic_flows),
        ("Training curves", lambda d: figures.fig_training_curves(d, histories)),
    ]

    def chi(d):
        # only the random sweep: the claims' own runs include deliberate off-target ones
        # (e.g. infomax at another scale s^2), which would read as failures on this plot
        if quick:
            raise figures.NotSupported("rgdnn check --quick trains no networks")
        rows = random_chi_rows(progress=progress)
        name, caption = figures.fig_chi_vs_theta(d, rows)
        return name, caption + "\n\n" + sweep_table(rows)

    jobs.append(("chi-hat against theta* across random parameters", chi))

    def optimum_vs_optimizer(d):
        from paper_checks import protocol
        rows, margin, command = protocol.load_stored()
        both = protocol.summarize_both(rows, margin)
        name, caption = figures.fig_optimum_vs_optimizer(d, both["points"], both["margins"],
                                                         absolute=both["absolute"])
        table = protocol.markdown(both, heading=False)
        return name, (caption + f"\n\nDrawn from the stored study `{command}` ({len(rows)} runs, shipped with the "
                      "package; rerun it with that command to reproduce).\n" + table)

    jobs.append(("Optimum vs optimizer: distance to theta* against the loss gap", optimum_vs_optimizer))
    jobs += _depth_jobs()
    return jobs


def _depth_jobs():
    """One figure per chain of the stored depth study (``paper_checks.depth_report.STORED``), with the answer table."""
    from paper_checks import depth_report

    def job(key, col):
        def draw(d):
            data = depth_report.load_stored()
            runs = [r for r in data["runs"] if depth_report.example_key(r["example"]) == key and r.get("document")]
            if not runs:
                raise figures.NotSupported(f"the stored depth study has no {col} run")
            name, caption = figures.fig_depth(d, runs, f"depth_{key}.png")
            head = (f"\n\nDrawn from the stored depth study `{data.get('command', 'rgdnn depth-study')}` (shipped with "
                    "the package; docs/depth.md has every layer row). Which RG each objective performs:\n\n")
            return name, caption + head + depth_report.answer_table(data, link="docs/depth.md")
        return (f"Depth flow, {col}: which RG the trained networks perform", draw)

    return [job(key, col) for key, col in depth_report.CHAIN_COLUMNS]


def random_chi_rows(n=3, seed=2606, objectives=("infomax", "decimate"), progress=False):
    """Train at ``n`` random admissible Gaussian parameters per objective; rows of chi-hat, se and theta*.

    A sweep of the pipeline (``paper_checks.sweep``), run in this process into a temporary store:
    its seeded random sample of theta (``[theta.random]``: K in [-0.8, 0.8], a_1 in [1, 2] on a
    lattice of 0.01, so |K| / a_1 <= 0.8), the objectives, L = 2 (the default network) and one seed;
    each cell is ``numerics.network.train.train_and_compare`` (``cell.train_cell``).
    """
    import tempfile
    from importlib.util import find_spec

    from paper_checks.sweep.cell import train_cell
    from paper_checks.sweep.execute import run_sweep
    from paper_checks.sweep.spec import SweepSpec
    from paper_checks.sweep.store import ResultStore
    if find_spec("torch") is None:
        raise figures.NotSupported("the network side is not available (torch)")
    spec = SweepSpec.from_dict({"theta": {"random": {"count": n, "seed": seed, "K": ["-0.8", "0.8"], "a": [["1", "2"]],
                                                     "decimals": 2}},
                                "objectives": list(objectives), "L": [2], "seeds": [seed]})
    with tempfile.TemporaryDirectory(prefix="rgdnn-random-theta-") as store:
        run_sweep(spec, store, in_process=True, cell_fn=train_cell, progress=progress, desc="random theta")
        records = ResultStore(store).records()
    rows = []
    for c in spec.cells():
        rec = records[c.key]
        if rec["status"] != "ok":
            raise RuntimeError(f"the training at K = {c.K}, a = {c.a[0]} ({c.objective}) failed: {rec['error']}")
        out = rec["result"]
        if out.get("chi") is None:       # outside the family: nothing to plot, say so in the caption
            rows.append({"objective": c.objective, "missing": f"K = {c.K}, a = {c.a[0]}: {out.get('estimator_note')}"})
            continue
        rows.append(_row(c.objective, out))
    return rows


def sweep_table(rows):
    """Markdown table of the sweep: chi-hat, s.e., z and verdict against theta* (and R^L for decimate)."""
    fmt = lambda d: ", ".join(f"{k} {v:.4g}" for k, v in d.items()) if d else "-"  # noqa: E731
    out = ["| objective | data (K; a_1) | chi-hat | s.e. | z vs theta* (verdict) | z vs R^L(theta) (verdict) |",
           "|---|---|---|---|---|---|"]
    for r in rows:
        if "missing" in r:
            out.append(f"| {r['objective']} | {r['missing']} | - | - | - | - |")
            continue
        out.append(f"| {r['objective']} | {r['data']['K']:.4g}; {r['data'].get('a_1', float('nan')):.4g} "
                   f"| {fmt(r['chi'])} | {fmt(r['se'])} | {fmt(r.get('z'))} ({r.get('verdict', '-')}) "
                   f"| {fmt(r.get('z_rg'))} ({r.get('verdict_rg', '-')}) |")
    return "\n".join(out)


def _row(objective, out):
    """One chi-vs-theta* row (floats for plotting) from a train_and_compare result."""
    def comps(d):
        c = {"K": float(d["K"])}
        for k, v in enumerate(d.get("a", []), 1):
            c[f"a_{k}"] = float(v)
        return c
    data = {"K": float(Fraction(out["config"]["K"])), "a_1": float(Fraction(out["config"]["a"][0]))}
    row = {"objective": objective, "chi": comps(out["chi"]), "se": comps(out["se"]),
           "theta_star": comps(out["theta_star"]), "data": data, "verdict": out.get("verdict")}
    if out.get("z"):
        row["z"] = comps(out["z"])
    if out.get("rg_L"):
        row["rg_L"] = comps(out["rg_L"])
        row["z_rg"] = comps(out["z_rg"]) if out.get("z_rg") else None
        row["verdict_rg"] = out.get("verdict_rg")
    return row


def _md_escape(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def write_report(outdir, results, *, artifacts=None, quick=False, dps=30, progress=True):
    """Write ``outdir/report.md`` and ``outdir/figures``; returns (path, [(figure title, file or None)])."""
    artifacts = artifacts or {}
    figdir = os.path.join(outdir, "figures")
    os.makedirs(figdir, exist_ok=True)
    code = engine.exit_code(results)
    lines = [
        "# rgdnn check report",
        "",
        f"Generated {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} by "
        f"`rgdnn check{' --quick' if quick else ''} --dps {dps}`; Python {platform.python_version()}.",
        "",
        f"**Exit status {code}**: " + ("every claim expected to hold holds." if code == 0 else
                                        "some claims expected to hold do not (see FAILS / ERROR below)."),
        "Verdicts: `holds` / `FAILS` / `ERROR` for claims expected to hold; `open: ...` for open claims "
        "(reported, never failing the run, except `open: error`: a crashed check fails it); "
        "`skipped` for training claims under `--quick`.",
        "",
        "| id | provenance | verdict | seconds | evidence |",
        "|---|---|---|---:|---|",
    ]
    for r in results:
        lines.append(f"| `{r.id}` | {r.claim.provenance} | **{r.verdict}** | {r.seconds:.1f} "
                     f"| {_md_escape(r.summary)} |")
    lines += ["", "## Figures", ""]
    jobs = _figure_jobs(results, artifacts, quick, progress=progress and sys.stderr.isatty())
    listing = []
    for title, job in jobs:
        t0 = time.perf_counter()
        if progress:
            log.info("report: drawing %s ...", title)
        try:
            name, caption = job(figdir)
            lines += [f"### {title}", "", f"![{title}](figures/{name})", "", caption, "",
                      f"*({time.perf_counter() - t0:.1f} s to draw)*", ""]
            listing.append((title, f"figures/{name}"))
        except Exception as exc:     # a figure that cannot be drawn is reported with its reason
            lines += [f"### {title}", "", f"*Not drawn: {type(exc).__name__}: {_md_escape(exc)}*", ""]
            listing.append((title, None))
    runs = artifacts.get("chi_vs_theta", [])
    if runs:
        lines += ["## Networks trained by the checks", "",
                  "chi-hat +- one standard error of each run a claim made (the claims say what each run tests; "
                  "some are deliberately off target, e.g. infomax at another scale).", "",
                  "| objective | data K | chi-hat | s.e. | theta* | R^L(theta) |", "|---|---:|---|---|---|---|"]
        fmt = lambda d: "-" if not d else ", ".join(f"{k} {v:.4g}" for k, v in d.items())  # noqa: E731
        for r in runs:
            lines.append(f"| {r.get('objective')} | {r.get('data', {}).get('K', float('nan')):.4g} "
                         f"| {fmt(r.get('chi'))} "
                         f"| {fmt(r.get('se'))} | {fmt(r.get('theta_star'))} | {fmt(r.get('rg_L'))} |")
        lines.append("")
    lines += ["## Claims in detail", ""]
    for r in results:
        c = r.claim
        lines += [f"### `{c.id}`: {r.verdict}", "",
                  f"- statement: {c.statement}", f"- provenance: {c.provenance}",
                  f"- hypotheses: {c.hypotheses}", f"- section: {c.section or '-'}",
                  f"- expected: {c.expected}{' (slow: trains networks)' if c.slow else ''}",
                  f"- evidence: {r.summary}", f"- seconds: {r.seconds:.2f}", ""]
        if r.evidence is not None and r.evidence.details:
            lines += ["```json", json.dumps(r.evidence.details, indent=1, default=str)[:6000], "```", ""]
        if r.error:
            lines += ["```", r.traceback[-3000:], "```", ""]
    path = os.path.join(outdir, "report.md")
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return path, listing

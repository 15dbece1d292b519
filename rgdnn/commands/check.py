"""rgdnn check: run every registered claim on the embedded defaults and print verdicts with evidence.

Exit status 0 only when every claim expected to hold does hold; 1 otherwise;
2 for a usage error (an unknown claim id, a bad --dps). Open claims are reported
and fail the run only when their check crashed (open: error).
"""
from __future__ import annotations

import shutil
import sys
import textwrap
import time

from paper_checks import engine
from rgdnn.commands._common import add_json_argument, add_precision_arguments, emit_json, output_dir

HELP = "check every claim of the paper with evidence (table, --json, --report DIR)"


def add_arguments(p):
    p.add_argument("--quick", action="store_true", help="skip the slow claims that train networks")
    p.add_argument("--only", action="append", metavar="ID", help="run only this claim (repeatable)")
    p.add_argument("--list", action="store_true", help="list the registered claims and exit")
    p.add_argument("--report", metavar="DIR", help="also write a Markdown report with figures into DIR")
    p.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    p.add_argument("--workers", type=int, metavar="N",
                   help="processes that run claims at once, longest first (default: one per core; 1: one after "
                        "the other in this process)")
    add_precision_arguments(p)
    add_json_argument(p, "the verdicts and their evidence (with --list: the claims)")


def run(args):
    from numerics.precision import check_dps
    check_dps(args.dps)
    output_dir(args.report, "report")
    workers = engine.check_workers(args.workers)
    if args.list:
        return _list(args)
    artifacts = {}
    t0 = time.perf_counter()
    results = engine.run(only=args.only, quick=args.quick, dps=args.dps, artifacts=artifacts, workers=workers,
                         progress=False if (args.no_progress or args.json) else None)
    args.wall_seconds = time.perf_counter() - t0
    args.used_workers = engine.workers_used(results, workers)
    code = engine.exit_code(results)
    if args.report:
        from paper_checks.report import write_report
        path, listing = write_report(args.report, results, artifacts=artifacts, quick=args.quick,
                                     dps=args.dps, progress=not (args.no_progress or args.json))
        if not args.json:
            print(f"report: {path}", file=sys.stderr)
            for title, fig in listing:
                print(f"  figure: {fig or 'NOT DRAWN'}  ({title})", file=sys.stderr)
    if args.json:
        emit_json(as_json(results, args, code))
    else:
        print(table(results))
        print(footer(results, code, args.wall_seconds, args.used_workers))
    return code


def _claim_json(c):
    return {"id": c.id, "statement": c.statement, "provenance": c.provenance, "hypotheses": c.hypotheses,
            "section": c.section, "expected": c.expected, "slow": c.slow}


def as_json(results, args, code):
    """The run as JSON (docs/json.md): ``failure`` is the exception that stopped a check, null if none."""
    return {"dps": args.dps, "quick": args.quick, "exit": code, "counts": engine.counts(results),
            "workers": args.used_workers, "seconds": round(args.wall_seconds, 3),
            "claims": [{**_claim_json(r.claim), "verdict": r.verdict,
                        "evidence": r.summary, "details": r.evidence.details if r.evidence else {},
                        "failure": r.error or None, "seconds": round(r.seconds, 3),
                        "cpu_seconds": round(r.cpu_seconds, 3)} for r in results]}


def table(results, width=None):
    """The verdict table: id | provenance | verdict | seconds | evidence (wrapped)."""
    width = width or max(100, min(shutil.get_terminal_size((140, 20)).columns, 180))
    heads = ("id", "provenance", "verdict", "s")
    cols = [max(len(heads[0]), *(len(r.id) for r in results)) if results else 2,
            len("formalization"), max(len("open: error"), *(len(r.verdict) for r in results)) if results else 7, 6]
    ev_w = max(30, width - sum(cols) - 2 * len(cols))
    line = "  ".join(h.ljust(w) for h, w in zip(heads, cols)) + "  evidence"
    out = [line, "-" * min(width, len(line) + ev_w - len("evidence"))]
    for r in results:
        secs = f"{r.seconds:6.1f}" if r.verdict != "skipped" else "     -"
        lead = "  ".join([r.id.ljust(cols[0]), r.claim.provenance.ljust(cols[1]), r.verdict.ljust(cols[2]), secs])
        wrapped = textwrap.wrap(r.summary, ev_w) or [""]
        out.append(lead + "  " + wrapped[0])
        out.extend(" " * (len(lead) + 2) + w for w in wrapped[1:])
    return "\n".join(out)


def footer(results, code, wall=None, workers=1):
    """'N claims: counts; wall s (on w processes, CPU s). verdict (exit code).'"""
    c = engine.counts(results)
    parts = ", ".join(f"{n} {v}" for v, n in c.items())
    wall = sum(r.seconds for r in results) if wall is None else wall
    cpu = sum(r.cpu_seconds for r in results)
    where = f"on {workers} processes, " if workers > 1 else ""
    verdict = ("no claims ran" if not results else "all claims expected to hold hold" if code == 0
               else "SOME CLAIMS EXPECTED TO HOLD DO NOT")
    return (f"{len(results)} claims: {parts}; {wall:.1f} s ({where}{cpu:.1f} s CPU in the checks). "
            f"{verdict} (exit {code}).")


def _list(args):
    claims = engine.select(args.only)
    if args.json:
        emit_json({"claims": [_claim_json(c) for c in claims]})
        return 0
    for c in claims:
        tags = ", ".join(t for t in (c.provenance, f"expected {c.expected}", c.section, "slow" if c.slow else "") if t)
        print(f"{c.id}  [{tags}]\n    {c.statement}\n    hypotheses: {c.hypotheses}")
    return 0

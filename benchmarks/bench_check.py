"""Benchmark: wall and CPU time of `rgdnn check --quick` (goal < 60 s) and the full `rgdnn check` (goal < 90 s).

Each command runs in a fresh process, as a user would run it, on every core (the claims run in parallel,
longest first). The baseline, measured in the same run, is `rgdnn check --list`: the same interpreter
start, imports and claim registration with no check executed, so ratio = (time of the checks + start-up) /
start-up. Besides the wall time it prints the CPU time of the whole command (its worker processes included),
which a loaded machine inflates far less than the wall time, and per claim its wall and CPU seconds (the
slowest first). The full run must be below 120 s on 2 cores; the goal is 90 s.

    python benchmarks/bench_check.py                      # quick and full
    python benchmarks/bench_check.py --quick              # quick only
    python benchmarks/bench_check.py --workers 1          # the claims one after the other
    python benchmarks/bench_check.py --update-expected    # also store each claim's CPU seconds from the full run
                                                          # (paper_checks/data/claim_seconds.json: the engine's
                                                          # queue order and the time left it shows)

Timings are noisy when other processes share the CPU; repeat (--repeat N) and read the minimum.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import sys

from timing import timed_rgdnn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOALS = {"quick": 60.0, "full": 90.0}
LIMIT_FULL = 120.0
EXPECTED = os.path.join(ROOT, "paper_checks", "data", "claim_seconds.json")


def timed(args):
    """(wall s, CPU s of the process and its children, exit status, stdout) of `python -m rgdnn check ARGS`."""
    return timed_rgdnn("check", args)


def write_expected(claims, cores):
    """Store each claim's CPU seconds (rounded up to 0.1 s) for the engine's queue order and time left."""
    data = {"measured": f"{datetime.date.today().isoformat()}: benchmarks/bench_check.py --update-expected, "
                        f"CPU seconds of each claim in a worker process ({cores} cores)",
            "seconds": {c["id"]: round(max(0.1, c["cpu_seconds"]) + 0.05, 1)
                        for c in sorted(claims, key=lambda c: c["id"]) if c["verdict"] != "skipped"}}
    with open(EXPECTED, "w") as f:
        json.dump(data, f, indent=1, sort_keys=False)
        f.write("\n")
    print(f"wrote {os.path.relpath(EXPECTED, ROOT)}: {len(data['seconds'])} claims")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="time only `rgdnn check --quick`")
    ap.add_argument("--repeat", type=int, default=1, help="runs per command; the fastest is reported")
    ap.add_argument("--workers", type=int, help="passed to rgdnn check (default: one per core)")
    ap.add_argument("--json-out", metavar="FILE", help="also keep the full run's --json document in FILE")
    ap.add_argument("--update-expected", action="store_true",
                    help="write each claim's CPU seconds from the full run to paper_checks/data/claim_seconds.json")
    opts = ap.parse_args(argv)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{cores} cores; load average {load:.1f} at the start (above {cores} the machine is shared: "
          "read the CPU seconds)")
    base = min(timed(["--list"])[0] for _ in range(max(1, opts.repeat)))
    print(f"baseline `rgdnn check --list` (start-up, imports, registry): {base:.2f} s")
    extra = [] if opts.workers is None else ["--workers", str(opts.workers)]
    rows = [("quick", ["--quick", "--json", *extra])] + ([] if opts.quick else [("full", ["--json", *extra])])
    ok = True
    for name, args in rows:
        runs = [timed(args) for _ in range(max(1, opts.repeat))]
        secs, cpu, code, out = min(runs, key=lambda r: r[0])
        try:
            data = json.loads(out)
        except ValueError:
            data = {"claims": [], "counts": {}}
        met = secs < GOALS[name]
        ok &= secs < (LIMIT_FULL if name == "full" else GOALS[name])
        print(f"rgdnn check {'--quick' if name == 'quick' else '':8s}: {secs:7.1f} s wall, {cpu:7.1f} s CPU "
              f"({data.get('workers', '?')} processes)  ratio to baseline {secs / base:6.1f}x  "
              f"goal < {GOALS[name]:.0f} s: {'met' if met else 'MISSED'}  exit {code}  verdicts {data.get('counts')}")
        claims = data.get("claims", [])
        in_checks = sum(c.get("cpu_seconds", 0) for c in claims)
        print(f"    CPU in the checks {in_checks:.1f} s; start-up, workers' imports and the table "
              f"{max(0.0, cpu - in_checks):.1f} s; on {cores} cores at best {in_checks / cores:.1f} s of wall")
        for c in sorted(claims, key=lambda c: -c["seconds"])[:8]:
            print(f"    {c['seconds']:7.2f} s wall {c.get('cpu_seconds', 0):7.2f} s CPU  {c['id']}  ({c['verdict']})")
        if name == "full" and opts.json_out:
            with open(opts.json_out, "w") as f:
                f.write(out)
        if name == "full" and opts.update_expected and claims:
            write_expected(claims, cores)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

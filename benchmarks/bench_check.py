"""Benchmark: wall time of `rgdnn check --quick` (goal < 60 s) and the full `rgdnn check` (goal < 10 min).

Each command runs in a fresh process, as a user would run it. The baseline,
measured in the same run, is `rgdnn check --list`: the same interpreter start,
imports and claim registration with no check executed, so ratio = (time of the
checks + start-up) / start-up. The slowest claims (from --json) are listed.

    python benchmarks/bench_check.py            # quick and full
    python benchmarks/bench_check.py --quick    # quick only

Timings are noisy when other processes share the CPU; repeat (--repeat N) and read the minimum.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOALS = {"quick": 60.0, "full": 600.0}


def timed(args):
    """(seconds, exit status, stdout) of `python -m rgdnn check ARGS` in a fresh process."""
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "rgdnn", "check", *args], cwd=ROOT, capture_output=True, text=True)
    return time.perf_counter() - t0, p.returncode, p.stdout


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="time only `rgdnn check --quick`")
    ap.add_argument("--repeat", type=int, default=1, help="runs per command; the minimum is reported")
    opts = ap.parse_args(argv)
    base = min(timed(["--list"])[0] for _ in range(max(1, opts.repeat)))
    print(f"baseline `rgdnn check --list` (start-up, imports, registry): {base:.2f} s")
    rows = [("quick", ["--quick", "--json"])] + ([] if opts.quick else [("full", ["--json"])])
    ok = True
    for name, args in rows:
        runs = [timed(args) for _ in range(max(1, opts.repeat))]
        secs, code, out = min(runs, key=lambda r: r[0])
        try:
            data = json.loads(out)
        except ValueError:
            data = {"claims": [], "counts": {}}
        met = secs < GOALS[name]
        ok &= met
        print(f"rgdnn check {'--quick' if name == 'quick' else '':8s}: {secs:7.1f} s  ratio to baseline "
              f"{secs / base:6.1f}x  goal < {GOALS[name]:.0f} s: {'met' if met else 'MISSED'}  "
              f"exit {code}  verdicts {data.get('counts')}")
        slow = sorted(data.get("claims", []), key=lambda c: -c["seconds"])[:5]
        for c in slow:
            print(f"    {c['seconds']:7.2f} s  {c['id']}  ({c['verdict']})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: `rgdnn depth --route exact --layers 16` (goal < 2 s each) on the standard examples.

Each exact (example, objective) pair runs as a user would run it, in a fresh process, with --json. The
baseline, measured in the same run, is `rgdnn depth --help`: the same interpreter start and command
imports with no depth computed, so ratio = (time of the depth run + start-up) / start-up. The run's own
`seconds` (inside the process, without start-up) is printed beside it.

A second table times the exact linear rsmi recursion on the infinite chain (``block_mi.infinite_greedy``)
against the ring computation it replaces (``block_mi.greedy_max_block_mi`` with dense circulant covariances),
both for 6 layers of the Gaussian example, the ring at 2048 sites (the smallest power of two whose 6-layer
coarse ring still holds block and environment with room; at 16 layers the ring would need 2^19 sites).

    python benchmarks/bench_depth.py [--repeat N]

The trained route (``--trained [CHAIN ..]``, ``--objectives``): one trained depth run of 5 layers per (chain,
objective) as a user runs it (`rgdnn depth --route trained --layers 5 --json`, seed 0, the depth budget of
``numerics.network.depth_trained``), in a fresh process; goal < 3 min each on 2 cores, judged on the child's CPU
seconds (what one free core takes; the wall time is printed beside it and includes whatever else loads the
machine). Baseline, in the same run: the cost floor of such a run -- sampling the estimation sets of every depth
and estimating chi of the data's own decimated sites, no training -- so ratio = CPU seconds / floor.
``--budget``: is the depth budget enough? Gaussian example, L = 1..5: the budget B against 4 B steps; the
estimate is resolved when 4 B does not move |u_L| by more than 2 combined standard errors (loss gaps beside).
``--no-exact`` skips the exact tables.

Timings are noisy when other processes share the CPU; repeat and read the minimum.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from timing import timed_rgdnn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOAL_EXACT = 2.0
EXAMPLES = {"Gaussian": ["--K", "0.5", "--a", "1"], "single well": ["--K", "0.4", "--a", "0.5", "0.1"],
            "double well": ["--K", "0.5", "--a", "-1", "0.25"], "Ising": ["--ising", "--K", "0.8"]}
EXACT = {"Gaussian": ["decimate", "infomax", "rsmi"], "single well": ["decimate", "infomax"],
         "double well": ["decimate", "infomax"], "Ising": ["decimate", "infomax", "rsmi"]}


def timed(args):
    """(seconds, exit status, stdout) of `python -m rgdnn depth ARGS` in a fresh process."""
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "rgdnn", "depth", *args], cwd=ROOT, capture_output=True, text=True)
    return time.perf_counter() - t0, p.returncode, p.stdout


def best(f, repeat):
    return min((f() for _ in range(max(1, repeat))), key=lambda r: r[0])


def exact_table(repeat):
    base = best(lambda: timed(["--help"]), repeat)[0]
    print(f"baseline `rgdnn depth --help` (start-up and imports): {base:.2f} s")
    print(f"{'example':<12} {'objective':<9} {'wall s':>7} {'ratio':>6} {'run s':>6}  "
          f"goal < {GOAL_EXACT:g} s   verdicts")
    ok = True
    for name, chain in EXAMPLES.items():
        for objective in EXACT[name]:
            secs, code, out = best(lambda: timed([*chain, "--objective", objective, "--layers", "16", "--json"]),
                                   repeat)
            doc = json.loads(out) if code == 0 else {}
            met = code == 0 and secs < GOAL_EXACT
            ok &= met
            print(f"{name:<12} {objective:<9} {secs:7.2f} {secs / base:5.1f}x {doc.get('seconds', float('nan')):6.2f}  "
                  f"{'met' if met else 'MISSED':<11} {doc.get('scheme')}; {doc.get('fixed_point')}")
    return ok


def rsmi_table(repeat):
    import math

    import numpy as np

    from numerics.network import block_mi
    from numerics.network.sampler import gaussian_ring_covariance
    u, rho = 2 - math.sqrt(3), math.sqrt(3) / 2

    def infinite():
        t0 = time.perf_counter()
        rows = block_mi.infinite_greedy(u, rho, 6, 2, 0, 2)
        return time.perf_counter() - t0, rows

    def ring():
        t0 = time.perf_counter()
        row = np.array([gaussian_ring_covariance(0.5, 1.0, 2048, r) for r in range(2048)])
        _, ws = block_mi.greedy_max_block_mi(row, 6, 2, 0, 2)
        us = []
        for w in ws:
            row = block_mi.coarse_covariance(row, w, 2)
            us.append(row[1] / row[0])
        return time.perf_counter() - t0, us

    ti, rows = best(infinite, repeat)
    tr, us = best(ring, repeat)
    diff = max(abs(r["u"] - v) for r, v in zip(rows, us))
    print(f"exact linear rsmi, 6 layers: infinite chain {ti * 1e3:.1f} ms, 2048-ring {tr * 1e3:.0f} ms "
          f"(ratio {tr / ti:.0f}x faster); max |u_L difference| = {diff:.1e}")
    def sixteen():
        t0 = time.perf_counter()
        rows16 = block_mi.infinite_greedy(u, rho, 16, 2, 0, 2)
        return time.perf_counter() - t0, rows16

    t16, _ = best(sixteen, repeat)
    print(f"exact linear rsmi, 16 layers on the infinite chain: {t16 * 1e3:.1f} ms")


# -- the trained route ------------------------------------------------------------------------------------

GOAL_TRAINED = 180.0          # one trained depth run of 5 layers on 2 cores
# (example key, chain flags, block b, deepest L): the depth study's runs (b = 3 on the Ising chain, where
# majority rule needs an odd block, and N = 8 x 3^L <= 1024 stops at L = 4)
TRAINED_CHAINS = {"Gaussian": ("gaussian", ["--K", "0.5", "--a", "1"], 2, 5),
                  "single well": ("single-well", ["--K", "0.4", "--a", "0.5", "0.1"], 2, 5),
                  "double well": ("double-well", ["--K", "0.5", "--a", "-1", "0.25"], 2, 5),
                  "Ising": ("ising", ["--ising", "--K", "0.8"], 3, 4)}


def floor_seconds(example, layers=5, b=2):
    """The cost floor of one trained depth run, in this process: for L = 1..layers, sample the estimation set of
    the N-ring (N = M b^L, the depth budget's sampler) and estimate chi of its every b^L-th site (no training)."""
    import torch

    from numerics.network.depth_config import DepthConfig
    from numerics.network.depth_trained import cell_configs
    from numerics.network.estimator import chi_hat
    from numerics.network.ising_ring import IsingRingSampler
    from numerics.network.sampler import make_sampler
    from numerics.network.spin_estimator import spin_chi_hat
    from numerics.network.targets import _frac
    from numerics.runtime import one_thread
    from proofs.examples import BY_KEY
    f = BY_KEY[example].fields
    cfg = DepthConfig(K=f["K"], a=tuple(f["a"]), ising=f["ising"], objective="decimate", layers=layers,
                      route="trained", b=b)
    t0, c0 = time.perf_counter(), time.process_time()
    with one_thread():
        for L, _, tc in cell_configs(cfg):
            g = torch.Generator().manual_seed(L)
            if tc.ising:
                s = IsingRingSampler(float(tc.chain.K), tc.N, bonds=tc.ising_bonds)
            else:
                s = make_sampler(float(tc.chain.K), [float(v) for v in tc.chain.a], tc.N, h=_frac(tc.grid_h))
            x = torch.cat([s.sample(4096, g) for _ in range(tc.eval_samples // 4096)]).double().numpy()
            y = x[:, :: tc.N // tc.M]
            spin_chi_hat(y) if tc.ising else chi_hat(y, tc.n)
    return time.perf_counter() - t0, time.process_time() - c0


def timed_cpu(args):
    """(wall s, CPU s of the process and its children, exit status, stdout) of `python -m rgdnn depth ARGS`."""
    return timed_rgdnn("depth", args)


def trained_table(chains, objectives):
    """One trained depth run per (chain, objective) as the study has it, as a user runs it, against the cost floor."""
    print("\ntrained route: `rgdnn depth --route trained --layers 5 --json` (Ising: --b 3 --layers 4; seed 0, "
          f"the depth budget); goal < {GOAL_TRAINED:g} s on 2 cores")
    print("baseline per chain (same run, in process): sampling the estimation sets and estimating chi of the data's "
          "own decimated sites at every L, no training")
    print(f"{'example':<12} {'objective':<13} {'wall s':>7} {'CPU s':>7} {'floor s':>7} {'ratio':>6}  goal      "
          f"scheme; fixed point")
    ok, total_cpu = True, 0.0
    for name in chains:
        key, chain, b, layers = TRAINED_CHAINS[name]
        fwall, fcpu = floor_seconds(key, layers, b)
        for objective in objectives:
            wall, cpu, code, out = timed_cpu([*chain, "--objective", objective, "--route", "trained", "--b", str(b),
                                              "--layers", str(layers), "--no-progress", "--json"])
            doc = json.loads(out) if code == 0 else {}
            met = code == 0 and cpu < GOAL_TRAINED
            ok &= met
            total_cpu += cpu
            print(f"{name:<12} {objective:<13} {wall:7.1f} {cpu:7.1f} {fcpu:7.1f} {cpu / fcpu:5.1f}x  "
                  f"{'met' if met else 'MISSED':<9} {doc.get('scheme')}; {doc.get('fixed_point')}", flush=True)
    print(f"CPU seconds of these runs together: {total_cpu:.0f} (goal judged on CPU seconds: what one free core "
          "takes; wall seconds include the load of whatever else runs)")
    return ok, total_cpu


def budget_table(objectives, factor=4, layers=5):
    """Is the depth budget enough? Gaussian example, L = 1..layers, seed 0: the budget and factor x the steps.

    An estimate resolves the questions when training longer does not move it beyond its standard error:
    |u_B - u_(factor B)| < 2 sqrt(se_B^2 + se_(factor B)^2) at every L; where the optimum is known the loss gap
    is printed for both budgets.
    """
    from numerics.network.depth_config import DepthConfig
    from numerics.network.depth_trained import DEPTH_BUDGET, trained_feature_laws
    print(f"\nbudget check: Gaussian example, seed 0, L = 1..{layers}: the depth budget B against {factor} B steps")
    print(f"{'objective':<13} {'L':>2} {'steps':>6} {'u (B)':>16} {'u (4B)':>16} {'|du|/se':>7} {'gap (B)':>9} "
          f"{'gap (4B)':>9}  stable")
    ok = True
    for objective in objectives:
        steps = DEPTH_BUDGET[objective]["steps"]
        runs = []
        for k in (1, factor):
            cfg = DepthConfig(K="0.5", a=("1",), objective=objective, layers=layers, route="trained",
                              extra={"steps": steps * k})
            runs.append(trained_feature_laws(cfg, progress=False))
        for a, b in zip(*runs):
            if a.u is None or b.u is None:
                print(f"{objective:<13} {a.L:>2} no chi-hat")
                continue
            se = (a.u_se ** 2 + b.u_se ** 2) ** 0.5
            z = abs(abs(a.u) - abs(b.u)) / se
            stable = z < 2
            ok &= stable
            g = [w.details.get("loss_gap") for w in (a, b)]
            fmt = lambda v: "-" if v is None else f"{v:9.2g}"  # noqa: E731
            print(f"{objective:<13} {a.L:>2} {steps:>6} {a.u:9.4f}+-{a.u_se:.4f} {b.u:9.4f}+-{b.u_se:.4f} {z:7.1f} "
                  f"{fmt(g[0])} {fmt(g[1])}  {'yes' if stable else 'NO'}", flush=True)
    return ok


def main(argv=None):
    from numerics.network.config import OBJECTIVES
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1, help="runs per command; the minimum is reported")
    ap.add_argument("--trained", nargs="*", metavar="CHAIN", choices=list(TRAINED_CHAINS),
                    help="time trained depth runs of 5 layers on these chains (no names: all four)")
    ap.add_argument("--objectives", nargs="+", choices=OBJECTIVES, default=list(OBJECTIVES),
                    help="objectives of --trained and --budget (default: all)")
    ap.add_argument("--budget", action="store_true", help="the budget check (Gaussian, L = 1..5, B against 4 B)")
    ap.add_argument("--no-exact", action="store_true", help="skip the exact-route tables")
    opts = ap.parse_args(argv)
    ok = True
    if not opts.no_exact:
        ok = exact_table(opts.repeat)
        rsmi_table(opts.repeat)
    if opts.trained is not None:
        ok &= trained_table(opts.trained or list(TRAINED_CHAINS), opts.objectives)[0]
    if opts.budget:
        ok &= budget_table([o for o in opts.objectives if o != "regress-theta"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

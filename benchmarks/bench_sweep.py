"""Benchmark: speedup of a 2-worker sweep over a 1-worker sweep (goal >= 1.6x), and Dask's per-cell overhead.

One fixed small sweep of real training cells (default: K in {0.5, 0.3}, a = 1, decimate,
L in {1, 2}, seeds {0, 1}, M = 4, 1500 steps) is run four ways, all in this run:

1. direct: ``train_cell`` called in this process, one cell after another (the baseline);
2. ``run_sweep`` on a local cluster of 1 worker;
3. ``run_sweep`` on a local cluster of 2 workers;
4. no-op cells on 1 worker: the pure cost per cell of Dask + the atomic store.

speedup = (1-worker time) / (2-worker time), for the cells phase (first submission to last
record) and end to end (cluster start and stop included). Overhead per cell =
(1-worker cells phase - direct total) / cells, and, free of the training's own timing noise,
(1-worker cells phase / cells - a cell's wall time measured on its worker).

    python benchmarks/bench_sweep.py [--steps 1500] [--repeat 2]

The machine has 2 cores shared with other work; the load average is printed before and
after, and with --repeat the best of the runs is reported. A loaded machine caps the speedup.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
GOAL = 1.6


def noop_cell(cell):
    """A cell that does nothing (no training, no R^L)."""
    return {"verdict": "agree", "seconds": 0.0, "rg_L": {"K": "0", "a": ["1"]}}


def spec(steps):
    from paper_checks.sweep.spec import SweepSpec
    return SweepSpec.from_dict({"theta": {"K": ["0.5", "0.3"], "a": ["1"]}, "objectives": ["decimate"],
                                "L": [1, 2], "seeds": [0, 1],
                                "train": {"M": 4, "steps": steps, "batch": 128, "eval_samples": 4096}})


def sweep_time(sp, workers, cell_fn=None):
    """(end-to-end s, cells-phase s, mean wall s of a cell on its worker) of one sweep."""
    from paper_checks.sweep.execute import run_sweep
    from paper_checks.sweep.store import ResultStore
    d = tempfile.mkdtemp(prefix="bench_sweep_")
    o = run_sweep(sp, d, workers=workers, cell_fn=cell_fn, progress=False)
    if o.n_error:
        raise SystemExit(f"{o.n_error} cells failed; see {d}/results.csv")
    walls = [r["wall_seconds"] for r in ResultStore(d).records().values()]
    shutil.rmtree(d, ignore_errors=True)
    return o.seconds, o.cells_seconds, sum(walls) / len(walls)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=1500,
                    help="training steps per cell (default 1500, TrainConfig's for decimate)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each sweep; the best is reported")
    ap.add_argument("--noop-cells", type=int, default=200, help="no-op cells for the pure overhead")
    opts = ap.parse_args(argv)
    from numerics.runtime import one_thread
    from paper_checks.sweep.cell import train_cell
    from paper_checks.sweep.spec import SweepSpec

    one_thread()                                  # the workers' thread policy, for the direct baseline too
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores; >~0.5 means other work competes)")
    sp = spec(opts.steps)
    cells = [dict(c.to_dict()) for c in sp.cells()]
    n = len(cells)
    train_cell(cells[0])                          # warm-up: imports, first-call costs
    direct = []
    for c in cells:
        t = time.perf_counter()
        train_cell(c)
        direct.append(time.perf_counter() - t)
    t_direct = sum(direct)
    print(f"direct: {n} cells in {t_direct:.2f} s ({t_direct / n:.3f} s per cell, {opts.steps} steps each)")
    best = {}
    for w in (1, 2):
        runs = [sweep_time(sp, w) for _ in range(max(1, opts.repeat))]
        r = min(runs, key=lambda r: r[1])
        best[w] = (min(q[0] for q in runs), r[1], r[2])
        busy = r[2] * n / (w * r[1])
        print(f"{w} worker{'s' if w > 1 else ' '}: end to end {best[w][0]:.2f} s, cells phase {r[1]:.2f} s; "
              f"a cell takes {r[2]:.3f} s on its worker; workers busy {100 * busy:.0f}% of the cells phase")
    sp_cells, sp_e2e = best[1][1] / best[2][1], best[1][0] / best[2][0]
    print(f"speedup 2 workers over 1: cells phase {sp_cells:.2f}x, end to end {sp_e2e:.2f}x "
          f"(goal >= {GOAL}x: {'met' if sp_cells >= GOAL else 'NOT met'} on the cells phase)")
    print(f"  = 2 x (speed of a cell while two run, relative to one: {best[1][2] / best[2][2]:.2f}; "
          "1.0 = cores not contended) "
          f"x (scheduling efficiency {sp_cells / 2 / (best[1][2] / best[2][2]):.2f})")
    over = (best[1][1] - t_direct) / n
    print(f"Dask overhead per real cell vs direct, (1 worker cells phase - direct) / cells: {over * 1000:.0f} ms "
          f"({100 * over / (t_direct / n):.1f}% of a cell; the difference of two timings of the training, "
          f"so it carries their noise)")
    around = best[1][1] / n - best[1][2]
    print(f"Dask overhead per real cell around the cell, 1 worker cells phase / cells - the cell's own wall "
          f"time on its worker: {around * 1000:.1f} ms ({100 * around / best[1][2]:.2f}% of a cell)")
    noop = SweepSpec.from_dict({"theta": {"K": ["0.5"], "a": ["1"]}, "objectives": ["decimate"], "L": [1],
                                "seeds": list(range(opts.noop_cells))})
    e2e, cells_s, _ = sweep_time(noop, 1, cell_fn=noop_cell)
    print(f"no-op cells: {opts.noop_cells} in {cells_s:.2f} s on 1 worker = "
          f"{1000 * cells_s / opts.noop_cells:.1f} ms per cell (Dask round trip + atomic write + table), "
          f"cluster start/stop {e2e - cells_s:.2f} s")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""Time to agreement: train, sample, estimate chi-hat, until |z| < 3 with s.e. <= 1% of a* (docs/theory.md 4).

For each case the number of training steps doubles (100, 200, 400, ...) until the run agrees
(the verdict rule of numerics.network.compare, plus s.e.(a_1) <= 1% of a*_1); the time of that
run (sampling, training and estimation included, one torch thread) is the time to agreement.
Baseline, measured in the same run: sampling the estimation set and estimating chi of the
data's own decimated sites (no network) -- the cost floor of one comparison. Ratios are
against it. The target reference is theta* for infomax and R^L(theta) for decimate (what the
objective's optimum gives; decimate's z against theta* is printed too).

Goals: Gaussian decimate and infomax (N = 64, M = 16) under 30 s each,
quartic single well under 2 min. Timings on a shared 2-core machine are noisy: rerun to judge.

    python benchmarks/bench_train.py [--quick]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402

from numerics.network.config import TrainConfig  # noqa: E402
from numerics.network.estimator import chi_hat  # noqa: E402
from numerics.network.sampler import make_sampler  # noqa: E402
from numerics.network.train import train_and_compare  # noqa: E402

CASES = [
    ("gaussian decimate", {"K": "0.5", "a": ["1"], "objective": "decimate"}, 30),
    ("gaussian infomax", {"K": "0.5", "a": ["1"], "objective": "infomax"}, 30),
    # n = 2: the projection's a_1 error is ~2x the Gaussian one; 40000 samples bring it under 1% of a*_1
    ("quartic decimate", {"K": "0.4", "a": ["0.5", "0.1"], "objective": "decimate", "eval_samples": 40000}, 120),
    ("quartic infomax tanh", {"K": "0.4", "a": ["0.5", "0.1"], "objective": "infomax", "activation": "tanh",
                              "eval_samples": 40000}, 120),
    ("quartic infomax linear", {"K": "0.4", "a": ["0.5", "0.1"], "objective": "infomax", "eval_samples": 40000}, 120),
]


def baseline(d):
    cfg = TrainConfig.from_dict(d)
    t = time.perf_counter()
    s = make_sampler(float(cfg.chain.K), [float(v) for v in cfg.chain.a], cfg.N)
    x = s.sample(cfg.eval_samples, torch.Generator().manual_seed(0)).numpy()
    chi_hat(x[:, :: cfg.N // cfg.M], cfg.n)
    return time.perf_counter() - t


def agreed(r):
    if r["chi"] is None:
        return False
    verdict, z = (r["verdict_rg"], r["z_rg"]) if r["objective"] == "decimate" else (r["verdict"], r["z"])
    a_star = r["theta_star"]["a"][0]
    return verdict == "agree" and r["se"]["a"][0] <= 0.01 * abs(a_star)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="Gaussian cases only")
    ap.add_argument("--max-steps", type=int, default=3200)
    ap.add_argument("--cases", nargs="+", help="run only the cases whose name contains one of these words")
    args = ap.parse_args()
    torch.set_num_threads(1)
    print(f"{'case':<24} {'steps':>6} {'seconds':>8} {'bound':>6} {'x base':>7}  verdict  max|z|  se(a1)/a1*  loss_gap")
    cases = CASES[:2] if args.quick else CASES
    if args.cases:
        cases = [c for c in cases if any(w in c[0] for w in args.cases)]
    for name, d, bound in cases:
        base = baseline(d)
        steps, r = 100, None
        while steps <= args.max_steps:
            r = train_and_compare({**d, "steps": steps}, progress=False)
            if agreed(r):
                break
            steps *= 2
        ok = agreed(r)
        key = "z_rg" if d["objective"] == "decimate" else "z"
        mz = max(abs(r[key]["K"]), *map(abs, r[key]["a"])) if r["chi"] else float("nan")
        rel = r["se"]["a"][0] / abs(r["theta_star"]["a"][0]) if r["chi"] else float("nan")
        status = "agree" if ok else "NO"
        within = "ok" if (ok and r["seconds"] < bound) else "OVER"
        print(f"{name:<24} {min(steps, args.max_steps):>6} {r['seconds']:>8.1f} {bound:>5}s {r['seconds'] / base:>7.1f}"
              f"  {status:<7} {mz:>6.2f}  {rel:>10.4f}  {r['loss_gap']:.2e}  [{within}; baseline {base:.2f} s]")
        if d["objective"] == "decimate" and r["chi"]:
            print(f"{'':<24} vs theta*: z = K {r['z']['K']:+.2f}, a {', '.join(f'{v:+.2f}' for v in r['z']['a'])}"
                  f" -> {r['verdict']} (R^L(theta) differs from theta* by u^(b^L))")


if __name__ == "__main__":
    main()

"""Test doubles for the sweep machinery: cell functions with train_and_compare's contract.

They stand in for the training where a test is about the machinery (scheduling, faults,
resume), not about the numbers; tests/test_sweep.py also runs the real training once.
They live in an importable module so Dask workers can unpickle them by reference.
"""
import os
import time
from pathlib import Path


def sleepy_cell(cell):
    """Log the attempt, sleep ``train['sleep']`` seconds, return a result naming the cell.

    Attempts are appended to ``train['marker_dir']/<key>`` so a test can count how often
    each cell was started (a retried cell has two lines).
    """
    opts = cell["train"]
    with open(Path(opts["marker_dir"]) / cell["key"], "a") as f:
        f.write(f"{os.getpid()}\n")
    time.sleep(opts.get("sleep", 0.0))
    if cell["seed"] == opts.get("fail_seed", -1):
        raise RuntimeError(f"injected failure for seed {cell['seed']}")
    k = float(cell["K"])
    return {"chi": {"K": str(k / 2 ** cell["L"]), "a": list(cell["a"])},
            "se": {"K": "0.01", "a": ["0.01"] * len(cell["a"])},
            "theta_star": {"K": "0", "a": list(cell["a"])},
            "z": {"K": "0", "a": ["0"] * len(cell["a"])},
            "verdict": "agree", "seconds": opts.get("sleep", 0.0)}

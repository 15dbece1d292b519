"""Trained networks shared by the claims of one run: a configuration is trained once, however many claims ask.

``train(config)`` is ``numerics.network.train.train_and_compare(config)`` keyed by the full training
configuration (``TrainConfig.to_dict()`` after defaults, so two spellings of one network are one key). Within
a process the result is kept in memory; across the worker processes of a parallel ``rgdnn check`` it is kept in
the run's directory (``RUN_DIR_ENV``, set by ``paper_checks.engine`` for its workers): the first worker to ask
takes a lock file and trains, any other worker asking for the same network waits for the result file. Every
claim gets its own copy.

>>> key({"K": "0.5", "a": ["1"], "objective": "decimate"}) == key({"K": "1/2", "a": ["1"], "objective": "decimate",
...                                                                  "N": 64})
True
>>> key({"K": "0.5", "a": ["1"], "objective": "decimate"}) == key({"K": "0.5", "a": ("1",), "objective": "decimate",
...                                                                  "N": 64, "steps": 1000})
True
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import pickle
import time
from pathlib import Path

RUN_DIR_ENV = "RGDNN_CHECK_RUN_DIR"
_MEMORY: dict[str, dict] = {}
WAIT_S = 0.2


def key(config):
    """The sha256 of the training configuration with every default filled in and K, a read exactly."""
    from numerics.network.config import TrainConfig
    from proofs.family import exact_rational
    cfg = config if isinstance(config, TrainConfig) else TrainConfig.from_dict(dict(config))
    d = cfg.to_dict()
    d["K"], d["a"] = str(exact_rational(d["K"])), [str(exact_rational(v)) for v in d["a"]]
    return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:32]


def clear():
    """Forget this process's trained networks (the engine calls it at the start and end of a run)."""
    _MEMORY.clear()


def train(config):
    """``train_and_compare(config, progress=False)``, computed once per run and configuration; a private copy."""
    k = key(config)
    if k not in _MEMORY:
        run_dir = os.environ.get(RUN_DIR_ENV)
        _MEMORY[k] = _across_processes(Path(run_dir), k, config) if run_dir else _train(config)
    return copy.deepcopy(_MEMORY[k])


def _train(config):
    from numerics.network.train import train_and_compare
    return train_and_compare(config, progress=False)


def _across_processes(run_dir, k, config):
    """The result file of ``k`` in ``run_dir``: read it, or train under a lock file and write it (atomically)."""
    result, lock = run_dir / f"{k}.pickle", run_dir / f"{k}.lock"
    while True:
        if result.exists():
            with open(result, "rb") as f:
                return pickle.load(f)
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:          # another worker trains this network: wait for its result
            time.sleep(WAIT_S)
            continue
        try:
            out = _train(config)
            tmp = run_dir / f"{k}.{os.getpid()}.tmp"
            with open(tmp, "wb") as f:
                pickle.dump(out, f)
            os.replace(tmp, result)
            return out
        finally:                         # a failed training frees the lock: a waiting claim trains it again
            os.close(fd)
            os.remove(lock)

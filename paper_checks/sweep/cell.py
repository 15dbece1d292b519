"""One cell on a worker: the cell function, turned into a record; and the training cells.

``run_cell(cell, cell_fn)`` never raises for a failure of the cell itself: the
exception's type and message become the record's ``error`` (and its traceback is
kept in the JSON), so one bad cell cannot kill the run. It runs the cell under the
thread policy (``numerics.runtime.one_thread``). The cell function is a parameter,
``cell_fn(cell: dict) -> dict``: a spec names its own (``SweepSpec``: ``sweep_cell``;
the presets: ``numerics.network.results.study_cell``); tests and benchmarks may pass
another one with the same contract.

The training cells of a sweep: ``train_cell`` is ``numerics.network.train.train_and_compare``
on the cell's TrainConfig; ``sweep_cell`` adds R^L(theta) where the training gave none.

>>> rec = run_cell({"key": "k", "K": "0.5", "a": ["1"], "objective": "decimate", "L": 1,
...                 "seed": 0, "scheme": "decimation", "b": 2, "train": {}}, cell_fn=lambda c: 1 / 0)
>>> rec["status"], rec["error"]
('error', 'ZeroDivisionError: division by zero')
"""
from __future__ import annotations

import os
import platform
import time
import traceback
from datetime import datetime, timezone

from numerics.runtime import one_thread


def train_config(cell):
    """The TrainConfig of a cell: theta, objective, layers = L, seed, [train] options, N = M b^L.

    N = M b^L makes the network's L layers comparable with L steps of RG with block b
    (docs/theory.md 4.1); M is the [train] option or TrainConfig's default.
    """
    from numerics.network.config import TrainConfig
    from proofs.errors import MalformedInput
    d = dict(cell.get("train", {}))
    d.update(K=cell["K"], a=list(cell["a"]), objective=cell["objective"], layers=cell["L"], seed=cell["seed"])
    if cell.get("ising") is True:
        d["ising"] = True
    M = d.get("M", TrainConfig.__dataclass_fields__["M"].default)
    if isinstance(M, int) and not isinstance(M, bool):
        # N is derived from M: report a bad M as M, not as the N it would give
        if not 3 <= M <= 4096:
            raise MalformedInput("M", repr(M), "must be an integer between 3 and 4096")
        N = M * cell.get("b", 2) ** cell["L"]
        if N > 4096:
            raise MalformedInput("M", repr(M), f"N = M b^L = {N} input sites; at most 4096")
    d["N"] = M * cell.get("b", 2) ** cell["L"] if isinstance(M, int) else M
    return TrainConfig.from_dict(d)


def train_cell(cell):
    """``train_and_compare`` on the cell's TrainConfig, without a progress bar."""
    from numerics.network.train import train_and_compare
    return train_and_compare(train_config(cell), progress=False)


def sweep_cell(cell):
    """A sweep's cell: ``train_cell``, with R^L(theta) (``rg_L_of``) where the training gave none."""
    result = dict(train_cell(cell))
    if result.get("rg_L") is None:
        result["rg_L"] = rg_L_of(cell)
    return result


def rg_L_of(cell, dps=20):
    """R^L(theta) for the cell's scheme and b, as decimal strings {K, a}; None if unsupported here."""
    import mpmath

    from numerics import api
    from proofs.errors import NotSupported, RGDNNError
    from proofs.family import Chain
    try:
        chain = Chain.ising(cell["K"]) if cell.get("ising") is True else Chain.polynomial(cell["K"], list(cell["a"]))
        point = api.flow(chain, scheme=cell.get("scheme", "decimation"),
                         b=cell.get("b", 2), steps=cell["L"], dps=dps)[-1]
    except NotSupported:
        return None
    except RGDNNError as exc:      # e.g. NotConverged: keep the cell, say why R^L is missing
        return {"error": f"{type(exc).__name__}: {exc}".splitlines()[0][:300]}
    with mpmath.mp.workdps(dps):
        return {"K": mpmath.nstr(point.K, 17), "a": [mpmath.nstr(x, 17) for x in point.a]}


def run_cell(cell, cell_fn):
    """Run one cell under the thread policy; its record (status "ok" with the result, or "error" with the error)."""
    t0 = time.perf_counter()
    rec = {"key": cell["key"], "cell": cell, "index": cell.get("index"),
           "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
           "worker": {"host": platform.node(), "pid": os.getpid()}}
    try:
        with one_thread():
            result = dict(cell_fn(cell))
        rec.update(status="ok", result=result)
    except Exception as exc:   # the cell's failure becomes data, not a dead run
        rec.update(status="error", error=error_line(exc),
                   traceback="".join(traceback.format_exception(exc))[-5000:])
    rec["wall_seconds"] = round(time.perf_counter() - t0, 4)
    return rec


def error_line(exc):
    """'Type: message' of an exception, first line, at most 500 characters (a record's ``error``)."""
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:500]

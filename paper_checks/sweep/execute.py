"""Run a sweep's unfinished cells on Dask: a local cluster by default, or an existing one.

The client submits one task per unfinished cell and writes each record the moment
its result arrives (``store.ResultStore.write``, atomic), so:

- a rerun skips every cell whose record says "ok" (failed cells are retried);
- a worker that dies mid-sweep loses no finished cell (finished cells are already
  on disk, written by the client), and the scheduler reruns the cells it held on
  the surviving or restarted workers (up to ``distributed.scheduler.allowed-failures``
  deaths per cell, then the cell is recorded as a ``KilledWorker`` error);
- a cell that raises is recorded with its error and the sweep goes on.

The records are written by the client, not by the workers, which is why the same
code runs unchanged on an existing cluster whose workers cannot see ``out``.
"""
from __future__ import annotations

import logging
import os
import platform
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from paper_checks.sweep.cell import THREAD_ENV, one_thread, run_cell
from paper_checks.sweep.store import ResultStore
from proofs.errors import MalformedInput

TABLE_EVERY_S = 2.0     # regenerate results.csv at most this often during a run (and always at the end)


@dataclass(frozen=True)
class SweepOutcome:
    out: Path
    n_cells: int
    n_skipped: int      # finished in an earlier run
    n_run: int          # submitted in this run
    n_ok: int           # ok among all cells after this run
    n_error: int        # failed among all cells after this run
    seconds: float      # wall time of this run, cluster start and stop included
    cells_seconds: float  # from the first submission to the last record (0 if nothing ran)
    workers: int


try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:    # pragma: no cover - distributed is a declared dependency
    WorkerPlugin = object


# imported by each worker when it starts, so a worker's one-time import cost (a few seconds:
# torch, sympy, torch._dynamo which torch.optim loads on first use, the numerics backends that
# numerics.api loads lazily) is not charged to its first cell, and the ETA sees steady cells
TRAIN_PRELOAD = ("torch", "numerics.network.train", "torch._dynamo", "numerics.exact", "numerics.general")


class WorkerSetup(WorkerPlugin):
    """Pins every worker (local or remote, present or joining later) to one torch/BLAS thread
    and preloads the modules the cells need."""

    name = "rgdnn-worker-setup"

    def __init__(self, preload=()):
        self.preload = tuple(preload)

    def setup(self, worker):
        import importlib
        one_thread()
        for mod in self.preload:
            try:
                importlib.import_module(mod)
            except Exception:        # a broken import fails again in the cell, which records it
                pass
        one_thread()


def cores():
    """The cores this process may use (its CPU affinity, which a container may restrict)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def local_cluster(workers, log=None):
    """A LocalCluster of ``workers`` one-thread processes, every socket on 127.0.0.1.

    The scheduler's HTTP server (health and metrics routes) would otherwise listen on
    port 8787 of every interface even with the dashboard off: it gets a random loopback port.
    Dask's own logs are silenced below CRITICAL: a cell's failure is recorded with its traceback
    in its record, and on Ctrl-C the workers' heartbeat errors against the closing scheduler
    would otherwise bury the one-line "interrupted".
    """
    from distributed import LocalCluster
    with _quiet_children(log):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                            dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False},
                            silence_logs=logging.CRITICAL, env=dict(THREAD_ENV))


@contextmanager
def _quiet_children(log=None):
    """Worker processes started inside inherit SIGINT blocked (the mask survives exec), and
    their stderr goes to the file ``log`` (when given) instead of the terminal.

    Ctrl-C on a terminal signals the whole process group: without this every worker
    would print its own KeyboardInterrupt traceback. The client alone handles it: it
    cancels the cells, closes the cluster (which stops the workers) and exits with one line.
    A process started from a thread that existed before may miss the mask; its stderr, and
    any worker's crash report, still goes to ``log``.
    """
    import signal
    import threading
    # Workers stopped mid-cell on Ctrl-C leave their semaphores to multiprocessing's resource
    # tracker, which removes them and warns once per worker; the tracker reads its warning
    # filters from ours when it starts (multiprocessing.util._args_from_interpreter_flags).
    quiet = "ignore::UserWarning:multiprocessing.resource_tracker"
    if quiet not in sys.warnoptions:
        sys.warnoptions.append(quiet)
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    # Blocked, not ignored: the mask is inherited by the threads and processes started here,
    # while a Ctrl-C during the start stays pending for this process and interrupts it after.
    saved = None
    if log is not None:
        sys.stderr.flush()
        with open(log, "a") as f:
            saved = os.dup(2)
            os.dup2(f.fileno(), 2)
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        if saved is not None:
            os.dup2(saved, 2)
            os.close(saved)
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def dask_client(scheduler=None, workers=None, log=None):
    """A Dask client: to ``scheduler`` if given, else to a new loopback LocalCluster of ``workers`` processes."""
    from distributed import Client
    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise MalformedInput("scheduler", scheduler, f"no Dask scheduler answered there ({exc})") from None
        try:
            yield client
        finally:
            client.close()
        return
    n = cores() if workers is None else workers
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 512:
        raise MalformedInput("workers", repr(workers), "must be an integer between 1 and 512")
    cluster = local_cluster(n, log)
    try:
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
    except KeyboardInterrupt:
        # Ctrl-C: the connections torn down mid-message leave asyncio futures whose errors
        # would be logged as tracebacks; the interruption is reported once, by the CLI.
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
        raise
    finally:
        cluster.close()


def run_sweep(spec, out, *, scheduler=None, workers=None, cell_fn=None, progress=True, on_record=None):
    """Run the cells of ``spec`` not yet finished in ``out``; returns a SweepOutcome.

    ``cell_fn(cell_dict) -> dict`` replaces the training run (tests, benchmarks);
    ``on_record(record)`` is called in the client after each record is on disk.
    """
    from tqdm.auto import tqdm

    t0 = time.perf_counter()
    if cell_fn is None:
        validate_configs(spec)
    store = ResultStore(out).prepare()
    manifest = _manifest_for(store, spec)
    cells = spec.cells()
    records = store.records()
    done = {k for k, r in records.items() if r.get("status") == "ok"}
    pending = [(i, c) for i, c in enumerate(cells) if c.key not in done]
    run = {"id": uuid.uuid4().hex[:8], "started": _now(), "scheduler": scheduler or "local",
           "cells": len(cells), "skipped": len(cells) - len(pending), "submitted": len(pending), "status": "running"}
    manifest["runs"].append(run)
    store.write_manifest(manifest)
    n_workers = 0
    cells_seconds = 0.0
    status = "interrupted"             # unless it finishes or fails below (Ctrl-C, SIGTERM)
    try:
        if pending:
            with dask_client(scheduler, workers, log=store.root / "workers.log") as client:
                client.register_plugin(WorkerSetup(TRAIN_PRELOAD if cell_fn is None else ()))
                info = client.scheduler_info()
                n_workers = len(info.get("workers", {}))
                run["workers"] = _workers_summary(info)
                store.write_manifest(manifest)
                futures = {}
                t_submit = time.perf_counter()
                for i, c in pending:
                    d = dict(c.to_dict(), index=i)
                    fut = client.submit(run_cell, d, cell_fn, key=f"rgdnn-cell-{c.key}-{run['id']}", pure=False)
                    futures[fut] = d
                _collect(futures, store, records, len(cells), len(done), progress, on_record, tqdm)
                cells_seconds = time.perf_counter() - t_submit
        status = "finished"
    except Exception as exc:            # e.g. no scheduler at --scheduler: the run failed, say why
        status = f"failed: {type(exc).__name__}: {exc}".splitlines()[0][:300]
        raise
    finally:
        run.update(status=status, ended=_now(), seconds=round(time.perf_counter() - t0, 3))
        store.write_manifest(manifest)
        records = store.records()
        store.write_table(records)
    n_ok = sum(1 for c in cells if records.get(c.key, {}).get("status") == "ok")
    return SweepOutcome(out=Path(out), n_cells=len(cells), n_skipped=len(cells) - len(pending),
                        n_run=len(pending), n_ok=n_ok, n_error=len(cells) - n_ok,
                        seconds=time.perf_counter() - t0, cells_seconds=cells_seconds, workers=n_workers)


def validate_configs(spec):
    """Build the TrainConfig of every distinct (theta, objective, L) up front: a bad option fails now,
    with its typed error, instead of in every cell."""
    from paper_checks.sweep.cell import train_config
    seen = set()
    for c in spec.cells():
        k = (c.K, c.a, c.objective, c.L)
        if k not in seen:
            seen.add(k)
            train_config(c.to_dict())


def _collect(futures, store, records, total, initial, progress, on_record, tqdm):
    from distributed import as_completed
    last_table = time.monotonic()
    bar = tqdm(total=total, initial=initial, unit="cell", desc="sweep", disable=not progress,
               dynamic_ncols=True, file=sys.stderr)
    try:
        for fut in as_completed(list(futures)):
            cell = futures.pop(fut)
            try:
                rec = fut.result()
            except Exception as exc:        # KilledWorker after repeated worker deaths, lost futures
                rec = {"key": cell["key"], "cell": cell, "index": cell["index"], "status": "error",
                       "error": f"{type(exc).__name__}: {exc}".splitlines()[0][:500]}
            store.write(rec)
            records[rec["key"]] = rec
            bar.update(1)
            if rec.get("status") != "ok":
                bar.write(f"cell {rec['key']} ({_label(cell)}) failed: {rec.get('error')}")
            if on_record is not None:
                on_record(rec)
            if time.monotonic() - last_table > TABLE_EVERY_S:
                store.write_table(records)
                last_table = time.monotonic()
    finally:
        bar.close()
        for fut in futures:     # interrupted: do not leave our tasks running on a shared cluster
            fut.cancel()


def _label(cell):
    return f"K={cell['K']} a=({','.join(cell['a'])}) {cell['objective']} L={cell['L']} seed={cell['seed']}"


def _now():
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _manifest_for(store, spec):
    """The directory's manifest; refuses a directory that holds a sweep with a different spec."""
    spec_d = spec.to_dict()
    old = store.read_manifest()
    if old is not None:
        if old.get("spec") != spec_d:
            raise MalformedInput("out", str(store.root), "holds a sweep with a different spec (see its "
                                 "manifest.json); rerun the same spec to resume, or choose a new --out")
        old.setdefault("runs", [])
        old["versions"], old["machine"] = versions(), machine()
        return old
    return {"spec": spec_d, "versions": versions(), "machine": machine(), "runs": []}


def versions():
    """Versions of Python, rgdnn (with its git commit when run from a checkout) and the libraries."""
    import numerics
    out = {"python": platform.python_version(), "rgdnn": numerics.__version__}
    for pkg in ("torch", "numpy", "mpmath", "sympy", "dask", "distributed", "python-flint"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    try:
        root = Path(numerics.__file__).resolve().parent.parent
        out["git_commit"] = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                                           text=True, timeout=5).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        out["git_commit"] = None
    return out


def machine():
    return {"host": platform.node(), "platform": platform.platform(), "machine": platform.machine(),
            "cpus": os.cpu_count()}


def _workers_summary(info):
    ws = info.get("workers", {}).values()
    return {"count": len(ws), "threads": sum(w.get("nthreads", 0) for w in ws),
            "hosts": sorted({w.get("host", "") for w in ws}),
            "memory_limit_bytes": sum(w.get("memory_limit", 0) or 0 for w in ws)}

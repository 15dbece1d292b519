"""Run a spec's unfinished cells: in this process, on a local Dask cluster, or on an existing one.

The executors: ``in_process=True`` runs the cells one after the other in this process (no Dask);
otherwise a Dask client submits one task per unfinished cell, to a new loopback ``LocalCluster`` of
``workers`` processes or to the scheduler at ``scheduler``: anything parallel runs on Dask. The
client writes each record the moment its result arrives (``store.ResultStore.write``, atomic), so:

- a rerun skips every cell whose record says "ok" (failed cells are retried);
- a worker that dies mid-run loses no finished cell (finished cells are already
  on disk, written by the client), and the scheduler reruns the cells it held on
  the surviving or restarted workers (up to ``distributed.scheduler.allowed-failures``
  deaths per cell, then the cell is recorded as a ``KilledWorker`` error);
- a cell that raises is recorded with its error and the run goes on.

The records are written by the client, not by the workers, which is why the same
code runs unchanged on an existing cluster whose workers cannot see ``out``.

A spec is anything with ``cells()`` (each cell with ``key`` and ``to_dict()``), ``to_dict()`` (its
copy in the manifest), ``cell_fn()`` (its default cell function) and ``validate()``: ``SweepSpec``
and the presets (``paper_checks.sweep.presets``).
"""
from __future__ import annotations

import logging
import os
import sys
import time
import uuid
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from numerics.runtime import THREAD_ENV, manifest, one_thread
from paper_checks.sweep.cell import error_line, run_cell
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
    in_process: bool = False

    def line(self, command):
        """'<command>: n cells: k already finished, m run on w workers in s s; i ok, j failed'."""
        where = "in this process" if self.in_process else f"on {self.workers} workers"
        return (f"{command}: {self.n_cells} cells: {self.n_skipped} already finished, {self.n_run} run {where} "
                f"in {self.seconds:.1f} s; {self.n_ok} ok, {self.n_error} failed")


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
    import dask
    from distributed import LocalCluster
    # Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in its workers by default; an explicit threshold turns
    # off glibc's adaptive mmap threshold, so every large temporary of a training step is mapped and unmapped
    # afresh: about a third of a worker's time went to the kernel (page faults). Only the thread limits stay.
    with _quiet_children(log), dask.config.set({"distributed.nanny.pre-spawn-environ": dict(THREAD_ENV)}):
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
    cluster = local_cluster(check_workers(workers), log)
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


def check_workers(workers):
    """The number of local Dask workers: ``workers``, or every core when None; 1..512 else MalformedInput."""
    n = cores() if workers is None else workers
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 512:
        raise MalformedInput("workers", repr(workers), "must be an integer between 1 and 512")
    return n


def run_sweep(spec, out, *, scheduler=None, workers=None, in_process=False, cell_fn=None, progress=True,
              on_record=None, desc="sweep", name="out"):
    """Run the cells of ``spec`` not yet finished in ``out``; returns a SweepOutcome.

    ``in_process``: run the cells here, one after the other; otherwise on Dask (``scheduler``, or a
    local cluster of ``workers`` processes). ``cell_fn(cell_dict) -> dict`` replaces the spec's own
    cell function (tests, benchmarks); ``on_record(record)`` is called after each record is on disk.
    ``desc`` labels the progress bar, ``name`` is the flag of ``out`` in error messages.
    """
    from tqdm.auto import tqdm

    t0 = time.perf_counter()
    if not in_process and scheduler is None:
        check_workers(workers)         # before the store is touched or a progress bar drawn
    if cell_fn is None:
        fn = spec.cell_fn()        # imports the training code: before anything is written
        spec.validate()
    else:
        fn = cell_fn
    store = ResultStore(out, name=name).prepare()
    record = _manifest_for(store, spec)
    cells = spec.cells()
    records = store.records()
    done = {k for k, r in records.items() if r.get("status") == "ok"}
    pending = [dict(c.to_dict(), index=i) for i, c in enumerate(cells) if c.key not in done]
    run = {"id": uuid.uuid4().hex[:8], "started": _now(), "scheduler": "in-process" if in_process else
           scheduler or "local", "cells": len(cells), "skipped": len(cells) - len(pending),
           "submitted": len(pending), "status": "running"}
    record["runs"].append(run)
    store.write_manifest(record)
    n_workers = 0
    cells_seconds = 0.0
    status = "interrupted"             # unless it finishes or fails below (Ctrl-C, SIGTERM)
    bar = tqdm(total=len(cells), initial=len(done), unit="cell", desc=desc, disable=not progress,
               dynamic_ncols=True, file=sys.stderr)
    try:
        if pending and in_process:
            n_workers = 1
            t_submit = time.perf_counter()
            _collect(((d, run_cell(d, fn)) for d in pending), store, records, bar, on_record)
            cells_seconds = time.perf_counter() - t_submit
        elif pending:
            with dask_client(scheduler, workers, log=store.root / "workers.log") as client:
                client.register_plugin(WorkerSetup(TRAIN_PRELOAD if cell_fn is None else ()))
                info = client.scheduler_info()
                n_workers = len(info.get("workers", {}))
                run["workers"] = _workers_summary(info)
                store.write_manifest(record)
                t_submit = time.perf_counter()
                with closing(_on_dask(client, pending, fn, run["id"])) as results:   # cancelled while connected
                    _collect(results, store, records, bar, on_record)
                cells_seconds = time.perf_counter() - t_submit
        status = "finished"
    except Exception as exc:            # e.g. no scheduler at --scheduler: the run failed, say why
        status = f"failed: {type(exc).__name__}: {exc}".splitlines()[0][:300]
        raise
    finally:
        bar.close()
        run.update(status=status, ended=_now(), seconds=round(time.perf_counter() - t0, 3))
        store.write_manifest(record)
        records = store.records()
        store.write_table(records)
    n_ok = sum(1 for c in cells if records.get(c.key, {}).get("status") == "ok")
    return SweepOutcome(out=Path(out), n_cells=len(cells), n_skipped=len(cells) - len(pending),
                        n_run=len(pending), n_ok=n_ok, n_error=len(cells) - n_ok,
                        seconds=time.perf_counter() - t0, cells_seconds=cells_seconds, workers=n_workers,
                        in_process=in_process)


def _on_dask(client, pending, fn, run_id):
    """(cell, record) of each pending cell as its Dask task finishes; cancels the rest when stopped early."""
    from distributed import as_completed
    futures = {client.submit(run_cell, d, fn, key=f"rgdnn-cell-{d['key']}-{run_id}", pure=False): d
               for d in pending}
    try:
        for fut in as_completed(list(futures)):
            cell = futures.pop(fut)
            try:
                rec = fut.result()
            except Exception as exc:        # KilledWorker after repeated worker deaths, lost futures
                rec = {"key": cell["key"], "cell": cell, "index": cell["index"], "status": "error",
                       "error": error_line(exc)}
            yield cell, rec
    finally:
        for fut in futures:     # interrupted: do not leave our tasks running on a shared cluster
            fut.cancel()


def _collect(results, store, records, bar, on_record):
    """Write each (cell, record) as it comes; the table at most every TABLE_EVERY_S seconds."""
    last_table = time.monotonic()
    for cell, rec in results:
        store.write(rec)
        records[rec["key"]] = rec
        bar.update(1)
        if rec.get("status") != "ok":
            bar.write(f"cell {rec['key']} ({_label(cell)}) failed: {rec.get('error')}", file=sys.stderr)
        if on_record is not None:
            on_record(rec)
        if time.monotonic() - last_table > TABLE_EVERY_S:
            store.write_table(records)
            last_table = time.monotonic()


def _label(cell):
    """What a cell is, for a line on its failure: theta, objective, L and seed (or the study's row)."""
    row = cell.get("example") or cell.get("demo")
    theta = row if row else f"K={cell['K']} a=({','.join(cell['a'])})"
    return " ".join([theta, cell["objective"]] + [f"{k}={cell[k]}" for k in ("L", "seed") if k in cell])


def _now():
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _manifest_for(store, spec):
    """The directory's manifest; refuses a directory that holds a run of a different spec."""
    spec_d = spec.to_dict()
    old = store.read_manifest()
    if old is not None:
        if old.get("spec") != spec_d:
            raise MalformedInput(store.name, str(store.root), "holds a sweep with a different spec (see its "
                                 f"manifest.json); rerun the same spec to resume, or choose a new --{store.name}")
        return {**old, **manifest(spec=spec_d, runs=old.get("runs", []))}
    return manifest(spec=spec_d, runs=[])


def _workers_summary(info):
    ws = info.get("workers", {}).values()
    return {"count": len(ws), "threads": sum(w.get("nthreads", 0) for w in ws),
            "hosts": sorted({w.get("host", "") for w in ws}),
            "memory_limit_bytes": sum(w.get("memory_limit", 0) or 0 for w in ws)}

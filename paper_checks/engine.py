"""The engine: run registered claims, time each, and turn evidence into verdicts.

Verdict rules (docs/theory.md: "a check that fails is reported as failing"):

- expected ``holds``: ``holds`` if the evidence passes, ``FAILS`` if not,
  ``ERROR`` if the check raised (the message is kept); the last two fail the run;
- expected ``open``: ``open: holds`` / ``open: fails``, always reported, never
  failing the run; ``open: error`` (the check crashed) FAILS the run: an open
  question is no excuse for a check that does not run;
- ``skipped``: a slow (training) claim under ``quick``; never fails the run.

Claims run in parallel, one process per core (``workers``), longest first: each claim's
expected seconds (``EXPECTED``, measured by ``benchmarks/bench_check.py``) order the queue
(longest-processing-time first, so a long claim never starts last) and give the time left
that the progress line shows. Each worker runs a claim under the thread policy
(``numerics.runtime.one_thread``) with its own ``ctx.artifacts`` and sends back the verdict,
the evidence, the wall and CPU seconds, the artifacts (merged into the run's, claim by claim in
id order) and the library's log lines. Ctrl-C stops the workers and raises KeyboardInterrupt once,
in this process. One worker, or a private registry, runs the claims here, one after the other.

>>> from paper_checks.registry import claim, Evidence
>>> reg = {}
>>> @claim("t.ok", "true", provenance="standard", hypotheses="-", registry=reg)
... def _ok(ctx): return Evidence(True, "fine")
>>> @claim("t.open", "unknown", provenance="paper", hypotheses="-", expected="open", registry=reg)
... def _op(ctx): return Evidence(False, "not seen")
>>> results = run(registry=reg, progress=False)
>>> [(r.id, r.verdict) for r in results], exit_code(results)
([('t.ok', 'holds'), ('t.open', 'open: fails')], 0)
>>> @claim("t.crash", "unknown", provenance="paper", hypotheses="-", expected="open", registry=reg)
... def _cr(ctx): return 1 / 0
>>> results = run(registry=reg, progress=False)
>>> [r.verdict for r in results], exit_code(results)
(['open: error', 'holds', 'open: fails'], 1)
"""
from __future__ import annotations

import difflib
import json
import logging
import os
import re
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from paper_checks import trained
from paper_checks.registry import REGISTRY, Claim, Context, Evidence
from proofs.errors import MalformedInput, UnknownName

# INFO: one line per claim when stderr is not a terminal; the CLI shows these (rgdnn.cli)
log = logging.getLogger(__name__)

FAILING = ("FAILS", "ERROR", "open: error")


@dataclass(frozen=True)
class Result:
    """One claim's outcome: verdict, the evidence behind it, and the seconds it took."""

    claim: Claim
    verdict: str
    evidence: Evidence | None
    seconds: float
    error: str = ""              # "ExceptionType: message" when the check raised
    traceback: str = field(default="", repr=False)
    cpu_seconds: float = 0.0     # CPU time of the process that ran the check, while it ran

    @property
    def id(self) -> str:
        return self.claim.id

    @property
    def fails_run(self) -> bool:
        return self.verdict in FAILING

    @property
    def summary(self) -> str:
        if self.error:
            return self.error
        if self.evidence is None:
            return "skipped by --quick (needs training)" if self.verdict == "skipped" else ""
        return self.evidence.summary


def load_registry(reg: dict[str, Claim] | None = None) -> dict[str, Claim]:
    """The claim registry: ``reg`` if given, else every module in paper_checks.claims loaded."""
    if reg is not None:
        return reg
    from paper_checks.claims import load_all
    load_all()
    return REGISTRY


def select(only: str | Iterable[str] | None = None, quick: bool = False,
           registry: dict[str, Claim] | None = None) -> list[Claim]:
    """Claims to run, in id order. ``only``: an id or list of ids (unknown ids are refused).

    A slow claim named in ``only`` runs even with ``quick``: asking for it by name wins.
    """
    reg = load_registry(registry)
    if only:
        ids = [only] if isinstance(only, str) else list(only)
        for i in ids:
            if i not in reg:
                near = difflib.get_close_matches(i, list(reg), n=3, cutoff=0.4)
                hint = (f"; did you mean {', '.join(near)}?" if near
                        else f"; {len(reg)} claims are registered (rgdnn check --list)")
                if not isinstance(i, str) or not re.fullmatch(r"[\w.\-]+", i):
                    raise MalformedInput("claim id", i, "ids are dotted names such as gaussian.fixed_point "
                                         "(rgdnn check --list)")
                raise UnknownName("claim id", i, f"no claim with this id{hint}")
        return [reg[i] for i in sorted(set(ids))]
    return [reg[i] for i in sorted(reg)]


def verdict(claim: Claim, evidence: Evidence | None, error: str) -> str:
    """The verdict string for a claim given its evidence (or the error it raised)."""
    if error:
        return "open: error" if claim.expected == "open" else "ERROR"
    assert evidence is not None, "a check that did not raise returned Evidence (run_claim)"
    if claim.expected == "open":
        return "open: holds" if evidence.passed else "open: fails"
    return "holds" if evidence.passed else "FAILS"


def run_claim(c: Claim, ctx: Context) -> Result:
    """Run one claim's check under ``ctx``; exceptions become an ERROR verdict with their message."""
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        ev = c.check(ctx)
        if not isinstance(ev, Evidence):
            raise TypeError(f"check returned {type(ev).__name__}, not Evidence")
        err, tb = "", ""
    except Exception as exc:     # a check that crashes is reported, never hidden
        ev, err, tb = None, f"{type(exc).__name__}: {exc}", traceback.format_exc()
    return Result(c, verdict(c, ev, err), ev, time.perf_counter() - t0, err, tb, time.process_time() - c0)


def run(*, only: str | Iterable[str] | None = None, quick: bool = False, dps: int = 30,
        registry: dict[str, Claim] | None = None, progress: bool | None = None,
        artifacts: dict[str, Any] | None = None, workers: int | None = None) -> list[Result]:
    """Run the selected claims; returns a list of Result (one per selected claim, in id order).

    ``progress``: None shows a progress line with the time left on an interactive stderr, True
    always, False never. ``artifacts``: dict the checks may fill (training histories, flows) for
    the report. ``workers``: processes that run claims at once (None: one per core; 1: here, one
    after the other).
    """
    claims = select(only, quick, registry)
    named = set([only] if isinstance(only, str) else (only or []))
    artifacts = {} if artifacts is None else artifacts
    done: dict[str, Result] = {}
    todo = []
    for c in claims:
        if quick and c.slow and c.id not in named:
            done[c.id] = Result(c, "skipped", None, 0.0)
        else:
            todo.append(c)
    n = workers_for(len(todo), workers, registry)
    parallel = n > 1
    if parallel:
        todo = schedule(todo)
    bar = _Progress(claims, todo, done, n, progress)
    trained.clear()
    try:
        outcomes: Iterable[tuple[Result, dict[str, Any]]]
        if parallel:
            outcomes = _run_in_workers(todo, dps, quick, n, bar)
        else:
            outcomes = _run_here(todo, Context(dps=dps, quick=quick, artifacts=artifacts), bar)
        for r, arts in outcomes:
            done[r.id] = r
            if parallel:
                merge_artifacts(artifacts, arts)
    finally:
        bar.close()
        trained.clear()
    return [done[c.id] for c in claims]


def workers_for(n_claims: int, workers: int | None = None, registry: dict[str, Claim] | None = None) -> int:
    """Processes that run ``n_claims`` claims: at most ``workers`` (None: one per core) and one per claim;
    1 for a private registry (the workers rebuild the registry by importing paper_checks.claims)."""
    n = check_workers(workers)
    if n <= 1 or n_claims <= 1 or load_registry(registry) is not REGISTRY:
        return 1
    return min(n, n_claims)


def workers_used(results: list[Result], workers: int | None = None, registry: dict[str, Claim] | None = None) -> int:
    """The processes ``run`` used for these results (skipped claims do not run)."""
    return workers_for(sum(1 for r in results if r.verdict != "skipped"), workers, registry)


def check_workers(workers: int | None) -> int:
    """Processes for the claims: ``workers``, or one per core the process may use; 1..256 else MalformedInput."""
    if workers is None:
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except (AttributeError, OSError):
            return os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 256:
        raise MalformedInput("workers", repr(workers), "must be an integer between 1 and 256")
    return workers


# -- expected durations and the order of the queue -------------------------------------------

DEFAULT_SECONDS = {False: 2.0, True: 30.0}    # a claim with no measured time: quick / slow (trains)


def _load_expected() -> dict[str, float]:
    try:
        text = resources.files("paper_checks").joinpath("data/claim_seconds.json").read_text()
        return {str(k): float(v) for k, v in json.loads(text)["seconds"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


# CPU seconds of each claim on one core, measured (benchmarks/bench_check.py --update-expected)
EXPECTED: dict[str, float] = _load_expected()


def expected_seconds(c: Claim) -> float:
    """The claim's measured CPU seconds (``EXPECTED``), else a default for its kind (DEFAULT_SECONDS)."""
    return EXPECTED.get(c.id, DEFAULT_SECONDS[c.slow])


def schedule(claims: Iterable[Claim]) -> list[Claim]:
    """Longest expected first (ties by id): list scheduling in this order keeps the makespan within 4/3 of
    the best (Graham's LPT rule), and no long claim starts when the others are done.

    >>> from paper_checks.registry import Claim
    >>> cs = [Claim(i, "-", "standard", "-", check=lambda ctx: None, slow=s) for i, s in (("a", False), ("b", True))]
    >>> [c.id for c in schedule(cs)]
    ['b', 'a']
    """
    return sorted(claims, key=lambda c: (-expected_seconds(c), c.id))


def eta(remaining: list[float], running: list[float], workers: int) -> float:
    """Seconds until the last claim ends: ``running`` claims' seconds left, then ``remaining`` in queue order,
    each on the worker that frees first.

    >>> eta([4.0, 2.0], [1.0, 3.0], 2)
    5.0
    """
    free = sorted(running + [0.0] * max(0, workers - len(running)))[:max(1, workers)] or [0.0]
    for s in remaining:
        free.sort()
        free[0] += s
    return max(free)


# -- artifacts ---------------------------------------------------------------------------------

def merge_artifacts(into: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    """Add one claim's artifacts to the run's: dicts are updated, lists extended, anything else replaced.

    >>> merge_artifacts({"training": {"a": [1]}, "rows": [1]}, {"training": {"b": [2]}, "rows": [2]})
    {'training': {'a': [1], 'b': [2]}, 'rows': [1, 2]}
    """
    for k, v in more.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            into[k].update(v)
        elif isinstance(v, list) and isinstance(into.get(k), list):
            into[k].extend(v)
        else:
            into[k] = v
    return into


# -- running ------------------------------------------------------------------------------------

def _run_here(todo: list[Claim], ctx: Context, bar: _Progress) -> Iterator[tuple[Result, dict[str, Any]]]:
    """The claims one after the other in this process, sharing ``ctx``."""
    for c in todo:
        bar.started(c)
        r = run_claim(c, ctx)
        bar.finished(r)
        yield r, {}


class _LogCollector(logging.Handler):
    """The library's log records in a worker, kept as (logger, level, message) to be logged again by the parent."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


_LIBRARY_LOGGERS = ("proofs", "numerics", "paper_checks")


def _worker_setup() -> None:
    """A claim worker: Ctrl-C is the parent's to handle; one math thread; the registry loaded."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    from numerics.runtime import one_thread
    one_thread()
    load_registry()


def run_in_worker(claim_id: str, dps: int, quick: bool) -> dict[str, Any]:
    """Run one registered claim in a worker process; everything the parent needs, picklable."""
    handler = _LogCollector()
    loggers = [logging.getLogger(name) for name in _LIBRARY_LOGGERS]
    for lg in loggers:
        lg.addHandler(handler)
    try:
        ctx = Context(dps=dps, quick=quick, artifacts={})
        r = run_claim(REGISTRY[claim_id], ctx)
    finally:
        for lg in loggers:
            lg.removeHandler(handler)
    return {"id": claim_id, "verdict": r.verdict, "evidence": r.evidence, "seconds": r.seconds,
            "cpu_seconds": r.cpu_seconds, "error": r.error, "traceback": r.traceback,
            "artifacts": ctx.artifacts, "logs": handler.records}


def start_pool(workers: int) -> Any:
    """A pool of ``workers`` fresh processes (spawned: no state or threads of this one), SIGINT blocked while
    they start so that only this process sees Ctrl-C."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    # Workers ended mid-claim on Ctrl-C leave the pool's semaphore to multiprocessing's resource tracker, which
    # removes it and warns; the tracker takes its warning filters from ours when it starts.
    quiet = "ignore::UserWarning:multiprocessing.resource_tracker"
    if quiet not in sys.warnoptions:
        sys.warnoptions.append(quiet)
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_worker_setup)


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """SIGINT blocked in this thread (the mask is inherited by the processes started here); restored after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _run_in_workers(todo: list[Claim], dps: int, quick: bool, workers: int,
                    bar: _Progress) -> list[tuple[Result, dict[str, Any]]]:
    """The claims on a pool of processes, submitted longest first; (result, artifacts) in id order."""
    from concurrent.futures import FIRST_COMPLETED, wait
    by_id = {c.id: c for c in todo}
    out: dict[str, tuple[Result, dict[str, Any]]] = {}
    run_dir = tempfile.TemporaryDirectory(prefix="rgdnn-check-")    # networks the workers share (trained.py)
    previous = os.environ.get(trained.RUN_DIR_ENV)
    os.environ[trained.RUN_DIR_ENV] = run_dir.name                   # read by the workers when they start
    pool = start_pool(workers)
    try:
        with _sigint_blocked():
            futures = {pool.submit(run_in_worker, c.id, dps, quick): c for c in todo}
        for c in todo[:workers]:
            bar.started(c)
        queue = list(todo[workers:])
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for fut in finished:
                c = futures[fut]
                try:
                    d = fut.result()
                    r = Result(by_id[d["id"]], d["verdict"], d["evidence"], d["seconds"], d["error"],
                               d["traceback"], d["cpu_seconds"])
                    arts = d["artifacts"]
                    for name, level, message in d["logs"]:
                        logging.getLogger(name).log(level, "%s", message)
                except Exception as exc:     # a worker that died, or a result that could not come back
                    err = f"{type(exc).__name__}: {exc} (in the worker process running this claim)"
                    r, arts = Result(c, verdict(c, None, err), None, 0.0, err, traceback.format_exc()), {}
                out[c.id] = (r, arts)
                bar.finished(r)
                if queue:
                    bar.started(queue.pop(0))
            bar.refresh()
    except BaseException:
        _stop(pool)
        raise
    finally:
        if previous is None:
            os.environ.pop(trained.RUN_DIR_ENV, None)
        else:
            os.environ[trained.RUN_DIR_ENV] = previous
    pool.shutdown(wait=True)
    run_dir.cleanup()
    return [out[c] for c in sorted(out)]


def _stop(pool: Any) -> None:
    """Cancel what has not started and end the workers now (Ctrl-C, or an error here)."""
    logging.getLogger("concurrent.futures").setLevel(logging.CRITICAL)
    procs = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=5)
        if p.is_alive():
            p.kill()
            p.join(timeout=5)


# -- progress -----------------------------------------------------------------------------------

class _Progress:
    """The run's progress: a line with claims done, the ones running and the time left, redrawn twice a second
    on an interactive stderr; one log line per claim otherwise (the CLI shows it)."""

    def __init__(self, claims: list[Claim], todo: list[Claim], done: dict[str, Result], workers: int,
                 progress: bool | None) -> None:
        self.total, self.workers, self.todo = len(claims), workers, list(todo)
        self.count = len(done)
        self.running: dict[str, tuple[Claim, float]] = {}
        self.expected_done = self.actual_done = 0.0
        self.t0 = time.perf_counter()
        self.lock = threading.Lock()
        self.log_lines = progress is None and not sys.stderr.isatty()
        self.bar = None
        self.stop = threading.Event()
        self.ticker = None
        if progress is True or (progress is None and sys.stderr.isatty()):
            from tqdm import tqdm
            self.bar = tqdm(total=self.total, initial=self.count, desc="rgdnn check", unit="claim", file=sys.stderr,
                            leave=False, bar_format="{desc}: {n}/{total} claims |{bar:20}| {elapsed}{postfix}")
            self.ticker = threading.Thread(target=self._tick, daemon=True)
            self.ticker.start()

    def started(self, c: Claim) -> None:
        with self.lock:
            self.running[c.id] = (c, time.perf_counter())
            if c in self.todo:
                self.todo.remove(c)
        if self.log_lines and self.workers == 1:
            log.info("rgdnn check [%d/%d] %s%s", self.count + 1, self.total, c.id, " (training)" if c.slow else "")

    def finished(self, r: Result) -> None:
        with self.lock:
            self.running.pop(r.id, None)
            self.count += 1
            self.expected_done += expected_seconds(r.claim)
            self.actual_done += r.seconds
        if self.log_lines and self.workers > 1:
            log.info("rgdnn check [%d/%d] %s: %s (%.1f s)", self.count, self.total, r.id, r.verdict, r.seconds)
        if self.bar is not None:
            self.bar.update(1)

    def left(self) -> float:
        """Seconds left: the expected seconds, scaled by how this run has compared with them so far."""
        with self.lock:
            scale = min(4.0, max(0.5, self.actual_done / self.expected_done)) if self.expected_done > 5 else 1.0
            now = time.perf_counter()
            running = [max(0.5, scale * expected_seconds(c) - (now - t)) for c, t in self.running.values()]
            return eta([scale * expected_seconds(c) for c in self.todo], running, self.workers)

    def refresh(self) -> None:
        if self.bar is None:
            return
        with self.lock:
            names = ", ".join(sorted(self.running))
        self.bar.set_postfix_str(f"~{self.left():.0f} s left" + (f"; running {names}" if names else ""),
                                 refresh=True)

    def _tick(self) -> None:
        while not self.stop.wait(0.5):
            self.refresh()

    def close(self) -> None:
        self.stop.set()
        if self.ticker is not None:
            self.ticker.join()
        if self.bar is not None:
            self.bar.close()


def exit_code(results: list[Result]) -> int:
    """0 only when every claim expected to hold does hold and no check crashed (open: error fails).

    An empty run is not a pass: checking nothing proves nothing.
    """
    return 1 if not results or any(r.fails_run for r in results) else 0


def counts(results: Iterable[Result]) -> dict[str, int]:
    """{verdict: how many}, in a stable order."""
    out: dict[str, int] = {}
    for r in results:
        out[r.verdict] = out.get(r.verdict, 0) + 1
    return out

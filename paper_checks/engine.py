"""The engine: run registered claims, time each, and turn evidence into verdicts.

Verdict rules (docs/theory.md: "a check that fails is reported as failing"):

- expected ``holds``: ``holds`` if the evidence passes, ``FAILS`` if not,
  ``ERROR`` if the check raised (the message is kept); the last two fail the run;
- expected ``open``: ``open: holds`` / ``open: fails``, always reported, never
  failing the run; ``open: error`` (the check crashed) FAILS the run: an open
  question is no excuse for a check that does not run;
- ``skipped``: a slow (training) claim under ``quick``; never fails the run.

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
import logging
import re
import sys
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

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
    t0 = time.perf_counter()
    try:
        ev = c.check(ctx)
        if not isinstance(ev, Evidence):
            raise TypeError(f"check returned {type(ev).__name__}, not Evidence")
        err, tb = "", ""
    except Exception as exc:     # a check that crashes is reported, never hidden
        ev, err, tb = None, f"{type(exc).__name__}: {exc}", traceback.format_exc()
    return Result(c, verdict(c, ev, err), ev, time.perf_counter() - t0, err, tb)


def run(*, only: str | Iterable[str] | None = None, quick: bool = False, dps: int = 30,
        registry: dict[str, Claim] | None = None, progress: bool | None = None,
        artifacts: dict[str, Any] | None = None) -> list[Result]:
    """Run the selected claims; returns a list of Result (one per selected claim, in id order).

    ``progress``: None shows a bar on an interactive stderr, True always, False never.
    ``artifacts``: dict the checks may fill (training histories, flows) for the report.
    """
    claims = select(only, quick, registry)
    named = set([only] if isinstance(only, str) else (only or []))
    ctx = Context(dps=dps, quick=quick, artifacts={} if artifacts is None else artifacts)
    results = []
    bar = _bar(len(claims), progress)
    for i, c in enumerate(claims, 1):
        if bar is not None:
            bar.set_postfix_str(c.id + (" (training)" if c.slow else ""))
        elif progress is None and not sys.stderr.isatty():
            # a log file gets one line per claim instead of a redrawn bar
            log.info("rgdnn check [%d/%d] %s%s", i, len(claims), c.id, " (training)" if c.slow else "")
        if quick and c.slow and c.id not in named:
            results.append(Result(c, "skipped", None, 0.0))
        else:
            results.append(run_claim(c, ctx))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return results


def _bar(total: int, progress: bool | None) -> Any:
    """A tqdm bar on an interactive stderr (or always, when progress is True); None otherwise."""
    if progress is False or (progress is None and not sys.stderr.isatty()):
        return None
    from tqdm import tqdm
    return tqdm(total=total, desc="rgdnn check", unit="claim", file=sys.stderr, leave=False)


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

"""Claims as declared rows: id, statement, provenance, hypotheses, expected outcome, check.

Register a claim in a few lines (the check returns Evidence):

>>> from paper_checks.registry import claim, Evidence, REGISTRY
>>> @claim("demo.one-plus-one", "1 + 1 = 2 in the integers", provenance="standard",
...        hypotheses="none", section="none", registry={})
... def _check(ctx):
...     return Evidence(passed=(1 + 1 == 2), summary="1 + 1 = 2 exactly")
>>> _check.claim.id, _check.claim.expected
('demo.one-plus-one', 'holds')

Each claim names its two (or more) **routes**: the code each side of its comparison runs, as
dotted names of modules or functions (``paper_checks.routes`` reads what each imports and
``tests/test_routes.py`` fails when two routes share a numerics module that ``shared`` does not
excuse with a reason; docs/checks.md, "Routes"):

>>> @claim("demo.two-routes", "2 + 2 = 4", provenance="standard", hypotheses="none", registry={},
...        routes={"closed form": ["proofs.gaussian"], "quadrature": ["mpmath.quad"]})
... def _two(ctx):
...     return Evidence(passed=True, summary="2 + 2 = 4")
>>> sorted(_two.claim.routes)
['closed form', 'quadrature']
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PROVENANCES = ("paper", "standard", "formalization")
EXPECTED = ("holds", "open")


@dataclass(frozen=True)
class Evidence:
    """What a check found: pass/fail, a one-line summary for the table, and the numbers behind it.

    ``details`` holds the point, the exact and numeric values, the tolerance, the
    digits agreed or the z-score: whatever lets a reader re-judge the verdict.
    """

    passed: bool
    summary: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """Run-wide settings handed to every check."""

    dps: int = 30
    quick: bool = False          # skip training-based checks
    artifacts: dict[str, Any] = field(default_factory=dict)   # figures/data a check leaves for the report


@dataclass(frozen=True)
class Claim:
    """One registered claim: what is claimed, where it comes from, and the check that decides it."""

    id: str
    statement: str
    provenance: str
    hypotheses: str
    check: Callable[[Context], Evidence]
    expected: str = "holds"
    section: str = ""            # docs/theory.md section or paper equation
    slow: bool = False           # needs training; skipped by --quick
    # route name -> the modules / functions that route runs (dotted names; paper_checks.routes)
    routes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # numerics module -> why both routes may import it (a container, a dispatcher, ...)
    shared: dict[str, str] = field(default_factory=dict)
    # what the statement itself is made of, applied to every route's result (chi, the KL yardstick): dotted names
    statement_code: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.provenance not in PROVENANCES:
            raise ValueError(f"claim {self.id}: provenance {self.provenance!r} not in {PROVENANCES}")
        if self.expected not in EXPECTED:
            raise ValueError(f"claim {self.id}: expected {self.expected!r} not in {EXPECTED}")


REGISTRY: dict[str, Claim] = {}

# A check: the run's Context in, Evidence out.
Check = Callable[[Context], Evidence]


def claim(id: str, statement: str, *, provenance: str, hypotheses: str, expected: str = "holds", section: str = "",
          slow: bool = False, routes: dict[str, Any] | None = None, shared: dict[str, str] | None = None,
          statement_code: Any = (), registry: dict[str, Claim] | None = None) -> Callable[[Check], Check]:
    """Decorator: register ``check(ctx) -> Evidence`` as the claim ``id``.

    ``routes``: {route name: dotted names (a string or a list)} of the code each side of the comparison
    runs; ``shared``: {numerics module: reason} for modules both routes may import; ``statement_code``: dotted
    names of what the statement itself applies to every route's result (docs/checks.md, "Routes").
    """
    reg = REGISTRY if registry is None else registry
    declared = {name: (entries,) if isinstance(entries, str) else tuple(entries)
                for name, entries in (routes or {}).items()}

    def register(check: Check) -> Check:
        if id in reg:
            raise ValueError(f"claim id {id!r} registered twice")
        c = Claim(id=id, statement=statement, provenance=provenance, hypotheses=hypotheses,
                  check=check, expected=expected, section=section, slow=slow, routes=declared,
                  shared=dict(shared or {}),
                  statement_code=(statement_code,) if isinstance(statement_code, str) else tuple(statement_code))
        reg[id] = c
        check.claim = c          # type: ignore[attr-defined]  # the claim travels with its check function
        return check

    return register

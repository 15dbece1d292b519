"""A derivation as a list of verified steps, rendered as Markdown with LaTeX.

Each ``Step`` records its statement, how it was verified and that it was. A step is
recorded only after its verification passed; a failed verification raises
``VerificationError`` naming the derivation and the step, so no wrong derivation is
ever printed.

>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> d = Derivation("demo", "A demo", section="none")
>>> d.equal((x + 1) ** 2, x ** 2 + 2 * x + 1, "the square of a sum")
>>> d.steps[-1].method
'expand(lhs - rhs) = 0'
>>> d.equal((x + 1) ** 2, x ** 2 + 1, "a wrong square")
Traceback (most recent call last):
...
proofs.errors.VerificationError: derivation 'demo', step 2 (a wrong square): lhs - rhs = 2*x does not simplify to 0
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from proofs.errors import VerificationError


@dataclass(frozen=True)
class Step:
    """One verified statement: prose, a LaTeX formula, the verification method."""

    text: str
    latex: str
    method: str
    verified: bool = True


def _simplifiers():
    # Cheapest first; the first one that reaches 0 names the method.
    return [("expand", sp.expand), ("cancel", lambda e: sp.cancel(sp.together(e))),
            ("simplify", sp.simplify)]


def is_zero(expr, extra=()):
    """Name of the first simplifier that reduces ``expr`` to 0, else None."""
    expr = sp.sympify(expr, strict=True)   # strict: never parse a string
    if expr == 0:
        return "identical"
    for name, fn in list(extra) + _simplifiers():
        if fn(expr) == 0:
            return name
    return None


@dataclass
class Derivation:
    """A titled sequence of verified steps (and prose between them), with named results."""

    slug: str
    title: str
    section: str
    intro: str = ""
    steps: list = field(default_factory=list)
    results: dict = field(default_factory=dict)

    def _fail(self, text, why):
        raise VerificationError(f"derivation {self.slug!r}, step {len(self.steps) + 1} ({text}): {why}")

    def say(self, text):
        """Prose between steps (not a claim, so nothing to verify)."""
        self.steps.append(Step(text, "", "", verified=True))

    def equal(self, lhs, rhs, text, simplifiers=(), show=None):
        """Record ``lhs = rhs`` after checking that lhs - rhs simplifies to 0 (exact expressions only)."""
        lhs, rhs = sp.sympify(lhs, strict=True), sp.sympify(rhs, strict=True)  # never parse strings
        if lhs.has(sp.Float) or rhs.has(sp.Float):
            self._fail(text, "a float entered an exact derivation")
        how = is_zero(lhs - rhs, simplifiers)
        if how is None:
            self._fail(text, f"lhs - rhs = {sp.simplify(lhs - rhs)} does not simplify to 0")
        latex = show if show is not None else f"{sp.latex(lhs)} = {sp.latex(rhs)}"
        self.steps.append(Step(text, latex, f"{how}(lhs - rhs) = 0"))

    def check(self, ok, text, latex, method):
        """Record a statement verified another way (a substitution, a solved equation): ``ok`` must be True."""
        if ok is not True:
            self._fail(text, f"the check '{method}' did not pass")
        self.steps.append(Step(text, latex, method))

    def result(self, name, expr):
        """Keep a derived expression for later use (and return it)."""
        self.results[name] = expr
        return expr

    def markdown(self):
        """The derivation as Markdown with LaTeX ($$ ... $$ displays); deterministic."""
        out = [f"# {self.title}", "", f"docs/theory.md section {self.section}.", ""]
        if self.intro:
            out += [self.intro, ""]
        n = 0
        for s in self.steps:
            if not s.latex:
                out += [s.text, ""]
                continue
            n += 1
            out += [f"**Step {n}.** {s.text}", "", "$$", s.latex, "$$", "", f"*Verified:* {s.method}.", ""]
        return "\n".join(out).rstrip() + "\n"

    @property
    def n_verified(self):
        return sum(1 for s in self.steps if s.latex)

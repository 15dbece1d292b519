"""Restricted parser for an on-site potential V(x) given as text (never eval, never sympify).

    "0.5*x**2 + 0.1*x**4"  ->  a = (1/2, 1/10)      (V_a(x) = sum_k a_k x^(2k))

The text is parsed with ``ast`` and walked over a whitelist: numeric literals
(read exactly from their source text), the name ``x``, + - * / and ** with a
non-negative integer exponent. The result must be an even polynomial without
constant term.

>>> [str(c) for c in parse_potential("0.5*x**2 + 0.1*x**4")]
['1/2', '1/10']
>>> [str(c) for c in parse_potential("x**2/2 - (x**2)**2 + x**6/4")]
['1/2', '-1', '1/4']
>>> len(parse_potential("+".join(["x**2"] * 150)))     # a long sum is not deep nesting
1
>>> parse_potential("x**3")
Traceback (most recent call last):
...
proofs.errors.MalformedInput: malformed potential 'x**3': odd power x^3: V must be even (only x^2, x^4, ...)
"""
from __future__ import annotations

import ast
import fractions

from proofs.errors import MalformedInput
from proofs.family import MAX_COEFFICIENTS, read_rational

MAX_LENGTH = 1000
MAX_DEGREE = 2 * MAX_COEFFICIENTS      # the same limit as for a_1 .. a_n given directly
MAX_NESTING = 100                      # operator depth; deeper text is refused before recursion runs out
MAX_COEFFICIENT_BITS = 2048            # |numerator|, denominator of every intermediate coefficient


def parse_potential(text):
    """Coefficients (a_1, ..., a_n) of the even polynomial V(x) written in ``text``."""
    if not isinstance(text, str):
        raise MalformedInput("potential", repr(text), "expected a string such as '0.5*x**2 + 0.1*x**4'")
    if len(text) > MAX_LENGTH:
        raise MalformedInput("potential", text[:30] + "...", f"longer than {MAX_LENGTH} characters")
    if not text.isascii():        # Python would read a full-width x as x (NFKC) and name other digits' errors
        bad = next(ch for ch in text if not ch.isascii())
        raise MalformedInput("potential", text, f"only ASCII text is read: x, the digits 0-9, + - * / ** ( ) and "
                             f"spaces (not {bad!r}, U+{ord(bad):04X})")
    if "^" in text:
        raise MalformedInput("potential", text, "use ** for powers (x**4), not ^")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise MalformedInput("potential", text, f"not an expression ({exc.msg})") from None
    except (RecursionError, MemoryError):
        raise MalformedInput("potential", text, f"nested deeper than {MAX_NESTING} operators") from None
    poly = _Walker(text).visit(tree.body)
    poly = {p: c for p, c in poly.items() if c != 0}
    if not poly:
        raise MalformedInput("potential", text, "V is identically zero")
    if 0 in poly:
        raise MalformedInput("potential", text, f"constant term {poly[0]}: V_a has none (a constant only "
                             "rescales Z); drop it")
    odd = sorted(p for p in poly if p % 2)
    if odd:
        raise MalformedInput("potential", text, f"odd power x^{odd[0]}: V must be even (only x^2, x^4, ...)")
    n = max(poly) // 2
    return tuple(fractions.Fraction(poly.get(2 * k, 0)) for k in range(1, n + 1))


class _Walker:
    """Evaluates a whitelisted AST into a polynomial {power: Fraction}."""

    def __init__(self, text):
        self.text = text
        self.depth = 0

    def fail(self, rule):
        raise MalformedInput("potential", self.text, rule)

    def visit(self, node):
        self.depth += 1
        if self.depth > MAX_NESTING:
            self.fail(f"nested deeper than {MAX_NESTING} operators")
        try:
            return self.check_size(self._visit(node))
        finally:
            self.depth -= 1

    def _visit(self, node):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                self.fail(f"unexpected constant {node.value!r}")
            # Read the literal's own text so 0.1 is exactly 1/10, not the float; the reader bounds
            # exponent and digits before building the number (1e999999999 is refused, not built).
            src = ast.get_source_segment(self.text.strip(), node)
            try:
                return {0: read_rational(src, "literal")}
            except MalformedInput as exc:
                self.fail(f"literal {src[:30]!r}: {exc.rule}")
        if isinstance(node, ast.Name):
            if node.id != "x":
                self.fail(f"unknown name {node.id!r}: the only variable is x")
            return {1: fractions.Fraction(1)}
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
            p = self.visit(node.operand)
            return p if isinstance(node.op, ast.UAdd) else {k: -c for k, c in p.items()}
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
            # a long sum or product is a left-leaning chain: walk it in a loop, so that only
            # real nesting (parentheses, unary signs, powers) counts against MAX_NESTING
            chain = []
            while isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
                chain.append((node.op, node.right))
                node = node.left
            out = self.visit(node)
            for op, right in reversed(chain):
                r = self.visit(right)
                out = (self.check_size(self.check_degree(_mul(out, r))) if isinstance(op, ast.Mult)
                       else self.check_size(_add(out, r, 1 if isinstance(op, ast.Add) else -1)))
            return out
        if isinstance(node, ast.BinOp):
            left, right = self.visit(node.left), self.visit(node.right)
            if isinstance(node.op, ast.Add):
                return _add(left, right, 1)
            if isinstance(node.op, ast.Sub):
                return _add(left, right, -1)
            if isinstance(node.op, ast.Mult):
                return self.check_degree(_mul(left, right))
            if isinstance(node.op, ast.Div):
                if set(right) - {0} or not right.get(0):
                    self.fail("division only by a non-zero number")
                return {k: c / right[0] for k, c in left.items()}
            if isinstance(node.op, ast.Pow):
                if set(right) - {0} or right.get(0, 0).denominator != 1 or right.get(0, 0) < 0:
                    self.fail("exponents must be non-negative integers")
                if right.get(0, 0) > MAX_DEGREE:
                    self.fail(f"degree above {MAX_DEGREE} (exponent {right[0]})")
                e = int(right.get(0, 0))
                out = {0: fractions.Fraction(1)}
                for _ in range(e):
                    out = self.check_size(self.check_degree(_mul(out, left)))
                return out
        if isinstance(node, ast.Call):
            self.fail("function calls are not allowed: V must be a polynomial in x")
        self.fail(f"unsupported syntax ({type(node).__name__}): use numbers, x, + - * / and **")

    def check_degree(self, p):
        if p and max(p) > MAX_DEGREE:
            self.fail(f"degree above {MAX_DEGREE} (at most {MAX_COEFFICIENTS} coefficients a_1 .. "
                      f"a_{MAX_COEFFICIENTS})")
        return p

    def check_size(self, p):
        # Products and powers of bounded literals can still grow without bound ((10**20)**20)**20.
        for c in p.values():
            if max(abs(c.numerator).bit_length(), c.denominator.bit_length()) > MAX_COEFFICIENT_BITS:
                self.fail(f"a coefficient exceeds {MAX_COEFFICIENT_BITS} bits (about 10^616)")
        return p


def _add(p, q, sign):
    out = dict(p)
    for k, c in q.items():
        out[k] = out.get(k, 0) + sign * c
    return out


def _mul(p, q):
    out = {}
    for i, c in p.items():
        for j, d in q.items():
            out[i + j] = out.get(i + j, 0) + c * d
    return out

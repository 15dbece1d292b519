"""The sympy symbols shared by the derivation modules, with one set of assumptions.

    theta = (K; a_1, ..., a_n),  H = sum_i [V_a(x_i) - K x_i x_{i+1}]     (docs/theory.md 1)
    Gaussian chain: rho = sqrt(a^2 - K^2) > 0,  u = K / (a + rho) in (-1, 1)  (docs/theory.md 3.1)

sympy identifies a symbol by its name AND its assumptions: Symbol("u", real=True) and
Symbol("u", positive=True) print alike but are different symbols, so substituting one into an
expression built with the other silently does nothing. Every module of ``proofs`` therefore takes
a shared symbol from here. Where a step needs a narrower assumption (a > 0 for the single-site
Laplace transform, u > 0 for the symbolic-b steps), it uses the separately named ``a_pos`` /
``u_pos`` below and substitutes explicitly, so the narrowing is visible in the code.

Choices (each keeps the written derivations byte-identical, ``rgdnn derive``):

- ``K``, ``a``, ``u``, ``t``: real. K and u take both signs (K < 0 is u -> -u); ``a`` is the
  general Gaussian a_1 of the recursion, which also runs through inadmissible a (a <= |K|).
  ``proofs.optimal_weights`` used a positive u of its own (its data have 0 <= u < 1); it now
  shares this real u, and its results are unchanged (its doctests and claims check them).
- ``rho``, ``w``, ``epsilon``: positive (rho > 0 is the invariant; w = e^K or 1 - u^2;
  epsilon a small positive distance).
- ``x``, ``s``, ``y1``, ``y2``: real (sites, the Laplace variable, block spins).
- ``r``: integer >= 0 (a lag); ``b``: integer >= 1 (the block size).

>>> u == sp.Symbol("u", real=True), u == u_pos
(True, False)
>>> moment_symbol(2), kappa(3)
(m_4, kappa_6)
"""
from __future__ import annotations

import sympy as sp

K = sp.Symbol("K", real=True)
a = sp.Symbol("a", real=True)
a_pos = sp.Symbol("a", positive=True)             # a > 0: mu = exp(-a x^2) dx alone is normalizable
x = sp.Symbol("x", real=True)
s = sp.Symbol("s", real=True)
y1, y2 = sp.symbols("y_1 y_2", real=True)
rho = sp.Symbol("rho", positive=True)
u = sp.Symbol("u", real=True)
u_pos = sp.Symbol("u", positive=True)             # 0 < u < 1 (K > 0) for the symbolic-b steps; K < 0 is u -> -u
t = sp.Symbol("t", real=True)
r = sp.Symbol("r", integer=True, nonnegative=True)
b = sp.Symbol("b", integer=True, positive=True)
w = sp.Symbol("w", positive=True)
epsilon = sp.Symbol("epsilon", positive=True)


def moment_symbol(k):
    """m_(2k): the k-th even moment of the normalized single-site law mu / z."""
    return sp.Symbol(f"m_{2 * k}", real=True)


def kappa(k):
    """kappa_(2k): the k-th even cumulant of mu / z."""
    return sp.Symbol(f"kappa_{2 * k}", real=True)

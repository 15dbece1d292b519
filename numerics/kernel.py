"""The transfer kernel of a chain on trapezoid nodes (docs/theory.md sections 2, 5.3 and 5.10).

    T(x, y) = exp(K x y - V(x)/2 - V(y)/2),   V(x) = sum_k a_k x^(2k)

One kernel, two views of it: ``numerics.transfer`` resolves the infinite chain at high
precision (Arb, parity blocks), ``numerics.network.grid_chain`` the finite M-site ring in
float64. Both put T on nodes x_j = j h with weights w_j = h as the symmetric matrix

    sqrt(w_i w_j) T(x_i, y_j) e^(-s) = exp(K x_i y_j + g_i + g_j),   g_j = (log h - V(x_j) - s) / 2,

with a shift s that keeps the entries within float64's range (docs/theory.md 5.3). Beyond |x|,
exp(K x y) <= exp(|K| x^2) for |y| <= |x|, so V(x) - |K| x^2 (``tail_exponent``) bounds the
stationary weight there: both views choose their half-width with it.

>>> potential((1, 0.5), 2.0), tail_exponent(0.5, (1, 0.5), 2.0)
(12.0, 10.0)
>>> import numpy as np
>>> S = np.exp(log_kernel(0.5, (1.0,), np.array([-0.5, 0.0, 0.5]), np.array([-0.5, 0.0, 0.5]), 0.5))
>>> bool(np.allclose(S, S.T)), round(float(S[1, 1]), 15)         # h T(0, 0) = h
(True, 0.5)
"""
from __future__ import annotations

import math

import numpy as np
from flint import arb

__all__ = ["arb_weights", "log_kernel", "log_weights", "potential", "tail_exponent"]


def potential(a, x):
    """V_a(x) = sum_k a_k x^(2k) (docs/theory.md 2), for floats, numpy arrays, mpmath, Arb and acb values alike.

    >>> from flint import arb
    >>> potential((-1, 0.25), 2.0), potential([arb(1), arb(2)], arb(3)).str(5)
    (0.0, '171.00')
    """
    return sum(ak * x ** (2 * k) for k, ak in enumerate(a, 1))


def tail_exponent(K, a, x):
    """V(x) - |K| x^2: exp(-(this)) bounds the stationary weight beyond |x| (docs/theory.md 5.3, 5.10)."""
    return potential(a, x) - abs(K) * x * x


def log_weights(a, x, h, shift=0.0):
    """g_j = (log h)/2 - V(x_j)/2 - s/2: log of sqrt(w_j) exp(-V(x_j)/2) e^(-s/2), float64 on nodes x.

    V is even and taken at |x_j|: a node and its mirror get the same bits (float powers of a
    negative base need not round like those of its absolute value).
    """
    return 0.5 * math.log(h) - 0.5 * potential(a, np.abs(x)) - 0.5 * shift


def log_kernel(K, a, x, y, h, shift=0.0):
    """log of sqrt(w_i w_j) T(x_i, y_j) e^(-s) = K x_i y_j + g_i + g_j, float64, rows x and columns y."""
    return (log_weights(a, x, h, shift)[:, None] + log_weights(a, y, h, shift)[None, :]) + np.outer(x, y) * K


def arb_weights(a, xs, h, shift):
    """sqrt(h) exp(-V(x_j)/2 - s/2) for Arb nodes xs, coefficients a and step h: the Arb view of g_j."""
    half = arb(-shift) / 2
    return [h.sqrt() * (-potential(a, x) / 2 + half).exp() for x in xs]

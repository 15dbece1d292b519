"""Exact mutual information of a linear block variable with its environment, Gaussian ring (docs/theory.md 4.4).

Sites of an n-ring are blocked into n/b blocks of b consecutive sites; block j is
V_j = (x_(jb), ..., x_(jb+b-1)). Its environment E_j is the set of sites at distance > B
(the buffer) from the block and at most B + W from it: W sites on each side. For a
linear coarse variable H_j = w . V_j (+ a constant, which changes nothing) of Gaussian
data with ring covariance C (circulant, first row C(r)),

    I(H_j; E_j) = (1/2) log( w^T C_VV w / w^T C_(V|E) w ),   C_(V|E) = C_VV - C_VE C_EE^-1 C_EV,

and its maximum over w is (1/2) log lambda_max of the generalized eigenproblem
C_VV w = lambda C_(V|E) w (a Rayleigh quotient). The ring is translation invariant, so
block 0 stands for every block. The coarse units H_j form an (n/b)-ring again, with
circulant covariance Cov(H_0, H_k) = w^T C[V_0, V_k] w (``coarse_covariance``), on which the
next layer's block MI is computed the same way.

>>> from numerics.network.sampler import gaussian_ring_covariance
>>> C = [gaussian_ring_covariance(0.5, 1.0, 16, r) for r in range(16)]
>>> round(linear_block_mi(C, [1.0], 1, 0, 1), 12) == round(0.5 * math.log(2 * 1.0 * C[0]), 12)
True
"""
from __future__ import annotations

import math

import numpy as np

from numerics.blas import eigh
from numerics.runtime import one_thread
from proofs.errors import MalformedInput


def block_sites(n, b, j=0):
    """Indices of block j of b consecutive sites on the n-ring."""
    return [(j * b + i) % n for i in range(b)]


def environment_sites(n, b, buffer, window, j=0):
    """Indices of E_j: W sites on each side of block j beyond a buffer of B sites (left side first)."""
    check_geometry(n, b, buffer, window)
    s = j * b
    left = [(s - buffer - window + i) % n for i in range(window)]
    right = [(s + b + buffer + i) % n for i in range(window)]
    return left + right


def check_geometry(n, b, buffer, window, name="rsmi_window"):
    """MalformedInput unless block, two buffers and two windows fit on the n-ring without overlap."""
    if b + 2 * (buffer + window) > n:
        raise MalformedInput(name, str(window), f"block b = {b} plus 2 (buffer {buffer} + window {window}) "
                             f"sites exceed the {n}-site ring at this layer")


def circulant(row):
    """The symmetric circulant matrix C[i, k] = row[(k - i) mod n]."""
    row = np.asarray(row, dtype=np.float64)
    n = len(row)
    idx = (np.arange(n)[None, :] - np.arange(n)[:, None]) % n
    return row[idx]


def _blocks(row, b, buffer, window):
    C = circulant(row)
    n = len(row)
    V, E = block_sites(n, b), environment_sites(n, b, buffer, window)
    Cvv, Cve, Cee = C[np.ix_(V, V)], C[np.ix_(V, E)], C[np.ix_(E, E)]
    with one_thread():
        cond = Cvv - Cve @ np.linalg.solve(Cee, Cve.T)
    return Cvv, 0.5 * (cond + cond.T)


def linear_block_mi(row, w, b, buffer, window):
    """I(w . V_0; E_0) in nats for Gaussian data with ring covariance first row ``row``."""
    w = np.asarray(w, dtype=np.float64)
    Cvv, Cc = _blocks(row, b, buffer, window)
    return 0.5 * math.log(float(w @ Cvv @ w) / float(w @ Cc @ w))


def max_linear_block_mi(row, b, buffer, window):
    """(max_w I(w . V_0; E_0), argmax w with |w| = 1 and sum w >= 0): the generalized eigenproblem."""
    Cvv, Cc = _blocks(row, b, buffer, window)
    Lc = np.linalg.cholesky(Cc)
    Li = np.linalg.inv(Lc)
    lam, Q = eigh(Li @ Cvv @ Li.T)
    w = Li.T @ Q[:, -1]
    w = w / np.linalg.norm(w)
    if w.sum() < 0 or (abs(w.sum()) < 1e-12 and w[np.argmax(np.abs(w))] < 0):
        w = -w                                          # the sign of H is not identified; fix one
    return 0.5 * math.log(float(lam[-1])), w


def coarse_covariance(row, w, b):
    """First row of the circulant covariance of the coarse units H_j = w . V_j on the (n/b)-ring."""
    w = np.asarray(w, dtype=np.float64)
    C = circulant(row)
    n = len(row)
    if n % b:
        raise MalformedInput("b", str(b), f"must divide the ring size {n}")
    V0 = block_sites(n, b)
    return np.array([float(w @ C[np.ix_(V0, block_sites(n, b, k))] @ w) for k in range(n // b)])


def stacked_block_mi(row, ws, b, buffer, window):
    """Per layer l: (exact I of the given w_l, max over w_l given the layers below as given).

    ``ws``: one weight vector per layer (length b each); layer l acts on the coarse ring of
    layer l-1 (the data for l = 1).
    """
    exact, best = [], []
    for w in ws:
        exact.append(linear_block_mi(row, w, b, buffer, window))
        best.append(max_linear_block_mi(row, b, buffer, window)[0])
        row = coarse_covariance(row, w, b)
    return exact, best


def greedy_max_block_mi(row, layers, b, buffer, window):
    """(maxima, argmaxes) layer by layer: layer l maximizes its own I given the maximizers below."""
    maxima, ws = [], []
    for _ in range(layers):
        m, w = max_linear_block_mi(row, b, buffer, window)
        maxima.append(m)
        ws.append(w)
        row = coarse_covariance(row, w, b)
    return maxima, ws


# -- the infinite chain: the greedy optimum at any depth, exactly ---------------------------------

def _toeplitz(c0, g, t, sites):
    """Covariance of the coarse chain with C(0) = c0, C(k) = g t^(k-1) (k >= 1) at the given site positions."""
    d = np.abs(np.subtract.outer(sites, sites))
    out = np.where(d == 0, c0, 0.0)
    k = d[d > 0]
    with np.errstate(under="ignore"):
        out[d > 0] = g * np.power(t, (k - 1).astype(float))
    return out


IDENTIFIED = 1e-12     # relative gap of the best filter's information over the next one's, above rounding


def infinite_greedy(u, rho, layers, b, buffer, window):
    """The greedy linear rsmi optimum on the infinite Gaussian chain, layer by layer, exactly (docs/theory.md 4.4).

    Layer l's units are H^l_k = sum_i v_i x_(k n + i), n = b^l, v the product of the layer filters.
    With C(r) = u^|r| / (2 rho), for k >= 1

        Cov(H_0, H_k) = u^((k-1) n) u F G / (2 rho),   F = sum_j v_j u^j,   G = sum_i v_i u^(n-1-i),

    so the coarse chain is known from (Var H, F, G, t = u^n) alone, and F, G obey
    F' = sum_m w_m u^(m n) F, G' = sum_m w_m u^((b-1-m) n) G for the next filter w. Each layer solves
    the generalized eigenproblem of ``max_linear_block_mi`` on these covariances (no ring: nothing wraps),
    in the form that keeps its precision when the information is small: with X = C_VE C_EE^-1 C_EV (what
    E explains), I = -(1/2) log(1 - r), r the largest eigenvalue of X w = r C_VV w (the same maximizer as
    C_VV w = lambda C_(V|E) w, lambda = 1/(1 - r), but r ~ 1e-20 keeps its digits where lambda - 1 does not).
    The units are rescaled to Var H = 1/(2 rho) (m_2 kept) after each layer.

    Returns one dict per layer: {"L", "u": C_L(1)/C_L(0), "mi": max I in nats, "w": the filter (|w| = 1,
    sum w >= 0), "lag2": C_L(2)/C_L(0), "mi_gap": the information of the best filter minus that of the
    next generalized eigenvector (a small gap leaves the filter, and u_L, poorly determined), "identified":
    False when the information or that gap is below float64's resolution (then the filter is arbitrary)}.

    >>> rows = infinite_greedy(2 - 3 ** 0.5, 3 ** 0.5 / 2, 3, 2, 0, 2)     # the Gaussian example
    >>> [round(r["u"], 3) for r in rows], round(rows[0]["mi"], 4)
    ([0.17, -0.088, -0.049], 0.0468)
    """
    m2 = 1 / (2 * rho)
    c0, F, G, n = m2, 1.0, 1.0, 1
    sites = np.concatenate([np.arange(-buffer - window, -buffer), np.arange(b),
                            np.arange(b + buffer, b + buffer + window)]).astype(float)
    iV = np.arange(window, window + b)
    iE = np.concatenate([np.arange(window), np.arange(window + b, 2 * window + b)])
    out = []
    for L in range(1, layers + 1):
        with np.errstate(under="ignore"):
            t = u ** n
        g = u * F * G / (2 * rho)
        C = _toeplitz(c0, g, t, sites)
        Cvv, Cve, Cee = C[np.ix_(iV, iV)], C[np.ix_(iV, iE)], C[np.ix_(iE, iE)]
        with one_thread():
            expl = Cve @ np.linalg.solve(Cee, Cve.T)          # C_VV - C_(V|E): what E explains (small, accurate)
            expl = 0.5 * (expl + expl.T)
            Li = np.linalg.inv(np.linalg.cholesky(Cvv))
            rho_w, Q = eigh(Li @ expl @ Li.T)                 # w^T expl w / w^T C_VV w, its maximum last
        w = Li.T @ Q[:, -1]
        w = w / np.linalg.norm(w)
        if w.sum() < 0 or (abs(w.sum()) < 1e-12 and w[np.argmax(np.abs(w))] < 0):
            w = -w
        var = float(w @ Cvv @ w)
        s = math.sqrt(m2 / var)                     # rescale: Var H = m_2
        with np.errstate(under="ignore"):
            F = s * F * sum(float(wm) * u ** (m * n) for m, wm in enumerate(w))
            G = s * G * sum(float(wm) * u ** ((b - 1 - m) * n) for m, wm in enumerate(w))
            n *= b
            t = u ** n
        c0 = m2
        g = u * F * G / (2 * rho)
        mi = [-0.5 * math.log1p(-float(r)) for r in rho_w]
        out.append({"L": L, "u": g / c0, "mi": mi[-1], "w": [float(v) for v in w], "lag2": g * t / c0,
                    "mi_gap": mi[-1] - mi[-2] if len(mi) > 1 else None,
                    "identified": mi[-1] > 0 and (len(mi) == 1 or mi[-1] - mi[-2] > IDENTIFIED * mi[-1])})
    return out

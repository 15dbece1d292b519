"""Boolean block maps of the Ising chain, exactly: coarse chains by 2 x 2 transfer matrices (docs/theory.md 4.4, 4.5).

The infinite Ising chain at t = tanh K is a Markov chain on {+1, -1} with transition P = [[p, q], [q, p]],
p = (1 + t)/2, and stationary law (1/2, 1/2). A coarse chain whose unit h_j = f(block j) is a function of
a block of fine spins is a hidden Markov chain with the *last fine spin of the block* as hidden state:
for each coarse symbol h a 2 x 2 matrix M_h[s, s'] sums the probability of every block with f = h that
starts after the state s and ends in s', so that

    P(h_1, .., h_m) = pi^T M_(h_1) .. M_(h_m) 1,   pi = (1/2, 1/2).

Fine spins: M_h[s, s'] = P[s, s'] [s' = h]. A block map f of b coarse symbols gives the next layer's
matrices M'_g = sum over (h_1..h_b) with f(h) = g of M_(h_1) .. M_(h_b): the representation is closed,
2 x 2 at every depth.

Block information (rsmi, docs/theory.md 4.4): block V of b units, W units on each side beyond a buffer
of B units, I(f(V); E) from the joint law p(e_left, v, e_right) = pi^T M_(e_left) T^B M_v T^B M_(e_right) 1
(T = M_+ + M_-, buffers summed out), for all 2^(2^b) Boolean maps f at once. Decimation (keep one spin)
and majority rule are two of these maps.

>>> layers = greedy_binary_rsmi(0.7, 3, 2, 0, 2)
>>> [r["map"] for r in layers], [round(r["t"], 12) == round(math.tanh(0.7) ** 2 ** r["L"], 12) for r in layers]
(['decimation (site 0)', 'decimation (site 0)', 'decimation (site 0)'], [True, True, True])
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from proofs.errors import NotSupported

TIE = 1e-9                 # relative: maps whose information is within this of the best tie with it


class Coarse:
    """A coarse +-1 chain as (T, D): M_h = (T + h D)/2 in the eigenbasis of the fine transfer matrix.

    In that basis the stationary start and the final sum become the first basis vector, so
    P(h_1..h_m) = [M_(h_1) .. M_(h_m)]_00; T = diag(1, tau) stays diagonal (T' = T^b), and every small
    quantity (correlations, the connected part of a joint law) is carried by D's entries directly, never
    as a difference of probabilities: no cancellation, down to the floating-point range.
    """

    def __init__(self, T, D):
        self.T, self.D = np.asarray(T, float), np.asarray(D, float)

    @classmethod
    def fine(cls, t):
        """Single spins at t = tanh K: T = diag(1, t), D = [[0, 1], [t, 0]]."""
        return cls(np.diag([1.0, t]), np.array([[0.0, 1.0], [t, 0.0]]))

    def M(self, h):
        return (self.T + h * self.D) / 2

    def correlation(self):
        """E[h_0 h_1] = [D D]_00."""
        return float(self.D[0, 0] ** 2 + self.D[0, 1] * self.D[1, 0])

    def mean(self):
        """E[h_0] = D_00 (0 for a map that commutes with the global flip)."""
        return float(self.D[0, 0])


def fine_matrices(t):
    """The single-spin chain at t = tanh K (a ``Coarse``)."""
    return Coarse.fine(t)


def blocks(b):
    """Every block of b symbols in {+1, -1}, as a (2^b, b) int array (row order of the truth tables)."""
    return np.array(list(itertools.product((1, -1), repeat=b)), dtype=int)


def block_matrices(C, b):
    """(2^b, 2, 2): M_v = M_(v_1) .. M_(v_b) for every block v in ``blocks(b)`` order."""
    Mp, Mm = C.M(1), C.M(-1)
    out = []
    for v in blocks(b):
        A = np.eye(2)
        for h in v:
            A = A @ (Mp if h == 1 else Mm)
        out.append(A)
    return np.array(out)


def coarse(C, b, table):
    """The next layer's chain under the block map with truth table ``table`` (+-1 per row of ``blocks(b)``).

    T' = T^b, and D' = sum_v f(v) M_v = sum_S f^(S) word_S by the Walsh expansion of f, with
    f^(S) = 2^-b sum_v f(v) prod_(i in S) v_i and word_S the product with D at the positions in S and T
    elsewhere: each entry of a word is one product (T diagonal, D off-diagonal), so small entries such as
    D_01 tau are kept (summing the M_v instead would round them away).
    """
    V = blocks(b)
    table = np.asarray(table, float)
    D = np.zeros((2, 2))
    for S in itertools.product((0, 1), repeat=b):
        chi = np.prod(np.where(np.array(S, bool), V, 1), axis=1)
        coef = float(table @ chi) / 2 ** b
        if coef == 0:
            continue
        W = np.eye(2)
        for i in S:
            W = W @ (C.D if i else C.T)
        D += coef * W
    return Coarse(np.diag(np.diag(C.T) ** b), D)


def correlation(C, lag=1):
    """E[h_0 h_lag] of the coarse chain."""
    if lag == 1:
        return C.correlation()
    return float((C.D @ np.linalg.matrix_power(C.T, lag - 1) @ C.D)[0, 0])


def mean(C):
    """E[h_0]: 0 for a map that commutes with the global flip."""
    return C.mean()


def joint(C, b, buffer, window):
    """(p_V, p_E, c): the block law p_V(v) (2^b), the environment's product law p_L(e_l) p_R(e_r) flattened
    (2^(2W)), and the connected part c(v, e) = p(v, e) - p_L p_V p_R (2^b, 2^(2W)).

    With X = T^(B+..) diagonal, p(e_l, v, e_r) = sum_ij A_l[0,i] X_i A_v[i,j] X_j A_r[j,0]: the (0, 0) term is the
    product of the three marginals, the rest is c, made of small entries only.
    """
    X = np.diag(C.T) ** buffer                          # T^B (diagonal)
    W = block_matrices(C, window)                       # (2^W, 2, 2)
    V = block_matrices(C, b)
    left, right = W[:, 0, :] * X, W[:, :, 0] * X        # A_l[0, i] X_i and X_j A_r[j, 0]
    V0 = V.copy()
    V0[:, 0, 0] = 0.0                                   # the (0, 0) term is the product of the marginals
    conn = np.einsum("li,vij,rj->vlr", left, V0, right)
    pE = np.outer(W[:, 0, 0], W[:, 0, 0]).ravel()
    return V[:, 0, 0], pE, conn.reshape(len(V), -1)


def all_tables(b):
    """(2^(2^b), 2^b) truth tables of every Boolean map of a block of b spins, in binary order."""
    if b > 3:
        raise NotSupported(f"binary rsmi enumerates all 2^(2^b) block maps: b = {b} gives "
                           f"2^{2 ** b}; the exact route takes b <= 3")
    n = 2 ** b
    return np.array(list(itertools.product((1, -1), repeat=n)), dtype=int)


def phi(x):
    """(1 + x) log(1 + x) - x, by its series x^2/2 - x^3/6 + x^4/12 - x^5/20 + x^6/30 for |x| < 1e-2."""
    x = np.asarray(x, float)
    small = np.abs(x) < 1e-2
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        big = (1 + x) * np.log1p(x) - x
        ser = x * x * (0.5 + x * (-1 / 6 + x * (1 / 12 + x * (-1 / 20 + x / 30))))
    return np.where(small, ser, big)


def information(joint_law, tables):
    """I(f(V); E) in nats for every truth table (rows), from ``joint``'s (p_V, p_E, c), without cancellation:
    p(h, e) = p(h) p(e) + kappa, kappa(h, e) = c_h(e) - p(h) c(e), and since sum kappa = 0,
    I = sum p(h) p(e) phi(kappa / (p(h) p(e))), phi(x) = (1 + x) log(1 + x) - x >= 0 (a series for small x):
    relative precision down to the floating-point range."""
    pV, pE0, c = joint_law
    ctot = c.sum(0)                                      # connected part of p(e): left and right through the block
    pE = pE0 + ctot
    out = np.zeros(len(tables))
    for h in (1, -1):
        sel = (tables == h).astype(float)
        ph = sel @ pV                                    # (maps,)
        kappa = sel @ c - ph[:, None] * ctot[None, :]    # (maps, e)
        pp = ph[:, None] * pE[None, :]
        with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
            x = np.where(pp > 0, kappa / pp, 0.0)
            term = np.where(pp > 0, pp * phi(x), 0.0)
        out += term.sum(1)
    return np.maximum(out, 0.0)


def describe(table, b):
    """'decimation (site i)' / 'flipped decimation (site i)', 'majority', 'constant', or the truth table."""
    table = np.asarray(table)
    V = blocks(b)
    for i in range(b):
        if np.array_equal(table, V[:, i]):
            return f"decimation (site {i})"
        if np.array_equal(table, -V[:, i]):
            return f"flipped decimation (site {i})"
    if b % 2 and np.array_equal(table, np.sign(V.sum(1))):
        return "majority"
    if np.all(table == table[0]):
        return "constant"
    return "table " + "".join("+" if v == 1 else "-" for v in table)


def is_decimation(table, b):
    """True when the map keeps one spin of the block (up to its sign)."""
    return describe(table, b).startswith(("decimation", "flipped decimation"))


def majority_table(b):
    """Majority rule on an odd block."""
    if b % 2 == 0:
        raise NotSupported(f"majority rule needs an odd block; b = {b}")
    return np.sign(blocks(b).sum(1))


def iterate(t, b, table, layers):
    """[t_1, .., t_layers]: E[h_0 h_1] after applying the block map ``table`` L times (one-shot: no projection)."""
    C, out = Coarse.fine(t), []
    for _ in range(layers):
        C = coarse(C, b, table)
        out.append(C.correlation())
    return out


def greedy_binary_rsmi(K, layers, b, buffer, window):
    """The greedy binary rsmi optimum: at each layer the Boolean block map with the largest I(h; E).

    Ties (information within TIE relative of the best, or every map's information below the float range)
    are broken toward decimation of the first site, then the first table in binary order; the tie is
    reported; "identified" is False when every map's information is 0 in float64 (the map kept is then the
    convention, not the optimum). Returns one dict per layer: {"L", "t": E[h_0 h_1], "mean": E[h], "mi", "map", "table",
    "decimation": bool, "ties": [names of tied maps], "runner_up": the best information of a map that is
    not tied with the optimum, or None}.
    """
    tables = all_tables(b)
    M = Coarse.fine(math.tanh(float(K)))
    dec0 = blocks(b)[:, 0]
    out = []
    for L in range(1, layers + 1):
        mi = information(joint(M, b, buffer, window), tables)
        best = float(mi.max())
        tied = np.flatnonzero(mi >= best * (1 - TIE)) if best > 0 else np.arange(len(tables))
        pick = next((i for i in tied if np.array_equal(tables[i], dec0)), tied[0])
        rest = mi[np.setdiff1d(np.arange(len(tables)), tied)]
        M = coarse(M, b, tables[pick])
        out.append({"L": L, "t": M.correlation(), "mean": M.mean(), "mi": float(mi[pick]),
                    "map": describe(tables[pick], b), "table": [int(v) for v in tables[pick]],
                    "decimation": is_decimation(tables[pick], b),
                    "ties": [describe(tables[i], b) for i in tied][:8], "n_tied": int(len(tied)),
                    "identified": bool(best > 0),
                    "runner_up": float(rest.max()) if rest.size else None})
    return out

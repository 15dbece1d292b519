"""The Ising chain under decimation: closed forms (docs/theory.md 2 and 3.1).

    L(s) = 2 cosh s,   tanh K' = (tanh K)^b,   A(K) = log(2 cosh K),   C(r) = (tanh K)^|r|

For large |K| the same recursion is written in q = exp(-2|K|), where it has no
cancellation:  q' = O_b(q) / E_b(q)  with O_b, E_b the odd and even parts of (1 + q)^b.

>>> recursion_q(2)
2*q/(q**2 + 1)
>>> FREE_ENERGY
log(2*cosh(K))
"""
from __future__ import annotations

from functools import cache

import sympy as sp

from proofs.symbols import K, b, r, s, t, w, y1, y2

q = sp.Symbol("q", positive=True)          # q = exp(-2|K|), in (0, 1]

LAPLACE = 2 * sp.cosh(s)
FREE_ENERGY = sp.log(2 * sp.cosh(K))
FREE_ENERGY_Q = -sp.log(q) / 2 + sp.log(1 + q)         # = log(2 cosh |K|) at q = exp(-2|K|)
CORRELATION = sp.tanh(K) ** r


@cache
def recursion(bb):
    """K' = atanh((tanh K)^b)."""
    return sp.atanh(sp.tanh(K) ** int(bb))


@cache
def recursion_q(bb):
    """q' = exp(-2 K') as a function of q = exp(-2 K), K > 0: odd over even part of (1 + q)^b.

    From tanh K = (1 - q) / (1 + q):  q' = ((1 + q)^b - (1 - q)^b) / ((1 + q)^b + (1 - q)^b).
    """
    bb = int(bb)
    odd = sp.Add(*[sp.binomial(bb, j) * q ** j for j in range(1, bb + 1, 2)])
    even = sp.Add(*[sp.binomial(bb, j) * q ** j for j in range(0, bb + 1, 2)])
    return odd / even


@cache
def derivative_at_zero(bb):
    """dK'/dK at the fixed point K* = 0: 0 for every b >= 2 (K' = K^b + O(K^(b+2))).

    >>> derivative_at_zero(2), derivative_at_zero(3)
    (0, 0)
    """
    return sp.simplify(sp.diff(recursion(bb), K).subs(K, 0))


def derive():
    """Derivation: the Ising chain by the Laplace-transform route; recursion, fixed points, free energy."""
    from proofs.derivation import Derivation
    d = Derivation("ising", "Ising chain: decimation by the Laplace transform, fixed points and free energy",
                   "2 and 3.1",
                   intro=("Spins x_i in {-1, +1} with counting measure (L(s) = 2 cosh s), H = -K sum_i x_i x_(i+1). "
                          "Write w = e^K > 0 so that every identity is a rational identity in w."))
    ch = lambda z: (w ** z + w ** (-z)) / 2                     # cosh(z K) as a function of w = e^K
    d.equal(sp.exp(K * (y1 + y2)) + sp.exp(-K * (y1 + y2)), 2 * sp.cosh(K * (y1 + y2)),
            "Summing out the middle spin x of y_1 - x - y_2 is the Laplace transform at s = K (y_1 + y_2):",
            simplifiers=[("rewrite(exp)", lambda e: sp.simplify(e.rewrite(sp.exp)))],
            show=r"\sum_{x = \pm 1} e^{K x (y_1 + y_2)} = L\big(K(y_1+y_2)\big) = 2\cosh\big(K(y_1 + y_2)\big)")
    # 2 cosh(K (y1 + y2)) = c e^(K' y1 y2) on the four configurations, with e^(2K') = cosh 2K, c^2 = 4 cosh 2K
    E2 = ch(2)                                                  # e^(2 K') = cosh 2K
    ok = all(sp.cancel((2 * ch(p + q)) ** 2 - 4 * ch(2) * E2 ** (p * q)) == 0 for p in (1, -1) for q in (1, -1))
    d.check(ok, "On y_1, y_2 in {-1, +1} this is c e^(K' y_1 y_2) with e^(2K') = cosh 2K and c^2 = 4 cosh 2K:",
            r"2\cosh\big(K(y_1+y_2)\big) = 2\sqrt{\cosh 2K}\; e^{K' y_1 y_2},\qquad e^{2K'} = \cosh 2K",
            "the squares of both sides agree on all four configurations (rational identity in w = e^K)")
    tanh = lambda z: (w ** (2 * z) - 1) / (w ** (2 * z) + 1)     # tanh(z K)
    d.equal((E2 - 1) / (E2 + 1), tanh(1) ** 2, "Hence, with tanh K' = (e^(2K') - 1)/(e^(2K') + 1):",
            show=r"\tanh K' = \frac{\cosh 2K - 1}{\cosh 2K + 1} = \tanh^2 K")
    T = sp.Matrix([[w, 1 / w], [1 / w, w]])
    P = sp.Matrix([[1, 1], [1, -1]]) / sp.sqrt(2)
    d.check((P * sp.diag(2 * ch(1), w - 1 / w) * P.T - T).applyfunc(sp.cancel) == sp.zeros(2, 2),
            "General b: the transfer matrix T = [[e^K, e^-K], [e^-K, e^K]] has eigenvalues 2 cosh K, 2 sinh K with "
            "eigenvectors (1, 1), (1, -1):",
            r"T = P \operatorname{diag}(2\cosh K,\, 2\sinh K)\, P^T,\qquad "
            r"P = \tfrac{1}{\sqrt 2}\begin{pmatrix} 1 & 1 \\ 1 & -1 \end{pmatrix}",
            "matrix product, cancel")
    L0, L1 = sp.symbols("Lambda_0 Lambda_1", positive=True)        # (2 cosh K)^b, (2 sinh K)^b, K > 0
    Tb = P * sp.diag(L0, L1) * P.T
    d.check(sp.simplify(Tb[0, 0] - (L0 + L1) / 2) == 0 and sp.simplify(Tb[0, 1] - (L0 - L1) / 2) == 0,
            "Summing out b - 1 spins is T^b:",
            r"T^b = \frac12\begin{pmatrix} \Lambda_0 + \Lambda_1 & \Lambda_0 - \Lambda_1 \\ "
            r"\Lambda_0 - \Lambda_1 & \Lambda_0 + \Lambda_1 \end{pmatrix},\quad "
            r"\Lambda_0 = (2\cosh K)^b,\ \Lambda_1 = (2\sinh K)^b",
            "matrix product with symbolic eigenvalue powers")
    e2Kp = Tb[0, 0] / Tb[0, 1]
    d.equal((e2Kp - 1) / (e2Kp + 1), L1 / L0, "Matching T^b = c' T(K') (e^(2K') = ratio of entries):",
            show=r"\tanh K' = \frac{\Lambda_1}{\Lambda_0} = \tanh^b K")
    for bb in (2, 3, 4, 5):
        Tb_ = (T ** bb).applyfunc(sp.cancel)
        R = Tb_[0, 0] / Tb_[0, 1]
        d.check(sp.cancel((R - 1) / (R + 1) - tanh(1) ** bb) == 0,
                f"b = {bb}, every sign of K: T^{bb} computed directly.",
                rf"\tanh K' = \tanh^{{{bb}}} K", "sympy matrix power in w = e^K, cancel")
    for bb in (2, 3, 4, 5):
        tq = (1 - q) / (1 + q)
        d.equal((1 - tq ** bb) / (1 + tq ** bb), recursion_q(bb),
                f"b = {bb}: in q = e^(-2K) (K > 0) the same recursion has no cancellation near K = infinity:",
                show=rf"q' = {sp.latex(recursion_q(bb))}")
    tt = t
    for bb in (2, 3):
        sols = sorted(sp.solve(sp.Eq(tt ** bb, tt), tt))
        d.check(sols == ([0, 1] if bb == 2 else [-1, 0, 1]) and sp.diff(tt ** bb, tt).subs(tt, 1) == bb
                and derivative_at_zero(bb) == 0,
                f"Fixed points of t' = t^{bb} (t = tanh K): {sols}. t = 0 is K* = 0, stable (dK'/dK = 0 there); "
                f"t = 1 is K* = infinity, unstable (dt'/dt = {bb})"
                + ("; t = -1 is K* = -infinity for odd b." if bb == 3 else "."),
                rf"t^* \in \{{{', '.join(map(str, sols))}\}},\quad "
                rf"\frac{{dK'}}{{dK}}\Big|_{{K=0}} = 0,\quad \frac{{dt'}}{{dt}}\Big|_{{t=1}} = {bb}",
                "sympy solve, derivatives of t^b and of atanh(tanh^b K) at K = 0")
    d.say(r"The top eigenvalue of $T$ is $2\cosh K$, so the free energy per site is $A(K) = \log(2\cosh K)$, and the "
          r"correlation is $C(r) = (\Lambda_1/\Lambda_0)^{r} = \tanh^r K$ (ratio of eigenvalues to the power r).")
    Cb, Sb = sp.symbols("C_b S_b", positive=True)                 # cosh^b K, sinh^b K (K > 0, C_b > S_b)
    bsym = b
    cosh_Kp = Cb / sp.sqrt(Cb ** 2 - Sb ** 2)                     # 1 / sqrt(1 - tanh^2 K'), tanh K' = S_b / C_b
    g = (sp.log(2 ** (bsym - 1)) + sp.log(Cb ** 2 - Sb ** 2) / 2) / bsym
    d.equal(sp.log(2 ** bsym * Cb) / bsym, sp.log(2 * cosh_Kp) / bsym + g,
            "Free-energy RG relation A(K) = A(K')/b + g(K) (K > 0; A is even in K): b A(K) = log Lambda_0 = "
            "log(2 cosh K') + log c', with",
            simplifiers=[("expand_log", lambda e: sp.simplify(sp.expand_log(e, force=True)))],
            show=r"g(K) = \frac{1}{b}\log\Big(2^{b-1}\sqrt{\cosh^{2b} K - \sinh^{2b} K}\Big)")
    return d


DERIVATIONS = (derive,)

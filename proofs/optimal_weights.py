"""Optimal weights of a linear network on Gaussian chain data, and chi there (docs/theory.md 4.3), in sympy.

Data: the Gaussian chain in the (u, rho) coordinates of docs/theory.md 2,

    K = 2 rho u / (1 - u^2),  a = rho (1 + u^2) / (1 - u^2),  C(r) = u^|r| / (2 rho),  0 <= u < 1, rho > 0,

and a linear feature map y = W x. The characteristic parameters of a Gaussian,
translation-invariant output with E[y0^2] = C0 and E[y0 y1] = C1 are (exact inverse map,
infinite chain): u' = C1 / C0, rho' = 1 / (2 C0).

- ``decimate``: E||W x - D x||^2 = tr((W - D) C (W - D)^T); its gradient 2 (W - D) C vanishes
  only at W* = D (C is positive definite). chi(W*) = R^L(theta): u_L = u^(b^L), rho_L = rho.
  chi = theta* = (0, rho) iff u = 0 (K = 0); otherwise only in the limit L -> infinity.
- ``infomax``: maximize (1/2) log det Sigma, Sigma = W C W^T, subject to Sigma_jj = sigma^2.
  Any positive definite Sigma is reachable (M <= N, C > 0), so the problem is over Sigma.
  Lagrangian stationarity: (Sigma^-1)_ij = 0 for i != j, solved exactly here for M = 2, 3;
  the only positive definite solution is Sigma = sigma^2 I, the global maximum by Hadamard's
  inequality det Sigma <= prod Sigma_jj. chi = (0, 1 / (2 sigma^2)): equal to theta* exactly
  when sigma^2 = m_2 = 1 / (2 rho), the data's scale, at every depth L -- imposed by the
  constraint (a*) and by the Hadamard structure (K* = 0).
- ``autoencoder``: min over W (M x N), G (N x M) of E||x - G W x||^2 = tr C - tr(P C) with
  P = G W of rank M: Eckart-Young gives the sum of the N - M smallest eigenvalues of C, at
  G W = U_M U_M^T (top-M eigenvectors: the low-momentum Fourier modes). W = A U_M^T for ANY
  invertible A, so Cov(y) = A Lambda_M A^T ranges over every positive definite M x M matrix:
  chi is not identifiable (every admissible (K, a) is attained at the optimum).

>>> r = decimate_optimum(b=2, L=2)
>>> sp.simplify(r.chi_K - 2 * rho * u**4 / (1 - u**8))
0
>>> r.equals_rg, r.chi_equals_theta_star_when
(True, 'u = 0 (K = 0), else only as L -> oo')
>>> infomax_optimum(M=3).stationary_pd_solutions
[{s12: 0, s13: 0, s23: 0}]
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from proofs.errors import VerificationError
from proofs.symbols import rho, t, u  # u is real, shared with proofs.gaussian (proofs.symbols)

sigma2 = sp.Symbol("sigma2", positive=True)


def theta_of(u_, rho_):
    """(K, a) of the Gaussian chain with parameters (u, rho) (docs/theory.md 3.1)."""
    return sp.simplify(2 * rho_ * u_ / (1 - u_ ** 2)), sp.simplify(rho_ * (1 + u_ ** 2) / (1 - u_ ** 2))


def chi_from_covariance(C0, C1):
    """chi = (K, a) of a Gaussian chain output with E[y0^2] = C0, E[y0 y1] = C1 (exact inverse map)."""
    return theta_of(sp.simplify(C1 / C0), sp.simplify(1 / (2 * C0)))


def rg_gaussian(K, a, steps):
    """``steps`` exact b = 2 decimations: K' = K^2 / (2a), a' = a - K^2 / (2a)."""
    for _ in range(steps):
        K, a = sp.simplify(K ** 2 / (2 * a)), sp.simplify(a - K ** 2 / (2 * a))
    return K, a


@dataclass(frozen=True)
class DecimateOptimum:
    W_star: str
    gradient: sp.Expr
    chi_K: sp.Expr
    chi_a: sp.Expr
    equals_rg: bool
    chi_equals_theta_star_when: str


@cache
def decimate_optimum(b=2, L=1):
    """W* = D and chi(W*) = R^L(theta); verified against the exact RG recursion for b = 2."""
    N = 3                       # the gradient identity is checked entrywise on generic 3 x 3 matrices
    W = sp.Matrix(N, N, lambda i, j: sp.Symbol(f"w{i}{j}"))
    Dm = sp.Matrix(N, N, lambda i, j: sp.Symbol(f"d{i}{j}"))
    Cs = sp.Matrix(N, N, lambda i, j: sp.Symbol(f"c{min(i, j)}{max(i, j)}"))
    loss = ((W - Dm) * Cs * (W - Dm).T).trace()
    grad = sp.Matrix(N, N, lambda i, j: sp.diff(loss, W[i, j]))
    if sp.simplify(grad - 2 * (W - Dm) * Cs) != sp.zeros(N, N):
        raise VerificationError("decimate: gradient of tr((W-D) C (W-D)^T) is not 2 (W-D) C")
    uL = u ** (b ** L)
    K_L, a_L = chi_from_covariance(1 / (2 * rho), uL / (2 * rho))     # D C D^T: C(r b^L)
    equals = True
    if b == 2:
        K0, a0 = theta_of(u, rho)
        Kr, ar = rg_gaussian(K0, a0, L)
        equals = sp.simplify(Kr - K_L) == 0 and sp.simplify(ar - a_L) == 0
        if not equals:
            raise VerificationError("decimate: chi(W* = D) differs from the exact RG recursion")
    return DecimateOptimum("D (keep every b^L-th site)", 2 * (W - Dm) * Cs, K_L, a_L, equals,
                           "u = 0 (K = 0), else only as L -> oo")


@dataclass(frozen=True)
class InfomaxOptimum:
    M: int
    stationary_solutions: list
    stationary_pd_solutions: list
    hadamard_gap: sp.Expr          # prod Sigma_jj - det Sigma at a symmetric point, >= 0
    chi_K: sp.Expr
    chi_a: sp.Expr
    chi_equals_theta_star_when: str


@cache
def infomax_optimum(M=3):
    """Stationary points of log det Sigma under Sigma_jj = sigma^2 (exact), and chi at the optimum."""
    if M not in (2, 3):
        raise VerificationError("infomax: exact stationarity solved for M = 2, 3 (Hadamard covers all M)")
    off = {(i, j): sp.Symbol(f"s{i + 1}{j + 1}", real=True) for i in range(M) for j in range(i + 1, M)}
    S = sp.Matrix(M, M, lambda i, j: sigma2 if i == j else off[(min(i, j), max(i, j))])
    det = sp.expand(S.det())
    # d/ds_ij log det = 2 (S^-1)_ij = 2 cof_ij / det: stationarity <=> cofactor_ij = 0
    eqs = [sp.expand(sp.diff(det, s)) for s in off.values()]
    sols = sp.solve(eqs, list(off.values()), dict=True)
    pd = []
    for sol in sols:
        Ss = S.subs(sol)
        minors = [sp.simplify(Ss[:k, :k].det()) for k in range(1, M + 1)]
        if all(sp.simplify(m).is_positive for m in minors):
            pd.append(sol)
    if pd != [{s: 0 for s in off.values()}]:
        raise VerificationError(f"infomax: positive definite stationary points {pd}, expected only Sigma = sigma^2 I")
    gap = sp.factor(sp.expand(sigma2 ** M - det.subs({s: t for s in off.values()})))
    K_out, a_out = chi_from_covariance(sigma2, 0)
    return InfomaxOptimum(M, sols, pd, gap, K_out, a_out,
                          "sigma^2 = 1 / (2 rho) (the data's m_2): chi = (0, rho) = theta* at every L; "
                          "with another scale s^2, chi = (0, 1 / (2 s^2)) != theta*")


@dataclass(frozen=True)
class AutoencoderOptimum:
    N: int
    M: int
    eigenvalues: list              # of the N-ring covariance, largest first
    optimal_loss: sp.Expr          # sum of the N - M smallest
    chi_identity: tuple            # chi for A = I (rows: real Fourier modes)
    chi_rotated: tuple             # chi for another invertible A (same loss)
    identifiable: bool


def ring_precision_eigenvalues(K, a, N):
    """lambda_k = 2a - 2K cos(2 pi k / N): the circulant precision matrix of the Gaussian N-ring."""
    return [sp.nsimplify(2 * a - 2 * K * sp.cos(2 * sp.pi * k / N)) for k in range(N)]


def autoencoder_optimum(K=sp.Rational(1, 2), a=sp.Integer(1), N=8, M=4):
    """Eckart-Young optimum on the Gaussian N-ring, and chi for two bottleneck bases with equal loss."""
    lam = ring_precision_eigenvalues(K, a, N)
    cov_ev = sorted([sp.nsimplify(sp.radsimp(1 / l)) for l in lam], key=lambda e: -float(e))
    opt = sp.nsimplify(sum(cov_ev[M:]))
    # the top-M covariance eigenvalues (low momenta) and an orthonormal real Fourier basis of them
    x = sp.Matrix(N, N, lambda i, j: sp.Rational(0))
    for i in range(N):
        for j in range(N):
            r = min(abs(i - j), N - abs(i - j))
            x[i, j] = sum(sp.cos(2 * sp.pi * kk * r / N) / lam[kk] for kk in range(N)) / N
    C = x.applyfunc(sp.nsimplify)
    ev = C.eigenvects()
    ev = sorted(ev, key=lambda e: -float(e[0]))
    basis = []
    for _val, _mult, vecs in ev:
        for v in sp.Matrix.orthogonalize(*vecs, normalize=True):
            basis.append(v.T)
        if len(basis) >= M:
            break
    U = sp.Matrix.vstack(*basis[:M])
    # loss is the same for W = A U, G = U^T A^-1, any invertible A: G W = U^T U
    P = U.T * U
    loss = sp.nsimplify(sp.simplify(((sp.eye(N) - P) * C * (sp.eye(N) - P).T).trace() / 1))
    if sp.simplify(loss - opt) != 0:
        raise VerificationError("autoencoder: the top-M projector does not attain the Eckart-Young bound")

    def chi_for(A):
        Sig = sp.simplify(A * U * C * U.T * A.T)
        C0 = sp.simplify(sum(Sig[j, j] for j in range(M)) / M)
        C1 = sp.simplify(sum(Sig[j, (j + 1) % M] for j in range(M)) / M)
        return chi_from_covariance(C0, C1)

    A1 = sp.eye(M)
    # another invertible bottleneck map (det = 2^M - (-1)^M != 0): units mix neighbouring modes
    A2 = sp.Matrix(M, M, lambda i, j: sp.Rational(2) if i == j else (1 if j == (i + 1) % M else 0))
    c1, c2 = chi_for(A1), chi_for(A2)
    ident = sp.simplify(c1[0] - c2[0]) == 0 and sp.simplify(c1[1] - c2[1]) == 0
    return AutoencoderOptimum(N, M, cov_ev, opt, c1, c2, ident)


def any_covariance_is_reachable(Sigma, Lambda):
    """A with A Lambda A^T = Sigma (A = Sigma^(1/2) Lambda^(-1/2)), for diagonal Lambda > 0: the
    autoencoder's bottleneck covariance, hence chi, can be anything positive definite."""
    A = Sigma.cholesky(hermitian=False) * sp.diag(*[1 / sp.sqrt(Lambda[i, i]) for i in range(Lambda.rows)])
    if sp.simplify(A * Lambda * A.T - Sigma) != sp.zeros(*Sigma.shape):
        raise VerificationError("reparametrization failed")
    return A

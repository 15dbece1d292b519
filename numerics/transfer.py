"""The discretized transfer operator of a chain and its top eigenpair (docs/theory.md sections 2 and 5).

    T(x, y) = exp(K x y - V(x)/2 - V(y)/2),   A(theta) = log lambda_0(T)
    m_(2k) = <phi_0| x^(2k) |phi_0>,          C(r) = <phi_0| x T^r x |phi_0> / lambda_0^r

The single-site base measure mu is replaced by nodes x_j with weights w_j and the
operator by the symmetric matrix sqrt(w_i w_j) T(x_i, x_j) (the kernel and its node weights:
``numerics.kernel``, shared with the float64 ring of ``numerics.network.grid_chain``):

- mu = exp(-V) dx: trapezoid nodes x_j = j h, |j| <= J, w_j = h (the prototype found the
  trapezoid rule faster than Gauss rules: the integrands are entire and decay fast);
- mu = Ising two-point measure: nodes +-1, weights 1, V = 0. Ising is one more family.

Because V is even the matrix splits into an even block (top eigenvector) and an odd
block (correlations x T^r x); each is half the size.

Precision (docs/theory.md 5): a float64 eigendecomposition, then residual refinement in
Arb ball arithmetic, v <- v - Q' diag(1 / (Lambda' - lambda)) Q'^T r, which gains about
14 digits per step. ``evaluate`` solves on two grids (a coarse one, and one with 3/2 the
node density at higher precision) and reports |fine - coarse| (plus Arb's rounding
radius) as the error of the fine value.

>>> from proofs.family import Chain
>>> v = evaluate(Params.from_chain(Chain.ising("0.8")), dps=20, lags=2)
>>> from mpmath import mp, tanh, mpf, log, cosh
>>> with mp.workdps(20):
...     ok = (abs(v.C[1] - tanh(mpf("0.8")) ** 2) < mpf(10) ** -19
...           and abs(v.A - log(2 * cosh(mpf("0.8")))) < mpf(10) ** -19)
>>> ok
True
"""
from __future__ import annotations

import fractions
import math
from dataclasses import dataclass, field

import mpmath
import numpy as np
from flint import arb, arb_mat, ctx, fmpz, fmpz_poly
from mpmath import mp

from numerics.arbtools import arb_precision, arb_rad, arb_to_mpf, digits_to_bits, to_arb
from numerics.blas import eigh
from numerics.kernel import arb_weights, log_kernel, log_weights, potential, tail_exponent
from numerics.precision import to_mpf
from proofs.errors import InadmissibleParameter, NotConverged
from proofs.family import ALL_ZERO, TOP_NOT_POSITIVE, admissibility_violation

FINE_RATIO = fractions.Fraction(3, 2)   # node density of the check grid relative to the coarse one
EXTRA_DIGITS_FINE = 10                  # the fine grid also runs at higher precision
MIN_NODES = 8                           # fewer nodes per half-range: the grid estimates were not trustworthy
MAX_NODES = 2500                        # half-grid size limit (float eigh ~ seconds)
MARGIN_DIGITS = 3                       # trapezoid digits asked beyond the target
VIRIAL_FACTOR = 10                      # virial residual allowed, in units of its propagated error estimate


@dataclass(frozen=True)
class Params:
    """theta = (K; a_1..a_n) as exact rationals or mpf, or an Ising chain (a = ())."""

    K: object
    a: tuple
    ising: bool = False

    @classmethod
    def from_chain(cls, chain):
        return cls(chain.K, tuple(chain.a), chain.is_ising)

    @property
    def n(self):
        return len(self.a)

    def floats(self):
        return float(self.K), [float(x) for x in self.a]

    def mpf(self):
        """The same theta with mpf entries at the current mpmath precision (exact rationals rounded once)."""
        return Params(to_mpf(self.K), tuple(to_mpf(x) for x in self.a), self.ising)

    def check(self):
        """Normalizability of exp(-H): highest a_k > 0 (a_n may be 0 on an edge), Gaussian a_1 > |K|."""
        if self.ising:
            return
        violation = admissibility_violation(self.K, self.a)        # the one rule, proofs.family
        if violation is None:
            return
        m, reason = violation
        if reason == ALL_ZERO:
            raise InadmissibleParameter("a", tuple(self.a), "all coefficients vanish; exp(-V) is not integrable")
        if reason == TOP_NOT_POSITIVE:
            raise InadmissibleParameter(f"a_{m}", self.a[m - 1], "the highest non-zero coefficient must be positive")
        raise InadmissibleParameter("a_1", self.a[0], f"a Gaussian chain needs a_1 > |K| = {abs(self.K)}")


@dataclass(frozen=True)
class Grid:
    """Nodes x_j = j h, j = 0..J (even/odd blocks), or the Ising node x = 1 (h = None)."""

    h: fractions.Fraction | None
    J: int

    @property
    def zero_node(self):
        return self.h is not None

    @property
    def half_width(self):
        """The outermost node h J (1 for Ising)."""
        return 1.0 if self.h is None else float(self.h * self.J)

    @property
    def size(self):
        """Number of nodes of the full symmetric grid."""
        return 2 if self.h is None else 2 * self.J + 1

    def refined(self, ratio=FINE_RATIO):
        """Same range, node density times ``ratio`` (h = 1/m stays a unit fraction)."""
        if self.h is None:
            return self
        m = math.ceil(self.h.denominator * ratio / self.h.numerator)
        h = fractions.Fraction(1, m)
        return Grid(h, math.ceil(self.half_width / h))


# -- grid choice -------------------------------------------------------------------------

def _log_z(a):
    """log of the integral of exp(-V_a) (float, for the relative trapezoid error only)."""
    xs = np.linspace(-30, 30, 6001)
    Vx = potential(a, xs)
    return -Vx.min() + math.log(np.trapezoid(np.exp(-(Vx - Vx.min())), xs))


def trapezoid_digits(a, h, log_z=None):
    """Predicted correct digits of the trapezoid rule with step h for exp(-V_a): saddle-point estimate.

    The error is about 2 |F(2 pi / h)| / F(0), F the Fourier transform of exp(-V); F(w) is
    dominated by the saddle y* of -V(y) - i w y in the lower half plane nearest the real axis.
    """
    w = 2 * math.pi / h
    n = len(a)
    coeffs = np.zeros(2 * n, dtype=complex)     # V'(y) + i w = 0, highest power first
    for k, ak in enumerate(a, 1):
        coeffs[2 * n - 2 * k] = 2 * k * ak
    coeffs[-1] = 1j * w
    while abs(coeffs[0]) == 0:
        coeffs = coeffs[1:]
    # the saddle nearest the real axis is the one the deformed contour meets first
    lower = [y for y in np.roots(coeffs) if y.imag < 0]
    y = min(lower, key=lambda z: -z.imag)
    best = (-potential(a, y) - 1j * w * y).real
    log_z = _log_z(a) if log_z is None else log_z
    return (log_z - best - math.log(2)) / math.log(10)


def choose_grid(p, digits, max_nodes=None):
    """A grid on which the transfer operator of ``p`` is resolved to about ``digits`` digits.

    Range: the tail bound V(x) - |K| x^2 >= (digits + 3) ln 10 + 2 ln x (pairing |x y| <= (x^2+y^2)/2);
    step: the saddle-point estimate of the trapezoid error for exp(-V), with a safety margin.
    """
    if p.ising:
        return Grid(None, 1)
    K, a = p.floats()
    target = (digits + 3) * math.log(10)
    half_width = 0.5
    while True:
        U = tail_exponent(K, a, half_width) - 2 * math.log(half_width + 1)
        if U >= target:
            break
        half_width *= 1.05
        if half_width > 1e4:
            raise InadmissibleParameter("theta", (K, tuple(a)), "the chain is too close to the edge of the "
                                        "family for the transfer-operator grid (range > 10^4)")
    m = 2
    # Safety margin: the coupling shifts the integrand; the margin is calibrated on the standard
    # examples (docs/theory.md 6) (tests/test_transfer.py checks the achieved accuracy against closed forms).
    # Extreme coefficient ranges overflow these float64 estimates; the node-count check below catches them.
    with np.errstate(all="ignore"):
        lz = _log_z(a)
        while trapezoid_digits(a, 1.0 / m, lz) < digits + MARGIN_DIGITS:
            m += 1
            if m > 400:
                raise InadmissibleParameter("theta", (K, tuple(a)), "the potential is too stiff for the grid "
                                            "(h < 1/400)")
    h = fractions.Fraction(1, m)
    J = math.ceil(half_width / h)
    if J < MIN_NODES:
        # a range of a few steps means the float64 estimates above were fooled by the potential's dynamic
        # range (e.g. a = (1e90, 1e-90)): no resolved chain needs so few nodes, so refuse rather than guess
        raise InadmissibleParameter("theta", (K, tuple(a)), f"the potential's scale is beyond the grid's float64 "
                                    f"estimates ({J} nodes per half-range); rescale x so that m_2 is of order 1")
    max_nodes = max_nodes or MAX_NODES
    if J > max_nodes:
        raise InadmissibleParameter("theta", (K, tuple(a)), f"too close to the edge of the family: resolving it "
                                    f"to {digits} digits needs {2 * J + 1} nodes (limit {2 * max_nodes + 1})")
    return Grid(h, J)


# -- matrices -------------------------------------------------------------------------

def _positive_nodes(grid):
    """Exact rational nodes x_j = j h, j = 1..J (for Arb)."""
    return [1] if grid.h is None else [j * grid.h for j in range(1, grid.J + 1)]


def _float_nodes(grid):
    return np.array([1.0]) if grid.h is None else np.arange(1, grid.J + 1) * (grid.h.numerator / grid.h.denominator)


def log_shift(p, grid):
    """An integer s with all entries of the matrix below e^s: both blocks are stored times e^(-s).

    Deep wells and strong couplings make T(x, y) exceed float64's range (e^709); the scaling
    changes no eigenvector and shifts A = log lambda by s.
    """
    if grid.h is None:
        return 0
    K, a = p.floats()
    xs, h = _float_nodes(grid), float(grid.h)
    top = np.max(log_kernel(abs(K), a, xs, xs, h))
    return int(math.ceil(max(top, 0.5 * math.log(h) + max(log_weights(a, xs, h).max(), 0.0), 0.0)))


def float_blocks(p, grid):
    """Even and odd blocks of e^(-s) sqrt(w_i w_j) T(x_i, x_j) in float64, s = log_shift(p, grid)."""
    K, a = p.floats()
    xs = _float_nodes(grid)
    if grid.h is None:
        return np.array([[2 * math.cosh(K)]]), np.array([[2 * math.sinh(K)]]), xs
    h = float(grid.h)
    s = log_shift(p, grid)
    lg = log_weights(a, xs, h, s)
    lg0 = 0.5 * math.log(h) - 0.5 * s
    same = np.exp(log_kernel(K, a, xs, xs, h, s))        # T(x_i, x_j) and T(x_i, -x_j), x_i, x_j > 0
    mirror = np.exp(log_kernel(K, a, xs, -xs, h, s))
    odd = same - mirror
    ev = np.empty((grid.J + 1, grid.J + 1))
    ev[0, 0] = math.exp(2 * lg0)
    ev[0, 1:] = ev[1:, 0] = math.sqrt(2) * np.exp(lg0 + lg)
    ev[1:, 1:] = same + mirror
    return ev, odd, xs


def _arb_weights(p, grid):
    """h, the nodes x_j > 0, g_j = sqrt(h) e^(-V(x_j)/2 - s/2) and g_0 = sqrt(h) e^(-s/2) in Arb.

    s = log_shift: the entries g_i g_j exp(K x_i x_j) are times e^(-s), as in float_blocks.
    """
    h = to_arb(grid.h)
    xs = [to_arb(x) for x in _positive_nodes(grid)]
    s = log_shift(p, grid)
    return h, xs, arb_weights([to_arb(ak) for ak in p.a], xs, h, s), h.sqrt() * (arb(-s) / 2).exp()


def arb_blocks(p, grid):
    """Even and odd blocks (times e^(-s), s = log_shift) as Arb matrices at the current Arb precision."""
    K = to_arb(p.K)
    if grid.h is None:
        return arb_mat([[2 * K.cosh()]]), arb_mat([[2 * K.sinh()]]), [arb(1)]
    h, xs, g, g0 = _arb_weights(p, grid)
    J = grid.J
    Kh2 = K * h * h
    ev = [[None] * (J + 1) for _ in range(J + 1)]
    od = [[None] * J for _ in range(J)]
    ev[0][0] = g0 * g0
    s2 = arb(2).sqrt()
    for i in range(1, J + 1):
        ev[0][i] = ev[i][0] = s2 * g0 * g[i - 1]
        q = (Kh2 * i).exp()          # exp(K x_i x_j) = q^j along row i
        qi = 1 / q
        e, ei = arb(1), arb(1)
        for j in range(1, J + 1):
            e, ei = e * q, ei * qi
            if j < i:
                continue
            gg = g[i - 1] * g[j - 1]
            ev[i][j] = ev[j][i] = gg * (e + ei)
            od[i - 1][j - 1] = od[j - 1][i - 1] = gg * (e - ei)
    return arb_mat(ev), arb_mat(od), xs


class KernelBlocks:
    """The even and odd blocks of ``arb_blocks``, applied to vectors without being formed.

    Entry (i, j) of the positive-node part is g_i g_j (q^(ij) +- q^(-ij)), q = exp(K h^2). With
    ij = (i^2 + j^2 - (i - j)^2) / 2 and r = exp(K h^2 / 2),

        sum_j c_j q^(+-ij) = r^(+-i^2) sum_j (c_j r^(+-j^2)) r^(-+(i-j)^2),

    a convolution (the chirp trick): one exact integer polynomial product in FLINT per sign, on
    fixed-point images of both factors' midpoints, instead of J^2 products in Python; nothing of
    size J^2 is built. The radius of each result bounds the fixed-point rounding (guard bits cover
    the growth of r^(+-i^2)); the inputs' own radii (rounding noise of an iterate) are not carried,
    so these balls are estimates, and the values' error is the refinement difference of
    ``evaluate`` (docs/theory.md 5.5). ``tests/test_transfer.py`` compares the products with the
    formed blocks.
    """

    GUARD_BITS = 40         # beyond the working precision: J-term sums and the odd block's cancellation

    def __init__(self, p, grid):
        K = to_arb(p.K)
        h, self.xs, self.g, self.g0 = _arb_weights(p, grid)
        self.J = J = grid.J
        c = K * h * h / 2
        self.rp = [(c * (j * j)).exp() for j in range(J + 1)]        # r^(j^2)
        self.rm = [1 / x for x in self.rp]                           # r^(-j^2)
        self.s2 = arb(2).sqrt()
        self.bits = ctx.prec + self.GUARD_BITS + 2 * J.bit_length() + self.growth_bits(p, grid)
        # the kernels r^(-+(i-j)^2), i - j = 1-J .. J-1, as fixed-point integers
        self.kp = _fixed([self.rm[abs(m)] for m in range(1 - J, J)], self.bits)
        self.km = _fixed([self.rp[abs(m)] for m in range(1 - J, J)], self.bits)
        self.even, self.odd = _Block(self, 0), _Block(self, 1)

    def _convolve(self, c, r, kernel):
        """r^(+-i^2) sum_j c_j r^(+-j^2) k_(i-j) for i = 1..J, as Arb balls."""
        J = self.J
        A = _fixed([cj * r[j] for j, cj in enumerate(c, 1)], self.bits)
        if A is None:
            return [arb(0)] * J
        ints, ea, asum = A
        kints, eb, bsum = kernel
        prod = (fmpz_poly(ints) * fmpz_poly(kints)).coeffs()
        prod += [0] * (3 * J - 2 - len(prod))       # fmpz_poly drops trailing zero coefficients
        # each integer is within one unit of its value: |sum_j (A_j + dA_j)(B_(i-j) + dB) - sum_j A_j B_(i-j)|
        # <= sum|B| + sum|A| + J (units 2^(-ea-eb))
        rad = arb(bsum + asum + J) * arb(2) ** (-(ea + eb))
        scale = arb(2) ** (-(ea + eb))
        return [r[i] * arb(arb(fmpz(prod[i + J - 2])) * scale, rad) for i in range(1, J + 1)]

    @staticmethod
    def growth_bits(p, grid):
        """Bits the chirp factors add: the sums are scaled back by r^(+-i^2), up to exp(|K| (h J)^2 / 2)."""
        return math.ceil(abs(float(p.K)) * grid.half_width ** 2 / 2 / math.log(2))

    @classmethod
    def suits(cls, p, grid, bits):
        """The chirp pays off unless its dynamic range exceeds the precision itself (strong coupling, wide
        range): then every integer would carry more growth than digits, and the formed blocks are cheaper."""
        return grid.h is not None and cls.growth_bits(p, grid) <= max(bits, 256)

    def sums(self, c):
        """(sum_j c_j q^(ij), sum_j c_j q^(-ij)) for i = 1..J, c = (c_1..c_J)."""
        return self._convolve(c, self.rp, self.kp), self._convolve(c, self.rm, self.km)


def _fixed(values, bits):
    """Fixed-point image of Arb midpoints: (ints, e, sum): x_j ~ ints_j 2^-e within one unit, sum = sum |ints_j| + n.

    e puts the largest |x_j| near 2^bits; None when every value is exactly zero.
    """
    mags = [x.mid().abs_upper() for x in values]
    top = max(mags, key=lambda m: m if m.is_finite() else arb(0))
    if top == 0:
        return None
    e = bits - int(top.mid().man_exp()[1]) - int(top.mid().man_exp()[0].bit_length())
    ints = []
    for x in values:
        m = x.mid()
        if m.is_zero():
            ints.append(0)
            continue
        man, ex = m.man_exp()
        sh = int(ex) + e
        ints.append(int(man) << sh if sh >= 0 else int(man) >> -sh)     # floor: error below one unit
    return ints, e, sum(abs(v) for v in ints) + len(ints)


class _Block:
    """One parity block of a ``KernelBlocks``: ``block * column`` is the matrix-vector product."""

    def __init__(self, kernel, parity):
        self.kernel, self.parity = kernel, parity

    def nrows(self):
        return self.kernel.J + (1 - self.parity)

    def __mul__(self, col):
        k = self.kernel
        v = col.entries()
        if self.parity:
            up, down = k.sums([g * w for g, w in zip(k.g, v)])
            return _col([g * (u - d) for g, u, d in zip(k.g, up, down)])
        c = [g * w for g, w in zip(k.g, v[1:])]
        up, down = k.sums(c)
        head = k.g0 * k.g0 * v[0] + k.s2 * k.g0 * sum(c, arb(0))
        return _col([head] + [k.s2 * k.g0 * g * v[0] + g * (u + d) for g, u, d in zip(k.g, up, down)])


def float_solve(p, grid, lags=1):
    """float64 A, [C(1), .., C(lags)] and [m_2, .., m_2n] on ``grid`` (about 14 digits): a low-precision view."""
    ev, od, xs = float_blocks(p, grid)
    lam, Q = eigh(ev)
    top = int(np.argmax(lam))
    c = Q[:, top]
    pos = c[1:] if grid.zero_node else c
    d = xs * pos
    n = max(p.n, 1)
    m = np.array([np.sum(xs ** (2 * k) * pos ** 2) for k in range(1, n + 1)])
    C, u = [], d
    for _ in range(lags):
        u = od @ u / lam[top]
        C.append(float(d @ u))
    return math.log(lam[top]) + log_shift(p, grid), C, m


def float_covariance(p, grid):
    """float64 A, gradient (C(1), m_2..m_2n) and asymptotic covariance Sigma of (x_0 x_1, x^2, .., x^2n).

    Sigma = d^2 A / d eta^2 for the natural parameters eta = (K, -a_1, .., -a_n) (docs/theory.md 2),
    summed over all lags in the eigenbasis psi_k, t_k = lambda_k / lambda_0 of the even block:
    on-site f, g: sum_(k>=1) f_k g_k (1 + t_k)/(1 - t_k); bond B = x_0 x_1 with beta = x (T/lambda) x phi:
    Cov(B, f) = sum 2 f_k beta_k / (1 - t_k); Cov(B, B) = sum_k t_k X_k^2 - C1^2 + sum 2 beta_k^2 / (1 - t_k).
    """
    ev, od, xs = float_blocks(p, grid)
    lam, Q = eigh(ev)
    order = np.argsort(lam)[::-1]
    lam, Q = lam[order], Q[:, order]
    if Q[:, 0].sum() < 0:
        Q[:, 0] = -Q[:, 0]
    c = Q[:, 0]
    t = lam / lam[0]
    off = 1 if grid.zero_node else 0
    pos = c[off:]
    n = max(p.n, 1)

    def even_from_positive(vals):
        return np.concatenate([[0.0], vals]) if grid.zero_node else vals

    F = [even_from_positive(xs ** (2 * k) * pos) for k in range(1, n + 1)]
    d = xs * pos
    beta = even_from_positive(xs * (od @ d) / lam[0])
    X = even_from_positive(xs ** 2 * pos)
    hat = lambda v: Q.T @ v
    Fh, bh, Xh = [hat(f) for f in F], hat(beta), hat(X)
    C1 = bh[0]
    m = np.array([fh[0] for fh in Fh])
    w_site = (1 + t[1:]) / (1 - t[1:])
    w_bond = 2 / (1 - t[1:])
    S = np.empty((n + 1, n + 1))
    S[0, 0] = np.sum(t * Xh ** 2) - C1 ** 2 + np.sum(w_bond * bh[1:] ** 2)
    for i in range(n):
        S[0, i + 1] = S[i + 1, 0] = np.sum(w_bond * bh[1:] * Fh[i][1:])
        for j in range(i, n):
            S[i + 1, j + 1] = S[j + 1, i + 1] = np.sum(w_site * Fh[i][1:] * Fh[j][1:])
    return math.log(lam[0]) + log_shift(p, grid), np.concatenate([[C1], m]), S


# -- the eigenpair ----------------------------------------------------------------------

def _col(values):
    return arb_mat([[v] for v in values])


def _dot(u, v):
    return (u.transpose() * v)[0, 0]


def top_eigenpair(M, Mf, bits, max_iter=None):
    """Top eigenvalue, unit eigenvector and the eigenvector's error bound, for the symmetric Arb matrix M.

    float64 eigh of the float copy Mf, then v <- v - Q' diag(1/(Lambda' - lambda)) Q'^T r with
    r = M v - lambda v in Arb, until |r| < 2^-(bits - 6) |lambda|. On large grids the residual can
    reach a floor above that target; the best iterate is kept, and the refinement stops when four
    steps in a row do not improve on it. The bound sqrt(n) |r| / (lambda_0 - lambda_1) on the
    eigenvector's error (Davis-Kahan) is returned, relative, so that ``evaluate`` can count it.
    """
    n = M.nrows()
    lam_f, Q = eigh(Mf)
    top = int(np.argmax(lam_f))
    q0 = Q[:, top] * (1 if Q[:, top].sum() >= 0 else -1)
    rest = [k for k in range(n) if k != top]
    Qr, Lr = Q[:, rest], lam_f[rest]
    gap = (lam_f[top] - max(Lr)) / lam_f[top] if len(rest) else 1.0
    v = _col([arb(float(x)) for x in q0])
    v = v * (1 / _dot(v, v).sqrt())
    tol = arb(2) ** (-(bits - 6))
    max_iter = max_iter or (bits // 15 + 20)       # ~14 digits (46 bits) a step; about 7 on ~1600 nodes
    best, since = None, 0
    for _ in range(max_iter):
        Mv = M * v
        lam = _dot(v, Mv)
        r = Mv - v * lam
        # the residual's size as an exact Arb midpoint: a float would underflow beyond 10^-308
        resid = max((abs(r[i, 0].mid()) for i in range(n)), default=arb(0))
        rel = resid / abs(lam)
        if best is None or rel < best[0]:
            best, since = (rel, lam, v), 0
        else:
            since += 1
        if resid == 0 or rel < tol or since >= 4:
            break
        if Qr.shape[1]:
            rf = np.array([float((r[i, 0].mid() / resid).mid()) for i in range(n)])
            delta = Qr @ ((Qr.T @ rf) / (Lr - float(lam.mid())))
            v = v - _col([arb(float(x)) for x in delta]) * resid
        v = v * (1 / _dot(v, v).sqrt())
    rel, lam, v = best
    if not rel < arb(2) ** (-(bits // 2)):
        raise NotConverged(f"eigenvector refinement stopped at relative residual {rel.str(3, radius=False)} "
                           f"(needed 2^-{bits - 6})", partial=None, error=arb_to_mpf(rel))
    return lam, v, arb_to_mpf(rel * math.sqrt(n)) / mpmath.mpf(gap)


# -- solution on one grid --------------------------------------------------------------

@dataclass
class Solution:
    """Arb values on one grid at one precision."""

    grid: Grid
    bits: int
    lam: object
    A: object
    m: list
    C: list                   # C(1..lags)
    S: dict                   # E[S^p] of block sums S = x_0 + ... + x_(b-1), even p
    tail: object              # relative weight of the outermost node (mpf): range check
    virial: object = None
    vector_error: object = 0  # relative error bound of the eigenvector (top_eigenpair)


def block_sum_moments(Me, Mo, lam, c, xs, zero_node, b, pmax):
    """E[(x_0 + ... + x_(b-1))^p] for even p <= pmax: power series of <phi| D_s (M/lam D_s)^(b-1) |phi>.

    D_s = diag(exp(s x)); the coefficient of s^p has the parity of p, so even coefficients
    live in the even block and odd ones in the odd block (x^k maps parity q to q + k).
    """
    inv = 1 / lam
    off = 1 if zero_node else 0
    powers = [[arb(1)] * len(xs)] + [[x ** k for x in xs] for k in range(1, pmax + 1)]
    facts = [math.factorial(k) for k in range(pmax + 1)]

    def times_xk(vec, q, k):
        pos = vec[off:] if q % 2 == 0 else vec          # values at the positive nodes
        out = [powers[k][j] * pos[j] for j in range(len(xs))]
        if (q + k) % 2 == 0 and zero_node:
            out = [vec[0] if k == 0 else arb(0)] + out   # x^k vanishes at the zero node for k >= 1
        return out

    def apply_D(ser):
        out = []
        for p in range(pmax + 1):
            acc = None
            for q in range(p + 1):
                term = [u / facts[p - q] for u in times_xk(ser[q], q, p - q)]
                acc = term if acc is None else [u + w for u, w in zip(acc, term)]
            out.append(acc)
        return out

    zero_even = [arb(0)] * len(c)
    zero_odd = [arb(0)] * len(xs)
    ser = apply_D([list(c)] + [zero_odd if p % 2 else zero_even for p in range(1, pmax + 1)])
    for _ in range(b - 1):
        ser = [list(((Me if p % 2 == 0 else Mo) * _col(v)).entries()) for p, v in enumerate(ser)]
        ser = apply_D([[u * inv for u in v] for v in ser])
    cvec = _col(c)
    return {p: _dot(cvec, _col(ser[p])) * facts[p] for p in range(0, pmax + 1, 2)}


def solve(p, grid, bits, lags=1, block=None):
    """Top eigenpair on ``grid`` at ``bits`` of precision; A, m_(2k), C(1..lags), block-sum moments.

    The arithmetic carries guard bits for the J-term sums of each product: without them the
    refinement's residual stalls near J 2^-bits, above its target 2^-(bits - 6), once J ~ 500.
    """
    with arb_precision(bits + 2 * grid.J.bit_length() + 10):
        if KernelBlocks.suits(p, grid, bits):     # matrix-free: the products are convolutions
            kern = KernelBlocks(p, grid)
            Me, Mo, xs = kern.even, kern.odd, kern.xs
        else:                                     # Ising, or a chirp range beyond the precision
            Me, Mo, xs = arb_blocks(p, grid)
        ef, of, _ = float_blocks(p, grid)
        lam, v, vector_error = top_eigenpair(Me, ef, bits)
        c = list(v.entries())
        off = 1 if grid.zero_node else 0
        n = max(p.n, 1)
        m = []
        for k in range(1, n + 1):
            m.append(sum((xs[j] ** (2 * k) * c[j + off] ** 2 for j in range(len(xs))), arb(0)))
        d = _col([xs[j] * c[j + off] for j in range(len(xs))])
        C, u = [], d
        inv = 1 / lam
        for _ in range(lags):
            u = (Mo * u) * inv
            C.append(_dot(d, u))
        S = {}
        if block is not None:
            S = block_sum_moments(Me, Mo, lam, c, xs, grid.zero_node, block, 2 * n)
        tail = mpmath.mpf(0)
        if grid.zero_node:      # an mpf: at high precision the weight is far below float64's range
            tail = abs(arb_to_mpf(xs[-1] ** (2 * n) * c[-1] ** 2 / m[-1]))
        vir = None
        if not p.ising:
            a = [to_arb(ak) for ak in p.a]
            vir = sum((2 * k * a[k - 1] * m[k - 1] for k in range(1, p.n + 1)), arb(0)) - 2 * to_arb(p.K) * C[0] - 1
        return Solution(grid, bits, lam, lam.log() + log_shift(p, grid), m, C, S, tail, vir, vector_error)


# -- refinement: the error estimate ------------------------------------------------------

@dataclass(frozen=True)
class Values:
    """A(theta), m_(2k), C(r), block-sum moments as mpf, each with an absolute error estimate."""

    A: object
    m: tuple
    C: tuple
    S: dict
    err_A: object
    err_m: tuple
    err_C: tuple
    err_S: dict
    dps: int
    details: dict = field(default_factory=dict)

    @property
    def error(self):
        return max([self.err_A, *self.err_m, *self.err_C, *self.err_S.values()])


def _diff(fine, coarse, tail=0):
    # both grids share the range: the weight beyond it is added separately (relative to the value)
    # mp.eps * |v|: the rounding of the fine value to the working mpf precision (dps + 10 digits);
    # without it a two-point Ising "grid", where fine and coarse coincide, under-reports
    v = arb_to_mpf(fine)
    return (abs(v - arb_to_mpf(coarse)) + arb_rad(fine) + arb_rad(coarse) + abs(v) * mpmath.mpf(tail)
            + abs(v) * mp.eps)


def evaluate(p, dps, lags=1, block=None, grid=None):
    """All transfer-operator values of ``p`` at ``dps`` digits, each with an error estimate by refinement.

    The values come from the fine grid (3/2 the node density, 10 more digits of precision);
    the error is |fine - coarse| + Arb radii, which bounds the fine error when the
    discretization converges (it does so faster than exponentially here). If the outermost
    node still carries weight, the range is widened and both solves are repeated; a weight
    that remains (both grids share the range, so refinement cannot see it) is added to every
    error, relative to the value.
    """
    p.check()
    coarse_grid = grid or choose_grid(p, dps + 4)
    for _ in range(4):
        fine_grid = coarse_grid.refined()
        coarse = solve(p, coarse_grid, digits_to_bits(dps + 10), lags, block)
        fine = solve(p, fine_grid, digits_to_bits(dps + 10 + EXTRA_DIGITS_FINE), lags, block)
        if fine.tail < mpmath.mpf(10) ** -(dps + 6):
            break
        coarse_grid = Grid(coarse_grid.h, math.ceil(coarse_grid.J * 1.3))
    with mp.workdps(dps + 10):
        # relative errors refinement cannot see: the weight beyond the shared range, and the fine
        # eigenvector's own error (a quadratic form in it moves by twice that)
        rel = fine.tail + 2 * fine.vector_error
        vals = Values(
            A=arb_to_mpf(fine.A), m=tuple(arb_to_mpf(x) for x in fine.m), C=tuple(arb_to_mpf(x) for x in fine.C),
            S={k: arb_to_mpf(v) for k, v in fine.S.items()},
            err_A=_diff(fine.A, coarse.A, rel),
            err_m=tuple(_diff(f, c, rel) for f, c in zip(fine.m, coarse.m)),
            err_C=tuple(_diff(f, c, rel) for f, c in zip(fine.C, coarse.C)),
            err_S={k: _diff(fine.S[k], coarse.S[k], rel) for k in fine.S},
            dps=dps,
            details={"grid_coarse": (str(coarse_grid.h), coarse_grid.J, coarse_grid.half_width),
                     "grid_fine": (str(fine_grid.h), fine_grid.J, fine_grid.half_width), "nodes": fine_grid.size,
                     "tail_weight": fine.tail,
                     "virial_residual": None if fine.virial is None else arb_to_mpf(fine.virial)})
        if fine.virial is not None:
            check_virial(p, vals, arb_to_mpf(fine.virial), arb_rad(fine.virial))
    return vals


def virial_tolerance(p, vals, radius=0):
    """Error estimate of the virial residual, propagated from the value errors:

        delta = sum_k 2k |a_k| err(m_2k) + 2 |K| err(C(1)) + (Arb radius of the residual)
    """
    mpf = lambda x: arb_to_mpf(to_arb(x))      # noqa: E731  (rationals and mpf alike)
    return (sum((2 * k * abs(mpf(ak)) * e for k, (ak, e) in enumerate(zip(p.a, vals.err_m), 1)), mpmath.mpf(0))
            + 2 * abs(mpf(p.K)) * vals.err_C[0] + radius)


def check_virial(p, vals, residual, radius=0):
    """Refuse values whose virial residual exceeds VIRIAL_FACTOR times its propagated error estimate.

    The identity sum_k 2k a_k m_2k - 2 K C(1) = 1 (integration by parts, docs/theory.md 5) holds
    exactly for the infinite chain; its residual on the fine grid is a measured error of the
    values, so it checks the error estimates as well as the values: an error estimate set too
    small, or a residual computed with a wrong sign, is refused here (NotConverged).
    """
    with mp.workdps(vals.dps + 10):
        tol = VIRIAL_FACTOR * virial_tolerance(p, vals, radius)
        if abs(residual) > tol:
            raise NotConverged(f"virial identity residual {mpmath.nstr(residual, 3)} exceeds {VIRIAL_FACTOR} x its "
                               f"error estimate {mpmath.nstr(tol / VIRIAL_FACTOR, 3)}: the values or their error "
                               f"estimates are wrong", partial=vals, error=abs(residual))

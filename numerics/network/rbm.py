"""Restricted Boltzmann machine, +-1 hidden units: variational RG (Mehta & Schwab, arXiv 1410.3831; docs/theory.md 4.2).

Spin visible units, v in {-1, +1}^N, hidden h in {-1, +1}^M:

    E(v, h) = -v^T W h - b^T v - c^T h,        p(v, h) = exp(-E) / Z
    F(v) = -log sum_h e^(-E) = -b^T v - sum_j log 2cosh(c_j + (W^T v)_j)
    F(h) = -log sum_v e^(-E) = -c^T h - sum_i log 2cosh(b_i + (W h)_i)
    log Z = logsumexp_h(-F(h)) = logsumexp_v(-F(v))

Gaussian visible units (continuous data), v in R^N, per-site scale sigma_i = exp(log_sigma_i):

    E(v, h) = sum_i (v_i - b_i)^2 / (2 sigma_i^2) - sum_ij (v_i / sigma_i) W_ij h_j - c^T h
    F(v) = sum_i (v_i - b_i)^2 / (2 sigma_i^2) - sum_j log 2cosh(c_j + sum_i W_ij v_i / sigma_i)
    F(h) = -c^T h - sum_i [b_i (W h)_i / sigma_i + (W h)_i^2 / 2] - sum_i log(sigma_i sqrt(2 pi))

(the Gaussian integral over v_i completes the square). The negative log-likelihood of a
visible configuration is NLL(v) = F(v) + log Z; the free energy over v factorizes given h and
vice versa, so log Z is an exact sum over the 2^u states of one layer (u <= 16 here).

Gradients of the mean NLL:
- exact: autograd of mean F(v_data) + log Z with log Z enumerated -- the model expectation
  <dE/dtheta>_model is exact, the data term is the batch mean (unbiased);
- CD-k / PCD-k: autograd of mean F(v_data) - mean F(v_k), v_k after k block-Gibbs steps from
  the data (CD) or from persistent chains (PCD), held fixed: <dF/dtheta>_chain replaces the
  exact model term. Checked against the exact gradient on a small ring (tests/test_rbm.py).

Conditionals (block Gibbs):
    p(h_j = +1 | v) = sigmoid(2 (c_j + (W^T v')_j)),   v' = v (spins) or v / sigma (Gaussian)
    p(v_i = +1 | h) = sigmoid(2 (b_i + (W h)_i))       (spins)
    v_i | h ~ N(b_i + sigma_i (W h)_i, sigma_i^2)      (Gaussian)

Hidden units are fully connected to every visible site (as in Mehta-Schwab): nothing makes
unit j sit next to unit j + 1, and permutations or sign flips (h_j -> -h_j with
W_:j, c_j -> -W_:j, -c_j) of hidden units leave the likelihood unchanged. Reading h as an
M-site ring in index order is therefore a convention; the lag-2 diagnostic of the spin
estimator tests whether that reading is a Markov ring, and its translation diagnostic whether
the nearest-neighbour correlations are the same along it (the lag-2 test alone misses units
in arbitrary order whose correlations are weak on average: on the trained Ising example
lag-2 z = 1.1, translation z = 66); ``receptive_fields`` says where each unit looks.

>>> import torch
>>> torch.manual_seed(0) and None
>>> rbm = RBM(4, 3).double()
>>> v = all_spins(4, torch.float64)
>>> bool(torch.isclose(torch.logsumexp(-rbm.free_energy(v), 0), rbm.log_partition()))
True
"""
from __future__ import annotations

import math
from functools import lru_cache

import torch
from torch import nn
from torch.nn import functional as F_

from numerics.network.config import RBM_EXACT_MAX_UNITS
from proofs.errors import NotSupported

VISIBLE = ("spin", "gaussian")
NLL_MAX_UNITS = RBM_EXACT_MAX_UNITS + 4     # one exact log Z at evaluation may enumerate up to 2^20 states (chunked)


def log2cosh(x):
    """log(2 cosh x) = softplus(2x) - x, stable for large |x|."""
    return F_.softplus(2 * x) - x


@lru_cache(maxsize=8)
def _all_spins64(n):
    idx = torch.arange(2 ** n)
    bits = (idx[:, None] >> torch.arange(n)[None, :]) & 1
    return (2 * bits - 1).to(torch.float64)


def all_spins(n, dtype=torch.float64):
    """The 2^n configurations of n spins +-1, one per row."""
    if n > NLL_MAX_UNITS:
        raise NotSupported(f"enumerating 2^{n} spin states is too large")
    return _all_spins64(n).to(dtype)


class _SpinLogSum(torch.autograd.Function):
    """log sum_s exp(e.s + sum_i log 2cosh(d_i + (S A^T)_si)) over the rows s of S, with a hand-written backward.

    The gradient is the exact expectation under the weights p_s (softmax of the summands):
    d/dA = sum_s p_s tanh(d + A s) s^T, d/dd = sum_s p_s tanh(d + A s), d/de = sum_s p_s s.
    Written out because autograd's softplus backward doubles the cost of this, the hot loop of
    exact rbm training (tested against autograd and finite differences in tests/test_rbm.py).
    """

    @staticmethod
    def forward(ctx, A, d, e, S):
        X = torch.addmm(d, S, A.T)
        r = X.abs()
        abs_sum = r.sum(-1)
        r.mul_(-2).exp_().add_(1)          # r = 1 + e^(-2|x|): log 2cosh x = |x| + log r (in place: less traffic)
        summand = (S @ e).add_(abs_sum).add_(r.prod(-1).log_())   # prod of r lies in [1, 2^N]: no overflow
        out = torch.logsumexp(summand, 0)
        ctx.save_for_backward(X, r, summand.sub_(out).exp_(), S)  # X, r and the weights p_s
        return out

    @staticmethod
    def backward(ctx, g):
        X, r, p, S = ctx.saved_tensors
        gp = g * p
        T = torch.reciprocal(r).mul_(2).sub_(1).copysign_(X).mul_(gp[:, None])   # tanh x = sign(x)(2/r - 1)
        return T.T @ S, T.sum(0), gp @ S, None


class RBM(nn.Module):
    """E(v, h) = -v'^T W h - (visible term) - c^T h with h in {+-1}^M; visible 'spin' or 'gaussian'."""

    def __init__(self, N, M, visible="spin", init_scale=0.1):
        super().__init__()
        if visible not in VISIBLE:
            raise NotSupported(f"visible units {visible!r}: choose one of {', '.join(VISIBLE)}")
        self.N, self.M, self.visible = N, M, visible
        self.W = nn.Parameter(torch.randn(N, M) * (init_scale / math.sqrt(N)))
        self.b = nn.Parameter(torch.zeros(N))
        self.c = nn.Parameter(torch.zeros(M))
        if visible == "gaussian":
            self.log_sigma = nn.Parameter(torch.zeros(N))

    # -- energies ------------------------------------------------------------------------------
    def _scaled(self, v):
        return v if self.visible == "spin" else v * torch.exp(-self.log_sigma)

    def hidden_field(self, v):
        """c + W^T v' (B x M): p(h_j = +1 | v) = sigmoid(2 field_j)."""
        return self.c + self._scaled(v) @ self.W

    def free_energy(self, v):
        """F(v) = -log sum_h exp(-E(v, h)) per row of v."""
        hid = log2cosh(self.hidden_field(v)).sum(-1)
        if self.visible == "spin":
            return -(v @ self.b) - hid
        return (((v - self.b) * torch.exp(-self.log_sigma)) ** 2).sum(-1) / 2 - hid

    def hidden_free_energy(self, h):
        """F(h) = -log sum_v exp(-E(v, h)) (a sum over v in {+-1}^N, or the Gaussian integral)."""
        Wh = h @ self.W.T
        if self.visible == "spin":
            return -(h @ self.c) - log2cosh(self.b + Wh).sum(-1)
        s = torch.exp(self.log_sigma)
        return (-(h @ self.c) - (self.b / s * Wh + Wh * Wh / 2).sum(-1)
                - (self.log_sigma + 0.5 * math.log(2 * math.pi)).sum())

    def enumerated_layer(self):
        """'hidden' or 'visible': the layer log Z sums over (the smaller one; hidden for Gaussian visible)."""
        if self.visible == "spin" and self.N < self.M:
            return "visible"
        return "hidden"

    def enumerated_units(self):
        return self.N if self.enumerated_layer() == "visible" else self.M

    def log_partition(self, chunk=1 << 13):
        """log Z by exact enumeration of the smaller layer (2^u states, u <= NLL_MAX_UNITS), in cache-sized chunks."""
        layer, u = self.enumerated_layer(), self.enumerated_units()
        if u > NLL_MAX_UNITS:
            raise NotSupported(f"log Z of an RBM needs 2^{u} states; exact only for {layer} layers up to "
                               f"{NLL_MAX_UNITS} units")
        states = all_spins(u, self.W.dtype)
        if self.visible == "spin":              # -F(h) = c.h + sum_i log 2cosh(b_i + (W h)_i); -F(v) alike
            A, d, e = (self.W.T, self.c, self.b) if layer == "visible" else (self.W, self.b, self.c)
            parts = [_SpinLogSum.apply(A, d, e, states[i:i + chunk]) for i in range(0, len(states), chunk)]
        elif layer == "hidden":
            # -F(h) = f.h + h^T J h / 2 + sum_i (log sigma_i + log sqrt(2 pi)), J = W^T W, f = c + W^T (b / sigma):
            # hidden_free_energy regrouped, M x M work per state instead of N x M
            J = self.W.T @ self.W
            f = self.c + self.W.T @ (self.b * torch.exp(-self.log_sigma))
            const = (self.log_sigma + 0.5 * math.log(2 * math.pi)).sum()
            parts = [torch.logsumexp(H @ f + 0.5 * ((H @ J) * H).sum(-1), 0) + const
                     for H in (states[i:i + chunk] for i in range(0, len(states), chunk))]
        else:
            parts = [torch.logsumexp(-self.free_energy(states[i:i + chunk]), 0) for i in range(0, len(states), chunk)]
        return torch.logsumexp(torch.stack(parts), 0)

    def nll(self, v, log_z=None):
        """-log p(v) per row (exact): F(v) + log Z."""
        return self.free_energy(v) + (self.log_partition() if log_z is None else log_z)

    # -- Gibbs sampling ------------------------------------------------------------------------
    def sample_hidden(self, v, u):
        """h ~ p(h | v) from uniforms u (B x M)."""
        return torch.where(u < torch.sigmoid(2 * self.hidden_field(v)), 1.0, -1.0).to(v.dtype)

    def sample_visible(self, h, noise):
        """v ~ p(v | h): from uniforms (spins) or standard normals (Gaussian), B x N."""
        Wh = h @ self.W.T
        if self.visible == "spin":
            return torch.where(noise < torch.sigmoid(2 * (self.b + Wh)), 1.0, -1.0).to(h.dtype)
        s = torch.exp(self.log_sigma)
        return self.b + s * Wh + s * noise

    @torch.no_grad()
    def gibbs(self, v, u_hidden, noise_visible):
        """k block-Gibbs steps v -> h -> v (k = len(u_hidden)); returns v_k."""
        for uh, nv in zip(u_hidden, noise_visible):
            v = self.sample_visible(self.sample_hidden(v, uh), nv)
        return v

    def receptive_fields(self):
        """Per hidden unit: circular centre (in sites) and concentration R in [0, 1] of W_(:j)^2."""
        w = (self.W.detach().double() ** 2)
        ang = 2 * math.pi * torch.arange(self.N, dtype=torch.float64) / self.N
        z_c, z_s = (w * torch.cos(ang)[:, None]).sum(0), (w * torch.sin(ang)[:, None]).sum(0)
        tot = w.sum(0).clamp(min=1e-300)
        centre = torch.remainder(torch.atan2(z_s, z_c) * self.N / (2 * math.pi), self.N)
        return {"centre": [round(float(x), 3) for x in centre],
                "concentration": [round(float(x), 3) for x in torch.hypot(z_c, z_s) / tot]}

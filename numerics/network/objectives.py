"""The training objectives of docs/theory.md 4.2 and 4.4, each a torch Module that owns its networks.

- ``decimate``:      E ||f_W(x) - D x||^2 / M, D keeps every b^L-th site (RG as teacher).
- ``infomax``:       centred-moment constraints E[(y_j - E y_j)^(2k)] = t_2k (t = the data's m_2k,
                     or those of s x_0 / sqrt(m_2) for another scale s^2), a mean penalty E[y_j]^2,
                     a decorrelation penalty and optionally the entropy term -(1/2) log det Corr(y).
- ``autoencoder``:   E ||g(f_W(x)) - x||^2 / N with a decoder g (mirror widths).
- ``regress-theta``: E ||h(s(f_W(x))) - theta~||^2 over a uniform prior box on theta; the feature
                     layer is f_W, the last layer before the linear head h; theta~ is standardized.
- ``rsmi``:          minus an InfoNCE lower bound on the mutual information of weight-shared block
                     variables with their environment, layer by layer (numerics/network/rsmi.py,
                     docs/theory.md 4.4); nothing about theta in the loss.

Penalties are written so that their stochastic gradients are unbiased: each squared
deviation (c - t)^2 is estimated by the product (c_A - t)(c_B - t) over the two halves of the
batch, with unbiased estimators of the 2nd and 4th central moments (Bessel; Fisher's
unbiased mu_4); a plain (c - t)^2 on a batch of B is minimized at Var = t / (1 + 2/B), a
0.8% bias at B = 256, larger than the 0.3% standard error of chi-hat. Central moments
k >= 3 use the sample estimator (bias O(1/B), stated). log det of the *sample* correlation
matrix differs from log det Corr by a constant in expectation for Gaussian outputs (Wishart),
so its minimizer is unbiased too; it leaves the variance constraint alone (Hadamard:
log det Cov = sum log Var_j + log det Corr).

``eval_loss`` evaluates the population objective on a large batch with plain estimators.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from numerics.network.fcdnn import FCDNN
from numerics.network.rsmi import Rsmi


def central_moments(y, n, unbiased=True):
    """Per-unit (mean, [c_2, ..., c_2n]) of y (batch x M); unbiased for c_2 and c_4."""
    B = y.shape[0]
    mu = y.mean(0)
    d = y - mu
    m2 = (d * d).mean(0)
    out = []
    for k in range(1, n + 1):
        mk = (d ** (2 * k)).mean(0)
        if unbiased and k == 1:
            mk = m2 * B / (B - 1)
        elif unbiased and k == 2:
            mk = (B * (B * B - 2 * B + 3) * mk - 3 * B * (2 * B - 3) * m2 * m2) / ((B - 1) * (B - 2) * (B - 3))
        out.append(mk)
    return mu, out


def _corr_offdiag(y):
    d = y - y.mean(0)
    cov = d.T @ d / (y.shape[0] - 1)
    s = cov.diagonal().clamp(min=1e-30).rsqrt()
    R = cov * s[:, None] * s[None, :]
    return R, R - torch.diag(R.diagonal())


class Objective(nn.Module):
    """A training objective: ``draw`` fresh data, ``forward`` the stochastic loss, ``features`` y."""

    name = ""

    def __init__(self, cfg, refs, sampler):
        super().__init__()
        self.cfg, self.sampler = cfg, sampler
        self.net = FCDNN(cfg.N, cfg.M, cfg.hidden_widths, cfg.activation)
        self.optimum, self.optimum_note = None, "optimum not known in closed form"

    def draw(self, batch, generator):
        return self.sampler.sample(batch, generator)

    def features(self, x):
        return self.net(x)

    def eval_loss(self, x):
        return float(self.forward(x))

    def initialize(self, kind, noise, generator):
        """Start near an RG map (docs/theory.md 4.4, optimum vs optimizer): the encoder f_W; heads stay random."""
        self.net.init_rg_map(kind, self.cfg.b, noise, generator)


class Decimate(Objective):
    name = "decimate"

    def __init__(self, cfg, refs, sampler):
        super().__init__(cfg, refs, sampler)
        self.stride = cfg.N // cfg.M
        if cfg.activation == "linear":
            self.optimum, self.optimum_note = 0.0, "W* = D attains 0 (docs/theory.md 4.3)"
        else:
            self.optimum_note = "optimum >= 0; the gap is an upper bound"
            self.optimum = 0.0

    def forward(self, x):
        return ((self.net(x) - x[:, ::self.stride]) ** 2).mean()


class Infomax(Objective):
    name = "infomax"

    def __init__(self, cfg, refs, sampler):
        super().__init__(cfg, refs, sampler)
        self.register_buffer("target", torch.tensor(refs["infomax_targets"], dtype=torch.float64))
        self.optimum = 0.0
        self.optimum_note = ("penalties vanish at W C W^T = s^2 I (Hadamard, docs/theory.md 4.3)"
                             if refs["gaussian"] else "every term >= 0 at population level; the gap is an upper bound")

    def _terms(self, y, split):
        cfg, t = self.cfg, self.target.to(y.dtype)
        n = len(t)
        if split:
            h = y.shape[0] // 2
            (muA, cA), (muB, cB) = central_moments(y[:h], n), central_moments(y[h:2 * h], n)
            mom = sum(((cA[k] - t[k]) * (cB[k] - t[k])).mean() / t[k] ** 2 for k in range(n))
            mean = (muA * muB).mean() / t[0]
            _, offA = _corr_offdiag(y[:h])
            _, offB = _corr_offdiag(y[h:2 * h])
            dec = (offA * offB).sum() / y.shape[1]
        else:
            mu, c = central_moments(y, n)
            mom = sum((((c[k] - t[k]) / t[k]) ** 2).mean() for k in range(n))
            mean = (mu * mu).mean() / t[0]
            _, off = _corr_offdiag(y)
            dec = (off * off).sum() / y.shape[1]
        loss = mom + cfg.mean_penalty * mean + cfg.decorrelation * dec
        if cfg.entropy > 0:
            R, _ = _corr_offdiag(y)
            loss = loss - cfg.entropy * 0.5 * torch.linalg.slogdet(R)[1] / y.shape[1]
        return loss

    def forward(self, x):
        return self._terms(self.net(x), split=True)

    def eval_loss(self, x):
        # split-sample products: an unbiased estimate of the population loss (may dip below 0 by noise)
        return float(self._terms(self.net(x), split=True))


class Autoencoder(Objective):
    name = "autoencoder"

    def __init__(self, cfg, refs, sampler):
        super().__init__(cfg, refs, sampler)
        self.decoder = FCDNN(cfg.M, cfg.N, tuple(reversed(cfg.hidden_widths)), cfg.activation)
        ey = refs.get("eckart_young")
        if cfg.activation == "linear" and ey is not None:
            self.optimum, self.optimum_note = ey, "Eckart-Young: mean of the N - M smallest eigenvalues of C_N"

    def forward(self, x):
        return ((self.decoder(self.net(x)) - x) ** 2).mean()

    def initialize(self, kind, noise, generator):
        """Encoder near the RG map, decoder near its transpose (the map's right inverse up to scale)."""
        super().initialize(kind, noise, generator)
        with torch.no_grad():
            for dec, enc in zip(self.decoder.linears, reversed(self.net.linears)):
                dec.weight.copy_(enc.weight.T + noise * torch.randn(dec.weight.shape, generator=generator))
                dec.bias.copy_(noise * torch.randn(dec.bias.shape, generator=generator))


class RegressTheta(Objective):
    name = "regress-theta"

    def __init__(self, cfg, refs, sampler):
        super().__init__(cfg, refs, sampler)
        self.prior = refs["prior"]                     # list of (theta vector, sampler), or a Gaussian box
        p = 1 + cfg.n
        self.act = self.net.act
        self.head = nn.Linear(cfg.M, p)
        self.optimum_note = "Bayes risk of the prior: not known in closed form"

    def draw(self, batch, generator):
        return self.prior.draw(batch, generator)

    def forward(self, data):
        x, target = data
        return ((self.head(self.act(self.net(x))) - target.to(x.dtype)) ** 2).mean()

    def eval_loss(self, data):
        return float(self.forward(data))


OBJECTIVE_CLASSES = {c.name: c for c in (Decimate, Infomax, Autoencoder, RegressTheta, Rsmi)}


class GaussianPrior:
    """theta ~ uniform on the box theta_0 (1 +- w) per component, Gaussian ring sampled exactly per draw."""

    def __init__(self, K, a, N, width, dtype):
        self.center = torch.tensor([K, a], dtype=torch.float64)
        self.half = (self.center.abs() * width).clamp(min=1e-12)
        self.N, self.dtype = N, dtype
        k = torch.arange(N, dtype=torch.float64)
        self.cos = torch.cos(2 * math.pi * k / N)

    def draw(self, batch, generator):
        u = torch.rand(batch, 2, generator=generator, dtype=torch.float64) * 2 - 1
        theta = self.center + u * self.half
        lam = 2 * theta[:, 1:2] - 2 * theta[:, 0:1] * self.cos
        z = torch.randn(batch, self.N, generator=generator, dtype=torch.float64)
        x = torch.fft.ifft(torch.fft.fft(z, dim=-1) * lam.rsqrt(), dim=-1).real
        return x.to(self.dtype), u.to(self.dtype)

    def sample_at_center(self, batch, generator):
        from numerics.network.sampler import GaussianRingSampler
        return GaussianRingSampler(float(self.center[0]), float(self.center[1]), self.N, self.dtype).sample(batch, generator)


class DiscretePrior:
    """theta uniform over P points drawn once (seeded) from the box theta_0 (1 +- w); grid samplers.

    Each draw takes ``per_draw`` of the P points at random (a grid-sampler call costs a pass over
    the ring, so one draw touches few points; over steps every point is used equally often).
    """

    def __init__(self, thetas, samplers, center, half, dtype, per_draw=2):
        self.thetas, self.samplers, self.dtype = thetas, samplers, dtype
        self.center, self.half, self.per_draw = center, half, per_draw

    def draw(self, batch, generator):
        P = len(self.samplers)
        pick = torch.randperm(P, generator=generator)[: self.per_draw].tolist()
        xs, ts = [], []
        for j, i in enumerate(pick):
            m = batch // len(pick) + (1 if j < batch % len(pick) else 0)
            xs.append(self.samplers[i].sample(m, generator))
            ts.append(((self.thetas[i] - self.center) / self.half).expand(m, -1))
        return torch.cat(xs).to(self.dtype), torch.cat(ts).to(self.dtype)

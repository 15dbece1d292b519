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
- ``rbm``:           maximum likelihood of a restricted Boltzmann machine with N visible and M +-1
                     hidden units (variational RG, Mehta & Schwab; ``numerics/network/rbm.py``);
                     features h ~ p(h | v) for spins, E[h | v] rescaled to the data's m_2 otherwise.

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

    def feature_sample(self, x, generator):
        """The feature-layer output for the estimation set (deterministic networks ignore the generator)."""
        return self.features(x)

    def extra_report(self, x, y):
        """Objective-specific entries of the result from data x and features y (none by default)."""
        return {}

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


class RBMObjective(Objective):
    """rbm: mean NLL per site of an RBM (exact log Z by enumeration, or CD-k / PCD-k; numerics/network/rbm.py).

    Training loss per step: (mean F(v_data) + log Z) / N (exact: the NLL per site of the batch), or
    (mean F(v_data) - mean F(v_k)) / N (CD / PCD surrogate, whose gradient estimates the NLL's).
    Features: spins h ~ p(h | v) (the Mehta-Schwab feature law p(h) = sum_v p(v) p(h | v)), drawn
    from the estimation stream; Gaussian visible units: E[h | v] = tanh(c + W^T v / sigma), rescaled
    so that its second moment equals the data's m_2 on a calibration set drawn first from the
    estimation stream (a readout convention: the scale of chi is set by it, not learned).
    The hidden layer is fully connected to the visible one; its units need not be spatially
    ordered (the spin estimator's lag-2 and translation diagnostics test the ring reading;
    ``rbm.ordered_reading`` reports a second reading with units sorted by receptive field).
    """

    name = "rbm"
    CALIBRATION = 8192

    def __init__(self, cfg, refs, sampler):
        nn.Module.__init__(self)
        from numerics.network.rbm import NLL_MAX_UNITS, RBM
        self.cfg, self.sampler = cfg, sampler
        self.spins = bool(getattr(cfg, "ising", False))
        self.rbm = RBM(cfg.N, cfg.M, "spin" if self.spins else "gaussian")
        self.method, self.k = cfg.rbm_method, cfg.rbm_cd_steps
        self.m2 = float(refs["m"][0])
        self.theta_star = float(refs["theta_star"][0])
        self.rg_L = float(refs["rg_L"][0]) if "rg_L" in refs else None
        self.register_buffer("readout_scale", torch.tensor(float("nan"), dtype=torch.float64))
        if self.method == "pcd":      # persistent chains: part of the state, so resume is exact
            v0 = torch.randn(cfg.batch, cfg.N) * math.sqrt(self.m2)
            self.register_buffer("chains", torch.sign(v0) if self.spins else v0)
        H = refs.get("entropy_per_site_ring")
        chain = cfg.chain
        if H is None and chain.is_gaussian and len(chain.a) == 1:     # closed form, numerics/network/sampler.py
            from numerics.network.sampler import gaussian_ring_log_partition
            self.gauss = (float(chain.K), float(chain.a[0]))
            H = 0.5 + gaussian_ring_log_partition(*self.gauss, cfg.N) / cfg.N
        else:
            self.gauss = None
        self.exact_nll = self.rbm.enumerated_units() <= NLL_MAX_UNITS
        if H is not None and self.exact_nll:
            self.optimum = H
            self.optimum_note = ("entropy per site H of the data's N-ring (closed form; differential entropy for "
                                 "continuous data); the loss is H + mean(NLL + log p_data / N), so the gap "
                                 "estimates KL(data || RBM)/N >= 0; an RBM with M hidden units need not reach 0")
        else:
            self.optimum = None
            self.optimum_note = (f"NLL not computable exactly (2^{self.rbm.enumerated_units()} states)"
                                 if not self.exact_nll else "the data's entropy per site is not available here")

    def initialize(self, kind, noise, generator):
        """Start near an RG map (docs/theory.md 4.4): hidden unit j coupled to its block of s = N/M sites.

        'decimation': W_(s j, j) = 1 (unit j reads the block's first site, the RBM limit of decimation
        with a finite coupling); 'block': W_(s j + k, j) = 1/sqrt(s), k < s; biases 0; every entry
        plus N(0, noise^2).
        """
        N, M = self.cfg.N, self.cfg.M
        s = N // M
        W = torch.zeros(N, M)
        for j in range(M):
            if kind == "decimation":
                W[s * j, j] = 1.0
            else:
                W[s * j:s * (j + 1), j] = s ** -0.5
        with torch.no_grad():
            self.rbm.W.copy_(W + noise * torch.randn(N, M, generator=generator))
            self.rbm.b.copy_(noise * torch.randn(N, generator=generator))
            self.rbm.c.copy_(noise * torch.randn(M, generator=generator))

    def draw(self, batch, generator):
        x = self.sampler.sample(batch, generator)
        if self.method == "exact":
            return x
        uh = torch.rand(self.k, batch, self.cfg.M, generator=generator, dtype=torch.float64).to(x.dtype)
        nv = (torch.rand if self.spins else torch.randn)(self.k, batch, self.cfg.N, generator=generator,
                                                          dtype=torch.float64).to(x.dtype)
        return x, uh, nv

    def forward(self, data):
        if self.method == "exact":
            return (self.rbm.free_energy(data).mean() + self.rbm.log_partition()) / self.cfg.N
        x, uh, nv = data
        start = x if self.method == "cd" else self.chains[: len(x)]
        vk = self.rbm.gibbs(start, uh, nv)
        if self.method == "pcd":
            self.chains[: len(x)] = vk
        return (self.rbm.free_energy(x).mean() - self.rbm.free_energy(vk).mean()) / self.cfg.N

    def features(self, x):
        m = torch.tanh(self.rbm.hidden_field(x))
        return m if self.spins else m * self.readout_scale.to(m.dtype)

    def feature_sample(self, x, generator):
        if self.spins:
            u = torch.rand(len(x), self.cfg.M, generator=generator, dtype=torch.float64).to(x.dtype)
            return self.rbm.sample_hidden(x, u)
        if torch.isnan(self.readout_scale):
            xc = self.sampler.sample(self.CALIBRATION, generator)
            m = torch.tanh(self.rbm.hidden_field(xc)).double()
            self.readout_scale.fill_(math.sqrt(self.m2 / float((m * m).mean())))
        return self.features(x)

    def _nll_per_site(self, x):
        """-log p_RBM(v) / N per row of x, exact, evaluated in float64 on a copy of the machine."""
        import copy
        rbm = copy.deepcopy(self.rbm).double()
        with torch.no_grad():
            return rbm.nll(x.double()) / self.cfg.N

    def eval_loss(self, x):
        """Population NLL per site: H + mean(NLL + log p_data / N) where log p_data is known, else mean NLL.

        Both are unbiased for E[NLL]; the first uses the exact log p_data(x) as a control variate
        (its spread is that of log p_data - log p_RBM, about 20x smaller here), so loss - H
        estimates KL(data || RBM) / N directly.
        """
        return self._nll_report(x)["loss"] if self.exact_nll else float("nan")

    def _nll_report(self, x):
        nll = self._nll_per_site(x)
        S = len(nll)
        rep = {"nll_per_site": float(nll.mean()), "nll_per_site_se": float(nll.std() / math.sqrt(S))}
        rep["loss"] = rep["nll_per_site"]
        log_p = self._data_log_prob(x)
        if log_p is not None:
            d = nll + log_p / self.cfg.N                  # KL(data || RBM) / N per sample, in expectation
            rep.update(entropy_per_site=self.optimum, kl_per_site=float(d.mean()),
                       kl_per_site_se=float(d.std() / math.sqrt(S)))
            rep["loss"] = self.optimum + rep["kl_per_site"]
        return rep

    def extra_report(self, x, y):
        rep = {"gradient": {"exact": f"exact: log Z by enumerating 2^{self.rbm.enumerated_units()} "
                                     f"{self.rbm.enumerated_layer()} states",
                            "cd": f"CD-{self.k} (Gibbs chains started at the data)",
                            "pcd": f"PCD-{self.k} ({self.cfg.batch} persistent chains)"}[self.method],
               "visible": self.rbm.visible, "receptive_fields": self.rbm.receptive_fields()}
        if self.exact_nll:
            rep.update({k: v for k, v in self._nll_report(x).items() if k != "loss"})
        if self.spins:
            rep["ordered_reading"] = self._ordered_reading(y)
        else:
            rep["readout"] = (f"features E[h|v] x {float(self.readout_scale):.6g}: second moment set to the data's "
                              f"m_2 = {self.m2:.6g} on {self.CALIBRATION} calibration samples (a convention)")
        return {"rbm": rep}

    def _data_log_prob(self, x):
        """log p_data(x) per row where it is known in closed form (Ising, Gaussian ring), else None."""
        if self.spins:
            from numerics.network.ising_ring import ring_log_prob
            return ring_log_prob(x.double(), float(self.cfg.chain.K))
        if self.gauss is not None:
            from numerics.network.sampler import gaussian_ring_log_partition
            K, a = self.gauss
            x = x.double()
            H = a * (x * x).sum(-1) - K * (x * torch.roll(x, -1, dims=-1)).sum(-1)
            return -H - gaussian_ring_log_partition(K, a, x.shape[-1])
        return None

    def _ordered_reading(self, y):
        """K-hat with hidden units re-indexed by receptive-field centre and signs fixed (a second convention).

        Permutations and sign flips of hidden units leave the likelihood unchanged; this reading
        orders units by the circular centre of W_(:j)^2 and flips h_j so that its largest weight is
        positive, then reads the result as an M-ring. Reported beside the index-order reading.
        """
        from numerics.network.estimator import OutsideFamily
        from numerics.network.spin_estimator import spin_chi_hat
        W = self.rbm.W.detach().double()
        centre = torch.tensor(self.rbm.receptive_fields()["centre"])
        order = torch.argsort(centre).numpy()
        sign = torch.sign(W[W.abs().argmax(0), torch.arange(W.shape[1])]).numpy()
        out = {"convention": "hidden units sorted by receptive-field centre; h_j flipped so that its "
                             "largest weight is positive", "order": order.tolist()}
        try:
            e = spin_chi_hat(y[:, order] * sign[order], z_flag=self.cfg.z_disagree)
        except OutsideFamily as exc:
            return {**out, "chi": None, "reason": str(exc)}
        K, se = e.theta[0], e.se[0]
        out.update(chi={"K": K, "a": []}, se={"K": se, "a": []}, lag2_z=e.diagnostics["lag2"]["z"],
                   z={"K": (K - self.theta_star) / se, "a": []})
        if self.rg_L is not None:
            out["z_rg"] = {"K": (K - self.rg_L) / se, "a": []}
        return out


OBJECTIVE_CLASSES = {c.name: c for c in (Decimate, Infomax, Autoencoder, RegressTheta, Rsmi, RBMObjective)}


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
        sampler = GaussianRingSampler(float(self.center[0]), float(self.center[1]), self.N, self.dtype)
        return sampler.sample(batch, generator)


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

"""The ``rsmi`` objective: real-space mutual information of coarse block variables (docs/theory.md 4.4).

Koch-Janusz & Ringel (Nature Physics 2018); neural estimation as in RSMI-NE (Gokmen et al.,
arXiv 2103.16887). Nothing about theta, theta* or any theta-derived moment enters the loss.

Architecture. Layer l (l = 1..L) acts on a ring of n_l = N / b^(l-1) values (the data for
l = 1), cut into n_l / b blocks V_j of b consecutive sites, b = (N/M)^(1/L). One coarse unit
per block, H_j = f_l(V_j), with the SAME small fully connected network f_l: R^b -> R for every
block of the layer (weight sharing; f_l sees only its block: with access to the whole input
H_j could copy its environment and the objective would be void). The L-th layer's M units
are the features, read as an M-site ring like every other objective's.

Environment. E_j = the W sites on each side of V_j beyond a buffer of B sites
(``rsmi_window`` W, ``rsmi_buffer`` B), on the ring of the layer's input. Defaults B = 0,
W = 2: for a nearest-neighbour Markov chain the law of V_j given everything outside
V_j + buffer depends only on the two environment sites nearest to the block, whatever B is,
so a buffer does not change *which* information is available, only how much (in the
Gaussian chain I(H; E) falls by about u^(2B), u = K/(a + rho): from 0.047 nats at B = 0 to
0.0033 at B = 1 for the standard Gaussian example); B = 0 keeps the signal well above the
estimator's noise. The nearest site carries the information at every B; W = 2 rather than 1
because the coarse rings of layers l >= 2 are not exactly Markov (the second site adds
1.5e-4 nats at layer 2 of the Gaussian example, W = 4 another 2e-6).

Depth: greedy, layer by layer. Layer l maximizes I(H^l_j; E^l_j), its own units against
their environment at its own scale (both made of layer l-1's units), and its input is
detached: the gradient of layer l's term does not reach layers < l. This is the iterative
RSMI of the references (coarse-grain, then apply RSMI again to the coarse configuration),
and it makes each layer one RG step that, like RG, acts on the previous step's output
without knowing what later steps do. Its fixed point is sequential: f_1 maximizes layer 1's
MI, f_2 maximizes layer 2's given f_1, ... (for linear f on Gaussian data computed exactly by
``block_mi.greedy_max_block_mi``). The loss is the sum of the L layers' terms.

Bound. Minus InfoNCE (van den Oord et al. 2018; Poole et al. 2019) per layer:

    I(H; E) >= E[ s(h_i, e_i) - log (1/S) sum_k exp s(h_i, e_k) ],

with a separable critic s(h, e) = g(h) . c(e) (g, c: one-hidden-layer GELU networks of width
``rsmi_critic`` into R^8). Chosen over Donsker-Varadhan / NWJ because its variance is small
(a softmax, no exponential of the critic averaged over negatives); its cap log S (4.2 nats at
S = 64) is far above the block MIs here (< 0.1 nats). The batch is cut into groups of
S = 64 samples (``NEGATIVES``): every sample's pair (H_j, E_j) is a positive, contrasted with
the other S - 1 samples' E_j at the same block position, never with other blocks of the same
sample (those are dependent: E_(j+1) may contain V_j). Groups of 64 instead of the whole
batch of 256 cut the cost (J S^2 scores per group) fourfold; the finite-S slack of the bound
is measured by the tests against the exact MI. All blocks of a layer share f and the critic,
so the bound is averaged over blocks, groups and batch. On wide rings most of that average is
redundant (the blocks are translates of one another): ``rsmi_positions`` = k > 0 averages, at each
training step, over k block positions per layer drawn afresh from the data stream (shared by the
batch, so negatives stay at the positive's position), an unbiased estimate of the full average at
k/J of the critic's cost; the evaluation always uses every block. Nothing in it is Gaussian: it works
for any even V and for +-1 data given a sampler with ``.sample(batch, generator)``.

Scale convention (readout, not loss). I(H; E) is invariant under invertible maps of H, so
the loss fixes no scale (nor sign, nor offset). ``features`` returns the final units
standardized with a mean and standard deviation measured once on ``eval_samples`` fresh
samples (own seed stream, never the estimation set) and rescaled to the data's single-site
variance m_2 (from the references; from those samples for a chain without them):
y = sqrt(m_2) (H - mean) / sd. This convention fixes the
overall scale of chi-hat (a_1 given u); only scale-free quantities -- the lag-1 correlation
ratio C(1)/C(0) (u for the Gaussian family) and the kurtosis m_4 / m_2^2 (the shape
a_2 / a_1^2) -- are evidence; ``report`` measures both with s.e. against their values at theta*
(0, and the data's single-site kurtosis); for linear f on Gaussian data also the exact C(1)/C(0)
of the learned f and of the objective's optimum (``block_mi``), which separates what the
optimum gives from what the optimizer reached.

>>> from numerics.network.config import TrainConfig
>>> cfg = TrainConfig(K="0.5", a=("1",), objective="rsmi", steps=1)
>>> environment_index(8, 2, 0, 2)[0].tolist()
[6, 7, 2, 3]
>>> BlockStack(64, 2, 2, 8, "linear")(torch.zeros(3, 64)).shape
torch.Size([3, 16])
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from numerics.network import block_mi
from numerics.network.config import block_size
from numerics.network.fcdnn import FCDNN

EMBED = 8                      # dimension of the separable critic's embeddings g(h), c(e)
NEGATIVES = 64                 # InfoNCE group size S: each positive is contrasted with S - 1 others
CALIBRATION_TAG = 0x52534D49   # seeds the readout calibration stream apart from init / data / estimation


def block_index(n, b):
    """(n/b, b) site indices of the blocks of the n-ring."""
    return torch.tensor([block_mi.block_sites(n, b, j) for j in range(n // b)], dtype=torch.int64)


def environment_index(n, b, buffer, window):
    """(n/b, 2W) site indices of each block's environment: W sites per side beyond B (left first)."""
    return torch.tensor([block_mi.environment_sites(n, b, buffer, window, j) for j in range(n // b)],
                        dtype=torch.int64)


class SeparableCritic(nn.Module):
    """s(h, e) = g(h) . c(e), g: R -> R^8, c: R^(2W) -> R^8, one GELU hidden layer each."""

    def __init__(self, env, width):
        super().__init__()
        self.g = nn.Sequential(nn.Linear(1, width), nn.GELU(), nn.Linear(width, EMBED))
        self.c = nn.Sequential(nn.Linear(env, width), nn.GELU(), nn.Linear(width, EMBED))

    def scores(self, h, e, group):
        """(G, J, S, S) scores s(h_s, e_t) within groups of S = ``group`` samples, per block j.

        h: (G S, J) coarse units, e: (G S, J, 2W) their environments.
        """
        A, C = self.g(h.unsqueeze(-1)), self.c(e)
        G = h.shape[0] // group
        A = A.reshape(G, group, *A.shape[1:])
        C = C.reshape(G, group, *C.shape[1:])
        return torch.einsum("gsjd,gtjd->gjst", A, C)


def infonce(scores):
    """InfoNCE mean_s [s_ss - log mean_t exp s_st] (nats) per group and block: a (G, J) tensor."""
    G, J, S, _ = scores.shape
    # cross entropy of the positive against all S candidates: a fused log-softmax (one exp, forward and back)
    target = torch.arange(S).repeat(G * J)
    ce = torch.nn.functional.cross_entropy(scores.reshape(G * J * S, S), target, reduction="none")
    return math.log(S) - ce.reshape(G, J, S).mean(2)


class BlockStack(nn.Module):
    """L layers of weight-shared block networks f_l: R^b -> R; forward gives the final units."""

    def __init__(self, N, b, layers, hidden, activation):
        super().__init__()
        self.b = b
        widths = (hidden,) if hidden > 0 else ()
        self.f = nn.ModuleList(FCDNN(b, 1, widths, activation) for _ in range(layers))
        self.blocks = [block_index(N // b ** l, b) for l in range(layers)]

    def layer(self, l, z):
        """Layer l (0-based) on its input ring z (S, n_l): the coarse ring (S, n_l / b)."""
        return self.f[l](z[:, self.blocks[l]]).squeeze(-1)

    def forward(self, x):
        for l in range(len(self.f)):
            x = self.layer(l, x)
        return x


class Rsmi(nn.Module):
    """rsmi: minus the InfoNCE bound on sum_l I(H^l_j; E^l_j), greedy over layers (module docstring)."""

    name = "rsmi"

    def __init__(self, cfg, refs, sampler):
        super().__init__()
        self.cfg, self.sampler, self.refs = cfg, sampler, refs
        L, b = cfg.layers, block_size(cfg.N, cfg.M, cfg.layers)
        self.b, self.L = b, L
        self.net = BlockStack(cfg.N, b, L, cfg.rsmi_hidden, cfg.activation)
        self.envs = [environment_index(cfg.N // b ** l, b, cfg.rsmi_buffer, cfg.rsmi_window) for l in range(L)]
        self.group = min(NEGATIVES, cfg.batch)
        self.critics = nn.ModuleList(SeparableCritic(2 * cfg.rsmi_window, cfg.rsmi_critic) for _ in range(L))
        self.register_buffer("readout", torch.tensor([0.0, 1.0], dtype=torch.float64))   # mean, sd of H
        self.register_buffer("calibrated", torch.tensor(False))
        # m_2 from the references; a chain without them (a sampler only) gets it from the calibration draws
        self.m2 = float(refs["m"][0]) if refs.get("m") else None
        self.m2_source = "references (single-site m_2 of the chain)" if self.m2 else "calibration samples"
        self.linear_gaussian = bool(refs["gaussian"]) and cfg.activation == "linear"
        self.optimum, self.optimum_note = None, ("optimum not known in closed form (non-Gaussian data or "
                                                 "nonlinear f); the loss is minus a lower bound on the MI")
        if self.linear_gaussian:
            maxima, _ = block_mi.greedy_max_block_mi(refs["ring_covariance"], L, b, cfg.rsmi_buffer,
                                                     cfg.rsmi_window)
            self.mi_max = maxima
            self.optimum = -float(sum(maxima))
            self.optimum_note = ("minus the sum over layers of the exact greedy maximum of I(w . V; E) over "
                                 "linear w (generalized eigenproblem, numerics/network/block_mi.py); InfoNCE "
                                 "<= MI, so the expected loss cannot go below it (an estimate can, by noise); the gap "
                                 "includes the bound's slack")

    def draw(self, batch, generator):
        """Fresh samples; with ``rsmi_positions`` = k > 0 also the k block positions per layer this step uses."""
        x = self.sampler.sample(batch, generator)
        k = self.cfg.rsmi_positions
        if not k:
            return x
        positions = [torch.randperm(len(e), generator=generator)[:k] if k < len(e) else None for e in self.envs]
        return x, positions

    def initialize(self, kind, noise, generator):
        """Start every block network f_l near an RG map of its block (docs/theory.md 4.4, optimum vs optimizer).

        'decimation': f_l(V) = V_0 (the block's first site); 'block': f_l(V) = sum(V) / sqrt(b). With a hidden
        layer the map goes through hidden unit 0 (output weight 1 on it); every weight and bias gets
        N(0, noise^2).
        """
        w = torch.zeros(self.b)
        if kind == "decimation":
            w[0] = 1.0
        else:
            w[:] = self.b ** -0.5
        with torch.no_grad():
            for f in self.net.f:
                first, last = f.linears[0], f.linears[-1]
                targets = {first: torch.zeros_like(first.weight)}
                targets[first][0] = w
                if last is not first:
                    targets[last] = torch.zeros_like(last.weight)
                    targets[last][0, 0] = 1.0
                for lin in f.linears:
                    W = targets.get(lin, torch.eye(*lin.weight.shape))
                    lin.weight.copy_(W + noise * torch.randn(lin.weight.shape, generator=generator))
                    lin.bias.copy_(noise * torch.randn(lin.bias.shape, generator=generator))

    def layer_bounds(self, x, positions=None):
        """(G, L) InfoNCE estimates on the groups of ``group`` samples of x, each layer on its detached input.

        positions: per layer, the block positions whose bounds are averaged (None: every block).
        """
        G = len(x) // self.group
        out, z = [], x[: G * self.group]
        for l in range(self.L):
            z = z.detach()
            h = self.net.layer(l, z)
            pos = None if positions is None else positions[l]
            hs, env = (h, self.envs[l]) if pos is None else (h[:, pos], self.envs[l][pos])
            out.append(infonce(self.critics[l].scores(hs, z[:, env], self.group)).mean(1))
            z = h
        return torch.stack(out, dim=1)

    def forward(self, data):
        x, positions = data if isinstance(data, tuple) else (data, None)
        return -self.layer_bounds(x, positions).mean(0).sum()

    def chunk_bounds(self, x):
        """(groups, L) InfoNCE estimates on consecutive groups of ``group`` samples of x."""
        with torch.no_grad():
            return np.concatenate([self.layer_bounds(x[i:i + 4096]).double().numpy()
                                   for i in range(0, len(x), 4096)])

    def eval_loss(self, x):
        return float(-self.chunk_bounds(x).sum(1).mean())

    @torch.no_grad()
    def calibrate(self):
        """Mean and s.d. of the raw final units on fresh samples (own seed stream): the readout convention."""
        seed = int(np.random.SeedSequence([self.cfg.seed, CALIBRATION_TAG]).generate_state(1)[0])
        g = torch.Generator().manual_seed(seed)
        s1 = s2 = x1 = x2 = 0.0
        n = nx = 0
        total = self.cfg.eval_samples
        for i in range(0, total, 4096):
            x = self.sampler.sample(min(4096, total - i), g)
            h = self.net(x.to(next(self.net.parameters()).dtype)).double()
            x = x.double()
            s1, s2, n = s1 + float(h.sum()), s2 + float((h * h).sum()), n + h.numel()
            x1, x2, nx = x1 + float(x.sum()), x2 + float((x * x).sum()), nx + x.numel()
        mean = s1 / n
        sd = math.sqrt(max(s2 / n - mean * mean, 0.0))
        if self.refs.get("m") is None:
            self.m2 = x2 / nx - (x1 / nx) ** 2
        self.readout.copy_(torch.tensor([mean, sd if sd > 0 else 1.0], dtype=torch.float64))
        self.calibrated.fill_(True)

    def features(self, x):
        """y = sqrt(m_2) (H - mean) / sd: final units in the readout convention (calibrated once)."""
        if not bool(self.calibrated):
            self.calibrate()
        mean, sd = (float(v) for v in self.readout)
        return (self.net(x) - mean) * (math.sqrt(self.m2) / sd)

    def feature_sample(self, x, generator):
        """The feature-layer output for the estimation set (deterministic: the generator is not used)."""
        return self.features(x)

    @torch.no_grad()
    def extra_report(self, x, y):
        """rsmi's own results on the estimation set x (features y): MI bound, exact MI, scale-free readout."""
        cb = self.chunk_bounds(x)
        k = len(cb)
        out = {"mi_bound": cb.mean(0).tolist(),
               "mi_bound_se": (cb.std(0, ddof=1) / math.sqrt(k)).tolist() if k > 1 else None,
               "mi_bound_note": (f"InfoNCE per layer (nats per block), mean over {k} groups of {self.group} "
                                 "estimation samples; s.e. from the spread of the groups"),
               "mi_exact": None, "mi_max": None, "mi_max_given_input": None, "block_weights": None,
               "readout": {"mean": float(self.readout[0]), "sd": float(self.readout[1]), "m2": self.m2,
                           "m2_source": self.m2_source,
                           "calibration_samples": self.cfg.eval_samples,
                           "convention": "y = sqrt(m_2) (H - mean) / sd; m_2 = the data's single-site variance"}}
        if self.cfg.activation == "linear":
            ws = [f.effective_linear_map()[0].double().numpy().ravel() for f in self.net.f]
            out["block_weights"] = [w.tolist() for w in ws]
            if self.linear_gaussian:
                row = self.refs["ring_covariance"]
                exact, given = block_mi.stacked_block_mi(row, ws, self.b, self.cfg.rsmi_buffer, self.cfg.rsmi_window)
                out.update({"mi_exact": exact, "mi_max": self.mi_max, "mi_max_given_input": given})
        out["scale_free"] = scale_free(y, self.refs, self.cfg)
        if self.linear_gaussian:
            # exact C(1)/C(0) of the final units: of the learned f, and of the greedy optimum over linear f
            lag = out["scale_free"]["lag1_ratio"]
            lag["exact_learned"] = _final_lag1(self.refs["ring_covariance"], ws, self.b)
            _, best_ws = block_mi.greedy_max_block_mi(self.refs["ring_covariance"], self.L, self.b,
                                                      self.cfg.rsmi_buffer, self.cfg.rsmi_window)
            lag["exact_optimum"] = _final_lag1(self.refs["ring_covariance"], best_ws, self.b)
        return out


def _final_lag1(row, ws, b):
    for w in ws:
        row = block_mi.coarse_covariance(row, w, b)
    return float(row[1] / row[0])


def _ratio_se(num, den):
    """(mean num / mean den, delta-method s.e.) over i.i.d. per-sample values."""
    S = len(num)
    r = num.mean() / den.mean()
    cov = np.cov(np.stack([num, den]))
    var = (cov[0, 0] - 2 * r * cov[0, 1] + r * r * cov[1, 1]) / (S * den.mean() ** 2)
    return float(r), float(math.sqrt(max(var, 0.0)))


def scale_free(y, refs, cfg):
    """Lag-1 correlation ratio C(1)/C(0) and kurtosis m_4/m_2^2 of the features, s.e., z against theta*.

    At theta* = (0; a*) the M-ring's units are independent with the data's single-site law,
    so C(1)/C(0) = 0 and the kurtosis is the data's m_4/m_2^2 (3 for Gaussian data). The
    decimated ring (what decimation by b^L gives) has C_N(b^L)/C_N(0), given for context.
    """
    y = np.asarray(y, dtype=np.float64)
    s0 = (y * y).mean(1)
    s1 = (y * np.roll(y, -1, axis=1)).mean(1)
    s4 = (y ** 4).mean(1)
    lag, lag_se = _ratio_se(s1, s0)
    # kurtosis mean(s4) / mean(s0)^2: delta method with gradient (1/m0^2, -2 m4/m0^3)
    m0, m4 = s0.mean(), s4.mean()
    grad = np.array([1 / m0 ** 2, -2 * m4 / m0 ** 3])
    kv = float(grad @ np.cov(np.stack([s4, s0])) @ grad) / len(y)
    kurt, kurt_se = float(m4 / m0 ** 2), math.sqrt(max(kv, 0.0))
    m = refs.get("m")
    kurt_star = None if not m else float(m[1] / m[0] ** 2) if len(m) > 1 else 3.0
    C = refs.get("ring_covariance")
    bL = cfg.N // cfg.M
    z = lambda v, ref, se: None if ref is None else (v - ref) / se if se > 0 else math.inf  # noqa: E731
    return {"lag1_ratio": {"value": lag, "se": lag_se, "theta_star": 0.0, "z": z(lag, 0.0, lag_se),
                           "decimated": None if C is None else float(C[bL] / C[0])},
            "kurtosis": {"value": kurt, "se": kurt_se, "theta_star": kurt_star, "z": z(kurt, kurt_star, kurt_se)},
            "note": ("scale-free: the readout convention does not move them; theta* has C(1)/C(0) = 0 and the "
                     "data's single-site kurtosis; 'decimated' = C_N(b^L)/C_N(0) of the data, R^L(theta)'s value")}

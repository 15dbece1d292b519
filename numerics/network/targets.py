"""Reference values a trained network is compared with (docs/theory.md 3.3, 4.2, 4.3).

- theta* = (0; a*): the projected-decimation fixed point, a* matching the chain's single-site
  moments. From ``numerics.api.fixed_point`` (the exact closed forms of numerics.exact / the
  transfer-operator solver numerics.general,
  high precision); where the backend is not available, from the float64 grid chain
  (``grid_chain.single_site_fit``), labelled as such.
- R^L(theta) for ``decimate``: ``rg_L`` is the one-shot projection of the b^L-decimated ring
  onto the M-ring (what an exact decimating network, f(x) = D x, outputs; ``rg_L_decimated`` is
  the same list under its former name), and ``rg_L_flow`` is ``numerics.api.flow(b, L)``, the
  flow projected after every step. They are equal for n = 1 and differ at O(K^4) for n >= 2.
- infomax constraint targets t_2k: the data's m_2k, or those of s x_0 / sqrt(m_2) for another
  scale s^2, and theta_constraint = (0; a*(t)), where the constraint alone sends the output.
- autoencoder (linear): the Eckart-Young optimum, mean of the N - M smallest eigenvalues of the
  N-ring covariance C_N (circulant: eigenvalues = DFT of C_N(r)).

>>> from numerics.network.config import TrainConfig
>>> r = references(TrainConfig(K="0.5", a=("1",), objective="decimate"))
>>> [round(v, 12) for v in r["theta_star"]], r["source"]
([0.0, 0.866025403784], 'numerics.api (numerics.exact)')
>>> [round(v, 12) for v in r["rg_L"]], [round(v, 12) for v in r["rg_L_flow"]]
([0.008928571429, 0.866071428571], [0.008928571429, 0.866071428571])
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import torch

from numerics.network import grid_chain
from numerics.network.estimator import project_ring
from numerics.network.sampler import gaussian_ring_covariance
from proofs.errors import NotSupported

REFERENCE_DPS = 20       # float64 is what the comparison uses; 20 digits leave 4 spare


@lru_cache(maxsize=256)
def _api_cached(fn, K, a, kw):
    from numerics import api
    from proofs.family import Chain
    try:
        return getattr(api, fn)(Chain.polynomial(K, list(a)), **dict(kw))
    except NotSupported:
        return None


def _api(fn, chain, **kw):
    """numerics.api.<fn>(chain, dps=REFERENCE_DPS, **kw), cached per chain (None where not supported)."""
    kw["dps"] = REFERENCE_DPS
    return _api_cached(fn, str(chain.K), tuple(str(v) for v in chain.a), tuple(sorted(kw.items())))


def _backend_name(chain):
    return "numerics.exact" if (chain.is_gaussian or chain.is_ising) else "numerics.general"


def references(cfg):
    """Dict of reference values for ``cfg`` (floats; sources named in 'source' / 'notes')."""
    if getattr(cfg, "ising", False):                 # spins: closed forms (numerics/network/ising_references.py)
        from numerics.network.ising_references import references as ising_references
        return ising_references(cfg)
    chain = cfg.chain
    K = float(chain.K)
    a = [float(v) for v in chain.a]
    n = len(a)
    gaussian = chain.is_gaussian
    out = {"gaussian": gaussian, "notes": []}
    grid = None if gaussian else grid_chain.GridChain(K, a, float(_frac(cfg.grid_h)))
    # single-site moments m_2k (infinite chain) and theta*
    mo = _api("moments", chain, lags=1)
    fp = _api("fixed_point", chain)
    if mo is not None and fp is not None:
        m = [float(v) for v in mo.m]
        out["theta_star"] = [float(fp.K)] + [float(v) for v in fp.a]
        out["source"] = f"numerics.api ({_backend_name(chain)})"
    else:
        _, m = grid.infinite_moments(n)
        out["theta_star"] = [0.0] + list(grid_chain.single_site_fit(m))
        out["source"] = f"float64 grid chain (h = {cfg.grid_h}; numerics.api backend not available)"
    out["m"] = m
    # infomax constraint targets
    s2 = m[0] if cfg.scale2 is None else float(_frac(cfg.scale2))
    lam = s2 / m[0]
    out["infomax_targets"] = [m[k] * lam ** (k + 1) for k in range(n)]
    out["theta_constraint"] = [0.0] + [v / lam ** (k + 1) for k, v in enumerate(out["theta_star"][1:])]
    # decimate: L steps of RG. The primary reference rg_L is what an exact decimator outputs: the
    # one-shot projection of the b^L-decimated ring; rg_L_flow projects after every step (numerics.api).
    if cfg.objective == "decimate":
        L, b = cfg.layers, cfg.b
        fl = _api("flow", chain, b=b, steps=L)
        if gaussian:
            # the sub-ring of a Gaussian N-ring is the Gaussian M-ring with u -> u^(b^L), rho kept, exactly
            rho = math.sqrt(a[0] ** 2 - K * K)
            u = (K / (a[0] + rho)) ** (b ** L)
            out["rg_L"] = [2 * rho * u / (1 - u * u), rho * (1 + u * u) / (1 - u * u)] + [0.0] * (n - 1)
            out["rg_L_source"] = "closed form: the decimated Gaussian ring has u_L = u^(b^L), rho_L = rho (exact)"
        else:
            mom = grid.ring_moments(cfg.N, n)
            c_bL = grid_chain.ring_correlations(grid, cfg.N)[b ** L]
            th, _ = project_ring(np.array([c_bL, *mom[1:]]), cfg.M, n)
            out["rg_L"] = [float(v) for v in th]
            out["rg_L_source"] = (f"one-shot projection of the b^L-decimated {cfg.N}-ring onto the {cfg.M}-ring "
                                  f"(float64 grid chain, h = {cfg.grid_h})")
        out["rg_L_decimated"] = out["rg_L"]              # the former name of the same reference
        if fl is not None:
            p = fl[-1]
            out["rg_L_flow"] = [float(p.K)] + [float(v) for v in p.a]
            out["rg_L_flow_source"] = (f"numerics.api.flow(b={b}, steps={L}) ({_backend_name(chain)}): "
                                       "projected per step")
        else:
            out["rg_L_flow"] = None
            out["rg_L_flow_source"] = "numerics.api backend not available"
    # autoencoder: Eckart-Young
    if gaussian:
        C = np.array([gaussian_ring_covariance(K, a[0], cfg.N, r) for r in range(cfg.N)])
    else:
        C = grid_chain.ring_correlations(grid, cfg.N)
    ev = np.sort(np.real(np.fft.fft(C)))
    out["eckart_young"] = float(ev[: cfg.N - cfg.M].sum() / cfg.N)
    out["ring_covariance"] = C.tolist()
    return out


def _frac(text):
    from proofs.family import exact_rational
    q = exact_rational(text)
    return float(q.numerator) / float(q.denominator)


PRIOR_POINTS = 8          # the discrete regress-theta prior for non-Gaussian chains: this many chains
PRIOR_MAX_DRAWS = 1000    # give up after this many draws from the box (a draw is kept when admissible)


def build_prior(cfg, dtype):
    """The regress-theta prior: uniform box theta_0 (1 +- w); continuous for Gaussian, 8 points otherwise.

    A drawn point outside the admissible set (docs/theory.md 1) is redrawn; after ``PRIOR_MAX_DRAWS``
    draws without ``PRIOR_POINTS`` admissible ones the box is refused with an ``InadmissibleParameter``
    naming ``prior_width``. Any other error of the sampler propagates.
    """
    from numerics.network.objectives import DiscretePrior, GaussianPrior
    from numerics.network.sampler import GridRingSampler
    from proofs.errors import InadmissibleParameter
    from proofs.family import admissible_floats
    if getattr(cfg, "ising", False):                 # K per sample, the Ising ring sampled exactly
        from numerics.network.ising_ring import IsingPrior
        return IsingPrior(float(cfg.chain.K), cfg.N, _frac(cfg.prior_width), dtype)
    chain = cfg.chain
    K, a = float(chain.K), [float(v) for v in chain.a]
    w = _frac(cfg.prior_width)
    if chain.is_gaussian and len(a) == 1:
        return GaussianPrior(K, a[0], cfg.N, w, dtype)
    center = torch.tensor([K, *a], dtype=torch.float64)
    half = (center.abs() * w).clamp(min=1e-12)
    g = torch.Generator().manual_seed(cfg.seed + 7919)
    thetas, samplers = [], []
    for _ in range(PRIOR_MAX_DRAWS):
        th = center + (torch.rand(len(center), generator=g, dtype=torch.float64) * 2 - 1) * half
        if not admissible_floats(th[0], th[1:]):
            continue                # a prior point outside the admissible set is redrawn
        try:
            samplers.append(GridRingSampler(float(th[0]), th[1:].tolist(), cfg.N, _frac(cfg.grid_h), dtype))
        except InadmissibleParameter:   # admissible, but the float64 grid cannot confine it: redrawn too
            continue
        thetas.append(th)
        if len(thetas) == PRIOR_POINTS:
            return DiscretePrior(thetas, samplers, center, half, dtype)
    raise InadmissibleParameter("prior_width", cfg.prior_width,
                                f"{PRIOR_MAX_DRAWS} draws from the box theta_0 (1 +- w) around {tuple(chain.a)}, "
                                f"K = {chain.K} gave {len(thetas)} admissible chains, {PRIOR_POINTS} are needed: "
                                "narrow the prior or move theta_0 away from the edge of the family")

"""The trained route of a depth run: one network per depth and seed, chi-hat with standard errors (docs/theory.md 4.5).

For a ``DepthConfig`` the route trains, for every depth L = 1..layers and every seed, the network that
``rgdnn train`` builds for that objective with L layers and N = M b^L input sites (docs/theory.md 4.1):

- ``decimate``, ``infomax``, ``autoencoder``, ``regress-theta``: the FCDNN with L hidden layers of widths
  N / b^l (the pyramid), feature layer of M units;
- ``rsmi``: L stacked layers of weight-shared block networks, each one RG step of block b (greedy, as in
  ``numerics.network.rsmi``), buffer and window from the run;
- ``rbm``: one restricted Boltzmann machine with N = M b^L visible and M hidden units, i.e. one
  coarse-graining by b^L (see docs/depth.md, "What depth means for rbm").

Each network is one **cell** (``train_layer``): train with the depth budget (``DEPTH_BUDGET``), draw a fresh
estimation set, and estimate chi of the M feature units on the M-ring with today's estimators
(``estimator.chi_hat``; ``spin_estimator.spin_chi_hat`` for Ising data) and their delta-method covariance.
Where the objective fixes no scale (every objective except ``decimate``), chi is taken at the data's m_2
(``chi_hat(..., scale_to=m_2)``), as the comparison of docs/theory.md 4.5 requires. The cell's result
is plain JSON (the pipeline stores it); ``feature_law`` turns it into the ``FeatureLaw`` that
``numerics.network.depth.document`` compares with both schemes.

``trained_feature_laws`` runs the cells one after the other in this process (no store);
``paper_checks.depth`` runs the same cells through the experiment pipeline (store, resume, workers),
which is what ``rgdnn depth --route trained`` and the depth study use.

>>> from numerics.network.depth_config import DepthConfig
>>> cfg = DepthConfig(K="0.5", a=("1",), objective="decimate", layers=3, route="trained")
>>> [(c.N, c.layers, c.steps) for c in (layer_train_config(cfg, L, 0) for L in (1, 2, 3))]
[(16, 1, 400), (32, 2, 400), (64, 3, 400)]
"""
from __future__ import annotations

import math
import time

from numerics.network.config import TrainConfig
from proofs.errors import MalformedInput, NotSupported

# Input sites at most (N = M b^L): the depth study goes as deep as this allows.
MAX_N = 1024

# The training budget of one depth cell (measured in docs/depth.md, "Budget"): the steps and batch per
# objective, the estimation set, the grid of the non-Gaussian sampler (trapezoid error of the sampled
# law's moments below 3e-14 at h = 1/8 for the standard examples, against s.e. ~ 3e-3), the Ising ring drawn
# by its bonds (exact, vectorized: 6x faster at 648 sites; numerics.network.ising_ring), and rsmi's training
# positions per layer (an unbiased estimate of the block average, numerics.network.rsmi).
DEPTH_BUDGET = {
    "decimate": {"steps": 400, "batch": 256},
    "infomax": {"steps": 1500, "batch": 256},
    "autoencoder": {"steps": 1500, "batch": 256},
    "regress-theta": {"steps": 800, "batch": 256},
    "rsmi": {"steps": 2400, "batch": 256, "rsmi_hidden": 0},      # f: one linear map R^b -> R (the same class)
    "rbm": {"steps": 1000, "batch": 256},
}
DEPTH_COMMON = {"eval_samples": 16384, "grid_h": "1/8", "ising_bonds": True, "rsmi_positions": 8}

# Fields the depth route sets itself: ``extra`` may not override them.
_ROUTE_FIELDS = ("K", "a", "ising", "objective", "N", "M", "layers", "seed", "rsmi_buffer", "rsmi_window")


def network_size(cfg, L):
    """N = M b^L, the input sites of the depth-L network."""
    return cfg.M * cfg.b ** L


def depths(cfg):
    """The depths L = 1..cfg.layers whose network has N = M b^L <= MAX_N input sites."""
    return [L for L in range(1, cfg.layers + 1) if network_size(cfg, L) <= MAX_N]


def check_depths(cfg):
    """MalformedInput naming --layers when the deepest network would exceed MAX_N input sites."""
    N = network_size(cfg, cfg.layers)
    if N > MAX_N:
        raise MalformedInput("layers", str(cfg.layers), f"the trained route needs N = M b^L <= {MAX_N} input sites; "
                             f"L = {cfg.layers} gives N = {cfg.M} x {cfg.b}^{cfg.layers} = {N} "
                             f"(deepest allowed: L = {max(depths(cfg), default=0)})")


def layer_train_config(cfg, L, seed):
    """The TrainConfig of the depth-L network of ``cfg`` (a DepthConfig) for ``seed``: budget, then ``cfg.extra``."""
    fields = dict(DEPTH_COMMON)
    fields.update(DEPTH_BUDGET[cfg.objective])
    extra = dict(cfg.extra or {})
    bad = sorted(set(extra) & set(_ROUTE_FIELDS))
    if bad:
        raise MalformedInput("extra", bad[0], "is set by the depth run itself (chain, objective, N = M b^L, "
                             "layers, seed, rsmi buffer and window)")
    fields.update(extra)
    fields.update(K=cfg.K, a=list(cfg.a), ising=cfg.ising, objective=cfg.objective, N=network_size(cfg, L),
                  M=cfg.M, layers=L, seed=seed, rsmi_buffer=cfg.buffer, rsmi_window=cfg.window)
    return TrainConfig.from_dict(fields)


def cell_configs(cfg):
    """[(L, seed, TrainConfig)] of every cell of the run, seeds outermost, then L (each validated)."""
    check_depths(cfg)
    return [(L, s, layer_train_config(cfg, L, s)) for s in cfg.seeds for L in depths(cfg)]


def _flags(diag):
    """The diagnostics that flag a law the ring reading does not fit (|z| > z_flag), as {name: z}."""
    return {k: v["z"] for k, v in (diag or {}).items() if isinstance(v, dict) and v.get("flag")}


def train_layer(config):
    """One cell: train the network of ``config`` (a TrainConfig dict), estimate chi of its features; plain JSON.

    {"L", "seed", "theta": [..] | None, "cov": [[..]] | None, "u", "u_se", "shape", "shape_se",
     "details": {"N", "M", "steps", "batch", "loss", "loss_optimum", "loss_gap", "loss_optimum_note",
                 "scale", "flags", "no_chi_hat", "train_seconds", "seconds", "cpu_seconds", ...}}
    """
    import torch

    from numerics.network.estimator import OutsideFamily, chi_hat
    from numerics.network.train import _seeds, features, fit
    from proofs.errors import NotConverged
    cfg = TrainConfig.from_dict(config)
    t0, c0 = time.perf_counter(), time.process_time()
    old = torch.get_num_threads()
    torch.set_num_threads(cfg.threads)
    try:
        with torch.random.fork_rng(devices=[]):
            obj, refs, sampler, history = fit(cfg)
            t_train = time.perf_counter() - t0
            gen = torch.Generator().manual_seed(_seeds(cfg.seed)[2])
            with torch.no_grad():
                y, x = features(obj, sampler, cfg.eval_samples, gen)
                if cfg.objective == "regress-theta":
                    loss = obj.eval_loss(obj.draw(min(cfg.eval_samples, 8192), gen))
                else:
                    xt = torch.from_numpy(x[:min(len(x), 8192)]).to(next(obj.parameters()).dtype)
                    loss = obj.eval_loss(xt)
    finally:
        torch.set_num_threads(old)
    scale = None if cfg.objective == "decimate" or cfg.ising else float(refs["m"][0])
    out = {"L": cfg.layers, "seed": cfg.seed, "theta": None, "cov": None, "u": None, "u_se": None,
           "shape": None, "shape_se": None}
    details = {"N": cfg.N, "M": cfg.M, "b": cfg.b, "steps": cfg.steps, "batch": cfg.batch,
               "eval_samples": cfg.eval_samples, "activation": cfg.activation,
               "loss": _num(loss), "loss_optimum": obj.optimum,
               "loss_gap": None if obj.optimum is None or not math.isfinite(loss) else loss - obj.optimum,
               "loss_optimum_note": obj.optimum_note, "loss_last": history[-1][1] if history else None,
               "scale": f"chi at the data's m_2 = {scale:.6g} (the objective fixes no scale)" if scale else
                        ("spins: sign(y) read on the Ising M-ring" if cfg.ising else
                         "chi at the features' own scale (decimate's teacher fixes it)")}
    try:
        if cfg.ising:
            from numerics.network.spin_estimator import spin_chi_hat
            est = spin_chi_hat(y, z_flag=cfg.z_disagree)
        else:
            est = chi_hat(y, cfg.n, z_flag=cfg.z_disagree, scale_to=scale)
        out.update(theta=list(est.theta), cov=[list(r) for r in est.cov], u=est.u, u_se=est.u_se,
                   shape=None if cfg.ising else est.shape, shape_se=None if cfg.ising else est.shape_se)
        details["flags"] = _flags(est.diagnostics)
        details["se"] = list(est.se)
    except (OutsideFamily, NotConverged) as exc:
        details["no_chi_hat"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
    details["train_seconds"] = round(t_train, 3)
    details["seconds"] = round(time.perf_counter() - t0, 3)
    details["cpu_seconds"] = round(time.process_time() - c0, 3)        # what one free core would take
    out["details"] = details
    return out


def _num(v):
    v = float(v)
    return v if math.isfinite(v) else None


def feature_law(result):
    """The ``FeatureLaw`` of one cell's result (``train_layer``)."""
    from numerics.network.depth_config import FeatureLaw
    th = result.get("theta")
    cov = result.get("cov")
    return FeatureLaw(L=result["L"], theta=None if th is None else tuple(float(v) for v in th),
                      cov=None if cov is None else tuple(tuple(float(v) for v in row) for row in cov),
                      u=result.get("u"), u_se=result.get("u_se"), shape=result.get("shape"),
                      shape_se=result.get("shape_se"), seed=result.get("seed"),
                      details=dict(result.get("details") or {}))


def trained_feature_laws(cfg, *, progress: bool = True) -> list:
    """[FeatureLaw(L, seed) for seed in cfg.seeds for L in 1..cfg.layers]: one trained network per depth and
    seed (N = cfg.M b^L), chi-hat with its delta-method covariance, u and shape with standard errors.

    The cells run here, one after the other, under the thread policy (``numerics.runtime.one_thread``);
    ``paper_checks.depth.trained_laws`` runs the same cells through the pipeline.
    """
    from tqdm import tqdm

    from numerics.runtime import one_thread
    if cfg.route != "trained":
        raise NotSupported(f"trained_feature_laws needs route 'trained' (got {cfg.route!r})")
    cells = cell_configs(cfg)
    laws = []
    with one_thread():
        for _, _, tc in tqdm(cells, disable=not progress, desc=f"depth {cfg.objective}", unit="network"):
            laws.append(feature_law(train_layer(tc.to_dict())))
    return laws

"""Train an FCDNN on fresh chain samples and compare chi-hat of its features with theta* (docs/theory.md 4).

Adam on a fresh batch every step, learning rate cosine-annealed from lr to lr_final (SGD's
stationary law ~ exp(-loss / T) concentrates on the optimum as T -> 0, docs/theory.md 4.3);
a tqdm progress bar; one seed fixes initialization, training data and the estimation set
(three streams derived from it); checkpoints every ``checkpoint_every`` steps and resumes
from ``checkpoint_dir``; a manifest (``numerics.runtime.manifest``: seed, versions, machine, dtype,
threads, parameters) goes with the result. Torch runs on ``cfg.threads`` threads (default 1: with two cores, two
threads made some steps 20-100x slower), restored afterwards.

``train_and_compare`` is a top-level, picklable function returning a JSON-able dict:
chi, se, theta_star, z, verdict, loss_gap, seconds, imposed, emergent (+ history, and rg_L
for decimate), the agreement kind (docs/theory.md 4.4), the scale-free u and shape with s.e.,
the KL rate to each reference and the equivalence verdict (``effect.py``; the primary evidence,
z-scores being secondary), and supporting detail (diagnostics, thresholds, reference sources,
manifest).
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from numerics.klrate import chain_stats
from numerics.network import compare as cmp
from numerics.network.audit import audit
from numerics.network.config import AGREEMENT, AGREEMENT_NOTE, TrainConfig
from numerics.network.effect import CONFIDENCE, MARGIN, effect, parse_margin, resolve_margin
from numerics.network.estimator import OutsideFamily, chi_hat
from numerics.network.objectives import OBJECTIVE_CLASSES
from numerics.network.sampler import make_sampler
from numerics.network.targets import _frac, build_prior, references
from numerics.runtime import manifest
from proofs.errors import MalformedInput, NotConverged

CHECKPOINT = "checkpoint.pt"
MANIFEST = "manifest.json"


def _seeds(seed):
    s = np.random.SeedSequence(seed).generate_state(3, dtype=np.uint64)
    return [int(v) & ((1 << 62) - 1) for v in s]          # init, training data, estimation set


def _theta_dict(v):
    return None if v is None else {"K": float(v[0]), "a": [float(x) for x in v[1:]]}


def train_and_compare(config, *, progress=True, checkpoint_dir=None):
    """Train per ``config`` (TrainConfig or its dict), estimate chi of the features, compare; a dict."""
    cfg = config if isinstance(config, TrainConfig) else TrainConfig.from_dict(config)
    old_threads = torch.get_num_threads()
    torch.set_num_threads(cfg.threads)
    try:
        with torch.random.fork_rng(devices=[]):
            return _run(cfg, progress, checkpoint_dir)
    finally:
        torch.set_num_threads(old_threads)


def build(cfg):
    """(objective module, references, sampler) for ``cfg``, with the network initialized from the seed."""
    dtype = torch.float32 if cfg.dtype == "float32" else torch.float64
    refs = references(cfg)
    chain = cfg.chain
    if cfg.ising:                                   # spins +-1: the exact transfer-matrix sampler
        from numerics.network.ising_ring import IsingRingSampler
        sampler = IsingRingSampler(float(chain.K), cfg.N, dtype=dtype, bonds=cfg.ising_bonds)
    else:
        sampler = make_sampler(float(chain.K), [float(v) for v in chain.a], cfg.N, h=_frac(cfg.grid_h), dtype=dtype)
    if cfg.objective == "regress-theta":
        refs["prior"] = build_prior(cfg, dtype)
    torch.manual_seed(_seeds(cfg.seed)[0])
    obj = OBJECTIVE_CLASSES[cfg.objective](cfg, refs, sampler)
    if cfg.init != "random":
        obj.initialize(cfg.init, cfg.init_noise, torch.Generator().manual_seed(_seeds(cfg.seed)[0]))
    return obj.to(dtype), refs, sampler


def fit(cfg, *, progress=False, checkpoint_dir=None, stop_at=None):
    """Train per ``cfg`` (torch threads and RNG state as the caller set them); (objective, refs, sampler, history).

    stop_at: raise KeyboardInterrupt before that step (tests of checkpoint + resume).
    """
    obj, refs, sampler = build(cfg)
    s_data = _seeds(cfg.seed)[1]
    g_data = torch.Generator().manual_seed(s_data)
    opt = torch.optim.Adam(obj.parameters(), lr=cfg.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.steps, eta_min=cfg.lr_final)
    history, start = [], 0
    ckpt = Path(checkpoint_dir) / CHECKPOINT if checkpoint_dir is not None else None
    if ckpt is not None and ckpt.exists():
        state = torch.load(ckpt, weights_only=False)
        if state["config"] != cfg.to_dict():
            raise MalformedInput("checkpoint_dir", str(checkpoint_dir),
                                 "holds a checkpoint of a different configuration; use another directory")
        obj.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        g_data.set_state(state["g_data"])
        history, start = state["history"], state["step"]
    bar = tqdm(range(start, cfg.steps), total=cfg.steps, initial=start, disable=not progress,
               desc=f"{cfg.objective} K={cfg.K} a={','.join(cfg.a)} seed={cfg.seed}", leave=False)
    for step in bar:
        if stop_at is not None and step == stop_at:
            raise KeyboardInterrupt(f"stopped at step {step}")
        loss = obj(obj.draw(cfg.batch, g_data))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if step % cfg.history_every == 0 or step == cfg.steps - 1:
            history.append([step, loss.item()])
            if progress:
                bar.set_postfix(loss=f"{loss.item():.3e}", refresh=False)
        if ckpt is not None and ((step + 1) % cfg.checkpoint_every == 0 or step + 1 == cfg.steps):
            _save(ckpt, cfg, obj, opt, sched, g_data, history, step + 1)
    bar.close()
    return obj, refs, sampler, history


def _run(cfg, progress, checkpoint_dir, stop_at=None):
    t0 = time.perf_counter()
    obj, refs, sampler, history = fit(cfg, progress=progress, checkpoint_dir=checkpoint_dir, stop_at=stop_at)
    s_eval = _seeds(cfg.seed)[2]
    result = evaluate(cfg, obj, refs, sampler, torch.Generator().manual_seed(s_eval))
    result["history"] = history
    result["seconds"] = time.perf_counter() - t0
    result["manifest"] = manifest(seed=cfg.seed, dtype=cfg.dtype, threads=torch.get_num_threads(),
                                  params=cfg.to_dict(), seeds=dict(zip(("init", "data", "eval"), _seeds(cfg.seed))))
    if checkpoint_dir is not None:
        Path(checkpoint_dir, MANIFEST).write_text(json.dumps(
            {k: v for k, v in result.items() if k != "history"}, indent=2))
    return result


def _save(path, cfg, obj, opt, sched, g_data, history, step):
    os.makedirs(path.parent, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save({"config": cfg.to_dict(), "model": obj.state_dict(), "opt": opt.state_dict(),
                "sched": sched.state_dict(), "g_data": g_data.get_state(), "history": history, "step": step}, tmp)
    os.replace(tmp, path)                       # atomic: a crash never leaves half a checkpoint


@torch.no_grad()
def features(obj, sampler, samples, generator, chunk=4096):
    """(features y, data x) on ``samples`` fresh draws at theta_0, float64 numpy."""
    ys, xs = [], []
    for i in range(0, samples, chunk):
        x = sampler.sample(min(chunk, samples - i), generator)
        ys.append(obj.feature_sample(x, generator).double().numpy())
        xs.append(x.double().numpy())
    return np.concatenate(ys), np.concatenate(xs)


@torch.no_grad()
def evaluate(cfg, obj, refs, sampler, generator):
    """chi-hat of the features on a fresh estimation set; comparison; loss gap; audit."""
    y, x = features(obj, sampler, cfg.eval_samples, generator)
    xt = torch.from_numpy(x).to(next(obj.parameters()).dtype)
    if cfg.objective == "regress-theta":
        loss = obj.eval_loss(obj.draw(min(cfg.eval_samples, 8192), generator))
    else:
        loss = obj.eval_loss(xt)
    n = cfg.n
    th = cfg.z_agree, cfg.z_disagree
    est = None
    try:
        if cfg.ising:                               # outputs read as spins sign(y): K-hat on the Ising M-ring
            from numerics.network.spin_estimator import spin_chi_hat
            est = spin_chi_hat(y, z_flag=cfg.z_disagree)
        else:
            est = chi_hat(y, n, z_flag=cfg.z_disagree)
        chi, se, diag = est.theta, est.se, est.diagnostics
        note = est.note
    except (OutsideFamily, NotConverged) as exc:
        chi, se, diag, note = None, None, {"no_chi_hat": str(exc)}, str(exc)
    scale = refs.get("resolution_scale")            # Ising: theta* = 0 has no scale; |K| of the data sets it
    vs_star = cmp.compare(chi, se, refs["theta_star"], z_agree=th[0], z_disagree=th[1], scale=scale)
    out = {
        "chi": _theta_dict(chi), "se": _theta_dict(se), "theta_star": _theta_dict(refs["theta_star"]),
        "z": _theta_dict(vs_star["z"]), "verdict": vs_star["verdict"], "verdict_reason": vs_star["reason"],
        "loss": loss, "loss_optimum": obj.optimum,
        "loss_gap": None if obj.optimum is None else loss - obj.optimum, "loss_optimum_note": obj.optimum_note,
        **audit(cfg),
        "agreement": AGREEMENT[cfg.objective], "agreement_note": AGREEMENT_NOTE[cfg.objective],
        "thresholds": cmp.thresholds(*th) | ({} if scale is None else {
            "resolution_scale": scale, "resolution_note": "Ising: s.e. measured against max(|reference|, |K| of "
                                                          "the data), since theta* = (0,) has no scale"}),
        "reference_source": refs["source"],
        "diagnostics": diag, "estimator_note": note, "eval_samples": cfg.eval_samples,
        "objective": cfg.objective, "config": cfg.to_dict(),
        **obj.extra_report(xt, y),
    }
    if "rg_L" in refs:                              # decimate; for Ising also rbm (its decimation limit)
        vs_rg = cmp.compare(chi, se, refs["rg_L"], z_agree=th[0], z_disagree=th[1], scale=scale)
        out.update({"rg_L": _theta_dict(refs["rg_L"]), "rg_L_source": refs["rg_L_source"],
                    "rg_L_decimated": _theta_dict(refs["rg_L_decimated"]),
                    "z_rg": _theta_dict(vs_rg["z"]), "verdict_rg": vs_rg["verdict"],
                    "verdict_rg_reason": vs_rg["reason"],
                    "z_rg_decimated": _theta_dict(vs_rg["z"]), "verdict_rg_decimated": vs_rg["verdict"],
                    "rg_L_flow": _theta_dict(refs.get("rg_L_flow")),
                    "rg_L_flow_source": refs.get("rg_L_flow_source")})
        if refs.get("rg_L_flow") is not None:
            vs_fl = cmp.compare(chi, se, refs["rg_L_flow"], z_agree=th[0], z_disagree=th[1], scale=scale)
            out.update({"z_rg_flow": _theta_dict(vs_fl["z"]), "verdict_rg_flow": vs_fl["verdict"]})
    if cfg.objective == "infomax" and cfg.scale2 is not None:
        vs_c = cmp.compare(chi, se, refs["theta_constraint"], z_agree=th[0], z_disagree=th[1], scale=scale)
        out.update({"theta_constraint": _theta_dict(refs["theta_constraint"]),
                    "z_constraint": _theta_dict(vs_c["z"]), "verdict_constraint": vs_c["verdict"]})
    out.update(effect_summary(cfg, est, refs, kind="ising" if cfg.ising else "continuous"))
    return out


def effect_summary(cfg, est, refs, kind="continuous"):
    """Effect sizes of chi-hat: u, shape (with s.e.), KL rates and the equivalence verdict (docs/theory.md 4.4).

    ``est`` is any estimate with ``theta``, ``cov``, ``u``, ``u_se``, ``shape``, ``shape_se`` (or None);
    ``kind`` "continuous" or "ising" (chi = (K,), shape None). The primary equivalence reference is
    rg_L for decimate (its output law is R^L(theta)) and theta* otherwise; the margin is ``cfg.margin``,
    stated before the run: "relative" (the default, 0.01 d(theta || theta*) of the data chain, one number for
    every reference) or nats per site; ``equivalence.margin_rule`` records which, and d(theta || theta*).
    """
    rg = refs.get("rg_L") if cfg.objective == "decimate" else None
    references = {"theta_star": refs["theta_star"], "rg_L": rg}
    if cfg.objective == "infomax" and getattr(cfg, "scale2", None) is not None:
        references["theta_constraint"] = refs["theta_constraint"]
    primary = "rg_L" if rg is not None else "theta_star"
    chi = None if est is None else est.theta
    cov = None if est is None else est.cov
    spec = getattr(cfg, "margin", MARGIN)
    theta = None
    if parse_margin(spec) == "relative":
        chain = cfg.chain
        theta = (float(chain.K),) + tuple(float(v) for v in chain.a)
    margin, rule = resolve_margin(spec, kind, theta, tuple(refs["theta_star"]))
    eff = effect(kind, chi, cov, references, margin, primary=primary, confidence=CONFIDENCE)
    eff["equivalence"]["margin_rule"] = rule
    at = {name: (None if t is None else chain_stats(tuple(t), kind=kind))
          for name, t in (("theta_star", refs["theta_star"]), ("rg_L", rg))}
    out = {}
    for key, what in (("u", "lambda_1 / lambda_0 of the transfer operator (odd over even top eigenvalue)"),
                      ("shape", "kurtosis m_4/m_2^2")):
        out[key] = {"hat": getattr(est, key, None), "se": getattr(est, f"{key}_se", None),
                    "theta_star": getattr(at["theta_star"], key),
                    "rg_L": None if at["rg_L"] is None else getattr(at["rg_L"], key), "what": what}
    out.update(eff)
    return out

"""The exact route of a depth run: chi of the optimal features at every depth, where the optimum is computable.

- ``decimate``: the optimum is the teacher, W* = D: the features are the b^L-decimated chain, chi = R^L(theta)
  (docs/theory.md 4.3). Every chain.
- ``infomax``: chi = theta* = (0; a*) at every depth, by the objective's own constraints (definitional:
  the loss writes the moments that define theta* into the features, docs/theory.md 4.3-4.4). Every chain.
- ``rsmi``, Gaussian chains, linear f: the greedy optimum layer by layer, each layer the generalized
  eigenproblem of ``numerics.network.block_mi`` on the infinite chain (``block_mi.infinite_greedy``).
- ``rsmi``, Ising chains, one binary unit per block: the greedy optimum over every Boolean block map,
  the block information computed exactly with 2 x 2 transfer matrices (``numerics.network.ising_block_maps``).

Every other (objective, chain) pair has no computable optimum here: ``exact_support`` says why in one line.
"""
from __future__ import annotations

import math

from numerics.network.block_mi import infinite_greedy
from numerics.network.depth_config import FeatureLaw
from numerics.network.depth_references import fixed_points, references
from numerics.network.ising_block_maps import greedy_binary_rsmi
from proofs.errors import NotSupported


def exact_support(chain, objective: str) -> str | None:
    """None when the exact route covers (chain, objective); else the one-line reason why not."""
    if objective in ("decimate", "infomax"):
        return None
    if objective == "rsmi":
        if chain.is_gaussian or chain.is_ising:
            return None
        return ("rsmi on a non-Gaussian continuous chain has no exact block information "
                "(it is estimated by a variational bound): use --route trained")
    if objective == "autoencoder":
        return ("autoencoder features are not identified at the optimum (any invertible map of the bottleneck is "
                "optimal, docs/theory.md 4.3): there is no exact chi; use --route trained")
    if objective == "regress-theta":
        return "regress-theta has no computable optimal features: use --route trained"
    return "rbm has no computable maximum-likelihood optimum at depth: use --route trained"


ROUTE_NOTES = {
    "decimate": "exact optimum W* = D (the teacher): chi = R^L(theta), the decimation reference itself",
    "infomax": "exact optimum: chi = theta* = (0; a*) at every depth, imposed by the objective's constraints",
    "rsmi-gaussian": "exact greedy optimum over linear block maps f, layer by layer: the generalized eigenproblem "
                     "of the block information on the infinite chain (numerics.network.block_mi.infinite_greedy)",
    "rsmi-ising": "exact greedy optimum over every Boolean block map (one +-1 unit per block), layer by layer: the "
                  "block information from 2 x 2 transfer matrices (numerics.network.ising_block_maps)",
}
DEFINITIONAL = {
    "decimate": "teacher: the loss imposes the output law, so chi = R^L(theta) by construction and the scheme "
                "verdict `decimation` is a consistency check, not evidence (docs/theory.md 4.4)",
    "infomax": "definitional: the constraints write the data's single-site moments and zero correlation into the "
               "features, so chi = theta* = (0; a*) at every depth by definition; reaching (0; a*) is not evidence "
               "(docs/theory.md 4.3-4.4)",
}


def route_note(chain, objective):
    """The one-line description of the exact route for (chain, objective)."""
    if objective == "rsmi":
        return ROUTE_NOTES["rsmi-ising" if chain.is_ising else "rsmi-gaussian"]
    return ROUTE_NOTES[objective]


UNIDENTIFIED = ("the optimum is not identified in float64 beyond L = {L}: the block information, or its margin over "
                "the next map, is below the floating-point resolution (every map ties); deeper layers are not reported")


def _identified(rows):
    """The rows up to the first layer whose optimum float64 cannot single out (NotSupported if none)."""
    keep = []
    for r in rows:
        if not r["identified"]:
            break
        keep.append(r)
    if not keep:
        raise NotSupported("the exact rsmi optimum is not identified even at L = 1: the block information is below "
                           "float64's resolution (the chain is practically decoupled)")
    return keep


def truncation_note(cfg, laws):
    """The note for layers the exact route does not report, or ''."""
    return "" if len(laws) >= cfg.layers else "; " + UNIDENTIFIED.format(L=len(laws))


def exact_feature_laws(cfg) -> list:
    """[FeatureLaw(L) for L = 1..cfg.layers] of the optimal features (cov None); NotSupported where
    ``exact_support`` gives a reason."""
    chain = cfg.chain
    reason = exact_support(chain, cfg.objective)
    if reason is not None:
        raise NotSupported(reason)
    if cfg.objective == "decimate":
        refs = references(chain, cfg.b, cfg.layers)["decimation"]
        return [FeatureLaw(r.L, r.theta, None, r.u, None, r.shape, None, None,
                           {"source": "R^L(theta): " + r.note if r.note else "R^L(theta)"}) for r in refs]
    if cfg.objective == "infomax":
        fp = fixed_points(chain, cfg.b)["decimation"]
        return [FeatureLaw(L, fp.theta, None, 0.0, None, fp.shape, None, None, {"source": "theta* = (0; a*)"})
                for L in range(1, cfg.layers + 1)]
    if chain.is_ising:
        if cfg.b > 3:
            raise NotSupported(f"binary rsmi enumerates all 2^(2^b) Boolean block maps: b = {cfg.b} is too large "
                               "for the exact route (b <= 3)")
        rows = _identified(greedy_binary_rsmi(float(chain.K), cfg.layers, cfg.b, cfg.buffer, cfg.window))
        return [FeatureLaw(r["L"], (math.atanh(r["t"]),), None, r["t"], None, None, None, None,
                           {k: r[k] for k in ("mi", "map", "table", "decimation", "ties", "n_tied", "runner_up",
                                              "mean", "identified")}) for r in rows]
    K, a = float(chain.K), [float(v) for v in chain.a]
    rho = math.sqrt(a[0] ** 2 - K * K)
    pad = (0.0,) * (len(a) - 1)
    rows = _identified(infinite_greedy(K / (a[0] + rho), rho, cfg.layers, cfg.b, cfg.buffer, cfg.window))
    out = []
    for r in rows:
        uL = r["u"]
        theta = (2 * rho * uL / (1 - uL * uL), rho * (1 + uL * uL) / (1 - uL * uL), *pad)
        out.append(FeatureLaw(r["L"], theta, None, uL, None, 3.0, None, None,
                              {"mi": r["mi"], "mi_gap": r["mi_gap"], "w": r["w"], "lag2_ratio": r["lag2"],
                               "identified": r["identified"],
                               "scale": "units rescaled to the data's m_2 (the information fixes no scale)"}))
    return out

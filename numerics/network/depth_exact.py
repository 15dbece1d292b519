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


def exact_feature_laws(cfg) -> list:
    """[FeatureLaw(L) for L = 1..cfg.layers] of the optimal features (cov None); NotSupported where
    ``exact_support`` gives a reason."""
    reason = exact_support(cfg.chain, cfg.objective)
    if reason is not None:
        raise NotSupported(reason)
    raise NotImplementedError

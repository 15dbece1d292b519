"""The trained route of a depth run: one network per depth and seed, chi-hat with standard errors (docs/theory.md 4.5).

Not in this module yet: ``trained_feature_laws`` raises NotSupported until the trained route lands.
"""
from __future__ import annotations

from proofs.errors import NotSupported


def trained_feature_laws(cfg, *, progress: bool = True) -> list:
    """[FeatureLaw(L, seed) for L in 1..cfg.layers for seed in cfg.seeds]: one trained network per depth and
    seed (N = cfg.M b^L), chi-hat with its delta-method covariance, u and shape with standard errors."""
    raise NotSupported("the trained route of rgdnn depth is not available in this version; use --route exact")

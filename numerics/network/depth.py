"""Which RG does a network perform? One depth run: feature laws layer by layer against both schemes (docs/theory.md 4.5).

``run_depth(cfg)`` gets the feature laws of a route (``depth_exact.exact_feature_laws`` or
``depth_trained.trained_feature_laws``) and hands them to ``document``, which computes everything else
the same way for both routes: the references R^L(theta), B^L(theta) and both fixed points
(``depth_references``), the margin, one row per layer and seed (``depth_compare.layer_row``), the
contraction of |u_L| and the two verdicts (``depth_verdict``). The returned dict is the
``rgdnn depth --json`` document (schema ``rgdnn/schemas/depth.json``):

    {"chain": {"K", "a", "ising"}, "objective", "route", "b", "buffer", "window", "seeds",
     "agreement", "agreement_note", "definitional": str | None, "route_note",
     "margin": {"delta", "rule", "fraction", "d_data_fixed_point"},
     "sign": {"identified": bool, "note"}, "scale_note",
     "data": {"u", "shape"},
     "layers": [row, ..],                              # depth_compare.layer_row, sorted by (seed, L)
     "references": {"decimation": [{"L", "u", "shape", "theta", "note"}], "block": [...]},
     "reference_blocks": {"decimation": b, "block": b_block}, "reference_rules": {"decimation", "block"},
     "fixed_points": {"decimation": {"u", "shape", "theta", "note"}, "block": {...}},
     "fixed_points_coincide": bool,
     "scheme": one of SCHEME_VERDICTS, "scheme_evidence": {...},
     "fixed_point": one of FIXED_POINT_VERDICTS, "fixed_point_evidence": {...},
     "contraction": {...},
     "per_seed": [{"seed", "scheme", "fixed_point"}],
     "seconds", "manifest", "config"}
"""
from __future__ import annotations


def document(cfg, laws, *, route_note: str = "", definitional: str | None = None) -> dict:
    """The depth document of ``laws`` (FeatureLaws of cfg's route): references, rows, verdicts."""
    raise NotImplementedError


def run_depth(cfg, *, progress: bool = False) -> dict:
    """Run ``cfg`` (a ``DepthConfig``) by its route and return the document (see the module docstring)."""
    raise NotImplementedError

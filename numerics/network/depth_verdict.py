"""The two verdicts of a depth run, `scheme` and `fixed_point`, by the rules of docs/theory.md 4.5.

Inputs are the layer rows of ``numerics.network.depth_compare.layer_row`` (one seed, L = 1..L_max), the
references of both schemes, the data chain's u_0 and the margin. Outputs are (verdict, evidence) with
JSON-ready evidence; the rules themselves are stated in docs/theory.md 4.5 and only implemented here.
"""
from __future__ import annotations

SCHEME_VERDICTS = ("decimation", "block-spin", "neither", "undetermined")
FIXED_POINT_VERDICTS = ("flows to the decimation fixed point", "flows to the block-spin fixed point",
                        "flows elsewhere", "undetermined")


def contraction(us, u_ses, Ls, *, b: int) -> dict:
    """The contraction of |u_L| per layer: per-pair factors |u_(L+1)| / |u_L| with s.e., and the fitted
    factor exp(beta) of log|u_L| = alpha + beta L over the resolved layers, with s.e. (None exact)."""
    raise NotImplementedError


def scheme_verdict(rows, references, *, u0: float, b: int, margin: float, kind: str, signed: bool):
    """(one of SCHEME_VERDICTS, evidence) for one seed's rows."""
    raise NotImplementedError


def fixed_point_verdict(rows, fixed_points, *, scheme: str, margin: float, kind: str):
    """(one of FIXED_POINT_VERDICTS, evidence) for one seed's rows."""
    raise NotImplementedError


def combine_seeds(verdicts):
    """The run's verdict from the seeds' verdicts: their common value, else `undetermined`."""
    vs = list(verdicts)
    return vs[0] if vs and all(v == vs[0] for v in vs) else "undetermined"

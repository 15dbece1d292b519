"""One depth run, and the law of one layer's features (docs/theory.md 4.5).

A depth run takes one data chain and one objective and asks, layer by layer L = 1..layers, where the
feature law chi(q_L) goes: toward which scheme's references R^L(theta) / B^L(theta), and to which
fixed point. ``DepthConfig`` holds the run's inputs; ``FeatureLaw`` is what a route (exact or trained)
delivers for one layer: chi with its covariance (None on the exact route) and the scale-free u and
shape with their standard errors. Everything else (references, KL rates, verdicts) is computed from
these by ``numerics.network.depth``.

Conventions (docs/theory.md 4.5):
- theta = (K, a_1, .., a_n) for continuous chains, (K,) for Ising, in machine floats;
- where an objective fixes no scale (every objective except ``decimate``), chi is given at the data's
  single-site variance m_2 (the features rescaled to it), so a_1 carries no information beyond u and
  the shape;
- the sign of K (and u) is as the route found it; the comparison decides whether it counts
  (``numerics.network.depth_compare.sign_identified``).

>>> c = DepthConfig(K="0.5", a=("1",), objective="rsmi", layers=3)
>>> c.chain, c.b, c.buffer, c.window, c.margin, c.kind
(Chain(K=1/2, a=(1,)), 2, 0, 2, 'relative', 'continuous')
>>> DepthConfig(K="0.5", a=("1",), objective="rsmi", layers=0)
Traceback (most recent call last):
...
proofs.errors.MalformedInput: malformed layers '0': must be an integer between 1 and 16
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from numerics.network.config import OBJECTIVES
from proofs.errors import MalformedInput
from proofs.family import Chain

ROUTES = ("exact", "trained")
MAX_LAYERS = 16
MAX_BLOCK = 8           # rsmi block size b: 2 .. MAX_BLOCK (the binary route enumerates 2^(2^b) block maps at b <= 3)
MAX_BUFFER = 8
MAX_WINDOW = 8
MAX_SEEDS = 100
MAX_ISING_K = 18        # tanh 18 = 1 - 4.6e-16: still below 1 in float64


def _int(name, value, lo, hi, rule=None):
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise MalformedInput(name, repr(value) if not isinstance(value, int) else str(value),
                             rule or f"must be an integer between {lo} and {hi}")
    return value


@dataclass(frozen=True)
class DepthConfig:
    """The inputs of one ``rgdnn depth`` run; every field is checked on construction (MalformedInput names it).

    K, a: exact decimal strings (a empty for Ising); objective: one of ``OBJECTIVES``; layers: L_max
    (1..16); route: "exact" or "trained"; seeds: the seeds of the trained route (one network per depth
    and seed); b: block size of every layer (and of both schemes' references, except majority rule on
    Ising chains, which needs an odd block: 3 when b is even); buffer, window: the rsmi environment
    (docs/theory.md 4.4); margin: "relative" (delta = 0.01 d(theta || theta*), docs/theory.md 4.4) or
    an absolute margin in nats per site; M: feature units of the trained route (N = M b^L).
    ``extra``: route-specific settings (the trained route's training flags), JSON-ready.
    """

    K: str
    a: tuple[str, ...] = ()
    ising: bool = False
    objective: str = "rsmi"
    layers: int = 5
    route: str = "exact"
    seeds: tuple[int, ...] = (0,)
    b: int = 2
    buffer: int = 0
    window: int = 2
    margin: Any = "relative"
    M: int = 8
    extra: dict = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "a", tuple(str(v) for v in self.a))
        object.__setattr__(self, "seeds", tuple(self.seeds))
        chain = self.chain                           # admissibility is checked here
        if chain.is_ising and abs(chain.K) > MAX_ISING_K:
            raise MalformedInput("K", self.K, f"|K| <= {MAX_ISING_K} for the Ising chain in a depth run: beyond it "
                                 "tanh K rounds to 1 in float64 (a frozen chain)")
        if self.objective not in OBJECTIVES:
            raise MalformedInput("objective", str(self.objective), f"choose one of {', '.join(OBJECTIVES)}")
        if self.route not in ROUTES:
            raise MalformedInput("route", str(self.route), f"choose one of {', '.join(ROUTES)}")
        _int("layers", self.layers, 1, MAX_LAYERS)
        _int("b", self.b, 2, MAX_BLOCK)
        _int("rsmi-buffer", self.buffer, 0, MAX_BUFFER)
        _int("rsmi-window", self.window, 1, MAX_WINDOW)
        _int("M", self.M, 2, 1024)
        if not self.seeds or len(self.seeds) > MAX_SEEDS:
            raise MalformedInput("seeds", str(list(self.seeds))[:40], f"give 1 to {MAX_SEEDS} seeds")
        for s in self.seeds:
            _int("seeds", s, 0, 2 ** 31 - 1, "every seed must be an integer between 0 and 2^31 - 1")
        if len(set(self.seeds)) != len(self.seeds):
            raise MalformedInput("seeds", str(list(self.seeds))[:40], "seeds must be distinct")
        m = self.margin
        if m != "relative" and (isinstance(m, bool) or not isinstance(m, (int, float)) or not 0 < m < math.inf):
            raise MalformedInput("margin", repr(m), "give 'relative' or a positive number of nats per site")

    @property
    def chain(self) -> Chain:
        """The data chain (``proofs.family.Chain``, exact)."""
        return Chain.ising(self.K) if self.ising else Chain.polynomial(self.K, self.a)

    @property
    def kind(self) -> str:
        """"ising" or "continuous" (the ``kind`` of ``numerics.klrate`` and ``numerics.network.effect``)."""
        return "ising" if self.ising else "continuous"

    def to_dict(self) -> dict:
        """JSON-ready fields (``extra`` included)."""
        return {"K": self.K, "a": list(self.a), "ising": self.ising, "objective": self.objective,
                "layers": self.layers, "route": self.route, "seeds": list(self.seeds), "b": self.b,
                "buffer": self.buffer, "window": self.window, "margin": self.margin, "M": self.M,
                "extra": dict(self.extra)}


@dataclass(frozen=True)
class FeatureLaw:
    """chi of the layer-L features as a route delivers it (docs/theory.md 4.5).

    theta: chi = (K, a_1..a_n) (continuous) or (K,) (Ising), floats, at the data's m_2 where the
    objective fixes no scale; None when the features have no preimage in the family (then every
    comparison of the layer is `undetermined`).
    cov: the delta-method covariance of theta (p x p); None on the exact route (no sampling error).
    u, shape: lambda_1/lambda_0 and the kurtosis m_4/m_2^2 of chi (shape None for Ising); when left
    None they are computed from theta (``numerics.klrate``); u_se, shape_se: standard errors (None exact).
    seed: the trained route's seed (None exact). details: route-specific, JSON-ready (the exact filter,
    the block MI, the loss gap, the network size, ...), copied into the layer row unchanged.
    """

    L: int
    theta: tuple[float, ...] | None
    cov: tuple[tuple[float, ...], ...] | None = None
    u: float | None = None
    u_se: float | None = None
    shape: float | None = None
    shape_se: float | None = None
    seed: int | None = None
    details: dict = field(default_factory=dict, hash=False, compare=False)

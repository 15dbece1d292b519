"""The configuration of one training run (docs/theory.md section 4): data chain, network, objective, schedule.

K and a are exact decimal strings (docs/theory.md 1); every field is validated and a bad one
raises ``MalformedInput`` (or ``InadmissibleParameter`` for a non-normalizable chain) naming it.

>>> c = TrainConfig.from_dict({"K": "0.5", "a": ["1"], "objective": "infomax"})
>>> c.b, c.hidden_widths, c.chain
(2, (32, 16), Chain(K=1/2, a=(1,)))
>>> TrainConfig.from_dict(c.to_dict()) == c
True
>>> TrainConfig(K="0.5", a=("1",), objective="infomax", steps=-1)
Traceback (most recent call last):
...
proofs.errors.MalformedInput: malformed steps '-1': must be an integer between 1 and 1000000
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from proofs.errors import MalformedInput, NotSupported
from proofs.family import Chain

# The network's shape lives here, torch-free, so the CLI parser and sweep specs need no torch import.
ACTIVATION_NAMES = ("linear", "tanh", "gelu")


def default_hidden(N, M, layers):
    """Pyramid widths N / b^l, l = 1..L, b = (N/M)^(1/L) (the RG block size of one layer)."""
    b = block_size(N, M, layers)
    return tuple(N // b ** l for l in range(1, layers + 1))


def block_size(N, M, layers):
    """The integer b with N = M b^L, or MalformedInput naming the rule."""
    if layers == 0:
        return 1
    b = round((N / M) ** (1 / layers))
    if b < 2 or M * b ** layers != N:
        raise MalformedInput("N", str(N), f"need N = M b^L with an integer b >= 2 (M = {M}, L = {layers})")
    return b

OBJECTIVES = ("decimate", "infomax", "autoencoder", "regress-theta", "rsmi", "rbm")

# Kinds of agreement with the reference (docs/theory.md 4.4): only emergent agreement is evidence for the
# paper. Objectives of other families (rsmi, rbm) are listed so every result can carry its label.
AGREEMENT = {
    "decimate": "teacher",
    "infomax": "definitional",
    "autoencoder": "emergent",
    "regress-theta": "emergent",
    "rsmi": "emergent",
    "rbm": "emergent",
}
AGREEMENT_NOTE = {
    "decimate": "the teacher D x fixes the whole output law: the output is R^L(theta) by construction",
    "infomax": "the loss constrains m_2k (hence a*) and decorrelates the units (hence K* = 0): the moments "
               "that define theta* are written into the objective",
    "autoencoder": "reconstruction error mentions no theta, theta* or moment of theta; but the decoder absorbs "
                   "any invertible map of the bottleneck, so chi need not be identified",
    "regress-theta": "the targets are theta itself over a prior box, not theta* or output moments: nothing in "
                     "the loss names the fixed point",
    "rsmi": "mutual information between a block's coarse unit and its environment names no theta or moment",
    "rbm": "maximum likelihood of the visible law names no theta* or moment of the hidden units",
}
DTYPES = ("float32", "float64")

# The equivalence margin (docs/theory.md 4.4): by default delta = MARGIN_FRACTION d(theta || theta*), spelled
# RELATIVE in configurations, on the command line and in JSON; or an absolute margin in (0, MARGIN_MAX] nats per
# site, such as 1e-3, the margin used before the relative rule.
MARGIN_FRACTION = 0.01
RELATIVE = "relative"
RELATIVE_RULE = f"{MARGIN_FRACTION:g} d(theta || theta*)"
MARGIN_MAX = 10.0


def parse_margin(value):
    """A margin as given (command line, configuration): ``"relative"`` or a number of nats per site in (0, 10].

    >>> parse_margin("relative"), parse_margin("1e-3"), parse_margin(0.01)
    ('relative', 0.001, 0.01)
    >>> parse_margin("0")
    Traceback (most recent call last):
    ...
    proofs.errors.MalformedInput: malformed margin '0': give 'relative' (the default: 0.01 d(theta || theta*), \
docs/theory.md 4.4) or an absolute margin in nats per site in (0, 10]
    """
    rule = (f"give '{RELATIVE}' (the default: {RELATIVE_RULE}, docs/theory.md 4.4) or an absolute margin in nats "
            f"per site in (0, {MARGIN_MAX:g}]")
    if value == RELATIVE:
        return RELATIVE
    shown = value.strip() if isinstance(value, str) else str(value)
    if isinstance(value, bool):
        raise MalformedInput("margin", repr(value), rule)
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 40 or any(c not in "0123456789.eE+-" for c in text):
            raise MalformedInput("margin", value, rule)
        try:
            value = float(text)
        except ValueError:
            raise MalformedInput("margin", shown, rule) from None
    if not isinstance(value, (int, float)) or not 0 < value <= MARGIN_MAX:
        raise MalformedInput("margin", shown, rule)
    return float(value)

# Initializations of the optimum-vs-optimizer protocol (docs/theory.md 4.4): torch's default, or near an RG map.
INITS = ("random", "decimation", "block")

# Steps that reached |z| < 3 at s.e. <= 1% of a* for the standard examples (docs/theory.md 6)
# (benchmarks/bench_train.py); rsmi: steps at which the learned linear f's exact MI reached the greedy
# maximum (to 3e-7 nats, seeds 0-2, Gaussian example), not agreement with theta*;
# rbm: steps for its NLL to come within 1e-3 per site of the data's entropy on the Ising example (see DEFAULT_LR).
DEFAULT_STEPS = {"decimate": 1000, "infomax": 1500, "autoencoder": 4000, "regress-theta": 2000, "rsmi": 1000,
                 "rbm": 1500}

# Adam's initial learning rate. rbm: 3e-2 brought the exact NLL per site within 6e-4 of the data's entropy
# in 1500 steps (K = 0.8, N = 32, M = 16), against 2.3e-2 at 1e-2 and 1000 steps (benchmarks/bench_train.py).
DEFAULT_LR = {"decimate": 1e-2, "infomax": 1e-2, "autoencoder": 1e-2, "regress-theta": 1e-2, "rsmi": 1e-2,
              "rbm": 3e-2}

# rbm: exact log-likelihood gradients enumerate 2^u states of one layer (u = min(N, M) for spins, M for
# Gaussian visible units); 2^16 states x N sites is a few MB and milliseconds per step.
RBM_EXACT_MAX_UNITS = 16
RBM_GRADIENTS = ("auto", "exact", "cd", "pcd")


def _int(name, v, lo, hi):
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise MalformedInput(name, repr(v), f"must be an integer between {lo} and {hi}")
    return v


def _float(name, v, lo, hi, lo_open=False):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not (lo < v if lo_open else lo <= v) or not v <= hi:
        raise MalformedInput(name, repr(v), f"must be a number in {'(' if lo_open else '['}{lo}, {hi}]")
    return float(v)


@dataclass(frozen=True)
class TrainConfig:
    """One run: chain (K; a), network (N, M, L, widths, activation), objective and schedule."""

    K: str
    a: tuple
    objective: str
    N: int = 64
    M: int = 16
    layers: int = 2
    hidden: tuple | None = None          # default: N / b^l, l = 1..L
    activation: str = "linear"
    seed: int = 0
    steps: int | None = None             # default: DEFAULT_STEPS[objective]
    batch: int = 256
    lr: float | None = None              # Adam, cosine-annealed to lr_final; default DEFAULT_LR[objective]
    lr_final: float = 1e-4
    eval_samples: int = 16384            # fresh samples for chi-hat (estimation set)
    dtype: str = "float32"
    threads: int = 1                     # torch threads: 1 is far steadier when cores are few
    grid_h: str = "1/16"                 # grid spacing of the non-Gaussian sampler
    ising_bonds: bool = False            # Ising: the ring drawn by its bonds (exact, vectorized; another random stream)
    # infomax: weights of the mean penalty, decorrelation penalty and -(1/2) log det Corr(y) term
    mean_penalty: float = 1.0
    decorrelation: float = 1.0
    entropy: float = 0.0
    scale2: str | None = None            # infomax target variance s^2 (default: m_2(theta), the data's)
    prior_width: str = "0.2"             # regress-theta: relative half-width of the uniform prior box
    init: str = "random"                 # random | decimation | block: start near an RG map (plus init_noise)
    init_noise: float = 0.01
    # rsmi (numerics/network/rsmi.py): buffer B and window W of the environment (sites), the critic's
    # hidden width, and the hidden width of the block network f (0: f is one linear map R^b -> R)
    rsmi_buffer: int = 0
    rsmi_window: int = 2
    rsmi_critic: int = 32
    rsmi_hidden: int = 8
    # rsmi: block positions per layer and step in the training bound (0: every block; k: k positions drawn
    # afresh each step from the data stream, shared by the batch; an unbiased estimate of the block average)
    rsmi_positions: int = 0
    z_agree: float = 3.0
    z_disagree: float = 5.0
    margin: float | str = RELATIVE       # equivalence margin: "relative" (0.01 d(theta || theta*)) or nats per site
    checkpoint_every: int = 500
    history_every: int = 10
    ising: bool = False                  # the Ising chain Chain.ising(K): spins +-1, a = ()
    rbm_gradient: str = "auto"           # rbm: exact enumeration when small enough, else PCD ("auto")
    rbm_cd_steps: int = 1                # rbm: Gibbs steps k of CD-k / PCD-k

    def __post_init__(self):
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731  (frozen dataclass)
        if isinstance(self.a, (str, int)):
            set_("a", (self.a,))
        set_("K", str(self.K))
        set_("a", tuple(str(v) for v in self.a))
        if not isinstance(self.ising, bool):
            raise MalformedInput("ising", repr(self.ising), "must be true or false")
        if not isinstance(self.ising_bonds, bool):
            raise MalformedInput("ising_bonds", repr(self.ising_bonds), "must be true or false")
        if self.ising:
            if self.a:
                raise MalformedInput("a", repr(list(self.a)), "the Ising chain has no a_k (spins +-1, no V): "
                                     "give a = [] with ising = true")
            K = float(Chain.ising(self.K).K)                   # exact parse; every finite K is admissible
            if not abs(K) <= 14:                               # 1 - tanh 14 = 1.4e-12: float64 sees a frozen ring
                raise NotSupported(f"Ising K = {self.K}: |K| > 14 freezes the ring in float64 (1 - |tanh K| < 1e-12)")
        else:
            Chain.polynomial(self.K, self.a)                   # admissibility, exact parse
        if self.objective not in OBJECTIVES:
            raise MalformedInput("objective", self.objective, f"choose one of {', '.join(OBJECTIVES)}")
        _int("N", self.N, 3, 4096)
        _int("M", self.M, 3, 4096)
        if self.M > self.N:
            raise MalformedInput("M", repr(self.M), f"feature units must not exceed the input sites N = {self.N}")
        _int("layers", self.layers, 1, 12)
        if self.hidden is not None:
            set_("hidden", tuple(self.hidden))
            if len(self.hidden) != self.layers:
                raise MalformedInput("hidden", repr(self.hidden), f"give one width per hidden layer ({self.layers})")
            for w in self.hidden:
                _int("hidden", w, 1, 65536)
        else:
            default_hidden(self.N, self.M, self.layers)         # raises when N != M b^L
        if self.objective in ("decimate", "rsmi"):
            block_size(self.N, self.M, self.layers)
        _int("rsmi_buffer", self.rsmi_buffer, 0, 4096)
        _int("rsmi_window", self.rsmi_window, 1, 4096)
        _int("rsmi_critic", self.rsmi_critic, 1, 4096)
        _int("rsmi_hidden", self.rsmi_hidden, 0, 4096)
        _int("rsmi_positions", self.rsmi_positions, 0, 1 << 20)
        if self.objective == "rsmi":
            if self.hidden is not None:
                raise MalformedInput("hidden", repr(self.hidden), "rsmi's block network f has its own width "
                                     "rsmi_hidden; hidden sets the FCDNN of the other objectives")
            b = block_size(self.N, self.M, self.layers)
            # the coarsest layer acts on a ring of M b units: block + 2 (buffer + window) must fit on it
            if b + 2 * (self.rsmi_buffer + self.rsmi_window) > self.M * b:
                raise MalformedInput("rsmi_window", str(self.rsmi_window),
                                     f"block b = {b} plus 2 (buffer {self.rsmi_buffer} + window) sites exceed "
                                     f"the {self.M * b}-unit ring of the last layer")
        if self.activation not in ACTIVATION_NAMES:
            raise MalformedInput("activation", self.activation, f"choose one of {', '.join(ACTIVATION_NAMES)}")
        _int("seed", self.seed, 0, 2 ** 63 - 1)
        if self.steps is None:
            set_("steps", DEFAULT_STEPS[self.objective])
        _int("steps", self.steps, 1, 1_000_000)
        _int("batch", self.batch, 8, 1 << 20)
        if self.lr is None:
            set_("lr", DEFAULT_LR.get(self.objective, 1e-2))
        _float("lr", self.lr, 0, 10, lo_open=True)
        _float("lr_final", self.lr_final, 0, self.lr, lo_open=True)
        _int("eval_samples", self.eval_samples, 64, 1 << 24)
        if self.dtype not in DTYPES:
            raise MalformedInput("dtype", self.dtype, f"choose one of {', '.join(DTYPES)}")
        _int("threads", self.threads, 1, 256)
        from proofs.family import exact_rational
        if not exact_rational(self.grid_h, "grid_h") > 0:
            raise MalformedInput("grid_h", self.grid_h, "the grid spacing must be positive")
        for name in ("mean_penalty", "decorrelation", "entropy"):
            _float(name, getattr(self, name), 0, 1e6)
        if self.scale2 is not None:
            set_("scale2", str(self.scale2))
            if not exact_rational(self.scale2, "scale2") > 0:
                raise MalformedInput("scale2", self.scale2, "the target variance s^2 must be positive")
        if not 0 < exact_rational(self.prior_width, "prior_width") < 1:
            raise MalformedInput("prior_width", self.prior_width, "must lie strictly between 0 and 1")
        if self.init not in INITS:
            raise MalformedInput("init", self.init, f"choose one of {', '.join(INITS)}")
        _float("init_noise", self.init_noise, 0, 10)
        if self.init != "random":
            block_size(self.N, self.M, self.layers)
            if self.hidden is not None and self.hidden != default_hidden(self.N, self.M, self.layers):
                raise MalformedInput("init", self.init, "starting near an RG map needs the default widths N / b^l")
        _float("z_agree", self.z_agree, 0, 100, lo_open=True)
        _float("z_disagree", self.z_disagree, self.z_agree, 100)
        set_("margin", parse_margin(self.margin))
        if self.margin == RELATIVE and self.chain.K == 0:
            raise MalformedInput("margin", RELATIVE, "the data chain (K = 0) is its own fixed point, "
                                 "d(theta || theta*) = 0: give an absolute margin in nats per site")
        _int("checkpoint_every", self.checkpoint_every, 1, 1 << 30)
        _int("history_every", self.history_every, 1, 1 << 30)
        if self.rbm_gradient not in RBM_GRADIENTS:
            raise MalformedInput("rbm_gradient", repr(self.rbm_gradient), f"choose one of {', '.join(RBM_GRADIENTS)}")
        _int("rbm_cd_steps", self.rbm_cd_steps, 1, 10_000)
        if self.objective == "rbm" and self.rbm_gradient == "exact" and self.rbm_enumerated_units > RBM_EXACT_MAX_UNITS:
            raise MalformedInput("M", str(self.M), f"exact RBM gradients enumerate 2^{self.rbm_enumerated_units} "
                                 f"states; need {'min(N, M)' if self.ising else 'M'} <= {RBM_EXACT_MAX_UNITS} "
                                 "(or rbm_gradient = pcd / cd / auto: contrastive divergence)")

    # -- derived views ---------------------------------------------------------
    @property
    def chain(self):
        return Chain.ising(self.K) if self.ising else Chain.polynomial(self.K, self.a)

    @property
    def rbm_enumerated_units(self):
        """Units of the layer an exact rbm gradient enumerates: the smaller layer for spins, else the hidden one."""
        return min(self.N, self.M) if self.ising else self.M

    @property
    def rbm_method(self):
        """The rbm gradient actually used: 'exact' when 2^units is enumerable under 'auto', else 'pcd'."""
        if self.rbm_gradient != "auto":
            return self.rbm_gradient
        return "exact" if self.rbm_enumerated_units <= RBM_EXACT_MAX_UNITS else "pcd"

    @property
    def n(self):
        return len(self.a)

    @property
    def b(self):
        return block_size(self.N, self.M, self.layers)

    @property
    def hidden_widths(self):
        return self.hidden if self.hidden is not None else default_hidden(self.N, self.M, self.layers)

    # -- serialization ---------------------------------------------------------
    def to_dict(self):
        d = dataclasses.asdict(self)
        d["a"] = list(self.a)
        if self.hidden is not None:
            d["hidden"] = list(self.hidden)
        return d

    @classmethod
    def from_dict(cls, d):
        if not isinstance(d, dict):
            raise MalformedInput("config", repr(d)[:40], "expected a mapping of field names to values")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise MalformedInput("config field", unknown[0], f"unknown; fields are {', '.join(sorted(names))}")
        if not isinstance(d.get("ising", False), bool):
            raise MalformedInput("ising", repr(d["ising"]), "must be true or false")
        for req in ("K", "objective") + (() if d.get("ising") is True else ("a",)):
            if req not in d:
                raise MalformedInput("config field", req, "is required")
        return cls(**{"a": (), **d})

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)


"""The sweep specification: which theta, objectives, depths L and seeds, and its cells.

A spec is a TOML file or command-line flags (flags override the file)::

    objectives = ["decimate"]        # any of decimate, infomax, autoencoder, regress-theta, rsmi, rbm
    L = [1, 2]                       # depths (hidden layers); each cell has N = M b^L sites
    seeds = [0, 1]
    scheme = "decimation"            # the RG scheme theta* and R^L(theta) refer to (decimation only)
    b = 2

    [theta]                          # a grid: every K with every a-vector
    K = ["0.5", "0.3"]               # exact decimals; TOML floats are read exactly too
    a = [["1"]]                      # a list of a-vectors (a flat list is one vector)

    [[theta.list]]                   # or an explicit list of theta (n may differ between them)
    K = "0.4"
    a = ["0.5", "0.1"]

    [[theta.list]]                   # an Ising chain in the list: no a
    K = "0.8"
    ising = true

    [theta.random]                   # or a seeded random sample instead of the grid
    count = 6
    seed = 0
    K = ["-0.6", "0.6"]              # a box per coordinate; inadmissible draws are redrawn
    a = [["0.8", "1.5"]]
    decimals = 2

    [theta]                          # the Ising chain: a grid of K only (also with [theta.random])
    ising = true
    K = ["0.8", "0.4"]

    [train]                          # passed to the cell's TrainConfig (not N: N = M b^L)
    M = 4
    steps = 300

The cells are the product theta x objectives x L x seeds, in that order. A cell's
key is a hash of its exact content, so the same cell has the same key in every run
(that is what resume matches on); '0.5' and '1/2' are the same cell. An Ising theta is
held as (K, a = ()) -- no continuous chain has an empty a -- and its cell carries
``ising = True``, which enters the key only for Ising cells (continuous cells keep theirs).

>>> spec = SweepSpec.from_dict({"theta": {"K": ["0.5", "0.3"], "a": ["1"]},
...                             "objectives": ["decimate"], "L": [1, 2], "seeds": [0, 1]})
>>> cells = spec.cells()
>>> len(cells), cells[0].K, cells[0].a, cells[0].L, cells[0].seed
(8, '0.5', ('1',), 1, 0)
>>> len({c.key for c in cells})
8
>>> SweepSpec.from_dict({"theta": {"K": ["1/2"], "a": ["1"]}, "objectives": ["decimate"],
...                      "L": [1], "seeds": [0]}).cells()[0].key == cells[0].key
True
>>> c = SweepSpec.from_dict({"theta": {"ising": True, "K": ["0.8"]}, "objectives": ["rbm"],
...                          "L": [1], "seeds": [0]}).cells()[0]
>>> c.ising, c.a, c.to_dict()["ising"]
(True, (), True)
"""
from __future__ import annotations

import decimal
import hashlib
import itertools
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:    # Python 3.10: the same parser, published as tomli
    import tomli as tomllib

from proofs.errors import InadmissibleParameter, MalformedInput, NotSupported
from proofs.family import Chain, exact_rational

# = numerics.network.config.OBJECTIVES (tested)
OBJECTIVES = ("decimate", "infomax", "autoencoder", "regress-theta", "rsmi", "rbm")
SCHEMES = ("decimation", "block")
AXES = ("K", "a", "ising", "objective", "layers", "L", "seed")   # set by the sweep, never by [train]
DERIVED = {"N": "N = M b^L is set by the sweep from M, b and L (docs/theory.md 4.1)",
           "hidden": "the default widths N / b^l follow L; per-layer widths cannot be swept"}
MAX_CELLS = 100_000
MAX_SPEC_BYTES = 1_000_000


@dataclass(frozen=True)
class Cell:
    """One training + comparison: theta = (K; a), objective, depth L, seed, RG scheme, b, options."""

    K: str
    a: tuple
    objective: str
    L: int
    seed: int
    scheme: str = "decimation"
    b: int = 2
    train: tuple = ()          # sorted (name, value) pairs passed to the TrainConfig
    ising: bool = False        # the Ising chain Chain.ising(K) (then a = ())

    @property
    def key(self):
        """A stable 16-hex-digit id of the cell's exact content (theta as reduced rationals)."""
        canon = {"K": str(exact_rational(self.K, "K")),
                 "a": [str(exact_rational(x, "a")) for x in self.a],
                 "objective": self.objective, "L": self.L, "seed": self.seed,
                 "scheme": self.scheme, "b": self.b, "train": [list(p) for p in self.train]}
        if self.ising:                       # only Ising cells carry the flag: continuous keys are unchanged
            canon["ising"] = True
        return hashlib.sha256(json.dumps(canon, sort_keys=True).encode()).hexdigest()[:16]

    def to_dict(self):
        return {"key": self.key, "K": self.K, "a": list(self.a), "objective": self.objective,
                "L": self.L, "seed": self.seed, "scheme": self.scheme, "b": self.b,
                "train": dict(self.train), **({"ising": True} if self.ising else {})}

    @classmethod
    def from_dict(cls, d):
        return cls(K=d["K"], a=tuple(d["a"]), objective=d["objective"], L=int(d["L"]),
                   seed=int(d["seed"]), scheme=d.get("scheme", "decimation"), b=int(d.get("b", 2)),
                   train=tuple(sorted(d.get("train", {}).items())), ising=d.get("ising") is True)


@dataclass(frozen=True)
class SweepSpec:
    """The grid (or seeded random sample) of admissible theta, the objectives, L, seeds and options."""

    thetas: tuple               # ((K, (a_1, ..., a_n)), ...) as exact decimal text
    objectives: tuple
    L: tuple
    seeds: tuple
    scheme: str = "decimation"
    b: int = 2
    train: dict = field(default_factory=dict)
    sample: dict = field(default_factory=dict)   # how the thetas were made: {"grid": ...} or {"random": ...}

    def cells(self):
        """The product theta x objective x L x seed, in that order."""
        train = tuple(sorted(self.train.items()))
        return [Cell(K=K, a=a, objective=o, L=L, seed=s, scheme=self.scheme, b=self.b, train=train, ising=a == ())
                for (K, a), o, L, s in itertools.product(self.thetas, self.objectives, self.L, self.seeds)]

    def cell_fn(self):
        """The function that runs one cell: a training with R^L(theta) (``cell.sweep_cell``)."""
        from paper_checks.sweep.cell import sweep_cell
        return sweep_cell

    def validate(self):
        """Build the TrainConfig of every distinct (theta, objective, L) up front: a bad option fails now,
        with its typed error, instead of in every cell."""
        from paper_checks.sweep.cell import train_config
        seen = set()
        for c in self.cells():
            k = (c.K, c.a, c.objective, c.L)
            if k not in seen:
                seen.add(k)
                train_config(c.to_dict())

    def to_dict(self):
        """The spec as plain JSON data (recorded in the manifest); from_dict reads it back."""
        return {"theta": {"list": [{"K": K, "ising": True} if a == () else {"K": K, "a": list(a)}
                                   for K, a in self.thetas], **self.sample},
                "objectives": list(self.objectives), "L": list(self.L), "seeds": list(self.seeds),
                "scheme": self.scheme, "b": self.b, "train": dict(self.train)}

    @classmethod
    def from_dict(cls, d):
        """Validate a spec given as data (parsed TOML, or the manifest's copy)."""
        if not isinstance(d, dict):
            raise MalformedInput("sweep spec", repr(d)[:40], "must be a table of settings")
        unknown = set(d) - {"theta", "objectives", "L", "seeds", "scheme", "b", "train"}
        if unknown:
            raise MalformedInput("sweep spec key", sorted(unknown)[0],
                                 "known keys: theta, objectives, L, seeds, scheme, b, train")
        for need in ("theta", "objectives", "L", "seeds"):
            if need not in d:
                raise MalformedInput("sweep spec", need, f"missing: give {need}")
        thetas, sample = _thetas(d["theta"])
        objectives = _list_of(d["objectives"], "objectives", str)
        for o in objectives:
            if o not in OBJECTIVES:
                raise MalformedInput("objective", o, f"choose from {', '.join(OBJECTIVES)}")
        Ls = _list_of(d["L"], "L", int)
        if any(not 1 <= L <= 12 for L in Ls):
            raise MalformedInput("L", repr(Ls), "depths must be integers between 1 and 12")
        seeds = _list_of(d["seeds"], "seeds", int)
        if any(not 0 <= s < 2**32 for s in seeds):
            raise MalformedInput("seeds", repr(seeds), "seeds must be integers in [0, 2^32)")
        scheme = d.get("scheme", "decimation")
        if scheme not in SCHEMES:
            raise MalformedInput("scheme", str(scheme), f"choose one of {', '.join(SCHEMES)}")
        if scheme != "decimation":
            # the network side compares with decimation's theta* and R^L (numerics.network.targets)
            raise NotSupported("sweeps compare trained networks with decimation only (theta*, R^L of "
                               "numerics.network); --scheme block is not supported for training cells")
        b = d.get("b", 2)
        if isinstance(b, bool) or not isinstance(b, int) or not 2 <= b <= 64:
            raise MalformedInput("b", repr(b), "the RG block size must be an integer between 2 and 64")
        train = d.get("train", {})
        if not isinstance(train, dict):
            raise MalformedInput("train", repr(train)[:40], "must be a table of TrainConfig options")
        for k, v in train.items():
            if k in AXES:
                raise MalformedInput("train option", k, "is a sweep axis; set it in the spec, not under [train]")
            if k in DERIVED:
                raise MalformedInput("train option", k, DERIVED[k])
            if isinstance(v, (dict, list)):
                raise MalformedInput("train option", k, "must be a number, a string or a boolean")
        train = {k: (float(v) if isinstance(v, decimal.Decimal) else v) for k, v in train.items()}
        spec = cls(thetas=thetas, objectives=tuple(objectives), L=tuple(Ls), seeds=tuple(seeds),
                   scheme=scheme, b=b, train=train, sample=sample)
        n = len(thetas) * len(objectives) * len(Ls) * len(seeds)
        if n > MAX_CELLS:
            raise MalformedInput("sweep spec", f"{n} cells", f"at most {MAX_CELLS} cells per sweep")
        return spec


def load_spec_file(path):
    """Read a TOML spec; floats are read as exact decimals (0.1 stays 1/10)."""
    p = Path(path)
    try:
        if not p.is_file():         # a directory, /dev/zero or a FIFO would fail late or never end
            raise MalformedInput("spec file", str(path), "is not a regular file" if p.exists() else "does not exist")
        with open(p, "rb") as f:
            data = f.read(MAX_SPEC_BYTES + 1)
    except OSError as exc:
        raise MalformedInput("spec file", str(path), f"cannot be read ({exc.strerror})") from None
    if len(data) > MAX_SPEC_BYTES:
        raise MalformedInput("spec file", str(path), f"larger than {MAX_SPEC_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedInput("spec file", str(path), f"is not UTF-8 text (byte {exc.start})") from None
    try:
        return tomllib.loads(text, parse_float=decimal.Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise MalformedInput("spec file", str(path), f"is not valid TOML: {exc}") from None
    except RecursionError:
        raise MalformedInput("spec file", str(path), "is nested too deeply") from None


def _text(x, name):
    """Exact decimal text of a number given as str, int or Decimal; validated as exact."""
    if isinstance(x, decimal.Decimal):
        x = str(x)
    if isinstance(x, bool) or not isinstance(x, (str, int)):
        raise MalformedInput(name, repr(x), "expected an exact number such as 0.5 or '1/10'")
    exact_rational(x, name)
    return str(x).strip()


def _list_of(x, name, kind):
    if isinstance(x, (str, int)) and not isinstance(x, bool):
        x = [x]
    if not isinstance(x, list) or not x:
        raise MalformedInput(name, repr(x), "must be a non-empty list")
    if kind is int and any(isinstance(v, bool) or not isinstance(v, int) for v in x):
        raise MalformedInput(name, repr(x), "must be a list of integers")
    if kind is str and any(not isinstance(v, str) for v in x):
        raise MalformedInput(name, repr(x), "must be a list of names")
    if len(set(x)) != len(x):
        raise MalformedInput(name, repr(x), "lists a value twice (the cell would run twice)")
    return list(x)


def _a_vectors(a):
    """a = ["1"] is one vector, a = [["1"], ["0.5", "0.1"]] several."""
    if not isinstance(a, list) or not a:
        a = [a]
    if not isinstance(a[0], list):
        a = [a]
    return [tuple(_text(x, f"a_{k}") for k, x in enumerate(vec, 1)) for vec in a]


def _admissible(K, a):
    if a == ():                    # the Ising chain: every finite K; |K| <= 14 for float64 sampling
        if not abs(exact_rational(K, "K")) <= 14:
            raise NotSupported(f"Ising K = {K}: |K| > 14 freezes the ring in float64")
        Chain.ising(K)
        return K, a
    Chain.polynomial(K, list(a))   # raises InadmissibleParameter naming the rule
    return K, a


def _ising_flag(t, where):
    """True for ``ising = true`` (then no a may be given), False when absent."""
    flag = t.get("ising", False)
    if not isinstance(flag, bool):
        raise MalformedInput(f"{where}.ising", repr(flag), "must be true or false")
    if flag and t.get("a") not in (None, []):
        raise MalformedInput(f"{where}.a", repr(t.get("a"))[:40], "an Ising theta has no a (spins +-1, no V)")
    return flag


def _thetas(t):
    if not isinstance(t, dict):
        raise MalformedInput("theta", repr(t)[:40], "must be a table with K and a (or [theta.random])")
    if "list" in t:            # an explicit list of theta (also the manifest's copy of any spec)
        items = t["list"]
        if not isinstance(items, list) or not items or not all(
                isinstance(p, dict) and "K" in p and ("a" in p or p.get("ising") is True) for p in items):
            raise MalformedInput("theta.list", repr(items)[:60],
                                 "give a non-empty list of {K = ..., a = [...]} or {K = ..., ising = true}")
        thetas = tuple(_admissible(_text(p["K"], "K"), () if _ising_flag(p, "theta.list") else _a_vectors(p["a"])[0])
                       for p in items)
        return _distinct(thetas), {k: v for k, v in t.items() if k != "list"}
    ising = _ising_flag(t, "theta")
    if "random" in t:
        r = t["random"]
        ising = ising or (isinstance(r, dict) and _ising_flag(r, "theta.random"))
        return _random_thetas(r, ising), {"random": _plain(r), **({"ising": True} if ising else {})}
    if "K" not in t or ("a" not in t and not ising):
        raise MalformedInput("theta", repr(sorted(t)), "give a grid (K = [...], a = [...]; or ising = true and "
                                                       "K = [...]) or [theta.random]")
    Ks = [_text(K, "K") for K in _list_of(t["K"] if isinstance(t["K"], list) else [t["K"]], "K", object)]
    if ising:
        return _distinct(tuple(_admissible(K, ()) for K in Ks)), {"grid": {"K": Ks, "ising": True}}
    thetas = tuple(_admissible(K, a) for K in Ks for a in _a_vectors(t["a"]))
    return _distinct(thetas), {"grid": {"K": Ks, "a": [list(a) for a in _a_vectors(t["a"])]}}


def _distinct(thetas):
    if len({(exact_rational(K), tuple(map(exact_rational, a))) for K, a in thetas}) != len(thetas):
        raise MalformedInput("theta", "list", "lists a theta twice (the cell would run twice)")
    return thetas


def _random_thetas(r, ising=False):
    """Seeded uniform draws on a decimal lattice in the given box; inadmissible draws are redrawn.

    ``ising``: draw K only (the box ``a`` is not given), each theta an Ising chain (a = ()).

    >>> th = _random_thetas({"count": 3, "seed": 1, "K": ["-0.5", "0.5"], "a": [["0.6", "1"]]})
    >>> len(th), all(abs(float(K)) < float(a[0]) for K, a in th)
    (3, True)
    >>> th == _random_thetas({"count": 3, "seed": 1, "K": ["-0.5", "0.5"], "a": [["0.6", "1"]]})
    True
    """
    if not isinstance(r, dict):
        raise MalformedInput("theta.random", repr(r)[:40], "must be a table: count, seed, K, a, decimals")
    count, seed, decimals = r.get("count"), r.get("seed", 0), r.get("decimals", 2)
    for name, v, lo, hi in (("count", count, 1, 10_000), ("seed", seed, 0, 2**32 - 1), ("decimals", decimals, 0, 12)):
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise MalformedInput(f"theta.random.{name}", repr(v), f"must be an integer in [{lo}, {hi}]")
    boxes = [("K", r.get("K"))] + ([] if ising else [(f"a_{k}", b) for k, b in enumerate(_a_boxes(r.get("a")), 1)])
    scale = 10 ** decimals
    ranges = []
    for name, box in boxes:
        if not isinstance(box, list) or len(box) != 2:
            raise MalformedInput(f"theta.random.{name}", repr(box), "give a range [low, high]")
        lo, hi = (exact_rational(_text(x, name), name) for x in box)
        if lo > hi:
            raise MalformedInput(f"theta.random.{name}", repr(box), "low must not exceed high")
        ranges.append((int(-((-lo * scale) // 1)), int((hi * scale) // 1)))   # lattice points inside
    rng = random.Random(seed)
    out, seen, attempts = [], set(), 0
    while len(out) < count:
        attempts += 1
        if attempts > 1000 * count:
            raise MalformedInput("theta.random", repr(r), f"found only {len(out)} distinct admissible "
                                 f"theta in {attempts - 1} draws; widen the box or lower count")
        ints = [rng.randint(lo, hi) for lo, hi in ranges]
        vals = [str(decimal.Decimal(i).scaleb(-decimals)) for i in ints]
        if tuple(ints) in seen:
            continue
        try:
            out.append(_admissible(vals[0], tuple(vals[1:])))
            seen.add(tuple(ints))
        except (InadmissibleParameter, NotSupported):
            pass
    return tuple(out)


def _plain(x):
    """TOML data with exact Decimals as JSON-stable data (Decimal -> its text), so the manifest's
    copy of the spec compares equal to the spec on a rerun."""
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_plain(v) for v in x]
    return str(x) if isinstance(x, decimal.Decimal) else x


def _a_boxes(a):
    if not isinstance(a, list) or not a:
        raise MalformedInput("theta.random.a", repr(a), "give one [low, high] range per a_k, e.g. [[\"0.8\", \"1.5\"]]")
    return a if isinstance(a[0], list) else [a]

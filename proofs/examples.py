"""The standard examples of docs/theory.md section 6, defined once.

    Gaussian      V(x) = x^2,                 K = 1/2
    single well   V(x) = x^2/2 + x^4/10,      K = 2/5
    double well   V(x) = -x^2 + x^4/4,        K = 1/2
    Ising         x in {-1, +1},              K = 4/5

Each is an ``Example``: a short key (the command-line spelling), the name used in tables, the
exact ``Chain`` and the string form {"K": ..., "a": [...], "ising": ...} that
``numerics.network.config.TrainConfig.from_dict`` takes. The strings are the decimals of the
paper, read exactly by ``proofs.family.exact_rational``, so both forms are the same chain.

>>> SINGLE_WELL.chain
Chain(K=2/5, a=(1/2, 1/10))
>>> DOUBLE_WELL.fields
{'K': '0.5', 'a': ['-1', '0.25'], 'ising': False}
>>> [e.key for e in EXAMPLES]
['gaussian', 'single-well', 'double-well', 'ising']
>>> BY_KEY["ising"].chain
Chain.ising(K=4/5)
"""
from __future__ import annotations

from dataclasses import dataclass

from proofs.family import Chain


@dataclass(frozen=True)
class Example:
    """One standard example: key, table name, K and a as decimal strings, Ising or not."""

    key: str
    name: str
    K: str
    a: tuple = ()
    ising: bool = False

    @property
    def chain(self):
        """The exact chain theta = (K; mu)."""
        return Chain.ising(self.K) if self.ising else Chain.polynomial(self.K, self.a)

    @property
    def fields(self):
        """{"K": str, "a": [str, ...], "ising": bool}: the chain fields of a training configuration (a new dict)."""
        return {"K": self.K, "a": list(self.a), "ising": self.ising}


GAUSSIAN = Example("gaussian", "Gaussian (a, K) = (1, 0.5)", "0.5", ("1",))
SINGLE_WELL = Example("single-well", "quartic single well a = (0.5, 0.1), K = 0.4", "0.4", ("0.5", "0.1"))
DOUBLE_WELL = Example("double-well", "quartic double well a = (-1, 0.25), K = 0.5", "0.5", ("-1", "0.25"))
ISING = Example("ising", "Ising K = 0.8", "0.8", (), ising=True)

EXAMPLES = (GAUSSIAN, SINGLE_WELL, DOUBLE_WELL, ISING)
BY_KEY = {e.key: e for e in EXAMPLES}
# The two quartic examples, in the order they are drawn and tabulated.
WELLS = (SINGLE_WELL, DOUBLE_WELL)

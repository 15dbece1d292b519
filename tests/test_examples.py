"""The standard examples of proofs.examples against the table of docs/theory.md 6 (the independent source)."""
import re
from pathlib import Path

import sympy as sp

from numerics.network.config import TrainConfig
from proofs import examples as EX

THEORY = Path(__file__).resolve().parent.parent / "docs" / "theory.md"


def _table_rows():
    """{example column: theta column} of the table in docs/theory.md section 6."""
    text = THEORY.read_text().split("## 6.", 1)[1]
    return {m.group(1).strip(): m.group(2).strip() for m in re.finditer(r"^\| ([^|]+) \| ([^|]+) \|", text, re.M)}


def test_examples_are_the_documented_chains():
    rows = _table_rows()
    assert rows["Gaussian"] == f"(a, K) = ({EX.GAUSSIAN.a[0]}, {EX.GAUSSIAN.K})"
    for label, ex in (("quartic single well", EX.SINGLE_WELL), ("quartic double well", EX.DOUBLE_WELL)):
        assert rows[label] == f"a = ({', '.join(ex.a)}), K = {ex.K}"
    assert rows["Ising"] == f"K = {EX.ISING.K}"
    # exact values, written here by hand
    assert EX.GAUSSIAN.chain.K == sp.Rational(1, 2) and EX.GAUSSIAN.chain.a == (1,)
    assert EX.SINGLE_WELL.chain.a == (sp.Rational(1, 2), sp.Rational(1, 10))
    assert EX.SINGLE_WELL.chain.K == sp.Rational(2, 5)
    assert EX.DOUBLE_WELL.chain.a == (-1, sp.Rational(1, 4)) and EX.ISING.chain.is_ising


def test_both_forms_are_the_same_chain():
    """The training fields, read by TrainConfig, give the Chain of the record."""
    for ex in EX.EXAMPLES:
        cfg = TrainConfig.from_dict({**ex.fields, "objective": "rbm" if ex.ising else "decimate"})
        assert cfg.chain == ex.chain
    assert list(EX.BY_KEY) == ["gaussian", "single-well", "double-well", "ising"]

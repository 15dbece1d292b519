"""The committed derivations are exactly what `rgdnn derive` writes, and a broken relation stops a derivation."""
from pathlib import Path

import pytest
import sympy as sp

from proofs import gaussian, ising
from proofs.catalogue import CATALOGUE
from proofs.derivation import Derivation
from proofs.errors import VerificationError
from rgdnn.commands.derive import INDEX, build

COMMITTED = Path(__file__).resolve().parents[1] / "derivations"


def test_committed_derivations_equal_a_fresh_regeneration():
    """Regenerates every derivation (each step re-verified) and compares byte for byte."""
    fresh = build(progress=False)
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in COMMITTED.glob("*.md")}
    assert set(fresh) == set(on_disk), "derivations/ has missing or stale files: run `rgdnn derive`"
    for name, text in fresh.items():
        assert on_disk[name] == text, f"derivations/{name} differs from a fresh `rgdnn derive`"
    assert INDEX in fresh and len(fresh) == len(CATALOGUE) + 1


def test_a_wrong_step_raises_and_is_not_recorded():
    x = sp.Symbol("x")
    d = Derivation("t", "t", "0")
    with pytest.raises(VerificationError, match="step 1"):
        d.equal(sp.sin(x) ** 2 + sp.cos(x) ** 2, 2, "not a Pythagorean identity")
    with pytest.raises(VerificationError, match="did not pass"):
        d.check(False, "false", "0 = 1", "stated check")
    with pytest.raises(VerificationError, match="float"):
        d.equal(x / 2, sp.Float(0.5) * x, "a float")
    assert d.steps == []


def test_breaking_the_inverse_map_breaks_the_gaussian_derivation(monkeypatch):
    """The checks can fail: a wrong a(u) (1 + u^3 for 1 + u^2) is caught."""
    monkeypatch.setattr(gaussian, "A_OF_U", gaussian.rho * (1 + gaussian.u ** 3) / (1 - gaussian.u ** 2))
    with pytest.raises(VerificationError, match="gaussian-recursion"):
        gaussian.derive_recursion()


def test_breaking_the_ising_q_recursion_breaks_the_ising_derivation(monkeypatch):
    original = ising.recursion_q
    wrong = original(3) * (1 + ising.q ** 4) / (1 + ising.q ** 4 + ising.q ** 5)
    monkeypatch.setattr(ising, "recursion_q", lambda bb: wrong if bb == 3 else original(bb))
    with pytest.raises(VerificationError, match="ising"):
        ising.derive()


def test_derive_command(tmp_path, capsys):
    from rgdnn.cli import main
    assert main(["derive", "--list"]) == 0
    assert "gaussian-recursion" in capsys.readouterr().out
    assert main(["derive", "--only", "laplace-ising", "--out", str(tmp_path)]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["laplace-ising.md"]
    assert (tmp_path / "laplace-ising.md").read_text() == (COMMITTED / "laplace-ising.md").read_text()
    capsys.readouterr()                       # drop the progress bar
    assert main(["derive", "--only", "nonsense", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nonsense" in err[0]

"""The CLI contract of flow / fixed-point / moments: JSON shapes, decimal strings, exit 2."""
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from rgdnn.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def _decimal_string(s, digits):
    """A JSON number is a decimal string carrying about ``digits`` significant digits."""
    assert isinstance(s, str)
    Decimal(s)
    return s


def test_flow_json_shape(capsys):
    out = _json(capsys, ["flow", "--K", "0.5", "--a", "1", "--steps", "6", "--dps", "30", "--json"])
    assert (out["dps"], out["scheme"], out["b"]) == (30, "decimation", 2)
    assert len(out["flow"]) == 7
    # decimal strings carry all 30 requested digits, trailing zeros included
    assert out["flow"][0]["K"] == "0." + "5" + "0" * 29 and out["flow"][0]["a"] == ["1." + "0" * 29]
    step2 = out["flow"][2]                      # K_2 = 1/112 exactly: 30 digits of 0.0089285714...
    assert Decimal(step2["K"]) == pytest.approx(Decimal(1) / 112, rel=Decimal("1e-28"))
    assert len(step2["K"].lstrip("0.").replace(".", "")) >= 29


def test_fixed_point_json_shape(capsys):
    out = _json(capsys, ["fixed-point", "--K", "0.5", "--a", "1", "--json"])
    assert {"K", "a", "error", "eigenvalues", "dps"} <= set(out)
    assert out["dps"] == 30 and out["eigenvalues"] == ["0.0", "1." + "0" * 29]
    assert out["a"][0].startswith("0.86602540378443864676372317075")


def test_moments_json_shape(capsys):
    out = _json(capsys, ["moments", "--K", "0.5", "--a", "1", "--json"])
    assert {"A", "m", "corr"} <= set(out) and len(out["m"]) == 1 and len(out["corr"]) == 4
    for s in [out["A"], *out["m"], *out["corr"]]:
        _decimal_string(s, 30)
    assert out["m"][0].startswith("0.57735026918962576450914878050")      # 1 / (2 rho) = 1 / sqrt(3)


def test_ising_json(capsys):
    out = _json(capsys, ["flow", "--K", "0.8", "--ising", "--steps", "2", "--json"])
    assert len(out["flow"]) == 3 and out["flow"][1]["a"] == []
    out = _json(capsys, ["moments", "--K", "0.8", "--ising", "--json"])
    assert out["m"] == [] and len(out["corr"]) == 4


def test_inadmissible_exits_2_with_one_line():
    proc = subprocess.run([sys.executable, "-m", "rgdnn", "flow", "--K", "1", "--a", "0.9", "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "a_1" in lines[0] and "a_1 > |K|" in lines[0] and "Traceback" not in proc.stderr

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


# -- honest digits: flow and moments print only what their error estimate supports (docs/json.md) -------

def _last_place(s):
    """The decimal exponent of the last digit a decimal string shows ('0.123457' -> -6, '1.00e-45' -> -47)."""
    return Decimal(s).as_tuple().exponent


def _fake_results(monkeypatch, error):
    """numerics.api.flow / moments replaced by fixed values 1/7, 2/3, ... with the absolute error ``error``."""
    import mpmath

    from numerics import api
    with mpmath.workdps(50):
        vals = [mpmath.mpf(1) / 7, mpmath.mpf(2) / 3, mpmath.mpf(-1) / 300, mpmath.mpf(1000) / 7]
        err = None if error is None else mpmath.mpf(error)
    monkeypatch.setattr(api, "flow", lambda chain, **kw: [api.Point(K=vals[0], a=tuple(vals[1:]), error=err)])
    monkeypatch.setattr(api, "moments", lambda chain, **kw: api.Moments(
        A=vals[0], m=tuple(vals[1:3]), corr=(vals[3],), error=err, dps=kw["dps"]))


EXACT = [Decimal(1) / 7, Decimal(2) / 3, Decimal(-1) / 300, Decimal(1000) / 7]   # 28 digits: plenty here


def _values(command, doc):
    if command == "flow":
        return [doc["flow"][0]["K"], *doc["flow"][0]["a"]], doc["flow"][0]["error"]
    return [doc["A"], *doc["m"], *doc["corr"]], doc["error"]


@pytest.mark.parametrize("command", ["flow", "moments"])
@pytest.mark.parametrize("error, place", [("3e-6", -6), ("0.04", -2), ("7.5e-9", -9)])
def test_only_the_digits_the_error_supports(command, error, place, capsys, monkeypatch):
    """Each value ends at the decimal place of its error's leading digit and is correctly rounded there;
    a value smaller than its error keeps one significant digit (-1/300 at error 0.04 is '-0.003')."""
    _fake_results(monkeypatch, error)
    argv = [command, "--K", "0.5", "--a", "1", "--dps", "20"]
    doc = _json(capsys, argv + ["--json"])
    shown, err = _values(command, doc)
    assert Decimal(err) == Decimal(error)
    for s, exact in zip(shown, EXACT):
        last = min(place, exact.adjusted())
        assert _last_place(s) == last, (s, error)
        assert abs(Decimal(s) - exact) <= Decimal(10) ** last / 2, (s, exact)
    assert main(argv) == 0                     # the text output prints the same strings
    text = capsys.readouterr().out
    assert all(s in text for s in shown) and "0.14285714285714" not in text


@pytest.mark.parametrize("command", ["flow", "moments"])
def test_an_error_below_the_working_precision_keeps_every_digit(command, capsys, monkeypatch):
    for error in ("1e-40", None):              # below 10^-dps, and no estimate at all: dps significant digits
        _fake_results(monkeypatch, error)
        shown, err = _values(command, _json(capsys, [command, "--K", "0.5", "--a", "1", "--dps", "20", "--json"]))
        assert err == (None if error is None else "1.00e-40")
        assert [len(Decimal(s).as_tuple().digits) for s in shown] == [20] * len(shown)


# -- flags: no abbreviations, so no flag is silently read as another ------------------------------------

def test_no_flag_is_read_as_a_longer_one(capsys):
    from rgdnn.cli import build_parser
    parser = build_parser()
    subs = next(a for a in parser._actions if a.dest == "command").choices
    assert parser.allow_abbrev is False and all(p.allow_abbrev is False for p in subs.values())
    args = parser.parse_args(["results", "--json"])
    assert args.json is True and args.json_out is None
    for argv, prefix in ((["results", "--json-o", "x.json"], "--json-o"), (["train", "--K", "0.5", "--a", "1",
                                                                             "--no-prog"], "--no-prog"),
                         (["flow", "--K", "0.5", "--a", "1", "--ste", "2"], "--ste")):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert f"unrecognized arguments: {prefix}" in err and len(err.strip().splitlines()) == 1

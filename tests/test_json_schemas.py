"""Every command's --json document validates against its schema in rgdnn/schemas (docs/json.md).

Each command runs in-process on inputs chosen to be cheap (dps 15, one fast claim, one derivation,
a tiny network, a stored results file, a prepared sweep store); the documents are validated with the
real ``jsonschema`` package. The schemas themselves are checked against the metaschema, against the
names the code uses (objectives, provenances, agreement kinds), and on planted bad documents, so
that a schema that accepts anything would fail here.
"""
import copy
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

jsonschema = pytest.importorskip("jsonschema")

from rgdnn import schemas  # noqa: E402
from rgdnn.cli import COMMANDS, main  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TINY_TRAIN = ["--N", "8", "--M", "4", "--layers", "1", "--steps", "10", "--batch", "64", "--eval-samples", "256",
              "--no-progress"]


def _strict_loads(text):
    """JSON with NaN / Infinity refused: the convention spells them null."""
    def refuse(name):
        raise AssertionError(f"{name} in JSON output")
    return json.loads(text, parse_constant=refuse)


def _document(capsys, argv, code=0):
    assert main(argv) == code, capsys.readouterr().err
    return _strict_loads(capsys.readouterr().out)


def _valid(command, doc):
    errors = sorted(schemas.validator(command).iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message[:200]}" for e in errors[:5])
    return doc


# -- the schemas -------------------------------------------------------------------------------------

def test_every_command_has_a_schema_and_every_schema_is_valid():
    assert schemas.names() == sorted(COMMANDS)
    for name in ["common", *schemas.names()]:
        s = schemas.load(name)
        jsonschema.Draft202012Validator.check_schema(s)
        assert s["$id"] == f"urn:rgdnn:schema:{name}"


def test_schema_enums_are_the_names_the_code_uses():
    from numerics.network.config import AGREEMENT, OBJECTIVES
    from paper_checks.registry import EXPECTED, PROVENANCES
    defs = schemas.load("common")["$defs"]
    assert defs["objective"]["enum"] == list(OBJECTIVES)
    assert set(defs["agreement"]["enum"]) == set(AGREEMENT.values())
    claim = schemas.load("check")["oneOf"][1]["properties"]["claims"]["items"]["properties"]
    assert claim["provenance"]["enum"] == list(PROVENANCES) and claim["expected"]["enum"] == list(EXPECTED)
    from paper_checks import engine
    for expected in EXPECTED:
        for err in ("", "ZeroDivisionError: division by zero"):
            for passed in (True, False):
                v = engine.verdict(SimpleNamespace(expected=expected), SimpleNamespace(passed=passed), err)
                assert v in defs["check_verdict"]["enum"]


@pytest.mark.parametrize("command, doc, path", [
    ("flow", {"dps": 15, "scheme": "decimation", "b": 2, "flow": [{"K": 0.5, "a": ["1.0"], "error": None}]},
     ["flow", 0, "K"]),                                                          # a float where a string is due
    ("flow", {"dps": 15, "scheme": "decimation", "b": 2, "flow": [{"K": "0x10", "a": [], "error": None}]},
     ["flow", 0, "K"]),
    ("moments", {"A": "1.0", "m": [], "corr": ["0.1"], "error": "NaN", "dps": 15}, ["error"]),
    ("moments", {"A": "1.0", "m": [], "corr": ["0.1"], "dps": 15}, []),            # error field left out
    ("check", {"dps": 30, "quick": True, "exit": 0, "counts": {"pass": 1}, "claims": []}, ["counts"]),
    ("train", None, ["verdict"]),
    ("train", None, ["equivalence", "upper"]),
])
def test_schemas_refuse_documents_that_break_the_convention(command, doc, path):
    if doc is None:                           # a valid train document with one field broken
        doc = copy.deepcopy(_TRAIN_EXAMPLE)
        if path == ["verdict"]:
            doc["verdict"] = "Agree"
        else:
            doc["equivalence"]["theta_star"] = {**doc["equivalence"]["theta_star"], "upper": "inf"}
    errors = list(schemas.validator(command).iter_errors(doc))
    assert errors


_TRAIN_EXAMPLE = {
    "chi": {"K": 0.01, "a": [0.87]}, "se": {"K": 0.003, "a": [0.002]}, "theta_star": {"K": 0.0, "a": [0.866]},
    "z": {"K": 3.3, "a": [1.2]}, "verdict": "inconclusive", "verdict_reason": "3.0 <= max|z| = 3.31 <= 5.0",
    "loss": 1e-14, "loss_gap": 1e-14, "agreement": "teacher", "diagnostics": {}, "objective": "decimate",
    "config": {"K": "1/2", "a": ["1"], "objective": "decimate", "N": 16, "M": 4, "layers": 2, "seed": 0,
               "margin": 0.001},
    "u": {"hat": 0.1, "se": 0.01, "theta_star": 0.0, "rg_L": 0.1, "what": "u"},
    "shape": {"hat": 3.0, "se": 0.0, "theta_star": 3.0, "rg_L": 3.0, "what": "kurtosis"},
    "kl_per_site": {"theta_star": 0.01, "rg_L": None},
    "equivalence": {"margin": 0.001, "confidence": 0.95, "reference": "theta_star", "verdict": "undetermined",
                    "reason": "r", "theta_star": {"d_hat": 0.01, "lower": 0.0, "upper": None,
                                                  "verdict": "undetermined", "reason": "r"}},
    "seconds": 1.0, "manifest": {},
}


def test_the_planted_train_example_itself_is_valid():
    _valid("train", _TRAIN_EXAMPLE)


# -- every command, run -------------------------------------------------------------------------------

def test_check_json(capsys):
    doc = _valid("check", _document(capsys, ["check", "--only", "foundation.u-power-b", "--dps", "15", "--json"]))
    assert doc["dps"] == 15 and doc["claims"][0]["failure"] is None and doc["counts"] == {"holds": 1}
    doc = _valid("check", _document(capsys, ["check", "--list", "--json"]))
    assert "foundation.u-power-b" in {c["id"] for c in doc["claims"]}


@pytest.mark.parametrize("argv", [
    ["depth", "--K", "0.5", "--a", "1", "--layers", "3", "--json"],
    ["depth", "--ising", "--K", "0.8", "--objective", "rsmi", "--layers", "3", "--json"],
    ["depth", "--K", "0.4", "--a", "0.5", "0.1", "--objective", "infomax", "--layers", "2", "--margin", "1e-3",
     "--json"],
])
def test_depth_json(argv, capsys):
    doc = _valid("depth", _document(capsys, argv))
    assert [r["L"] for r in doc["layers"]] == list(range(1, len(doc["layers"]) + 1))
    broken = copy.deepcopy(doc)
    broken["scheme"] = "block"                               # the verdict spelling is block-spin
    assert list(schemas.validator("depth").iter_errors(broken))
    broken = copy.deepcopy(doc)
    broken["layers"][0]["kl"]["block"]["verdict"] = "Equivalent"
    assert list(schemas.validator("depth").iter_errors(broken))


def test_derive_json(capsys, tmp_path):
    doc = _valid("derive", _document(capsys, ["derive", "--only", "ising", "--out", str(tmp_path), "--json"]))
    assert doc["files"] == ["ising.md"] and (tmp_path / "ising.md").read_text().startswith("#")
    assert doc["derivations"][0]["verified_steps"] >= 1
    _valid("derive", _document(capsys, ["derive", "--list", "--json"]))


@pytest.mark.parametrize("argv", [
    ["flow", "--K", "0.4", "--a", "0.5", "0.1", "--steps", "1", "--dps", "15", "--json"],
    ["flow", "--K", "0.8", "--ising", "--steps", "1", "--dps", "15", "--json"],
    ["fixed-point", "--K", "0.5", "--a", "1", "--dps", "15", "--certify", "--json"],
    ["fixed-point", "--K", "0.8", "--ising", "--dps", "15", "--json"],
    ["moments", "--K", "0.4", "--a", "0.5", "0.1", "--dps", "15", "--json"],
    ["moments", "--K", "0.8", "--ising", "--dps", "15", "--json"],
    ["moments", "--K", "0.4", "--a", "0.5", "0.1", "--dps", "15", "--certify", "--json"],
    ["moments", "--K", "0.8", "--ising", "--dps", "15", "--certify", "--json"],
    ["fixed-point", "--K", "0.4", "--a", "0.5", "0.1", "--dps", "15", "--certify", "--json"],
    ["fixed-point", "--K", "0.4", "--a", "0.5", "0.1", "--dps", "15", "--certify", "--scheme", "block", "--json"],
])
def test_precision_commands_json(argv, capsys):
    doc = _valid(argv[0], _document(capsys, argv))
    assert doc["dps"] == 15


@pytest.mark.parametrize("argv", [
    ["train", "--K", "0.5", "--a", "1", "--objective", "decimate", *TINY_TRAIN, "--json"],
    ["train", "--K", "0.8", "--ising", "--objective", "rbm", *TINY_TRAIN, "--json"],
])
def test_train_json(argv, capsys):
    doc = _valid("train", _document(capsys, argv))
    assert isinstance(doc["chi"]["K"], float) and doc["config"]["N"] == 8


def test_results_json_from_the_stored_rows(capsys, tmp_path):
    """Every objective on every example (docs/results.json), rendered without training; --json-out read back."""
    out, js = tmp_path / "r.md", tmp_path / "r.json"
    doc = _valid("results", _document(capsys, ["results", "--from-json", str(ROOT / "docs" / "results.json"),
                                               "--out", str(out), "--json-out", str(js), "--json"]))
    assert doc["runs"] == len(doc["rows"]) == sum(doc["verdicts"].values())
    written = _strict_loads(js.read_text())
    assert set(written) == {"rows", "demonstrations", "command", "notes"}
    _valid("results", {**written, "out": str(out), "runs": doc["runs"], "verdicts": doc["verdicts"],
                       "equivalence_by_margin": doc["equivalence_by_margin"]})
    # the stored runs were judged at 1e-3; the relative margins are those of docs/theory.md 4.4
    by = doc["equivalence_by_margin"]
    assert by["absolute"] == 1e-3 and by["compared"] == len(doc["rows"]) + 12        # + decimate vs R^L
    assert by["margins"]["Gaussian (a, K) = (1, 0.5)"]["relative"] == pytest.approx(3.725e-4, rel=1e-3)
    assert by["margins"]["Ising K = 0.8"]["relative"] == pytest.approx(2.405e-3, rel=1e-3)
    # the stored file's unbounded upper bounds are null now, and the table renders the same from either file
    again = tmp_path / "again.md"
    assert main(["results", "--from-json", str(js), "--out", str(again)]) == 0
    assert again.read_text().split("\n", 3)[3] == out.read_text().split("\n", 3)[3]
    assert "[0e+00, inf]" in again.read_text()


def test_protocol_json(capsys, tmp_path):
    js = tmp_path / "p.json"
    doc = _valid("protocol", _document(capsys, [
        "protocol", "--examples", "gaussian", "--objectives", "decimate", "--inits", "random", "--seeds", "0",
        "--steps", "10", "--eval-samples", "256", "--N", "8", "--M", "4", "--layers", "1", "--no-progress",
        "--out", str(tmp_path / "p.md"), "--json-out", str(js), "--json"]))
    assert doc["runs"] == 1 and sum(doc["answers"].values()) == 1
    written = _strict_loads(js.read_text())
    assert set(written) == {"rows", "margin", "command"} and written["rows"] == doc["rows"]


def test_sweep_json(capsys, tmp_path):
    from paper_checks.sweep.store import ResultStore
    store = ResultStore(tmp_path).prepare()
    for i, dK in enumerate((0.1, 0.2)):
        store.write({"key": f"k{i}", "status": "ok", "index": i,
                     "cell": {"K": "0.5", "a": ["1"], "objective": "decimate", "L": 1, "seed": i},
                     "result": {"chi": {"K": str(dK), "a": ["0.866"]}, "theta_star": {"K": "0", "a": ["0.866"]},
                                "rg_L": {"K": str(dK), "a": ["0.866"]}, "verdict": "agree"}})
    doc = _valid("sweep", _document(capsys, ["sweep", "--summary", "--out", str(tmp_path), "--json"]))
    assert doc["cells"] == 2 and doc["objectives"]["decimate"]["agree"] == 2
    assert _strict_loads((tmp_path / "summary.json").read_text())["cells"] == 2

"""rgdnn check and the engine, against a private registry (the real claims have their own tests)."""
import json

import pytest

from paper_checks import engine
from paper_checks.compare import compare, compare_one, zscore
from paper_checks.registry import Evidence, claim
from rgdnn.cli import main


@pytest.fixture
def reg(monkeypatch):
    """A registry with one claim of each kind, installed in place of the real one."""
    r = {}

    @claim("x.holds", "1 + 1 = 2", provenance="standard", hypotheses="-", registry=r)
    def _a(ctx):
        return Evidence(1 + 1 == 2, "exact integer arithmetic")

    @claim("x.open", "an open question", provenance="paper", hypotheses="-", expected="open", registry=r)
    def _b(ctx):
        return Evidence(False, "not observed")

    @claim("x.slow", "needs training", provenance="formalization", hypotheses="-", slow=True, registry=r)
    def _c(ctx):
        ctx.artifacts.setdefault("training", {})["run"] = {"step": [0, 1, 2], "loss": [3.0, 2.0, 1.0]}
        return Evidence(True, "trained")

    monkeypatch.setattr(engine, "load_registry", lambda reg=None: r if reg is None else reg)
    return r


def add_failing(r):
    @claim("x.fails", "2 + 2 = 5", provenance="paper", hypotheses="-", registry=r)
    def _d(ctx):
        return Evidence(2 + 2 == 5, "2 + 2 = 4")

    @claim("x.crashes", "a check that raises", provenance="paper", hypotheses="-", registry=r)
    def _e(ctx):
        raise ZeroDivisionError("division by zero in the check")


def test_all_hold_exit_0_and_table(reg, capsys):
    assert main(["check", "--no-progress"]) == 0
    out = capsys.readouterr().out
    for cid, verdict in [("x.holds", "holds"), ("x.open", "open: fails"), ("x.slow", "holds")]:
        line = next(l for l in out.splitlines() if l.startswith(cid))
        assert verdict in line
    assert "exit 0" in out


def test_quick_skips_slow_unless_named(reg, capsys):
    assert main(["check", "--quick", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {c["id"]: c["verdict"] for c in data["claims"]}["x.slow"] == "skipped"
    assert main(["check", "--quick", "--only", "x.slow", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["verdict"] for c in data["claims"]] == ["holds"]


def test_failure_and_error_give_exit_1_with_evidence(reg, capsys):
    add_failing(reg)
    assert main(["check", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    v = {c["id"]: c for c in data["claims"]}
    assert v["x.fails"]["verdict"] == "FAILS" and v["x.fails"]["evidence"] == "2 + 2 = 4"
    assert v["x.crashes"]["verdict"] == "ERROR"
    assert "ZeroDivisionError: division by zero" in v["x.crashes"]["failure"] and v["x.fails"]["failure"] is None
    assert data["exit"] == 1
    # one failing claim alone also fails; the passing one alone does not
    assert main(["check", "--only", "x.fails", "--no-progress"]) == 1
    assert main(["check", "--only", "x.holds", "--no-progress"]) == 0


def test_open_claims_never_fail_the_run(reg):
    results = engine.run(only=["x.open"], progress=False)
    assert results[0].verdict == "open: fails" and engine.exit_code(results) == 0


def test_a_crashing_open_claim_fails_the_run(reg):
    @claim("x.open-crash", "an open question whose check crashes", provenance="paper", hypotheses="-",
           expected="open", registry=reg)
    def _crash(ctx):
        raise RuntimeError("broken check")
    results = engine.run(only=["x.open-crash"], progress=False)
    assert results[0].verdict == "open: error" and engine.exit_code(results) == 1


def test_unknown_id_is_a_usage_error(reg, capsys):
    assert main(["check", "--only", "x.hold"]) == 2
    err = capsys.readouterr().err
    assert "x.hold" in err and "did you mean x.holds" in err and "Traceback" not in err


def test_empty_run_is_not_a_pass(monkeypatch):
    monkeypatch.setattr(engine, "load_registry", lambda reg=None: {})
    assert engine.exit_code(engine.run(progress=False)) == 1


def test_report_lists_claims_and_training_figure(reg, tmp_path, monkeypatch):
    from paper_checks import report
    monkeypatch.setattr(report, "random_chi_rows", lambda **kw: [])   # no network side here
    assert main(["check", "--quick", "--only", "x.slow", "--report", str(tmp_path), "--no-progress"]) == 0
    text = (tmp_path / "report.md").read_text()
    assert "`x.slow`" in text and "| **holds** |" in text
    assert (tmp_path / "figures" / "training_curves.png").stat().st_size > 1000


def test_compare_reports_point_exact_and_numeric(capsys):
    import sympy as sp
    ev = compare([("theta=(1, 1/2)", sp.sqrt(3) / 2, "0.866025403784438646763723170752936"),
                  ("lag 2", sp.Rational(1, 7), "0.1428571428571428571")], dps=30)
    assert not ev.passed
    bad = ev.details["disagreements"]
    assert [b["point"] for b in bad] == ["lag 2"]
    assert bad[0]["exact"].startswith("0.142857142857142857142857142857") and "lag 2" in capsys.readouterr().err
    assert compare_one(sp.sqrt(3) / 2, "0.866025403784438646763723170752936", dps=30).passed


def test_compare_refuses_wide_error_bars_and_floats():
    import mpmath

    from numerics.precision import Estimate
    with mpmath.workdps(40):
        wide = Estimate(mpmath.mpf(1) / 3, mpmath.mpf("1e-10"), 30)
    import sympy as sp
    assert not compare_one(sp.Rational(1, 3), wide, dps=30, quiet=True).passed
    with pytest.raises(TypeError):
        compare_one(sp.Rational(1, 3), 0.3333333333333333, dps=30)


def test_zscore_needs_a_standard_error():
    assert not zscore("1", "0", "1").passed
    assert zscore("1.02", "0.01", "1").passed and not zscore("1.05", "0.01", "1").passed


def test_claims_that_train_the_same_network_share_it(monkeypatch, tmp_path):
    """One training per configuration and run: in a process, and across worker processes through the run's
    directory (the second worker reads the first one's result); each caller gets its own copy."""
    from paper_checks import trained
    calls = []
    monkeypatch.setattr(trained, "_train", lambda cfg: calls.append(cfg) or {"chi": {"K": 0.1}, "history": []})
    cfg = {"K": "0.5", "a": ["1"], "objective": "decimate"}
    trained.clear()
    monkeypatch.delenv(trained.RUN_DIR_ENV, raising=False)
    a = trained.train(cfg)
    a["chi"]["K"] = 99                                        # a caller's copy is its own
    assert trained.train({**cfg, "K": "1/2", "N": 64})["chi"]["K"] == 0.1 and len(calls) == 1
    monkeypatch.setenv(trained.RUN_DIR_ENV, str(tmp_path))    # as in a worker of a parallel run
    trained.clear()
    trained.train(cfg)
    trained.clear()                                           # another worker: nothing in its memory
    assert trained.train(cfg)["chi"]["K"] == 0.1 and len(calls) == 2
    assert not list(tmp_path.glob("*.lock"))
    trained.train({**cfg, "seed": 1})
    assert len(calls) == 3
    trained.clear()

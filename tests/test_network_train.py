"""Training runs: config validation, determinism, resume, short runs with statistical bounds."""
import json

import pytest

from numerics.network.config import TrainConfig
from numerics.network.train import _run, train_and_compare
from proofs import examples as EX
from proofs.errors import InadmissibleParameter, MalformedInput

G = EX.GAUSSIAN.fields


@pytest.mark.parametrize("field,value", [("N", 60), ("steps", 0), ("activation", "relu"), ("objective", "x"),
                                         ("batch", 2.5), ("dtype", "float16"), ("scale2", "-1"), ("hidden", (4,)),
                                         ("margin", -1e-3)])
def test_config_rejects_bad_fields_by_name(field, value):
    with pytest.raises(MalformedInput) as exc:
        TrainConfig(**{**G, "objective": "infomax", field: value})
    assert field in str(exc.value)


@pytest.mark.parametrize("margin", ["relative", 1e-3, "1e-3", 10])
def test_config_reads_the_margin_rule_or_a_number(margin):
    c = TrainConfig(**{**G, "objective": "infomax", "margin": margin})
    assert c.margin == ("relative" if margin == "relative" else float(margin))
    assert TrainConfig.from_dict(c.to_dict()) == c


@pytest.mark.parametrize("margin", ["absolute", "", "nan", "inf", 0, 10.5, True, "0x1", -1e-3])
def test_config_refuses_other_margins(margin):
    with pytest.raises(MalformedInput, match="margin"):
        TrainConfig(**{**G, "objective": "infomax", "margin": margin})


def test_relative_margin_needs_a_chain_that_moves():
    """K = 0: the chain is its own fixed point, d(theta || theta*) = 0, so no relative margin exists."""
    with pytest.raises(MalformedInput, match="own fixed point"):
        TrainConfig(K="0", a=("1",), objective="infomax")
    assert TrainConfig(K="0", a=("1",), objective="infomax", margin=1e-3).margin == 1e-3


def test_config_rejects_inadmissible_chain_and_unknown_field():
    with pytest.raises(InadmissibleParameter):
        TrainConfig(K="1", a=("0.5",), objective="decimate")
    with pytest.raises(MalformedInput, match="unknown"):
        TrainConfig.from_dict({**G, "objective": "decimate", "colour": 1})


def test_decimate_short_run_reaches_the_teacher_and_R_L():
    # 300 steps of a linear net: W -> D (loss ~1e-12); chi-hat vs R^L(theta) at |z| < 4.5
    r = train_and_compare({**G, "objective": "decimate", "steps": 300, "eval_samples": 4096}, progress=False)
    assert r["loss_gap"] < 1e-6
    assert max(abs(r["z_rg"]["K"]), abs(r["z_rg"]["a"][0])) < 4.5
    assert set(r) >= {"chi", "se", "theta_star", "z", "verdict", "loss_gap", "seconds", "imposed", "emergent",
                      "history", "rg_L", "rg_L_flow", "rg_L_decimated", "agreement", "agreement_note", "u", "shape",
                      "kl_per_site", "equivalence"}
    assert r["agreement"] == "teacher" and r["emergent"] == [] and len(r["imposed"]) == 2
    eq = r["equivalence"]
    # the default margin is relative: 0.01 d(theta || theta*), d by the Gaussian closed form (numerics.klrate)
    from numerics.klrate import kl_rate
    d = kl_rate((0.5, 1.0), (0.0, 0.75 ** 0.5), route="closed")
    assert eq["margin_rule"] == {"rule": "relative", "fraction": 0.01, "d_theta_star": pytest.approx(d, rel=1e-9)}
    assert eq["margin"] == pytest.approx(0.01 * d, rel=1e-9) and eq["rg_L"]["margin"] == eq["margin"]
    assert eq["reference"] == "rg_L" and eq["verdict"] == eq["rg_L"]["verdict"]
    assert eq["rg_L"]["lower"] <= r["kl_per_site"]["rg_L"] <= eq["rg_L"]["upper"]
    assert set(r["u"]) == {"hat", "se", "theta_star", "rg_L", "what"} and r["u"]["theta_star"] == 0.0
    json.dumps(r)


def test_same_seed_same_result_and_resume_is_exact(tmp_path):
    cfg = {**G, "objective": "infomax", "steps": 40, "eval_samples": 512, "checkpoint_every": 20}
    a = train_and_compare(cfg, progress=False)
    b = train_and_compare(cfg, progress=False)
    assert a["chi"] == b["chi"] and a["history"] == b["history"]
    c = train_and_compare({**cfg, "seed": 1}, progress=False)
    assert c["chi"] != a["chi"]
    # interrupted after 20 steps, then resumed from the checkpoint: identical to the straight run
    with pytest.raises(KeyboardInterrupt):
        _run(TrainConfig.from_dict(cfg), False, tmp_path, stop_at=25)
    d = train_and_compare(cfg, progress=False, checkpoint_dir=tmp_path)
    assert d["chi"] == a["chi"] and d["history"] == a["history"]
    assert (tmp_path / "manifest.json").exists()
    assert json.loads((tmp_path / "manifest.json").read_text())["manifest"]["seed"] == 0


def test_cli_train_json_and_errors(capsys):
    from rgdnn.cli import main
    rc = main(["train", "--K", "0.5", "--a", "1", "--objective", "decimate", "--steps", "50", "--eval-samples",
               "512", "--seed", "0", "--json", "--no-progress", "--margin", "0.01"])
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    assert {"chi", "se", "theta_star", "z", "verdict", "loss_gap", "seconds", "imposed", "emergent", "rg_L",
            "agreement", "agreement_note", "u", "shape", "kl_per_site", "equivalence"} <= set(d)
    assert d["equivalence"]["margin"] == 0.01 and d["config"]["margin"] == 0.01
    assert main(["train", "--K", "0.5", "--a", "1", "--objective", "infomax", "--steps", "20", "--eval-samples",
                 "512", "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert text.index("EQUIVALENCE vs theta_star") < text.index("secondary evidence (z-scores)")
    assert "agreement   definitional" in text
    assert main(["train", "--K", "0.5", "--a", "1", "--N", "60"]) == 2
    err = capsys.readouterr().err
    assert "malformed N" in err and "Traceback" not in err
    assert main(["train", "--K", "0.5", "--a", "1", "--margin", "0"]) == 2
    assert "malformed margin" in capsys.readouterr().err


def test_cli_results_writes_the_table(tmp_path, capsys):
    from rgdnn.cli import main
    out = tmp_path / "results.md"
    js = tmp_path / "results.json"
    rc = main(["results", "--examples", "gaussian", "--objectives", "decimate", "infomax", "--seeds", "0",
               "--steps", "30", "--eval-samples", "1024", "--no-demos", "--no-progress", "--out", str(out),
               "--json-out", str(js)])
    assert rc == 0
    text = out.read_text()
    assert "2 cells: 0 already finished, 2 run in this process" in capsys.readouterr().err
    assert main(["results", "--examples", "gaussian", "--objectives", "decimate", "infomax", "--seeds", "0",
                 "--steps", "30", "--eval-samples", "1024", "--no-demos", "--no-progress", "--out", str(out)]) == 0
    assert "2 cells: 2 already finished, 0 run" in capsys.readouterr().err      # resumed from results.store/
    assert out.read_text().splitlines()[3:] == text.splitlines()[3:]           # all but the command line
    again = tmp_path / "again.md"
    assert main(["results", "--from-json", str(js), "--out", str(again), "--figure", str(tmp_path / "f.png")]) == 0
    rows_of = lambda t: [line for line in t.splitlines() if line.startswith("| ")]  # noqa: E731
    assert rows_of(again.read_text()) == rows_of(text) and "](f.png)" in again.read_text()
    assert (tmp_path / "f.png").stat().st_size > 1000
    assert main(["results", "--from-json", str(tmp_path / "missing.json"), "--out", str(again)]) == 2
    assert "| decimate | teacher | 0 |" in text and "| infomax | definitional | 0 |" in text
    assert "agree: max|z| < 3.0" in text
    assert "2 runs" in capsys.readouterr().out
    assert main(["results", "--workers", "0", "--out", str(out)]) == 2


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gaussian_infomax_default_run_agrees_with_theta_star(seed):
    # max|z| < 3 per run (two components: false-alarm probability ~0.5% per seed at the optimum)
    r = train_and_compare({**G, "objective": "infomax", "seed": seed}, progress=False)
    assert r["verdict"] == "agree", r["verdict_reason"]


@pytest.mark.slow
def test_quartic_decimate_default_run_agrees_with_the_rg_value():
    r = train_and_compare({**EX.SINGLE_WELL.fields, "objective": "decimate"}, progress=False)
    assert r["verdict_rg"] == "agree" and r["loss_gap"] < 1e-8

"""Training on the Ising chain: configuration, CLI, every objective, the rbm objective, sweeps (docs/network.md).

Short runs only (a few steps, small estimation sets); full-length runs are marked slow.
"""
import json
import math

import pytest

from numerics.network.config import TrainConfig
from numerics.network.train import _run, train_and_compare
from proofs.errors import MalformedInput, NotSupported

ISING = {"K": "0.8", "ising": True, "N": 32, "M": 16, "layers": 1}


def test_config_ising_fields_and_errors():
    c = TrainConfig.from_dict({**ISING, "objective": "decimate"})
    assert c.a == () and c.n == 0 and repr(c.chain) == "Chain.ising(K=4/5)"
    assert TrainConfig.from_dict(c.to_dict()) == c
    with pytest.raises(MalformedInput, match="malformed a"):
        TrainConfig.from_dict({**ISING, "a": ["1"], "objective": "decimate"})
    with pytest.raises(NotSupported, match="K = 20"):
        TrainConfig.from_dict({**ISING, "K": "20", "objective": "decimate"})
    with pytest.raises(MalformedInput, match="malformed ising"):
        TrainConfig.from_dict({**ISING, "ising": "yes", "objective": "decimate"})
    with pytest.raises(MalformedInput, match="config field"):
        TrainConfig.from_dict({"K": "0.5", "objective": "decimate"})            # continuous chains need a


def test_config_rbm_gradient_choice():
    big = {**ISING, "N": 48, "M": 24, "objective": "rbm"}
    assert TrainConfig.from_dict({**ISING, "objective": "rbm"}).rbm_method == "exact"
    assert TrainConfig.from_dict(big).rbm_method == "pcd"                     # auto falls back, stated in results
    with pytest.raises(MalformedInput, match="malformed M.*2\\^24"):
        TrainConfig.from_dict({**big, "rbm_gradient": "exact"})
    with pytest.raises(MalformedInput, match="rbm_gradient"):
        TrainConfig.from_dict({**ISING, "objective": "rbm", "rbm_gradient": "gibbs"})
    assert TrainConfig.from_dict({**ISING, "objective": "rbm"}).lr == 3e-2
    assert TrainConfig.from_dict({**ISING, "objective": "decimate"}).lr == 1e-2


def test_cli_ising_decimate_smoke_and_errors(capsys):
    """The one short training run through the CLI: decimate nears W = D and chi-hat = K_1 (|z| < 4.5)."""
    from rgdnn.cli import main
    rc = main(["train", "--ising", "--K", "0.8", "--objective", "decimate", "--N", "32", "--M", "16", "--layers",
               "1", "--steps", "300", "--eval-samples", "4096", "--json", "--no-progress"])
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    assert d["chi"]["a"] == [] and d["theta_star"] == {"K": 0.0, "a": []}
    assert d["loss_gap"] < 1e-3 and abs(d["z_rg"]["K"]) < 4.5        # sign(y) = D s once |y - D s| < 1
    assert abs(d["rg_L"]["K"] - math.atanh(math.tanh(0.8) ** 2)) < 1e-15
    assert {"verdict", "verdict_rg", "z", "se", "diagnostics", "imposed", "emergent", "seconds"} <= set(d)
    assert d["config"]["ising"] is True and d["thresholds"]["resolution_scale"] == 0.8
    # bad input: one line, exit 2
    assert main(["train", "--ising", "--K", "0.8", "--objective", "rbm", "--N", "48", "--M", "24", "--layers", "1",
                 "--rbm-gradient", "exact"]) == 2
    err = capsys.readouterr().err
    assert "malformed M" in err and "2^24" in err and "Traceback" not in err
    assert main(["train", "--ising", "--K", "20", "--objective", "decimate"]) == 2
    assert "|K| > 14" in capsys.readouterr().err


def test_cli_refuses_ising_with_a(capsys):
    from rgdnn.cli import main
    assert main(["train", "--ising", "--K", "0.8", "--a", "1"]) == 2     # a usage error: main returns its status
    err = capsys.readouterr().err
    assert "not allowed with argument" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("objective", ["infomax", "autoencoder", "regress-theta", "rbm"])
def test_every_objective_runs_on_ising_data(objective):
    r = train_and_compare({**ISING, "objective": objective, "steps": 4, "eval_samples": 512}, progress=False)
    json.dumps(r)
    assert r["theta_star"] == {"K": 0.0, "a": []}
    assert r["chi"] is None or r["chi"]["a"] == []
    if objective == "rbm":
        rb = r["rbm"]
        assert rb["gradient"].startswith("exact") and rb["visible"] == "spin"
        assert r["loss"] == pytest.approx(rb["entropy_per_site"] + rb["kl_per_site"]) and "rg_L" in r
        assert abs(r["loss"] - rb["nll_per_site"]) < 5 * rb["nll_per_site_se"]        # two estimates of E[NLL]
        assert abs(rb["entropy_per_site"] - (math.log(2 * math.cosh(0.8)) - 0.8 * math.tanh(0.8))) < 1e-3
        assert r["diagnostics"]["readout"]["already_spins"] is True


def test_rbm_pcd_fallback_runs_and_says_so():
    r = train_and_compare({**ISING, "N": 48, "M": 24, "objective": "rbm", "steps": 3, "eval_samples": 256},
                          progress=False)
    assert r["rbm"]["gradient"] == "PCD-1 (256 persistent chains)"
    assert math.isnan(r["loss"]) and r["loss_gap"] is None and "not computable" in r["loss_optimum_note"]


@pytest.mark.parametrize("gradient", ["exact", "pcd"])
def test_rbm_resume_is_exact(tmp_path, gradient):
    cfg = {**ISING, "objective": "rbm", "steps": 6, "eval_samples": 256, "checkpoint_every": 3,
           "rbm_gradient": gradient}
    a = train_and_compare(cfg, progress=False)
    with pytest.raises(KeyboardInterrupt):
        _run(TrainConfig.from_dict(cfg), False, tmp_path, stop_at=4)
    b = train_and_compare(cfg, progress=False, checkpoint_dir=tmp_path)
    assert a["history"] == b["history"] and a["chi"] == b["chi"]


def test_sweep_spec_ising_thetas_and_stable_keys():
    from paper_checks.sweep.cell import rg_L_of, train_config
    from paper_checks.sweep.spec import SweepSpec
    base = {"objectives": ["decimate"], "L": [1], "seeds": [0]}
    # a continuous cell keeps the key it had before Ising cells existed
    old = SweepSpec.from_dict({**base, "theta": {"K": ["0.5"], "a": ["1"]}, "train": {"M": 4, "steps": 300}})
    assert old.cells()[0].key == "1cc548beae621c9d"
    grid = SweepSpec.from_dict({**base, "theta": {"ising": True, "K": ["0.8", "0.4"]}})
    lst = SweepSpec.from_dict({**base, "theta": {"list": [{"K": "0.8", "ising": True}, {"K": "0.4", "ising": True}]}})
    assert [c.key for c in grid.cells()] == [c.key for c in lst.cells()]
    assert SweepSpec.from_dict(grid.to_dict()).cells() == grid.cells()
    mixed = SweepSpec.from_dict({**base, "theta": {"list": [{"K": "0.5", "a": ["1"]}, {"K": "0.5", "ising": True}]}})
    c_cont, c_ising = mixed.cells()
    assert c_cont.key != c_ising.key and c_ising.ising and not c_cont.ising
    cfg = train_config(c_ising.to_dict())
    assert cfg.ising and cfg.N == 32 and cfg.M == 16
    assert float(rg_L_of(c_ising.to_dict())["K"]) == pytest.approx(math.atanh(math.tanh(0.5) ** 2), abs=1e-15)
    rnd = SweepSpec.from_dict({**base, "theta": {"ising": True, "random": {"count": 3, "seed": 0, "K": ["0.1", "1"]}}})
    assert all(c.ising and c.a == () for c in rnd.cells())
    with pytest.raises(MalformedInput, match="Ising theta has no a"):
        SweepSpec.from_dict({**base, "theta": {"ising": True, "K": ["0.8"], "a": ["1"]}})


@pytest.mark.slow
def test_ising_decimate_default_run_is_R_L():
    r = train_and_compare({**ISING, "objective": "decimate"}, progress=False)
    assert r["loss_gap"] < 1e-6 and r["verdict_rg"] == "agree"
    assert not any(d.get("flag") for d in r["diagnostics"].values() if isinstance(d, dict))


@pytest.mark.slow
def test_ising_rbm_default_run_reports_the_likelihood_gap():
    r = train_and_compare({**ISING, "objective": "rbm"}, progress=False)
    rb = r["rbm"]
    assert rb["kl_per_site"] > -3 * rb["kl_per_site_se"]             # KL >= 0 up to noise
    assert rb["kl_per_site"] < 0.01                                   # trained near the ML bound
    assert r["verdict"] in ("agree", "disagree", "inconclusive") and "translation" in r["diagnostics"]

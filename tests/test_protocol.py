"""Optimum vs optimizer: RG-map initializations, the answer rule, and `rgdnn protocol` end to end."""
from __future__ import annotations

import json

import pytest
import torch

from numerics.network.config import TrainConfig
from numerics.network.train import build
from paper_checks import protocol
from proofs.errors import MalformedInput


def _pt(init, gap, d, verdict, obj="o"):
    return {"example": "e", "objective": obj, "agreement": "emergent", "init": init, "seed": 0, "gap": gap,
            "gap_kind": "optimum", "d": d, "lower": 0.0, "upper": 2 * d, "verdict": verdict}


def test_decimation_init_without_noise_is_the_decimation_map():
    cfg = TrainConfig(K="0.5", a=("1",), objective="decimate", N=32, M=8, layers=2, init="decimation", init_noise=0)
    obj, _, _ = build(cfg)
    W, c = obj.net.effective_linear_map()
    D = torch.zeros(8, 32)
    D[torch.arange(8), 4 * torch.arange(8)] = 1
    assert torch.equal(W, D) and torch.equal(c, torch.zeros(8))


def test_block_init_sums_blocks_and_autoencoder_decoder_is_its_transpose():
    cfg = TrainConfig(K="0.5", a=("1",), objective="autoencoder", N=16, M=4, layers=2, init="block", init_noise=0)
    obj, _, _ = build(cfg)
    W, _ = obj.net.effective_linear_map()
    expected = torch.kron(torch.eye(4), torch.full((1, 4), 0.5))      # (1/sqrt 2)^2 over blocks of 4
    assert torch.allclose(W, expected)
    Wd, _ = obj.decoder.effective_linear_map()
    assert torch.allclose(Wd, expected.T)


def test_rg_init_needs_the_pyramid_widths():
    with pytest.raises(MalformedInput, match="init"):
        TrainConfig(K="0.5", a=("1",), objective="infomax", N=32, M=8, layers=2, hidden=(20, 8), init="block")
    with pytest.raises(MalformedInput, match="init"):
        TrainConfig(K="0.5", a=("1",), objective="infomax", init="nearby")


@pytest.mark.parametrize("verdicts, answer", [
    (("equivalent",) * 3, "reaches theta*"),
    (("different",) * 3, "misses theta*"),
    (("equivalent", "different", "equivalent"), "undetermined"),
])
def test_the_answer_reads_the_runs_closest_to_the_optimum(verdicts, answer):
    # the three smallest gaps decide; a far-from-optimal run of the other kind must not
    pts = [_pt("random", 1e-4 * (k + 1), 1e-5, v) for k, v in enumerate(verdicts)]
    far = {"reaches theta*": "different", "misses theta*": "equivalent", "undetermined": "equivalent"}[answer]
    pts.append(_pt("block", 0.5, 0.02, far))
    s = protocol.summarize(pts)[0]
    assert s["answer"] == answer and s["best_verdicts"] == list(verdicts) and s["runs"] == 4


def test_unknown_optimum_uses_the_gap_to_the_best_run():
    rows = [{"example": "e", "objective": "rsmi", "loss": loss, "loss_gap": None, "config": {"seed": 0, "init": i},
             "kl_per_site": {"theta_star": 1e-5}, "equivalence": {"theta_star": {"verdict": "equivalent",
                                                                               "lower": 0, "upper": 2e-5}}}
            for i, loss in (("random", -1.0), ("block", -1.25))]
    pts = protocol.points(rows)
    assert [p["gap"] for p in pts] == [0.25, 0.0] and {p["gap_kind"] for p in pts} == {"best run"}


def test_cli_protocol_end_to_end(tmp_path, capsys):
    from rgdnn.cli import main
    out, js, fig = tmp_path / "p.md", tmp_path / "p.json", tmp_path / "p.png"
    rc = main(["protocol", "--examples", "gaussian", "--objectives", "decimate", "--inits", "random", "decimation",
               "--seeds", "0", "--steps", "40", "--eval-samples", "1024", "--N", "16", "--M", "4",
               "--no-progress", "--out", str(out), "--json-out", str(js), "--figure", str(fig)])
    assert rc == 0 and "2 runs" in capsys.readouterr().out
    rows = json.loads(js.read_text())["rows"]
    assert {r["config"]["init"] for r in rows} == {"random", "decimation"}
    assert all(r["kl_per_site"]["theta_star"] is not None for r in rows)
    assert "| decimate | teacher | 2 |" in out.read_text() and fig.stat().st_size > 1000
    again = tmp_path / "again.md"
    assert main(["protocol", "--from-json", str(js), "--out", str(again)]) == 0
    rows_of = lambda t: [line for line in t.splitlines() if line.startswith("| ")]  # noqa: E731
    assert rows_of(again.read_text()) == rows_of(out.read_text())
    assert main(["protocol", "--from-json", str(js), "--beside", str(js), "--out", str(again)]) == 0
    assert "## Beside the run at N = 16, M = 4, L = 2" in again.read_text()
    assert main(["protocol", "--from-json", str(js), "--beside", str(tmp_path / "none.json")]) == 2


def test_cli_protocol_refuses_bad_input_before_training(capsys):
    from rgdnn.cli import main
    assert main(["protocol", "--margin", "-1"]) == 2
    assert main(["protocol", "--N", "30", "--M", "8"]) == 2
    err = capsys.readouterr().err
    assert "malformed margin" in err and "malformed N" in err and "Traceback" not in err


@pytest.mark.parametrize("hidden", [8, 0])
def test_rsmi_block_networks_start_near_the_rg_maps(hidden):
    x = torch.arange(16.0)[None]
    outs = {}
    for kind in ("decimation", "block"):
        cfg = TrainConfig(K="0.5", a=("1",), objective="rsmi", N=16, M=4, layers=2, init=kind, init_noise=0,
                          rsmi_hidden=hidden)
        obj, _, _ = build(cfg)
        outs[kind] = obj.net(x)[0].tolist()
    assert outs["decimation"] == [0.0, 4.0, 8.0, 12.0]                       # x_(4j)
    assert outs["block"] == pytest.approx([3.0, 11.0, 19.0, 27.0])          # (sum of 4 sites) / 2


def test_rbm_starts_near_the_rg_maps():
    cfg = TrainConfig(K="0.8", a=(), ising=True, objective="rbm", N=16, M=4, layers=1, init="decimation",
                      init_noise=0)
    obj, _, _ = build(cfg)
    W = obj.rbm.W.detach()
    assert torch.equal(W, torch.zeros(16, 4).index_put_((4 * torch.arange(4), torch.arange(4)), torch.ones(4)))
    cfg = cfg.replace(init="block")
    obj, _, _ = build(cfg)
    assert torch.allclose(obj.rbm.W.detach().sum(0), torch.full((4,), 2.0))      # 4 sites x 1/2


def _row(init, seed, lower, upper, gap=1e-4, example="Gaussian", K="0.5"):
    return {"example": example, "objective": "infomax", "agreement": "definitional", "loss": gap, "loss_gap": gap,
            "config": {"K": K, "a": ["1"], "seed": seed, "init": init}, "theta_star": {"K": 0.0, "a": [0.75 ** 0.5]},
            "kl_per_site": {"theta_star": (lower + upper) / 2},
            "equivalence": {"margin": 1e-3, "theta_star": {"lower": lower, "upper": upper, "verdict": "stored"}}}


def test_answers_at_both_margins_are_rejudged_from_the_stored_bounds():
    """The relative margin of the Gaussian example is 3.7e-4: bounds [0, 5e-4] are `equivalent` at 1e-3 and
    `undetermined` at 3.7e-4; bounds [4e-4, 8e-4] `equivalent` at 1e-3 and `different` at 3.7e-4."""
    rows = [_row("random", s, 0.0, 5e-4) for s in range(3)]
    rows += [dict(_row("block", s, 4e-4, 8e-4), example="other") for s in range(3)]
    both = protocol.summarize_both(rows, 1e-3)
    assert both["margins"]["Gaussian"]["relative"] == pytest.approx(3.7252e-4, rel=1e-4)
    by = {s["example"]: s for s in both["summary"]}
    assert by["Gaussian"]["answer"] == "undetermined" and by["Gaussian"]["answer_absolute"] == "reaches theta*"
    assert by["other"]["answer"] == "misses theta*" and by["other"]["answer_absolute"] == "reaches theta*"
    assert {s["example"] for s in both["changed"]} == {"Gaussian", "other"}
    text = protocol.markdown(both, command="x")
    assert "Answers that differ between the two margins (2 of 2)" in text and "answer at 0.001" in text
    # a study run at another absolute margin is shown beside the relative rule at that margin
    assert protocol.summarize_both(rows, 1e-4)["absolute"] == 1e-4
    assert protocol.summarize_both(rows, "relative")["absolute"] == 1e-3


def test_beside_puts_two_studies_answers_side_by_side():
    """Study A reaches theta* (bounds inside 3.7e-4), study B misses it (bounds above): the table shows both."""
    a = [{**_row("random", s, 0.0, 1e-4), "config": {**_row("random", s, 0, 0)["config"], "N": 32, "M": 8}}
         for s in range(3)]
    b = [{**_row("random", s, 5e-4, 8e-4), "config": {**_row("random", s, 0, 0)["config"], "N": 16, "M": 4}}
         for s in range(3)]
    text = protocol.beside_markdown(protocol.summarize_both(a, 1e-3), protocol.summarize_both(b, 1e-3),
                                    here=protocol.size_label(a), there=protocol.size_label(b))
    assert "| Gaussian | infomax | definitional | **reaches theta*** | misses theta* | reaches theta* | " \
           "reaches theta* |" in text
    assert "0 of 1 answers are the same" in text and "N = 16, M = 4" in text


def test_results_verdicts_at_both_margins():
    from numerics.network import results
    rows = []
    for lower, upper in ((0.0, 5e-4), (4e-4, 8e-4), (2e-3, 3e-3)):
        r = _row("random", 0, lower, upper)
        r.update(objective="autoencoder", chi={"K": 0.0, "a": [1.0]}, se={"K": 0.1, "a": [0.1]}, z=None,
                 verdict="inconclusive", seconds=1.0, reference_source="closed form", thresholds={"rule": "-"})
        rows.append(r)
    by = results.verdicts_by_margin(rows)
    assert by["counts"]["relative"] == {"undetermined": 1, "different": 2}
    assert by["counts"]["absolute"] == {"equivalent": 2, "different": 1}
    assert [(c["relative"], c["absolute"]) for c in by["changed"]] == [("undetermined", "equivalent"),
                                                                       ("different", "equivalent")]

"""The experiment pipeline: spec, atomic store, a local two-worker Dask cluster on loopback, fault injection,
resume; the results preset in process; the thread policy."""
import decimal
import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from paper_checks.sweep.execute import local_cluster, run_sweep
from paper_checks.sweep.spec import SweepSpec, load_spec_file
from paper_checks.sweep.store import ResultStore, atomic_write_text
from paper_checks.sweep.summary import markdown, summarize, write_figures
from proofs.errors import InadmissibleParameter, MalformedInput
from proofs.family import Chain
from rgdnn.cli import main
from tests.strategies import gaussian_chains
from tests.sweep_cells import sleepy_cell


@pytest.fixture(scope="module")
def loopback_cluster():
    """Two worker processes on 127.0.0.1 (the nanny restarts a killed one), shared by the tests;
    each sweep reaches it as an existing cluster: run_sweep(scheduler=address)."""
    with local_cluster(2) as cluster:
        yield cluster


def _spec(marker_dir, Ks=("0.5", "0.3"), Ls=(1, 2), seeds=(0, 1), **train):
    return SweepSpec.from_dict({"theta": {"K": list(Ks), "a": ["1"]}, "objectives": ["decimate"],
                                "L": list(Ls), "seeds": list(seeds),
                                "train": {"marker_dir": str(marker_dir), **train}})


def _attempts(marker_dir):
    return {p.name: len(p.read_text().split()) for p in Path(marker_dir).iterdir()}


# -- spec ---------------------------------------------------------------------------------
def test_toml_spec_reads_floats_exactly_and_expands_the_grid(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('objectives = ["decimate", "infomax"]\nL = [1, 2]\nseeds = [0, 1, 2]\n'
                 '[theta]\nK = [0.1, "1/4"]\na = [["1"], [0.5, 0.1]]\n[train]\nM = 4\nlr = 0.01\n')
    spec = SweepSpec.from_dict(load_spec_file(f))
    cells = spec.cells()
    assert len(cells) == 2 * 2 * 2 * 2 * 3
    assert cells[0].K == "0.1" and spec.thetas[1] == ("0.1", ("0.5", "0.1"))   # text kept, not float repr
    assert spec.train == {"M": 4, "lr": 0.01}
    assert len({c.key for c in cells}) == len(cells)
    # the manifest's copy of the spec reads back to the same cells
    assert [c.key for c in SweepSpec.from_dict(spec.to_dict()).cells()] == [c.key for c in cells]


def test_spec_errors_name_the_parameter(tmp_path):
    base = {"theta": {"K": ["0.5"], "a": ["1"]}, "objectives": ["decimate"], "L": [1], "seeds": [0]}
    with pytest.raises(InadmissibleParameter, match="a_1"):
        SweepSpec.from_dict({**base, "theta": {"K": ["2"], "a": ["1"]}})
    with pytest.raises(MalformedInput, match="seeds.*twice"):
        SweepSpec.from_dict({**base, "seeds": [0, 0]})
    with pytest.raises(MalformedInput, match="train option 'seed'.*sweep axis"):
        SweepSpec.from_dict({**base, "train": {"seed": 3}})
    with pytest.raises(MalformedInput, match="sweep spec key 'thetas'"):
        SweepSpec.from_dict({**base, "thetas": {}})
    (tmp_path / "bad.toml").write_text("L = [1,\n")
    with pytest.raises(MalformedInput, match="not valid TOML"):
        load_spec_file(tmp_path / "bad.toml")


@given(st.lists(gaussian_chains(), min_size=1, max_size=4, unique_by=lambda c: (c.K, c.a)),
       st.lists(st.integers(1, 4), min_size=1, max_size=3, unique=True),
       st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=3, unique=True))
@example([Chain.gaussian("0.5", "1"), Chain.gaussian("-0.5", "1")], [1], [0])    # K and -K: two cells
def test_cell_keys_are_unique_and_independent_of_how_theta_is_written(chains, Ls, seeds):
    """Domain: admissible Gaussian chains (a_1 > |K|), distinct; depths 1..4; seeds in [0, 2^32)."""
    def spec(fmt):
        th = [(fmt(c.K), [fmt(c.a[0])]) for c in chains]
        return SweepSpec.from_dict({"theta": {"list": [{"K": K, "a": a} for K, a in th]},
                                    "objectives": ["decimate"], "L": Ls, "seeds": seeds})
    as_fraction = spec(lambda q: f"{q.numerator}/{q.denominator}").cells()
    assert len({c.key for c in as_fraction}) == len(chains) * len(Ls) * len(seeds)
    # the same rationals, written otherwise
    scaled = spec(lambda q: f"{2 * q.numerator}/{2 * q.denominator}").cells()
    assert [c.key for c in scaled] == [c.key for c in as_fraction]


def test_random_theta_sample_is_seeded_and_admissible():
    t = {"random": {"count": 5, "seed": 3, "K": ["-1", "1"], "a": [["0.5", "1.2"]], "decimals": 2}}
    base = {"objectives": ["infomax"], "L": [1], "seeds": [0]}
    s1, s2 = SweepSpec.from_dict({**base, "theta": t}), SweepSpec.from_dict({**base, "theta": t})
    assert s1.thetas == s2.thetas and len(set(s1.thetas)) == 5
    assert all(abs(float(K)) < float(a[0]) for K, a in s1.thetas)   # the box holds inadmissible theta too
    d = SweepSpec.from_dict({**base, "theta": {"random": {**t["random"], "K": [decimal.Decimal("-1"), "1"]}}}).to_dict()
    assert json.loads(json.dumps(d)) == d          # the manifest's copy compares equal on a rerun
    t2 = {"random": {**t["random"], "seed": 4}}
    assert SweepSpec.from_dict({**base, "theta": t2}).thetas != s1.thetas


# -- store --------------------------------------------------------------------------------
def test_store_ignores_an_interrupted_write_and_keeps_columns_tidy(tmp_path):
    store = ResultStore(tmp_path).prepare()
    store.write({"key": "k1", "status": "ok", "index": 1, "cell": {"K": "0.5", "a": ["0.5", "0.1"]},
                 "result": {"chi": {"K": "0.1", "a": ["0.4", "0.2"]}, "verdict": "agree", "history": [1, 2]}})
    store.write({"key": "k0", "status": "error", "index": 0, "cell": {"K": "0.5", "a": ["1"]}, "error": "X: y"})
    (store.cells_dir / ".k2.json.abcd.tmp").write_text('{"key": "k2", "sta')   # a write cut short
    assert sorted(store.records()) == ["k0", "k1"] and store.finished_keys() == {"k1"}
    lines = store.write_table().read_text().splitlines()
    assert lines[0].split(",")[:5] == ["cell", "status", "K", "a_1", "a_2"]
    assert "history" not in lines[0] and lines[1].startswith("k0,error") and lines[1].endswith("X: y")
    atomic_write_text(tmp_path / "x.txt", "whole")
    assert (tmp_path / "x.txt").read_text() == "whole" and not list(tmp_path.glob(".x.txt*"))


# -- Dask ---------------------------------------------------------------------------------
def test_failing_cell_keeps_its_error_and_rerun_retries_only_it(tmp_path, loopback_cluster):
    marks = tmp_path / "m"
    marks.mkdir()
    spec = _spec(marks, Ks=("0.5",), fail_seed=1)
    o1 = run_sweep(spec, tmp_path / "out", scheduler=loopback_cluster.scheduler_address, cell_fn=sleepy_cell,
                   progress=False)
    assert (o1.n_cells, o1.n_ok, o1.n_error, o1.workers) == (4, 2, 2, 2)
    rows = (tmp_path / "out" / "results.csv").read_text().splitlines()
    assert sum("RuntimeError: injected failure for seed 1" in r for r in rows) == 2
    o2 = run_sweep(spec, tmp_path / "out", scheduler=loopback_cluster.scheduler_address, cell_fn=sleepy_cell,
                   progress=False)
    assert (o2.n_skipped, o2.n_run) == (2, 2)
    assert sorted(_attempts(marks).values()) == [1, 1, 2, 2]     # only the failed cells ran again


def test_resume_after_an_interrupted_run(tmp_path, loopback_cluster):
    marks = tmp_path / "m"
    marks.mkdir()
    spec = _spec(marks, sleep=0.05)
    out = tmp_path / "out"
    seen = []

    def interrupt_after_three(rec):
        seen.append(rec["key"])
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(spec, out, scheduler=loopback_cluster.scheduler_address, cell_fn=sleepy_cell, progress=False,
                  on_record=interrupt_after_three)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runs"][-1]["status"] == "interrupted"
    assert ResultStore(out).finished_keys() == set(seen)
    before = {k: (out / "cells" / f"{k}.json").read_bytes() for k in seen}
    o = run_sweep(spec, out, scheduler=loopback_cluster.scheduler_address, cell_fn=sleepy_cell, progress=False)
    assert (o.n_skipped, o.n_run, o.n_ok) == (3, 5, 8)
    assert all((out / "cells" / f"{k}.json").read_bytes() == b for k, b in before.items())
    assert all(_attempts(marks)[k] == 1 for k in seen)
    runs = json.loads((out / "manifest.json").read_text())["runs"]
    assert [r["status"] for r in runs] == ["interrupted", "finished"]
    with pytest.raises(MalformedInput, match="different spec"):
        run_sweep(_spec(marks, seeds=(0, 1, 2)), out, scheduler=loopback_cluster.scheduler_address, cell_fn=sleepy_cell,
                  progress=False)


def test_worker_killed_mid_sweep_loses_nothing_and_its_cells_are_retried(tmp_path, loopback_cluster):
    """Kill one of two worker processes (SIGKILL) while both are busy; the nanny restarts it.

    Runs last on the shared cluster, so no other test sees the restart."""
    marks = tmp_path / "m"
    marks.mkdir()
    spec = _spec(marks, Ks=("0.5", "0.3", "0.2"), sleep=0.4)      # 12 cells of 0.4 s
    out = tmp_path / "out"
    snapshot, killed = {}, []
    # no second Client in this process: run_sweep's is the only one (two sync clients in one
    # process were seen to trip over each other's event loops when a worker died)
    cluster = loopback_cluster
    pids = [n.pid for n in cluster.workers.values()]

    def killer():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = list((out / "cells").glob("*.json")) if (out / "cells").is_dir() else []
            if len(done) >= 3:
                snapshot.update({p.name: p.read_bytes() for p in done})
                busy = {p.name: p.read_text().split() for p in marks.iterdir()}
                victim = int(next(v[-1] for k, v in busy.items() if k + ".json" not in snapshot))
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)
                return
            time.sleep(0.02)

    t = threading.Thread(target=killer)
    t.start()
    outcome = run_sweep(spec, out, scheduler=cluster.scheduler_address, cell_fn=sleepy_cell, progress=False)
    t.join()
    assert killed and killed[0] in pids
    assert (outcome.n_cells, outcome.n_ok, outcome.n_error) == (12, 12, 0)
    for name, data in snapshot.items():          # finished before the kill: untouched
        assert (out / "cells" / name).read_bytes() == data
    rows = (out / "results.csv").read_text().splitlines()[1:]
    keys = [r.split(",")[0] for r in rows]
    assert len(keys) == 12 and len(set(keys)) == 12 and set(keys) == {c.key for c in spec.cells()}
    attempts = _attempts(marks)
    assert max(attempts.values()) >= 2           # the cell the killed worker held ran again
    assert all(attempts[n[:-5]] == 1 for n in snapshot)    # finished cells never ran twice


def test_summary_statistics_and_figures(tmp_path):
    """Summary against hand-computed statistics of known records (Student t from tables)."""
    store = ResultStore(tmp_path).prepare()
    for i, (seed, dK) in enumerate([(0, 0.1), (1, 0.2), (2, 0.3)]):
        store.write({"key": f"k{i}", "status": "ok", "index": i,
                     "cell": {"K": "0.5", "a": ["1"], "objective": "decimate", "L": 1, "seed": seed},
                     "result": {"chi": {"K": str(dK), "a": ["0.866"]}, "theta_star": {"K": "0", "a": ["0.866"]},
                                "rg_L": {"K": str(dK), "a": ["0.866"]}, "verdict": "agree" if seed else "disagree"}})
    s = summarize(tmp_path)
    dec = s["objectives"]["decimate"]
    assert (dec["ok"], dec["agree"]) == (3, 2)
    row = dec["rows"][0]
    d = row["distance_theta_star"]
    # mean 0.2, sd 0.1, t_(0.975, 2) = 4.303 (tables): half-width 4.303 * 0.1 / sqrt(3) = 0.2484
    assert d["mean"] == pytest.approx(0.2) and d["ci"][1] - 0.2 == pytest.approx(0.24841, abs=1e-4)
    assert d["ci"][0] == 0.0        # 0.2 - 0.248 < 0: a mean distance is clipped at 0
    assert row["distance_rg_L"]["mean"] == pytest.approx(0.0)
    assert "| K=0.5, a=(1) | 1 | 3 |" in markdown(s)
    paths = write_figures(tmp_path, s)
    assert {p.name for p in paths} == {"delta_decimate.png", "distance_vs_L_decimate.png"}
    assert all(p.stat().st_size > 1000 for p in paths)


def test_cli_refuses_bad_flags_with_one_line(tmp_path, capsys):
    assert main(["sweep", "--K", "0.5", "--a", "1", "--objective", "decimate", "--L", "1", "--out",
                 str(tmp_path / "o")]) == 2
    assert "missing --seeds" in capsys.readouterr().err
    assert main(["sweep", "--K", "0.5", "--a", "1", "--objective", "decimate", "--L", "1", "--seeds", "0",
                 "--set", "steps", "--out", str(tmp_path / "o")]) == 2
    assert "NAME=VALUE" in capsys.readouterr().err


def test_real_training_sweep_through_the_cli(tmp_path):
    """The example grid at tiny size with the real train_and_compare, on the CLI's own local cluster.

    One worker: each worker pays its one-time imports (torch, sympy: seconds of CPU), and the
    two-worker machinery is exercised by the tests above on the shared loopback cluster.

    The references in the table are checked against docs/theory.md's Gaussian closed forms
    (an independent route from the numerics the cells use): theta* = (0, sqrt(a^2 - K^2)) and
    R^L(theta) = (2 rho u'/(1 - u'^2), rho (1 + u'^2)/(1 - u'^2)) with u' = u^(b^L), u = K/(a + rho)
    (C(0) = 1/(2 rho) kept, C(1) = u'/(2 rho)): that proves each cell trained the right N = M b^L.
    """
    import csv
    import math
    out = tmp_path / "out"
    rc = main(["sweep", "--K", "0.5", "--a", "1", "--objective", "decimate", "--L", "1", "2", "--seeds", "0", "1",
               "--set", "M=4", "--set", "steps=60", "--set", "batch=64", "--set", "eval_samples=2048",
               "--workers", "1", "--no-progress", "--out", str(out)])
    assert rc == 0
    rows = list(csv.DictReader((out / "results.csv").open()))
    assert len(rows) == 4 and {r["status"] for r in rows} == {"ok"}
    assert len({r["worker"] for r in rows}) == 1
    rho = math.sqrt(1 - 0.25)
    u = 0.5 / (1 + rho)
    for r in rows:
        up = u ** (2 ** int(r["L"]))
        assert float(r["theta_star_K"]) == pytest.approx(0, abs=1e-12)
        assert float(r["theta_star_a_1"]) == pytest.approx(rho, rel=1e-12)
        assert float(r["rg_L_K"]) == pytest.approx(2 * rho * up / (1 - up * up), rel=1e-9)
        assert float(r["rg_L_a_1"]) == pytest.approx(rho * (1 + up * up) / (1 - up * up), rel=1e-9)
        assert r["verdict"] in ("agree", "disagree", "inconclusive") and float(r["se_a_1"]) > 0
        # the z-scores in the table are (chi-hat - theta*) / s.e. of the same row
        assert float(r["z_a_1"]) == pytest.approx((float(r["chi_a_1"]) - rho) / float(r["se_a_1"]), rel=1e-6)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["versions"]["torch"] and manifest["machine"]["cpus"]
    assert manifest["runs"][0]["workers"]["count"] == 1
    assert (out / "summary.md").read_text().count("| K=0.5, a=(1) |") == 2
    assert main(["sweep", "--K", "0.5", "--a", "1", "--objective", "decimate", "--L", "1", "2", "--seeds", "0", "1",
                 "--set", "M=4", "--set", "steps=60", "--set", "batch=64", "--set", "eval_samples=2048",
                 "--no-progress", "--out", str(out)]) == 0           # resume: nothing left to run
    assert json.loads((out / "manifest.json").read_text())["runs"][1]["submitted"] == 0


@pytest.mark.slow
def test_client_killed_hard_then_rerun_resumes(tmp_path):
    """SIGKILL the whole `rgdnn sweep` process group (client, scheduler, workers) mid-sweep, rerun.

    Every record on disk after the kill is whole (atomic writes), and the rerun runs only the rest.
    """
    import subprocess
    import sys
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "rgdnn", "sweep", "--K", "0.5", "0.3", "--a", "1", "--objective", "decimate",
           "--L", "1", "2", "--seeds", "0", "1", "--set", "M=4", "--set", "steps=1500", "--set", "batch=64",
           "--set", "eval_samples=2048", "--workers", "2", "--no-progress", "--out", str(out)]
    root = Path(__file__).resolve().parent.parent
    p = subprocess.Popen(cmd, cwd=root, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and len(list((out / "cells").glob("*.json"))
                                                   if (out / "cells").is_dir() else []) < 2:
            time.sleep(0.05)
    finally:
        os.killpg(p.pid, signal.SIGKILL)     # the group this test started: client and its cluster
        p.wait()
    done = {q.name: json.loads(q.read_text()) for q in (out / "cells").glob("*.json")}   # all parse
    assert 2 <= len(done) < 8 and all(r["status"] == "ok" for r in done.values())
    r = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"{len(done)} already finished, {8 - len(done)} run" in r.stderr
    assert all(json.loads((out / "cells" / n).read_text()) == rec for n, rec in done.items())


# -- presets: the results study ---------------------------------------------------------
def _study(seeds=(0, 1)):
    from paper_checks.sweep.presets import StudySpec
    from proofs.examples import GAUSSIAN
    return StudySpec(examples=((GAUSSIAN.name, GAUSSIAN.fields),), objectives=("decimate",), seeds=seeds,
                     variants=({"N": 16, "M": 4, "steps": 30, "eval_samples": 1024},))


def test_results_study_resumes_in_process_and_loads_finished_cells(tmp_path, monkeypatch):
    """Interrupt the study after its first cell; the rerun trains only the other; a third run trains nothing
    and reads the same rows back from the store."""
    from numerics.network import results
    from paper_checks.sweep.presets import run_study
    trained = []
    real = results.train_and_compare

    def counting(config, **kw):
        trained.append(config["seed"])
        return real(config, **kw)

    monkeypatch.setattr(results, "train_and_compare", counting)
    store = tmp_path / "store"

    def interrupt(rec):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_study(_study(), store, progress=False, on_record=interrupt)
    assert trained == [0] and len(ResultStore(store).finished_keys()) == 1
    first = run_study(_study(), store, progress=False)
    assert trained == [0, 1] and (first.outcome.n_skipped, first.outcome.n_run) == (1, 1) and not first.failed
    assert [r["config"]["seed"] for r in first.rows] == [0, 1] and first.rows[0]["example"].startswith("Gaussian")

    def refuse(config, **kw):
        raise AssertionError("a finished cell was trained again")

    monkeypatch.setattr(results, "train_and_compare", refuse)
    again = run_study(_study(), store, progress=False)
    assert (again.outcome.n_skipped, again.outcome.n_run, again.outcome.in_process) == (2, 0, True)
    assert again.rows == first.rows
    runs = json.loads((store / "manifest.json").read_text())["runs"]
    assert [(r["status"], r["scheduler"], r["submitted"]) for r in runs] == [
        ("interrupted", "in-process", 2), ("finished", "in-process", 1), ("finished", "in-process", 0)]
    with pytest.raises(MalformedInput, match="store .*different spec.*--store"):
        run_study(_study(seeds=(0, 1, 2)), store, progress=False)


def test_study_cell_keys_follow_the_complete_training_configuration():
    """The key hashes the TrainConfig with its defaults: an explicit default is the same cell, another value not."""
    from numerics.network.config import TrainConfig
    from paper_checks.sweep.presets import StudyCell
    base = {"K": "0.5", "a": ["1"], "objective": "decimate", "seed": 0}
    steps = TrainConfig.from_dict(base).steps
    assert StudyCell(("example", "g"), base).key == StudyCell(("example", "g"), {**base, "steps": steps}).key
    assert StudyCell(("example", "g"), base).key != StudyCell(("example", "g"), {**base, "steps": steps + 1}).key
    assert StudyCell(("example", "g"), base).key != StudyCell(("example", "h"), base).key
    with pytest.raises(MalformedInput, match="steps"):
        StudyCell(("example", "g"), {**base, "steps": 0}).train_config()


def test_local_workers_keep_glibc_adaptive_malloc(loopback_cluster):
    """The workers run with one BLAS/OpenMP thread and without Dask's MALLOC_TRIM_THRESHOLD_ (an explicit
    threshold turns off glibc's adaptive mmap threshold: a third of a training worker's time went to page faults)."""
    import os

    from distributed import Client
    with Client(loopback_cluster) as client:
        env = client.run(lambda: {k: os.environ.get(k) for k in ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS")})
    assert env and all(e == {"MALLOC_TRIM_THRESHOLD_": None, "OMP_NUM_THREADS": "1"} for e in env.values()), env


def test_one_thread_pins_and_restores():
    """The thread policy: one torch thread and the one-thread environment inside, the previous state after."""
    import torch

    from numerics.runtime import THREAD_ENV, one_thread
    old_threads, old_env = torch.get_num_threads(), {k: os.environ.get(k) for k in THREAD_ENV}
    torch.set_num_threads(2)
    os.environ["OMP_NUM_THREADS"] = "3"
    try:
        with one_thread():
            assert torch.get_num_threads() == 1 and all(os.environ[k] == "1" for k in THREAD_ENV)
        assert torch.get_num_threads() == 2 and os.environ["OMP_NUM_THREADS"] == "3"
    finally:
        torch.set_num_threads(old_threads)
        for k, v in old_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_spec_knows_the_objectives_train_knows():
    """spec.OBJECTIVES is kept torch-free for fast spec parsing; it must list what TrainConfig accepts."""
    from numerics.network.config import OBJECTIVES
    from paper_checks.sweep import spec
    assert spec.OBJECTIVES == OBJECTIVES

"""Ctrl-C ends a command with one line on stderr and exit status 130, also with worker processes.

The signal is sent the way a terminal sends it: SIGINT to the whole process group of the
command (started in its own session), so worker processes receive it too.
"""
import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rgdnn.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _interrupt(argv, after_s):
    proc = subprocess.Popen([sys.executable, "-m", "rgdnn", *argv], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(after_s)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"{argv}: still running 60 s after Ctrl-C")
    return proc.returncode, out, err, proc.pid


def test_ctrl_c_in_a_numeric_command():
    """fixed-point of a 10-coefficient chain runs for seconds; Ctrl-C after 3 s ends it at once."""
    rc, out, err, _ = _interrupt(["fixed-point", "--K", "0.5", "--a", *(["0.1"] * 9 + ["1"]), "--dps", "60"], 3)
    assert rc == 130 and err.strip().splitlines() == ["rgdnn fixed-point: interrupted"], err


@pytest.mark.slow
@pytest.mark.parametrize("after_s", [3, 8, 25])
def test_ctrl_c_in_a_sweep(tmp_path, after_s):
    """At start-up (cluster starting), and while the Dask workers train: one line, exit 130."""
    rc, out, err, _ = _interrupt(["sweep", "--out", str(tmp_path / "sw"), "--K", "0.5", "--a", "1", "--objective",
                               "infomax", "--L", "1", "--seeds", "0", "1", "--workers", "2",
                               "--set", "steps=100000", "--no-progress"], after_s)
    assert rc == 130 and err.strip().splitlines() == ["rgdnn sweep: interrupted"], err


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("after_s", [1.5, 12])
def test_ctrl_c_in_a_parallel_check(after_s):
    """While the worker processes start (1.5 s), and while they run claims: one line, exit 130, and no process of
    the command left behind (its process group is empty once it has exited)."""
    rc, out, err, pid = _interrupt(["check", "--workers", "2", "--no-progress"], after_s)
    lines = [ln for ln in err.strip().splitlines() if not ln.startswith("rgdnn check [")]   # per-claim lines
    assert rc == 130 and lines == ["rgdnn check: interrupted"], err
    deadline = time.time() + 10
    while _group_alive(pid) and time.time() < deadline:
        time.sleep(0.2)
    assert not _group_alive(pid), "worker processes outlived the command"


def test_fixed_point_prints_the_digits_its_error_supports(capsys):
    """--dps 40 on a quartic chain, the flow's finite-difference Jacobian: known to ~1e-29, so the
    eigenvalues carry about 29 digits, not 40, and the JSON says how accurate they are."""
    assert main(["fixed-point", "--K", "0.5", "--a", "1", "0.1", "--dps", "40", "--method", "flow", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    err = float(out["eigenvalues_error"])
    assert 0 < err < 1e-10
    for text in out["eigenvalues"]:
        lam = float(text)
        if lam == 0:
            continue
        mantissa = re.split("[eE]", text)[0]
        digits = len(mantissa.replace("-", "").replace(".", "").lstrip("0"))
        supported = math.floor(math.log10(abs(lam))) - math.floor(math.log10(err)) + 1
        assert digits <= supported < 40, (text, err)


def test_fixed_point_by_theorem_r_has_exact_eigenvalues(capsys):
    """The default method: the Jacobian at (0; a*) is diag(0, 1, 1) in closed form, error 0."""
    assert main(["fixed-point", "--K", "0.5", "--a", "1", "0.1", "--dps", "40", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert float(out["eigenvalues_error"]) == 0
    assert [float(x) for x in out["eigenvalues"]] == [1.0, 1.0, 0.0]
    assert out["note"].startswith("Theorem R")

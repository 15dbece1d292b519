"""Odd inputs a new user tries: output paths nothing can be written to, flows asked for far more steps
than reach the fixed point, and digits of other scripts. Each is answered at once: one line and exit 2,
or a short run that says what it did (README: "Inadmissible or malformed input exits with status 2
and one line ... within a few seconds: flags and output paths ... are checked before any work starts").
"""
from __future__ import annotations

import json
import os
import time

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from proofs.errors import MalformedInput
from proofs.family import read_rational
from proofs.potential import parse_potential
from rgdnn.cli import main
from rgdnn.commands import _common
from rgdnn.commands.flow import MAX_STEPS


def _refused(argv, capsys, needle):
    t0 = time.perf_counter()
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert time.perf_counter() - t0 < 5, "refused only after the work"
    lines = err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and out == "", err
    return lines[0]


# -- output paths: tried, not guessed from permission bits ---------------------------------------

@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc")
@pytest.mark.parametrize("argv", [
    ["train", "--K", "0.5", "--a", "1", "--objective", "rsmi", "--checkpoint-dir", "/proc/x"],
    ["check", "--quick", "--report", "/proc/x"],
    ["derive", "--out", "/proc/self/x"],
    ["results", "--out", "/proc/x/results.md"],
    ["protocol", "--json-out", "/proc/x.json"],
    ["sweep", "--K", "0.5", "--a", "1", "--objective", "decimate", "--L", "1", "--seeds", "0", "--out", "/proc/x"],
])
def test_an_output_path_where_nothing_can_be_created_is_refused_before_work(argv, capsys, monkeypatch):
    """/proc passes every permission test (as root, os.access says writable) but takes no new file: the check
    creates and removes a probe, so the refusal names the place, before any training starts."""
    import numerics.network.train as train
    monkeypatch.setattr(train, "train_and_compare", lambda *a, **k: pytest.fail("work started"))
    line = _refused(argv, capsys, "cannot be written")
    assert "/proc" in line


def test_the_check_leaves_nothing_behind(tmp_path):
    assert _common.output_dir(str(tmp_path / "new" / "dir"), "out") and not (tmp_path / "new").exists()
    assert _common.output_dir(str(tmp_path), "out") and list(tmp_path.iterdir()) == []
    assert _common.output_file(str(tmp_path / "a.md"), "out") and list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() != 0 or not os.path.isdir("/proc/self"), reason="root bypasses permission bits")
def test_root_on_a_virtual_file_system_is_refused():
    assert os.access("/proc", os.W_OK)                  # what the permission bits say to root
    with pytest.raises(MalformedInput, match="nothing can be created in /proc"):
        _common.output_dir("/proc/x", "checkpoint-dir")
    with pytest.raises(MalformedInput, match="cannot be written"):
        _common.output_file("/proc/x.json", "json-out")


# -- flow: stops at its fixed point; --steps is bounded -----------------------------------------

@pytest.mark.parametrize("argv, most", [
    (["--K", "0.5", "--a", "1", "--steps", str(MAX_STEPS), "--dps", "15"], 8),            # Gaussian: u^(2^m)
    (["--K", "0.8", "--ising", "--steps", str(MAX_STEPS), "--dps", "30"], 10),           # Ising: tanh K^(2^m)
    (["--K", "0.4", "--a", "0.5", "0.1", "--steps", str(MAX_STEPS), "--dps", "15"], 10),  # quartic, projected
])
def test_flow_stops_at_its_fixed_point_with_a_note(argv, most, capsys):
    t0 = time.process_time()
    assert main(["flow", *argv, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["flow"]
    assert len(rows) <= most + 1 < MAX_STEPS
    assert "fixed point reached to the working precision" in rows[-1]["note"]
    assert all("fixed point reached" not in r.get("note", "") for r in rows[:-1])
    assert rows[-1]["K"] in ("0.0",) or abs(float(rows[-1]["K"])) < 1e-14
    assert time.process_time() - t0 < 30


def test_flow_asked_for_fewer_steps_than_needed_computes_them_all(capsys):
    assert main(["flow", "--K", "0.5", "--a", "1", "--steps", "3", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["flow"]
    assert len(rows) == 4 and all("note" not in r for r in rows)


@pytest.mark.parametrize("steps, dps, limit", [(str(MAX_STEPS + 1), "30", MAX_STEPS), ("10000", "15", MAX_STEPS),
                                               ("-1", "30", MAX_STEPS), ("13", "1000", 12), ("121", "100", 120)])
def test_flow_steps_beyond_the_bound_are_refused(steps, dps, limit, capsys):
    """At most 200 steps, and steps x dps <= 12000: each step at --dps digits costs a solve."""
    _refused(["flow", "--K", "0.5", "--a", "1", "--steps", steps, "--dps", dps], capsys, f"between 0 and {limit}")


# -- only ASCII digits ---------------------------------------------------------------------------

OTHER_DIGITS = st.characters(categories=["Nd"]).filter(lambda c: not c.isascii())


@settings(max_examples=200, deadline=None)
@given(before=st.text("0123456789.", max_size=3), digit=OTHER_DIGITS, after=st.text("0123456789/", max_size=3))
@example(before="", digit="\u0663", after="")            # Arabic-Indic three
@example(before="", digit="\uff13", after="")            # full-width three
@example(before="0.", digit="\uff15", after="")
def test_a_digit_of_another_script_is_refused(before, digit, after):
    with pytest.raises(MalformedInput, match="only the ASCII digits 0-9 are read"):
        read_rational(before + digit + after, "K")


@pytest.mark.parametrize("argv, needle", [
    (["flow", "--K", "\u0663", "--a", "1"], "only the ASCII digits 0-9 are read"),
    (["flow", "--K", "0.5", "--a", "\uff11"], "only the ASCII digits 0-9 are read"),
    (["flow", "--K", "0.5", "--a", "1", "--dps", "\u0663\u0660"], "ASCII digits 0-9"),
    (["flow", "--K", "0.5", "--a", "1", "--steps", "\uff13"], "ASCII digits 0-9"),
    (["flow", "--K", "0.5", "--a", "1", "--steps", "1_0"], "ASCII digits 0-9"),
    (["train", "--K", "0.5", "--a", "1", "--lr", "nan"], "ASCII digits 0-9"),
    (["flow", "--K", "0.5", "--potential", "\uff58**2"], "only ASCII text is read"),
    (["flow", "--K", "0.5", "--potential", "\u0663*x**2"], "only ASCII text is read"),
])
def test_other_scripts_are_refused_on_the_command_line(argv, needle, capsys):
    _refused(argv, capsys, needle)


def test_a_full_width_x_is_not_x():
    """Python reads identifiers in NFKC form, so ast alone would take the full-width x for x."""
    with pytest.raises(MalformedInput, match="U\\+FF58"):
        parse_potential("\uff58**2")
    assert parse_potential("x**2") == (1,)

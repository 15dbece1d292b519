"""The README's command section names only flags the parsers have (per command), and every command.

The command lines of the ``bash`` block under "## Commands" are parsed: the first word after
``rgdnn`` is the command, every ``--flag`` on the line (options in brackets and in the trailing
comment included) must be an option of that command's parser. Flags named in the section's prose
must be options of some command. The detectors run on planted bad lines too, so they can fail.
"""
import re
from pathlib import Path

import pytest

from rgdnn.cli import COMMANDS, build_parser

ROOT = Path(__file__).resolve().parents[1]
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def _options():
    """{command: set of its option strings}."""
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return {name: {o for a in p._actions for o in a.option_strings} for name, p in sub.choices.items()}


def _section(text, heading="## Commands"):
    start = text.index(heading + "\n")
    end = text.find("\n## ", start + len(heading))
    return text[start:end if end != -1 else len(text)]


def command_lines(section):
    """(command, flags) for every line of the section's bash blocks that runs rgdnn."""
    out = []
    for block in re.findall(r"```bash\n(.*?)```", section, re.S):
        for line in block.splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] == "rgdnn":
                out.append((words[1], FLAG.findall(line)))
    return out


def unknown_flags(section, options):
    """[(command, flag)] for every flag a command line names that its parser lacks; unknown commands too."""
    bad = []
    for command, flags in command_lines(section):
        if command not in options:
            bad.append((command, None))
            continue
        bad += [(command, f) for f in flags if f not in options[command]]
    return bad


def prose_flags(section):
    """Flags named in the section outside its code blocks."""
    return set(FLAG.findall(re.sub(r"```.*?```", "", section, flags=re.S)))


@pytest.fixture(scope="module")
def section():
    return _section((ROOT / "README.md").read_text(encoding="utf-8"))


def test_every_flag_on_a_readme_command_line_exists(section):
    options = _options()
    lines = command_lines(section)
    assert {c for c, _ in lines} == set(COMMANDS), "the README lists every command once or more"
    assert sum(len(f) for _, f in lines) > 30
    assert unknown_flags(section, options) == []


def test_every_flag_in_the_readme_prose_exists(section):
    top = {o for a in build_parser()._actions for o in a.option_strings}     # rgdnn --version, --help
    every = set().union(top, *_options().values())
    named = prose_flags(section)
    assert {"--json", "--dps", "--json-out", "--checkpoint-dir"} <= named
    assert named - every == set()


def test_the_detectors_catch_planted_errors():
    options = _options()
    planted = ("## Commands\n```bash\nrgdnn flow --K 1 --a 2 --stepz 3   # (--json-out)\n"
               "rgdnn results --json\nrgdnn nope --x\n```\nuse `--no-such-flag`\n")
    assert unknown_flags(planted, options) == [("flow", "--stepz"), ("flow", "--json-out"), ("nope", None)]
    assert "--no-such-flag" in prose_flags(planted) - set().union(*options.values())

"""House habits the test suite enforces: ruff and mypy clean, no prints below the CLI, ``__all__`` complete.

ruff and mypy come with the test extra (pip install -c constraints.txt -e '.[test]'); their settings
are in pyproject.toml ([tool.ruff], [tool.mypy]).
"""
import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from paper_checks import engine
from paper_checks.compare import compare
from paper_checks.registry import Evidence, claim
from rgdnn.cli import main

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ("proofs", "numerics", "paper_checks")
PACKAGES = ("proofs", "numerics", "numerics/network", "paper_checks", "paper_checks/claims", "paper_checks/sweep",
            "rgdnn", "rgdnn/commands", "rgdnn/schemas")


def _tool(module, *args):
    if importlib.util.find_spec(module) is None:
        pytest.fail(f"{module} is not installed: pip install -c constraints.txt -e '.[test]'")
    r = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"{module} {' '.join(args)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}"


def test_ruff_is_clean():
    _tool("ruff", "check", ".")


def test_mypy_is_clean_on_the_typed_api():
    _tool("mypy")


def _library_files():
    for pkg in LIBRARY:
        yield from sorted((ROOT / pkg).rglob("*.py"))


def test_library_code_does_not_print():
    """Below the CLI, output goes through logging or return values: no print(), no sys.stdout/stderr.write."""
    found = []
    for path in _library_files():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            if isinstance(f, ast.Name) and f.id == "print":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: print(")
            elif (isinstance(f, ast.Attribute) and f.attr == "write" and isinstance(f.value, ast.Attribute)
                  and f.value.attr in ("stdout", "stderr") and isinstance(f.value.value, ast.Name)
                  and f.value.value.id == "sys"):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: sys.{f.value.attr}.write(")
    assert not found, "library code prints:\n" + "\n".join(found)


def _exports(init):
    """(names in __all__, names the module defines or imports at top level) of an __init__.py, read statically."""
    tree = ast.parse(init.read_text())
    listed, defined = None, set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            defined.update(names)
            if "__all__" in names:
                listed = ast.literal_eval(node.value)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined.update((a.asname or a.name).split(".")[0] for a in node.names)
    return listed, defined


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_declares_all(package):
    """``__all__`` exists and each entry is a name the package defines or one of its modules; a package that
    lists modules lists every public one (a new module cannot be forgotten)."""
    pkg = ROOT / package
    listed, defined = _exports(pkg / "__init__.py")
    assert listed is not None, f"{package}/__init__.py has no __all__"
    modules = {p.stem for p in pkg.glob("*.py") if not p.stem.startswith("_")}
    modules |= {p.name for p in pkg.iterdir() if (p / "__init__.py").is_file()}
    unknown = [n for n in listed if n not in defined and n not in modules]
    assert not unknown, f"{package}: __all__ names what the package does not offer: {unknown}"
    if any(n in modules for n in listed):
        missing = sorted(modules - set(listed))
        assert not missing, f"{package}: modules missing from __all__: {missing}"


@pytest.fixture
def reg(monkeypatch):
    """A private registry: one claim that holds, one whose comparison disagrees."""
    r = {}

    @claim("y.holds", "1 + 1 = 2", provenance="standard", hypotheses="-", registry=r)
    def _a(ctx):
        return Evidence(1 + 1 == 2, "exact integer arithmetic")

    @claim("y.differs", "1/3 to 30 digits", provenance="standard", hypotheses="-", registry=r)
    def _b(ctx):
        return compare([("x=1/3", sp.Rational(1, 3), "0.3333333333")], dps=30, what="thirds")

    monkeypatch.setattr(engine, "load_registry", lambda reg=None: r if reg is None else reg)
    return r


def test_cli_shows_library_log_lines_on_stderr_once(reg, capsys):
    """What the library logs reaches stderr as the bare message, once, however often main() runs."""
    for _ in range(2):
        assert main(["check"]) == 1            # stderr is not a terminal here: one line per claim, no bar
        err = capsys.readouterr().err.splitlines()
        assert err[0] == "rgdnn check [1/2] y.differs"
        assert err[1].startswith("[thirds] disagreement at x=1/3: exact 0.333333333333333333333333333333  "
                                 "numeric 0.3333333333  |diff| ")
        assert err[2] == "rgdnn check [2/2] y.holds"
        assert len(err) == 3, err

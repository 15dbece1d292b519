"""The layers import one way only -- proofs <- numerics <- paper_checks <- rgdnn -- and no module cycles.

Every import counts, including imports inside functions (a lazy import is still a dependency).
The graph is read from the source with ``ast``; nothing is imported.
"""
from __future__ import annotations

import ast
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("proofs", "numerics", "paper_checks", "rgdnn")


def _modules(root=ROOT):
    mods = {}
    for pkg in LAYERS:
        for f in sorted((root / pkg).rglob("*.py")):
            parts = f.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            mods[name] = f
    return mods


def import_graph(root=ROOT):
    """{module: set of project modules it imports} (absolute imports; ``from p import m`` resolves to p.m)."""
    mods = _modules(root)

    def resolve(name):
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for m, f in mods.items():
        out = set()
        for node in ast.walk(ast.parse(f.read_text(), str(f))):
            if isinstance(node, ast.Import):
                out.update(resolve(a.name) for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                out.update(resolve(f"{node.module}.{a.name}") for a in node.names)
        out.discard(None)
        out.discard(m)
        graph[m] = out
    return graph


def upward_imports(graph):
    rank = {p: i for i, p in enumerate(LAYERS)}
    return sorted((m, o) for m, outs in graph.items() for o in outs
                  if rank[o.split(".")[0]] > rank[m.split(".")[0]])


def cycles(graph):
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def test_no_upward_import():
    assert upward_imports(import_graph()) == []


def test_no_import_cycle():
    assert cycles(import_graph()) == []


def test_the_checker_sees_a_planted_violation():
    g = import_graph()
    g["proofs.family"] = g["proofs.family"] | {"numerics.api"}
    g["numerics.api"] = g["numerics.api"] | {"numerics.general"}
    g["numerics.general"] = g["numerics.general"] | {"numerics.api"}
    assert ("proofs.family", "numerics.api") in upward_imports(g)
    assert any({"numerics.api", "numerics.general"} <= set(c) for c in cycles(g))


def test_version_is_the_installed_distributions():
    import numerics
    import rgdnn
    try:
        installed = metadata.version("rgdnn")
    except metadata.PackageNotFoundError:
        pytest.skip("rgdnn is not installed (run from a bare checkout)")
    assert numerics.__version__ == rgdnn.__version__ == installed


def _reachable(graph, start):
    seen, todo = {start}, [start]
    while todo:
        for m in graph.get(todo.pop(), ()):
            if m not in seen:
                seen.add(m)
                todo.append(m)
    return seen


def test_the_route_from_the_command_line_to_a_number_is_in_the_imports():
    """rgdnn fixed-point -> numerics.api -> numerics.general / numerics.exact -> the solvers: every hop an import
    by name (docs/architecture.md, "The path of one number"), none a module name in a string."""
    route = _reachable(import_graph(), "rgdnn.cli")
    assert {"rgdnn.commands.fixed_point", "rgdnn.commands.flow", "numerics.api", "numerics.exact", "numerics.general",
            "numerics.fixedpoint", "numerics.marginal", "numerics.transfer", "proofs.family"} <= route


def test_every_command_is_imported_by_name():
    from rgdnn.cli import COMMANDS
    assert {f"rgdnn.commands.{m}" for m in COMMANDS.values()} <= import_graph()["rgdnn.cli"]


def test_no_module_name_in_a_string_on_the_numeric_route():
    """importlib.import_module hides a dependency from any reading of the imports; the command line and the
    numerics do without it (claim modules are found by paper_checks.claims.load_all, by design)."""
    calls = []
    for pkg in ("rgdnn", "numerics", "proofs"):
        for f in sorted((ROOT / pkg).rglob("*.py")):
            for node in ast.walk(ast.parse(f.read_text(), str(f))):
                if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module":
                    calls.append(f"{f.relative_to(ROOT)}:{node.lineno}")
    assert calls == []


def test_non_gaussian_numeric_commands_load_no_sympy_torch_or_dask():
    """README: --version, flow, fixed-point and moments of non-Gaussian chains start without sympy, torch or dask;
    the backends imported by name inside numerics.api keep it so."""
    import subprocess
    import sys
    code = ("import sys\nfrom rgdnn.cli import main\n"
            "for argv in (['--version'], ['flow', '--K', '0.4', '--a', '0.5', '0.1', '--steps', '1', '--dps', '10'],"
            " ['moments', '--K', '0.4', '--a', '0.5', '0.1', '--dps', '10']):\n"
            "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
            "print(sorted(m for m in ('sympy', 'torch', 'dask') if m in sys.modules), file=sys.stderr)\n")
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and p.stderr.strip().splitlines()[-1] == "[]", p.stderr

"""The routes of each claim, read from the source: which numerics modules each side of a comparison runs.

A claim compares two (or more) routes to the same quantity; the comparison is evidence only if the
routes do not run the same code below the claim's statement. Each claim declares its routes next to
its check (``@claim(..., routes={name: [dotted names]}, shared={module: reason})``), and this module
reads, with ``ast`` (nothing is imported or run), what each route imports:

Besides its routes a claim may name its ``statement_code``: the objects the statement itself applies to
every route's result (chi-hat and the KL yardstick in an equivalence claim). They are not routes: a
module they import is not counted as shared, and the docs table lists them apart.

Route entries:

- a dotted name of a project module (``numerics.general``) or of something in one
  (``numerics.general.moments``) stands for the whole module;
- a dotted name of a function in a claims module (``paper_checks.claims.numerics._a_star_nystrom``) stands
  for the modules that function's body refers to, following the claims module's own imports and
  helpers (functions and constants) it calls;
- any other dotted name (``mpmath.quad``) is external: listed, with nothing below it to compare;
- ``"inline"``: arithmetic written out in the check itself (a closed form, a stated value).

A route's modules are then closed over the project's import graph (every import counts, lazy ones
included; a string literal naming a project module counts as an import of code that uses that module
object: ``numerics.api`` loads its backends by name, but ``from numerics.api import Moments`` runs none).
``problems(claim)`` lists what is wrong with a declaration: fewer than two routes,
a name that resolves to nothing, an entry the check never reaches, a numerics module the check reaches
that no route declares, and a numerics module two routes share that neither ``INFRASTRUCTURE`` nor the
claim's ``shared`` excuses (or an excuse for a module that is not shared; ``shared={"*": reason}`` excuses
every module, for a claim whose sides are one pipeline by design). ``tests/test_routes.py``
asserts there are none, and that the table in docs/checks.md is ``table()``'s.

    python -c "from paper_checks.routes import update_docs; update_docs()"    # docs/checks.md's table

>>> "numerics.transfer" in closure({"numerics.general"}), "numerics.transfer" in closure({"numerics.nystrom"})
(True, False)
"""
from __future__ import annotations

import ast
import functools
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("proofs", "numerics", "paper_checks", "rgdnn")
CLAIMS = "paper_checks.claims"
INLINE = "inline"          # a route written out in the check itself (closed-form arithmetic, a stated value)

# numerics modules every route may import: containers, conversions and the thread policy, no mathematics of
# the chain (a wrong number cannot come from here without every test of them failing: tests/test_habits.py,
# the doctests)
INFRASTRUCTURE = {
    "numerics.precision": "Estimate (a value, its error and its dps) and to_mpf (an exact rational rounded once): "
                          "containers and one conversion, no mathematics of the chain",
    "numerics.runtime": "the one-thread BLAS policy and the run manifest",
    "numerics.blas": "numpy.linalg.eigh and a matrix product under the one-thread policy",
    "numerics.outward": "decimal strings of an interval rounded outward (exact rational rounding of given ends): "
                        "output formatting, no mathematics of the chain",
    "numerics.point": "the result classes both backends return (Point, FixedPoint, Moments): containers only",
    "numerics.api": "the backends' contract: result classes (Moments, Point, FixedPoint) and argument checks; a route "
                    "that calls it as a module runs its backends, and those are compared (dynamic_imports)",
}


# -- the import graph ---------------------------------------------------------------------------

@functools.cache
def modules(root: Path = ROOT) -> dict[str, Path]:
    """{dotted module name: file} for every module of the four layers."""
    mods = {}
    for pkg in LAYERS:
        for f in sorted((root / pkg).rglob("*.py")):
            parts = f.relative_to(root).with_suffix("").parts
            mods[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = f
    return mods


def module_of(dotted: str) -> str | None:
    """The longest prefix of ``dotted`` that is a project module (None if none is)."""
    mods = modules()
    name = dotted
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


@functools.cache
def _tree(module: str) -> ast.Module:
    """The parsed source of a project module, or of a loaded module outside the layers (a test's claims)."""
    path = modules().get(module) or Path(sys.modules[module].__file__ or "")
    return ast.parse(path.read_text(), str(path))


def _scoped_nodes(tree: ast.Module):
    """(node, scope) for every node of a module: scope is the name of the top-level def or class it lies in
    (None at module level)."""
    for top in tree.body:
        scope = top.name if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else None
        for node in ast.walk(top):
            yield node, scope


@functools.cache
def import_graph() -> dict[str, list[tuple[str, frozenset[str] | None, str | None]]]:
    """{module: [(project module it imports, names imported (None: the module object), scope)]}.

    Every import counts, module-level or inside a function; ``scope`` is the top-level def it lies in.
    ``from numerics import api`` / ``import numerics.api`` import the module object (names None);
    ``from numerics.api import Moments`` imports the name Moments (see ``closure``).
    """
    mods = modules()
    graph = {}
    for m in mods:
        out = []
        for node, scope in _scoped_nodes(_tree(m)):
            if isinstance(node, ast.Import):
                out += [(module_of(a.name), None, scope) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for a in node.names:
                    full = f"{node.module}.{a.name}"
                    out.append((module_of(full), None if full in mods else frozenset({a.name}), scope))
        graph[m] = [(t, names, scope) for t, names, scope in out if t is not None and t != m]
    return graph


@functools.cache
def dynamic_imports() -> dict[str, list[tuple[str, str | None]]]:
    """{module: [(project module it names in a string literal, scope)]}: modules it may load by name at run time.

    ``numerics.api`` loads its backends with ``importlib.import_module("numerics.exact")``: code that uses the
    module ``numerics.api`` (or the function that loads them) runs them, code that only imports its result
    classes does not."""
    mods = modules()
    return {m: [(n.value, scope) for n, scope in _scoped_nodes(_tree(m)) if isinstance(n, ast.Constant)
                and isinstance(n.value, str) and n.value in mods and n.value != m] for m in mods}


@functools.cache
def _local_calls(module: str) -> dict[str, frozenset[str]]:
    """{top-level name: the module's other top-level names its body refers to} (helpers a function calls)."""
    tree = _tree(module)
    tops = {t.name for t in tree.body if isinstance(t, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    tops |= {n.id for t in tree.body if isinstance(t, (ast.Assign, ast.AnnAssign)) for n in ast.walk(t)
             if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    out: dict[str, frozenset[str]] = {}
    for t in tree.body:
        if isinstance(t, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out[t.name] = frozenset(n.id for n in ast.walk(t) if isinstance(n, ast.Name) and n.id in tops) - {t.name}
        elif isinstance(t, (ast.Assign, ast.AnnAssign)) and t.value is not None:     # a table of classes, say
            refs = frozenset(n.id for n in ast.walk(t.value) if isinstance(n, ast.Name) and n.id in tops)
            for target in (t.targets if isinstance(t, ast.Assign) else [t.target]):
                for n in ast.walk(target):
                    if isinstance(n, ast.Name):
                        out[n.id] = out.get(n.id, frozenset()) | refs
    return out


def _expand(module: str, names: Iterable[str]) -> set[str]:
    """``names`` and every top-level name of ``module`` they reach through each other's bodies."""
    calls = _local_calls(module)
    seen: set[str] = set()
    todo = list(names)
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.add(n)
            todo.extend(calls.get(n, ()))
    return seen


def closure(start: Iterable[str]) -> set[str]:
    """The modules in ``start`` and everything they may run, transitively.

    A module entered as a whole (named by a route, or imported as a module object) contributes all its imports
    and dynamic loads; a module entered through ``from M import name`` contributes its module-level imports and
    those inside the top-level defs named and the module's own helpers they refer to (a class's result fields
    run nothing; a function runs its own lazy imports and its helpers')."""
    graph, dyn = import_graph(), dynamic_imports()
    whole: set[str] = set()
    names_seen: dict[str, set[str]] = {}
    todo: list[tuple[str, frozenset[str] | None]] = [(m, None) for m in start if m in graph]
    while todo:
        m, names = todo.pop()
        if m in whole:
            continue
        if names is None:
            whole.add(m)
            allowed = None
        else:
            new = _expand(m, names) - names_seen.get(m, set())
            if m in names_seen and not new:
                continue
            first = m not in names_seen
            names_seen.setdefault(m, set()).update(new)
            allowed = new | ({None} if first else set())   # module level once, then each new name's own def
        for target, tnames, scope in graph[m]:
            if allowed is None or scope in allowed:
                todo.append((target, tnames))
        for target, scope in dyn[m]:
            if allowed is None or scope in allowed:
                todo.append((target, None))
    return whole | set(names_seen)


# -- what a function in a claims module refers to ------------------------------------------------

@functools.cache
def _module_table(module: str) -> tuple[dict[str, str], dict[str, ast.AST]]:
    """(alias -> dotted target of every import in the module, top-level name -> its def or assigned value)."""
    aliases: dict[str, str] = {}
    for node in ast.walk(_tree(module)):
        if isinstance(node, ast.Import):
            for a in node.names:
                aliases[a.asname or a.name.partition(".")[0]] = a.name if a.asname else a.name.partition(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    tops: dict[str, ast.AST] = {}
    for node in _tree(module).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            tops[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        tops[n.id] = node.value
    return aliases, tops


def _dotted(node: ast.AST) -> str | None:
    """'a.b.c' for an attribute chain on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


class _Refs:
    """Project modules, external names and claims-module functions reached from some code."""

    def __init__(self) -> None:
        self.modules: set[str] = set()
        self.external: set[str] = set()
        self.functions: set[str] = set()        # 'module.name' of claims-module functions and constants visited

    def add_name(self, dotted: str) -> None:
        """Follow a dotted target: a claims-module function or constant is read; a project module is recorded."""
        mod = module_of(dotted)
        if mod is None:
            self.external.add(dotted)
            return
        rest = dotted[len(mod) + 1:] if dotted != mod else ""
        if mod.startswith(CLAIMS + ".") and rest:
            self.read(mod, rest.partition(".")[0])
        else:
            self.modules.add(mod)

    def read(self, module: str, name: str) -> None:
        key = f"{module}.{name}"
        if key in self.functions:
            return
        aliases, tops = _module_table(module)
        if name not in tops:
            if name in aliases:
                self.add_name(aliases[name])
            return
        self.functions.add(key)
        self.body(module, tops[name])

    def body(self, module: str, node: ast.AST) -> None:
        """Read a function's body and default values (not its decorators: they run at registration) or an expression."""
        aliases, tops = _module_table(module)
        local: set[str] = set()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            roots: list[ast.AST] = [*node.body, *node.args.defaults, *node.args.kw_defaults]
            # names the function binds itself (arguments, assignments, loop targets) are not the module's
            args = node.args
            local = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg] if a}
            local |= {n.id for r in node.body for n in ast.walk(r) if isinstance(n, ast.Name)
                      and isinstance(n.ctx, ast.Store)}
        else:
            roots = [node]
        for n in (m for r in roots if r is not None for m in ast.walk(r)):
            if isinstance(n, ast.Import):
                for a in n.names:
                    self.add_name(a.name)
            elif isinstance(n, ast.ImportFrom) and n.module and n.level == 0:
                for a in n.names:
                    self.add_name(f"{n.module}.{a.name}")
            elif isinstance(n, ast.Attribute):
                d = _dotted(n)
                root = d.partition(".")[0] if d else None
                if root in aliases and root not in tops and root not in local:
                    self.add_name(aliases[root] + d[len(root):])
            elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in local:
                if n.id in tops and tops[n.id] is not node:
                    self.read(module, n.id)
                elif n.id in aliases:
                    self.add_name(aliases[n.id])


def _function_node(check: Any) -> tuple[str, ast.AST]:
    """The module of a check function and its def node (nested defs included), located by name and line."""
    module, code = check.__module__, check.__code__
    for n in ast.walk(_tree(module)):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == code.co_name:
            first = min([n.lineno] + [d.lineno for d in n.decorator_list])
            if code.co_firstlineno in (first, n.lineno):
                return module, n
    raise LookupError(f"the source of {module}.{code.co_name} was not found")


def check_refs(claim: Any) -> _Refs:
    """What the claim's check function reaches (its body, the helpers it calls, their imports)."""
    module, node = _function_node(claim.check)
    refs = _Refs()
    refs.functions.add(f"{module}.{node.name}")
    refs.body(module, node)
    return refs


def entry_refs(entry: str) -> _Refs:
    """What one declared route entry stands for."""
    refs = _Refs()
    refs.add_name(entry)
    return refs


def numerics_below(mods: Iterable[str]) -> set[str]:
    """The numerics modules in the import closure of ``mods`` (the package itself left out)."""
    return {m for m in closure(mods) if m.startswith("numerics.")}


def route_modules(claim: Any) -> dict[str, set[str]]:
    """{route: the numerics modules it runs (transitively)}."""
    out = {}
    for name, entries in claim.routes.items():
        mods: set[str] = set()
        for e in entries:
            mods |= entry_refs(e).modules
        out[name] = numerics_below(mods)
    return out


def shared_modules(claim: Any) -> dict[tuple[str, str], set[str]]:
    """{(route, route): numerics modules both run}, before any excuse."""
    rm = route_modules(claim)
    names = sorted(rm)
    return {(a, b): rm[a] & rm[b] for i, a in enumerate(names) for b in names[i + 1:]}


def problems(claim: Any) -> list[str]:
    """Everything wrong with the claim's route declaration (an empty list when it is sound)."""
    out = []
    if len(claim.routes) < 2:
        return [f"{claim.id}: declares {len(claim.routes)} route(s); a claim compares at least two "
                "(@claim(..., routes={name: [dotted names], ...}))"]
    reach = check_refs(claim)
    reach_mods = closure(reach.modules)
    declared: set[str] = set()
    for name, entries in claim.routes.items():
        if not entries:
            out.append(f"{claim.id}: route {name!r} names no code")
        for e in entries:
            r = entry_refs(e)
            declared |= r.modules
            mod = module_of(e)
            if e == INLINE:
                continue
            if mod is None:
                if not any(x == e or x.startswith(e + ".") for x in reach.external):
                    out.append(f"{claim.id}: route {name!r} names {e!r}, which the check never uses")
                continue
            rest = e[len(mod) + 1:].partition(".")[0]
            if rest and rest not in _module_table(mod)[0] and rest not in _module_table(mod)[1]:
                out.append(f"{claim.id}: route {name!r} names {e!r}, which {mod} does not define")
                continue
            if mod.startswith(CLAIMS + "."):
                fn = f"{mod}.{e[len(mod) + 1:].partition('.')[0]}"
                if fn not in reach.functions:
                    out.append(f"{claim.id}: route {name!r} names {e!r}, which the check never calls")
            elif mod not in reach_mods:
                out.append(f"{claim.id}: route {name!r} names {e!r}, a module the check never reaches")
    stated: set[str] = set()
    for e in claim.statement_code:
        r = entry_refs(e)
        if not r.modules and not r.external:
            out.append(f"{claim.id}: statement_code names {e!r}, which resolves to nothing")
        stated |= r.modules
    covered = numerics_below(declared | stated) | set(INFRASTRUCTURE) | set(claim.shared)
    hidden = {m for m in reach_mods if m.startswith("numerics.")} - covered
    if hidden:
        out.append(f"{claim.id}: the check reaches {', '.join(sorted(hidden))}, which no route declares")
    excused = set(INFRASTRUCTURE) | set(claim.shared)
    all_shared: set[str] = set()
    for (a, b), common in shared_modules(claim).items():
        all_shared |= common
        bad = set() if "*" in claim.shared else common - excused
        if bad:
            out.append(f"{claim.id}: routes {a!r} and {b!r} both run {', '.join(sorted(bad))} "
                       "(excuse it in shared={module: reason}, or give the claim a route that does not)")
    for m, reason in claim.shared.items():
        if m not in all_shared and not (m == "*" and all_shared - set(INFRASTRUCTURE)):
            out.append(f"{claim.id}: shared excuses {m}, which no two routes share")
        if not str(reason).strip():
            out.append(f"{claim.id}: shared excuses {m} without a reason")
    return out


# -- the table of docs/checks.md ------------------------------------------------------------------

# module groups the table abbreviates: the code below an anchor module (the anchor included)
GROUPS = (("[training]", "numerics.network.train"), ("[transfer]", "numerics.general"))


def _groups() -> list[tuple[str, set[str]]]:
    return [(label, numerics_below({anchor}) - set(INFRASTRUCTURE)) for label, anchor in GROUPS]


def _short(mods: Iterable[str]) -> str:
    rest = set(mods)
    labels = []
    for label, group in _groups():
        if group <= rest:
            labels.append(label)
            rest -= group
    names = labels + [f"`{m.removeprefix('numerics.')}`" for m in sorted(rest)]
    return ", ".join(names) if names else "none"


def legend() -> str:
    """What the table's group labels stand for."""
    return "\n".join(f"- {label} = `{anchor}` and every numerics module below it: "
                      + ", ".join(f"`{m.removeprefix('numerics.')}`" for m in sorted(group - {anchor}))
                      for (label, anchor), (_, group) in zip(GROUPS, _groups())) + "\n"


def table(registry: dict[str, Any] | None = None) -> str:
    """The Markdown table of every claim's routes: entries and the numerics modules each runs."""
    if registry is None:
        from paper_checks.engine import load_registry
        registry = load_registry()
    lines = ["| claim | route | runs (declared) | numerics modules it runs (INFRASTRUCTURE left out) | "
             "shared, with the reason |",
             "|---|---|---|---|---|"]
    for cid in sorted(registry):
        c = registry[cid]
        rm = route_modules(c)
        excuses = "; ".join(f"`{m.removeprefix('numerics.')}`: {r}" for m, r in sorted(c.shared.items()))
        for i, (name, entries) in enumerate(sorted(c.routes.items())):
            own = rm[name] - set(INFRASTRUCTURE)
            lines.append(f"| {'`' + cid + '`' if i == 0 else ''} | {name} | "
                         f"{', '.join('`' + e + '`' for e in entries)} | {_short(own)} | "
                         f"{excuses if i == 0 else ''} |")
        if c.statement_code:
            mods: set[str] = set()
            for e in c.statement_code:
                mods |= entry_refs(e).modules
            names = ", ".join(f"`{e}`" for e in c.statement_code)
            lines.append(f"| | *(statement, applied to every route)* | {names} "
                         f"| {_short(numerics_below(mods) - set(INFRASTRUCTURE))} | |")
        if not c.routes:
            lines.append(f"| `{cid}` | (none declared) | | | |")
    return "\n".join(lines) + "\n"


DOCS = ROOT / "docs" / "checks.md"
BEGIN = "<!-- routes table: generated by paper_checks.routes.update_docs(); tests/test_routes.py keeps it current -->\n"
END = "<!-- end of routes table -->"


def docs_block() -> str:
    """The legend and the table, as they stand between the markers of docs/checks.md."""
    return legend() + "\n" + table()


def update_docs(path: Path = DOCS) -> bool:
    """Rewrite the routes table of docs/checks.md from the source; True when it changed.

        python -c "from paper_checks.routes import update_docs; update_docs()"
    """
    text = path.read_text()
    if BEGIN not in text or END not in text.partition(BEGIN)[2]:
        raise LookupError(f"{path} lacks the routes table markers")
    head, _, rest = text.partition(BEGIN)
    old, _, tail = rest.partition(END)
    new = docs_block()
    if new != old:
        path.write_text(head + BEGIN + new + END + tail)
    return new != old

"""Every claim's routes, read from the source: no two routes of a claim run a common numerics module unexcused.

The declarations live next to each claim (``@claim(..., routes=..., shared=..., statement_code=...)``);
``paper_checks.routes`` reads what each route imports with ``ast`` (docs/checks.md, "Routes"). The checker is
itself checked on planted declarations: a shared module, an undeclared module the check reaches, a route the
check never calls, a stale excuse, a name that does not exist.
"""
import re

import pytest

from paper_checks import routes
from paper_checks.engine import load_registry
from paper_checks.registry import Evidence, claim


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def test_every_claim_declares_independent_routes(registry):
    problems = [p for cid in sorted(registry) for p in routes.problems(registry[cid])]
    assert not problems, "\n".join(problems)


def test_the_docs_table_is_the_source_s():
    text = routes.DOCS.read_text()
    m = re.search(re.escape(routes.BEGIN) + r"(.*?)" + re.escape(routes.END), text, re.S)
    assert m, "docs/checks.md lost its routes table markers"
    assert m.group(1) == routes.docs_block(), ("docs/checks.md's routes table is stale: run "
                                              "python -c 'from paper_checks.routes import update_docs; update_docs()'")


def test_update_docs_rewrites_only_the_table(tmp_path):
    doc = tmp_path / "checks.md"
    doc.write_text("before\n" + routes.BEGIN + "stale\n" + routes.END + "\nafter\n")
    assert routes.update_docs(doc) is True
    assert doc.read_text() == "before\n" + routes.BEGIN + routes.docs_block() + routes.END + "\nafter\n"
    assert routes.update_docs(doc) is False


# -- the checker on planted declarations (claims registered in private registries, checks defined here) -----------

def _flow_and_quadrature(ctx):
    from numerics import general, singlesite
    return Evidence(bool(general and singlesite), "planted")


def _transfer_twice(ctx):
    from numerics import general, projection
    return Evidence(bool(general and projection), "planted")


def _declared(check, **kw):
    reg = {}
    claim("planted.claim", "planted", provenance="standard", hypotheses="-", registry=reg, **kw)(check)
    return reg["planted.claim"]


def test_independent_routes_pass():
    c = _declared(_flow_and_quadrature, routes={"flow": ["numerics.general"], "quadrature": ["numerics.singlesite"]})
    assert routes.problems(c) == []


def test_a_shared_module_is_caught_and_can_be_excused_only_with_a_reason():
    kw = {"routes": {"a": ["numerics.general"], "b": ["numerics.projection"]}}
    found = routes.problems(_declared(_transfer_twice, **kw))
    assert any("both run" in p and "numerics.transfer" in p for p in found), found
    common = routes.shared_modules(_declared(_transfer_twice, **kw))[("a", "b")] - set(routes.INFRASTRUCTURE)
    excused = _declared(_transfer_twice, shared={m: "planted reason" for m in common}, **kw)
    assert routes.problems(excused) == []
    blank = _declared(_transfer_twice, shared={m: " " for m in common}, **kw)
    assert any("without a reason" in p for p in routes.problems(blank))


def test_an_undeclared_module_the_check_reaches_is_caught():
    c = _declared(_flow_and_quadrature, routes={"flow": ["numerics.general"], "nothing": ["mpmath.quad"]})
    found = routes.problems(c)
    assert any("numerics.singlesite" in p and "no route declares" in p for p in found), found
    assert any("never uses" in p for p in found), found          # mpmath.quad is named, the check does not use it


def test_a_route_the_check_never_reaches_and_a_name_that_does_not_exist_are_caught():
    c = _declared(_flow_and_quadrature, routes={"flow": ["numerics.general"], "quadrature": ["numerics.singlesite"],
                                                "ghost": ["numerics.nystrom"], "typo": ["numerics.general.momets"]})
    found = routes.problems(c)
    assert any("'ghost'" in p and "never reaches" in p for p in found), found
    assert any("does not define" in p for p in found), found


def test_a_stale_excuse_and_a_single_route_are_caught():
    stale = _declared(_flow_and_quadrature,
                      routes={"flow": ["numerics.general"], "quadrature": ["numerics.singlesite"]},
                      shared={"numerics.kernel": "no longer shared"})
    assert any("which no two routes share" in p for p in routes.problems(stale))
    single = _declared(_flow_and_quadrature, routes={"flow": ["numerics.general", "numerics.singlesite"]})
    assert any("declares 1 route" in p for p in routes.problems(single))


def test_function_routes_are_read_through_their_helpers():
    """A claims-module function entry stands for what its body reaches: the Theorem R quadrature route runs the
    Nystrom discretization and the single-site quadrature, and none of the transfer-operator stack."""
    refs = routes.entry_refs("paper_checks.claims.numerics._a_star_nystrom")
    below = routes.numerics_below(refs.modules)
    assert {"numerics.nystrom", "numerics.singlesite"} <= below
    assert not below & {"numerics.transfer", "numerics.kernel", "numerics.general", "numerics.network.grid_chain"}


def test_a_dynamic_backend_counts_only_where_the_module_object_is_used():
    assert "numerics.general" in routes.closure({"numerics.api"})          # api.moments may run general
    assert "numerics.general" not in routes.closure({"numerics.exact"})    # exact imports api's classes only

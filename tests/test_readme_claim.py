"""The README's worked example of registering a claim runs as documented."""
import importlib.util
import pathlib
import re
import sys

import pytest

from paper_checks import engine
from paper_checks.registry import REGISTRY

ROOT = pathlib.Path(__file__).resolve().parents[1]


def readme_example():
    text = (ROOT / "README.md").read_text()
    section = text.split("## Adding a claim", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "the README's 'Adding a claim' section should hold one python example"
    return blocks[0]


def test_readme_claim_registers_and_holds(tmp_path, monkeypatch):
    pytest.importorskip("numerics.exact", reason="the example needs the Gaussian closed forms (numerics.exact)")
    path = tmp_path / "readme_lemmas.py"
    path.write_text(readme_example())
    before = set(REGISTRY)
    spec = importlib.util.spec_from_file_location("readme_lemmas", path)
    try:
        module = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, "readme_lemmas", module)          # paper_checks.routes reads its source
        spec.loader.exec_module(module)   # the project's own README text
        new = set(REGISTRY) - before
        assert new == {"lemma-2.xi-over-b"}
        reg = {i: REGISTRY[i] for i in new}
        from paper_checks import routes
        assert routes.problems(reg["lemma-2.xi-over-b"]) == []          # its routes are declared as documented
        results = engine.run(registry=reg, dps=30, progress=False)
        assert [r.verdict for r in results] == ["holds"], results[0].summary
        assert engine.exit_code(results) == 0
    finally:
        for i in set(REGISTRY) - before:
            del REGISTRY[i]

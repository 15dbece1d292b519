"""JSON Schemas (draft 2020-12) of every command's ``--json`` document, shipped as package data.

One file per command, ``<command>.json``, plus ``common.json`` with the number kinds and verdict
spellings of the convention in docs/json.md; the command schemas refer to it (and results/protocol
to train's row) by ``$id`` (``urn:rgdnn:schema:<name>``). Validating needs the ``jsonschema`` package
(a test dependency, not a runtime one).

>>> "flow" in names() and "common" not in names()
True
>>> load("flow")["$id"]
'urn:rgdnn:schema:flow'
"""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

__all__ = ["HERE", "load", "names", "validator"]

HERE = Path(__file__).resolve().parent
COMMON = "common"


def names():
    """The commands that have a schema (every ``rgdnn`` command), sorted."""
    return sorted(p.stem for p in HERE.glob("*.json") if p.stem != COMMON)


@cache
def _text(name):
    return (HERE / f"{name}.json").read_text(encoding="utf-8")


def load(name):
    """The schema of command ``name`` (or ``common``) as a fresh dict."""
    return json.loads(_text(name))


def validator(name):
    """A ``jsonschema`` validator for command ``name``, with every schema of this folder resolvable by ``$id``."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    schemas = [load(n) for n in [COMMON, *names()]]
    registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas)
    return Draft202012Validator(load(name), registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)

"""Depth runs through the experiment pipeline: trained `rgdnn depth` runs and the depth study (docs/theory.md 4.5).

A depth run (``numerics.network.depth_config.DepthConfig``, route "trained") is one network per depth L and
seed. Here its networks are the cells of a spec (``DepthSpec``) run by ``paper_checks.sweep.execute.run_sweep``:
one atomic record per network in a store directory, so a rerun skips the finished networks, and with
``workers`` > 1 the networks train in parallel on a local Dask cluster. Each cell is
``numerics.network.depth_trained.train_layer`` (the same function the in-process route
``trained_feature_laws`` runs, so both give the same numbers); the records become ``FeatureLaw`` s and
``numerics.network.depth.document`` turns them into the depth document (rows, references, verdicts).

- ``trained_laws(cfg, store=..)`` / ``trained_document(cfg, store=..)``: one run (``rgdnn depth --route trained``);
- ``study_spec(..)`` and ``run_study(spec, store)``: the depth study, every objective x standard example
  (docs/theory.md 6) x seeds, L = 1..5 as far as N = M b^L <= 1024 allows (b = 2; b = 3 on the Ising
  chain, where majority rule needs an odd block: L = 1..4 there); ``documents(spec, store)``
  rebuilds the documents from the records (``paper_checks.depth_report`` renders them).

A cell's key is a hash of its run's name, its L and seed and its complete TrainConfig (defaults included),
so a changed budget or default is a new cell.

>>> spec = study_spec(objectives=("decimate",), examples=("gaussian", "ising"), seeds=(0, 1), layers=2)
>>> cells = spec.cells()
>>> len(cells), cells[0].to_dict()["L"], cells[0].config["N"], cells[-1].config["ising"], cells[-1].config["N"]
(8, 1, 16, True, 72)
>>> len({c.key for c in cells})
8
>>> [cfg.layers for _, cfg in study_spec(objectives=("rsmi",), examples=("gaussian", "ising")).runs]
[5, 4]
"""
from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass, field
from functools import cached_property

from proofs.errors import RGDNNError

# The depth study (docs/depth.md): every objective on the standard examples, three seeds, L = 1..5, M = 8.
STUDY_EXAMPLES = ("gaussian", "single-well", "double-well", "ising")
STUDY_SEEDS = (0, 1, 2)
STUDY_LAYERS = 5
STUDY_M = 8


class CellsFailed(RGDNNError):
    """Some networks of a depth run failed; their records keep the errors, a rerun retries them."""


@dataclass(frozen=True)
class DepthCell:
    """One network of a depth run: the run's name, its depth L, its seed, and its TrainConfig (as a dict)."""

    run: str
    L: int
    seed: int
    config: dict = field(hash=False)

    @cached_property
    def key(self):
        """A stable 16-hex-digit id: run name, L, seed and the complete TrainConfig."""
        canon = {"run": self.run, "L": self.L, "seed": self.seed, "kind": "depth", "config": self.config}
        return hashlib.sha256(json.dumps(canon, sort_keys=True).encode()).hexdigest()[:16]

    def to_dict(self):
        c = self.config
        return {"key": self.key, "example": self.run, "kind": "depth", "L": self.L, "seed": self.seed,
                "config": dict(c), "K": c["K"], "a": list(c.get("a", [])), "objective": c["objective"]}


@dataclass(frozen=True)
class DepthSpec:
    """The networks of one or more depth runs: ((name, DepthConfig), ...), each its seeds x depths."""

    runs: tuple

    def cells(self):
        from numerics.network.depth_trained import cell_configs
        return [DepthCell(name, L, s, tc.to_dict()) for name, cfg in self.runs for L, s, tc in cell_configs(cfg)]

    def to_dict(self):
        """The spec as plain JSON data (recorded in the manifest; a rerun must match it)."""
        return {"depth_runs": [[name, cfg.to_dict()] for name, cfg in self.runs]}

    def cell_fn(self):
        """The function that runs one cell: ``depth_cell``."""
        return depth_cell

    def validate(self):
        """Build every cell's TrainConfig: a bad field fails now, with its typed error."""
        self.cells()


def depth_cell(cell):
    """Run one cell of a DepthSpec: ``numerics.network.depth_trained.train_layer`` on its TrainConfig."""
    from numerics.network.depth_trained import train_layer
    return train_layer(cell["config"])


def run_name(cfg, example=None):
    """'<example or chain> | <objective>': a run's name in the store and in the rendered tables."""
    chain = example or (f"Ising K = {cfg.K}" if cfg.ising else f"K = {cfg.K}, a = ({', '.join(cfg.a)})")
    return f"{chain} | {cfg.objective}"


def _laws(spec, records, name):
    from numerics.network.depth_trained import feature_law
    laws, failed = [], []
    for c in spec.cells():
        if c.run != name:
            continue
        rec = records.get(c.key, {})
        if rec.get("status") == "ok":
            laws.append(feature_law(rec["result"]))
        else:
            failed.append({"L": c.L, "seed": c.seed, "error": rec.get("error", "not run")})
    return laws, failed


def _run(spec, store, workers, progress, desc):
    from paper_checks.sweep.execute import run_sweep
    return run_sweep(spec, store, workers=workers, in_process=workers == 1, progress=progress, desc=desc,
                     name="store")


def trained_laws(cfg, *, store=None, workers=1, progress=True):
    """(FeatureLaws, SweepOutcome) of one trained depth run, its networks run through the pipeline.

    store: the store directory (resumable); None: a temporary one, removed afterwards. Raises CellsFailed
    (one line: how many, the first error, where the records are) when a network failed.
    """
    from paper_checks.sweep.store import ResultStore
    spec = DepthSpec(runs=((run_name(cfg), cfg),))
    with tempfile.TemporaryDirectory(prefix="rgdnn-depth-") as tmp:
        root = store or tmp
        outcome = _run(spec, root, workers, progress, f"depth {cfg.objective}")
        laws, failed = _laws(spec, ResultStore(root).records(), spec.runs[0][0])
    if failed:
        where = f"; their records are in {store}/cells, rerun the same command to retry them" if store else ""
        raise CellsFailed(f"{len(failed)} of {outcome.n_cells} networks failed (first: L = {failed[0]['L']}, seed "
                          f"{failed[0]['seed']}: {failed[0]['error']}){where}")
    return laws, outcome


TRAINED_NOTE = ("trained: one network per depth L and seed (N = M b^L), trained with the depth budget "
                "(numerics.network.depth_trained.DEPTH_BUDGET), chi-hat of the M feature units on the M-ring "
                "with delta-method covariance")


def trained_document(cfg, *, store=None, workers=1, progress=True):
    """The depth document (``numerics.network.depth.document``) of a trained run through the pipeline."""
    from numerics.network.depth import document
    from numerics.network.depth_exact import DEFINITIONAL
    laws, outcome = trained_laws(cfg, store=store, workers=workers, progress=progress)
    doc = document(cfg, laws, route_note=TRAINED_NOTE, definitional=DEFINITIONAL.get(cfg.objective))
    doc["pipeline"] = {"store": str(store) if store else None, "cells": outcome.n_cells,
                       "skipped": outcome.n_skipped, "run": outcome.n_run, "workers": outcome.workers}
    return doc


# -- the depth study ---------------------------------------------------------------------------------

def study_block(ising, b=None):
    """The study's block size: ``b`` if given, else 2, and 3 on Ising chains (majority rule needs an odd block,
    so that both schemes and the network coarse-grain by the same b^L there)."""
    return b if b is not None else (3 if ising else 2)


def study_spec(*, objectives=None, examples=STUDY_EXAMPLES, seeds=STUDY_SEEDS, layers=STUDY_LAYERS, M=STUDY_M,
               b=None, margin="relative", extra=None):
    """The study's DepthSpec: objectives x examples (``proofs.examples`` keys) as depth runs of ``layers``
    (block ``study_block``: 2, and 3 on Ising chains, unless ``b`` is given)."""
    from numerics.network.config import OBJECTIVES
    from numerics.network.depth_config import DepthConfig
    from numerics.network.depth_trained import MAX_N
    from proofs.examples import BY_KEY
    runs = []
    for key in examples:
        ex = BY_KEY[key]
        f = ex.fields
        block = study_block(f["ising"], b)
        # As deep as N = M b^L <= MAX_N allows on this chain (b = 3 on Ising stops at L = 4 for M = 8).
        # (none fits: keep `layers`, so that the run refuses it with the rule it broke)
        deepest = max([L for L in range(1, layers + 1) if M * block ** L <= MAX_N], default=layers)
        for o in (OBJECTIVES if objectives is None else objectives):
            cfg = DepthConfig(K=f["K"], a=tuple(f["a"]), ising=f["ising"], objective=o, layers=deepest,
                              route="trained", seeds=tuple(seeds), b=block, M=M, margin=margin,
                              extra=dict(extra or {}))
            runs.append((run_name(cfg, ex.name), cfg))
    return DepthSpec(runs=tuple(runs))


@dataclass(frozen=True)
class DepthStudy:
    """A study's outcome: one entry per run {"name", "example", "objective", "document" | None, "failed"}."""

    runs: list
    outcome: object

    @property
    def failed(self):
        return [f for r in self.runs for f in r["failed"]]

    def failure(self):
        """One line on the failed networks ('' when none)."""
        if not self.failed:
            return ""
        return (f"{len(self.failed)} of {self.outcome.n_cells} networks failed (first: {self.failed[0]['error']}); "
                f"their records are in {self.outcome.out / 'cells'}; rerun the same command to retry them")


def run_study(spec, store, *, workers=1, progress=True):
    """Run the spec's unfinished networks into ``store``; the documents rebuilt from every finished record."""
    outcome = _run(spec, store, workers, progress, "depth study")
    return DepthStudy(runs=documents(spec, store, progress=progress), outcome=outcome)


def documents(spec, store, *, progress=False):
    """[{"name", "example", "objective", "document", "failed"}] per run of ``spec`` from the records in ``store``.

    A run with a failed or missing network gets the document of the networks that finished (its rows say
    which L and seeds are there) and lists the rest under "failed"; a run with none gets document None.
    """
    from tqdm import tqdm

    from numerics.network.depth import document
    from numerics.network.depth_exact import DEFINITIONAL
    from paper_checks.sweep.store import ResultStore
    records = ResultStore(store).records()
    out = []
    for name, cfg in tqdm(spec.runs, disable=not progress, desc="depth documents", unit="run"):
        laws, failed = _laws(spec, records, name)
        doc = (document(cfg, laws, route_note=TRAINED_NOTE, definitional=DEFINITIONAL.get(cfg.objective))
               if laws else None)
        out.append({"name": name, "example": name.split(" | ")[0], "objective": cfg.objective, "document": doc,
                    "failed": failed})
    return out

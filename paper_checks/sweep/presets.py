"""Preset specs of the pipeline: the results study (docs/results.md) and the optimum-vs-optimizer protocol.

A ``StudySpec`` is the product variants x standard examples (``proofs.examples``, docs/theory.md 6)
x objectives x seeds, in that order, each cell one training at the default configuration plus the
variant's fields (``rgdnn results``: one variant, --steps and --eval-samples; ``rgdnn protocol``: one
variant per initialization), followed by the circularity demonstrations' trainings when asked for.
It runs like any spec (``execute.run_sweep``): one atomic record per cell in the store directory,
and a rerun loads the finished cells instead of training them again. A cell's key is a hash of
its row label and its complete TrainConfig (defaults included), so a changed default is a new cell.

>>> spec = StudySpec(examples=(("Gaussian", {"K": "0.5", "a": ["1"], "ising": False}),),
...                  objectives=("decimate", "infomax"), seeds=(0, 1), demos=True)
>>> cells = spec.cells()
>>> len(cells), cells[0].label, cells[1].config["seed"], cells[-1].label, cells[-1].kind
(11, ('example', 'Gaussian'), 1, ('demo', 'decimate_depth'), 'train')
>>> len({c.key for c in cells})
11
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property

from paper_checks.sweep.execute import run_sweep
from paper_checks.sweep.store import ResultStore


@dataclass(frozen=True)
class StudyCell:
    """One training of a study: its row label ("example" or "demo", name), kind and training fields."""

    label: tuple
    config: dict = field(hash=False)
    kind: str = "train"        # "train": train_and_compare; "bottleneck": the reparametrized autoencoder

    def train_config(self):
        """The cell's TrainConfig (validated: a bad field raises its typed error)."""
        from numerics.network.config import TrainConfig
        return TrainConfig.from_dict(self.config)

    @cached_property
    def key(self):
        """A stable 16-hex-digit id: the label, the kind and the complete TrainConfig (defaults included)."""
        canon = {"label": list(self.label), "kind": self.kind, "config": self.train_config().to_dict()}
        return hashlib.sha256(json.dumps(canon, sort_keys=True).encode()).hexdigest()[:16]

    def to_dict(self):
        c = self.config
        return {"key": self.key, self.label[0]: self.label[1], "kind": self.kind, "config": dict(c),
                "K": c["K"], "a": list(c.get("a", [])), "objective": c["objective"], "seed": c.get("seed", 0)}


@dataclass(frozen=True)
class StudySpec:
    """The trainings of a study: variants x examples x objectives x seeds, then the demonstrations."""

    examples: tuple             # ((table name, chain fields {"K", "a", "ising"}), ...)
    objectives: tuple
    seeds: tuple
    variants: tuple = ({},)     # TrainConfig fields added to every table cell, one block of cells each
    demos: bool = False

    def cells(self):
        from numerics.network.results import demonstration_runs
        out = [StudyCell(("example", name), {**fields, "objective": o, "seed": s, **variant})
               for variant in self.variants for name, fields in self.examples
               for o in self.objectives for s in self.seeds]
        if self.demos:
            out += [StudyCell(("demo", name), config, kind) for name, kind, config in demonstration_runs()]
        return out

    def to_dict(self):
        """The spec as plain JSON data (recorded in the manifest; a rerun must match it)."""
        return {"examples": [[name, dict(fields)] for name, fields in self.examples],
                "objectives": list(self.objectives), "seeds": list(self.seeds),
                "variants": [dict(v) for v in self.variants], "demos": self.demos}

    def cell_fn(self):
        """The function that runs one cell: ``numerics.network.results.study_cell``."""
        from numerics.network import results
        return results.study_cell

    def validate(self):
        """Build every cell's TrainConfig: a bad field fails now, with its typed error."""
        for c in self.cells():
            c.train_config()


@dataclass(frozen=True)
class Study:
    """A study's outcome: the table rows and demonstrations of its finished cells, and its failed records."""

    rows: list
    demos: dict | None
    failed: list
    outcome: object

    def failure(self):
        """One line on the failed cells ('' when none): how many, the first error, where the records are."""
        if not self.failed:
            return ""
        return (f"{len(self.failed)} of {self.outcome.n_cells} runs failed (first: {self.failed[0].get('error')}); "
                f"their records are in {self.outcome.out / 'cells'}; rerun the same command to retry them")


def run_study(spec, store, *, workers=1, progress=True, desc="results", on_record=None):
    """Run ``spec`` into the store directory (in this process for one worker, else on a local Dask
    cluster); the rows and demonstrations read back from the records."""
    from numerics.network.results import demonstrations_of
    outcome = run_sweep(spec, store, workers=workers, in_process=workers == 1, progress=progress, desc=desc,
                        name="store", on_record=on_record)
    records = ResultStore(store).records()
    cells = [(c, records.get(c.key, {})) for c in spec.cells()]
    failed = [r for _, r in cells if r.get("status") != "ok"]
    rows = [r["result"] for c, r in cells if c.label[0] == "example" and r.get("status") == "ok"]
    demos = demonstrations_of((c.label[1], r["result"]) for c, r in cells
                              if c.label[0] == "demo" and r.get("status") == "ok") if spec.demos else None
    return Study(rows=rows, demos=demos, failed=failed, outcome=outcome)

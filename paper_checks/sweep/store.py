"""The pipeline's result store: one JSON file per finished cell, written atomically, and the tables.

Layout of a store directory (a sweep's --out, the --store of ``rgdnn results`` and ``rgdnn protocol``)::

    cells/<key>.json    one record per cell (the source of truth)
    results.csv         the tidy table, one row per cell, regenerated from cells/
    manifest.json       versions, the spec, the machine, and one entry per run

A record is written to a temporary name in the same directory, flushed to disk and
renamed over its final name (``os.replace`` is atomic on POSIX), so a killed
process leaves either the whole record or none: never half of one. Readers ignore
the temporary names. Resume = the keys of the records with status "ok".

>>> import tempfile
>>> store = ResultStore(tempfile.mkdtemp())
>>> store.write({"key": "abc", "status": "ok", "cell": {"K": "0.5", "a": ["1"]},
...              "result": {"chi": {"K": "0.01", "a": ["0.87"]}, "verdict": "agree"}})
>>> sorted(store.records()), store.finished_keys()
(['abc'], {'abc'})
>>> flatten_record(store.records()["abc"])["chi_a_1"]
'0.87'
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

from proofs.errors import MalformedInput

# result entries that go into the table (flattened: chi -> chi_K, chi_a_1, ...); the rest
# (history, diagnostics) stay in the cell's JSON record
TABLE_RESULT_KEYS = ("chi", "se", "theta_star", "rg_L", "z", "verdict", "z_rg", "verdict_rg", "loss_gap",
                     "seconds", "imposed", "emergent")
HEAD = ("cell", "status", "K", "a", "objective", "L", "seed", "scheme", "b")
TAIL = ("wall_seconds", "worker", "error")


def atomic_write_text(path, text):
    """Write ``text`` to ``path`` atomically: temp file in the same directory, fsync, os.replace."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)        # mkstemp makes 0600; a result table is for everyone to read
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _flat(prefix, value, out):
    """chi = {"K": k, "a": [a1, a2]} -> chi_K, chi_a_1, chi_a_2 (a_k numbered from 1 as in docs/theory.md)."""
    if isinstance(value, dict):
        for k, v in value.items():
            _flat(f"{prefix}_{k}", v, out)
    elif isinstance(value, (list, tuple)) and prefix.split("_")[-1] in ("imposed", "emergent"):
        out[prefix] = ";".join(map(str, value))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value, 1):
            _flat(f"{prefix}_{i}", v, out)
    else:
        out[prefix] = value


def flatten_record(rec):
    """One table row from a cell record: the cell's axes, the flattened results, the error."""
    cell = rec.get("cell", {})
    row = {"cell": rec.get("key"), "status": rec.get("status")}
    row["K"] = cell.get("K")
    for i, ak in enumerate(cell.get("a", []), 1):
        row[f"a_{i}"] = ak
    for k in ("objective", "L", "seed", "scheme", "b"):
        row[k] = cell.get(k)
    result = rec.get("result") or {}
    for k in TABLE_RESULT_KEYS:
        if result.get(k) is not None:       # absent and None alike: an empty cell, not a column
            _flat(k, result[k], row)
    row["wall_seconds"] = rec.get("wall_seconds")
    w = rec.get("worker") or {}
    row["worker"] = f"{w.get('host', '')}:{w.get('pid', '')}" if w else ""
    row["error"] = rec.get("error", "")
    return row


def table_columns(rows):
    """Column order: the cell's axes, then each result group in TABLE_RESULT_KEYS order, then the tail."""
    groups = {g: i for i, g in enumerate(TABLE_RESULT_KEYS)}
    seen = {}
    for r in rows:
        for c in r:
            seen.setdefault(c, len(seen))

    def rank(c):
        if c in HEAD:
            return (0, HEAD.index(c), 0)
        if c.startswith("a_"):
            return (0, HEAD.index("a"), int(c[2:]))
        if c in TAIL:
            return (3, TAIL.index(c), 0)
        g = next((g for g in sorted(groups, key=len, reverse=True) if c == g or c.startswith(g + "_")), None)
        return (1, groups[g], seen[c]) if g else (2, seen[c], 0)

    return sorted(seen, key=rank)


def csv_text(rows):
    buf = io.StringIO()
    cols = table_columns(rows)
    w = csv.DictWriter(buf, fieldnames=cols, restval="", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if v is None else v) for k, v in r.items()})
    return buf.getvalue()


class ResultStore:
    """A store directory: atomic per-cell records, the tidy table and the manifest."""

    def __init__(self, root, name="out"):
        self.root = Path(root)
        self.cells_dir = self.root / "cells"
        self.name = name            # the flag that named the directory, for error messages

    def prepare(self):
        try:
            self.cells_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MalformedInput(self.name, str(self.root), f"cannot create the directory ({exc.strerror})") from None
        return self

    def path(self, key):
        return self.cells_dir / f"{key}.json"

    def write(self, record):
        """Write one cell's record atomically (a rerun of the cell replaces it whole)."""
        self.cells_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path(record["key"]), json.dumps(record, indent=1, sort_keys=True, default=str))

    def records(self):
        """{key: record} of every complete record; temporary files of interrupted writes are skipped."""
        out = {}
        if not self.cells_dir.is_dir():
            return out
        for p in sorted(self.cells_dir.glob("*.json")):
            try:
                rec = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise MalformedInput("cell record", str(p), f"is unreadable ({exc}); it was not written "
                                     "by rgdnn sweep (whose writes are atomic): remove it to rerun the cell") from None
            out[rec.get("key", p.stem)] = rec
        return out

    def finished_keys(self):
        """Keys of cells that finished successfully (failed cells are retried on a rerun)."""
        return {k for k, r in self.records().items() if r.get("status") == "ok"}

    def write_table(self, records=None):
        """Regenerate results.csv (atomically) from the records; returns its path."""
        recs = self.records() if records is None else records
        rows = [flatten_record(r) for _, r in sorted(recs.items(), key=lambda kv: _order(kv[1]))]
        path = self.root / "results.csv"
        atomic_write_text(path, csv_text(rows))
        return path

    def read_manifest(self):
        p = self.root / "manifest.json"
        if not p.exists():
            return None
        try:
            return json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise MalformedInput("manifest", str(p), f"is not valid JSON ({exc})") from None

    def write_manifest(self, manifest):
        atomic_write_text(self.root / "manifest.json", json.dumps(manifest, indent=1, sort_keys=True, default=str))


def _order(rec):
    """Rows in the spec's order when known (records carry their index), else by key."""
    return (rec.get("index", 10**9), rec.get("key", ""))

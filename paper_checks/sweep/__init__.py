"""Sweeps of the network experiment over theta, objectives, depths and seeds, on Dask.

One cell is one ``train`` plus the comparison of chi-hat with theta* and R^L(theta)
(docs/theory.md section 4). The modules, one job each:

- ``spec``: the sweep specification (TOML file or flags) and its cells;
- ``cell``: runs one cell on a worker, turning a failure into a record;
- ``store``: one JSON file per finished cell, written atomically; the tidy table
  and the manifest regenerated from them; resume reads it;
- ``execute``: the Dask execution (a local cluster, or an existing one);
- ``summary``: distances with confidence intervals over seeds, agreement
  fractions, figures.
"""

__all__ = ["cell", "execute", "spec", "store", "summary"]

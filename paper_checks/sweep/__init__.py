"""The experiment pipeline: spec -> cells -> executor -> atomic store -> summary and figures.

One cell is one training (``numerics.network.train``) plus, in a sweep, the comparison of chi-hat
with theta* and R^L(theta) (docs/theory.md section 4). The modules, one job each:

- ``spec``: the sweep specification (TOML file or flags) over theta, objectives, depths and seeds,
  and its cells;
- ``presets``: the preset specs of ``rgdnn results`` and ``rgdnn protocol`` (objectives x standard
  examples x seeds);
- ``cell``: runs one cell under the thread policy, turning a failure into a record;
- ``execute``: the executors (in this process, or on Dask: a local cluster or an existing one);
- ``store``: one JSON file per finished cell, written atomically; the tidy table
  and the manifest regenerated from them; resume reads it;
- ``summary``: distances with confidence intervals over seeds, agreement
  fractions, figures.
"""

__all__ = ["cell", "execute", "presets", "spec", "store", "summary"]

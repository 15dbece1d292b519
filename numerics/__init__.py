"""High-precision evaluation (mpmath, python-flint) and the Torch side of rgdnn.

Imports ``proofs`` (the exact layer) but never ``paper_checks`` or the CLI.
Precision is scoped: every function takes ``dps`` and works inside
``mp.workdps``; results carry their working precision and an error estimate.
"""
# The package version lives in the lowest layer that records it (run manifests); rgdnn re-exports it.
__version__ = "0.1.0"

# The modules; numerics.api is the entry point the upper layers use.
__all__ = ["__version__", "api", "arbtools", "blas", "blockspin", "certify", "decimation", "exact", "fixedpoint",
           "general", "gram", "kernel", "klrate", "marginal", "network", "nystrom", "outward", "point", "precision",
           "projection", "proved", "runtime", "singlesite", "sitemoments", "transfer"]

"""Dense float64 linear algebra (symmetric eigendecomposition, products) on one BLAS thread.

The matrices here have 50-500 rows: each call runs under the project's thread policy
(``numerics.runtime.one_thread``: OpenBLAS on one thread for the calling thread, restored afterwards),
so nothing global changes.

>>> import numpy as np
>>> lam, Q = eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
>>> [round(float(x), 12) for x in lam]
[1.0, 3.0]
"""
from __future__ import annotations

import numpy as np

from numerics.runtime import one_thread

__all__ = ["eigh", "matmul"]


def eigh(M):
    """numpy.linalg.eigh(M) with OpenBLAS limited to one thread for this call (where available)."""
    with one_thread():
        return np.linalg.eigh(M)


def matmul(A, B):
    """A @ B with OpenBLAS limited to one thread for this call (where available)."""
    with one_thread():
        return np.asarray(A) @ np.asarray(B)

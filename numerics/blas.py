"""Dense float64 linear algebra (symmetric eigendecomposition, products) on one BLAS thread.

The matrices here have 50-500 rows: a multi-threaded OpenBLAS spends more time
synchronizing than computing, and with two cores and other work running it was measured 35x slower
(50 ms instead of 1.5 ms for 110 x 110). ``openblas_set_num_threads_local`` scopes the
thread count to the calling thread, so nothing global changes.

>>> import numpy as np
>>> lam, Q = eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
>>> [round(float(x), 12) for x in lam]
[1.0, 3.0]
"""
from __future__ import annotations

import ctypes
import glob
import os
from contextlib import contextmanager

import numpy as np


def _openblas_local():
    libdir = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in glob.glob(os.path.join(libdir, "*openblas*.so*")):
        try:
            fn = ctypes.CDLL(path).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        fn.restype, fn.argtypes = ctypes.c_int, [ctypes.c_int]
        return fn
    return None


_SET_LOCAL = _openblas_local()


@contextmanager
def one_thread():
    """OpenBLAS on one thread for the calling thread, restored afterwards (no-op where unavailable)."""
    if _SET_LOCAL is None:
        yield
        return
    old = _SET_LOCAL(1)
    try:
        yield
    finally:
        _SET_LOCAL(old if old > 0 else 0)


def eigh(M):
    """numpy.linalg.eigh(M) with OpenBLAS limited to one thread for this call (where available)."""
    with one_thread():
        return np.linalg.eigh(M)


def matmul(A, B):
    """A @ B with OpenBLAS limited to one thread for this call (where available)."""
    with one_thread():
        return np.asarray(A) @ np.asarray(B)

"""How a computation runs and how that is recorded: the thread policy and the run manifest.

One thread policy, ``one_thread``: one math thread. The matrices here have 50-500 rows and the
networks are small: a multi-threaded OpenBLAS spends more time synchronizing than computing (with two
cores and other work running, measured 35x slower: 50 ms instead of 1.5 ms for a 110 x 110
eigendecomposition), and a training process or Dask worker is measured far steadier on one
torch/BLAS thread than on two. Called, ``one_thread()`` pins the calling thread's OpenBLAS
(``openblas_set_num_threads_local``, thread-local), torch's pool when torch is loaded, and the
environment that libraries not yet loaded and child processes read; ``with one_thread():`` restores
all three on exit, so a single call changes nothing global.

One manifest, ``manifest(**fields)``: the versions (Python, rgdnn with its git commit, the
libraries) and the machine, plus the caller's fields; a training result and a sweep directory both
carry one.

>>> with one_thread():
...     os.environ["OMP_NUM_THREADS"]
'1'
>>> m = manifest(seed=0)
>>> m["seed"], sorted(m["machine"]), m["versions"]["rgdnn"] == __import__("numerics").__version__
(0, ['cpus', 'host', 'machine', 'platform'], True)
"""
from __future__ import annotations

import ctypes
import functools
import glob
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

__all__ = ["THREAD_ENV", "machine", "manifest", "one_thread", "versions"]

# the environment of one math thread, for libraries that read it when they load (and child processes)
THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
# the libraries whose versions a manifest records (distribution names)
LIBRARIES = ("torch", "numpy", "mpmath", "sympy", "dask", "distributed", "python-flint")


def _openblas_local():
    """numpy's bundled ``openblas_set_num_threads_local``, or None where there is none."""
    import numpy as np
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


class _OneThread:
    """The policy applied at construction; undone by ``__exit__`` (what it changed, nothing else)."""

    def __init__(self):
        self._blas = _SET_LOCAL(1) if _SET_LOCAL is not None else None
        self._env = {k: os.environ.get(k) for k, v in THREAD_ENV.items() if os.environ.get(k) != v}
        os.environ.update({k: THREAD_ENV[k] for k in self._env})
        torch = sys.modules.get("torch")
        self._torch = None
        if torch is not None and torch.get_num_threads() != 1:
            self._torch = torch.get_num_threads()
            torch.set_num_threads(1)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._blas is not None:
            _SET_LOCAL(self._blas if self._blas > 0 else 0)
        for k, v in self._env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if self._torch is not None:
            sys.modules["torch"].set_num_threads(self._torch)
        return False


def one_thread():
    """One math thread: OpenBLAS for this thread, torch if loaded, THREAD_ENV; ``with``: restored on exit."""
    return _OneThread()


@functools.lru_cache(maxsize=1)
def versions():
    """Versions of Python, rgdnn (with its git commit when run from a checkout) and the libraries."""
    import numerics
    out = {"python": platform.python_version(), "rgdnn": numerics.__version__}
    for pkg in LIBRARIES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    try:
        root = Path(numerics.__file__).resolve().parent.parent
        out["git_commit"] = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                                           text=True, timeout=5).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        out["git_commit"] = None
    return out


def machine():
    """The host, platform, architecture and CPU count of this process's machine."""
    return {"host": platform.node(), "platform": platform.platform(), "machine": platform.machine(),
            "cpus": os.cpu_count()}


def manifest(**fields):
    """{"versions": versions(), "machine": machine(), **fields}: how a run was made, plus what the caller adds."""
    return {"versions": dict(versions()), "machine": machine(), **fields}

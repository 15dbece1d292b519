"""Claim modules: each registers its claims on import. ``load_all`` imports every one."""
import importlib
import pkgutil

# The claim modules are found by load_all (a new module needs no listing here).
__all__ = ["load_all"]


def load_all():
    """Import every module of this package, in name order (each registers its claims on import)."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        importlib.import_module(f"{__name__}.{info.name}")

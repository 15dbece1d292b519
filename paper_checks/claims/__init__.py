"""Claim modules: each registers its claims on import. ``load_all`` imports every one."""
import importlib
import pkgutil


def load_all():
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        importlib.import_module(f"{__name__}.{info.name}")

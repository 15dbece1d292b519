"""The registry of the paper's claims and the one engine that checks them.

A claim is a declared row (``paper_checks.registry.claim``); the modules in
``paper_checks.claims`` register them on import; ``paper_checks.engine.run``
runs them and returns verdicts with evidence.
"""

__all__ = ["claims", "compare", "depth", "depth_report", "engine", "figures", "protocol", "registry", "report",
           "routes", "sweep", "trained"]

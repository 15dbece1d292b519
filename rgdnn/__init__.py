"""rgdnn: the command-line layer on top of proofs, numerics and paper_checks."""
from numerics import __version__

__all__ = ["__version__", "cli", "commands", "schemas"]

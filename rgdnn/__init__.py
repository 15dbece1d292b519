"""rgdnn: the command-line layer on top of proofs, numerics and paper_checks."""
__version__ = "0.1.0"
